"""gunicorn.conf.py reads its settings as the shop does: the environment first, then the shop's .env."""

import os
import subprocess
import sys

from tests.redis.processes import ROOT


def workers_read_from(directory, **environment):
    """gunicorn's `workers` as its config file in `directory` works it out, in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if k not in ("TOKOKU_TESTING", "WEB_CONCURRENCY")}
    env.update(PYTHONPATH=str(ROOT), **environment)
    command = [sys.executable, "-c", "import runpy; print(runpy.run_path('gunicorn.conf.py')['workers'])"]
    return int(subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, check=True).stdout)


def test_web_concurrency_is_read_from_the_shops_env_file_as_every_other_setting(tmp_path):
    (tmp_path / "gunicorn.conf.py").write_text((ROOT / "gunicorn.conf.py").read_text())
    (tmp_path / ".env").write_text("WEB_CONCURRENCY=3\n")

    assert workers_read_from(tmp_path) == 3
    assert workers_read_from(tmp_path, WEB_CONCURRENCY="1") == 1, "the environment wins over .env"
    assert workers_read_from(tmp_path, TOKOKU_TESTING="1") == 2, "a test run never reads .env"
