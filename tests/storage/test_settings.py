"""S3_* settings (issue 15): nothing set keeps files on this server's disk; set, they choose the
buckets; half set, the shop refuses to start and names what is missing. Migrations do not change
with them (the private FileFields keep naming shop.storage.PrivateStorage)."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from .s3 import KEYS, SETTINGS_FILE

ROOT = SETTINGS_FILE.parents[1]
S3 = {"S3_BUCKET": "toko-media", "S3_PRIVATE_BUCKET": "toko-privat", **KEYS}


def test_without_s3_settings_files_stay_on_local_disk(settings_from_environment):
    storages = settings_from_environment()["STORAGES"]

    assert storages["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert storages["private"] == {"BACKEND": "shop.core.storage.LocalPrivateStorage"}


def test_s3_settings_put_pictures_in_the_public_bucket_and_private_files_in_the_other(settings_from_environment):
    storages = settings_from_environment(
        **S3, S3_ENDPOINT_URL="https://s3.example.test", S3_REGION="auto", S3_CUSTOM_DOMAIN="cdn.example.test"
    )["STORAGES"]

    public, private = storages["default"], storages["private"]
    assert public["BACKEND"] == "storages.backends.s3.S3Storage"
    assert private["BACKEND"] == "shop.core.s3_storage.PrivateS3Storage"
    assert (public["OPTIONS"]["bucket_name"], private["OPTIONS"]["bucket_name"]) == ("toko-media", "toko-privat")
    assert public["OPTIONS"]["querystring_auth"] is False and public["OPTIONS"]["custom_domain"] == "cdn.example.test"
    assert "custom_domain" not in private["OPTIONS"]
    for options in (public["OPTIONS"], private["OPTIONS"]):
        assert options["default_acl"] is None, "objects are created private; the public bucket's policy opens it"
        assert options["file_overwrite"] is False
        assert (options["endpoint_url"], options["region_name"]) == ("https://s3.example.test", "auto")
        assert options["client_config"].s3 == {"addressing_style": "path"}
        assert options["client_config"].request_checksum_calculation == "when_required"


@pytest.mark.parametrize("missing", ["S3_PRIVATE_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_BUCKET"])
def test_half_set_object_storage_is_refused_naming_what_is_missing(settings_from_environment, missing):
    with pytest.raises(ImproperlyConfigured, match=missing):
        settings_from_environment(**{name: value for name, value in S3.items() if name != missing})


def test_one_bucket_for_both_is_refused(settings_from_environment):
    with pytest.raises(ImproperlyConfigured, match="S3_PRIVATE_BUCKET must be another bucket"):
        settings_from_environment(**{**S3, "S3_PRIVATE_BUCKET": S3["S3_BUCKET"]})


def manage(tmp_path, *arguments, **variables):
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("S3_")},
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_the_shop_does_not_start_with_half_set_object_storage(tmp_path):
    result = manage(tmp_path, "check", S3_BUCKET="toko-media")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "S3_PRIVATE_BUCKET" in result.stderr


def test_migrations_do_not_change_with_object_storage(tmp_path):
    result = manage(tmp_path, "makemigrations", "--check", "--dry-run", **S3, S3_ENDPOINT_URL="http://127.0.0.1:9")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_a_shop_on_local_disk_does_not_load_boto3(tmp_path):
    """boto3 and botocore cost each process about 35 MB (bench/memory): only object storage loads them."""
    script = (
        "import sys, django; django.setup(); "
        "from django.core.management import call_command; call_command('migrate', verbosity=0); "
        "from django.test import Client; "
        "from shop.core.storage import private_storage; private_storage.exists('x'); "
        "from shop.imports import progress; "
        "Client().get('/'); "
        "print(sorted(name for name in ('boto3', 'botocore', 'storages.backends.s3') if name in sys.modules))"
    )
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("S3_")},
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "tokoku.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'memory.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
