// csbridge plan-shards — key ranges of equal rows for N shards; migrate --shard K/N, --finish.
#include "cmd_shards.h"

#include <memory>

#include "migrate/shards.h"
#include "report/shard_report.h"

namespace csbridge::cli {

int run_plan_shards(Context& ctx, const Project& project, int shards, const std::vector<std::string>& entities,
                    const std::string& target, bool json) {
  migrate::PlanShardsOptions o;
  o.shards = shards;
  o.entities = entities;
  o.progress = &ctx.progress();
  auto plan = migrate::write_shard_plan(*project.config, project.loaded.set, project.model, o, target);
  if (!plan) return fail(plan.status());
  Status s = ctx.write(json ? report::shard_plan_json(*plan).dump(2) + "\n" : report::shard_plan_text(*plan));
  return s.is_ok() ? 0 : fail(s);
}

int run_migrate_shard(Context& ctx, const Project& project, const migrate::MigrateOptions& options,
                      const std::string& shard, bool json, const std::atomic<int>& stop_signal) {
  auto kn = migrate::parse_shard(shard, options.env);
  if (!kn) return fail(kn.status());
  auto [k, n] = *kn;
  auto result = migrate::run_shard(*project.config, project.loaded.set, project.model, options, k, n, &ctx.progress());
  if (!result) return fail(result.status());
  std::string out = json ? report::shard_run_json(*result, k, n).dump(2) + "\n" : report::shard_run_text(*result, k, n);
  if (Status s = ctx.write(out); !s.is_ok()) return fail(s);
  const std::string& status = result->summary.status;
  if (status == "interrupted") return interrupted_exit_code(stop_signal.load());
  return status == "too_many_rejects" ? static_cast<int>(ExitStatus::kFailures) : 0;
}

int run_finish(Context& ctx, const Project& project, const migrate::MigrateOptions& options, bool json) {
  migrate::FinishOptions f;
  f.target = options.target;
  f.reject_file = options.reject_file;
  f.command_line = options.command_line;
  auto finished = migrate::finish_shards(*project.config, project.loaded.set, project.model, f);
  if (!finished) return fail(finished.status());
  Status s = ctx.write(json ? report::finish_json(*finished).dump(2) + "\n" : report::finish_text(*finished));
  return s.is_ok() ? 0 : fail(s);
}

namespace {

struct PlanShardsArgs {
  int shards = 0;
  std::vector<std::string> files, entities;
  std::string target;
};

}  // namespace

void setup_plan_shards(CLI::App& app, Context& ctx, int& exit_code) {
  auto a = std::make_shared<PlanShardsArgs>();
  app.footer(
      "Reads the key quantiles of every mapping block's source (PostgreSQL statistics where they describe a\n"
      "one-column key, else the key columns alone in the source's order) and writes into the target a plan of N\n"
      "key ranges of about equal rows per block (composite and text keys too, in the source's collation); prints\n"
      "it (--format json: the manifest). Then run N copies of one command, each with its own K, at once or not:\n"
      "  csbridge plan-shards --shards 4\n"
      "  parallel -j4 csbridge migrate --shard {}/4 --rejects out/rejects-{}.jsonl ::: 1 2 3 4\n"
      "  (Kubernetes Indexed Job, Slurm array: csbridge migrate --shard 4 takes K from JOB_COMPLETION_INDEX,\n"
      "  SLURM_ARRAY_TASK_ID or CLOUD_RUN_TASK_INDEX, counted from 0)\n"
      "The last shard to complete finishes the plan (rows whose lookups waited for other shards, self-references).\n"
      "Sources without SQL (files, APIs) cannot be sharded. Planning again is refused while the plan's shards have\n"
      "not finished. Exit 0 planned, 2 usage/config error or an unfinished plan, 3 source/target unreachable.");
  app.add_option("--shards", a->shards, "Number of shards N (1 to 1024)")->type_name("N")->required();
  app.add_option("--mappings", a->files, "Mapping files or folders (default: 'mappings:' of the config)")
      ->type_name("FILE");
  app.add_option("--entities", a->entities, "Only these CS entities, comma-separated")
      ->type_name("ENTITY")
      ->delimiter(',');
  app.add_option("--target", a->target, "Target connection or source name (default: 'target:' of the config)")
      ->type_name("CONN|NAME");
  app.callback([&ctx, &exit_code, a] {
    auto format = ctx.format("text", {"text", "json"});
    if (!format) {
      exit_code = fail(format.status());
      return;
    }
    auto project = load_project(ctx, a->files);
    if (!project) {
      exit_code = fail(project.status());
      return;
    }
    if (int refused = refuse_invalid(ctx, *project)) {
      exit_code = refused;
      return;
    }
    exit_code = run_plan_shards(ctx, *project, a->shards, a->entities, a->target, *format == "json");
  });
}

}  // namespace csbridge::cli
