"""`make run` stops its web server and task worker together, even ones that ignore TERM (scripts/run_dev.py)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A child that ignores TERM and INT and leaves a grandchild doing the same: django-q2's worker tree
# finishing a task, at its worst.
STUBBORN = """
import os, signal, subprocess, sys, time
for s in (signal.SIGTERM, signal.SIGINT):
    signal.signal(s, signal.SIG_IGN)
grandchild = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
with open(sys.argv[1], "a") as pids:
    pids.write(f"{os.getpid()}\\n{grandchild.pid}\\n")
time.sleep(600)
"""

SUPERVISOR = """
import sys
sys.path.insert(0, {scripts!r})
import run_dev
stubborn = [sys.executable, "-c", {stubborn!r}, {pids!r}]
failing = [sys.executable, "-c", "import time; time.sleep(2); raise SystemExit(3)"]
sys.exit(run_dev.supervise({commands}, grace=1))
"""


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for its reaper is gone for every practical purpose.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def supervisor(tmp_path, commands, children):
    pids_file = tmp_path / "pids"
    pids_file.touch()
    code = SUPERVISOR.format(scripts=str(ROOT / "scripts"), stubborn=STUBBORN, pids=str(pids_file), commands=commands)
    process = subprocess.Popen([sys.executable, "-c", code])
    assert wait_for(lambda: len(pids_file.read_text().split()) == 2 * children), "the children did not start"
    return process, [int(pid) for pid in pids_file.read_text().split()]


def test_ctrl_c_stops_every_process_even_those_ignoring_term(tmp_path):
    process, pids = supervisor(tmp_path, "[stubborn, stubborn]", children=2)
    assert all(alive(pid) for pid in pids)

    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=30) == 0
    assert wait_for(lambda: not any(alive(pid) for pid in pids)), "a worker process was left behind"


def test_term_from_outside_stops_everything_too(tmp_path):
    process, pids = supervisor(tmp_path, "[stubborn, stubborn]", children=2)

    process.terminate()

    assert process.wait(timeout=30) == 0
    assert wait_for(lambda: not any(alive(pid) for pid in pids))


def test_when_one_process_dies_the_other_is_stopped(tmp_path):
    # The web server failing to start (a port in use) must not leave the worker running on its own.
    process, pids = supervisor(tmp_path, "[stubborn, failing]", children=1)

    assert process.wait(timeout=30) == 3
    assert wait_for(lambda: not any(alive(pid) for pid in pids))
