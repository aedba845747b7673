#!/usr/bin/env python3
"""Kill-point sweep (issue 18): a migration killed with SIGKILL at 50 points spread over the whole
run — five chains of runs, each killed at every fifth point and resuming where the last kill left
it, then run to the end — and each chain's target must equal a clean run's.

    kill_sweep.py CSBRIDGE WORK_DIR sqlite|pg [KILLS] [sqlite|csv]

The source: 2,000 organizations (every 500th without a name: rejected) and 18,000 customers of
them (every 1,000th points at an organization that does not exist: an orphan reject), in batches of
50 rows (400 batches). Kill point k of K is where the target's crosswalk first holds k/(K+1) of 92 %
of the loadable rows (or, once a kill overshot, the next even share of what is left), found by polling the target (never by sleeping a guessed time), plus a jitter
of 0–10 ms drawn from a seeded PRNG, so that kills land between commits as well as right after
one. Each kill is proven to land: the process was still running (it died of SIGKILL, not of
its own end) and the target held more rows than before the run and fewer than all of them.
After each chain: the rows, their references (by legacy key) and the crosswalk equal a clean
run's, no checkpoint is left, and the reject file holds every rejected row exactly once.
The spread is printed: the share of kills with under 10 %, 10–90 % and over 90 % of the rows in.

The source is a SQLite file, or (csv) the same two tables exported as CSV files with their rows
shuffled: migrate sorts a file by the legacy key (connector/sorted_reader.h), and a resumed run
must find the same rows in the same places.

pg needs CSBRIDGE_TEST_PG (scripts/servers); without it the test is skipped (exit 77).
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

ORGS, CUSTOMERS = 2000, 18000
LOADABLE = (ORGS - ORGS // 500) + (CUSTOMERS - CUSTOMERS // 1000)
# Kill points are spread up to 92 % of the rows: a run with fewer rows left than that may end
# between two polls on a loaded machine (in CI a point at 93 % once came after the run's end), and
# a run that ended cannot be killed.
END = LOADABLE * 92 // 100
CHAINS = 5
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def export_csv(db_path, folder):
    """The source's tables as CSV files, rows in a shuffled (seeded) order."""
    import csv
    os.makedirs(folder, exist_ok=True)
    db = sqlite3.connect(db_path)
    for table in ("orgs", "people"):
        cur = db.execute("SELECT * FROM %s" % table)
        rows = cur.fetchall()
        random.Random(table).shuffle(rows)
        with open(os.path.join(folder, table + ".csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow([d[0] for d in cur.description])
            w.writerows(rows)
    db.close()


def make_source(path):
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.executescript(f"""
        CREATE TABLE orgs (id INTEGER PRIMARY KEY, org_name TEXT);
        CREATE TABLE people (id INTEGER PRIMARY KEY, full_name TEXT, org_id INTEGER, phone TEXT);
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {ORGS})
        INSERT INTO orgs SELECT x, CASE WHEN x % 500 = 0 THEN NULL ELSE '机构 ' || x END FROM c;
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {CUSTOMERS})
        INSERT INTO people SELECT x, '客户 ' || x, CASE WHEN x % 1000 = 0 THEN {ORGS} + 1 ELSE 1 + x % 499 END,
               '139' || printf('%08d', x) FROM c;""")
    db.commit()
    db.close()


class Target:
    """The target of one chain: a SQLite file or a PostgreSQL schema."""

    def __init__(self, engine, work, name):
        self.engine, self.name = engine, name
        if engine == "sqlite":
            self.path = os.path.join(work, name + ".db")
            for suffix in ("", "-wal", "-shm", "-journal", "-csbridge.lock"):
                if os.path.exists(self.path + suffix):
                    os.remove(self.path + suffix)
            self.config_target = "sqlite:" + self.path
        else:
            self.schema = f"kill_sweep_{os.getpid()}_{name}"
            self.psql("DROP SCHEMA IF EXISTS \"%s\" CASCADE" % self.schema)
            self.config_target = "\n  connection: ${CSBRIDGE_TEST_PG}\n  schema: %s" % self.schema
            # One psql session for the polls: a new psql a poll takes longer than a batch commits.
            self.poller = subprocess.Popen(["psql", "-X", "-q", "-At", os.environ["CSBRIDGE_TEST_PG"]],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def psql(self, sql):
        r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", os.environ["CSBRIDGE_TEST_PG"],
                            "-c", "SET client_min_messages = warning; " + sql], capture_output=True, text=True)
        return r.stdout.splitlines() if r.returncode == 0 else None

    def query(self, sql, wait=10.0):
        if self.engine == "sqlite":
            if not os.path.exists(self.path):
                return None
            try:
                # Read-write: a reader may have to roll back the hot journal a killed run left
                # (a read-only connection cannot, and would see nothing).
                db = sqlite3.connect(self.path, timeout=wait)
                try:
                    return ["|".join("" if v is None else str(v) for v in row) for row in db.execute(sql)]
                finally:
                    db.close()
            except sqlite3.Error:
                return None
        return self.psql("SET search_path = \"%s\"; %s" % (self.schema, sql))

    def committed(self):
        """Rows in the crosswalk; None when the target cannot tell yet (no table, a lock)."""
        if self.engine == "pg":
            # A query that fails (no table yet) prints no count before the marker.
            self.poller.stdin.write('SELECT count(*) FROM "%s".csbridge_crosswalk;\n\\echo --\n' % self.schema)
            lines = []
            for line in iter(self.poller.stdout.readline, ""):
                if line.strip() == "--":
                    break
                lines.append(line.strip())
            return int(lines[0]) if lines else None
        # A poll must not queue behind the writer's locks (SQLite's busy handler sleeps up to 100 ms
        # a try): a busy target answers None at once and the next poll asks again.
        rows = self.query("SELECT count(*) FROM csbridge_crosswalk", wait=0.005)
        return int(rows[0]) if rows else None

    def state(self):
        return {
            "organization": self.query("SELECT source_key || '|' || name FROM organization ORDER BY 1"),
            "customer": self.query("SELECT c.source_key || '|' || c.name || '|' || c.phone || '|' || "
                                   "coalesce(o.source_key, '-') FROM customer c LEFT JOIN organization o "
                                   "ON o.id = c.organization_id ORDER BY 1"),
            "crosswalk": self.query("SELECT entity || '|' || source_key FROM csbridge_crosswalk ORDER BY 1"),
            "checkpoints": self.query("SELECT count(*) FROM csbridge_checkpoint"),
            # A first load into PostgreSQL builds secondary indexes and adds foreign keys after its
            # rows: every run that ends builds those a killed one left dropped.
            "indexes": self.query("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                                  "ORDER BY 1") if self.engine == "pg" else [],
            "foreign_keys": self.query("SELECT conrelid::regclass::text || ' ' || conname FROM pg_constraint "
                                       "WHERE connamespace = current_schema()::regnamespace AND contype = 'f' "
                                       "ORDER BY 1") if self.engine == "pg" else [],
        }

    def drop(self):
        if self.engine == "pg":
            self.poller.stdin.close()
            self.poller.wait()
            self.psql("DROP SCHEMA IF EXISTS \"%s\" CASCADE" % self.schema)


SOURCE = "sqlite"  # or csv: main() sets it


def project(work, target, name):
    os.makedirs(os.path.join(work, "m"), exist_ok=True)
    with open(os.path.join(work, "m", "organization.yaml"), "w") as f:
        f.write("entity: organization\nsource: legacy\ntable: orgs\nkey: id\nfields: {name: org_name}\ncustom: none\n")
    with open(os.path.join(work, "m", "customer.yaml"), "w") as f:
        f.write("entity: customer\nsource: legacy\ntable: people\nkey: id\nfields:\n  name: full_name\n"
                "  organization_id: {column: org_id, lookup: organization}\n  phone: {column: phone, steps: [phone]}\n"
                "custom: none\n")
    config = os.path.join(work, name + ".yaml")
    with open(config, "w") as f:
        source = "csv:" + os.path.join(work, "legacy-csv") if SOURCE == "csv" else "sqlite:" + os.path.join(work, "legacy.db")
        f.write("sources: {legacy: %s}\ntarget: %s\nmappings: %s\n"
                "masking: {actions: {phone: keep, name: keep}}\n"
                "options: {batch_rows: 50, load_connections: 2}\n"
                % (source, target.config_target, os.path.join(work, "m")))
    return config


def migrate_cmd(csbridge, config, rejects):
    return [csbridge, "-q", "-c", config, "migrate", "--rejects", rejects]


def reject_keys(path):
    keys = []
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            keys.append((d["entity"], d["source_key"], d["code"]))
    return keys


def kill_chain(csbridge, target, config, rejects, goals):
    """Kills one chain's runs where the target first holds each of `goals` rows; returns the share of
    rows in at each kill."""
    jitter = random.Random(18 + len(goals))
    shares = []
    for i, goal in enumerate(goals):
        before = int((target.query("SELECT count(*) FROM csbridge_crosswalk") or ["0"])[0])
        if goal <= before:  # an earlier kill overshot: half way to the next point instead
            nxt = goals[i + 1] if i + 1 < len(goals) else END
            goal = before + max(1, (nxt - before) // 2)
        p = subprocess.Popen(migrate_cmd(csbridge, config, rejects), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        while p.poll() is None and (target.committed() or 0) < goal:
            time.sleep(0.001)
        if p.poll() is None:
            time.sleep(jitter.uniform(0, 0.01))
            os.kill(p.pid, signal.SIGKILL)
        p.wait()
        n = int((target.query("SELECT count(*) FROM csbridge_crosswalk") or ["0"])[0])
        landed = p.returncode == -signal.SIGKILL and before < n < LOADABLE
        check(landed, "%s kill at %5d rows: landed mid-run (exit %s; %d rows in before the run, %d at the kill, of %d)%s"
              % (target.name, goal, p.returncode, before, n, LOADABLE,
                 "" if landed else " " + p.stderr.read().decode()[-300:]))
        shares.append(n / LOADABLE)
    return shares


def run_chain(csbridge, work, engine, name, goals, clean_state, clean_keys):
    """One chain: killed at `goals`, then run to the end; its target must equal the clean run's."""
    target = Target(engine, work, name)
    config = project(work, target, name)
    rejects = os.path.join(work, name + ".jsonl")
    if os.path.exists(rejects):
        os.remove(rejects)
    shares = kill_chain(csbridge, target, config, rejects, goals)
    r = subprocess.run(migrate_cmd(csbridge, config, rejects), capture_output=True, text=True)
    check(r.returncode == 0, "%s: the run after %d kills ends (exit %d) %s"
          % (name, len(goals), r.returncode, r.stderr[-300:]))
    state = target.state()
    for part in clean_state:
        check(state[part] == clean_state[part], "%s: %s equals the clean run's (%s)" % (
            name, part, state[part][0] + " left" if part == "checkpoints" else "%d rows" % len(state[part] or [])))
    keys = reject_keys(rejects)
    check(sorted(keys) == sorted(clean_keys) and len(set(keys)) == len(keys),
          "%s: every rejected row has one reject line: %d lines, %d distinct, the clean run %d"
          % (name, len(keys), len(set(keys)), len(clean_keys)))
    if not failures:
        target.drop()
    return shares


def main():
    csbridge, work, engine = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
    kills = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    global SOURCE
    SOURCE = sys.argv[5] if len(sys.argv) > 5 else "sqlite"
    if engine == "pg" and not os.environ.get("CSBRIDGE_TEST_PG"):
        print("skipped: CSBRIDGE_TEST_PG is not set (scripts/servers)")
        return 77
    os.makedirs(work, exist_ok=True)
    make_source(os.path.join(work, "legacy.db"))
    if SOURCE == "csv":
        export_csv(os.path.join(work, "legacy.db"), os.path.join(work, "legacy-csv"))
    started = time.monotonic()

    clean = Target(engine, work, "clean")
    for f in ("clean.jsonl", "killed.jsonl"):
        if os.path.exists(os.path.join(work, f)):
            os.remove(os.path.join(work, f))
    r = subprocess.run(migrate_cmd(csbridge, project(work, clean, "clean"), os.path.join(work, "clean.jsonl")),
                       capture_output=True, text=True)
    check(r.returncode == 0, "clean run exit %d %s" % (r.returncode, r.stderr[-300:]))
    clean_state = clean.state()
    check(len(clean_state["crosswalk"] or []) == LOADABLE, "the clean run loads %d rows" % LOADABLE)

    # CHAINS chains, each killed at every CHAINS-th point: the points of one chain lie a tenth of the
    # run apart (room for a kill that lands late), and together they spread evenly over the run.
    shares = []
    clean_keys = reject_keys(os.path.join(work, "clean.jsonl"))
    for j in range(CHAINS):
        goals = [END * (k + 1) // (kills + 1) for k in range(j, kills, CHAINS)]
        shares += run_chain(csbridge, work, engine, "killed%d" % j, goals, clean_state, clean_keys)
    early = sum(s < 0.1 for s in shares)
    late = sum(s > 0.9 for s in shares)
    print("spread of %d kill points (%s from %s): %d%% before 10%% of the rows, %d%% mid, %d%% after 90%%; %.0f s"
          % (len(shares), engine, SOURCE, 100 * early // len(shares), 100 * (len(shares) - early - late) // len(shares),
             100 * late // len(shares), time.monotonic() - started))
    if not failures:
        clean.drop()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
