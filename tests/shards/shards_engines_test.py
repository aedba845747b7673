#!/usr/bin/env python3
"""Sharded migrations (issue 17) from a PostgreSQL and a MariaDB source into SQLite targets.

    shards_engines_test.py CSBRIDGE WORK_DIR [ROWS]     (ROWS: about this many source rows, default 20000)

For each source — (a) PostgreSQL, tables in a schema of their own, ANALYZEd (plan-shards takes a
one-column key's bounds from pg_stats there); (b) MariaDB through ODBC, tables of names of their own
in its test database (text keys compared in utf8mb4_unicode_ci, case-insensitive) — the source holds
customers with TEXT keys of a skewed distribution (80 % share the prefix 'm', every 3rd key upper
case), tickets (integer keys) of a customer in another part of the key space (lookups across
shards; every 97th of a customer that does not exist: an orphan reject), every 50th merged into
another ticket (a self-reference; every 500th into one that does not exist: NULL), and messages
with a COMPOSITE key (ticket_id, seq) (every 1,000th of a ticket that does not exist: an orphan
reject). Then, into SQLite targets:

1. one process (the reference) into A;
2. plan-shards --shards 4 --format json, then 4 shards at once with GNU parallel into B (the last
   shard finishes the plan): B equals A (every table's rows by legacy key, references as legacy
   keys, the crosswalk, the indexes), the shards' reject files together hold A's rejects exactly
   once, no shard checkpoint or held row is left, the plan says how it found each block's bounds
   (pg_stats for the PostgreSQL one-column keys, which are unique: no most-common values; the key
   scan for the composite key and for every MariaDB block), its ranges hold every source row
   exactly once (counted in the source's own SQL and collation) and about equal rows each; a full
   validate and validate --shard K/4 for each K pass.
Needs CSBRIDGE_TEST_PG, CSBRIDGE_TEST_MARIADB_ODBC (with CSBRIDGE_TEST_MARIADB_PORT and
CSBRIDGE_TEST_DIR; scripts/servers), the psql and mariadb clients and GNU parallel; without them
exit 77 (skipped).
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shards_test import reject_keys  # noqa: E402  (the reject files' (entity, key, code), sorted)

failures = []
TAG = "shards_eng_%d" % os.getpid()


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def psql(sql):
    r = run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", os.environ["CSBRIDGE_TEST_PG"], "-c",
             "SET client_min_messages = warning; " + sql])
    if r.returncode != 0:
        raise RuntimeError("psql: " + r.stderr.strip())
    return r.stdout.splitlines()


def mariadb(sql):
    r = run(["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", os.environ["CSBRIDGE_TEST_MARIADB_PORT"],
             "-u", "csbridge", "-N", "-B", "csbridge_test", "-e", sql],
            env=dict(os.environ, MYSQL_PWD=open(os.path.join(os.environ["CSBRIDGE_TEST_DIR"], "password")).read().strip()))
    if r.returncode != 0:
        raise RuntimeError("mariadb: " + r.stderr.strip())
    return r.stdout.splitlines()


class Postgres:
    name = "pg"
    connection = "${CSBRIDGE_TEST_PG}"
    schema = TAG + "_src"

    def table(self, t):
        return "%s.%s" % (self.schema, t)

    def sql(self, text):
        return psql(text)

    @staticmethod
    def key(y):  # the customer key of number y: 'm0000001', 'M0000003', 'a0000005' …
        return ("(CASE WHEN (%s) %% 3 = 0 THEN upper(CASE WHEN (%s) %% 5 = 0 THEN 'a' ELSE 'm' END) ELSE "
                "CASE WHEN (%s) %% 5 = 0 THEN 'a' ELSE 'm' END END || lpad((%s)::text, 7, '0'))" % (y, y, y, y))

    def create(self, customers, tickets, messages):
        k = self.table
        self.sql('DROP SCHEMA IF EXISTS "%s" CASCADE; CREATE SCHEMA "%s"' % (self.schema, self.schema))
        self.sql(f"""
            CREATE TABLE {k('people')} (code text PRIMARY KEY, full_name text);
            CREATE TABLE {k('tickets')} (id integer PRIMARY KEY, cust text, subject text, merged_into integer,
                                         opened timestamp);
            CREATE TABLE {k('messages')} (ticket_id integer, seq integer, body text, PRIMARY KEY (ticket_id, seq));
            INSERT INTO {k('people')} SELECT {self.key('x')}, '客户 ' || x FROM generate_series(1, {customers}) x;
            INSERT INTO {k('tickets')} SELECT x,
                   CASE WHEN x % 97 = 0 THEN {self.key(f'{customers} + x')}
                        ELSE {self.key(f'1 + ({customers} - x * 7919 % {customers}) % {customers}')} END,
                   'subject ' || x,
                   CASE WHEN x % 500 = 0 THEN {tickets} + 7 WHEN x % 50 = 0 THEN 1 + (x * 31) % {tickets} END,
                   timestamp '2026-01-01 00:00:00' FROM generate_series(1, {tickets}) x;
            INSERT INTO {k('messages')} SELECT CASE WHEN x % 1000 = 0 THEN {tickets} + x ELSE 1 + (x - 1) / 2 END,
                   x % 2, 'message ' || x FROM generate_series(1, {messages}) x;
            ANALYZE {k('people')}; ANALYZE {k('tickets')}; ANALYZE {k('messages')};""")

    def drop(self):
        self.sql('DROP SCHEMA IF EXISTS "%s" CASCADE' % self.schema)


class MariaDB:
    name = "mariadb"
    connection = "${CSBRIDGE_TEST_MARIADB_ODBC}"

    def table(self, t):  # one database for every test: tables of names of their own
        return "%s_%s" % (TAG, t)

    def sql(self, text):
        return mariadb(text)

    @staticmethod
    def key(y):
        return ("CONCAT(IF((%s) %% 3 = 0, UPPER(IF((%s) %% 5 = 0, 'a', 'm')), IF((%s) %% 5 = 0, 'a', 'm')), "
                "LPAD(%s, 7, '0'))" % (y, y, y, y))

    def create(self, customers, tickets, messages):
        k = self.table
        self.drop()
        self.sql(f"""
            CREATE TABLE {k('people')} (code VARCHAR(20) PRIMARY KEY, full_name VARCHAR(100))
                ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
            CREATE TABLE {k('tickets')} (id INT PRIMARY KEY, cust VARCHAR(20), subject VARCHAR(100), merged_into INT,
                                         opened DATETIME) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
            CREATE TABLE {k('messages')} (ticket_id INT, seq INT, body VARCHAR(100), PRIMARY KEY (ticket_id, seq))
                ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
            INSERT INTO {k('people')} SELECT {self.key('seq')}, CONCAT('客户 ', seq) FROM seq_1_to_{customers};
            INSERT INTO {k('tickets')} SELECT seq,
                   IF(seq % 97 = 0, {self.key(f'{customers} + seq')},
                      {self.key(f'1 + ({customers} - seq * 7919 % {customers}) % {customers}')}),
                   CONCAT('subject ', seq),
                   CASE WHEN seq % 500 = 0 THEN {tickets} + 7 WHEN seq % 50 = 0 THEN 1 + (seq * 31) % {tickets} END,
                   TIMESTAMP '2026-01-01 00:00:00' FROM seq_1_to_{tickets};
            INSERT INTO {k('messages')} SELECT IF(seq % 1000 = 0, {tickets} + seq, 1 + (seq - 1) DIV 2),
                   seq % 2, CONCAT('message ', seq) FROM seq_1_to_{messages};""")

    def drop(self):
        self.sql("DROP TABLE IF EXISTS %s, %s, %s" % tuple(self.table(t) for t in ("people", "tickets", "messages")))


def mappings(src):
    return {
        "customer.yaml": "entity: customer\nsource: legacy\ntable: %s\nkey: code\nfields:\n  name: full_name\n"
                         "custom: none\n" % src.table("people"),
        "ticket.yaml": "entity: ticket\nsource: legacy\ntable: %s\nkey: id\nfields:\n"
                       "  customer_id: {column: cust, lookup: customer}\n  subject: subject\n"
                       "  merged_into_id: {column: merged_into, lookup: {entity: ticket, orphans: null}}\n"
                       "  status: {value: open}\n  priority: {value: normal}\n  channel: {value: web}\n"
                       "  created_at: opened\ncustom: none\n" % src.table("tickets"),
        "ticket_message.yaml": "entity: ticket_message\nsource: legacy\ntable: %s\nkey: [ticket_id, seq]\n"
                               "fields:\n  ticket_id: {column: ticket_id, lookup: ticket}\n  body: body\n"
                               "  author_kind: {value: customer}\n  is_internal: {value: 'false'}\n"
                               "  created_at: {value: '2026-01-01 00:00:00'}\ncustom: none\n" % src.table("messages"),
    }


def project(work, src, name):
    mdir = os.path.join(work, "m-" + src.name)
    os.makedirs(mdir, exist_ok=True)
    for file, text in mappings(src).items():
        with open(os.path.join(mdir, file), "w") as f:
            f.write(text)
    config = os.path.join(work, "%s-%s.yaml" % (src.name, name))
    with open(config, "w") as f:
        f.write("sources: {legacy: '%s'}\ntarget: sqlite:%s\nmappings: %s\n"
                "masking: {actions: {name: keep, free_text: keep}}\noptions: {batch_rows: 500}\n"
                % (src.connection, os.path.join(work, "%s-%s.db" % (src.name, name)), mdir))
    return config


def state(path):
    db = sqlite3.connect(path)
    q = lambda sql: [r[0] for r in db.execute(sql)]
    s = {
        "customer": q("SELECT source_key || '|' || name FROM customer ORDER BY 1"),
        "ticket": q("SELECT t.source_key || '|' || t.subject || '|' || coalesce(c.source_key, '-') || '|' || "
                    "coalesce(m.source_key, '-') || '|' || t.created_at FROM ticket t "
                    "LEFT JOIN customer c ON c.id = t.customer_id LEFT JOIN ticket m ON m.id = t.merged_into_id "
                    "ORDER BY 1"),
        "ticket_message": q("SELECT m.source_key || '|' || m.body || '|' || t.source_key FROM ticket_message m "
                            "JOIN ticket t ON t.id = m.ticket_id ORDER BY 1"),
        "crosswalk": q("SELECT entity || '|' || source_key FROM csbridge_crosswalk ORDER BY 1"),
        "indexes": q("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY 1"),
    }
    db.close()
    return s


def leftovers(path):
    db = sqlite3.connect(path)
    n = db.execute("SELECT count(*) FROM csbridge_checkpoint WHERE scope LIKE 'shard:%' OR scope LIKE 'pending:%' "
                   "OR scope LIKE '%#%'").fetchone()[0]
    db.close()
    return n


def literal(v):
    return v if re.fullmatch(r"-?[0-9]+", v) else "'" + v.replace("'", "''") + "'"


def range_count(src, table, key, shard):
    """The source rows of a shard's range (after, upto], compared in the source's own SQL and collation."""
    cols = "(" + ", ".join(key) + ")"
    parts = []
    if shard["after"]:
        parts.append("%s > (%s)" % (cols, ", ".join(map(literal, shard["after"]))))
    if shard["upto"]:
        parts.append("%s <= (%s)" % (cols, ", ".join(map(literal, shard["upto"]))))
    if shard.get("empty"):
        parts = ["1 = 0"]
    return int(src.sql("SELECT count(*) FROM %s WHERE %s" % (src.table(table), " AND ".join(parts) or "1 = 1"))[0])


def one_source(csbridge, work, src, rows):
    customers, tickets = rows * 2 // 10, rows * 3 // 10
    messages = tickets * 2
    t0 = time.time()
    src.create(customers, tickets, messages)
    tables = {"customer": "people", "ticket": "tickets", "ticket_message": "messages"}
    total = {e: int(src.sql("SELECT count(*) FROM " + src.table(t))[0]) for e, t in tables.items()}
    print("%s source: %s (%.1f s)" % (src.name, total, time.time() - t0), flush=True)
    p = src.name

    # 1. The reference: one process.
    ca = project(work, src, "a")
    t0 = time.time()
    r = run([csbridge, "-q", "-c", ca, "migrate", "--rejects", os.path.join(work, p + "-a.jsonl")])
    check(r.returncode == 0, "%s: one-process run exits 0 (%.1f s) %s" % (p, time.time() - t0, r.stderr.strip()[-500:]))
    want = state(os.path.join(work, p + "-a.db"))
    want_rejects = reject_keys([os.path.join(work, p + "-a.jsonl")])
    codes = sorted(set((e, c) for e, _, c in want_rejects))
    check(len(want["customer"]) == total["customer"] and len(want["ticket"]) > 0 and
          len(want["ticket_message"]) > 0 and ("ticket", "orphan_reference") in codes and
          ("ticket_message", "orphan_reference") in codes,
          "%s: the reference loaded every customer, tickets and messages, and rejected orphans %s" % (p, codes))

    # 2. The plan.
    cb = project(work, src, "b")
    r = run([csbridge, "-q", "-c", cb, "plan-shards", "--shards", "4", "--format", "json"])
    check(r.returncode == 0, "%s: plan-shards --shards 4 exits 0 %s" % (p, r.stderr.strip()))
    plan = json.loads(r.stdout) if r.returncode == 0 else {"blocks": []}
    how = {b["entity"]: b["how"] for b in plan["blocks"]}
    stats, scan = "PostgreSQL statistics (pg_stats)", "ordered key scan"
    expected = {"customer": stats, "ticket": stats, "ticket_message": scan} if src.name == "pg" else \
        {"customer": scan, "ticket": scan, "ticket_message": scan}
    check(how == expected, "%s: the plan's bounds came from %s" % (p, how))
    for b in plan["blocks"]:
        est = [s["rows"] for s in b["shards"]]
        real = [range_count(src, tables[b["entity"]], b["key"], s) for s in b["shards"]]
        n = total[b["entity"]]
        check(len(est) == 4 and max(est) - min(est) <= 1 and abs(b["rows"] - n) <= n // 50,
              "%s: %s: the plan estimates 4 ranges of %s rows, %d in all (the source holds %d)"
              % (p, b["block"], est, b["rows"], n))
        check(sum(real) == n, "%s: %s: every source row is in exactly one range (%d of %d)" % (p, b["block"], sum(real), n))
        # The key scan cuts ranges of equal rows; a histogram of bounds of about equal rows.
        tolerance = 1 if b["how"] == scan else max(n // 40, 1)
        check(all(abs(x - n / 4) <= tolerance for x in real),
              "%s: %s (%s): the ranges hold %s rows (each %d ± %d)" % (p, b["block"], b["how"], real, n // 4, tolerance))
        if src.name == "mariadb" and b["entity"] == "customer":
            # The data prove the order is the source's: compared byte by byte ('M…' before 'm…'),
            # the same bounds would cut other ranges.
            binary = [range_count(src, "people", ["code COLLATE utf8mb4_bin"], s) for s in b["shards"]]
            check(binary != real, "%s: %s: in binary order the same bounds would hold %s rows: the ranges are cut in "
                  "the source's case-insensitive order" % (p, b["block"], binary))

    # 3. Four shards at once; the last one to complete finishes the plan.
    t0 = time.time()
    r = run(["parallel", "-j4", "--halt", "never", csbridge, "-q", "-c", cb, "--no-progress", "migrate",
             "--shard", "{}/4", "--rejects", os.path.join(work, p + "-b-{}.jsonl"), ":::", "1", "2", "3", "4"])
    check(r.returncode == 0, "%s: 4 shards with GNU parallel exit 0 (%.1f s) %s" % (p, time.time() - t0, r.stderr.strip()[-800:]))
    r = run([csbridge, "-c", cb, "runs", "--format", "json"])
    sp = json.loads(r.stdout).get("shard_plan") if r.returncode == 0 else None
    finished = bool(sp and sp.get("finished"))
    check(finished and sp.get("id") == plan.get("id") and [s["state"] for s in sp["shard_states"]] == ["done"] * 4,
          "%s: runs --format json: the plan finished, 4 shards done %s" %
          (p, "" if finished else json.dumps(sp)[:800] + r.stderr.strip()))
    paths = [os.path.join(work, "%s-b-%d.jsonl" % (p, k)) for k in range(1, 5)]
    if not finished:
        paths.append(os.path.join(work, p + "-b-f.jsonl"))
        r = run([csbridge, "-c", cb, "--no-progress", "migrate", "--finish", "--rejects", paths[-1]])
        check(r.returncode == 0, "%s: migrate --finish exits 0 %s" % (p, (r.stdout + r.stderr)[-500:]))
    db = sqlite3.connect(os.path.join(work, p + "-b.db"))
    finish = [json.loads(c) for (c,) in db.execute("SELECT counts FROM csbridge_runs WHERE run_id LIKE '%.finish'")]
    db.close()
    held = {e["name"]: e["held"] for f in finish if isinstance(f, dict) for e in f.get("entities", [])}
    check(held.get("ticket", 0) > 0 and held.get("ticket_message", 0) > 0,
          "%s: the shards held rows whose lookups crossed shard ranges, the finish loaded them %s" % (p, held))
    got = state(os.path.join(work, p + "-b.db"))
    for table in want:
        check(got[table] == want[table], "%s: 4 shards: %s equals the one-process run (%d rows vs %d)"
              % (p, table, len(got[table]), len(want[table])))
    got_rejects = reject_keys(paths)
    check(got_rejects == want_rejects, "%s: 4 shards: the reject files hold the one-process run's %d rejects exactly "
          "once (%d lines)" % (p, len(want_rejects), len(got_rejects)))
    check(leftovers(os.path.join(work, p + "-b.db")) == 0, "%s: 4 shards: no shard checkpoint or held row is left" % p)

    # 4. Validate: the whole target, then each shard (at once, as a job system runs them).
    t0 = time.time()
    r = run([csbridge, "-c", cb, "--no-progress", "validate"])
    check(r.returncode == 0, "%s: a full validate passes (%.1f s) %s" % (p, time.time() - t0,
                                                                       (r.stdout + r.stderr)[-1500:] if r.returncode else ""))
    t0 = time.time()
    r = run(["parallel", "-j4", "--halt", "never", "--tag", csbridge, "-c", cb, "--no-progress", "validate",
             "--shard", "{}/4", ":::", "1", "2", "3", "4"])
    check(r.returncode == 0 and all(("--shard %d/4" % k) in r.stdout for k in range(1, 5)),
          "%s: validate --shard K/4 passes for K = 1 … 4 (%.1f s) %s"
          % (p, time.time() - t0, (r.stdout + r.stderr)[-1500:] if r.returncode else ""))


def main():
    csbridge, work = sys.argv[1], sys.argv[2]
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    need = ["CSBRIDGE_TEST_PG", "CSBRIDGE_TEST_MARIADB_ODBC", "CSBRIDGE_TEST_MARIADB_PORT", "CSBRIDGE_TEST_DIR"]
    if not all(os.environ.get(v) for v in need) or not all(shutil.which(t) for t in ("parallel", "psql", "mariadb")):
        print("skipped: needs %s (scripts/servers), psql, mariadb and GNU parallel" % ", ".join(need))
        return 77
    shutil.rmtree(work, ignore_errors=True)  # reject files and SQLite targets of an earlier run would count
    os.makedirs(work)
    t0 = time.time()
    for src in (Postgres(), MariaDB()):
        try:
            one_source(csbridge, work, src, rows)
        except Exception as e:  # a source that could not be built or read: a failure, the other still runs
            check(False, "%s: %s: %s" % (src.name, type(e).__name__, e))
        finally:
            try:
                src.drop()
            except Exception as e:
                print("note: dropping the %s source: %s" % (src.name, e))
    print("%d failure(s) (%.1f s)" % (len(failures), time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
