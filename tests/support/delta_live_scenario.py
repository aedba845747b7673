#!/usr/bin/env python3
"""Delta runs against a process: `migrate --follow` and a delta killed with -9 (issue 21).

    delta_live_scenario.py CSBRIDGE follow     # a change is picked up within one interval; SIGTERM stops it, exit 0
    delta_live_scenario.py CSBRIDGE kill9 ROWS # a delta killed mid-run resumes; target equals source
    delta_live_scenario.py CSBRIDGE concurrent ROWS postgres|postgres_odbc|mariadb
                                               # a writer adds customers with their tickets
                                               # while a full run reads; no orphan rejects (one snapshot)

SQLite source and target. Prints one line per check; exits 1 when one failed.
"""
import json
import signal
import sqlite3
import subprocess
import sys
import time

CSBRIDGE, MODE = sys.argv[1], sys.argv[2]
failed = False


def check(name, got, want):
    global failed
    ok = got == want
    print("%s: %s" % (name, "ok" if ok else "FAILED: got %r, want %r" % (got, want)))
    failed |= not ok


def sql(path, statement):
    db = sqlite3.connect(path, timeout=10)
    with db:
        rows = db.execute(statement).fetchall()
    db.close()
    return rows


def setup(rows):
    sql("src.db", "CREATE TABLE tickets (id INTEGER PRIMARY KEY, subject TEXT, updated_at TEXT NOT NULL)")
    sql("src.db", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d) INSERT INTO tickets "
        "SELECT x, 'subject ' || x, strftime('%%Y-%%m-%%d %%H:%%M:%%f', '2026-01-01', (x / 1000.0) || ' seconds') "
        "FROM c" % rows)
    sql("src.db", "CREATE INDEX tickets_wm ON tickets (updated_at, id)")
    with open("tag.yaml", "w") as f:
        f.write("entity: tag\nsource: legacy\ntable: tickets\nkey: id\nwatermark: updated_at\n"
                "fields: {name: subject}\ncustom: none\n")
    with open("c.yaml", "w") as f:
        f.write("sources: {legacy: sqlite:src.db}\ntarget: sqlite:cs.db\nmappings: tag.yaml\n"
                "options: {batch_rows: 2000}\ndelta: {settle: 0s}\n")


def run(*args):
    out = subprocess.run([CSBRIDGE, "-c", "c.yaml", "-q", "--format", "json", "migrate", "--rejects", "r.jsonl"]
                         + list(args), capture_output=True, text=True)
    if out.returncode != 0:
        print("csbridge exited %d: %s" % (out.returncode, out.stderr.strip()))
        sys.exit(1)
    return json.loads(out.stdout)


def equal_to_source():
    want = sorted(sql("src.db", "SELECT CAST(id AS TEXT), subject FROM tickets"))
    got = sorted(sql("cs.db", "SELECT source_key, name FROM tag"))
    return len(want) if want == got else "differs: %d source rows, %d target rows" % (len(want), len(got))


def follow():
    setup(1000)
    run()
    interval = 1.0
    proc = subprocess.Popen([CSBRIDGE, "-c", "c.yaml", "-q", "migrate", "--follow", "--interval", "1s", "--rejects",
                             "r.jsonl"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    check("a line per cycle", first.startswith("cycle 1 run ") and ": ok, read 0," in first, True)
    sql("src.db", "INSERT INTO tickets VALUES (5000, 'new while following', strftime('%Y-%m-%d %H:%M:%f', 'now'))")
    changed = time.monotonic()
    seen = None
    while time.monotonic() - changed < 10 * interval and seen is None:
        if sql("cs.db", "SELECT count(*) FROM tag WHERE source_key = '5000'")[0][0] == 1:
            seen = time.monotonic() - changed
        time.sleep(0.05)
    # One interval, plus the cycle that reads it (a second of slack on a loaded machine).
    check("the change is in the target within one interval", seen is not None and seen < 2 * interval + 1, True)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    check("SIGTERM stops --follow with exit 0", proc.returncode, 0)
    lines = [first] + out.splitlines()
    check("cycles numbered in order", all(l.startswith("cycle %d run " % (i + 1)) for i, l in enumerate(lines)), True)
    statuses = [r[0] for r in sql("cs.db", "SELECT status FROM csbridge_runs ORDER BY started_at")]
    check("every cycle audited", len(statuses) >= len(lines) + 1 and all(s in ("ok", "interrupted") for s in statuses),
          True)
    check("target equals source", equal_to_source(), 1001)


def kill9(rows):
    setup(rows)
    run()
    sql("src.db", "UPDATE tickets SET subject = 'changed ' || id, updated_at = strftime('%Y-%m-%d %H:%M:%f', "
        "'2026-06-01', (id / 1000.0) || ' seconds')")
    proc = subprocess.Popen([CSBRIDGE, "-c", "c.yaml", "-q", "migrate", "--delta", "--rejects", "r.jsonl"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial = 0
    for _ in range(1200):
        try:
            partial = sql("cs.db", "SELECT count(*) FROM tag WHERE name LIKE 'changed %'")[0][0]
        except sqlite3.OperationalError:
            partial = 0
        if partial > 0:
            break
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    partial = sql("cs.db", "SELECT count(*) FROM tag WHERE name LIKE 'changed %'")[0][0]
    check("killed mid-delta with part committed", 0 < partial < rows, True)
    resumed = run("--delta")
    e = resumed["entities"][0]
    check("the resumed delta completes", (resumed["status"], e["loaded"] + e["unchanged"]), ("ok", rows))
    check("and writes only what the killed one did not", e["loaded"], rows - partial)
    check("target equals source", equal_to_source(), rows)
    again = run("--delta")["entities"][0]
    check("the next delta writes nothing", (again["read"], again["loaded"]), (0, 0))
    statuses = [r[0] for r in sql("cs.db", "SELECT status FROM csbridge_runs ORDER BY started_at")]
    check("audit", statuses, ["ok", "interrupted", "ok", "ok"])


def concurrent(rows, engine):
    import os
    import random
    import threading
    pg = os.environ.get("CSBRIDGE_TEST_PG", "")
    schema = "e2e_snapshot_%d_%d" % (os.getpid(), random.randrange(1 << 30))

    def run_sql(statement):
        if engine == "mariadb":  # tables named after the test in the one test database
            statement = statement.replace("customers", schema + "_customers").replace("tickets", schema + "_tickets")
            out = subprocess.run(["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P",
                                  os.environ["CSBRIDGE_TEST_MARIADB_PORT"], "-u", "csbridge", "-N", "-B",
                                  "csbridge_test", "-e", statement], capture_output=True, text=True, check=True,
                                 env=dict(os.environ, MYSQL_PWD=open(os.environ["CSBRIDGE_TEST_DIR"] +
                                                                   "/password").read().strip()))
            return out.stdout.split()
        return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", pg, "-c",
                               "SET client_min_messages = warning; SET search_path TO \"%s\"; %s" % (schema, statement)],
                              capture_output=True, text=True, check=True).stdout.split()

    if engine in ("postgres", "postgres_odbc"):
        subprocess.run(["psql", "-X", "-q", pg, "-c", "CREATE SCHEMA \"%s\"" % schema], check=True)
        run_sql("CREATE TABLE customers (id integer PRIMARY KEY, name text, created_at timestamptz DEFAULT now()); "
                "CREATE TABLE tickets (id integer PRIMARY "
                "KEY, customer_id integer, subject text, created_at timestamptz DEFAULT now()); INSERT INTO customers "
                "(id, name) SELECT x, 'customer ' || x FROM generate_series(1, %d) x; INSERT INTO tickets (id, customer_id, "
                "subject) SELECT x, x, 'ticket ' || x FROM generate_series(1, %d) x" % (rows, rows))
        conn = "${CSBRIDGE_TEST_PG_ODBC}" if engine == "postgres_odbc" else "${CSBRIDGE_TEST_PG}"
        prefix, want = schema + ".", "PostgreSQL snapshot"
    else:
        run_sql("CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50), created_at DATETIME(6) DEFAULT NOW(6)) "
                "ENGINE=InnoDB; CREATE TABLE tickets "
                "(id INT PRIMARY KEY, customer_id INT, subject VARCHAR(50), created_at DATETIME(6) DEFAULT NOW(6)) "
                "ENGINE=InnoDB; INSERT INTO customers (id, name) SELECT seq, CONCAT('customer ', seq) FROM seq_1_to_%d; "
                "INSERT INTO tickets (id, customer_id, subject) SELECT seq, seq, CONCAT('ticket ', seq) FROM "
                "seq_1_to_%d" % (rows, rows))
        conn, prefix, want = "${CSBRIDGE_TEST_MARIADB_ODBC}", schema + "_", "MariaDB consistent snapshot"
    try:
        with open("customer.yaml", "w") as f:
            f.write("entity: customer\nsource: legacy\ntable: %scustomers\nkey: id\nwatermark: created_at\n"
                    "fields: {name: name}\n"
                    "custom: none\n" % prefix)
        with open("ticket.yaml", "w") as f:
            f.write("entity: ticket\nsource: legacy\ntable: %stickets\nkey: id\nwatermark: created_at\nfields:\n  customer_id: "
                    "{column: customer_id, lookup: customer}\n  subject: subject\n  status: {value: open}\n"
                    "  priority: {value: normal}\n  channel: {value: web}\n  created_at: created_at\n"
                    "custom: none\n" % prefix)
        with open("c.yaml", "w") as f:
            f.write("sources: {legacy: '%s'}\ntarget: sqlite:cs.db\nmappings: [customer.yaml, ticket.yaml]\n"
                    "options: {batch_rows: 500}\n" % conn)
        stop = threading.Event()
        written = [0]

        def writer():  # a customer and their ticket per transaction, as a helpdesk in use writes them
            n = rows
            while not stop.is_set():
                n += 1
                run_sql("BEGIN; INSERT INTO customers (id, name) VALUES (%d, 'new customer'); INSERT INTO tickets (id, "
                        "customer_id, subject) VALUES (%d, %d, 'new ticket'); COMMIT" % (n, n, n))
                written[0] += 1
        t = threading.Thread(target=writer)
        t.start()
        time.sleep(0.5)
        before = written[0]
        first = run()
        during = written[0] - before
        stop.set()
        t.join()
        counts = {e["name"]: e for e in first["entities"]}
        check("the writer committed customers with tickets while the run read", during > 0, True)
        check("no orphan rejects", (counts["customer"]["rejected"], counts["ticket"]["rejected"]), (0, 0))
        check("customers and tickets read as of one moment",
              counts["customer"]["read"] == counts["ticket"]["read"], True)
        check("the snapshot is said", counts["ticket"].get("snapshot", "").startswith(want), True)
        second = {e["name"]: e for e in run()["entities"]}
        total = int(run_sql("SELECT count(*) FROM tickets")[0])
        check("the next run loads the rest, no orphans",
              (second["ticket"]["rejected"], counts["ticket"]["read"] + second["ticket"]["loaded"]), (0, total))
        # A full validate while the legacy system keeps writing: read as of the last run's mark, the
        # rows written since are the next run's, not differences.
        stop.clear()
        t = threading.Thread(target=writer)
        t.start()
        time.sleep(0.5)
        out = subprocess.run([CSBRIDGE, "-c", "c.yaml", "-q", "validate", "--checks", "counts,rows,references",
                              "--json", "v.json"], capture_output=True, text=True)
        stop.set()
        t.join()
        with open("v.json") as f:
            report = json.load(f)
        bad = [(c["name"], c.get("entity"), c.get("failures", [])[:3]) for c in report["checks"]
                  if c["status"] == "failed"]
        check("a full validate while the legacy system writes passes, as of the mark", (out.returncode, bad), (0, []))
    finally:
        if engine != "mariadb":
            subprocess.run(["psql", "-X", "-q", pg, "-c", "SET client_min_messages = warning; DROP SCHEMA IF EXISTS "
                            "\"%s\" CASCADE" % schema])
        else:
            run_sql("DROP TABLE IF EXISTS tickets, customers")


if MODE == "follow":
    follow()
elif MODE == "concurrent":
    concurrent(int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "postgres")
else:
    kill9(int(sys.argv[3]))
sys.exit(1 if failed else 0)
