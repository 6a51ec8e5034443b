"""How far a running check or import is: a small JSON file in private storage, written after each
chunk of the file and read by the progress page, then removed when the job finishes or its files
are cleared.

Private storage is a bucket when the shop runs on several servers: the worker writing the file and
the web server showing the page are then different machines, so the file goes through the storage,
never through a local path.
"""

import json
import logging

from shop.core.storage import private_storage

logger = logging.getLogger(__name__)

# A progress file is only for the progress bar: failing to write, read or remove one must never fail the
# import. A bucket's failures are botocore's exceptions, which are not imported here (boto3 is loaded only
# with S3_* set), hence Exception.
STORAGE_ERRORS = (Exception,)


def progress_name(job):
    return f"imports/products/{job.pk}-progress.json"


def write_progress(job, rows_done):
    # A file, not the database: the import's own transaction would hide a progress column
    # from the page until the very end.
    try:
        private_storage.replace(progress_name(job), json.dumps({"done": rows_done}).encode())
    except STORAGE_ERRORS:
        logger.warning("Could not write the progress of product import %s", job.pk, exc_info=True)


def remove_progress(job):
    # Gone already, or not removable: either way the page stops reading it once the job is finished.
    try:
        private_storage.delete(progress_name(job))
    except STORAGE_ERRORS:
        logger.warning("Could not remove the progress file of product import %s", job.pk, exc_info=True)


def read_progress(job):
    try:
        with private_storage.open(progress_name(job), "rb") as handle:
            return json.load(handle).get("done", 0)
    except (*STORAGE_ERRORS, ValueError):
        return 0
