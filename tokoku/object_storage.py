"""STORAGES for S3-compatible object storage, when the shop runs on several servers (S3_* settings).

S3_BUCKET holds product pictures and Wagtail images and renditions, readable by anyone through the
bucket's policy; S3_PRIVATE_BUCKET holds payment proofs and import files, never public, streamed
only by the shop's permission-checked views (docs/deployment-several-servers.md). boto3 is loaded
only here, only then: it costs each process about 35 MB (bench/memory).
"""

from django.core.exceptions import ImproperlyConfigured


def object_storages(env, *, max_memory_size):
    """STORAGES["default"] and ["private"] on the two buckets, from the environment; nothing (local
    folders) when no bucket is named; refuses a half-set configuration."""
    bucket = env.str("S3_BUCKET", default="")  # public
    private_bucket = env.str("S3_PRIVATE_BUCKET", default="")
    if not (bucket or private_bucket):
        return {}
    access_key = env.str("S3_ACCESS_KEY_ID", default="")
    secret_key = env.str("S3_SECRET_ACCESS_KEY", default="")
    # Empty for Amazon S3; otherwise the provider's (MinIO, Cloudflare R2, IDCloudHost, Biznet Gio...).
    endpoint_url = env.str("S3_ENDPOINT_URL", default="")
    region = env.str("S3_REGION", default="")
    # A CDN or the public bucket's own domain, used in the addresses of pictures instead of the endpoint.
    custom_domain = env.str("S3_CUSTOM_DOMAIN", default="")
    # "path" (endpoint/bucket/key) is what MinIO and most other providers answer without wildcard DNS.
    addressing_style = env.str("S3_ADDRESSING_STYLE", default="path" if endpoint_url else "auto")
    required = {
        "S3_BUCKET": bucket,
        "S3_PRIVATE_BUCKET": private_bucket,
        "S3_ACCESS_KEY_ID": access_key,
        "S3_SECRET_ACCESS_KEY": secret_key,
    }
    missing = [name for name, value in required.items() if not value]
    if missing:
        raise ImproperlyConfigured(
            f"Object storage is half set: {', '.join(missing)} must be set too "
            "(see docs/deployment-several-servers.md), or S3_BUCKET and S3_PRIVATE_BUCKET left empty."
        )
    if private_bucket == bucket:
        raise ImproperlyConfigured(
            "S3_PRIVATE_BUCKET must be another bucket than S3_BUCKET: anyone can read the public one."
        )
    from botocore.config import Config  # noqa: PLC0415  (boto3 only for shops on object storage)

    options = {
        "access_key": access_key,
        "secret_key": secret_key,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        "client_config": Config(
            s3={"addressing_style": addressing_style},
            # Since boto3 1.36 every upload carries a CRC checksum that several S3-compatible
            # services refuse; they get only the checksums an operation requires.
            **(
                {"request_checksum_calculation": "when_required", "response_checksum_validation": "when_required"}
                if endpoint_url
                else {}
            ),
        ),
        # A second "foto.jpg" gets a name of its own, as on disk, instead of replacing the first.
        "file_overwrite": False,
        # No ACL header: objects are created private (the S3 default). Amazon S3 buckets made since
        # 2023 refuse uploads that ask for public-read, and R2 has no object ACLs at all; the public
        # bucket is opened by its policy instead, for pictures and renditions alike.
        "default_acl": None,
        # A downloaded file (a proof streamed to CS, a spreadsheet being imported) beyond this size
        # waits in a temporary file, not in memory.
        "max_memory_size": max_memory_size,
    }
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **options,
                "bucket_name": bucket,
                "custom_domain": custom_domain or None,
                # Plain, lasting addresses: pages that show pictures are cached and pictures sit behind a CDN.
                "querystring_auth": False,
            },
        },
        "private": {
            "BACKEND": "shop.core.s3_storage.PrivateS3Storage",
            "OPTIONS": {**options, "bucket_name": private_bucket},
        },
    }
