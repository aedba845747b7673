#!/usr/bin/env python3
"""A legacy helpdesk reachable only over HTTP, migrated end to end (issue 16).

    check_api_migrate.py CSBRIDGE HTTP_SERVER WORKDIR sqlite|pg [--full]

Starts the test helpdesk API on loopback (csbridge_test_http helpdesk; with --full: 20,000 tickets by cursor,
7,000 customers by page number with a cap of 50 pages (read on past it from the last id),
60,000 comments fanned out per ticket and paged by Link headers, agents as XML; a 429 with
Retry-After: 1 every 200 requests, a burst of 503s, a reset connection; without: 4,000 tickets,
12,000 comments, a 429 every 500 requests), writes a project whose
source is that API, and checks with the csbridge CLI:
  1. map check passes; migrate loads every record once — the legacy keys in the target are the
     server's own list — and rejects none;
  2. validate passes (it lists the API again);
  3. one chain of runs killed with SIGKILL three times — while customers load (page numbers past
     the cap), while tickets load (cursor), while comments load (fan-out, Link headers) — each
     kill checked to have landed midway (part but not all of that resource in the target), each
     run after a kill asking the API for no more pages of that resource than are left after the
     records the killed run committed (it starts at the page it stopped at, per parent for
     fan-out, also when several loaders committed batches out of order), which is fewer than a
     whole listing; the chain ends with every record once and validate passes.
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

# The scale of the test (--full): 20,000 tickets, 60,000 comments, a 429 with Retry-After: 1
# every 200 requests. A comment listing then takes 40,000 requests and 200 waits of a second, so
# the suite (CTest) runs the same API with 4,000 tickets and a 429 every 500 requests.
FULL = "--full" in sys.argv
if FULL:
    sys.argv.remove("--full")
TICKETS, CUSTOMERS, COMMENTS, AGENTS, THROTTLE_EVERY = (20000 if FULL else 4000), 7000, 3, 5, (200 if FULL else 500)
PER_PAGE, COMMENTS_PER_PAGE, MAX_PAGES = 100, 2, 50
failures = []


def check(ok, what, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else "\n" + detail), flush=True)
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
    "agent.yaml": """entity: agent
source: old
table: agents
key: "@id"
fields:
  name: name
  email: email
  role: {value: agent}
  is_active: {value: "true"}
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
    server = subprocess.Popen([server_bin, "helpdesk", "--tickets", str(TICKETS), "--customers", str(CUSTOMERS),
                               "--comments-per-ticket", str(COMMENTS), "--comments-per-page", str(COMMENTS_PER_PAGE),
                               "--per-page", str(PER_PAGE), "--max-pages", str(MAX_PAGES),
                               "--throttle-every", str(THROTTLE_EVERY), "--customer-delay-ms", "15",
                               "--ticket-delay-ms", "25", "--workers", "4"],
                              stdout=subprocess.PIPE, text=True)
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
    """The target's config lines and a function giving {entity: [legacy keys]} from its crosswalk."""
    if engine == "sqlite":
        path = os.path.join(work, name + ".db")
        for suffix in ("", "-wal", "-shm", "-journal", "-csbridge.lock"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return "target: sqlite:%s\n" % path, lambda: sqlite_keys(path)
    schema = "api_e2e_" + name
    subprocess.run(["psql", "-q", os.environ["CSBRIDGE_TEST_PG"], "-c", "DROP SCHEMA IF EXISTS %s CASCADE" % schema],
                   check=True, capture_output=True)
    return ("target:\n  connection: ${CSBRIDGE_TEST_PG}\n  schema: %s\n" % schema,
            lambda: pg_keys(schema))


KEYS_SQL = "SELECT entity, source_key FROM %scsbridge_crosswalk"


def sqlite_keys(path):
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)
        try:
            return group(db.execute(KEYS_SQL % "").fetchall())
        finally:
            db.close()
    except sqlite3.Error:
        return {}


def pg_keys(schema):
    r = subprocess.run(["psql", "-qtA", "-F", "\t", os.environ["CSBRIDGE_TEST_PG"], "-c", KEYS_SQL % (schema + ".")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return {}
    return group(line.split("\t") for line in r.stdout.splitlines() if "\t" in line)


def group(rows):
    out = {}
    for entity, key in rows:
        out.setdefault(entity, []).append(key)
    return out


def counts(keys):
    return {e: len(k) for e, k in keys.items()}


# The server's own lists (tests/support/helpdesk_api.cc): ids 1..N, comment ids ticket*10+n.
EXPECTED = {
    "customer": sorted(str(i) for i in range(1, CUSTOMERS + 1)),
    "ticket": sorted(str(i) for i in range(1, TICKETS + 1)),
    "ticket_message": sorted(str(t * 10 + n) for t in range(1, TICKETS + 1) for n in range(COMMENTS)),
    "agent": sorted(str(i) for i in range(1, AGENTS + 1)),
}


def project(work, engine, name, port):
    target, keys = target_of(work, engine, name)
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
        params: {per_page: %d}
        paginate: {cursor: /meta/next_cursor, param: cursor}
        key: id
      customers:
        path: /customers
        records: /customers
        params: {per_page: %d}
        paginate: {page: page, start: 1, limit: %d, max_pages: %d, after_param: id_gt, after_field: id}
        key: id
      comments:
        path: /tickets/{tickets.id}/comments
        paginate: link_header
        key: id
        concurrency: 4
      agents:
        path: /agents.xml
        records: /agents/agent
        key: "@id"
%smappings: mappings/
options: {batch_rows: 500, default_timezone: UTC}
""" % (port, PER_PAGE, PER_PAGE, PER_PAGE, MAX_PAGES, target))
    return config, keys


def cli(csbridge, config, *args):
    env = dict(os.environ, HELPDESK_TOKEN="s3cret-token")
    return subprocess.run([csbridge, "-q", "-c", config, *args], env=env, capture_output=True, text=True)


def every_record_once(label, keys):
    for entity, want in EXPECTED.items():
        got = sorted(keys.get(entity, []))
        check(got == want, "%s: the target holds every %s of the server's list once (%d of %d)"
              % (label, entity, len(set(got) & set(want)), len(want)),
              "missing %s, extra or twice %s" % (sorted(set(want) - set(got))[:5], len(got) - len(set(got) & set(want))))


def run(csbridge, work, engine, port):
    label = "api/migrate/" + engine
    for name, text in MAPPINGS.items():
        with open(os.path.join(work, "mappings", name), "w") as f:
            f.write(text)
    config, keys = project(work, engine, "clean", port)
    r = cli(csbridge, config, "map", "check")
    check(r.returncode == 0, "%s: map check exit 0 (got %d)" % (label, r.returncode), r.stderr[-300:])
    started = time.time()
    r = cli(csbridge, config, "migrate", "--format", "json", "--rejects", os.path.join(work, "rejects.jsonl"))
    check(r.returncode == 0, "%s: migrate exit 0 (got %d, %.0f s)" % (label, r.returncode, time.time() - started),
          r.stderr[-300:])
    got = {e["name"]: e for e in json.loads(r.stdout or "{}").get("entities", [])}
    for entity, want in EXPECTED.items():
        e = got.get(entity, {})
        check(e.get("loaded") == len(want) and e.get("rejected") == 0,
              "%s: %s loaded %s rejected %s (the server holds %d)"
              % (label, entity, e.get("loaded"), e.get("rejected"), len(want)))
    every_record_once(label, keys())
    s = stats(port)
    check(s["throttled"] > 0, "%s: the server throttled %d requests (429) and the run went on" % (label, s["throttled"]))
    r = cli(csbridge, config, "validate")
    check(r.returncode == 0, "%s: validate exit 0 (got %d)" % (label, r.returncode), (r.stdout + r.stderr)[-500:])
    killed_chain(csbridge, work, engine, port, label)


# Pages of a whole listing of each resource, as the server counts its requests (429s and 503s
# that the client retries count too, so a resumed run is compared with a margin below it).
WHOLE = {"customers": CUSTOMERS // PER_PAGE + 2, "tickets": TICKETS // PER_PAGE,
         "comments": TICKETS * ((COMMENTS + COMMENTS_PER_PAGE - 1) // COMMENTS_PER_PAGE)}


def resumed_pages(before, after, resource):
    """Pages of `resource` the resumed block asked for between two /__stats answers.

    A later block may list the same resource again from its first page (comments fan out over
    tickets); the server notes where each listing from the first page began ("starts"), so the
    resumed block's pages are those before the first such listing — or, when the block itself
    began at the first page (it did not resume), up to the next one."""
    asked = after[resource] - before[resource]
    starts = [s - before[resource] for s in after.get("starts", {}).get(resource, []) if s >= before[resource]]
    if starts and starts[0] == 0:
        starts = starts[1:]
    return starts[0] if starts else asked


def left_pages(resource, committed):
    """Pages of `resource` a run resumed from the page asks for, `committed` records in."""
    if resource == "comments":  # two pages a ticket; the tickets whose comments are all in are done
        return (TICKETS - committed // COMMENTS) * ((COMMENTS + COMMENTS_PER_PAGE - 1) // COMMENTS_PER_PAGE)
    total = CUSTOMERS if resource == "customers" else TICKETS
    return (total - committed + PER_PAGE - 1) // PER_PAGE + (1 if resource == "customers" else 0)


def resumed(label, resource, asked, committed):
    # From the page: no more than the pages left after the committed records (a margin for the
    # page a batch ends inside), far fewer than a whole listing.
    left = left_pages(resource, committed)
    check(asked <= left + 2 and asked < WHOLE[resource],
          "%s: the run after the kill asked for %d %s pages: those left after the %d committed (%d), fewer than a whole listing's %d"
          % (label, asked, resource, committed, left, WHOLE[resource]))


def killed_chain(csbridge, work, engine, port, label):
    """One chain of runs killed while customers, then tickets, then comments load."""
    config, keys = project(work, engine, "killed", port)
    env = dict(os.environ, HELPDESK_TOKEN="s3cret-token")
    rejects = os.path.join(work, "killed.jsonl")
    previous = None  # the resource the last kill stopped: the next run resumes it from its page
    committed = 0  # its records in the target when it was killed
    entity_of = {"customers": "customer", "tickets": "ticket", "comments": "ticket_message"}
    for resource, at in (("customers", 2000), ("tickets", TICKETS * 3 // 10),
                         ("comments", TICKETS * COMMENTS * 4 // 10)):
        entity = entity_of[resource]
        before = stats(port)
        p = subprocess.Popen([csbridge, "-q", "-c", config, "migrate", "--rejects", rejects],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        landed, n = False, 0
        while p.poll() is None:
            n = counts(keys()).get(entity, 0)
            if n >= at:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
                n = counts(keys()).get(entity, 0)
                # landed while the run still ran: it died of the SIGKILL, not of its own end
                landed = p.returncode == -signal.SIGKILL and n < len(EXPECTED[entity])
                break
            time.sleep(0.01)
        check(landed, "%s: SIGKILL landed while %s loaded (%d of %d in the target; the run was still running)"
              % (label, resource, n, len(EXPECTED[entity])))
        if previous:
            resumed(label, previous, resumed_pages(before, stats(port), previous), committed)
        previous, committed = resource, n
    before = stats(port)
    r = cli(csbridge, config, "migrate", "--rejects", rejects)
    check(r.returncode == 0, "%s: the run after the last kill ends (exit %d)" % (label, r.returncode), r.stderr[-300:])
    resumed(label, previous, resumed_pages(before, stats(port), previous), committed)
    every_record_once(label + " after three kills", keys())
    r = cli(csbridge, config, "validate")
    check(r.returncode == 0, "%s: validate after the kills exit 0 (got %d)" % (label, r.returncode),
          (r.stdout + r.stderr)[-500:])


if __name__ == "__main__":
    main()
