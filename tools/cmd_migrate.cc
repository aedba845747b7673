// csbridge migrate — move the mapped legacy rows into the CS model; csbridge runs — the audit.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>

#include "cli.h"
#include "cmd_shards.h"
#include "mapping_project.h"
#include "config/config.h"
#include "migrate/follow.h"
#include "migrate/migrate.h"
#include "migrate/shards.h"
#include "migrate/target_store.h"
#include "report/migrate_report.h"
#include "report/plan_report.h"
#include "report/shard_report.h"
#include "validate/plan.h"

namespace csbridge::cli {
namespace {

struct MigrateArgs {
  std::vector<std::string> files;
  std::vector<std::string> entities;
  bool dry_run = false;
  bool resume = false;
  bool delta = false;
  bool hard_deletes = false;
  bool follow = false;
  bool plan = false;
  bool finish = false;
  int plan_shards = 0;
  std::string shard;
  std::string interval = "30s";
  double sample = 100;
  std::string where, since, target, rejects = "csbridge-rejects.jsonl", max_rejects, conflicts;
  int64_t limit = -1;
};

// "100" → at most 100 rejected rows; "0.5%" → at most 0.5 % of the rows read.
Status parse_max_rejects(const std::string& text, migrate::MigrateOptions& o) {
  if (text.empty()) return Status::ok();
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  bool percent = end && *end == '%' && end[1] == '\0';
  if (end == text.c_str() || (!percent && *end != '\0') || v < 0) {
    return invalid_argument("--max-rejects takes a count (100) or a percentage (0.5%), not '" + text + "'");
  }
  if (percent) o.max_rejects_percent = v;
  else o.max_rejects = static_cast<int64_t>(v);
  return Status::ok();
}

// The signal that asked the run to stop (0 = none). A lock-free atomic: safe to set in a handler.
std::atomic<int> g_stop_signal{0};

void on_stop_signal(int signo) { g_stop_signal.store(signo); }

// SIGINT and SIGTERM ask the run to stop after the batches it has read; a second one kills
// (SA_RESETHAND puts the default back).
void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int run_follow(Context& ctx, const Project& project, const migrate::MigrateOptions& o, const MigrateArgs& a,
               bool json) {
  migrate::FollowOptions f;
  std::optional<double> interval = config::parse_duration(a.interval);
  if (!interval || *interval <= 0) {
    return fail(invalid_argument("--interval takes a duration above 0 (30s, 500ms, 2m), not '" + a.interval + "'"));
  }
  f.interval_seconds = *interval;
  Status written;
  f.on_cycle = [&](const migrate::MigrateSummary& s, int64_t cycle) {
    std::string line = json ? report::migrate_json(s).dump() + "\n" : report::cycle_line(s, cycle);
    if (written.is_ok()) written = ctx.write(line);
  };
  auto cycles = migrate::follow(*project.config, project.loaded.set, project.model, o, f, &ctx.progress());
  if (!cycles) return fail(cycles.status());
  if (!written.is_ok()) return fail(written);
  return 0;  // stopped by SIGINT/SIGTERM: the way --follow ends
}

// --plan: what the run would change, per entity, written nowhere.
int run_plan(Context& ctx, const Project& project, const MigrateArgs& a, bool json) {
  validate::ValidateOptions o;
  o.target = a.target;
  o.progress = &ctx.progress();
  auto plan = validate::plan_migration(*project.config, project.loaded.set, project.model, o, a.conflicts);
  if (!plan) return fail(plan.status());
  Status s = ctx.write(json ? report::plan_json(*plan).dump(2) + "\n" : report::plan_text(*plan));
  return s.is_ok() ? 0 : fail(s);
}

int run_migrate(Context& ctx, const MigrateArgs& a, const std::string& command) {
  auto format = ctx.format("text", {"text", "json"});
  if (!format) return fail(format.status());
  auto project = load_project(ctx, a.files);
  if (!project) return fail(project.status());
  if (int refused = refuse_invalid(ctx, *project)) return refused;

  if (a.plan) return run_plan(ctx, *project, a, *format == "json");
  migrate::MigrateOptions o;
  o.entities = a.entities;
  o.dry_run = a.dry_run;
  o.resume_only = a.resume;
  o.sample_percent = a.sample;
  o.where = a.where;
  o.limit = a.limit;
  o.since = a.since;
  o.delta = a.delta;
  o.hard_deletes = a.hard_deletes;
  o.conflicts = a.conflicts;
  o.interrupt = &g_stop_signal;
  o.reject_file = a.rejects;
  o.command_line = command;
  o.target = a.target;
  if (Status s = parse_max_rejects(a.max_rejects, o); !s.is_ok()) return fail(s);
  catch_stop_signals();
  if (a.follow) return run_follow(ctx, *project, o, a, *format == "json");
  if (a.plan_shards > 0) return run_plan_shards(ctx, *project, a.plan_shards, a.entities, a.target, *format == "json");
  if (a.finish) return run_finish(ctx, *project, o, *format == "json");
  if (!a.shard.empty()) return run_migrate_shard(ctx, *project, o, a.shard, *format == "json", g_stop_signal);
  auto summary = migrate::run_migration(*project->config, project->loaded.set, project->model, o,
                                        &ctx.progress());
  if (!summary) return fail(summary.status());
  std::string out = *format == "json" ? report::migrate_json(*summary).dump(2) + "\n" : report::migrate_text(*summary);
  if (Status s = ctx.write(out); !s.is_ok()) return fail(s);
  if (summary->status == "interrupted") return interrupted_exit_code(g_stop_signal.load());
  bool failures = summary->status == "too_many_rejects" || summary->status == "too_many_deletes";
  return failures ? static_cast<int>(ExitStatus::kFailures) : 0;
}

int run_runs(Context& ctx, const std::string& target, int limit) {
  auto format = ctx.format("text", {"text", "json"});
  if (!format) return fail(format.status());
  auto cfg = ctx.config();
  if (!cfg) return fail(cfg.status());
  auto resolved = config::resolve_target(**cfg, target);
  if (!resolved) return fail(resolved.status());
  auto m = model::builtin_model();
  if (!m) return fail(m.status());
  auto store = migrate::TargetStore::open(resolved->connection, resolved->schema, *m);
  if (!store) return fail(store.status());
  if (Status s = (*store)->prepare(); !s.is_ok()) return fail(s);
  auto runs = (*store)->list_runs(limit);
  if (!runs) return fail(runs.status());
  auto plan = migrate::plan_state(**store);  // a shard plan and each shard's state (migrate --shard)
  if (!plan) return fail(plan.status());
  std::string out;
  if (*format == "json") {
    nlohmann::json j = {{"runs", report::runs_json(*runs)},
                        {"shard_plan", *plan ? report::plan_state_json(**plan) : nlohmann::json(nullptr)}};
    out = j.dump(2) + "\n";
  } else {
    out = report::runs_text(*runs) + (*plan ? report::plan_state_text(**plan) : "");
  }
  Status s = ctx.write(out);
  return s.is_ok() ? 0 : fail(s);
}

}  // namespace

void setup_migrate(CLI::App& app, Context& ctx, int& exit_code) {
  auto a = std::make_shared<MigrateArgs>();
  app.footer(
      "Every row read ends in exactly one place: loaded (written), unchanged (already there), rejected (to the\n"
      "reject file, values masked, every reason of the row) or filtered (--sample). Batches load on\n"
      "options.load_connections connections (PostgreSQL; default 2), each committed with its checkpoint and a\n"
      "record of its rows. A killed run resumes where it stopped: run the same command again; rows it committed\n"
      "are skipped, blocks it finished not read (summary: resumed), and no reject line is written twice.\n"
      "--delta reads, of blocks with a 'watermark:', only the rows past the (watermark, key) mark the last completed\n"
      "run left, up to the source's clock minus delta.settle; --follow runs deltas every --interval until SIGTERM/SIGINT.\n"
      "SIGINT/SIGTERM: the batches read are committed, the run is recorded interrupted (resumable), exit 130/143\n"
      "(--follow: exit 0).\n"
      "Blocks with 'deletes:' tombstone (deleted_at) the rows the source deleted; --hard-deletes removes them.\n"
      "A row edited in the target after csbridge wrote it is kept while its source row is unchanged; when the\n"
      "source changed too, delta.conflicts (or --conflicts) says: reject (default: a reject of code conflict with\n"
      "both versions, masked; a delta reads such a row again until it is settled), source_wins (written) or\n"
      "target_wins (kept).\n"
      "Shards: csbridge plan-shards --shards 4 (or migrate --plan-shards 4) once, then migrate --shard K/4 for K = 1..4\n"
      "at once, e.g. parallel -j4 csbridge migrate --shard {}/4 --rejects out/rejects-{}.jsonl ::: 1 2 3 4;\n"
      "--shard 4 takes K from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or CLOUD_RUN_TASK_INDEX (from 0). The last\n"
      "shard to complete finishes the plan; migrate --finish does it again after a failure or a kill (what a killed\n"
      "finish committed is written into its audit record, now interrupted, and not loaded again).\n"
      "Exit 0 done, 1 more rejects than --max-rejects or a block's deletes over delta.max_delete_ratio (none\n"
      "applied), 2 config or mapping error (or a shard of another plan), 3 source/target unreachable (retry it).");
  app.add_option("--mappings", a->files, "Mapping files or folders (default: 'mappings:' of the config)")
      ->type_name("FILE");
  app.add_option("--entities", a->entities, "Only these CS entities, comma-separated")
      ->type_name("ENTITY")
      ->delimiter(',');
  app.add_flag("--dry-run", a->dry_run, "Read and map everything, write nothing; counts what would be loaded");
  app.add_flag("--resume", a->resume,
               "Only continue an interrupted run (every run does when there is one): exit 2 when there is none");
  app.add_option("--sample", a->sample, "Keep this percentage of rows, chosen by a hash of the legacy key")
      ->check(CLI::Range(0.0, 100.0));
  app.add_option("--where", a->where, "Extra SQL predicate on every block's source (a gray-release slice)")
      ->type_name("SQL");
  app.add_option("--limit", a->limit, "At most N rows per mapping block")->type_name("N");
  app.add_option("--since", a->since, "Only rows whose block 'watermark:' column is later than TS (incremental run)")
      ->type_name("TS");
  app.add_flag("--delta", a->delta,
               "Only what changed since the last completed run, for blocks with a 'watermark:' (the others in full)");
  app.add_flag("--hard-deletes", a->hard_deletes,
               "Remove the rows the source deleted (blocks with 'deletes:') and their crosswalk entries, instead of "
               "setting their deleted_at");
  app.add_option("--conflicts", a->conflicts,
                 "Rows changed in the target and in the source since csbridge wrote them: reject (default), "
                 "source_wins or target_wins (overrides delta.conflicts for this run)")
      ->type_name("POLICY")
      ->check(CLI::IsMember({"reject", "source_wins", "target_wins"}));
  app.add_flag("--follow", a->follow, "Deltas in a loop, a line per cycle, until SIGTERM/SIGINT (then exit 0)");
  app.add_flag("--plan", a->plan,
               "Count per entity what a run would change (new, changed, unchanged, deleted, conflicting), "
               "first keys; write nothing");
  app.add_option("--shard", a->shard,
                 "Run shard K of N of the target's plan (plan-shards); N alone: K from JOB_COMPLETION_INDEX, "
                 "SLURM_ARRAY_TASK_ID or CLOUD_RUN_TASK_INDEX (from 0)")
      ->type_name("K/N|N");
  app.add_flag("--finish", a->finish,
               "Finish the target's shard plan once every shard completed: load the rows held for lookups across "
               "shards, set self-references");
  app.add_option("--plan-shards", a->plan_shards, "Same as csbridge plan-shards --shards N: plan, write, print")
      ->type_name("N");
  app.add_option("--interval", a->interval, "--follow: time from one cycle's start to the next (default 30s)")
      ->type_name("DURATION");
  app.add_option("--rejects", a->rejects, "Reject file, JSON lines appended (default csbridge-rejects.jsonl)")
      ->type_name("FILE");
  app.add_option("--max-rejects", a->max_rejects, "More rejects than N (or PCT%) makes the run exit 1")
      ->type_name("N|PCT%");
  app.add_option("--target", a->target, "Target connection or source name (default: 'target:' of the config)")
      ->type_name("CONN|NAME");
  app.callback([&ctx, &exit_code, a] {
    exit_code = run_migrate(ctx, *a, ctx.options().command_line);
  });
}

void setup_runs(CLI::App& app, Context& ctx, int& exit_code) {
  auto target = std::make_shared<std::string>();
  auto limit = std::make_shared<int>(20);
  app.footer(
      "Text: one line per run, then the target's shard plan (plan-shards) with each shard's state.\n"
      "--format json: {\"runs\": [...], \"shard_plan\": null | {id, shards, mappings, created_at, finished,\n"
      "held_batches, shard_states: [{shard, state: done|started|not_started, last_run, last_status}]}}");
  app.add_option("--target", *target, "Target connection (default: 'target:' of the config)")->type_name("CONN");
  app.add_option("--limit,-n", *limit, "The latest N runs (default 20)")->type_name("N");
  app.callback([&ctx, &exit_code, target, limit] { exit_code = run_runs(ctx, *target, *limit); });
}

}  // namespace csbridge::cli
