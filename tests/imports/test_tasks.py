"""Large files are checked and imported by django-q2 tasks; the browser sees a progress page and
then the preview or the result, and never waits on the long request."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Task

from shop.imports import jobs as product_import
from shop.imports import tasks
from shop.models import Product, ProductImport, StockMovement
from tests import factories
from tests.factories import import_row, product_sheet
from tests.helpers import IMPORT_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def background(monkeypatch, sync_tasks):
    """Files above three rows go to the task queue, and the queue runs in-process (django-q2 sync)."""
    monkeypatch.setattr(product_import, "FOREGROUND_ROWS", 3)


def test_a_large_file_is_checked_and_imported_by_tasks(importer, background, django_capture_on_commit_callbacks):
    rows = [import_row(f"BESAR-{n:03d}", stock=n % 4) for n in range(12)]
    with django_capture_on_commit_callbacks() as queued:
        response = importer.post(IMPORT_URL, {"file": product_sheet(rows)})
    job = ProductImport.objects.get()
    assert response["Location"] == f"{IMPORT_URL}{job.pk}/"
    assert job.status == ProductImport.Status.CHECK_QUEUED and len(queued) == 1

    page = importer.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    assert "Memeriksa berkas" in page and "<progress" in page and 'http-equiv="refresh"' in page
    assert "Konfirmasi" not in page

    queued[0]()  # the commit happens: django-q2 runs the check
    job.refresh_from_db()
    assert job.status == ProductImport.Status.CHECKED and job.new_rows == 12
    assert Task.objects.get(func="shop.imports.tasks.check_product_import").success
    page = importer.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    assert "Konfirmasi impor 12 baris" in page and 'http-equiv="refresh"' not in page
    assert not Product.objects.exists()

    with django_capture_on_commit_callbacks() as queued:
        importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    job.refresh_from_db()
    assert job.status == ProductImport.Status.IMPORT_QUEUED
    assert "Mengimpor" in importer.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    assert not Product.objects.exists()

    queued[0]()
    job.refresh_from_db()
    assert job.status == ProductImport.Status.DONE
    assert Task.objects.get(func="shop.imports.tasks.run_product_import").success
    assert Product.objects.count() == 12
    assert StockMovement.objects.count() == 9 == job.stock_movements
    page = importer.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    assert "Impor selesai" in page and "BESAR-011" in page


def test_the_progress_page_shows_how_far_a_running_import_is(importer, admin_user):
    job = factories.product_import(product_sheet([import_row("A-1")]), admin_user, checked=False)
    ProductImport.objects.filter(pk=job.pk).update(status=ProductImport.Status.IMPORTING, total_rows=2_000)
    product_import.write_progress(job, 500)
    page = importer.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    assert 'max="2000" value="500"' in page and "500 dari sekitar 2000 baris (25%)" in page


def test_a_retried_task_does_not_import_twice(admin_user):
    job = factories.confirmed_import(factories.product_import(product_sheet([import_row("A-1", stock=5)]), admin_user))
    assert job.status == ProductImport.Status.DONE
    assert tasks.run_product_import(job.pk) is None
    assert tasks.check_product_import(job.pk) is None
    assert StockMovement.objects.count() == 1 and Product.objects.get().stock == 5


def test_an_import_whose_worker_died_may_run_again(admin_user):
    job = factories.product_import(product_sheet([import_row("A-1", stock=5)]), admin_user)
    ProductImport.objects.filter(pk=job.pk).update(status=ProductImport.Status.IMPORTING, started_at=timezone.now())
    assert tasks.run_product_import(job.pk) is None, "still running elsewhere"
    ProductImport.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert tasks.run_product_import(job.pk) == ProductImport.Status.DONE
    assert Product.objects.get().stock == 5


def test_a_task_that_cannot_read_its_file_fails_with_a_message(admin_user):
    job = factories.product_import(product_sheet([import_row("A-1")]), admin_user, checked=False)
    job.file.storage.delete(job.file.name)
    assert tasks.check_product_import(job.pk) == ProductImport.Status.FAILED
    job.refresh_from_db()
    assert "kesalahan sistem" in job.message
    assert not Product.objects.exists()


@pytest.mark.fulltext
def test_search_index_of_a_large_import_is_refreshed_in_short_runs(admin_user, background, monkeypatch):
    monkeypatch.setattr(product_import, "REINDEX_BATCH", 2)
    # Where this test commits (MariaDB), on_commit would run the queued task at once; kept here to run by hand.
    queued = []
    monkeypatch.setattr(product_import, "enqueue", lambda task, *args: queued.append((task, *args)))
    job = factories.confirmed_import(
        factories.product_import(product_sheet([import_row(f"T-{n}", f"Tenun Ikat {n}") for n in range(5)]), admin_user)
    )
    assert queued == [("shop.imports.tasks.reindex_imported_products", job.pk)]
    assert not Product.objects.search("tenun"), "a large import leaves indexing to the task"
    last = product_import.refresh_search_index(job, seconds=0)
    assert last is not None and len(Product.objects.search("tenun")) == 2
    assert tasks.reindex_imported_products(job.pk, last) is None
    assert len(Product.objects.search("tenun")) == 5
