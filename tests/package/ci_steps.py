#!/usr/bin/env python3
"""Extracts the shell commands of a CI template, as written, for tests/package/run_test.sh.

    ci_steps.py github|gitlab TEMPLATE OUTDIR

GitHub Actions: every step of every job with a `run:` becomes OUTDIR/NN.sh, run as the
workflow's shell does (`bash --noprofile --norc -eo pipefail`); steps that `uses:` an action
run on GitHub only and are listed. GitLab CI: each job's before_script and script lines become
one OUTDIR/NN.sh, run as GitLab's runner does (each line in turn, stopping at the first that
fails: `set -eo pipefail`). Prints the variables the template sets (the test supplies its own
values for them) and the steps, one per line.
"""
import os
import re
import sys

import yaml

GITLAB_KEYWORDS = {"stages", "variables", "default", "include", "workflow", "image", "services", "cache",
                   "before_script", "after_script"}


def fail(message):
    print("ci_steps.py: " + message, file=sys.stderr)
    sys.exit(1)


def check_runnable(text, where):
    if "${{" in text:
        fail(f"{where}: a GitHub expression in a run: line cannot run as written outside GitHub: {text!r}")


def github(doc, out):
    steps, variables = [], set()
    for job_name, job in doc["jobs"].items():
        variables |= set((job.get("env") or {}).keys())
        shell = ((job.get("defaults") or {}).get("run") or {}).get("shell", "bash")
        if shell != "bash":
            fail(f"job {job_name}: shell {shell}; this test runs bash")
        for i, step in enumerate(job["steps"], 1):
            name = step.get("name") or step.get("uses") or f"step {i}"
            if "run" in step:
                check_runnable(step["run"], f"{job_name}: {name}")
                steps.append((f"{job_name}: {name}", step["run"]))
            else:
                print(f"on GitHub only: {job_name}: {name} (uses {step.get('uses')})")
    variables |= set((doc.get("env") or {}).keys())
    return steps, variables


def gitlab(doc, out):
    steps, variables = [], set((doc.get("variables") or {}).keys())
    for job_name, job in doc.items():
        if job_name in GITLAB_KEYWORDS or job_name.startswith(".") or not isinstance(job, dict):
            continue
        variables |= set((job.get("variables") or {}).keys())
        lines = list(job.get("before_script") or doc.get("before_script") or []) + list(job["script"])
        for line in lines:
            check_runnable(line, job_name)
        steps.append((job_name, "set -eo pipefail\n" + "\n".join(lines) + "\n"))
    return steps, variables


def main():
    kind, template, out = sys.argv[1:4]
    with open(template, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    steps, variables = (github if kind == "github" else gitlab)(doc, out)
    if not steps:
        fail("no commands found in " + template)
    os.makedirs(out, exist_ok=True)
    for n, (name, text) in enumerate(steps, 1):
        with open(os.path.join(out, f"{n:02d}.sh"), "w", encoding="utf-8") as f:
            f.write(f"# {name}\n{text}")
        print(f"step {n:02d}: {name}")
    print("variables: " + " ".join(sorted(variables)))
    # Every variable the commands read must be one the template sets (or a project secret the
    # test supplies too).
    for name in sorted(set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", "".join(t for _, t in steps)))):
        print("read by the commands: " + name)


if __name__ == "__main__":
    main()
