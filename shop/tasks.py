"""Background jobs run by django-q2 (`manage.py qcluster`). Plain functions: enqueue them by
dotted path with `transaction.on_commit(lambda: async_task("shop.tasks.<name>", ...))`."""

from shop import product_import


def check_product_import(import_id):
    """The preview of a large product file: every row checked, nothing written."""
    job = product_import.check_import(import_id)
    return job and job.status


def run_product_import(import_id):
    """A confirmed large product file, written in one transaction (all or nothing)."""
    job = product_import.run_import(import_id)
    return job and job.status
