#!/usr/bin/env python3
"""examples/kubernetes and examples/slurm (issue 17), as far as this machine allows.

    examples_test.py CSBRIDGE EXAMPLES_DIR WORK_DIR

Kubernetes: every manifest parses as YAML and is of the right kind: a ConfigMap holding a
csbridge.yaml that csbridge reads, a Job running plan-shards --shards N, and an Indexed Job of N
completions whose pods run migrate --shard N with a podFailurePolicy failing the Job on exit 1
and 2 (permanent) and ignoring 130/143 and disruptions (resumable). Slurm: the array script is
valid bash (bash -n), its array has N tasks, and its commands run as written, once per task
(SLURM_ARRAY_TASK_ID=0..N-1, one after another), into a SQLite target: the plan finishes and
every row is loaded once.
"""
import os
import sqlite3
import subprocess
import sys

import yaml

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def main():
    csbridge, examples, work = (os.path.abspath(a) for a in sys.argv[1:4])
    os.makedirs(work, exist_ok=True)
    k8s = os.path.join(examples, "kubernetes")
    docs = {}
    for name in sorted(os.listdir(k8s)):
        with open(os.path.join(k8s, name)) as f:
            for d in yaml.safe_load_all(f):
                docs[d["kind"] + "/" + d["metadata"]["name"]] = d
    cm = docs.get("ConfigMap/csbridge-project")
    plan = docs.get("Job/csbridge-plan")
    job = docs.get("Job/csbridge-shards")
    check(cm is not None and plan is not None and job is not None, "kubernetes: a ConfigMap, a plan Job, an Indexed Job")
    if not (cm and plan and job):
        return 1
    n = job["spec"]["completions"]
    check(job["spec"]["completionMode"] == "Indexed" and job["spec"]["parallelism"] == n and n > 1,
          "kubernetes: Indexed Job of %d completions, all at once" % n)
    pod = job["spec"]["template"]["spec"]
    args = pod["containers"][0]["args"]
    check(args[args.index("--shard") + 1] == str(n) and pod["restartPolicy"] == "Never",
          "kubernetes: pods run migrate --shard %d (K from JOB_COMPLETION_INDEX), restartPolicy Never" % n)
    plan_args = plan["spec"]["template"]["spec"]["containers"][0]["args"]
    check(plan_args[plan_args.index("--shards") + 1] == str(n), "kubernetes: the plan Job plans %d shards" % n)
    rules = job["spec"]["podFailurePolicy"]["rules"]
    fail_on = [c for r in rules if r["action"] == "FailJob" for c in r["onExitCodes"]["values"]]
    ignored = [c for r in rules if r["action"] == "Ignore" and "onExitCodes" in r for c in r["onExitCodes"]["values"]]
    check(sorted(fail_on) == [1, 2] and sorted(ignored) == [130, 143] and 3 not in fail_on + ignored,
          "kubernetes: podFailurePolicy fails on 1, 2; ignores 130, 143; retries 3")
    # The ConfigMap's csbridge.yaml is a config csbridge reads (its ${VARS} set here).
    cfg = os.path.join(work, "k8s-csbridge.yaml")
    with open(cfg, "w") as f:
        f.write(cm["data"]["csbridge.yaml"])
    env = dict(os.environ, LEGACY_PG="postgresql://u@127.0.0.1:1/x", TARGET_PG="postgresql://u@127.0.0.1:1/y")
    r = subprocess.run([csbridge, "-c", cfg, "runs"], capture_output=True, text=True, env=env)
    check(r.returncode == 3 and "cannot connect to postgres" in r.stderr and "csbridge.yaml" not in r.stderr,
          "kubernetes: the ConfigMap's csbridge.yaml loads (exit 3: its target is not here) " + r.stderr.strip()[:200])

    script = os.path.join(examples, "slurm", "csbridge-shards.sbatch")
    check(subprocess.run(["bash", "-n", script]).returncode == 0, "slurm: the array script is valid bash")
    text = open(script).read()
    check("#SBATCH --array=0-%d" % (n - 1) in text and "--shard %d " % n in text,
          "slurm: an array of %d tasks (0-%d) running migrate --shard %d" % (n, n - 1, n))
    # Its commands as written, one task after another, into SQLite.
    src = os.path.join(work, "legacy.db")
    if os.path.exists(src):
        os.remove(src)
    db = sqlite3.connect(src)
    db.executescript("CREATE TABLE orgs (id INTEGER PRIMARY KEY, org_name TEXT);"
                     "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) "
                     "INSERT INTO orgs SELECT x, 'org ' || x FROM c;")
    db.commit()
    db.close()
    target = os.path.join(work, "target.db")
    for suffix in ("", "-csbridge.lock"):
        if os.path.exists(target + suffix):
            os.remove(target + suffix)
    os.makedirs(os.path.join(work, "m"), exist_ok=True)
    with open(os.path.join(work, "m", "organization.yaml"), "w") as f:
        f.write("entity: organization\nsource: legacy\ntable: orgs\nkey: id\nfields: {name: org_name}\ncustom: none\n")
    with open(os.path.join(work, "csbridge.yaml"), "w") as f:
        f.write("sources: {legacy: sqlite:%s}\ntarget: sqlite:%s\nmappings: m\n" % (src, target))
    r = subprocess.run([csbridge, "-q", "-c", "csbridge.yaml", "plan-shards", "--shards", str(n)], cwd=work,
                       capture_output=True, text=True)
    check(r.returncode == 0, "slurm: plan-shards --shards %d as the script's header says %s" % (n, r.stderr.strip()))
    outputs = []
    for task in range(n):
        r = subprocess.run(["bash", script], cwd=work, capture_output=True, text=True,
                           env=dict(os.environ, CSBRIDGE=csbridge, SLURM_ARRAY_TASK_ID=str(task)))
        outputs.append(r.stdout)
        check(r.returncode == 0, "slurm: task %d exits 0 %s" % (task, r.stderr.strip()[:300]))
    check("shard %d of %d" % (n, n) in outputs[-1] and "finished shard plan" in outputs[-1],
          "slurm: the last task runs shard %d and finishes the plan" % n)
    t = sqlite3.connect(target)
    rows = t.execute("SELECT count(*), count(DISTINCT source_key) FROM organization").fetchone()
    t.close()
    check(rows == (1000, 1000), "slurm: every row loaded once (%s)" % (rows,))
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
