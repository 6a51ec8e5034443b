"""Old product-import files are deleted; the import's record and its counts stay.

Every upload keeps the spreadsheet, its per-row report, a progress file and any .zip of pictures
in private storage. A shop that imports its catalogue weekly would pile them up for ever, and they
hold supplier prices, so after `IMPORT_FILES_KEEP_DAYS` they go. Run daily by the schedule "Hapus berkas impor
lama".
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.core.storage import private_storage
from shop.imports.models import ProductImport
from shop.imports.pictures import delete_archive
from shop.imports.progress import remove_progress

RUNNING = [
    ProductImport.Status.CHECK_QUEUED,
    ProductImport.Status.CHECKING,
    ProductImport.Status.IMPORT_QUEUED,
    ProductImport.Status.IMPORTING,
]


def clear_old_import_files(now=None):
    """Delete the files of imports older than the setting; returns how many imports were cleared.

    An import still running is left alone whatever its age. One checked but never confirmed can
    no longer be confirmed without its file, so it is marked failed and says why.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.IMPORT_FILES_KEEP_DAYS)
    old = ProductImport.objects.filter(created_at__lt=cutoff).exclude(status__in=RUNNING).exclude(file="", report="")
    cleared = 0
    for job in old.iterator():
        delete_archive(job)  # found by the spreadsheet's name, so before that goes
        for stored in (job.file, job.report):
            if stored:
                private_storage.delete(stored.name)
        remove_progress(job)
        job.file = job.report = ""
        fields = ["file", "report"]
        if job.status == ProductImport.Status.CHECKED:
            job.status = ProductImport.Status.FAILED
            job.message = _(
                "Berkas dihapus karena tidak dikonfirmasi dalam %(days)s hari. Unggah ulang untuk mengimpor."
            ) % {"days": settings.IMPORT_FILES_KEEP_DAYS}
            fields += ["status", "message"]
        job.save(update_fields=fields)
        cleared += 1
    return cleared
