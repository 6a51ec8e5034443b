"""A local S3 server for the object-storage tests (issue 15): moto's, in this process, on a free
loopback port. Each test that asks gets two new buckets and the settings tokoku/settings.py makes
from S3_* variables pointing at them, so the backends, their options and the start-up checks under
test are the shop's own, not copies written for the tests."""

import itertools
import logging
import runpy
import threading

import boto3
import pytest
from botocore.config import Config

from .s3 import KEYS, S3_VARIABLES, SETTINGS_FILE, Buckets, public_read_policy

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def s3_endpoint():
    moto_server = pytest.importorskip("moto.server", reason="moto[s3] with flask is not installed: no local S3 server")
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.ERROR)  # one line per request otherwise
    # Port 0: the system picks a free port, so two test runs side by side never collide.
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    # start() waits for the server for ever and never reports a failure to bind: waited on here instead.
    starting = threading.Thread(target=server.start, daemon=True)
    starting.start()
    starting.join(30)
    if starting.is_alive():
        pytest.skip("moto's S3 server did not start on 127.0.0.1 (no free loopback port, or it failed to bind)")
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
    werkzeug.setLevel(level)


@pytest.fixture
def s3_client(s3_endpoint):
    """A client of the local server with the owner's keys, to look into the buckets."""
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["S3_SECRET_ACCESS_KEY"],
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture
def settings_from_environment(monkeypatch):
    """Runs tokoku/settings.py afresh with these S3_* variables (the others unset) and returns its names."""

    def run(**variables):
        with monkeypatch.context() as patch:
            for name in S3_VARIABLES:
                patch.delenv(name, raising=False)
            for name, value in variables.items():
                patch.setenv(name, value)
            return runpy.run_path(str(SETTINGS_FILE))

    return run


@pytest.fixture
def object_storage(s3_endpoint, s3_client, settings, settings_from_environment):
    """Switches the shop to two new buckets on the local server, as an owner does with S3_* variables.

    Setting STORAGES through pytest-django's `settings` sends setting_changed, on which Django drops
    its cached storages and default_storage; they are dropped again when the test ends.
    """

    def switch(custom_domain=""):
        number = next(_numbers)
        buckets = Buckets(s3_endpoint, f"tokoku-media-{number}", f"tokoku-private-{number}")
        s3_client.create_bucket(Bucket=buckets.public)
        s3_client.create_bucket(Bucket=buckets.private)
        s3_client.put_bucket_policy(Bucket=buckets.public, Policy=public_read_policy(buckets.public))
        built = settings_from_environment(
            S3_BUCKET=buckets.public,
            S3_PRIVATE_BUCKET=buckets.private,
            S3_ENDPOINT_URL=s3_endpoint,
            S3_CUSTOM_DOMAIN=custom_domain,
            **KEYS,
        )
        settings.STORAGES = built["STORAGES"]
        return buckets

    return switch


@pytest.fixture
def buckets(object_storage):
    return object_storage()
