"""The private bucket, for STORAGES["private"] when S3_* is set (shop.core.storage says why a module of its own)."""

from storages.backends.s3 import S3Storage

from shop.core.storage import NO_URL


class PrivateS3Storage(S3Storage):
    """No link is ever made, not even a signed one: a link works for whoever holds it."""

    def url(self, name, *args, **kwargs):
        raise ValueError(NO_URL)
