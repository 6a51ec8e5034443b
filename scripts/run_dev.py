#!/usr/bin/env python
"""`make run`: the development web server and the task worker together, stopped together.

Ctrl+C reaches every process of the terminal's foreground group, but a worker started with `&`
from make's shell ignores SIGINT and waited for a TERM that came only once the shell noticed;
django-q2 then lets a running task finish before it stops. Here each process gets its own process
group and one signal; whatever is still alive after a short grace period is killed with its
children, so the terminal is free at once and no worker is left behind.

Usage: run_dev.py HOST:PORT   (the Python and manage.py of this checkout; DEBUG=1 is set by make)
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE_SECONDS = float(os.environ.get("TOKOKU_STOP_GRACE", "3"))
ROOT = Path(__file__).resolve().parent.parent


def start(command):
    # Own process group: the terminal's Ctrl+C is ours to forward, and a kill reaches grandchildren.
    return subprocess.Popen(command, cwd=ROOT, start_new_session=True)


def stop(processes, grace=GRACE_SECONDS):
    """TERM every process group, wait up to `grace` seconds, then KILL what is left."""
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    for process in processes:
        # Also the group when the leader is gone: django-q2's workers can outlive their parent.
        _signal_group(process, signal.SIGKILL)
        process.wait()


def _signal_group(process, signum):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def supervise(commands, grace=GRACE_SECONDS):
    """Run the commands until one ends or we are told to stop; return the exit status to report."""
    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    processes, ended = [], []
    try:
        processes = [start(command) for command in commands]
        while not stopping and not ended:
            ended = [process.returncode for process in processes if process.poll() is not None]
            time.sleep(0.1)
    finally:
        stop(processes, grace)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    # Report the status of the process that ended on its own (a port in use), not of those we stopped.
    return 0 if stopping else ended[0]


def main(argv):
    address = argv[1] if len(argv) > 1 else "127.0.0.1:8000"
    python = sys.executable
    commands = [
        [python, "manage.py", "qcluster"],
        [python, "manage.py", "runserver", address],
    ]
    return supervise(commands)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
