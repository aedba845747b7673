#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""`csbridge map suggest` on the RT 5 fixture, then `map check` and `map preview` of what it wrote.

    check_suggest.py CSBRIDGE URLFILE WORKDIR

URLFILE holds the connection string (tests/rt5/load.sh writes it); it reaches csbridge through
the environment and a ${RT5_SOURCE} in WORKDIR/csbridge.yaml, never a command line. WORKDIR is
emptied first. Prints the CS entities covered, the TODO lines, every error of map check that is
not a TODO, and each file's preview. Exit 0 when suggest succeeds, covers at least
TARGET_ENTITIES CS entities, check reports no error but TODOs and every file previews (a field
still a TODO previews as "(TODO)"); 1 otherwise.
"""

import json
import os
import re
import shutil
import subprocess
import sys

TARGET_ENTITIES = 9  # issue 14: the suggestion covers at least 9 CS entities


def run(cmd, env):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def first_line(text):
    lines = [line for line in text.strip().split("\n") if line.strip()]
    return lines[-1].strip() if lines else ""


def main(argv):
    if len(argv) != 3:
        print("usage: check_suggest.py CSBRIDGE URLFILE WORKDIR", file=sys.stderr)
        return 2
    csbridge, url_file, work = argv
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, RT5_SOURCE=open(url_file).read().strip())
    config = os.path.join(work, "csbridge.yaml")
    with open(config, "w") as f:
        f.write("sources:\n  rt: ${RT5_SOURCE}\noptions: {default_timezone: UTC}\n")  # RT stores UTC
    out = os.path.join(work, "out")
    cs = [csbridge, "-c", config]

    rc, stdout, stderr = run(cs + ["-q", "map", "suggest", "--source", "rt", "-o", out], env)
    if rc != 0:
        print("map suggest failed (exit %d): %s" % (rc, stderr.strip()))
        return 1
    files = sorted(f for f in os.listdir(out) if f.endswith((".yaml", ".yml")))
    entities, todos, lines = {}, 0, 0
    for name in files:
        text = open(os.path.join(out, name), encoding="utf-8").read()
        lines += text.count("\n")
        todos += sum(1 for line in text.split("\n")
                     if not line.lstrip().startswith("#") and re.search(r"(^|[{,])\s*todo:", line.strip()))
        for entity in re.findall(r"^\s*(?:-\s+)?entity:\s*(\w+)\s*$", text, re.M):
            entities.setdefault(entity, name)
    print("map suggest wrote %d files, %d lines, into %s" % (len(files), lines, out))
    print("  CS entities covered: %d (issue 14 target: at least %d): %s" % (
        len(entities), TARGET_ENTITIES, ", ".join(sorted(entities))))
    print("  TODO lines left for a person: %d" % todos)

    rc, stdout, stderr = run(cs + ["--format", "json", "map", "check", out], env)
    try:
        check = json.loads(stdout)
    except ValueError:
        print("map check gave no JSON (exit %d): %s" % (rc, stderr.strip()))
        return 1
    errors = [d for d in check["diagnostics"] if d["severity"] == "error" and d["code"] != "todo"]
    warnings = [d for d in check["diagnostics"] if d["severity"] == "warning"]
    print("map check: %d errors (%d TODOs), %d warnings, data checked: %s" % (
        check["errors"], check["errors"] - len(errors), check["warnings"], "yes" if check["data_checked"] else "no"))
    for d in errors + warnings:
        print("  %s:%d:%d: %s: %s [%s]" % (os.path.basename(d["file"]), d["line"], d["column"], d["severity"],
                                           d["message"], d["code"]))

    previewed = refused = failed = 0
    print("map preview:")
    for entity, name in sorted(entities.items(), key=lambda e: e[1]):
        rc, stdout, stderr = run(cs + ["map", "preview", entity, "--mappings", out, "-n", "3"], env)
        if rc == 0:
            previewed += 1
            print("  ✓ %-28s %s" % (name, first_line(stdout.split("\n\n")[0])))
        elif "still a TODO" in stderr:
            refused += 1
            print("  ✗ %-28s refused for its TODO: %s" % (name, first_line(stderr)))
        else:
            failed += 1
            print("  ✗ %-28s exit %d: %s" % (name, rc, first_line(stderr)))
    ok = not errors and previewed == len(entities) and len(files) > 0 and len(entities) >= TARGET_ENTITIES
    print("%s: %d entities, %d TODO lines, check %d errors besides TODOs, preview %d of %d files "
          "(%d refused for a TODO, %d failed): %s" % (
              os.environ.get("RT5_LABEL", "rt5 suggest"), len(entities), todos, len(errors), previewed, len(entities),
              refused, failed, "PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
