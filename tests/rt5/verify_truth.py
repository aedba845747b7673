#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Checks truth.json against a loaded RT 5 database, by queries of its own.

    verify_truth.py pg|mariadb|sqlite DIR

DIR as for tests/rt5/load.sh: DIR/data/truth.json, DIR/url.ENGINE. Counts every table, every
relationship's child rows, orphan rows (child values NOT IN the parent's keys; 0 means none and
is no orphan), orphan values and sentinel rows in SQL, and the dirt from the column values with
checks written
here again from RELIABILITY's rules (mobile pattern, GB 11643 check character, Luhn), not taken
from the generator. Prints one line per figure; exit 1 when any differs from truth.json.
Queries go through the engines' own clients (psql, mariadb) or Python's sqlite3, with the
password in the environment.
"""

import json
import os
import re
import sqlite3
import subprocess
import sys
from urllib.parse import unquote, urlsplit

MOBILE = re.compile(r"^(?:\+?86)?1(?:3\d|4[5-9]|5[0-35-9]|6[25-7]|7[0-8]|8\d|9[0-35-9])\d{8}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def gb11643_ok(v):
    if not re.fullmatch(r"\d{17}[\dX]", v):
        return False
    return "10X98765432"[sum(int(c) * w for c, w in zip(v, ID_WEIGHTS)) % 11] == v[17]


def luhn_ok(v):
    if not v.isdigit():
        return False
    digits = [int(c) for c in reversed(v)]
    return (sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])) % 10 == 0


def connect(engine, directory):
    """A function running SELECTs (one string, or a list of one-row one-column ones) and returning
    the rows of the one as lists of text, or the list's values as integers (one client call)."""
    url = open(os.path.join(directory, "url." + engine)).read().strip()
    if engine == "sqlite":
        db = sqlite3.connect("file:%s?mode=ro" % url[len("sqlite:"):], uri=True)

        def query_sqlite(sql):
            if isinstance(sql, list):
                return [int(db.execute(q).fetchone()[0]) for q in sql]
            return [["" if v is None else str(v) for v in row] for row in db.execute(sql)]
        return query_sqlite
    if engine == "pg":
        u = urlsplit(url)
        env = dict(os.environ, PGPASSWORD=unquote(u.password or ""))
        cmd = ["psql", "-X", "-q", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", "-h", u.hostname,
               "-p", str(u.port), "-U", unquote(u.username), "-d", u.path.lstrip("/")]
    else:
        kv = dict(part.split("=", 1) for part in url[len("odbc:"):].split(";") if "=" in part)
        env = dict(os.environ, MYSQL_PWD=kv["Pwd"])
        cmd = ["mariadb", "--no-defaults", "--default-character-set=utf8mb4", "-N", "-B", "-h", kv["Server"],
               "-P", kv["Port"], "-u", kv["Uid"], "-D", kv["Database"]]
    sep = "\x1f" if engine == "pg" else "\t"

    def query(sql):
        script = "".join(q + ";\n" for q in sql) if isinstance(sql, list) else sql + ";\n"
        out = subprocess.run(cmd, input=script, env=env, check=True, capture_output=True, text=True).stdout
        rows = [line.split(sep) for line in out.split("\n") if line != ""]
        if isinstance(sql, list):
            assert len(rows) == len(sql), (len(rows), len(sql))
            return [int(r[0]) for r in rows]
        return rows
    return query


def relationship_checks(rel):
    """(what, SELECT of one count, the count truth.json says)."""
    t, c, rt, rc = rel["table"], rel["column"], rel["ref_table"], rel["ref_column"]
    where = "c.%s IS NOT NULL" % c
    if rel["type_column"]:
        where += " AND c.%s = '%s'" % (rel["type_column"], rel["type_value"])
    # NOT IN over the parent keys: SQLite plans it with an index of its own where a LEFT JOIN to an
    # unindexed parent (RT's Groups and Users have no key in SQLite) scans the parent per row.
    orphan = "FROM %s c WHERE %s AND c.%s <> 0 AND c.%s NOT IN (SELECT p.%s FROM %s p WHERE p.%s IS NOT NULL)" % (
        t, where, c, c, rc, rt, rc)
    yield "rows", "SELECT COUNT(*) FROM %s c WHERE %s" % (t, where), rel["rows"]
    yield "orphans", "SELECT COUNT(*) " + orphan, rel["orphans"]
    yield "orphan values", "SELECT COUNT(DISTINCT c.%s) " % c + orphan, rel["orphan_values"]
    for value, s in rel["sentinels"].items():
        yield "sentinel %s rows" % value, "SELECT COUNT(*) FROM %s c WHERE %s AND c.%s = %s" % (t, where, c, value), \
            s["rows"]


def dirt_checks(query, truth):
    phones = [r[0] for r in query("SELECT MobilePhone FROM Users WHERE MobilePhone IS NOT NULL")]
    plain = [p.replace(" ", "").replace("-", "") for p in phones]
    invalid = [p for p in plain if not MOBILE.match(p) and not LANDLINE.match(p)]
    d = truth["dirt"]
    yield "Users.MobilePhone values", len(phones), d["invalid_phone"]["values"]
    yield "Users.MobilePhone invalid phones", len(invalid), d["invalid_phone"]["count"]
    mobiles = {}
    for p in plain:
        if MOBILE.match(p):
            mobiles[p[-11:]] = mobiles.get(p[-11:], 0) + 1
    yield "Users duplicate rows by mobile", sum(n for n in mobiles.values() if n > 1), \
        d["duplicate_customers"]["by_phone_rows"]
    groups, rows = query(
        "SELECT COUNT(*), COALESCE(SUM(n), 0) FROM (SELECT LOWER(TRIM(EmailAddress)) AS k, COUNT(*) AS n FROM Users "
        "WHERE EmailAddress IS NOT NULL AND TRIM(EmailAddress) <> '' GROUP BY LOWER(TRIM(EmailAddress)) "
        "HAVING COUNT(*) > 1) d")[0]
    yield "Users duplicate e-mail rows", int(rows), d["duplicate_customers"]["rows"]
    yield "Users duplicate e-mail groups", int(groups), d["duplicate_customers"]["groups"]
    ids = [r[0] for r in query("SELECT v.Content FROM ObjectCustomFieldValues v JOIN CustomFields f "
                                "ON f.id = v.CustomField WHERE f.Name = '身份证号'")]
    bad = [v for v in ids if not gb11643_ok(v)]
    yield "身份证号 values", len(ids), truth["pii"]["national_id"]["values"]
    yield "身份证号 18 characters", sum(1 for v in ids if len(v) == 18), truth["pii"]["national_id"]["values"]
    yield "身份证号 failing the check character", len(bad), d["id_checksum"]["count"]
    yield "身份证号 failing it but passing Luhn", sum(1 for v in bad if luhn_ok(v)), d["id_checksum"]["luhn_pass"]
    yield "身份证号 valid passing Luhn", sum(1 for v in ids if gb11643_ok(v) and luhn_ok(v)), \
        truth["pii"]["national_id"]["valid_luhn_pass"]


def main(argv):
    if len(argv) != 2 or argv[0] not in ("pg", "mariadb", "sqlite"):
        print("usage: verify_truth.py pg|mariadb|sqlite DIR", file=sys.stderr)
        return 2
    engine, directory = argv
    truth = json.load(open(os.path.join(directory, "data", "truth.json"), encoding="utf-8"))
    query = connect(engine, directory)
    wrong = 0
    checked = 0

    def report(what, got, want):
        nonlocal wrong, checked
        checked += 1
        if got != want:
            wrong += 1
        print("%-4s %s: %d%s" % ("ok" if got == want else "DIFF", what, got, "" if got == want else
                                 " (truth.json says %d)" % want))

    counts = [("%s rows" % table, "SELECT COUNT(*) FROM %s" % table, n) for table, n in truth["tables"].items()]
    for rel in truth["relationships"] + truth["other_relationships"]:
        counts += [("%s: %s" % (rel["name"], what), sql, want) for what, sql, want in relationship_checks(rel)]
    for (what, _, want), got in zip(counts, query([sql for _, sql, _ in counts])):
        report(what, got, want)
    for what, got, want in dirt_checks(query, truth):
        report(what, got, want)
    print("verify_truth %s: %d figures, %s" % (engine, checked, "all as truth.json says" if not wrong else
                                               "%d differ from truth.json" % wrong))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
