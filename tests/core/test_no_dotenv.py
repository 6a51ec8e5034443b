"""A developer's .env (real API keys, a production database) is never read by a test run."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Loads the settings the way Django does, with .env reading watched: prints what was read.
PROBE = """
import environ
read = []
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: read.append(str(args[0]) if args else "?"))
import tokoku.settings
print(read)
"""


def settings_reads(testing):
    env = {"PATH": "/usr/bin:/bin", "TOKOKU_TESTING": testing, "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_settings_under_tests_do_not_read_the_dotenv_file():
    assert settings_reads("1") == "[]"


def test_settings_outside_tests_read_the_dotenv_file():
    assert ".env" in settings_reads("0")
