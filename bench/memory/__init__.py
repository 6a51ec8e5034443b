"""Parts of bench/memory: the stack's process tree and its memory, a mail sink, and the clients of the load."""

import os
import socketserver
import threading
import time
from pathlib import Path

PROC = Path("/proc")


class Failed(Exception):
    """A variant that could not be measured: reported, and the next one still runs."""


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
ROLLUP_FIELDS = ("Rss", "Pss", "Pss_Anon", "Pss_File", "Pss_Shmem", "Private_Clean", "Private_Dirty", "Swap")

# --- The stack's processes and their memory ---------------------------------------------------------


def parents():
    """pid -> parent pid of every process now running."""
    found = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                # The command name in field 2 may hold spaces and parentheses: split after its last ")".
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry.name)] = int(fields[1])
    return found


def children(pid, tree):
    return sorted(child for child, parent in tree.items() if parent == pid)


class Stack:
    """Names the processes of gunicorn and the task cluster from their tree: the master and its workers;
    the cluster (forked by the master, or the qcluster command), its sentinel, and the sentinel's
    children, which django-q2 starts in the order workers, monitor, pusher (a child that appears after
    start-up is a worker started again)."""

    def __init__(self, gunicorn_pid, qcluster_pid, cluster_name="qcluster (command)"):
        self.gunicorn_pid, self.qcluster_pid = gunicorn_pid, qcluster_pid
        self.names = {gunicorn_pid: "gunicorn master", qcluster_pid: cluster_name}
        self.settled = False

    def processes(self):
        """[(pid, name)] of every process of the stack now alive."""
        tree = parents()
        found = [(pid, self.names[pid]) for pid in (self.gunicorn_pid, self.qcluster_pid) if pid in tree]
        # The cluster the shipped master forks is a child of the master too, and no worker.
        found += [(pid, "gunicorn worker") for pid in children(self.gunicorn_pid, tree) if pid != self.qcluster_pid]
        for index, sentinel in enumerate(children(self.qcluster_pid, tree)):
            found.append(
                (sentinel, self.names.setdefault(sentinel, "qcluster sentinel" if index == 0 else "qcluster child"))
            )
            for pid in children(sentinel, tree):
                if self.settled:
                    self.names.setdefault(pid, "qcluster worker (started again)")
                found.append((pid, self.names.get(pid, "qcluster child")))
        return found

    def settle(self, timeout):
        """Wait until the sentinel has started all its children (the same ones for two seconds), then name them."""
        deadline, last, since = time.monotonic() + timeout, None, time.monotonic()
        while time.monotonic() < deadline:
            tree = parents()
            sentinels = children(self.qcluster_pid, tree)
            helpers = children(sentinels[0], tree) if sentinels else []
            if helpers != last:
                last, since = helpers, time.monotonic()
            elif len(helpers) >= 3 and time.monotonic() - since >= 2:
                labels = ["qcluster worker"] * (len(helpers) - 2) + ["qcluster monitor", "qcluster pusher"]
                self.names.update(zip(helpers, labels, strict=True))
                self.settled = True
                return True
            time.sleep(0.3)
        return False


def rollup(pid):
    """The kB figures of /proc/<pid>/smaps_rollup (each page of the process once; PSS splits a shared
    page between the processes that map it), None when the process is gone."""
    try:
        text = (PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return None
    figures = dict.fromkeys(ROLLUP_FIELDS, 0)
    for line in text.splitlines()[1:]:
        name, _, rest = line.partition(":")
        if name in figures:
            figures[name] = int(rest.split()[0])
    figures["USS"] = figures["Private_Clean"] + figures["Private_Dirty"]
    return figures


def snapshot(stack):
    """{pid: (name, figures)} for every process of the stack now."""
    taken = {}
    for pid, name in stack.processes():
        figures = rollup(pid)
        if figures is not None:
            taken[pid] = (name, figures)
    return taken


def total(taken, field="Pss"):
    return sum(figures[field] for _name, figures in taken.values())


def alone_kb(taken):
    """The stack's memory as if nothing else ran here: anonymous PSS (anonymous pages are shared only
    inside the stack's own fork trees) plus the page cache of each mapped file once, at the most any
    of the stack's processes has of it. PSS splits file pages (libpython, the venv's .so files) with
    every other process that maps them, so on a machine shared with other Python work it reads low."""
    anonymous = sum(figures["Pss_Anon"] + figures["Pss_Shmem"] for _name, figures in taken.values())
    largest = {}
    for pid in taken:
        try:
            text = (PROC / str(pid) / "smaps").read_text()
        except OSError:
            continue
        mine, path = {}, None
        for line in text.splitlines():
            head, _, rest = line.partition(" ")
            if not head.endswith(":"):  # a mapping's first line: address perms offset device inode [path]
                fields = line.split(None, 5)
                path = fields[5] if len(fields) == 6 and fields[4] != "0" and fields[5].startswith("/") else None
            elif path and head in ("Rss:", "Anonymous:"):
                # Copied-on-write pages of a file mapping are anonymous: counted above, not here.
                mine[path] = mine.get(path, 0) + int(rest.split()[0]) * (1 if head == "Rss:" else -1)
        for path, kb in mine.items():
            largest[path] = max(largest.get(path, 0), kb)
    return anonymous + sum(largest.values())


class Sampler(threading.Thread):
    """Totals the stack's PSS every `interval` seconds and keeps the peak, with each process's own peak."""

    def __init__(self, stack, interval=0.5):
        super().__init__(daemon=True)
        self.stack, self.interval = stack, interval
        self.stopped = threading.Event()
        self.samples, self.peak, self.peak_rss = 0, 0, 0
        self.peaks = {}

    def run(self):
        while not self.stopped.wait(self.interval):
            taken = snapshot(self.stack)
            self.samples += 1
            self.peak = max(self.peak, total(taken))
            self.peak_rss = max(self.peak_rss, total(taken, "Rss"))
            for pid, (_name, figures) in taken.items():
                self.peaks[pid] = max(self.peaks.get(pid, 0), figures["Pss"])

    def stop(self):
        self.stopped.set()
        self.join(10)


# --- Where the shop's emails go -------------------------------------------------------------------


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's SMTP backend: every message is accepted and counted."""

    def handle(self):
        self.wfile.write(b"220 bench-memory ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                self.server.received += 1
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class MailSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.received = 0
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()


# --- The report -----------------------------------------------------------------------------------

ORDER = ["gunicorn master", "gunicorn worker", "qcluster (command)", "qcluster (forked by master)", "qcluster sentinel"]
ORDER += ["qcluster worker"]
ORDER += ["qcluster monitor", "qcluster pusher"]
GOAL_MB = 300


def mb(kb):
    return kb / 1024


def describe(measured, workers):
    options, end = measured["options"], measured["end"]
    q_workers = sum(1 for name, _figures in end.values() if name.startswith("qcluster worker"))
    kind = f"gthread workers of {options['threads']} threads" if options["threads"] else "sync workers"
    gunicorn = f"gunicorn tokoku.wsgi:application, {options['workers'] or workers} {kind}"
    # The freeze variants bring a --config of their own, which replaces the project's gunicorn.conf.py.
    gunicorn += " --preload" if options["preload"] else ""
    gunicorn += (
        " + URLs loaded and gc.freeze() before forking (its own --config)"
        if options["freeze"]
        else " with gunicorn.conf.py (preload, gc.freeze() before forking)"
    )
    gunicorn += f" --max-requests {options['max_requests']}" if options["max_requests"] else ""
    qcluster = f"qcluster Q_WORKERS={options['q_workers']}" if options["q_workers"] else "qcluster default Q_WORKERS"
    qcluster += ", gc.freeze() before forking" if options["qfreeze"] else ""
    qcluster += (
        ", TASKS_IN_WEB=false and manage.py qcluster (two process trees)"
        if options["separate"]
        else ", forked by gunicorn's master from the application it loaded (TASKS_IN_WEB, the default: one tree)"
    )
    backing = "Redis cache and broker" if options["redis"] else "local-memory cache, ORM broker"
    return f"{gunicorn}; {qcluster} ({q_workers} workers); {backing}"


def process_table(measured):
    end, peaks, started = measured["end"], measured["peaks"], measured["started"]
    rows = sorted(end.items(), key=lambda item: (ORDER.index(item[1][0]) if item[1][0] in ORDER else 99, item[0]))
    columns = ("start", "PSS", "peak", "RSS", "USS", "anon")
    lines = [f"  {'process':<27} {'pid':>7} " + " ".join(f"{c:>6}" for c in columns) + f" {'file':>5}"]

    def start_of(pid):
        return f"{mb(started[pid][1]['Pss']):.1f}" if pid in started else "-"

    for pid, (name, f) in rows:
        lines.append(
            f"  {name:<27} {pid:>7} {start_of(pid):>6} {mb(f['Pss']):>6.1f} "
            f"{mb(max(peaks.get(pid, 0), f['Pss'])):>6.1f} {mb(f['Rss']):>6.1f} {mb(f['USS']):>6.1f} "
            f"{mb(f['Pss_Anon']):>6.1f} {mb(f['Pss_File']):>5.1f}"
        )
    end_total = {field: sum(f[field] for _name, f in end.values()) for field in ("Pss", "Rss", "USS")}
    anon = sum(f["Pss_Anon"] + f["Pss_Shmem"] for _name, f in end.values())
    lines.append(
        f"  {'total (' + str(len(end)) + ' processes)':<27} {'':>7} {mb(total(started)):>6.1f} "
        f"{mb(end_total['Pss']):>6.1f} {mb(measured['peak']):>6.1f} {mb(end_total['Rss']):>6.1f} "
        f"{mb(end_total['USS']):>6.1f} {mb(anon):>6.1f} {mb(end_total['Pss'] - anon):>5.1f}"
    )
    return lines


def report(measured, args, url, load_before, load_after, machine, now):
    lines = [
        f"Memory of the production stack under a mixed load (bench/memory/run.py), {now}",
        f"machine: {machine}; load average before the run {load_before[0]:.1f}, after {load_after[0]:.1f} "
        "(a shared machine: other people's tests ran meanwhile)",
        f"PostgreSQL database {url.rsplit('/', 1)[-1]} (migrate + seed_demo + warm-up), DEBUG off, production settings "
        "from the environment (tokoku.settings); emails over SMTP to a sink on 127.0.0.1",
        f"load: {args.duration} s over loopback; anonymous visitors on {args.connections} connections; one signed-in "
        f"buyer placing {args.orders} orders through checkout; one staff member (a page a second)",
        "MB are MiB from /proc/<pid>/smaps_rollup: start = PSS after start-up; PSS, RSS, USS (private pages), "
        "anon and file (PSS of anonymous and file-backed pages) at the end, after the load and the notifications; "
        "peak = PSS sampled every 0.5 s",
    ]
    for result in measured:
        if "failed" in result:
            lines += ["", f"{result['options']['name']}: NOT MEASURED: {result['failed']}"]
            continue
        traffic, delivery = result["traffic"], result["delivery"]
        anonymous = traffic.get("anonymous", {"requests": 0, "rps": 0.0, "errors": 0, "tool": "?"})
        buyer, staff = traffic.get("buyer", {}), traffic.get("staff", {})
        verdict = "meets" if mb(result["end_total"]) <= GOAL_MB and mb(result["peak"]) <= GOAL_MB else "ABOVE"
        lines += [
            "",
            f"{result['options']['name']}: {describe(result, args.workers)}",
            f"  traffic: anonymous {anonymous['requests']} requests ({anonymous['rps']:.1f}/s, {anonymous['tool']}, "
            f"{traffic.get('anonymous_paths', 0)} paths, {anonymous['errors']} errors); buyer {sum(buyer.values())} "
            f"requests; staff {sum(staff.values())} requests ({traffic.get('staff_order_pages', 0)} an order's page); "
            f"orders placed {len(traffic['orders'])}/{args.orders}; "
            f"notifications sent {delivery['sent']}/{delivery['owed']} by the worker, {delivery['received']} emails "
            f"received, {delivery['seconds']:.1f} s after the load",
            *process_table(result),
            f"  total PSS: {mb(total(result['started'])):.1f} MB after start-up, peak {mb(result['peak']):.1f} MB "
            f"during the load ({result['samples']} samples), {mb(result['end_total']):.1f} MB at the end "
            f"({verdict} the goal of at most {GOAL_MB} MB)",
            f"  RSS summed over the processes, for comparison: {mb(total(result['end'], 'Rss')):.1f} MB at the end, "
            f"peak {mb(result['peak_rss']):.1f} MB (shared pages counted in every process)",
            f"  as if alone on the machine (anonymous PSS + each mapped file once): {mb(result['alone']):.1f} MB",
            f"  not in the total: {result['postgres']['count']} PostgreSQL backends of this database, PSS "
            f"{mb(result['postgres']['pss']):.1f} MB",
        ]
        lines += [f"  PROBLEM: {problem}" for problem in result["problems"]]
    if len(measured) > 1:
        lines += ["", f"  {'variant':<24} {'PSS end':>8} {'peak':>8} {'alone':>8} {'RSS sum':>8}"]
        for result in (r for r in measured if "failed" not in r):
            lines.append(
                f"  {result['options']['name']:<24} {mb(result['end_total']):>8.1f} {mb(result['peak']):>8.1f} "
                f"{mb(result['alone']):>8.1f} {mb(total(result['end'], 'Rss')):>8.1f}"
            )
    return "\n".join(lines) + "\n"
