#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Scores `csbridge assess db --format json` of the RT 5 fixture against the generator's truth.

    check_assess.py TRUTH.json REPORT.json [--label TEXT]

Prints a scorecard: each of the 13 relationships RT leaves undeclared, found or not (table,
column, ref_table, ref_column and, for a polymorphic one, its type value) and its orphan count
against the truth; each planted dirt kind (findings invalid_phone, duplicate_customers,
id_checksum, orphans) with its count; the resident IDs the PII detection counted; row counts;
and what assess inferred beyond the truth. Exit 0 when at least 12 of the 13 relationships are
found with their orphan count right and all four dirt kinds have the truth's counts (and no
finding of theirs elsewhere); 1 otherwise; 2 when a file cannot be read.
Names compare without case and schema (PostgreSQL folds RT's EffectiveId to public.tickets.effectiveid).
"""

import json
import re
import sys

REQUIRED_RELATIONSHIPS = 12
OK, NO = "✓", "✗"


def bare(name):
    return (name or "").split(".")[-1].lower()


class Report:
    def __init__(self, data):
        self.data = data
        self.tables = {bare(t["name"]): t for t in data["tables"]}

    def fks(self, table, column):
        t = self.tables.get(bare(table), {"foreign_keys": []})
        return [fk for fk in t["foreign_keys"] if [bare(c) for c in fk["columns"]] == [bare(column)]]

    def findings(self, kind):
        """(table, finding) of one kind over the whole report."""
        return [(bare(t["name"]), f) for t in self.data["tables"] for f in t["findings"] if f["kind"] == kind]


def same_parent(fk, rel):
    return bare(fk["ref_table"]) == bare(rel["ref_table"]) and [bare(c) for c in fk["ref_columns"]] == [
        bare(rel["ref_column"])]


def same_type(fk, rel):
    if not rel["type_column"]:
        return not fk.get("polymorphic") and not fk.get("type_value")
    return bare(fk.get("type_column")) == bare(rel["type_column"]) and fk.get("type_value") == rel["type_value"]


def match(report, rel):
    """The relationship assess gives for rel: (fk or None, what it found instead)."""
    candidates = report.fks(rel["table"], rel["column"])
    for fk in candidates:
        if same_parent(fk, rel) and same_type(fk, rel):
            return fk, None
    others = []
    for fk in candidates:
        target = "%s.%s" % (fk["ref_table"], ",".join(fk["ref_columns"]))
        if fk.get("type_value"):
            target += " where %s = '%s'" % (fk.get("type_column"), fk["type_value"])
        elif rel["type_column"] and same_parent(fk, rel):
            target += " without its type"
        others.append("→ %s (orphans %d)" % (target, fk.get("orphans", 0)))
    return None, others


def score_relationships(report, truth, out):
    right = 0
    out.append("Relationships RT leaves undeclared (%d): " % len(truth["relationships"]))
    head = len(out) - 1
    found = 0
    for rel in truth["relationships"]:
        fk, others = match(report, rel)
        want = rel["orphans"]
        sentinel = "; ".join("%s = %s: %d rows, no orphans" % (rel["column"], v, s["rows"])
                             for v, s in rel["sentinels"].items())
        if fk is None:
            detail = "not found" + ("; found instead " + ", ".join(others) if others else "")
            out.append("  %s %-66s %s" % (NO, rel["name"], detail))
            continue
        found += 1
        if "none_rows" in fk and "0" in rel["sentinels"]:
            sentinel += "; assess: none_rows %d" % fk["none_rows"]
        got = fk.get("orphans", 0)
        ok = got == want
        right += ok
        out.append("  %s %-66s orphans %d %s %d%s" % (OK if ok else NO, rel["name"], got, "=" if ok else "≠", want,
                                                       "  (" + sentinel + ")" if sentinel else ""))
    out[head] += "%d found, %d with the orphan count right (need %d)" % (found, right, REQUIRED_RELATIONSHIPS)
    return right


def finding_for(report, kind, table, column, type_value=None):
    hits = [f for t, f in report.findings(kind) if t == bare(table) and bare(f.get("column")) == bare(column)]
    if type_value and len(hits) > 1:
        hits = [f for f in hits if "'%s'" % type_value in f["message"]]
    return hits[0] if len(hits) == 1 else None


def score_dirt(report, truth, out):
    d = truth["dirt"]
    passed = 0
    out.append("Dirt planted (4 kinds): ")
    head = len(out) - 1

    def line(ok, kind, where, text, extra):
        nonlocal passed
        passed += ok
        out.append("  %s %-20s %-40s %s%s" % (OK if ok else NO, kind, where, text, extra))

    def extras(kind, keep):
        rest = [(t, f) for t, f in report.findings(kind) if f is not keep]
        if not rest:
            return ""
        return "; also %d elsewhere: %s" % (
            sum(f["count"] for _, f in rest), ", ".join("%s.%s %d" % (t, f.get("column") or "", f["count"])
                                                        for t, f in rest[:4]))

    for kind, column, want in (("invalid_phone", "column", d["invalid_phone"]["count"]),
                               ("id_checksum", "column", d["id_checksum"]["count"])):
        spec = d[kind]
        f = finding_for(report, kind, spec["table"], spec[column])
        got = f["count"] if f else None
        more = extras(kind, f)
        note = "  (%d of them pass Luhn too)" % spec["luhn_pass"] if kind == "id_checksum" else ""
        line(got == want and not more, kind, "%s.%s" % (spec["table"], spec[column]),
             "not named" if got is None else "%d %s %d" % (got, "=" if got == want else "≠", want), note + more)

    spec = d["duplicate_customers"]
    f = finding_for(report, "duplicate_customers", spec["table"], None)
    got = f["count"] if f else None
    groups = re.search(r"(\d+) groups", f["message"]) if f else None
    text = "not named" if got is None else "%d rows %s %d" % (got, "=" if got == spec["rows"] else "≠", spec["rows"])
    if groups:
        g = int(groups.group(1))
        text += ", %d groups %s %d" % (g, "=" if g == spec["groups"] else "≠", spec["groups"])
    line(got == spec["rows"] and not extras("duplicate_customers", f), "duplicate_customers",
         "%s (%s)" % (spec["table"], spec["column"]), text, extras("duplicate_customers", f))

    parts, ok = [], True
    for name in d["orphans"]["relationships"]:
        table, column = name.split(".")
        rel = next(r for r in truth["relationships"] if r["table"] == table and r["column"] == column)
        f = finding_for(report, "orphans", table, column, rel["type_value"])
        got = f["count"] if f else None
        ok = ok and got == rel["orphans"]
        parts.append("%s %s" % (name, "not named" if got is None else "%d %s %d" % (
            got, "=" if got == rel["orphans"] else "≠", rel["orphans"])))
    line(ok, "orphans", "deleted agents' tickets, purged tickets", ", ".join(parts), "")
    out[head] += "%d with the truth's counts (need 4)" % passed
    return passed


def pii_line(report, truth, out):
    spec = truth["pii"]["national_id"]
    t = report.tables.get(bare(spec["table"]), {"columns": []})
    col = next((c for c in t["columns"] if bare(c["name"]) == bare(spec["column"])), None)
    hits = {p["class"]: p for p in (col or {}).get("pii", [])}
    nid = hits.get("national_id")
    text = ("national_id %d values (%d invalid)" % (nid.get("count", 0), nid.get("invalid", 0)) if nid
            else "national_id not detected")
    if "bank_card" in hits:
        text += ", bank_card %d" % hits["bank_card"].get("count", 0)
    out.append("Resident IDs in %s.%s (身份证号): %s; truth %d (%d valid, %d failing the check character)" % (
        spec["table"], spec["column"], text, spec["values"], spec["valid"], spec["invalid"]))


def table_line(report, truth, out):
    wrong = []
    for name, rows in truth["tables"].items():
        t = report.tables.get(bare(name))
        if t is None:
            wrong.append("%s missing" % name)
        elif t["rows"] != rows:
            wrong.append("%s %d ≠ %d%s" % (name, t["rows"], rows, "" if t.get("rows_exact", True) else " (estimate)"))
    out.append("Row counts: %d of %d tables right%s" % (len(truth["tables"]) - len(wrong), len(truth["tables"]),
                                                        ": " + ", ".join(wrong) if wrong else ""))


def beyond_lines(report, truth, out):
    other_found = other_right = 0
    known = []
    for rel in truth["other_relationships"]:
        fk, _ = match(report, rel)
        if fk is not None:
            known.append(fk)
            other_found += 1
            other_right += fk.get("orphans", 0) == rel["orphans"]
    for rel in truth["relationships"]:
        fk, _ = match(report, rel)
        if fk is not None:
            known.append(fk)
    out.append("Other relationships the data holds (not scored): %d of %d found, %d with the orphan count right" % (
        other_found, len(truth["other_relationships"]), other_right))
    tables = set(bare(n) for n in truth["tables"])
    extra = ["%s.%s → %s.%s (orphans %d)" % (t["name"], ",".join(fk["columns"]), fk["ref_table"],
                                             ",".join(fk["ref_columns"]), fk.get("orphans", 0))
             for t in report.data["tables"] if bare(t["name"]) in tables
             for fk in t["foreign_keys"] if not any(fk is k for k in known)]
    out.append("Inferred beyond the truth: %d%s" % (len(extra), ": " + "; ".join(extra[:8]) + (
        "; …" if len(extra) > 8 else "") if extra else ""))


def main(argv):
    args = [a for a in argv if not a.startswith("--label")]
    label = next((a.split("=", 1)[1] for a in argv if a.startswith("--label=")), None)
    if len(args) != 2:
        print("usage: check_assess.py TRUTH.json REPORT.json [--label=TEXT]", file=sys.stderr)
        return 2
    try:
        truth = json.load(open(args[0], encoding="utf-8"))
        report = Report(json.load(open(args[1], encoding="utf-8")))
    except (OSError, ValueError, KeyError) as e:
        print("check_assess: %s" % e, file=sys.stderr)
        return 2
    src = report.data.get("source", {})
    out = ["RT 5 fixture: assess db on %s %s, %d tickets (truth: seed %d)" % (
        src.get("engine", "?"), src.get("version", ""), truth["entities"]["tickets"], truth["generator"]["seed"]), ""]
    rels = score_relationships(report, truth, out)
    out.append("")
    dirt = score_dirt(report, truth, out)
    out.append("")
    pii_line(report, truth, out)
    table_line(report, truth, out)
    beyond_lines(report, truth, out)
    passed = rels >= REQUIRED_RELATIONSHIPS and dirt == 4
    out.append("")
    out.append("%s: relationships %d/13 right (need %d), dirt %d/4 (need 4): %s" % (
        label or "rt5 assess", rels, REQUIRED_RELATIONSHIPS, dirt, "PASS" if passed else "FAIL"))
    print("\n".join(out))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
