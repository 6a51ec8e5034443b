"""Background jobs run by django-q2 (`manage.py qcluster`). Plain functions: enqueue them by
dotted path with `transaction.on_commit(lambda: async_task("shop.imports.tasks.<name>", ...))`."""

from shop.imports import jobs as product_import
from shop.imports.models import ProductImport


def check_product_import(import_id):
    """The preview of a large product file: every row checked, nothing written."""
    job = product_import.check_import(import_id)
    return job and job.status


def run_product_import(import_id):
    """A confirmed large product file, written in one transaction (all or nothing)."""
    job = product_import.run_import(import_id)
    return job and job.status


def reindex_imported_products(import_id, after_pk=0):
    """Search index entries for the products a large import wrote, a minute's worth per run;
    the rest goes to the next run, so no run nears the cluster's timeout."""
    job = ProductImport.objects.filter(pk=import_id).first()
    if job is None or job.started_at is None:
        return None
    last_pk = product_import.refresh_search_index(job, after_pk=after_pk, seconds=60)
    if last_pk is not None:
        product_import.enqueue("shop.imports.tasks.reindex_imported_products", import_id, last_pk)
    return last_pk
