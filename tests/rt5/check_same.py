#!/usr/bin/env python3
"""The RT example gives the same CS rows from every engine (issue 15).

    check_same.py RT5_DIR

Compares RT5_DIR/{sqlite,sqlite-odbc,pg,mariadb}/fingerprint.json (written by check_migrate.py): every
engine that ran must match the others. Exit 77 (skipped) when fewer than two engines ran.
"""
import json
import os
import sys

rt5 = sys.argv[1]
prints = {}
for engine in ("sqlite", "sqlite-odbc", "pg", "mariadb"):
    path = os.path.join(rt5, engine, "fingerprint.json")
    if os.path.exists(path):
        prints[engine] = json.load(open(path))
if len(prints) < 2:
    print("skipped: fingerprints of %d engine(s); the server engines need scripts/test's servers" % len(prints))
    sys.exit(77)
engines = sorted(prints)
first = prints[engines[0]]
bad = 0
for entity in sorted(first):
    for e in engines[1:]:
        same = prints[e].get(entity) == first[entity]
        print("%s %s: %s %s %s" % ("ok  " if same else "FAIL", entity, engines[0], "=" if same else "≠", e))
        bad += 0 if same else 1
for e in engines[1:]:
    for entity in sorted(set(prints[e]) - set(first)):
        print("FAIL %s: only in %s" % (entity, e))
        bad += 1
sys.exit(1 if bad else 0)
