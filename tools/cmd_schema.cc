// csbridge schema show|ddl|apply — the CS data model.
#include <memory>

#include "cli.h"
#include "connector/registry.h"
#include "migrate/target_store.h"
#include "model/ddl.h"
#include "report/schema_report.h"
#include "util/strings.h"

namespace csbridge::cli {
namespace {

struct ShowOptions {
  std::string entity;
};

struct DdlCommandOptions {
  std::string dialect;
  std::string schema;
  bool if_not_exists = false;
};

struct ApplyOptions {
  std::string target;
  std::string schema;
};

Result<const model::Entity*> find_entity(const model::Model& m, const std::string& name) {
  if (name.empty()) return static_cast<const model::Entity*>(nullptr);
  if (const model::Entity* e = m.entity(name)) return e;
  std::string hint = util::closest_match(name, m.entity_names());
  return invalid_argument("no entity '" + name + "' in the CS model" +
                          (hint.empty() ? "; entities: " + util::join(m.entity_names(), ", ")
                                        : ", did you mean '" + hint + "'?"));
}

int run_show(Context& ctx, const ShowOptions& o) {
  auto format = ctx.format("text", {"text", "json"});
  if (!format) return fail(format.status());
  auto m = model::builtin_model();
  if (!m) return fail(m.status());
  auto entity = find_entity(*m, o.entity);
  if (!entity) return fail(entity.status());
  Status s = *format == "json" ? ctx.write(report::model_json(*m, *entity).dump(2) + "\n")
                               : ctx.write(report::model_text(*m, *entity));
  return s.is_ok() ? 0 : fail(s);
}

int run_ddl(Context& ctx, const DdlCommandOptions& o) {
  auto dialect = model::parse_dialect(o.dialect);
  if (!dialect) return fail(dialect.status());
  auto m = model::builtin_model();
  if (!m) return fail(m.status());
  Status s = ctx.write(model::generate_ddl(*m, *dialect, {o.schema, o.if_not_exists}));
  return s.is_ok() ? 0 : fail(s);
}

int run_apply(Context& ctx, const ApplyOptions& o) {
  auto format = ctx.format("text", {"text", "json"});
  if (!format) return fail(format.status());
  auto cfg = ctx.config();
  if (!cfg) return fail(cfg.status());
  auto target = config::resolve_target(**cfg, o.target, o.schema);
  if (!target) return fail(target.status());
  const std::string& schema = target->schema;
  auto conn = connector::parse_connection_string(target->connection);
  if (!conn) return fail(conn.status());
  model::Dialect dialect;
  if (conn->scheme == connector::Scheme::kPostgres) {
    dialect = model::Dialect::kPostgres;
  } else if (conn->scheme == connector::Scheme::kSqlite) {
    dialect = model::Dialect::kSqlite;
    // Creating the target file is what applying a schema to a new SQLite target means.
    if (conn->options.count("mode") == 0) conn->options["mode"] = "rwc";
  } else {
    return fail(not_supported("schema apply writes to PostgreSQL or SQLite targets, not " +
                              std::string(connector::scheme_name(conn->scheme)) + " (" + conn->redacted() + ")"));
  }
  if (dialect == model::Dialect::kSqlite && !schema.empty()) {
    return fail(invalid_argument("--schema applies to PostgreSQL targets only"));
  }
  auto m = model::builtin_model();
  if (!m) return fail(m.status());
  // As migrate prepares a target: the CS tables, csbridge's own (crosswalk, checkpoints, runs),
  // and what an older csbridge's target lacks (deleted_at) added.
  auto store = migrate::TargetStore::open(target->connection, schema, *m);
  if (!store) return fail(store.status());
  Status s = (*store)->prepare();
  if (!s.is_ok()) return fail(s);
  std::string where = conn->redacted() + (schema.empty() ? "" : " (schema " + schema + ")");
  if (*format == "json") {
    nlohmann::json j = {{"status", "applied"},
                        {"target", conn->redacted()},
                        {"schema", schema},
                        {"dialect", model::dialect_name(dialect)},
                        {"model_version", m->version},
                        {"entities", m->entity_names()}};
    s = ctx.write(j.dump(2) + "\n");
  } else {
    s = ctx.write("applied CS model " + m->version + " (" + std::to_string(m->entities.size()) + " entities) to " +
                  where + "\n");
  }
  return s.is_ok() ? 0 : fail(s);
}

}  // namespace

void setup_schema(CLI::App& app, Context& ctx, int& exit_code) {
  app.require_subcommand(1);

  auto show = std::make_shared<ShowOptions>();
  CLI::App* show_cmd = app.add_subcommand("show", "Show the CS model, or one entity of it (--format text|json)");
  show_cmd->add_option("entity", show->entity, "Entity to show (e.g. ticket); all when omitted")->type_name("ENTITY");
  show_cmd->callback([&ctx, &exit_code, show] { exit_code = run_show(ctx, *show); });

  auto ddl = std::make_shared<DdlCommandOptions>();
  CLI::App* ddl_cmd = app.add_subcommand("ddl", "Print the CREATE TABLE script of the CS model for a dialect");
  ddl_cmd->add_option("--dialect", ddl->dialect, "postgres or sqlite")->type_name("postgres|sqlite")->required();
  ddl_cmd->add_option("--schema", ddl->schema, "PostgreSQL schema to create the tables in")->type_name("SCHEMA");
  ddl_cmd->add_flag("--if-not-exists", ddl->if_not_exists, "Use CREATE … IF NOT EXISTS (safe to apply twice)");
  ddl_cmd->callback([&ctx, &exit_code, ddl] { exit_code = run_ddl(ctx, *ddl); });

  auto apply = std::make_shared<ApplyOptions>();
  CLI::App* apply_cmd = app.add_subcommand(
      "apply", "Create the CS model's tables and csbridge's own (crosswalk, checkpoints, runs) in a target (PostgreSQL "
      "or SQLite), as migrate does; existing tables are kept and get what a newer model adds (deleted_at)");
  apply_cmd->add_option("--target", apply->target,
                        "Connection string or config source name (default: the config's target)")
      ->type_name("CONN|NAME");
  apply_cmd->add_option("--schema", apply->schema, "PostgreSQL schema (default: the config target's schema)")
      ->type_name("SCHEMA");
  apply_cmd->callback([&ctx, &exit_code, apply] { exit_code = run_apply(ctx, *apply); });
}

}  // namespace csbridge::cli
