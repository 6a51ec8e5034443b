"""The local S3 server's side of the object-storage tests: the shop's buckets as an owner sets them
up (docs/deployment-several-servers.md), and what a visitor without keys gets from them."""

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "tokoku" / "settings.py"

S3_VARIABLES = (
    "S3_BUCKET",
    "S3_PRIVATE_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_REGION",
    "S3_CUSTOM_DOMAIN",
    "S3_ADDRESSING_STYLE",
)
KEYS = {"S3_ACCESS_KEY_ID": "tokoku-uji", "S3_SECRET_ACCESS_KEY": "rahasia-uji"}


@dataclass
class Buckets:
    endpoint: str
    public: str
    private: str


def public_read_policy(bucket):
    """The policy docs/deployment-several-servers.md puts on the public bucket: anyone may read objects, nothing else."""
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def anonymous_get(url):
    """(status, body) of a GET without credentials, as a visitor's browser sends it."""
    try:
        with urlopen(url) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, b""


def keys(client, bucket):
    return {item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])}
