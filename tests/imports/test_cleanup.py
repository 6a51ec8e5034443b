"""Old product-import files are deleted by the daily job; the import's record and counts stay."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from shop.core.storage import private_storage
from shop.imports.cleanup import clear_old_import_files
from shop.models import ProductImport
from tests.factories import import_row, product_sheet
from tests.helpers import IMPORT_URL

pytestmark = pytest.mark.django_db


def uploaded(importer, category, *, confirm):
    sheet = product_sheet([import_row("BARU-1", "Kaos Baru", category.name, 150_000, stock=5)])
    importer.post(IMPORT_URL, {"file": sheet})
    job = ProductImport.objects.latest("pk")
    if confirm:
        importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    job.refresh_from_db()
    return job


def age(job, days):
    ProductImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_files_of_old_imports_go_and_their_records_stay(importer, category, settings):
    settings.IMPORT_FILES_KEEP_DAYS = 30
    old = uploaded(importer, category, confirm=True)
    recent = uploaded(importer, category, confirm=False)
    old_files = [old.file.name, old.report.name]
    assert all(private_storage.exists(name) for name in old_files)
    age(old, 31)
    age(recent, 29)

    assert clear_old_import_files() == 1
    assert clear_old_import_files() == 0  # nothing left to clear
    old.refresh_from_db()
    assert not any(private_storage.exists(name) for name in old_files)
    assert (old.file.name, old.report.name) == ("", "")
    assert old.status == ProductImport.Status.DONE and old.new_rows == 1
    assert importer.get(f"{IMPORT_URL}{old.pk}/").status_code == 200  # the record still opens
    assert importer.get(f"{IMPORT_URL}{old.pk}/masalah.xlsx").status_code == 404
    recent.refresh_from_db()
    assert recent.file and private_storage.exists(recent.file.name)


def test_an_old_preview_never_confirmed_can_no_longer_be_confirmed(importer, category, settings):
    settings.IMPORT_FILES_KEEP_DAYS = 30
    job = uploaded(importer, category, confirm=False)
    assert job.status == ProductImport.Status.CHECKED
    age(job, 40)
    clear_old_import_files()
    job.refresh_from_db()
    assert job.status == ProductImport.Status.FAILED and "Unggah ulang" in job.message
    importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    job.refresh_from_db()
    assert job.status == ProductImport.Status.FAILED


def test_a_running_import_is_left_alone_whatever_its_age(importer, category):
    job = uploaded(importer, category, confirm=False)
    ProductImport.objects.filter(pk=job.pk).update(status=ProductImport.Status.IMPORTING)
    age(job, 400)
    assert clear_old_import_files() == 0
    assert private_storage.exists(job.file.name)


def test_the_cleanup_runs_daily():
    schedule = Schedule.objects.get(func="shop.imports.cleanup.clear_old_import_files")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
