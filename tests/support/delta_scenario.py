#!/usr/bin/env python3
"""Delta runs end to end (issue 21): a legacy table with a watermark, changed between runs.

    delta_scenario.py CSBRIDGE SOURCE TARGET ROWS

SOURCE is `sqlite`, `postgres` or `mariadb`, TARGET `sqlite` or `postgres` (PostgreSQL through
$CSBRIDGE_TEST_PG, in a schema of its own; MariaDB through $CSBRIDGE_TEST_MARIADB_ODBC, in a table
of its own; both dropped at the end). Prints one line per check; a failed check exits 1 after saying
what differed. The expected changes come from this script, never from the target.
"""
import json
import os
import random
import subprocess
import sys
import time

CSBRIDGE, SOURCE, TARGET, ROWS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
PG = os.environ.get("CSBRIDGE_TEST_PG", "")
SCHEMA = "e2e_delta_%d_%d" % (os.getpid(), random.randrange(1 << 30))
# The boundary: the greatest watermark of the first load, shared by the last 500 rows, with
# microseconds (full precision) on PostgreSQL, milliseconds on SQLite (text).
T = "2026-01-01 12:00:00.123" if SOURCE == "sqlite" else "2026-01-01 12:00:00.123456"
TABLE = "delta_%d" % os.getpid() if SOURCE == "mariadb" else "tickets"  # MariaDB: one database for every test
failed = False


def check(name, got, want):
    global failed
    ok = got == want
    print("%s: %s" % (name, "ok" if ok else "FAILED: got %r, want %r" % (got, want)))
    failed |= not ok


def psql(sql, schema=SCHEMA):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", PG, "-c",
                          "SET client_min_messages = warning; SET search_path TO \"%s\"; %s" % (schema, sql)],
                         capture_output=True, text=True, check=True)
    return [line.split("|") for line in out.stdout.splitlines() if line]


def mariadb(sql):
    out = subprocess.run(["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", os.environ["CSBRIDGE_TEST_MARIADB_PORT"],
                          "-u", "csbridge", "-N", "-B", "csbridge_test", "-e", sql], capture_output=True, text=True,
                         check=True, env=dict(os.environ, MYSQL_PWD=open(os.environ["CSBRIDGE_TEST_DIR"] +
                                                                           "/password").read().strip()))
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def cat(a, b):  # text concatenation in the source's SQL
    return "CONCAT(%s, %s)" % (a, b) if SOURCE == "mariadb" else "%s || %s" % (a, b)


def source(sql):
    if SOURCE == "mariadb":
        return mariadb(sql.replace("tickets", TABLE).replace("AS TEXT", "AS CHAR"))
    if SOURCE == "postgres":
        return psql(sql, SCHEMA + "_src")
    import sqlite3
    db = sqlite3.connect("src.db")
    with db:  # one statement a call
        rows = [[str(v) for v in r] for r in db.execute(sql)]
    db.close()
    return rows


def target(sql):
    if TARGET == "postgres":
        return psql(sql)
    import sqlite3
    db = sqlite3.connect("cs.db")
    with db:  # committed: an edit of the target
        rows = [[str(v) for v in r] for r in db.execute(sql)]
    db.close()
    return rows


def ts(offset_ms):  # a watermark `offset_ms` before T
    if SOURCE == "mariadb":
        return "(TIMESTAMP %s - INTERVAL %d MICROSECOND)" % (q(T), offset_ms * 1000)
    return "(%s::timestamp - %s)" % (q(T), "interval '%d milliseconds'" % offset_ms) if SOURCE == "postgres" else \
        "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, '-%d.%03d seconds')" % (q(T), offset_ms // 1000, offset_ms % 1000)


def q(text):
    return "'" + text.replace("'", "''") + "'"


def migrate(*args, config="c.yaml"):
    out = subprocess.run([CSBRIDGE, "-c", config, "-q", "--format", "json", "migrate", "--rejects", "r.jsonl"]
                         + list(args), capture_output=True, text=True)
    if out.returncode != 0:
        print("csbridge exited %d: %s" % (out.returncode, out.stderr.strip()))
        sys.exit(1)
    return json.loads(out.stdout)["entities"][0]


def plan_entity():
    out = subprocess.run([CSBRIDGE, "-c", "c.yaml", "-q", "--format", "json", "migrate", "--plan"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print("csbridge migrate --plan exited %d: %s" % (out.returncode, out.stderr.strip()))
        sys.exit(1)
    return json.loads(out.stdout)["entities"][0]


def plan():
    e = plan_entity()
    return e["new"], e["changed"], e["unchanged"], e["deleted"]


def setup():
    if SOURCE == "postgres":
        subprocess.run(["psql", "-X", "-q", PG, "-c", "CREATE SCHEMA \"%s_src\"" % SCHEMA], check=True)
        source("CREATE TABLE tickets (id integer PRIMARY KEY, subject text, updated_at timestamp(6) NOT NULL); "
               "INSERT INTO tickets SELECT x, 'subject ' || x, CASE WHEN x > %d THEN %s::timestamp ELSE "
               "%s::timestamp - (%d - x) * interval '1 millisecond' END FROM generate_series(1, %d) x; "
               "CREATE INDEX ON tickets (updated_at, id)" % (ROWS - 500, q(T), q(T), ROWS, ROWS))
        src, table = "'${CSBRIDGE_TEST_PG}'", SCHEMA + "_src.tickets"
    elif SOURCE == "mariadb":
        source("CREATE TABLE tickets (id INT PRIMARY KEY, subject VARCHAR(100), updated_at DATETIME(6) NOT NULL, "
               "INDEX (updated_at, id)) ENGINE=InnoDB; INSERT INTO tickets SELECT seq, CONCAT('subject ', seq), "
               "CASE WHEN seq > %d THEN TIMESTAMP %s ELSE TIMESTAMP %s - INTERVAL (%d - seq) * 1000 MICROSECOND END "
               "FROM seq_1_to_%d" % (ROWS - 500, q(T), q(T), ROWS, ROWS))
        src, table = "'${CSBRIDGE_TEST_MARIADB_ODBC}'", TABLE
    else:
        source("CREATE TABLE tickets (id INTEGER PRIMARY KEY, subject TEXT, updated_at TEXT NOT NULL)")
        source("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d) INSERT INTO tickets "
               "SELECT x, 'subject ' || x, CASE WHEN x > %d THEN %s ELSE strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, "
               "'-' || ((%d - x) / 1000.0) || ' seconds') END FROM c" % (ROWS, ROWS - 500, q(T), q(T), ROWS))
        source("CREATE INDEX tickets_wm ON tickets (updated_at, id)")
        src, table = "sqlite:src.db", "tickets"
    tgt = "sqlite:cs.db" if TARGET == "sqlite" else "{connection: '${CSBRIDGE_TEST_PG}', schema: %s}" % SCHEMA
    os.makedirs("m", exist_ok=True)
    with open("m/tag.yaml", "w") as f:
        f.write("entity: tag\nsource: legacy\ntable: %s\nkey: id\nwatermark: updated_at\ndeletes: keys\n"
                "fields: {name: subject}\ncustom: none\n" % table)
    for name, delta in (("c.yaml", "{settle: 0s}"), ("settle.yaml", "{settle: 1h}"),
                        ("lookback.yaml", "{settle: 0s, lookback: 2s}")):
        with open(name, "w") as f:
            f.write("sources: {legacy: %s}\ntarget: %s\nmappings: m\noptions: {batch_rows: 2000}\ndelta: %s\n"
                    % (src, tgt, delta))


def equal_to_source():
    want = sorted(tuple(r) for r in source("SELECT CAST(id AS TEXT), subject FROM tickets"))
    got = sorted(tuple(r) for r in target("SELECT source_key, name FROM tag WHERE deleted_at IS NULL"))
    return len(want) if want == got else "differs: %d source rows, %d target rows" % (len(want), len(got))


def validate_delta_rows(*args):
    """`validate --delta`: exit code, the rows check's figures, its differing keys, seconds taken."""
    started = time.time()
    out = subprocess.run([CSBRIDGE, "-c", "c.yaml", "-q", "validate", "--delta", "--json", "vd.json"] + list(args),
                         capture_output=True, text=True)
    took = time.time() - started
    if not os.path.exists("vd.json"):
        print("csbridge validate --delta exited %d: %s" % (out.returncode, out.stderr.strip()))
        sys.exit(1)
    with open("vd.json") as f:
        report = json.load(f)
    os.remove("vd.json")
    rows = [c for c in report["checks"] if c["name"] == "rows"][0]
    return out.returncode, rows["figures"], sorted(f["key"] for f in rows.get("failures", [])), took


def validate_delta(changes):
    """After a delta: validate --delta checks its window and a sample, finds an edit in either."""
    code, figures, keys, took = validate_delta_rows()
    check("validate --delta passes after the delta", (code, keys), (0, []))
    # the window (the changes) plus about 1000 rows at random up to the mark, not the whole table
    check("validate --delta compares the window and a sample", changes <= figures["source_rows"] <= changes + 1300,
          True)
    check("validate --delta reads the target by those keys", figures["target_rows"], figures["source_rows"])
    started = time.time()
    subprocess.run([CSBRIDGE, "-c", "c.yaml", "-q", "validate", "--checks", "rows"], capture_output=True)
    print("validate --delta compared %d rows in %.2f s, validate --checks rows %d rows in %.2f s"
          % (figures["source_rows"], took, ROWS + 500, time.time() - started))
    # An edit in the target of a row the delta wrote is found; one outside the window only when sampled.
    inside, outside = str(ROWS + 7), "11"
    target("UPDATE tag SET name = 'edited' WHERE source_key IN ('%s', '%s')" % (inside, outside))
    code, _, keys, _ = validate_delta_rows("--delta-sample", "0")
    check("validate --delta finds an edit of a row the delta wrote", (code, keys), (1, [inside]))
    code, _, keys, _ = validate_delta_rows("--delta-sample", str(2 * ROWS))
    check("validate --delta with a sample of every row finds both", (code, keys), (1, [outside, inside]))
    target("UPDATE tag SET name = 'subject 11' WHERE source_key = '%s'" % outside)
    target("UPDATE tag SET name = 'late %s' WHERE source_key = '%s'" % (inside, inside))
    check("validate --delta passes once the edits are undone", validate_delta_rows()[0], 0)


def scenario():
    full = migrate()
    check("full run loads every row", (full["read"], full["loaded"]), (ROWS, ROWS))
    check("mark = boundary tuple, full precision", full.get("mark"), [T, str(ROWS)])
    # 500 rows sharing the boundary watermark (keys past the mark), 100 updates, 1 row a
    # microsecond/millisecond past the boundary.
    source("INSERT INTO tickets SELECT x, %s, %s FROM (SELECT id + %d AS x FROM tickets WHERE id <= 500) s"
           % (cat("'late '", "x"), q(T), ROWS))
    past = {"postgres": "%s::timestamp + interval '1 microsecond'" % q(T), "sqlite": q(T[:-1] + "4"),
            "mariadb": "TIMESTAMP %s + INTERVAL 1 MICROSECOND" % q(T)}[SOURCE]
    source("UPDATE tickets SET subject = %s, updated_at = %s WHERE id %% 97 = 0" % (cat("'changed '", "id"), past))
    updated = len(source("SELECT id FROM tickets WHERE id %% 97 = 0 AND id <= %d" % ROWS))
    plan_changes = 500 + updated
    check("--plan counts the changes made", plan(), (500, updated, ROWS - updated, 0))
    check("--plan wrote nothing", target("SELECT count(*) FROM tag")[0][0], str(ROWS))
    delta = migrate("--delta")
    check("delta reads only the changes", (delta["read"], delta["loaded"], delta["unchanged"]),
          (plan_changes, plan_changes, 0))
    check("delta said what it read", delta.get("delta", "").startswith("delta past the mark"), True)
    validate_delta(plan_changes)
    again = migrate("--delta")
    check("second delta writes nothing", (again["loaded"], again["read"]), (0, 0))
    check("target equals source", equal_to_source(), ROWS + 500)
    check("--plan after the delta: nothing to do", plan(), (0, 0, ROWS + 500, 0))
    out = subprocess.run([CSBRIDGE, "-c", "c.yaml", "-q", "validate"], capture_output=True, text=True)
    check("validate passes after the delta", (out.returncode, out.stderr.strip()), (0, ""))
    # A late commit: a row whose watermark is older than the mark, committed after the run.
    source("INSERT INTO tickets VALUES (%d, 'late commit', %s)" % (ROWS + 1000, ts(500)))
    check("late commit unseen without lookback", migrate("--delta")["read"], 0)
    late = migrate("--delta", config="lookback.yaml")
    check("late commit loaded within lookback", late["loaded"], 1)
    check("lookback re-read writes nothing else", late["read"] - late["unchanged"], 1)
    # Settle: a row stamped by the source's clock now waits for the settle time.
    now = {"postgres": "localtimestamp", "mariadb": "NOW(6)", "sqlite": "strftime('%Y-%m-%d %H:%M:%f', 'now')"}[SOURCE]
    source("INSERT INTO tickets VALUES (%d, 'just now', %s)" % (ROWS + 1001, now))
    check("a row newer than the settle bound waits", migrate("--delta", config="settle.yaml")["read"], 0)
    check("and is read once settled", migrate("--delta")["loaded"], 1)
    check("target equals source at the end", equal_to_source(), ROWS + 502)
    source("DELETE FROM tickets WHERE id IN (3, 5, 8)")
    check("--plan reports hard deletes", plan(), (0, 0, ROWS + 499, 3))
    gone = migrate("--delta")
    check("the delta tombstones them", (gone["loaded"], gone["deletes"]["deleted"]), (0, 3))
    check("tombstones, not deletes", target("SELECT count(*) FROM tag WHERE deleted_at IS NOT NULL")[0][0], "3")
    check("a second delta deletes nothing", migrate("--delta")["deletes"]["deleted"], 0)
    check("--plan after the deletes: nothing to do", plan(), (0, 0, ROWS + 499, 0))
    out = subprocess.run([CSBRIDGE, "-c", "c.yaml", "-q", "validate"], capture_output=True, text=True)
    check("validate passes after the deletes", (out.returncode, out.stderr.strip()), (0, ""))
    # Edits made on the new platform: row 10 edited there only, row 20 there and in the source.
    target("UPDATE tag SET name = 'agent edit' WHERE source_key IN ('10', '20')")
    source("UPDATE tickets SET subject = 'legacy edit', updated_at = %s WHERE id IN (20, 30)" % now)
    e = plan_entity()
    check("--plan tells the conflict and the edit kept from the change",
          (e["changed"], e["conflicting"], e["kept_target_edits"], e["unchanged"],
           e["first_keys"].get("conflicting"), e["first_keys"].get("changed")),
          (1, 1, 1, ROWS + 497, ["20"], ["30"]))
    edits = migrate("--delta")
    check("a delta writes the row changed in the source only and rejects the one changed on both sides",
          (edits["read"], edits["loaded"], edits["rejected"], edits["conflicts"]), (2, 1, 1, 1))
    check("the platform's edits stay", sorted(target("SELECT source_key, name FROM tag WHERE source_key IN "
                                                     "('10', '20', '30')")),
          [["10", "agent edit"], ["20", "agent edit"], ["30", "legacy edit"]])
    with open("r.jsonl") as f:
        lines = [json.loads(line) for line in f if '"conflict"' in line]
    check("the conflict's reject line has both versions",
          [(c["source_key"], sorted(c["values"]), sorted(c["target"])) for c in lines],
          [("20", ["id", "subject"], ["name"])])
    # The row in conflict stays in conflict: the next delta reads it again, past its mark.
    again = migrate("--delta")
    check("the next delta reads the row in conflict again and rejects it again",
          (again["read"], again["loaded"], again["rejected"], again["conflicts"],
           again.get("delta", "").endswith("and the 1 row in conflict")), (1, 0, 1, 1, True))
    full = migrate()  # every row compared: exactly the two edits are seen
    check("a full run keeps the edit made there only and rejects the conflict again",
          (full["loaded"], full["kept_target_edits"], full["conflicts"], full["rejected"]), (0, 1, 1, 1))
    settled = migrate("--delta", "--conflicts", "source_wins")
    check("a delta with --conflicts source_wins reads the row in conflict and writes the source's version",
          (settled["read"], settled["loaded"], settled["conflicts"],
           target("SELECT name FROM tag WHERE source_key = '20'")[0][0]), (1, 1, 1, "legacy edit"))
    check("once settled, a delta reads it no more", migrate("--delta")["read"], 0)
    target("UPDATE tag SET name = 'subject 10' WHERE source_key = '10'")
    check("once the edit there is undone, nothing differs", migrate()["loaded"], 0)
    check("target equals source after the edits", equal_to_source(), ROWS + 499)
    runs = target("SELECT status, counts FROM csbridge_runs ORDER BY started_at")
    check("every run recorded ok with its mark", all(r[0] == "ok" and '"mark"' in r[1] for r in runs), True)
    # A source still in use: rows changed since the last run's mark are the next run's, not
    # differences; a full validate reads the source as of the mark.
    source("UPDATE tickets SET subject = 'moved on', updated_at = %s WHERE id IN (40, 41)" % now)
    source("INSERT INTO tickets VALUES (%d, 'new since', %s)" % (ROWS + 2000, now))
    out = subprocess.run([CSBRIDGE, "-c", "c.yaml", "-q", "validate", "--json", "vf.json"], capture_output=True, text=True)
    with open("vf.json") as f:
        report = json.load(f)
    rows = [c for c in report["checks"] if c["name"] == "rows"][0]
    counts = [c for c in report["checks"] if c["name"] == "counts"][0]
    check("a full validate of the source in use passes, as of the last run's mark",
          (out.returncode, rows["figures"].get("past_mark"), rows.get("note", "").startswith("3 source rows changed"),
           counts["status"]), (0, 2, True, "passed"))
    target("UPDATE tag SET name = 'edited' WHERE source_key = '45'")
    out = subprocess.run([CSBRIDGE, "-c", "c.yaml", "-q", "validate", "--checks", "rows"], capture_output=True, text=True)
    check("and still finds an edit of a row up to the mark", out.returncode, 1)
    target("UPDATE tag SET name = 'subject 45' WHERE source_key = '45'")
    check("a delta then loads the rows changed", migrate("--delta")["loaded"], 3)
    out = subprocess.run([CSBRIDGE, "-c", "c.yaml", "-q", "validate"], capture_output=True, text=True)
    check("validate passes after it", (out.returncode, out.stderr.strip()), (0, ""))


try:
    setup()
    scenario()
finally:
    if SOURCE == "postgres":
        subprocess.run(["psql", "-X", "-q", PG, "-c", "SET client_min_messages = warning; DROP SCHEMA IF EXISTS "
                        "\"%s_src\" CASCADE" % SCHEMA])
    if SOURCE == "mariadb":
        mariadb("DROP TABLE IF EXISTS %s" % TABLE)
    if TARGET == "postgres":
        subprocess.run(["psql", "-X", "-q", PG, "-c", "SET client_min_messages = warning; DROP SCHEMA IF EXISTS "
                        "\"%s\" CASCADE" % SCHEMA])
sys.exit(1 if failed else 0)
