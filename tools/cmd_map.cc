// csbridge map suggest | check | preview — mapping files onto the CS model.
#include <filesystem>
#include <fstream>
#include <memory>

#include "assess/assess_db.h"
#include "cli.h"
#include "mapping_project.h"
#include "connector/registry.h"
#include "mapping/check.h"
#include "mapping/loader.h"
#include "mapping/preview.h"
#include "mapping/suggest.h"
#include "report/map_report.h"

namespace csbridge::cli {
namespace {

namespace fs = std::filesystem;

struct SuggestOptions {
  std::string source;
  std::string out_dir;
  bool force = false;
};

struct CheckOptions {
  std::vector<std::string> files;
  bool no_data = false;
};

struct PreviewOptions {
  std::string entity;
  std::vector<std::string> files;
  int64_t limit = 10;
};

int run_check(Context& ctx, const CheckOptions& o) {
  auto format = ctx.format("text", {"text", "json", "sarif"});
  if (!format) return fail(format.status());
  auto project = load_project(ctx, o.files);
  if (!project) return fail(project.status());
  const config::Config* cfg = project->config;
  const model::Model* model = &project->model;
  mapping::LoadResult& loaded = project->loaded;
  report::CheckReport r;
  if (!loaded.unreadable) {
    mapping::check_mapping_set(loaded.set, *model, loaded.diagnostics);
    if (!o.no_data && files_valid(loaded)) {
      mapping::check_against_sources(loaded.set, *cfg, *model, mapping::default_source_opener(), {},
                                     loaded.diagnostics);
      r.data_checked = std::none_of(loaded.diagnostics.begin(), loaded.diagnostics.end(),
                                    [](const auto& d) { return d.code == "source_unreachable"; });
    }
  }
  r.diagnostics = loaded.diagnostics;
  r.set = &loaded.set;
  r.files = static_cast<int>(loaded.set.documents.size());
  r.blocks = static_cast<int>(loaded.set.blocks.size());
  r.unreadable = loaded.unreadable;
  std::string out = *format == "json"    ? report::check_json(r).dump(2) + "\n"
                    : *format == "sarif" ? report::check_sarif(r, CSBRIDGE_VERSION).dump(2) + "\n"
                                         : report::check_text(r);
  if (Status s = ctx.write(out); !s.is_ok()) return fail(s);
  if (loaded.unreadable) return static_cast<int>(ExitStatus::kUsage);
  return loaded.has_errors() ? static_cast<int>(ExitStatus::kFailures) : 0;
}

int run_preview(Context& ctx, const PreviewOptions& o) {
  auto format = ctx.format("text", {"text", "json"});
  if (!format) return fail(format.status());
  if (o.limit <= 0) return fail(invalid_argument("--limit must be at least 1"));
  auto project = load_project(ctx, o.files);
  if (!project) return fail(project.status());
  const mapping::LoadResult& loaded = project->loaded;
  if (!files_valid(loaded)) {
    report::CheckReport r;
    r.diagnostics = loaded.diagnostics;
    r.set = &loaded.set;
    ctx.explain(report::check_text(r) + "the mapping files have errors; fix them first (csbridge map check)\n");
    return static_cast<int>(ExitStatus::kUsage);
  }
  mapping::PreviewOptions options;
  options.limit = o.limit;
  auto blocks = mapping::preview_entity(loaded.set, *project->config, o.entity, options, mapping::default_source_opener(),
                                        config::process_environment());
  if (!blocks) return fail(blocks.status());
  std::string out = *format == "json" ? report::preview_json(o.entity, *blocks).dump(2) + "\n"
                                      : report::preview_text(o.entity, *blocks);
  if (Status s = ctx.write(out); !s.is_ok()) return fail(s);
  return 0;
}

int run_suggest(Context& ctx, const SuggestOptions& o) {
  auto cfg = ctx.config();
  if (!cfg) return fail(cfg.status());
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return fail(io_error("cannot create " + o.out_dir + ": " + ec.message()));
  auto shown = config::source_display(**cfg, o.source);
  if (!shown) return fail(shown.status());
  auto model = model::builtin_model();
  if (!model) return fail(model.status());
  auto db = config::open_source(**cfg, o.source, connector::Undecodable::kKeep);
  if (!db) return fail(db.status());
  ctx.info("assessing " + *shown + " …");
  assess::AssessOptions assess_options;
  assess_options.batch_rows = static_cast<size_t>((*cfg)->options.batch_rows);
  auto assessment = assess::assess_database(**db, *model, assess_options, nullptr);
  if (!assessment) return fail(assessment.status());

  mapping::SuggestOptions options;
  const config::SourceConfig* named = (*cfg)->source(o.source);
  options.source_name = named ? named->name : "legacy";
  options.timezone = named && !named->timezone.empty() ? named->timezone : (*cfg)->options.default_timezone;
  auto files = mapping::suggest_mappings(**db, *assessment, *model, options);
  if (!files) return fail(files.status());
  for (const auto& f : *files) {
    fs::path path = fs::path(o.out_dir) / f.file_name;
    if (!o.force && fs::exists(path)) {
      return fail(invalid_argument(path.string() + " exists; pass --force to overwrite it"));
    }
  }
  int todos = 0;
  for (const auto& f : *files) {
    fs::path path = fs::path(o.out_dir) / f.file_name;
    std::ofstream out(path, std::ios::binary);
    out << f.text;
    if (!out.flush()) return fail(io_error("cannot write " + path.string()));
    todos += f.todos;
    Status s = ctx.write(path.string() + "  " + f.entity + (f.todos ? "  " + std::to_string(f.todos) + " TODO" : "") + "\n");
    if (!s.is_ok()) return fail(s);
  }
  ctx.info(std::to_string(files->size()) + " mapping files written to " + o.out_dir +
           (todos ? "; fill the " + std::to_string(todos) + " TODOs, then run: csbridge map check " + o.out_dir
                  : "; next: csbridge map check " + o.out_dir));
  return 0;
}

}  // namespace

void setup_map(CLI::App& app, Context& ctx, int& exit_code) {
  app.require_subcommand(1);

  auto suggest = std::make_shared<SuggestOptions>();
  CLI::App* s = app.add_subcommand(
      "suggest",
      "Assess a source and write one mapping file per CS entity it holds, every choice commented with its "
      "confidence and reason; required fields without a source are left as TODOs that map check reports");
  s->add_option("--source,-s", suggest->source, "Connection string, or the name of a source in the config")
      ->type_name("CONN|NAME")
      ->required();
  s->add_option("--out-dir,-o", suggest->out_dir, "Folder to write the mapping files into (created if missing)")
      ->type_name("DIR")
      ->required();
  s->add_flag("--force", suggest->force, "Overwrite mapping files that already exist");
  s->callback([&ctx, &exit_code, suggest] { exit_code = run_suggest(ctx, *suggest); });

  auto check = std::make_shared<CheckOptions>();
  CLI::App* c = app.add_subcommand(
      "check",
      "Report every problem of the mapping files as file:line:col: severity: message — keys, entities, fields, "
      "steps, types, required fields, lookups; with the sources reachable also columns, value maps and values "
      "steps would reject. --format text|json|sarif. Exit 0 clean, 1 problems, 2 unreadable files");
  c->add_option("files", check->files, "Mapping files or folders (default: 'mappings:' of the config)")
      ->type_name("FILE");
  c->add_flag("--no-data", check->no_data, "Do not connect to the sources; check only what needs no data");
  c->callback([&ctx, &exit_code, check] { exit_code = run_check(ctx, *check); });

  auto preview = std::make_shared<PreviewOptions>();
  CLI::App* p = app.add_subcommand(
      "preview", "Show source rows and the CS rows they map to side by side, with the rows that would be rejected "
                 "and why (masked as migrate would write them; --format text|json)");
  p->add_option("entity", preview->entity, "CS entity to preview, e.g. ticket")->type_name("ENTITY")->required();
  p->add_option("--limit,-n", preview->limit, "Rows per mapping block (default 10)")->type_name("N");
  p->add_option("--mappings", preview->files, "Mapping files or folders (default: 'mappings:' of the config)")
      ->type_name("FILE");
  p->callback([&ctx, &exit_code, preview] { exit_code = run_preview(ctx, *preview); });
}

}  // namespace csbridge::cli
