"""gunicorn's master runs the task cluster (issue 15, memory: gunicorn.conf.py, tokoku/web_tasks.py).

Real gunicorn, started as README's single-server unit starts it (the project's gunicorn.conf.py, read
from the working directory), on the test database's committed rows. With TASKS_IN_WEB at its default
the master forks the django-q2 cluster, which runs what is queued; a TERM to the master ends every
process of the tree; a cluster that dies takes the master down with a line in its log, so that
systemd starts both again; TASKS_IN_WEB=false starts no cluster.

A process counts as ended once it has exited, reaped or not: a process whose parent died is adopted
by init, and the init of some containers never reaps.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django_q.models import Task
from django_q.tasks import async_task

from tests.redis.processes import ROOT, free_port, shop_environment, wait_for

# Rows the processes see must be committed; serialized_rollback, as tests/redis, so that the tests after
# these find the rows migrations made (content types, the schedules).
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Ceilings for what the tests wait for, not timings they assert: start-up loads the whole application.
START_SECONDS = 90
STOP_SECONDS = 60


# --- Processes, read from /proc ---------------------------------------------------------------


def stat(pid):
    """(state, parent, process group, start time) of a process, None once it is gone. The start time
    tells a process from a later one that got the same pid."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[1]), int(fields[2]), int(fields[19])


def running(pid):
    found = stat(pid)
    return found is not None and found[0] not in ("Z", "X")


def children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (info := stat(entry.name)) and info[1] == pid and info[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return sorted(found)


def descendants(pid):
    found, todo = [], [pid]
    while todo:
        below = children(todo.pop())
        found += below
        todo += below
    return found


class Gunicorn:
    """gunicorn tokoku.wsgi on a free loopback port, one sync worker, its log in `log`."""

    def __init__(self, workdir, **environment):
        self.port = free_port()
        self.log = workdir / f"gunicorn-{self.port}.log"
        # The broker this process queues on (the ORM, or the Redis of REDIS_URL when a run sets one).
        env = shop_environment(os.environ.get("REDIS_URL", ""), Q_WORKERS="1")
        env.pop("TASKS_IN_WEB", None)
        env.update(environment)
        command = [str(Path(sys.executable).parent / "gunicorn"), "tokoku.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", "1"]
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.pid = self.process.pid
        self.seen = {}  # pid: start time of every process of the tree seen, to end at the close whatever happened

    def logged(self):
        return self.log.read_text(errors="replace")

    def tree(self):
        found = [self.pid, *descendants(self.pid)]
        self.seen.update({pid: info[3] for pid in found if (info := stat(pid))})
        return found

    def cluster(self):
        """The master's child that leads a process group of its own (web workers stay in the master's)."""
        leaders = [pid for pid in children(self.pid) if (info := stat(pid)) and info[2] == pid]
        assert len(leaders) <= 1, f"more than one task cluster: {leaders}"
        return leaders[0] if leaders else None

    def workers(self):
        return [pid for pid in children(self.pid) if (info := stat(pid)) and info[2] != pid]

    def wait_until_booted(self):
        def booted():
            assert self.process.poll() is None, f"gunicorn exited:\n{self.logged()[-3000:]}"
            return bool(self.workers()) and "Booting worker" in self.logged()

        wait_for(booted, START_SECONDS, "gunicorn's worker to boot", self.log)

    def wait_for_the_cluster(self):
        """The cluster's pid, once its sentinel runs its task worker, monitor and pusher."""

        def ready():
            assert self.process.poll() is None, f"gunicorn exited:\n{self.logged()[-3000:]}"
            cluster = self.cluster()
            sentinels = children(cluster) if cluster else []
            return cluster if sentinels and len(children(sentinels[0])) >= 3 else None

        cluster = wait_for(ready, START_SECONDS, "the task cluster to start its processes", self.log)
        self.tree()
        return cluster

    def close(self):
        """SIGKILL to what is left of the tree: the test is over. Only to the processes seen, never to a
        later process that got one of their pids."""
        if self.process.poll() is None:
            self.tree()
        for pid, started in self.seen.items():
            if (info := stat(pid)) and info[3] == started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """Starts gunicorn with extra environment; every process it started is ended before the database is
    emptied (the fixture needs transactional_db, so it is torn down first)."""
    started = []

    def start(**environment):
        started.append(Gunicorn(tmp_path, **environment))
        return started[-1]

    yield start
    for server in started:
        server.close()


def test_the_master_forks_the_task_cluster_which_runs_queued_tasks_and_survives_a_reload(gunicorn):
    server = gunicorn()
    cluster = server.wait_for_the_cluster()
    server.wait_until_booted()
    assert f"Task cluster (django-q2) forked by the master: pid {cluster}" in server.logged()
    assert stat(cluster)[1] == server.pid, "the cluster is the master's own child"
    assert len(server.workers()) == 1, "and the web worker is the other"

    task = async_task("os.getpid")  # the pid of the process that runs it
    done = wait_for(lambda: Task.objects.filter(id=task, success=True).first(), STOP_SECONDS, "the queued task")
    assert done.result in descendants(cluster), "a task worker of the master's cluster ran it"

    before = server.workers()
    os.kill(server.pid, signal.SIGHUP)  # gunicorn reads its config again and forks new workers
    wait_for(lambda: server.workers() and not set(server.workers()) & set(before), START_SECONDS, "new workers")
    assert server.cluster() == cluster, "a reload keeps the cluster and forks no second one"
    assert server.logged().count("forked by the master") == 1


def test_term_to_the_master_ends_every_process_of_the_tree(gunicorn):
    server = gunicorn()
    cluster = server.wait_for_the_cluster()
    server.wait_until_booted()
    tree = server.tree()
    assert len(tree) >= 7, f"master, web worker, cluster, sentinel, task worker, monitor, pusher: {tree}"

    os.kill(server.pid, signal.SIGTERM)
    assert server.process.wait(timeout=STOP_SECONDS) == 0
    wait_for(lambda: not any(map(running, tree)), STOP_SECONDS, "every process of the tree to end", server.log)
    assert f"Task cluster (pid {cluster}) stopped" in server.logged()
    assert "exited on its own" not in server.logged()


def test_a_cluster_that_dies_takes_the_master_down_with_a_line_in_its_log(gunicorn):
    server = gunicorn()
    cluster = server.wait_for_the_cluster()
    server.wait_until_booted()
    tree = server.tree()

    os.kill(cluster, signal.SIGKILL)  # as the kernel's OOM killer would
    returncode = server.process.wait(timeout=STOP_SECONDS)
    assert returncode == 1, "a failure, so that systemd's Restart= (always or on-failure) starts it again"
    assert re.search(
        rf"\[ERROR\] Task cluster \(pid {cluster}\) exited on its own \(killed by SIGKILL\): stopping gunicorn",
        server.logged(),
    )
    # The cluster's sentinel and its workers lost their parent; the master ended them too.
    wait_for(lambda: not any(map(running, tree)), STOP_SECONDS, "every process of the tree to end", server.log)


def test_tasks_in_web_false_starts_no_cluster(gunicorn):
    server = gunicorn(TASKS_IN_WEB="false")
    server.wait_until_booted()
    # when_ready, which would fork the cluster, runs before the master forks its first worker.
    assert server.cluster() is None
    assert descendants(server.pid) == server.workers(), "only the web worker"
    assert "Task cluster" not in server.logged()

    os.kill(server.pid, signal.SIGTERM)
    assert server.process.wait(timeout=STOP_SECONDS) == 0
