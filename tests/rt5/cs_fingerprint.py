#!/usr/bin/env python3
"""Fingerprints of the CS rows a migration wrote into a SQLite target, engine-independent.

    cs_fingerprint.py TARGET.db > fingerprint.json

Per CS entity: the row count and a SHA-256 over its rows sorted by (source_system, source_key),
each row with every field but id and migrated_at, a reference written as the referenced row's
source_key (new ids depend on load order), and custom as JSON with sorted keys. Two migrations of
the same data from different engines must give the same fingerprints (issue 15).
"""
import hashlib
import json
import sqlite3
import sys

ENTITIES = ["organization", "customer", "customer_identity", "agent", "agent_group", "agent_group_member", "ticket",
            "ticket_message", "ticket_event", "tag", "ticket_tag", "satisfaction_rating", "attachment", "business_ref"]


def references(db, table):
    """column → referenced table, from the target's declared foreign keys."""
    return {row[3]: row[2] for row in db.execute("PRAGMA foreign_key_list(%s)" % table)}


def main():
    db = sqlite3.connect(sys.argv[1])
    out = {}
    for entity in ENTITIES:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (entity,)).fetchone():
            continue
        cols = [r[1] for r in db.execute("PRAGMA table_info(%s)" % entity) if r[1] not in ("id", "migrated_at")]
        refs = references(db, entity)
        select = []
        for c in cols:
            if c in refs:
                select.append("(SELECT r.source_key FROM %s r WHERE r.id = t.%s)" % (refs[c], c))
            else:
                select.append("t." + c)
        rows = []
        for row in db.execute("SELECT %s FROM %s t" % (", ".join(select), entity)):
            values = list(row)
            for i, c in enumerate(cols):
                if c == "custom" and values[i] is not None:
                    values[i] = json.dumps(json.loads(values[i]), sort_keys=True, ensure_ascii=False)
            rows.append(json.dumps(values, ensure_ascii=False))
        rows.sort()
        digest = hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()
        out[entity] = {"rows": len(rows), "sha256": digest}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
