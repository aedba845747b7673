#!/usr/bin/env python3
"""Sharded migrations (issue 17): N copies of one command into one PostgreSQL target equal a
one-process run.

    shards_test.py CSBRIDGE WORK_DIR [ROWS]      (ROWS: about this many source rows, default 100000)

The source (SQLite): organizations; customers with TEXT keys of a skewed distribution (80 % share
the prefix 'm'), each of an organization (every 997th of one that does not exist: an orphan
reject); tickets (integer keys) of a customer in another part of the key space than the ticket
(lookups across shards), every 50th merged into another ticket (a self-reference; every 500th into
one that does not exist: NULL); messages with a COMPOSITE key (ticket_id, seq) whose ticket_id is a
required lookup (every 1,000th of a ticket that does not exist: an orphan reject).

1. one process (the reference): migrate into schema A;
2. plan-shards --shards 4, then 4 shards at once with GNU parallel into schema B: B equals A (every
   table's rows by legacy key, references as legacy keys, crosswalk, indexes), the shards' reject
   files together hold A's rejects exactly once, no checkpoint or held row is left, the plan's
   ranges are of about equal rows (skewed text keys included); a full validate and each shard's
   pass, a target edit is found by its shard's validate only, and rows deleted from the source
   after the load (integer, skewed text and composite keys of shards 2, 3 and 1) are `extra` in
   the validate of the last shard only, and in a full validate;
3. the same into schema C with shard 3 killed with SIGKILL mid-run (proven: it was running and had
   committed part of its rows), the other three run to their end (the plan waits), shard 3 run
   again alone resumes and finishes the plan: C equals A;
4. a shard started with another N, and --finish before every shard completed, are refused (exit 2);
5. the same into schema D with the finish killed with SIGKILL mid-way (run by the last shard, killed
   once it committed the held customers, whose orphans it rejects, and before its last held batch):
   migrate --finish completes it, `runs` shows the killed finish interrupted, a full validate passes
   (its counts add up the batches the killed finish committed too), D equals A and the reject files
   hold A's rejects exactly once.
Needs CSBRIDGE_TEST_PG (scripts/servers) and GNU parallel; without them exit 77 (skipped).
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def make_source(path, rows):
    orgs = max(rows // 100, 10)
    customers = rows * 2 // 10
    tickets = rows * 3 // 10
    per_ticket = 2  # messages: about half the rows
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.executescript(f"""
        CREATE TABLE orgs (id INTEGER PRIMARY KEY, org_name TEXT);
        CREATE TABLE people (code TEXT PRIMARY KEY, full_name TEXT, org_id INTEGER);
        CREATE TABLE tickets (id INTEGER PRIMARY KEY, cust TEXT, subject TEXT, merged_into INTEGER, opened TEXT);
        CREATE TABLE messages (ticket_id INTEGER, seq INTEGER, body TEXT, PRIMARY KEY (ticket_id, seq));
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {orgs})
        INSERT INTO orgs SELECT x, 'org ' || x FROM c;
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {customers})
        INSERT INTO people SELECT CASE WHEN x % 5 = 0 THEN 'a' ELSE 'm' END || printf('%07d', x), '客户 ' || x,
               CASE WHEN x % 997 = 0 THEN {orgs} + 1 ELSE 1 + x % {orgs} END FROM c;
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {tickets})
        INSERT INTO tickets SELECT x,
               (SELECT CASE WHEN y % 5 = 0 THEN 'a' ELSE 'm' END || printf('%07d', y) FROM
                  (SELECT 1 + ({customers} - x * 7919 % {customers}) % {customers} AS y)),
               'subject ' || x,
               CASE WHEN x % 500 = 0 THEN {tickets} + 7 WHEN x % 50 = 0 THEN 1 + (x * 31) % {tickets} ELSE NULL END,
               '2026-01-01 00:00:00' FROM c;
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {tickets * per_ticket})
        INSERT INTO messages SELECT CASE WHEN x % 1000 = 0 THEN {tickets} + x ELSE 1 + (x - 1) / {per_ticket} END,
               x % {per_ticket}, 'message ' || x FROM c;""")
    db.commit()
    counts = {t: db.execute("SELECT count(*) FROM " + t).fetchone()[0] for t in ("orgs", "people", "tickets", "messages")}
    db.close()
    return counts


MAPPINGS = {
    "organization.yaml": "entity: organization\nsource: legacy\ntable: orgs\nkey: id\nfields: {name: org_name}\n"
                         "custom: none\n",
    "customer.yaml": "entity: customer\nsource: legacy\ntable: people\nkey: code\nfields:\n  name: full_name\n"
                     "  organization_id: {column: org_id, lookup: organization}\ncustom: none\n",
    "ticket.yaml": "entity: ticket\nsource: legacy\ntable: tickets\nkey: id\nfields:\n"
                   "  customer_id: {column: cust, lookup: customer}\n  subject: subject\n"
                   "  merged_into_id: {column: merged_into, lookup: {entity: ticket, orphans: null}}\n"
                   "  status: {value: open}\n  priority: {value: normal}\n  channel: {value: web}\n"
                   "  created_at: opened\ncustom: none\n",
    "ticket_message.yaml": "entity: ticket_message\nsource: legacy\ntable: messages\nkey: [ticket_id, seq]\nfields:\n"
                           "  ticket_id: {column: ticket_id, lookup: ticket}\n  body: body\n"
                           "  author_kind: {value: customer}\n  is_internal: {value: 'false'}\n"
                           "  created_at: {value: '2026-01-01 00:00:00'}\ncustom: none\n",
}


def project(work, schema):
    mdir = os.path.join(work, "m")
    os.makedirs(mdir, exist_ok=True)
    for name, text in MAPPINGS.items():
        with open(os.path.join(mdir, name), "w") as f:
            f.write(text)
    config = os.path.join(work, schema + ".yaml")
    with open(config, "w") as f:
        f.write("sources: {legacy: sqlite:%s}\ntarget:\n  connection: ${CSBRIDGE_TEST_PG}\n  schema: %s\n"
                "mappings: %s\nmasking: {actions: {name: keep, free_text: keep}}\n"
                "options: {batch_rows: 2000}\n" % (os.path.join(work, "legacy.db"), schema, mdir))
    return config


def psql(sql):
    r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", os.environ["CSBRIDGE_TEST_PG"], "-c",
                        "SET client_min_messages = warning; " + sql], capture_output=True, text=True)
    return r.stdout.splitlines() if r.returncode == 0 else None


def state(schema):
    q = lambda sql: psql('SET search_path = "%s"; %s' % (schema, sql))
    return {
        "organization": q("SELECT source_key || '|' || name FROM organization ORDER BY 1"),
        "customer": q("SELECT c.source_key || '|' || c.name || '|' || coalesce(o.source_key, '-') FROM customer c "
                      "LEFT JOIN organization o ON o.id = c.organization_id ORDER BY 1"),
        "ticket": q("SELECT t.source_key || '|' || t.subject || '|' || coalesce(c.source_key, '-') || '|' || "
                    "coalesce(m.source_key, '-') FROM ticket t LEFT JOIN customer c ON c.id = t.customer_id "
                    "LEFT JOIN ticket m ON m.id = t.merged_into_id ORDER BY 1"),
        "ticket_message": q("SELECT m.source_key || '|' || m.body || '|' || t.source_key FROM ticket_message m "
                            "JOIN ticket t ON t.id = m.ticket_id ORDER BY 1"),
        "crosswalk": q("SELECT entity || '|' || source_key FROM csbridge_crosswalk ORDER BY 1"),
        "indexes": q("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1"),
    }


def leftovers(schema):
    return psql('SET search_path = "%s"; SELECT count(*) FROM csbridge_checkpoint WHERE scope LIKE \'shard:%%\' '
                'OR scope LIKE \'pending:%%\' OR scope LIKE \'%%#%%\'' % schema)


def reject_keys(paths):
    keys = []
    for p in paths:
        if os.path.exists(p):
            with open(p) as f:
                keys += [(d["entity"], d["source_key"], d["code"]) for d in map(json.loads, f)]
    return sorted(keys)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def compare(name, got, want):
    for table in want:
        same = got[table] == want[table]
        detail = "" if same else " (%s rows vs %s)" % (len(got[table] or []), len(want[table] or []))
        check(same, "%s: %s equals the one-process run%s" % (name, table, detail))


def validate_shards(csbridge, config, plan, schema, work):
    """After 4 shards and the finish: a full validate passes (counts add up the shards' records and the
    finish), each shard's validate passes, and a target edit in shard 2's range is found by shard 2 only."""
    t0 = time.time()
    r = run([csbridge, "-c", config, "--no-progress", "validate", "--json", os.path.join(work, "v-full.json")])
    check(r.returncode == 0, "a full validate after the 4 shards and the finish passes (%.1f s) %s"
          % (time.time() - t0, (r.stdout + r.stderr)[-1500:]))
    if r.returncode == 0:
        report = json.load(open(os.path.join(work, "v-full.json")))
        notes = [c.get("note", "") for c in report["checks"] if c["name"] == "counts"]
        check(len(notes) == 4 and all("the shards of plan " + plan["id"] in n for n in notes),
              "full validate: counts reconciled with the plan's shard runs and finish " + str(notes[:1]))
    # The shards' validates run at once, as a job system runs them (each passes, each says its shard).
    t0 = time.time()
    r = run(["parallel", "-j4", "--halt", "never", "--tag", csbridge, "-c", config, "--no-progress", "validate",
             "--shard", "{}/4", ":::", "1", "2", "3", "4"])
    check(r.returncode == 0 and all(("--shard %d/4" % k) in r.stdout for k in range(1, 5)),
          "validate --shard K/4 passes for K = 1 … 4 (%.1f s) %s" % (time.time() - t0, r.stdout[-1500:] if r.returncode else ""))
    tickets = next(b for b in plan["blocks"] if b["entity"] == "ticket")
    lo, hi = tickets["shards"][1]["after"][0], tickets["shards"][1]["upto"][0]
    key = psql('SET search_path = "%s"; SELECT source_key FROM ticket WHERE source_key::bigint > %s AND '
               'source_key::bigint <= %s ORDER BY source_key::bigint LIMIT 1' % (schema, lo, hi))[0]
    psql('SET search_path = "%s"; UPDATE ticket SET subject = \'edited in the target\' WHERE source_key = \'%s\''
         % (schema, key))
    # Shard 2 (K from the job system's 0-based index) and shard 1 at once.
    t0 = time.time()
    two = subprocess.Popen([csbridge, "-c", config, "--no-progress", "validate", "--shard", "4", "--checks", "rows"],
                           env=dict(os.environ, JOB_COMPLETION_INDEX="1"), stdout=subprocess.PIPE, text=True)
    one = subprocess.Popen([csbridge, "-c", config, "--no-progress", "validate", "--shard", "1/4", "--checks", "rows"],
                           stdout=subprocess.PIPE, text=True)
    out_two, out_one = two.communicate()[0], one.communicate()[0]
    check(two.returncode == 1 and key in out_two and "differs" in out_two and "--shard 2/4" in out_two,
          "validate --shard 4 as index 1 (shard 2) finds ticket %s edited (%.1f s) %s" % (key, time.time() - t0, out_two[-600:]))
    check(one.returncode == 0, "validate --shard 1/4 does not see the edit in shard 2's range " + out_one[-500:])
    r = run([csbridge, "-q", "-c", config, "validate", "--shard", "1/3"])
    check(r.returncode == 2 and "has 4 shards, not 3" in r.stderr, "validate --shard 1/3 exits 2: " + r.stderr.strip())
    psql('SET search_path = "%s"; UPDATE ticket SET subject = \'subject %s\' WHERE source_key = \'%s\''
         % (schema, key, key))
    deleted_from_source(csbridge, config, plan, schema, work)


def deleted_from_source(csbridge, config, plan, schema, work):
    """Rows deleted from the source after the shards loaded them (a ticket of shard 2's range, a
    customer of shard 3's, with its skewed text key, a message of shard 1's, with its composite key)
    are `extra` in a full validate and in the validate of the last shard (4) only: the source holds
    their keys in no shard's range (README "Validating shards"). A ticket of shard 3's range that the
    mapping now refuses (its time unreadable) is `extra` in shard 3's validate. Put back after."""
    def block(entity):
        return next(b for b in plan["blocks"] if b["entity"] == entity)
    db = sqlite3.connect(os.path.join(work, "legacy.db"))
    t = block("ticket")["shards"][1]
    ticket = db.execute("SELECT * FROM tickets WHERE id > ? AND id <= ? ORDER BY id LIMIT 1 OFFSET 7",
                        (int(t["after"][0]), int(t["upto"][0]))).fetchone()
    c = block("customer")["shards"][2]
    customer = db.execute("SELECT * FROM people WHERE code > ? AND code <= ? AND org_id <= (SELECT max(id) FROM orgs) "
                          "ORDER BY code LIMIT 1 OFFSET 5", (c["after"][0], c["upto"][0])).fetchone()
    m = block("ticket_message")["shards"][0]["upto"]
    message = db.execute("SELECT * FROM messages WHERE ticket_id < ? ORDER BY ticket_id, seq LIMIT 1 OFFSET 11",
                         (int(m[0]),)).fetchone()
    t3 = block("ticket")["shards"][2]
    refused = db.execute("SELECT id, opened FROM tickets WHERE id > ? AND id <= ? ORDER BY id LIMIT 1 OFFSET 3",
                         (int(t3["after"][0]), int(t3["upto"][0]))).fetchone()
    keys = [str(ticket[0]), customer[0], "%d|%d" % (message[0], message[1])]
    here = psql('SET search_path = "%s"; SELECT (SELECT count(*) FROM ticket WHERE source_key = \'%s\') + '
                '(SELECT count(*) FROM customer WHERE source_key = \'%s\') + (SELECT count(*) FROM ticket_message '
                'WHERE source_key = \'%s\')' % (schema, keys[0], keys[1], keys[2]))
    check(here == ["3"], "the target holds ticket %s (shard 2), customer %s (shard 3), message %s (shard 1)" % tuple(keys))
    db.execute("DELETE FROM tickets WHERE id = ?", (ticket[0],))
    db.execute("DELETE FROM people WHERE code = ?", (customer[0],))
    db.execute("DELETE FROM messages WHERE ticket_id = ? AND seq = ?", (message[0], message[1]))
    db.execute("UPDATE tickets SET opened = 'not a time' WHERE id = ?", (refused[0],))
    db.commit()
    try:
        t0 = time.time()
        r = run(["parallel", "-j4", "--halt", "never", "--tag", csbridge, "-c", config, "--no-progress", "validate",
                 "--shard", "{}/4", "--checks", "rows", ":::", "1", "2", "3", "4"])
        out = {k: "\n".join(line for line in r.stdout.splitlines() if line.startswith("%d\t" % k)) for k in range(1, 5)}
        for k in (1, 2):
            check("FAILED" not in out[k] and "extra" in out[k],
                  "rows deleted from the source: validate --shard %d/4 --checks rows passes (their keys are no "
                  "range's) %s" % (k, out[k][-600:] if "FAILED" in out[k] else ""))
        three = out[3].count("FAILED") == 1 and ("%d: extra" % refused[0]) in out[3]
        check(three, "a ticket of shard 3's range the mapping now refuses: validate --shard 3/4 lists %d as extra, "
              "and nothing else %s" % (refused[0], "" if three else out[3][-800:]))
        listed = all(("%s: extra" % key) in out[4] for key in keys) and "outside_ranges 1" in out[4] and \
            ("%d: extra" % refused[0]) not in out[4]
        check(listed, "rows deleted from the source: validate --shard 4/4 lists ticket %s, customer %s and message %s "
              "as extra (%.1f s) %s" % (keys[0], keys[1], keys[2], time.time() - t0, "" if listed else out[4][-1500:]))
        r = run([csbridge, "-c", config, "--no-progress", "validate", "--checks", "rows"])
        check(r.returncode == 1 and all(("%s: extra" % key) in r.stdout for key in keys + [str(refused[0])]),
              "rows deleted from the source and the refused one: a full validate lists the same 4 as extra")
    finally:
        db.execute("INSERT INTO tickets VALUES (?, ?, ?, ?, ?)", ticket)
        db.execute("INSERT INTO people VALUES (?, ?, ?)", customer)
        db.execute("INSERT INTO messages VALUES (?, ?, ?)", message)
        db.execute("UPDATE tickets SET opened = ? WHERE id = ?", (refused[1], refused[0]))
        db.commit()
        db.close()


def kill_finish(csbridge, work, schema, want, want_rejects):
    """Shards 1-3 complete (holding rows for shard 4's customers and tickets); shard 4 completes and
    runs the finish, killed with SIGKILL once the finish committed every held batch of customers
    (those of organizations that do not exist it rejects) and while batches still wait."""
    cd = project(work, schema)
    q = lambda sql: psql('SET search_path = "%s"; %s' % (schema, sql))
    r = run([csbridge, "-q", "-c", cd, "plan-shards", "--shards", "4"])
    check(r.returncode == 0, "plan-shards into D exits 0")
    r = run(["parallel", "-j3", csbridge, "-q", "-c", cd, "migrate", "--shard", "{}/4", "--rejects",
             os.path.join(work, "d-{}.jsonl"), ":::", "1", "2", "3"])
    check(r.returncode == 0, "D: shards 1, 2, 3 exit 0 " + r.stderr[-300:])
    victim = subprocess.Popen([csbridge, "-q", "-c", cd, "migrate", "--shard", "4/4", "--rejects",
                               os.path.join(work, "d-4.jsonl")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = None
    deadline = time.time() + 120
    while time.time() < deadline and victim.poll() is None:
        seen = q("SELECT count(*) FILTER (WHERE scope LIKE 'pending:customer#%' AND position NOT LIKE 'done%'), "
                 "count(*) FILTER (WHERE scope LIKE 'pending:customer#%' AND position LIKE 'done%'), "
                 "count(*) FILTER (WHERE position NOT LIKE 'done%') FROM csbridge_checkpoint "
                 "WHERE scope LIKE 'pending:%'")
        if seen and seen[0].split("|")[0] == "0" and int(seen[0].split("|")[1]) > 0:
            break
        time.sleep(0.005)
    alive = victim.poll() is None
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    waiting = q("SELECT count(*) FROM csbridge_checkpoint WHERE scope LIKE 'pending:%' AND position NOT LIKE 'done%'")
    killed = q("SELECT run_id || '|' || status FROM csbridge_runs WHERE run_id LIKE '%.finish'")
    check(alive and victim.returncode == -signal.SIGKILL and waiting and int(waiting[0]) > 0 and killed and
          len(killed) == 1 and killed[0].endswith("|running"),
          "the finish (run by shard 4) killed with SIGKILL mid-way: held customers done (%s), %s batches still held, "
          "its record %s" % (seen, waiting, killed))
    killed_id = killed[0].split("|")[0] if killed else "?"
    # A kill between a batch's synced reject lines and its COMMIT leaves lines of a batch the next
    # finish loads again; whether this kill fell there is chance, so one such line is written as
    # the killed finish would have: a reject no file holds yet (from the one-process run's file),
    # under the killed finish's run id, into the file it wrote (shard 4's).
    written = set(reject_keys([os.path.join(work, "d-%s.jsonl" % k) for k in ("1", "2", "3", "4")]))
    with open(os.path.join(work, "a.jsonl")) as f:
        unwritten = [d for d in map(json.loads, f) if (d["entity"], d["source_key"], d["code"]) not in written]
    check(len(unwritten) > 0, "the killed finish left rejects to write")
    if unwritten:
        line = dict(unwritten[0], run_id=killed_id)
        with open(os.path.join(work, "d-4.jsonl"), "a") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    r = run([csbridge, "-c", cd, "--no-progress", "migrate", "--finish", "--rejects", os.path.join(work, "d-f.jsonl")])
    check(r.returncode == 0 and "finished shard plan" in r.stdout and
          ("finish %s was interrupted: its audit record now holds the" % killed_id) in r.stdout,
          "migrate --finish after the killed finish exits 0 and records the killed one's batches " +
          (r.stdout + r.stderr)[-500:])
    r = run([csbridge, "-c", cd, "runs"])
    check(any(line.startswith(killed_id + "  interrupted") for line in r.stdout.splitlines()),
          "runs shows the killed finish %s interrupted" % killed_id)
    compare("killed finish", state(schema), want)
    paths = [os.path.join(work, "d-%s.jsonl" % k) for k in ("1", "2", "3", "4", "f")]
    check(reject_keys(paths) == want_rejects, "killed finish: the reject files hold the one-process run's rejects exactly once")
    r = run([csbridge, "-c", cd, "--no-progress", "validate"])
    check(r.returncode == 0 and "with 2 finish runs" in r.stdout,
          "killed finish: a full validate passes (counts add up the killed finish's batches) " +
          ((r.stdout + r.stderr)[-1200:] if r.returncode else ""))
    r = run(["parallel", "-j4", "--halt", "never", "--tag", csbridge, "-c", cd, "--no-progress", "validate",
             "--shard", "{}/4", "--checks", "counts", ":::", "1", "2", "3", "4"])
    check(r.returncode == 0, "killed finish: validate --shard K/4 --checks counts passes for K = 1 … 4 " +
          (r.stdout[-1500:] if r.returncode else ""))


def main():
    csbridge, work = sys.argv[1], sys.argv[2]
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    if not os.environ.get("CSBRIDGE_TEST_PG") or not shutil.which("parallel"):
        print("skipped: needs CSBRIDGE_TEST_PG (scripts/servers) and GNU parallel")
        return 77
    shutil.rmtree(work, ignore_errors=True)  # reject files append: an earlier run's would count twice
    os.makedirs(work)
    counts = make_source(os.path.join(work, "legacy.db"), rows)
    print("source:", counts, flush=True)
    tag = "shards_%d" % os.getpid()
    schemas = {s: "%s_%s" % (tag, s) for s in ("a", "b", "c", "d")}
    for s in schemas.values():
        psql('DROP SCHEMA IF EXISTS "%s" CASCADE' % s)
    try:
        # 1. The reference: one process.
        ca = project(work, schemas["a"])
        t0 = time.time()
        r = run([csbridge, "-q", "-c", ca, "migrate", "--rejects", os.path.join(work, "a.jsonl")])
        check(r.returncode == 0, "one-process run exits 0 (%.1f s) %s" % (time.time() - t0, r.stderr.strip()))
        want = state(schemas["a"])
        want_rejects = reject_keys([os.path.join(work, "a.jsonl")])
        r = run([csbridge, "-q", "-c", ca, "validate", "--shard", "1/4"])
        check(r.returncode == 2 and "holds no shard plan" in r.stderr,
              "validate --shard on a target without a plan exits 2: " + r.stderr.strip())
        check(len(want_rejects) > 0 and len(want["ticket"]) > 0, "the reference has rows and rejects")

        # 2. Four shards at once.
        cb = project(work, schemas["b"])
        r = run([csbridge, "-q", "-c", cb, "plan-shards", "--shards", "4", "--format", "json"])
        check(r.returncode == 0, "plan-shards --shards 4 exits 0 " + r.stderr.strip())
        plan = json.loads(r.stdout) if r.returncode == 0 else {"blocks": []}
        for b in plan["blocks"]:
            est = [s["rows"] for s in b["shards"]]
            check(len(est) == 4 and max(est) - min(est) <= 1, "%s: 4 ranges of equal rows %s (%s)" % (b["block"], est, b["how"]))
        # The ranges really hold those rows: the skewed text keys of customers.
        cust = next((b for b in plan["blocks"] if b["entity"] == "customer"), None)
        if cust:
            db = sqlite3.connect(os.path.join(work, "legacy.db"))
            real = []
            for s in cust["shards"]:
                lo, hi = s["after"], s["upto"]
                sql = "SELECT count(*) FROM people WHERE 1=1" + (" AND code > ?" if lo else "") + (" AND code <= ?" if hi else "")
                real.append(db.execute(sql, [v[0] for v in (lo, hi) if v]).fetchone()[0])
            db.close()
            check(max(real) - min(real) <= 1, "skewed text keys: shards hold %s rows of customer" % real)
        t0 = time.time()
        r = run(["parallel", "-j4", "--halt", "never", csbridge, "-q", "-c", cb, "migrate", "--shard", "{}/4",
                 "--rejects", os.path.join(work, "b-{}.jsonl"), ":::", "1", "2", "3", "4"])
        check(r.returncode == 0, "4 shards with GNU parallel exit 0 (%.1f s) %s" % (time.time() - t0, r.stderr.strip()[-500:]))
        compare("4 shards", state(schemas["b"]), want)
        check(reject_keys([os.path.join(work, "b-%d.jsonl" % k) for k in range(1, 5)]) == want_rejects,
              "4 shards: the reject files hold the one-process run's rejects exactly once")
        check(leftovers(schemas["b"]) == ["0"], "4 shards: no shard checkpoint or held row is left")
        r = run([csbridge, "-c", cb, "runs"])
        check("finished" in r.stdout and r.stdout.count(": done") == 4, "runs shows the plan finished, 4 shards done")
        r = run([csbridge, "-c", cb, "runs", "--format", "json"])
        sp = json.loads(r.stdout).get("shard_plan") if r.returncode == 0 else None
        check(sp is not None and sp["id"] == plan.get("id") and sp["finished"] and
              [s["state"] for s in sp["shard_states"]] == ["done"] * 4 and
              all(s["last_status"] == "ok" for s in sp["shard_states"]),
              "runs --format json: the plan finished, 4 shards done " + r.stderr.strip())
        validate_shards(csbridge, cb, plan, schemas["b"], work)

        # 4. Refusals.
        r = run([csbridge, "-q", "-c", cb, "migrate", "--shard", "1/3"])
        check(r.returncode == 2 and "has 4 shards, not 3" in r.stderr, "a shard of another N exits 2: " + r.stderr.strip())

        # 3. Shard 3 killed mid-run, rerun alone.
        cc = project(work, schemas["c"])
        r = run([csbridge, "-q", "-c", cc, "plan-shards", "--shards", "4"])
        check(r.returncode == 0, "plan-shards into C exits 0")
        victim = subprocess.Popen([csbridge, "-q", "-c", cc, "migrate", "--shard", "3/4", "--rejects",
                                   os.path.join(work, "c-3.jsonl")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        others = subprocess.Popen(["parallel", "-j3", csbridge, "-q", "-c", cc, "migrate", "--shard", "{}/4",
                                   "--rejects", os.path.join(work, "c-{}.jsonl"), ":::", "1", "2", "4"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Kill shard 3 once it committed batches of its second block (customers) or later.
        committed = []
        deadline = time.time() + 60
        while time.time() < deadline and victim.poll() is None:
            committed = psql('SET search_path = "%s"; SELECT count(*) FROM csbridge_checkpoint WHERE scope LIKE '
                             '\'shard:shard-3-of-4:%%@%%\' AND scope NOT LIKE \'%%organization%%\'' % schemas["c"]) or ["0"]
            if int(committed[0]) >= 3:
                break
            time.sleep(0.01)
        alive = victim.poll() is None
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        check(alive and victim.returncode == -signal.SIGKILL and int(committed[0]) >= 3,
              "shard 3 killed with SIGKILL mid-run, after %s committed batches" % committed[0])
        _, err = others.communicate()
        check(others.returncode == 0, "shards 1, 2, 4 exit 0 " + err.decode()[-300:])
        held = psql('SET search_path = "%s"; SELECT count(*) FROM csbridge_checkpoint WHERE scope LIKE '
                    '\'pending:%%\' AND position <> \'done\'' % schemas["c"]) or ["0"]
        check(int(held[0]) > 0, "shards 1, 2, 4 held %s batches of rows whose lookups wait for shard 3" % held[0])
        r = run([csbridge, "-q", "-c", cc, "migrate", "--finish"])
        check(r.returncode == 2 and "shards 3 of 4 have not completed" in r.stderr,
              "--finish before shard 3 completed exits 2: " + r.stderr.strip())
        r = run([csbridge, "-c", cc, "--no-progress", "migrate", "--shard", "3/4", "--rejects", os.path.join(work, "c-3.jsonl")])
        check(r.returncode == 0 and "finished shard plan" in r.stdout and "resumed" in r.stdout,
              "shard 3 run again alone resumes and finishes the plan " + r.stderr.strip())
        compare("kill -9 of shard 3", state(schemas["c"]), want)
        r = run([csbridge, "-c", cc, "--no-progress", "validate", "--checks", "counts"])
        check(r.returncode == 0, "kill -9 of shard 3: counts reconcile over the shards' chains and the finish " +
              (r.stdout + r.stderr)[-800:])
        check(reject_keys([os.path.join(work, "c-%d.jsonl" % k) for k in range(1, 5)]) == want_rejects,
              "kill -9 of shard 3: the reject files hold the one-process run's rejects exactly once")

        # 5. The finish killed mid-way, run again.
        kill_finish(csbridge, work, schemas["d"], want, want_rejects)
    finally:
        for s in schemas.values():
            psql('DROP SCHEMA IF EXISTS "%s" CASCADE' % s)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
