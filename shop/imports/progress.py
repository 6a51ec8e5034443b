"""How far a running check or import is: a small JSON file in private storage, written after each
chunk of the file and read by the progress page, then removed when the job finishes or its files
are cleared.
"""

import json
import os
from contextlib import suppress

from shop.core.storage import private_storage


def progress_path(job):
    return os.path.join(private_storage.location, "imports", "products", f"{job.pk}-progress.json")


def write_progress(job, rows_done):
    # A file, not the database: the import's own transaction would hide a progress column
    # from the page until the very end.
    path = progress_path(job)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as handle:
        json.dump({"done": rows_done}, handle)
    os.replace(path + ".tmp", path)


def remove_progress(job):
    # Gone already, or not removable: either way the page stops reading it once the job is finished.
    with suppress(OSError):
        os.remove(progress_path(job))


def read_progress(job):
    try:
        with open(progress_path(job)) as handle:
            return json.load(handle).get("done", 0)
    except (OSError, ValueError):
        return 0
