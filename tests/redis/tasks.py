"""A task for the workers of tests/redis/test_two_servers.py: each run of a schedule writes one line
(the schedule's name and the worker's process id) to the file RUNS_FILE names."""

import os


def note_run(name):
    with open(os.environ["RUNS_FILE"], "a", encoding="utf-8") as runs:
        runs.write(f"{name}\t{os.getpid()}\n")
