#!/usr/bin/env python3
"""Soak test for a Strata store (standard library only).

Runs, for --minutes, concurrent strata processes against one table: ingests of small
generated batches (CSV and NDJSON files, some loaded again to check idempotence), checked
queries, compactions, deletes (`strata delete` and `DELETE FROM`), retention, garbage
collection and verify, and kills random ones of them with SIGKILL. An in-memory model knows
every row ever generated and which are committed; a process that was killed (or failed)
may or may not have committed, and the driver asks the store which (all or nothing).
Periodically and at the end, with nothing running, it checks the exact set of row ids
against the model, `strata verify`, that after `strata gc --now` no file is left that no
manifest references, and that disk use stays under 3x the live data plus a constant. Every
process's peak RSS (from wait4) must stay under --max-rss-mb.

Exit 0 when every check passed; 1 on any violation (the store is kept for inspection).
See docs/reliability-tooling.md#soak.
"""

import argparse
import csv
import datetime as dt
import io
import itertools
import json
import math
import os
import random
import re
import shutil
import signal
import struct
import sys
import tempfile
import threading
import time

TABLE = "ev"
KEYS = ["k%02d" % i for i in range(16)] + ['k "quoted", comma', "ключ", "k\u00e9"]
RECENT_DAYS = 10          # today-9 .. today
OLD_OFFSET = 200          # old days: today-209 .. today-200, dropped by --keep 90d
RETENTION = "90d"
ROWS_PER_BATCH_MAX = 3000


def now_s():
    return time.monotonic()


class Violation(Exception):
    pass


class Op:
    """One strata process: its kind, its expected effect and its outcome."""
    seq_counter = itertools.count(1)

    def __init__(self, kind, argv, delta=None, info=None):
        self.seq = next(Op.seq_counter)
        self.kind = kind
        self.argv = argv
        self.delta = delta or {}      # aggregate change if it commits
        self.info = info or {}
        self.killed = False
        self.rc = None
        self.sig = None
        self.stdout = ""
        self.stderr = ""
        self.maxrss_kb = 0
        self.seconds = 0.0


def add_delta(agg, delta, sign=1):
    for key, val in delta.items():
        agg[key] = agg.get(key, 0) + sign * val
        if agg[key] == 0:
            del agg[key]


def row_delta(rows, sign):
    d = {}
    for (_id, day, k, v, _b) in rows:
        for key, val in ((("n",), 1), (("s",), v), (("day", day), 1), (("kc", k), 1), (("ks", k), v)):
            d[key] = d.get(key, 0) + sign * val
    return {k: v for k, v in d.items() if v != 0}


class Soak:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.binary = args.binary
        self.store = args.store
        self.files = args.inputs
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        # model
        self.rows = {}            # id -> (id, day, k, v, batch)
        self.batch_rows = {}      # batch -> [ids]
        self.batch_state = {}     # batch -> 'pending' | 'committed' | 'absent'
        self.batch_file = {}      # batch -> path
        self.batch_old = {}       # batch -> has old rows
        self.present = set()
        self.agg = {}
        self.next_batch = 1
        self.reserved = set()     # batches targeted by a running delete
        self.inflight = {}        # seq -> Op (writers only)
        self.recent_ops = {}      # seq -> Op, writers started recently (for query candidates)
        # old-day lock: retention exclusive; backfill ingests and old-touching deletes shared
        self.old_shared = 0
        self.old_exclusive = False
        # control
        self.pause = False
        self.running = 0          # workers inside an op
        self.stop = False
        self.violations = []
        self.ops = {}             # kind -> count
        self.kills = {}           # kind -> count
        self.failures = {}        # (kind, first line) -> count
        self.checks = {}          # name -> passed count
        self.max_rss = {}         # kind -> kB
        self.max_disk = 0
        self.max_ratio = 0.0
        self.dur = {}             # kind -> EMA seconds
        today = dt.datetime.now(dt.timezone.utc).date()
        self.recent_days = [today - dt.timedelta(days=i) for i in range(RECENT_DAYS)]
        self.old_days = [today - dt.timedelta(days=OLD_OFFSET + i) for i in range(10)]
        self.recent_start = min(self.recent_days)
        self.old_cut = max(self.old_days) + dt.timedelta(days=1)
        self.log_f = open(os.path.join(args.log_dir, "soak.log"), "a")

    # ---------------------------------------------------------------- utilities
    def log(self, msg):
        line = "%s %s" % (dt.datetime.now().strftime("%H:%M:%S"), msg)
        with self.lock:
            self.log_f.write(line + "\n")
            self.log_f.flush()
        if self.args.verbose:
            print(line, flush=True)

    def violate(self, msg):
        self.log("VIOLATION: " + msg)
        with self.lock:
            self.violations.append(msg)
            if not self.args.keep_going:
                self.stop = True
            self.cond.notify_all()

    def count(self, table, key, n=1):
        with self.lock:
            table[key] = table.get(key, 0) + n

    def run_proc(self, op, kill_after=None):
        """Runs op.argv under GNU time (for the peak RSS: the rusage of a child of this large
        Python process counts the parent's pages); kills the strata process with SIGKILL after
        kill_after seconds if it is still running."""
        import subprocess
        out = tempfile.TemporaryFile()
        err = tempfile.TemporaryFile()
        rss = tempfile.NamedTemporaryFile(prefix="soak-rss-", delete=False)
        rss.close()
        t0 = now_s()
        env = dict(os.environ)
        env.pop("STRATA_STORE", None)
        argv = ["/usr/bin/time", "-f", "%M", "-o", rss.name] + op.argv
        p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        if kill_after is not None:
            deadline = t0 + kill_after
            while True:
                pid, status, _ = os.wait4(p.pid, os.WNOHANG)
                if pid != 0:
                    break
                if now_s() >= deadline:
                    try:
                        with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
                            kids = [int(x) for x in f.read().split()]
                    except (FileNotFoundError, ProcessLookupError, ValueError):
                        kids = []
                    for k in kids:
                        try:
                            os.kill(k, signal.SIGKILL)
                            op.killed = True
                        except ProcessLookupError:
                            pass
                    if kids or now_s() > deadline + 5:
                        pid, status, _ = os.wait4(p.pid, 0)
                        break
                time.sleep(0.002)
        else:
            pid, status, _ = os.wait4(p.pid, 0)
        p.returncode = 0  # reaped by us; keep Popen from waiting again
        op.seconds = now_s() - t0
        with open(rss.name) as f:
            report = f.read().strip().splitlines()
        os.unlink(rss.name)
        op.rc = 0
        for line in report:
            m = re.match(r"Command terminated by signal (\d+)", line)
            if m:
                op.sig = int(m.group(1))
                op.rc = None
            m = re.match(r"Command exited with non-zero status (\d+)", line)
            if m:
                op.rc = int(m.group(1))
        if report and report[-1].isdigit():
            op.maxrss_kb = int(report[-1])
        if os.WIFSIGNALED(status) or not report:
            op.sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else -1
            op.rc = None
        if op.sig != signal.SIGKILL:
            op.killed = False   # it ended on its own before the kill landed
        out.seek(0)
        err.seek(0)
        op.stdout = out.read().decode("utf-8", "replace")
        op.stderr = err.read().decode("utf-8", "replace")
        out.close()
        err.close()
        with self.lock:
            self.ops[op.kind] = self.ops.get(op.kind, 0) + 1
            if op.killed:
                self.kills[op.kind] = self.kills.get(op.kind, 0) + 1
            self.max_rss[op.kind] = max(self.max_rss.get(op.kind, 0), op.maxrss_kb)
            if not op.killed and op.rc == 0:
                prev = self.dur.get(op.kind, op.seconds)
                self.dur[op.kind] = 0.8 * prev + 0.2 * op.seconds
        if op.maxrss_kb > self.args.max_rss_mb * 1024:
            self.violate("%s peak RSS %d MiB > %d MiB: %s" % (op.kind, op.maxrss_kb // 1024,
                                                           self.args.max_rss_mb, " ".join(op.argv)))
        if op.sig is not None and op.sig != signal.SIGKILL:
            self.violate("%s died of signal %d: %s\n%s" % (op.kind, op.sig, " ".join(op.argv), op.stderr[-2000:]))
        elif op.rc == 2:
            problems = [l for l in (op.stdout + op.stderr).splitlines() if not l.startswith("note ")]
            self.violate("%s exit 2 (corruption): %s\n%s" % (op.kind, " ".join(op.argv), "\n".join(problems[:8])))
        elif op.rc not in (None, 0) and not op.killed:
            first = (op.stderr.strip().splitlines() or ["(no message)"])[0]
            first = re.sub(r"\d+", "N", re.sub(r"seg-[0-9a-f-]+", "seg-X", first))[:140]
            self.count(self.failures, (op.kind, op.rc, first))
            self.log("%s exit %d: %s" % (op.kind, op.rc, op.stderr.strip()[:300]))
        return op

    def strata(self, *a):
        return [self.binary] + list(a)

    def kill_delay(self, kind):
        """None (no kill) or a delay that lands somewhere inside a typical run of kind."""
        if self.rng.random() >= self.args.kill_rate:
            return None
        with self.lock:
            d = self.dur.get(kind, 0.2)
        return self.rng.uniform(0.0, d * 1.2)

    def sql(self, text, check=True):
        """Runs a checking query (never killed) and returns rows of a CSV result."""
        op = Op("check-query", self.strata("query", "--store", self.store, "--format", "csv", text))
        self.run_proc(op)
        if op.rc != 0:
            if check:
                self.violate("checking query failed (rc %s sig %s): %s\n%s" % (op.rc, op.sig, text, op.stderr[-1000:]))
                raise Violation(text)
            return None
        rows = list(csv.reader(io.StringIO(op.stdout)))
        return rows[1:]

    def scalar(self, text):
        rows = self.sql(text)
        v = rows[0][0] if rows and rows[0] else ""
        return int(v) if v not in ("", "NULL") else 0

    # ---------------------------------------------------------------- old-day lock
    def old_acquire(self, exclusive, wait=True):
        with self.cond:
            while True:
                if self.stop:
                    return False
                if exclusive and not self.old_exclusive and self.old_shared == 0:
                    self.old_exclusive = True
                    return True
                if not exclusive and not self.old_exclusive:
                    self.old_shared += 1
                    return True
                if not wait:
                    return False
                self.cond.wait(0.5)

    def old_release(self, exclusive):
        with self.cond:
            if exclusive:
                self.old_exclusive = False
            else:
                self.old_shared -= 1
            self.cond.notify_all()

    # ---------------------------------------------------------------- op bracket
    def begin(self):
        """Waits while a checkpoint runs; returns False when the soak is over."""
        with self.cond:
            while self.pause and not self.stop:
                self.cond.wait(0.5)
            if self.stop or now_s() >= self.end_time:
                return False
            self.running += 1
            return True

    def end(self):
        with self.cond:
            self.running -= 1
            self.cond.notify_all()

    def register(self, op):
        with self.lock:
            op.seq = next(Op.seq_counter)   # under the lock: a query's snapshot sees it or its seq
            self.inflight[op.seq] = op
            self.recent_ops[op.seq] = op

    def unregister(self, op, committed):
        self.log("op %d %s %s rc=%s sig=%s killed=%s committed=%s %.2fs delta_n=%s" % (
            op.seq, op.kind, op.info, op.rc, op.sig, op.killed, committed, op.seconds, op.delta.get(("n",), 0)))
        with self.lock:
            del self.inflight[op.seq]
            if committed:
                add_delta(self.agg, op.delta)

    # ---------------------------------------------------------------- data
    def day_key(self, d):
        return d.isoformat()

    def new_batch(self, backfill):
        with self.lock:
            b = self.next_batch
            self.next_batch += 1
        n = self.rng.choice([1, 5, 50, 200, 1000, self.rng.randint(1, ROWS_PER_BATCH_MAX)])
        rows = []
        for i in range(n):
            if backfill and i % 3 == 1:
                day = self.rng.choice(self.old_days)
            else:
                day = self.rng.choice(self.recent_days)
            if i == 0:
                day = self.rng.choice(self.recent_days)   # every batch has a recent row
            rows.append((b * 10000 + i, day, self.rng.choice(KEYS), self.rng.randint(-1000, 1000000), b))
        fmt = self.rng.choice(["csv", "csv", "ndjson"])
        path = os.path.join(self.files, "b%06d.%s" % (b, fmt))
        with open(path, "w", newline="") as f:
            if fmt == "csv":
                w = csv.writer(f, lineterminator="\n")
                w.writerow(["ts", "id", "batch", "k", "v"])
                for (rid, day, k, v, bb) in rows:
                    ts = "%s %02d:%02d:%02d" % (day.isoformat(), rid % 24, rid % 60, (rid * 7) % 60)
                    w.writerow([ts, rid, bb, k, v])
            else:
                for (rid, day, k, v, bb) in rows:
                    ts = "%sT%02d:%02d:%02dZ" % (day.isoformat(), rid % 24, rid % 60, (rid * 7) % 60)
                    f.write(json.dumps({"ts": ts, "id": rid, "batch": bb, "k": k, "v": v}) + "\n")
        with self.lock:
            for r in rows:
                self.rows[r[0]] = (r[0], self.day_key(r[1]), r[2], r[3], r[4])
            self.batch_rows[b] = [r[0] for r in rows]
            self.batch_state[b] = "pending"
            self.batch_file[b] = path
            self.batch_old[b] = backfill and any(r[1] < self.recent_start for r in rows)
        return b

    def commit_rows(self, ids, sign):
        """Applies rows to the model's present set (lock held)."""
        for i in ids:
            if sign > 0:
                self.present.add(i)
            else:
                self.present.discard(i)

    # ---------------------------------------------------------------- workers
    def ingest_worker(self):
        while self.begin():
            try:
                self.do_ingest()
            except Violation:
                pass
            finally:
                self.end()

    def do_ingest(self):
        # a repeat of a resolved batch now and then, else a new one (a few with old rows)
        repeat = None
        backfill = self.rng.random() < 0.2
        if backfill and not self.old_acquire(False):
            return
        try:
            with self.lock:
                if self.batch_state and self.rng.random() < 0.15:
                    cands = [b for b, s in self.batch_state.items()
                             if s != "pending" and b not in self.reserved and self.batch_old[b] <= backfill]
                    if cands:
                        repeat = self.rng.choice(cands)
                        was = self.batch_state[repeat]
                        self.batch_state[repeat] = "pending"
            if repeat is None:
                b = self.new_batch(backfill)
                was = "absent"
            else:
                b = repeat
            with self.lock:
                rows = [self.rows[i] for i in self.batch_rows[b]]
            expect_new = was != "committed"
            delta = row_delta(rows, +1) if expect_new else {}
            kind = "ingest" if repeat is None else "ingest-repeat"
            argv = self.strata("ingest", "--store", self.store, TABLE, self.batch_file[b])
            op = Op(kind, argv, delta, {"batch": b})
            self.register(op)
            self.run_proc(op, self.kill_delay(kind))
            if op.rc == 0:
                said = op.stdout + op.stderr       # the summary line goes to stderr
                loaded = "loaded " in said
                skipped = "skipped:" in said
                if expect_new and not loaded:
                    self.violate("ingest of new batch %d did not load: %s" % (b, said.strip()))
                if not expect_new and not skipped:
                    self.violate("repeated ingest of committed batch %d was not skipped: %s" % (b, said.strip()))
                committed = True
            else:
                committed = self.resolve_ingest(b, len(rows), rows)
            with self.lock:
                if expect_new and committed:
                    self.commit_rows(self.batch_rows[b], +1)
                self.batch_state[b] = "committed" if (committed or was == "committed") else "absent"
            self.unregister(op, committed and expect_new)
            self.count(self.checks, "resolved-" + kind)
        finally:
            if backfill:
                self.old_release(False)

    def resolve_ingest(self, b, n, rows):
        recent = sum(1 for r in rows if r[1] >= self.day_key(self.recent_start))
        got = self.scalar("SELECT count(*) FROM %s WHERE batch = %d AND ts >= '%s'" % (TABLE, b, self.recent_start))
        with self.lock:
            was_committed = any(i in self.present for i in self.batch_rows[b])
        if was_committed:   # a repeat of a committed batch: must still be there, once
            exp = sum(1 for i in self.batch_rows[b] if i in self.present and self.rows[i][1] >= self.day_key(self.recent_start))
            if got != exp:
                self.violate("batch %d (repeat, killed): %d recent rows in the store, model %d" % (b, got, exp))
            return True
        if got == 0:
            return False
        if got == recent:
            return True
        self.violate("batch %d not all or nothing: %d of %d recent rows visible" % (b, got, recent))
        raise Violation("atomicity")

    def query_worker(self):
        while self.begin():
            try:
                self.do_query()
            except Violation:
                pass
            finally:
                self.end()

    QUERIES = [
        ("total", "SELECT count(*) AS n, count(DISTINCT id) AS d, sum(v) AS s FROM ev"),
        ("by-day", "SELECT CAST(ts AS DATE) AS d, count(*) AS n FROM ev GROUP BY 1"),
        ("by-key", "SELECT k, count(*) AS n, sum(v) AS s FROM ev GROUP BY k"),
        ("by-key-recent", None),
    ]

    def do_query(self):
        name, text = self.rng.choice(self.QUERIES)
        if name == "by-key-recent":
            text = "SELECT k, count(*) AS n FROM ev WHERE ts >= '%s' AND k IN ('k01', 'k02', 'k \"quoted\", comma') GROUP BY k" % self.recent_start
        with self.lock:
            base = dict(self.agg)
            start_seq = next(Op.seq_counter)
            uncertain = [op for op in self.inflight.values()]
        argv = self.strata("query", "--store", self.store, "--format", "csv", text)
        op = Op("query", argv)
        self.run_proc(op, self.kill_delay("query"))
        if op.killed:
            return
        if op.rc != 0:
            return   # counted as a failure by run_proc
        with self.lock:
            end_seq = next(Op.seq_counter)
            for seq, o in list(self.recent_ops.items()):
                if start_seq < seq < end_seq and o not in uncertain:
                    uncertain.append(o)
        rows = list(csv.reader(io.StringIO(op.stdout)))[1:]
        got = {}
        if name == "total":
            n, d, s = (int(x) if x not in ("", "NULL") else 0 for x in rows[0])
            if n != d:
                self.violate("duplicate rows: count(*) %d, count(DISTINCT id) %d" % (n, d))
                return
            got = {("n",): n, ("s",): s}
            keys = lambda k: k[0] in ("n", "s")
        elif name == "by-day":
            got = {("day", r[0]): int(r[1]) for r in rows}
            keys = lambda k: k[0] == "day"
        elif name == "by-key":
            for r in rows:
                got[("kc", r[0])] = int(r[1])
                got[("ks", r[0])] = int(r[2]) if r[2] not in ("", "NULL") else 0
            keys = lambda k: k[0] in ("kc", "ks")
        else:
            # recent rows per key: the model's per-key counts minus old rows per key
            with self.lock:
                pass
            got = None
        if got is None:
            self.check_recent_keys(rows, uncertain)
            return
        got = {k: v for k, v in got.items() if v != 0}
        deltas = [{k: v for k, v in o.delta.items() if keys(k)} for o in uncertain]
        deltas = [d for d in deltas if d]
        if len(deltas) > 12:
            self.count(self.checks, "query-skipped-too-uncertain")
            return
        base = {k: v for k, v in base.items() if keys(k)}
        for r in range(len(deltas) + 1):
            for combo in itertools.combinations(deltas, r):
                cand = dict(base)
                for d in combo:
                    add_delta(cand, d)
                if cand == got:
                    self.count(self.checks, "query-" + name)
                    return
        diff = {k: (base.get(k), got.get(k)) for k in set(base) | set(got) if base.get(k) != got.get(k)}
        self.violate("query %s matches no possible state (%d writers uncertain: %s); model vs store: %s"
                     % (name, len(deltas), [(o.seq, o.kind, o.info, o.delta.get(("n",))) for o in uncertain],
                        dict(list(diff.items())[:10])))
        self.diagnose()

    def diagnose(self):
        """After a mismatch: which rows differ, by batch (the state may have moved on)."""
        try:
            ids = set(int(r[0]) for r in self.sql("SELECT id FROM %s" % TABLE))
        except Violation:
            return
        with self.lock:
            model = set(self.present)
        for label, diff in (("missing from the store", model - ids), ("extra in the store", ids - model)):
            by_batch = {}
            for i in diff:
                by_batch.setdefault(i // 10000, []).append(i)
            self.log("diagnose: %d rows %s, by batch: %s" % (len(diff), label,
                     {b: (len(v), len(self.batch_rows.get(b, []))) for b, v in sorted(by_batch.items())[:20]}))

    def check_recent_keys(self, rows, uncertain):
        # kept simple: checked exactly only when no writer was uncertain
        if uncertain:
            return
        want_keys = ("k01", "k02", 'k "quoted", comma')
        rs = self.day_key(self.recent_start)
        with self.lock:
            exp = {}
            for i in self.present:
                r = self.rows[i]
                if r[2] in want_keys and r[1] >= rs:
                    exp[r[2]] = exp.get(r[2], 0) + 1
        got = {r[0]: int(r[1]) for r in rows}
        if got != exp:
            self.violate("recent rows per key: model %s, store %s" % (exp, got))
        else:
            self.count(self.checks, "query-by-key-recent")

    def maint_worker(self):
        while self.begin():
            try:
                kind = self.rng.choices(["compact", "gc", "gc-now", "verify"], [5, 2, 2, 1])[0]
                argv = {
                    "compact": self.compact_argv,
                    "gc": lambda: self.strata("gc", "--store", self.store, TABLE),
                    "gc-now": lambda: self.strata("gc", "--store", self.store, TABLE, "--now"),
                    "verify": lambda: self.strata("verify", "--store", self.store, TABLE),
                }[kind]()
                op = Op(kind, argv)
                self.run_proc(op, self.kill_delay(kind))
                if kind == "verify" and op.rc not in (None, 0) and not op.killed:
                    path = os.path.join(self.args.log_dir, "verify-failure-%d.txt" % op.seq)
                    with open(path, "w") as f:
                        f.write(op.stdout + "\n---- stderr\n" + op.stderr)
                    problems = [l for l in (op.stdout + op.stderr).splitlines() if not l.startswith("note ")]
                    self.violate("verify failed during the run (%s): %s" % (path, "\n".join(problems[:6])))
                time.sleep(self.rng.uniform(0, 0.5))
            except Violation:
                pass
            finally:
                self.end()

    def compact_argv(self):
        a = self.strata("compact", "--store", self.store, TABLE, "--quiet")
        r = self.rng.random()
        if r < 0.3:
            a += ["--partition", "day=" + self.rng.choice(self.recent_days + self.old_days).isoformat()]
        elif r < 0.4:
            a += ["--max-bytes", str(self.rng.choice([1, 100000, 10000000]))]
        elif r < 0.5:
            a += ["--target-rows", str(self.rng.choice([500, 5000]))]
        return a

    def removal_worker(self):
        while self.begin():
            try:
                if self.rng.random() < 0.25:
                    self.do_retention()
                else:
                    self.do_delete()
                time.sleep(self.rng.uniform(0, 0.3))
            except Violation:
                pass
            finally:
                self.end()

    def do_delete(self):
        with self.lock:
            cands = [b for b, s in self.batch_state.items() if s == "committed" and b not in self.reserved]
            if not cands:
                return
            batches = self.rng.sample(cands, min(len(cands), self.rng.randint(1, 4)))
            touches_old = any(self.batch_old[b] for b in batches)
            self.reserved.update(batches)
        m = self.rng.choice([2, 3, 5, 7])
        r = self.rng.randrange(m)
        blist = ", ".join(str(b) for b in sorted(batches))
        if self.rng.random() < 0.5:
            pred = "batch IN (%s) AND v %% %d = %d" % (blist, m, r)
            # SQL's % keeps the dividend's sign (-3 % 5 = -3), unlike Python's
            test = lambda row: row[4] in batches and math.fmod(row[3], m) == r
        else:
            key = self.rng.choice(KEYS)
            pred = "batch IN (%s) AND k = '%s'" % (blist, key.replace("'", "''"))
            test = lambda row: row[4] in batches and row[2] == key
        if touches_old and not self.old_acquire(False):
            with self.lock:
                self.reserved.difference_update(batches)
            return
        try:
            rs = self.day_key(self.recent_start)
            with self.lock:
                target = [self.rows[i] for b in batches for i in self.batch_rows[b]
                          if i in self.present and test(self.rows[i])]
            target_recent = sum(1 for t in target if t[1] >= rs)
            if target_recent == 0:
                return
            if self.rng.random() < 0.5:
                kind = "delete"
                argv = self.strata("delete", "--store", self.store, TABLE, "--where", pred)
                if self.rng.random() < 0.5:
                    argv.append("--now")
            else:
                kind = "sql-delete"
                argv = self.strata("query", "--store", self.store, "DELETE FROM %s WHERE %s" % (TABLE, pred))
            op = Op(kind, argv, row_delta(target, -1), {"pred": pred})
            self.register(op)
            self.run_proc(op, self.kill_delay(kind))
            if op.rc == 0:
                committed = True
                m_ = re.search(r"deleted (\d+) rows", op.stdout)
                if m_ and int(m_.group(1)) != len(target):
                    self.violate("%s of %r reported %s rows, model %d" % (kind, pred, m_.group(1), len(target)))
            else:
                got = self.scalar("SELECT count(*) FROM %s WHERE (%s) AND ts >= '%s'" % (TABLE, pred, self.recent_start))
                if got == 0:
                    committed = True
                elif got == target_recent:
                    committed = False
                else:
                    self.violate("%s of %r not all or nothing: %d of %d recent rows left" % (kind, pred, got, target_recent))
                    committed = False
            with self.lock:
                if committed:
                    self.commit_rows([t[0] for t in target], -1)
            self.unregister(op, committed)
            self.count(self.checks, "resolved-" + kind)
        finally:
            with self.lock:
                self.reserved.difference_update(batches)
            if touches_old:
                self.old_release(False)

    def do_retention(self):
        if not self.old_acquire(True, wait=False):
            return
        try:
            rs = self.day_key(self.recent_start)
            with self.lock:
                target = [self.rows[i] for i in self.present if self.rows[i][1] < rs]
            op = Op("retention", self.strata("retention", "--store", self.store, TABLE, "--keep", RETENTION),
                    row_delta(target, -1))
            self.register(op)
            self.run_proc(op, self.kill_delay("retention"))
            if op.rc == 0:
                committed = True
            else:
                got = self.scalar("SELECT count(*) FROM %s WHERE ts < '%s'" % (TABLE, self.old_cut))
                if got == 0:
                    committed = True
                elif got == len(target):
                    committed = False
                else:
                    self.violate("retention not all or nothing: %d of %d old rows left" % (got, len(target)))
                    committed = False
            with self.lock:
                if committed:
                    self.commit_rows([t[0] for t in target], -1)
            self.unregister(op, committed)
            self.count(self.checks, "resolved-retention")
        finally:
            self.old_release(True)

    def disk_worker(self):
        while not self.stop and now_s() < self.end_time + 5:
            total = self.disk_bytes()
            with self.lock:
                self.max_disk = max(self.max_disk, total)
            time.sleep(1.0)

    def disk_bytes(self):
        total = 0
        tdir = os.path.join(self.store, TABLE)
        for root, _dirs, files in os.walk(tdir):
            for f in files:
                try:
                    total += os.lstat(os.path.join(root, f)).st_blocks * 512
                except FileNotFoundError:
                    pass
        return total

    # ---------------------------------------------------------------- checkpoint
    def read_manifest(self, path):
        with open(path, "rb") as f:
            data = f.read()
        if data[:8] != b"STRATMAN":
            raise Violation("bad manifest magic " + path)
        (length,) = struct.unpack("<I", data[12:16])
        return json.loads(data[16:16 + length])

    def checkpoint(self, final=False):
        t0 = now_s()
        with self.cond:
            self.pause = True
            while self.running > 0:
                self.cond.wait(0.5)
        try:
            self.check_quiet(final)
        except Violation:
            pass
        finally:
            with self.cond:
                self.pause = False
                self.recent_ops.clear()
                self.cond.notify_all()
        self.log("checkpoint done in %.1f s" % (now_s() - t0))

    def check_quiet(self, final):
        # 1. exact rows
        rows = self.sql("SELECT id FROM %s" % TABLE)
        ids = [int(r[0]) for r in rows]
        with self.lock:
            model = set(self.present)
            agg = dict(self.agg)
        store = set(ids)
        if len(ids) != len(store):
            self.violate("duplicate ids in the store: %d rows, %d distinct" % (len(ids), len(store)))
        missing = model - store
        extra = store - model
        if missing or extra:
            self.violate("rows differ from the model: %d missing (e.g. %s), %d extra (e.g. %s)"
                         % (len(missing), sorted(missing)[:5], len(extra), sorted(extra)[:5]))
            raise Violation("rows")
        exp = row_delta([self.rows[i] for i in model], +1)
        if exp != agg:
            self.violate("internal: incremental aggregates differ from the present set")
        self.count(self.checks, "checkpoint-exact-rows")
        # 2. verify
        op = Op("check-verify", self.strata("verify", "--store", self.store))
        self.run_proc(op)
        if op.rc != 0:
            self.violate("verify not clean: %s %s" % (op.stdout[-2000:], op.stderr[-2000:]))
            raise Violation("verify")
        self.count(self.checks, "checkpoint-verify")
        # 3. gc --now, then no leaked files
        op = Op("check-gc", self.strata("gc", "--store", self.store, TABLE, "--now"))
        self.run_proc(op)
        if op.rc != 0:
            self.violate("gc --now failed: %s" % op.stderr[-1000:])
            raise Violation("gc")
        self.check_files()
        self.count(self.checks, "checkpoint-no-leaks")

    def check_files(self):
        tdir = os.path.join(self.store, TABLE)
        mdir = os.path.join(tdir, "_manifest")
        manifests = sorted(f for f in os.listdir(mdir) if f.endswith(".manifest"))
        referenced = {}
        newest = None
        for f in manifests:
            m = self.read_manifest(os.path.join(mdir, f))
            newest = m
            for s in m["segments"]:
                referenced["%s/%s.seg" % (s["partition"], s["id"])] = s["bytes"]
        live = sum(s["bytes"] for s in newest["segments"]) if newest else 0
        leaks = []
        empty_dirs = []
        for entry in sorted(os.listdir(tdir)):
            p = os.path.join(tdir, entry)
            if entry in ("_lock", "_readers", "_staging"):
                continue
            if entry == "_manifest":
                leaks += [os.path.join(p, f) for f in os.listdir(p) if not f.endswith(".manifest")]
                continue
            if entry == "_tmp":
                leaks += [os.path.join(p, f) for f in os.listdir(p)]
                continue
            if not os.path.isdir(p) or "=" not in entry:
                leaks.append(p)
                continue
            files = os.listdir(p)
            if not files:
                empty_dirs.append(entry)
            for f in files:
                if "%s/%s" % (entry, f) not in referenced:
                    leaks.append(os.path.join(p, f))
        if leaks:
            self.violate("%d file(s) no manifest references after gc --now: %s" % (len(leaks), leaks[:8]))
        total = self.disk_bytes()
        ratio = total / max(live, 1)
        with self.lock:
            self.max_ratio = max(self.max_ratio, ratio)
            self.last_live = live
            self.last_total = total
            self.last_manifests = len(manifests)
            self.last_empty_dirs = len(empty_dirs)
        self.log("files: %d manifests, live %d bytes, on disk %d bytes (%.2fx), %d empty partition dirs"
                 % (len(manifests), live, total, ratio, len(empty_dirs)))
        if total > 3 * live + self.args.disk_slack_mb * 1024 * 1024:
            self.violate("disk use %d bytes > 3 x live %d + %d MiB" % (total, live, self.args.disk_slack_mb))

    # ---------------------------------------------------------------- main
    def setup(self):
        os.makedirs(self.files, exist_ok=True)
        if not os.path.isdir(os.path.join(self.store, TABLE)):
            op = Op("create", self.strata("query", "--store", self.store,
                    "CREATE TABLE %s (ts TIMESTAMP, id BIGINT, batch BIGINT, k VARCHAR, v BIGINT) "
                    "PARTITION BY day(ts) ORDER BY (k, ts)" % TABLE))
            self.run_proc(op)
            if op.rc != 0:
                raise SystemExit("cannot create the table: " + op.stderr)
        else:
            raise SystemExit("store %s already has table %s: use a fresh store" % (self.store, TABLE))

    def run(self):
        self.setup()
        t_start = now_s()
        self.end_time = t_start + self.args.minutes * 60
        workers = [self.ingest_worker, self.ingest_worker, self.query_worker,
                   self.maint_worker, self.removal_worker]
        threads = [threading.Thread(target=w, daemon=True) for w in workers]
        threads.append(threading.Thread(target=self.disk_worker, daemon=True))
        for t in threads:
            t.start()
        next_check = t_start + self.args.check_every
        last_report = t_start
        while now_s() < self.end_time and not self.stop:
            time.sleep(0.5)
            if now_s() >= next_check and now_s() < self.end_time - 10:
                self.checkpoint()
                next_check = now_s() + self.args.check_every
            if now_s() - last_report >= 60:
                last_report = now_s()
                with self.lock:
                    print("%5.1f min: %d ops, %d kills, %d rows live, %d checks, %d violations"
                          % ((now_s() - t_start) / 60, sum(self.ops.values()), sum(self.kills.values()),
                             len(self.present), sum(self.checks.values()), len(self.violations)), flush=True)
        for t in threads[:-1]:
            t.join()
        if not self.stop:
            self.checkpoint(final=True)
        self.elapsed = now_s() - t_start
        return self.summary()

    def summary(self):
        a = self.args
        print()
        print("soak of %s: %.1f min, binary %s, store %s, seed %d" % (TABLE, self.elapsed / 60, self.binary, self.store, a.seed))
        print("operations by kind (killed):")
        for k in sorted(self.ops):
            print("  %-16s %6d  (%d killed)" % (k, self.ops[k], self.kills.get(k, 0)))
        print("  %-16s %6d  (%d killed)" % ("total", sum(self.ops.values()), sum(self.kills.values())))
        with self.lock:
            nb = sum(1 for s in self.batch_state.values() if s == "committed")
        print("batches generated %d, committed %d; rows live %d" % (len(self.batch_state), nb, len(self.present)))
        if self.failures:
            print("non-zero exits without a kill (allowed, counted):")
            for (k, rc, msg), n in sorted(self.failures.items()):
                print("  %-12s exit %d x%d: %s" % (k, rc, n, msg))
        print("checks passed:")
        for k in sorted(self.checks):
            print("  %-32s %6d" % (k, self.checks[k]))
        print("max RSS by kind (MiB): " + ", ".join("%s %.0f" % (k, v / 1024) for k, v in sorted(self.max_rss.items())))
        print("max disk %.1f MiB; at the last check %.1f MiB on disk for %.1f MiB live (max ratio %.2fx), %d manifests, %d empty partition dirs"
              % (self.max_disk / 2**20, getattr(self, "last_total", 0) / 2**20, getattr(self, "last_live", 0) / 2**20,
                 self.max_ratio, getattr(self, "last_manifests", 0), getattr(self, "last_empty_dirs", 0)))
        if self.violations:
            print("VIOLATIONS (%d):" % len(self.violations))
            for v in self.violations[:20]:
                print("  " + v)
            print("store kept for inspection: %s (log %s)" % (self.store, os.path.join(a.log_dir, "soak.log")))
            return 1
        print("no violations")
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5)
    ap.add_argument("--store", default=None, help="a fresh store directory (default: a new temporary one)")
    ap.add_argument("--binary", default=None)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--kill-rate", type=float, default=0.25, help="share of processes killed with SIGKILL")
    ap.add_argument("--check-every", type=float, default=300, help="seconds between full checkpoints")
    ap.add_argument("--max-rss-mb", type=int, default=1024)
    ap.add_argument("--disk-slack-mb", type=int, default=16)
    ap.add_argument("--keep-going", action="store_true", help="do not stop at the first violation")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    if args.binary is None:
        here = os.path.dirname(os.path.abspath(__file__))
        args.binary = os.path.join(os.path.dirname(here), ".build", "release", "strata")
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        raise SystemExit("no strata binary at %s (build with swift build -c release or pass --binary)" % args.binary)
    temp_store = args.store is None
    if temp_store:
        root = tempfile.mkdtemp(prefix="strata-soak-")
        args.store = os.path.join(root, "store")
    args.store = os.path.abspath(args.store)
    os.makedirs(args.store, exist_ok=True)
    # inputs and the log live beside the store, not in it
    args.log_dir = args.store.rstrip("/") + ".soak"
    args.inputs = os.path.join(args.log_dir, "inputs")
    os.makedirs(args.inputs, exist_ok=True)
    soak = Soak(args)
    rc = soak.run()
    if rc == 0 and temp_store:
        shutil.rmtree(os.path.dirname(args.store), ignore_errors=True)
    sys.exit(rc)


if __name__ == "__main__":
    main()
