// csbridge validate — prove a migration consistent (optionally in a sandbox), for people and CI.
#include <fstream>
#include <memory>

#include "cli.h"
#include "mapping_project.h"
#include "report/validate_report.h"
#include "util/strings.h"
#include "validate/checks.h"
#include "validate/validate.h"

namespace csbridge::cli {
namespace {

struct ValidateArgs {
  std::vector<std::string> files;
  bool sandbox = false;
  bool keep = false;
  bool delta = false;
  int64_t delta_sample = 1000;
  double sample = 100;
  std::vector<std::string> checks;
  std::string fail_on = "error";
  std::string json_file, junit_file, target, shard;
};

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  return out ? Status::ok() : io_error("cannot write " + path);
}

int run_validate(Context& ctx, const ValidateArgs& a) {
  auto project = load_project(ctx, a.files);
  if (!project) return fail(project.status());
  if (int refused = refuse_invalid(ctx, *project)) return refused;
  validate::ValidateOptions o;
  o.sandbox = a.sandbox;
  o.keep = a.keep;
  o.sample_percent = a.sample;
  o.delta = a.delta;
  o.delta_sample = a.delta_sample;
  o.shard = a.shard;
  o.checks = a.checks;
  o.command_line = ctx.options().command_line;
  o.target = a.target;
  o.progress = &ctx.progress();
  auto report = validate::run_validation(*project->config, project->loaded.set, project->model, o);
  if (!report) return fail(report.status());
  if (!a.json_file.empty()) {
    if (Status s = write_file(a.json_file, report::validate_json(*report).dump(2) + "\n"); !s.is_ok()) return fail(s);
  }
  if (!a.junit_file.empty()) {
    if (Status s = write_file(a.junit_file, report::validate_junit(*report)); !s.is_ok()) return fail(s);
  }
  if (Status s = ctx.write(report::validate_text(*report)); !s.is_ok()) return fail(s);
  validate::CheckStatus status = report->status();
  bool failed = status == validate::CheckStatus::kFailed ||
                (a.fail_on == "warn" && status == validate::CheckStatus::kWarning);
  return failed ? static_cast<int>(ExitStatus::kFailures) : 0;
}

}  // namespace

void setup_validate(CLI::App& app, Context& ctx, int& exit_code) {
  auto a = std::make_shared<ValidateArgs>();
  app.footer(
      "Checks (--checks, default all):\n"
      "  counts      per entity, source rows = loaded + rejected + filtered (the source read again, the run's rejects)\n"
      "  rows        every source row through the mapping against its target row (XXH3 of a canonical form:\n"
      "              NULL vs '', numbers, time zones, trailing spaces compare as meant); differing, missing\n"
      "              and extra legacy keys listed\n"
      "  references  every foreign key of the CS model resolves (no orphan messages or events)\n"
      "  model       required fields, enumerations, string lengths, created_at <= solved_at/updated_at\n"
      "  pii         no raw mobile/landline (+86 forms included), resident ID, bank card or e-mail address in a\n"
      "              field the masking policy masks; identities judged by their kind\n"
      "  crosswalk   every loaded row has exactly one crosswalk entry, every entry its row\n"
      "  helpdesk    per ticket, message count and first/last message time equal the source's\n"
      "Examples:\n"
      "  csbridge validate --sandbox --junit validate.xml       CI: migrate into a throw-away target, check, drop it\n"
      "  csbridge validate --sandbox --sample 5 --keep          a 5% slice, sandbox kept for inspection\n"
      "  csbridge validate --checks rows,pii --json out.json    check the configured target as it stands\n"
      "  csbridge validate --delta                              after each migrate --delta: its rows and a sample\n"
      "  csbridge validate --shard 2/4                          shard 2's ranges of the target's plan (plan-shards)\n"
      "Exit 0 every check passed, 1 some failed (or warned, with --fail-on warn), 2 config or mapping error,\n"
      "3 a source or the target could not be reached.");
  app.add_option("--mappings", a->files, "Mapping files or folders (default: 'mappings:' of the config)")
      ->type_name("FILE");
  app.add_flag("--sandbox", a->sandbox,
               "Migrate into a fresh PostgreSQL schema csbridge_sandbox_<random> (or a temporary SQLite file when "
               "the target is SQLite) first, check it, then drop it");
  app.add_flag("--keep", a->keep, "Keep the sandbox afterwards (its name is printed)");
  app.add_flag("--delta", a->delta,
               "Check what the last migrate run changed: per block with a watermark, the rows of its last window "
               "(between the two marks) plus about --delta-sample rows at random up to the mark, each against its "
               "target row; blocks without a watermark by a random sample. Default check: rows (references, model, pii, "
               "crosswalk read the whole target: name them to add them); counts and helpdesk need a full validate "
               "(the cutover check)");
  app.add_option("--delta-sample", a->delta_sample, "With --delta: rows drawn at random per block (default 1000)")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber.description(""));
  app.add_option("--shard", a->shard,
                 "Check one shard of the target's plan (plan-shards, migrate --shard): the source rows of shard K's key "
                 "ranges of every block against the target rows of their keys, counts against shard K's own audit "
                 "records; the last shard (N/N) also reads the target rows whose key the source no longer holds (in no "
                 "shard's range: extra), reading every key of the whole source for that. N alone takes K from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or CLOUD_RUN_TASK_INDEX "
                 "(from 0). Default checks: counts, rows (references, model, pii, crosswalk read the whole target: name "
                 "them to add them; helpdesk needs a full validate). No plan, or one of another N: exit 2")
      ->type_name("K/N|N");
  app.add_option("--sample", a->sample, "With --sandbox: migrate and compare this percentage of legacy keys")
      ->check(CLI::Range(0.0, 100.0));
  std::vector<std::string> checks(std::begin(validate::kCheckNames), std::end(validate::kCheckNames));
  app.add_option("--checks", a->checks, "Run only these checks, comma-separated")
      ->type_name(util::join(checks, "|"))
      ->delimiter(',');
  app.add_option("--fail-on", a->fail_on, "Exit 1 on failed checks only (error, default) or on warnings too (warn)")
      ->type_name("warn|error")
      ->check(CLI::IsMember({"warn", "error"}).description(""));
  app.add_option("--json", a->json_file, "Write the report as JSON to FILE (schemas/validate.schema.json)")
      ->type_name("FILE");
  app.add_option("--junit", a->junit_file, "Write JUnit XML to FILE: one testcase per check and entity")
      ->type_name("FILE");
  app.add_option("--target", a->target, "Target connection or source name (default: 'target:' of the config)")
      ->type_name("CONN|NAME");
  app.callback([&ctx, &exit_code, a] { exit_code = run_validate(ctx, *a); });
}

}  // namespace csbridge::cli
