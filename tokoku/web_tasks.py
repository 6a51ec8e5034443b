"""The django-q2 task cluster run by gunicorn's master (gunicorn.conf.py, TASKS_IN_WEB).

Why: `manage.py qcluster` loads the application for itself, about 110 MB shared only inside its own
process tree. Forked by gunicorn's master once the master has loaded the application, the cluster
shares those pages with the web workers instead (bench/memory: about 295 MB for the shop in one tree,
385 MB with a separate qcluster; the goal is 300 MB, so that a 1 GB VPS holds the shop, PostgreSQL
and Redis).

gunicorn knows nothing of this child, so this module does for it what gunicorn does for a worker:
- start() forks the cluster once, from when_ready. A HUP reload reads gunicorn.conf.py again but
  calls no when_ready, and the cluster's pid lives here: an imported module outlives the reload, the
  config file's globals do not. (A USR2 re-exec starts a new master, which forks a cluster of its
  own; two clusters on one broker are fine, each due schedule runs once.)
- the cluster stops with the master: stop(), from on_exit, on every way gunicorn exits normally;
  the kernel's parent-death signal when the master dies any other way (SIGKILL, a crash).
- the master notices a cluster that died on its own. gunicorn's reaper waitpid(-1)s every child on
  SIGCHLD, this one too, and forgets children it does not know. So, as gunicorn does for its own
  "dirty arbiter", the master's SIGCHLD handler first asks about the cluster by its pid, and when it
  has ended stops gunicorn with exit status 1: systemd's Restart= then starts web and tasks again,
  together. Forking a new cluster there instead would need a restart policy of its own (a cluster
  that cannot start, the database down say, would be forked again and again); systemd has one.
"""

import contextlib
import multiprocessing
import os
import signal
import sys
import time
import traceback

from gunicorn.errors import HaltServer

ENVIRONMENT = "TASKS_IN_WEB"
OFF = {"0", "false", "no", "off"}
# How long stop() lets the cluster finish the tasks it is running before it kills it (or a cluster whose
# stop hangs: django-q2 1.11 waits for ever on a sentinel that a TERM to every process killed first).
# systemd waits 90 s (TimeoutStopSec) for the whole unit, and gunicorn's workers take up to 30 s of it.
STOP_SECONDS = 20
# The master's exit status after the cluster died on its own: a failure, so that Restart=on-failure
# restarts the unit as Restart=always does.
DIED_STATUS = 1
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class _Cluster:
    pid = None  # the cluster's pid, which is also its process group's id
    master = None  # the pid of the master that forked it: gunicorn's workers inherit this module's state
    stopping = False  # set by stop(): the cluster's end is then no news


_cluster = _Cluster()


def wanted(environ=os.environ):
    """TASKS_IN_WEB: on unless it says false, 0, no or off."""
    return environ.get(ENVIRONMENT, "").strip().lower() not in OFF


def start(server):
    """Fork the cluster from the master (gunicorn's when_ready, the application loaded); never twice."""
    if _cluster.pid is not None:
        return
    master = os.getpid()
    pid = os.fork()
    if pid == 0:
        _run_cluster(server, master)  # never returns
    _cluster.pid, _cluster.master = pid, master
    server.log.info("Task cluster (django-q2) forked by the master: pid %s (TASKS_IN_WEB)", pid)
    # gunicorn's main loop calls handle_chld (or handle_cld: both name SIGCHLD) for every SIGCHLD,
    # looked up on the arbiter itself, so this instance's own takes precedence.
    reap_children = server.handle_chld

    def handle_chld():
        _check_on_the_cluster(server)
        reap_children()

    server.handle_chld = server.handle_cld = handle_chld


def stop(server):
    """Stop the cluster and every process it started (gunicorn's on_exit). Asked to stop, the cluster
    lets its workers finish their tasks; after STOP_SECONDS whatever is left of it is killed."""
    pid = _cluster.pid
    if pid is None or os.getpid() != _cluster.master:
        return
    _cluster.stopping = True
    # The cluster's command process stops its sentinel, which stops the workers, monitor and pusher,
    # each finishing its task. If it has ended, its children may still be in its process group:
    # they are asked instead (the sentinel, whose TERM is not handled, then ends at once).
    ended = _ended(pid)
    with contextlib.suppress(ProcessLookupError):
        if ended:
            os.killpg(pid, signal.SIGTERM)
        else:
            os.kill(pid, signal.SIGTERM)  # not reaped yet: the pid is still the cluster's
    if not _group_ends(pid, STOP_SECONDS):
        server.log.warning("Task cluster (pid %s) still running after %s s: killed", pid, STOP_SECONDS)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        _group_ends(pid, 5)
    else:
        server.log.info("Task cluster (pid %s) %s", pid, "left no process behind" if ended else "stopped")
    _cluster.pid = None


# --- The cluster's process ---------------------------------------------------------------------


def _run_cluster(server, master):
    """In the forked child: run the cluster as `manage.py qcluster` would, then leave with os._exit,
    which runs none of the master's exit handlers and flushes none of its buffers a second time."""
    status = 1
    try:
        # A group of its own: the master can then reach the cluster's children even after the cluster
        # itself is gone, and a terminal's Ctrl+C reaches the master only, which stops the cluster.
        os.setpgid(0, 0)
        _stop_when_the_master_dies(master)
        # The web workers accept connections, not this process; a socket left open here would also keep
        # the port bound while a restarted gunicorn tries to bind it.
        for listener in server.LISTENERS:
            listener.close()
        # gunicorn's handlers only queue a signal for the master's loop, which never runs here: TERM
        # and INT would be lost and children never reaped. django-q2 sets its own TERM and INT below.
        for number in (*server.SIGNALS, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        from django.core.management import call_command  # noqa: PLC0415  (Django is loaded by the master)

        call_command("qcluster")
        # qcluster returns once its sentinel runs; manage.py would then wait for it at exit
        # (multiprocessing's exit handler). The SIGTERM handler django-q2 set stops it, and this returns.
        for child in multiprocessing.active_children():
            child.join()
        status = 0
    except BaseException:
        server.log.error("Task cluster (pid %s) failed:\n%s", os.getpid(), traceback.format_exc())
    finally:
        os._exit(status)


def _stop_when_the_master_dies(master):
    """SIGTERM to the cluster when the master dies without its on_exit (SIGKILL, a crash): Linux's
    parent-death signal. Elsewhere only on_exit stops the cluster."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # noqa: PLC0415  (only this child needs it, and only on Linux)

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != master:  # the master died before the signal was asked for
        os._exit(1)


# --- Watching it from the master ----------------------------------------------------------------


def _check_on_the_cluster(server):
    """On SIGCHLD, before gunicorn's reaper: if the cluster has ended, say so and stop gunicorn."""
    if _cluster.pid is None or _cluster.stopping:
        return
    try:
        pid, status = os.waitpid(_cluster.pid, os.WNOHANG)
    except ChildProcessError:  # collected by gunicorn's reaper meanwhile (it reaps while reloading)
        pid, status = _cluster.pid, None
    if not pid:
        return
    how = "exit status unknown" if status is None else _how_it_ended(status)
    server.log.error(
        "Task cluster (pid %s) exited on its own (%s): stopping gunicorn too, so that its service manager "
        "(systemd, Restart=always) starts web and tasks again",
        pid,
        how,
    )
    # gunicorn's main loop catches it: a graceful stop of the workers, on_exit (stop() above, which
    # ends what is left of the cluster's group), then exit with this status.
    raise HaltServer(f"the task cluster exited ({how})", DIED_STATUS)


def _how_it_ended(status):
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(number).name}"
        return f"killed by signal {number}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _ended(pid):
    """Whether the cluster has exited. It is the master's child: until the master reaps it, it stays
    a zombie and its pid stays its own, so this reaps it (or finds gunicorn did)."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] != 0
    except ChildProcessError:
        return True


def _group_ends(group, seconds):
    """Wait until no process of the group is left; False when some still are after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        _ended(group)  # the cluster, unreaped, would stay in its group as a zombie: gunicorn reaps nothing now
        if not _running_in(group):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def _running_in(group):
    """Whether a process of the group still runs. Exited ones count as gone even before whoever
    adopted them reaps them (an init that never reaps would otherwise keep the group alive)."""
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:  # no /proc: any process of the group, zombies too
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        return True
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # Fields after the command name, which may hold spaces and parentheses: state, ppid, pgrp.
                state, _parent, pgrp = stat.read().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(pgrp) == group and state not in ("Z", "X"):
            return True
    return False
