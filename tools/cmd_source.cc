// csbridge source list|describe|read — a source seen through its connector.
#include <memory>

#include "cli.h"
#include "connector/registry.h"
#include "report/schema_report.h"
#include "util/strings.h"

namespace csbridge::cli {
namespace {

struct SourceOptions {
  std::string source;
  std::vector<std::string> tables;
  bool estimate = false;
};

struct ReadOptions {
  std::string source;
  std::string table;
  std::vector<std::string> columns;
  std::vector<std::string> order_by;
  std::string where;
  int64_t limit = -1;
  size_t batch_rows = 0;
};

Result<std::unique_ptr<connector::Connector>> open_source(Context& ctx, const std::string& source) {
  CSB_ASSIGN_OR_RETURN(const config::Config* cfg, ctx.config());
  CSB_ASSIGN_OR_RETURN(std::string shown, config::source_display(*cfg, source));
  ctx.debug("opening " + shown);
  return config::open_source(*cfg, source);
}

Result<std::vector<report::TableReport>> collect(connector::Connector& db, const SourceOptions& o, bool with_details) {
  std::vector<connector::TableRef> refs;
  if (o.tables.empty()) {
    CSB_ASSIGN_OR_RETURN(refs, db.list_tables());
  } else {
    for (const std::string& t : o.tables) refs.push_back(connector::parse_table_ref(t));
  }
  std::vector<report::TableReport> out;
  for (const connector::TableRef& ref : refs) {
    report::TableReport t;
    if (with_details) {
      CSB_ASSIGN_OR_RETURN(t.info, db.describe(ref));
    } else {
      t.info.ref = ref;
    }
    CSB_ASSIGN_OR_RETURN(t.count, db.count(ref, o.estimate));
    out.push_back(std::move(t));
  }
  return out;
}

int run_list_or_describe(Context& ctx, const SourceOptions& o, bool describe) {
  auto format = ctx.format("text", {"text", "json"});
  if (!format) return fail(format.status());
  auto db = open_source(ctx, o.source);
  if (!db) return fail(db.status());
  auto info = (*db)->info();
  if (!info) return fail(info.status());
  auto tables = collect(**db, o, describe);
  if (!tables) return fail(tables.status());
  Status s;
  if (*format == "json") {
    s = ctx.write(report::tables_json(*info, *tables).dump(2) + "\n");
  } else if (describe) {
    s = ctx.write(report::tables_text(*info, *tables));
  } else {
    std::string out;
    for (const report::TableReport& t : *tables) {
      out += t.info.ref.display() + "\t" +
             (t.count.rows < 0 ? "?" : std::to_string(t.count.rows) + (t.count.exact ? "" : " (estimated)")) + "\n";
    }
    s = ctx.write(out);
  }
  return s.is_ok() ? 0 : fail(s);
}

int run_read(Context& ctx, const ReadOptions& o) {
  auto format = ctx.format("csv", {"csv", "jsonl"});
  if (!format) return fail(format.status());
  auto cfg = ctx.config();
  if (!cfg) return fail(cfg.status());
  auto db = open_source(ctx, o.source);
  if (!db) return fail(db.status());
  connector::ReadRequest req;
  req.table = connector::parse_table_ref(o.table);
  req.columns = o.columns;
  req.order_by = o.order_by;
  req.where = o.where;
  req.limit = o.limit;
  req.batch_rows = o.batch_rows > 0 ? o.batch_rows : static_cast<size_t>((*cfg)->options.batch_rows);
  auto reader = (*db)->read(req);
  if (!reader) return fail(reader.status());
  report::RowFormat rf = *format == "jsonl" ? report::RowFormat::kJsonl : report::RowFormat::kCsv;
  Status s = ctx.write(report::rows_header((*reader)->columns(), rf));
  if (!s.is_ok()) return fail(s);
  connector::Batch batch;
  int64_t rows = 0, rejected = 0;
  for (;;) {
    auto more = (*reader)->next(batch);
    for (const connector::RejectedRecord& r : (*reader)->take_rejects()) {
      ctx.warn(r.location + ": rejected: " + r.reason);
      ++rejected;
    }
    if (!more) return fail(more.status());
    if (!*more) break;
    rows += static_cast<int64_t>(batch.rows());
    s = ctx.write(report::rows_body((*reader)->columns(), batch, rf));
    if (!s.is_ok()) return fail(s);
  }
  ctx.info("read " + std::to_string(rows + rejected) + " records of " + req.table.display() + ": " +
           std::to_string(rows) + " rows written, " + std::to_string(rejected) + " rejected");
  return rejected > 0 ? static_cast<int>(ExitStatus::kFailures) : 0;
}

}  // namespace

void setup_source(CLI::App& app, Context& ctx, int& exit_code) {
  app.require_subcommand(1);
  const char* source_help = "Connection string (postgresql://…, odbc:…, sqlite:PATH, csv:PATH, json:PATH, "
                            "jsonl:PATH, xml:PATH) or the name of a source in the config";

  auto list = std::make_shared<SourceOptions>();
  CLI::App* list_cmd = app.add_subcommand("list", "List the tables of a source with their row counts");
  list_cmd->add_option("--source,-s", list->source, source_help)->type_name("CONN|NAME")->required();
  list_cmd->add_flag("--estimate", list->estimate, "Row counts from the database's statistics where it keeps them");
  list_cmd->callback([&ctx, &exit_code, list] { exit_code = run_list_or_describe(ctx, *list, false); });

  auto describe = std::make_shared<SourceOptions>();
  CLI::App* describe_cmd = app.add_subcommand(
      "describe", "Describe tables: columns with declared types, keys, indexes, declared foreign keys, row counts");
  describe_cmd->add_option("--source,-s", describe->source, source_help)->type_name("CONN|NAME")->required();
  describe_cmd->add_option("tables", describe->tables, "Tables to describe (schema.name or name); all when omitted")
      ->type_name("TABLE");
  describe_cmd->add_flag("--estimate", describe->estimate, "Row counts from the database's statistics");
  describe_cmd->callback([&ctx, &exit_code, describe] { exit_code = run_list_or_describe(ctx, *describe, true); });

  auto read = std::make_shared<ReadOptions>();
  CLI::App* read_cmd = app.add_subcommand(
      "read", "Stream a table's rows as CSV or JSON Lines (--format csv|jsonl), text decoded as a named source's "
              "encoding/encodings declare; records the source cannot read (a ragged row, bytes that decode in "
              "neither UTF-8 nor the declared encoding) are reported on stderr and make the exit code 1");
  read_cmd->add_option("--source,-s", read->source, source_help)->type_name("CONN|NAME")->required();
  read_cmd->add_option("table", read->table, "Table (schema.name or name)")->type_name("TABLE")->required();
  read_cmd->add_option("--columns", read->columns, "Columns to read, comma-separated (default: all)")
      ->type_name("COLUMN")
      ->delimiter(',');
  read_cmd->add_option("--order-by", read->order_by, "Columns to sort by, comma-separated")
      ->type_name("COLUMN")
      ->delimiter(',');
  read_cmd->add_option("--where", read->where, "A predicate in the source's SQL (databases only)")->type_name("SQL");
  read_cmd->add_option("--limit", read->limit, "Read at most N rows")->check(CLI::NonNegativeNumber);
  read_cmd->add_option("--batch-rows", read->batch_rows, "Rows fetched per batch (default: options.batch_rows)")
      ->check(CLI::Range(1, 1000000));
  read_cmd->callback([&ctx, &exit_code, read] { exit_code = run_read(ctx, *read); });
}

}  // namespace csbridge::cli
