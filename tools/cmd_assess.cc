// csbridge assess db|api — the integration-readiness report of a legacy database or API.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "api/assess_api.h"
#include "assess/assess_db.h"
#include "cli.h"
#include "connector/registry.h"
#include "report/assess_api_report.h"
#include "report/assess_report.h"

namespace csbridge::cli {
namespace {

struct AssessDbOptions {
  std::string source;
  std::vector<std::string> tables;
  bool estimate = false;
  double sample = 100;
};

int run_assess_db(Context& ctx, const AssessDbOptions& o) {
  auto format = ctx.format("text", {"text", "json", "md", "html"});
  if (!format) return fail(format.status());
  if (!(o.sample > 0 && o.sample <= 100)) return fail(invalid_argument("--sample must be a percentage above 0 and at most 100"));
  auto cfg = ctx.config();
  if (!cfg) return fail(cfg.status());
  auto shown = config::source_display(**cfg, o.source);
  if (!shown) return fail(shown.status());
  auto m = model::builtin_model();
  if (!m) return fail(m.status());
  auto db = config::open_source(**cfg, o.source, connector::Undecodable::kKeep);
  if (!db) return fail(db.status());
  assess::AssessOptions options;
  options.tables = o.tables;
  options.estimate_counts = o.estimate;
  options.sample_percent = o.sample;
  options.batch_rows = static_cast<size_t>((*cfg)->options.batch_rows);
  auto result = assess::assess_database(**db, *m, options, &ctx.progress());
  if (!result) return fail(result.status());
  std::string out = *format == "json"   ? report::assess_json(*result).dump(2) + "\n"
                    : *format == "md"   ? report::assess_markdown(*result)
                    : *format == "html" ? report::assess_html(*result)
                                        : report::assess_text(*result);
  Status s = ctx.write(out);
  return s.is_ok() ? 0 : fail(s);
}

int run_assess_api(Context& ctx, const api::ApiOptions& o) {
  auto format = ctx.format("text", {"text", "json", "md", "html"});
  if (!format) return fail(format.status());
  auto m = model::builtin_model();
  if (!m) return fail(m.status());
  auto result = api::assess_api(o, *m);
  if (!result) return fail(result.status());
  std::string out = *format == "json"   ? report::assess_api_json(*result).dump(2) + "\n"
                    : *format == "md"   ? report::assess_api_markdown(*result)
                    : *format == "html" ? report::assess_api_html(*result)
                                        : report::assess_api_text(*result);
  Status s = ctx.write(out);
  return s.is_ok() ? 0 : fail(s);
}

}  // namespace

void setup_assess(CLI::App& app, Context& ctx, int& exit_code) {
  app.require_subcommand(1);
  auto db = std::make_shared<AssessDbOptions>();
  CLI::App* db_cmd = app.add_subcommand(
      "db",
      "Inspect a legacy database: tables, keys, column profiles, PII, inferred relationships, CS-model fit, "
      "data-quality findings (legacy encodings such as GBK stored as latin1 among them, with the source config "
      "that decodes them), readiness and effort (--format text|json|md|html)");
  db_cmd->add_option("--source,-s", db->source,
                     "Connection string (postgresql://…, odbc:…, sqlite:PATH, csv:/json:/jsonl:/xml: folder) or "
                     "the name of a source in the config")
      ->type_name("CONN|NAME")
      ->required();
  db_cmd->add_option("--tables", db->tables, "Only these tables, comma-separated (default: all)")
      ->type_name("TABLE")
      ->delimiter(',');
  db_cmd->add_flag("--estimate", db->estimate,
                   "For tables that cannot be read, give the statistics estimate instead of an exact count");
  db_cmd->add_option("--sample", db->sample,
                     "Profile this percentage of rows (keys and references are still checked on every row)")
      ->check(CLI::Range(0.0, 100.0));
  db_cmd->callback([&ctx, &exit_code, db] { exit_code = run_assess_db(ctx, *db); });

  auto api = std::make_shared<api::ApiOptions>();
  CLI::App* api_cmd = app.add_subcommand(
      "api",
      "Integration readiness of a legacy API from its OpenAPI 3.x / Swagger 2.0 spec (YAML or JSON): readiness "
      "checks, CS entities it reads and writes back, drift of real payloads, and an optional live probe "
      "(--format text|json|md|html)");
  api_cmd->footer(
      "Checks (each pass/warn/fail with the JSON pointers it concerns): spec_valid, https_only, auth, operation_ids,\n"
      "pagination, error_schema, idempotency, webhooks, rate_limit_headers, content_types, date_time_formats.\n"
      "Only local $refs are followed; the spec must be one file.\n"
      "Examples:\n"
      "  csbridge assess api samples/api/order_api.yaml\n"
      "  csbridge assess api order_api.yaml --payload order.json --payload order.xml --format html -o api.html\n"
      "  csbridge assess api order_api.yaml --probe 'https://erp.example/openapi/v1/orders?page=1' --probe-requests 20\n"
      "Exit codes: 0 assessed; 2 the spec cannot be read or parsed (file:line:col), a payload file is missing;\n"
      "3 the probed endpoint cannot be reached.");
  api_cmd->add_option("spec", api->spec, "The OpenAPI 3.x or Swagger 2.0 file (YAML or JSON)")
      ->type_name("FILE")
      ->required();
  api_cmd->add_option("--payload", api->payloads,
                      "A real response (JSON or XML) to infer fields, PII and drift from the spec; repeatable")
      ->type_name("FILE");
  api_cmd->add_option("--probe", api->probe_url,
                      "GET this http(s) URL of a running endpoint: latency p50/p95/p99, status codes, TLS version, "
                      "whether the next page works")
      ->type_name("URL");
  api_cmd->add_option("--probe-requests", api->probe_requests, "How many GET requests the probe makes (default 10)")
      ->check(CLI::Range(1, api::kMaxProbeRequests));
  api_cmd->callback([&ctx, &exit_code, api] { exit_code = run_assess_api(ctx, *api); });
}

}  // namespace csbridge::cli
