#!/usr/bin/env python3
"""A legacy helpdesk reachable only over HTTP, migrated end to end (issue 16).

    check_api_migrate.py CSBRIDGE HTTP_SERVER WORKDIR sqlite|pg

Starts the test helpdesk API on loopback (csbridge_test_http helpdesk: 4,000 tickets by cursor,
7,000 customers by page number, 12,000 comments fanned out per ticket with Link headers; a 429
with Retry-After: 1 every 500 requests, a burst of 503s, a reset connection — each run makes
about 4,200 requests), writes a project whose source is that
API, and checks with the csbridge CLI:
  1. map check passes; migrate loads every record once (counts = the server's) and rejects none;
  2. validate passes (it lists the API again);
  3. a run killed with SIGKILL while it loads customers (the server answers their pages slowly),
     then run again: the run after the kill
     asks the API for fewer customer pages than a whole listing (it starts at the page it
     stopped at), and validate passes on the chain.
pg needs CSBRIDGE_TEST_PG (scripts/test sets it); without it exit 77 (skipped).
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

TICKETS, CUSTOMERS, COMMENTS, THROTTLE_EVERY = 4000, 7000, 3, 500
failures = []


def check(ok, what, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else "\n" + detail))
    if not ok:
        failures.append(what)


MAPPINGS = {
    "customer.yaml": """entity: customer
source: old
table: customers
key: id
fields:
  name: name
  phone: {column: phone, steps: [phone], on_error: null}
custom: rest
""",
    "ticket.yaml": """entity: ticket
source: old
table: tickets
key: id
fields:
  customer_id: {column: requester.id, lookup: customer}
  subject: subject
  status: {column: status, steps: [{map: {open: open, pending: pending, solved: solved, closed: closed}}]}
  priority: {value: normal}
  channel: {column: requester.channel, steps: [{map: {values: {web: web, email: email}, else: other}}]}
  created_at: created_at
custom: rest
""",
    "ticket_message.yaml": """entity: ticket_message
source: old
table: comments
key: id
fields:
  ticket_id: {column: tickets.id, lookup: ticket}
  author_kind: author
  is_internal: {value: "false"}
  body: body
  created_at: created_at
custom: rest
""",
}


def main():
    csbridge, server_bin, work, engine = sys.argv[1:5]
    if engine == "pg" and not os.environ.get("CSBRIDGE_TEST_PG"):
        print("skipped: CSBRIDGE_TEST_PG is not set (run scripts/test)")
        sys.exit(77)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "mappings"))
    server = subprocess.Popen([server_bin, "helpdesk", str(TICKETS), str(CUSTOMERS), str(THROTTLE_EVERY), "15"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        run(csbridge, work, engine, port)
    finally:
        server.kill()
        server.wait()
    if failures:
        print("%d checks failed" % len(failures))
        sys.exit(1)
    print("api/migrate/%s: all checks passed" % engine)


def stats(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/__stats" % port) as r:
        return json.load(r)


def target_of(work, engine, name):
    if engine == "sqlite":
        path = os.path.join(work, name + ".db")
        for suffix in ("", "-wal", "-shm", "-journal", "-csbridge.lock"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return "target: sqlite:%s\n" % path, lambda: sqlite_count(path)
    schema = "api_e2e_" + name
    subprocess.run(["psql", "-q", os.environ["CSBRIDGE_TEST_PG"], "-c", "DROP SCHEMA IF EXISTS %s CASCADE" % schema],
                   check=True, capture_output=True)
    return ("target:\n  connection: ${CSBRIDGE_TEST_PG}\n  schema: %s\n" % schema,
            lambda: pg_count(schema))


def sqlite_count(path):
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM csbridge_crosswalk").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def pg_count(schema):
    r = subprocess.run(["psql", "-qtA", os.environ["CSBRIDGE_TEST_PG"], "-c",
                        "SELECT count(*) FROM %s.csbridge_crosswalk" % schema], capture_output=True, text=True)
    return int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip() else 0


def project(work, engine, name, port):
    target, count = target_of(work, engine, name)
    config = os.path.join(work, name + ".yaml")
    with open(config, "w") as f:
        f.write("""sources:
  old:
    api: http://127.0.0.1:%d/api/v2
    auth: {bearer: "${HELPDESK_TOKEN}"}
    retry: {max: 8}
    resources:
      tickets:
        path: /tickets
        records: /data
        params: {per_page: 100}
        paginate: {cursor: /meta/next_cursor, param: cursor}
        key: id
      customers:
        path: /customers
        records: /customers
        params: {per_page: 100}
        paginate: {page: page, start: 1, limit: 100}
        key: id
      comments:
        path: /tickets/{tickets.id}/comments
        paginate: link_header
        key: id
        concurrency: 4
%smappings: mappings/
options: {batch_rows: 500, default_timezone: UTC}
""" % (port, target))
    return config, count


def cli(csbridge, config, *args):
    env = dict(os.environ, HELPDESK_TOKEN="s3cret-token")
    return subprocess.run([csbridge, "-q", "-c", config, *args], env=env, capture_output=True, text=True)


def run(csbridge, work, engine, port):
    label = "api/migrate/" + engine
    for name, text in MAPPINGS.items():
        with open(os.path.join(work, "mappings", name), "w") as f:
            f.write(text)
    config, _ = project(work, engine, "clean", port)
    r = cli(csbridge, config, "map", "check")
    check(r.returncode == 0, "%s: map check exit 0 (got %d)" % (label, r.returncode), r.stderr[-300:])
    r = cli(csbridge, config, "migrate", "--format", "json", "--rejects", os.path.join(work, "rejects.jsonl"))
    check(r.returncode == 0, "%s: migrate exit 0 (got %d)" % (label, r.returncode), r.stderr[-300:])
    got = {e["name"]: e for e in json.loads(r.stdout or "{}").get("entities", [])}
    for entity, n in (("customer", CUSTOMERS), ("ticket", TICKETS), ("ticket_message", TICKETS * COMMENTS)):
        e = got.get(entity, {})
        check(e.get("loaded") == n and e.get("rejected") == 0,
              "%s: %s loaded %s rejected %s (the server holds %d)" % (label, entity, e.get("loaded"), e.get("rejected"), n))
    s = stats(port)
    check(s["throttled"] > 0, "%s: the server throttled %d requests (429) and the run went on" % (label, s["throttled"]))
    r = cli(csbridge, config, "validate")
    check(r.returncode == 0, "%s: validate exit 0 (got %d)" % (label, r.returncode), (r.stdout + r.stderr)[-500:])

    # Killed while it loads customers, then run again.
    config, count = project(work, engine, "killed", port)
    env = dict(os.environ, HELPDESK_TOKEN="s3cret-token")
    p = subprocess.Popen([csbridge, "-q", "-c", config, "migrate", "--rejects", os.path.join(work, "killed.jsonl")],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Killed once the target holds some customers (each customers page takes 15 ms to answer, so the
    # listing takes about a second: the kill lands while customers are read and loaded).
    landed = False
    while p.poll() is None:
        if count() >= 2000:  # past a batch of each loader (PostgreSQL loads on two connections)
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            # landed while the run still ran: it died of the SIGKILL, not of its own end
            landed = p.returncode == -signal.SIGKILL and count() < CUSTOMERS
            break
        time.sleep(0.005)
    check(landed, "%s: SIGKILL landed while customers were loading (exit %s, %d rows in)"
          % (label, p.returncode, count()))
    before = stats(port)["customers"]
    r = cli(csbridge, config, "migrate", "--rejects", os.path.join(work, "killed.jsonl"))
    check(r.returncode == 0, "%s: the run after the kill ends (exit %d)" % (label, r.returncode), r.stderr[-300:])
    pages = stats(port)["customers"] - before
    whole = CUSTOMERS // 100 + 1
    check(pages < whole, "%s: the resumed run asked for %d customer pages, fewer than a whole listing's %d"
          % (label, pages, whole))
    r = cli(csbridge, config, "validate")
    check(r.returncode == 0, "%s: validate after the kill exit 0 (got %d)" % (label, r.returncode),
          (r.stdout + r.stderr)[-500:])


if __name__ == "__main__":
    main()
