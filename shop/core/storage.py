"""Where private files live: payment proofs and product-import files, never reachable by a link.

One server keeps them in PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT; several servers share no disk,
so with S3_* set they go to a private bucket (STORAGES["private"]: shop.core.s3_storage,
imported only then, as boto3 costs each process about 35 MB; tokoku/settings.py and
docs/deployment-several-servers.md). Either way they have no URL: the shop's views check who asks
and stream the file themselves.
"""

import os
import tempfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.deconstruct import deconstructible

PRIVATE = "private"
NO_URL = "Private files have no public URL; serve them through a permission-checked view."


class LocalPrivateStorage(FileSystemStorage):
    """PRIVATE_MEDIA_ROOT, read when used (a test or a restore may point it elsewhere)."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    def url(self, name):
        raise ValueError(NO_URL)


@deconstructible(path="shop.core.storage.PrivateStorage")
class PrivateStorage(Storage):
    """What the private FileFields name. Migrations 0003 and 0004 record it as `PrivateStorage()`, so
    the backend is not chosen here but looked up on every call from STORAGES["private"]: the same
    migrations serve local folders and buckets, and a change of STORAGES (tests) takes effect at once.
    """

    @property
    def backend(self):
        return storages[PRIVATE]

    def open(self, name, mode="rb"):
        return self.backend.open(name, mode)

    def save(self, name, content, max_length=None):
        return self.backend.save(name, content, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def get_valid_name(self, name):
        return self.backend.get_valid_name(name)

    def get_alternative_name(self, file_root, file_ext):
        return self.backend.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name, max_length=None):
        return self.backend.get_available_name(name, max_length=max_length)

    def path(self, name):
        return self.backend.path(name)

    def delete(self, name):
        return self.backend.delete(name)

    def exists(self, name):
        return self.backend.exists(name)

    def listdir(self, path):
        return self.backend.listdir(path)

    def size(self, name):
        return self.backend.size(name)

    def get_accessed_time(self, name):
        return self.backend.get_accessed_time(name)

    def get_created_time(self, name):
        return self.backend.get_created_time(name)

    def get_modified_time(self, name):
        return self.backend.get_modified_time(name)

    def url(self, name):
        raise ValueError(NO_URL)

    def replace(self, name, data):
        """Store `data` (bytes) as the whole of `name`, replacing it: a reader sees the old file or
        the new one, never half of one (progress files, proof previews)."""
        backend = self.backend
        if isinstance(backend, FileSystemStorage):
            path = backend.path(name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".part")
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        else:
            # save() would pick a new name beside an existing object; _save() writes this very key,
            # and an object store swaps a whole object in one PUT.
            backend._save(name, ContentFile(data))


private_storage = PrivateStorage()
