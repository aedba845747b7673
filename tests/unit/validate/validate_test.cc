// The "Done when": the sample helpdesk migrated into SQLite and PostgreSQL,
// every kind of defect planted in turn, each caught and named by its key.
#include "validate/validate.h"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

#include "connector/registry.h"
#include "mapping/loader.h"
#include "migrate/shards.h"
#include "model/ddl.h"
#include "faulty_connector.h"
#include "validate/source_stream.h"
#include "test_support.h"

namespace csbridge::validate {
namespace {

enum class Backend { kSqlite, kPostgres };

config::EnvLookup test_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (name == "CSBRIDGE_HMAC_KEY") return std::string("validate-test-key");
    return std::nullopt;
  };
}

// The sample project with the source at the test build's sample database and a fresh target.
class Sample {
 public:
  explicit Sample(Backend backend) : backend_(backend) {
    static int counter = 0;
    std::string target;
    if (backend == Backend::kSqlite) {
      target = "sqlite:" + (dir_.path() / "cs.db").string();
    } else {
      target = test::require_env("CSBRIDGE_TEST_PG");
      schema_ = "csb_validate_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    }
    std::string yaml = "version: 1\nsources:\n  helpdesk: sqlite:" + std::string(CSBRIDGE_SAMPLE_DB) +
                       "\ntarget:\n  connection: " + target + (schema_.empty() ? "" : "\n  schema: " + schema_) +
                       "\nmappings: " + test::source_dir() + "/samples/mappings/\n"
                       "masking:\n  hmac_key_env: CSBRIDGE_HMAC_KEY\n  actions: {phone: mask, national_id: mask, "
                       "bank_card: mask, email: mask, name: keep, address: mask, free_text: mask}\n"
                       "options:\n  default_timezone: Asia/Shanghai\n";
    auto cfg = config::load_config(dir_.write("csbridge.yaml", yaml), test_env());
    REQUIRE_MESSAGE(cfg.is_ok(), cfg.status().message());
    config_ = std::move(cfg).value();
    auto m = model::builtin_model();
    REQUIRE(m.is_ok());
    model_ = std::move(m).value();
    loaded_ = mapping::load_mappings(config_.mappings, config_, model_);
    REQUIRE_FALSE(loaded_.has_errors());
    migrate::MigrateOptions o;
    o.env = test_env();
    auto summary = migrate::run_migration(config_, loaded_.set, model_, o);
    REQUIRE_MESSAGE(summary.is_ok(), summary.status().message());
    auto db = connector::open_connector(target);
    REQUIRE_MESSAGE(db.is_ok(), db.status().message());
    inspect_ = std::move(db).value();
  }
  ~Sample() {
    if (!schema_.empty()) (void)inspect_->execute("DROP SCHEMA IF EXISTS " + model::quote_identifier(schema_) + " CASCADE");
  }

  std::string table(const std::string& name) const {
    return schema_.empty() ? model::quote_identifier(name)
                           : model::quote_identifier(schema_) + "." + model::quote_identifier(name);
  }

  // Runs SQL on the target behind csbridge's back (foreign keys off, as a careless tool would).
  void plant(const std::string& sql) {
    if (backend_ == Backend::kPostgres) {
      Status s = inspect_->execute(sql);
      REQUIRE_MESSAGE(s.is_ok(), s.message());
      return;
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir_.path() / "cs.db").c_str(), &db) == SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, ("PRAGMA foreign_keys = OFF; " + sql).c_str(), nullptr, nullptr, &err);
    std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    REQUIRE_MESSAGE(rc == SQLITE_OK, message);
  }

  std::string first(const std::string& sql) {
    connector::ReadRequest r;
    r.query = sql;
    auto reader = inspect_->read(r);
    REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
    connector::Batch b;
    auto more = (*reader)->next(b);
    REQUIRE((more.is_ok() && *more && b.rows() > 0));
    return std::string(b.get(0, 0));
  }

  ValidationReport validate(ValidateOptions o = {}) {
    o.env = test_env();
    auto report = run_validation(config_, loaded_.set, model_, o);
    REQUIRE_MESSAGE(report.is_ok(), report.status().message());
    return std::move(report).value();
  }

  Result<ValidationReport> try_validate(ValidateOptions o) {
    o.env = test_env();
    return run_validation(config_, loaded_.set, model_, o);
  }

  Backend backend() const { return backend_; }

 private:
  Backend backend_;
  test::TempDir dir_;
  std::string schema_;
  config::Config config_;
  model::Model model_;
  mapping::LoadResult loaded_;
  std::unique_ptr<connector::Connector> inspect_;
};

const CheckResult* find(const ValidationReport& r, const std::string& check, const std::string& entity) {
  for (const auto& c : r.checks) {
    if (c.name == check && c.entity == entity) return &c;
  }
  return nullptr;
}

bool names(const CheckResult& c, const std::string& key, const std::string& kind) {
  for (const auto& f : c.failures) {
    if (f.key == key && f.kind == kind) return true;
  }
  return false;
}

// Every check and entity that failed, for messages.
std::string failed(const ValidationReport& r) {
  std::string out;
  for (const auto& c : r.checks) {
    if (c.status == CheckStatus::kFailed) out += c.name + "/" + c.entity + " ";
  }
  return out;
}

void run_defects(Backend backend) {
  SUBCASE("an untouched migration passes every check") {
    Sample s(backend);
    ValidationReport r = s.validate();
    CHECK_MESSAGE(r.status() == CheckStatus::kPassed, failed(r));
    CHECK(r.checks.size() == 14 * 6 + 1);  // six checks per mapped entity, helpdesk once
    const CheckResult* rows = find(r, "rows", "ticket_message");
    REQUIRE(rows);
    CHECK(rows->figure("matched") == 1238);
    CHECK(rows->figure("rejected_as_orphans") == 5);
    // RT defects #7: the business_ref blocks read queries over tickets; what they leave out is said.
    const CheckResult* refs = find(r, "counts", "business_ref");
    REQUIRE(refs);
    CHECK(refs->figure("query_left_out") == 305);
    CHECK(refs->note.find("business_ref (business_ref.yaml#1) reads a query: counts start at its 262 rows; 138 rows of "
                          "its driving table tickets are not among them") != std::string::npos);
  }
  SUBCASE("a changed value") {
    Sample s(backend);
    s.plant("UPDATE " + s.table("ticket") + " SET \"subject\" = 'changed behind our back' WHERE \"source_key\" = '7'");
    ValidationReport r = s.validate();
    CHECK(r.status() == CheckStatus::kFailed);
    const CheckResult* rows = find(r, "rows", "ticket");
    REQUIRE(rows);
    CHECK(rows->status == CheckStatus::kFailed);
    CHECK(names(*rows, "7", "differs"));
    CHECK(rows->failure_count == 1);
  }
  SUBCASE("a deleted row") {
    Sample s(backend);
    s.plant("DELETE FROM " + s.table("ticket_event") + " WHERE \"source_key\" = '5'");
    ValidationReport r = s.validate();
    CHECK(names(*find(r, "rows", "ticket_event"), "5", "missing"));
    CHECK(find(r, "counts", "ticket_event")->status == CheckStatus::kFailed);
    CHECK(names(*find(r, "crosswalk", "ticket_event"), "5", "dangling_entry"));
  }
  SUBCASE("an extra row") {
    Sample s(backend);
    s.plant("INSERT INTO " + s.table("tag") +
            " (\"source_system\", \"source_key\", \"name\") VALUES ('helpdesk', '999', 'not from the source')");
    ValidationReport r = s.validate();
    CHECK(names(*find(r, "rows", "tag"), "999", "extra"));
    CHECK(find(r, "counts", "tag")->status == CheckStatus::kFailed);
  }
  SUBCASE("a broken reference") {
    Sample s(backend);
    if (s.backend() == Backend::kPostgres) {
      s.plant("ALTER TABLE " + s.table("ticket_message") + " DROP CONSTRAINT IF EXISTS ticket_message_ticket_id_fkey");
    }
    s.plant("UPDATE " + s.table("ticket_message") + " SET \"ticket_id\" = 987654 WHERE \"source_key\" = '3'");
    ValidationReport r = s.validate();
    const CheckResult* refs = find(r, "references", "ticket_message");
    REQUIRE(refs);
    CHECK(names(*refs, "3", "orphan_reference"));
    CHECK(names(*find(r, "rows", "ticket_message"), "3", "differs"));
  }
  SUBCASE("an unmasked phone number") {
    Sample s(backend);
    s.plant("UPDATE " + s.table("customer") + " SET \"phone\" = '+86 138 1234 5678' WHERE \"source_key\" = '10002'");
    ValidationReport r = s.validate();
    const CheckResult* pii = find(r, "pii", "customer");
    REQUIRE(pii);
    CHECK(names(*pii, "10002", "raw_phone"));
    CHECK(pii->failure_count == 1);
  }
  SUBCASE("a missing crosswalk entry") {
    Sample s(backend);
    s.plant("DELETE FROM " + s.table("csbridge_crosswalk") + " WHERE entity = 'agent' AND source_key = '3'");
    ValidationReport r = s.validate();
    const CheckResult* xw = find(r, "crosswalk", "agent");
    REQUIRE(xw);
    CHECK(names(*xw, "3", "no_entry"));
    CHECK(find(r, "rows", "agent")->status == CheckStatus::kPassed);
  }
  SUBCASE("a reordered message time") {
    Sample s(backend);
    std::string message = s.first("SELECT m.\"source_key\" FROM " + s.table("ticket_message") + " m ORDER BY m.\"id\" LIMIT 1");
    std::string ticket = s.first("SELECT t.\"source_key\" FROM " + s.table("ticket_message") + " m JOIN " +
                                 s.table("ticket") + " t ON t.\"id\" = m.\"ticket_id\" WHERE m.\"source_key\" = '" +
                                 message + "'");
    s.plant("UPDATE " + s.table("ticket_message") + " SET \"created_at\" = '2001-02-03 04:05:06+00:00' WHERE \"source_key\" = '" +
            message + "'");
    ValidationReport r = s.validate();
    const CheckResult* helpdesk = find(r, "helpdesk", "ticket");
    REQUIRE(helpdesk);
    CHECK(names(*helpdesk, ticket, "message_times"));
    CHECK(names(*find(r, "rows", "ticket_message"), message, "differs"));
  }
}

TEST_CASE("validate catches every planted defect (SQLite)") { run_defects(Backend::kSqlite); }
TEST_CASE("validate catches every planted defect (PostgreSQL)") { run_defects(Backend::kPostgres); }

TEST_CASE("validate --sandbox migrates into a throw-away target and removes it") {
  Sample s(Backend::kSqlite);
  ValidateOptions o;
  o.sandbox = true;
  o.sample_percent = 30;
  ValidationReport r = s.validate(o);
  CHECK_MESSAGE(r.status() == CheckStatus::kPassed, failed(r));
  REQUIRE(r.sandbox.rfind("file ", 0) == 0);
  std::string file = r.sandbox.substr(5, r.sandbox.find(" (dropped)") - 5);
  CHECK_FALSE(std::filesystem::exists(file));
  const CheckResult* counts = find(r, "counts", "ticket");
  REQUIRE(counts);
  CHECK(counts->figure("filtered") > 0);
  CHECK(counts->figure("loaded") + counts->figure("filtered") + counts->figure("rejected") == 400);
}

TEST_CASE("validate --sandbox on PostgreSQL uses a fresh schema and drops it") {
  Sample s(Backend::kPostgres);
  ValidateOptions o;
  o.sandbox = true;
  o.checks = {"counts,rows"};
  ValidationReport r = s.validate(o);
  CHECK_MESSAGE(r.status() == CheckStatus::kPassed, failed(r));
  REQUIRE(r.sandbox.rfind("schema csbridge_sandbox_", 0) == 0);
  std::string schema = r.sandbox.substr(7, r.sandbox.find(' ', 7) - 7);
  CHECK(s.first("SELECT count(*) FROM information_schema.schemata WHERE schema_name = '" + schema + "'") == "0");
  CHECK(r.checks.size() == 28);
}

TEST_CASE("validate refuses what it cannot do") {
  Sample s(Backend::kSqlite);
  ValidateOptions o;
  std::string expected;
  SUBCASE("--sample without --sandbox") {
    o.sample_percent = 10;
    expected = "invalid_argument: --sample needs --sandbox: it chooses the slice the sandbox run migrates";
  }
  SUBCASE("an unknown check") {
    o.checks = {"rows,colums"};
    expected = "invalid_argument: --checks: unknown check 'colums'; checks: counts, rows, references, model, pii, crosswalk, helpdesk";
  }
  SUBCASE("a source that fails in the middle of its read: its error, naming the block") {
    auto faults = std::make_shared<test::SourceFaults>();
    faults->fail_batch = 2;
    faults->code = ErrorCode::kPermissionDenied;
    o.checks = {"counts"};
    o.open_source = test::faulty_sources(faults);
    expected = "permission_denied: organization (organization.yaml#1): injected fault at source batch 2";
  }
  SUBCASE("--delta with a check that reads everything") {
    o.delta = true;
    o.checks = {"rows", "counts"};
    expected = "invalid_argument: --delta compares the rows of the last delta and a sample; the counts check reads "
               "everything: run it in a full validate";
  }
  SUBCASE("--delta with --sandbox") {
    o.delta = true;
    o.sandbox = true;
    expected = "invalid_argument: --delta checks the last delta run of the target: no --sandbox";
  }
  SUBCASE("a SQLite target that does not exist") {
    o.target = "sqlite:/nonexistent/cs.db";
    expected = "unreachable: cannot open sqlite:/nonexistent/cs.db: no such file (add ?mode=rwc to create it)";
  }
  auto r = s.try_validate(o);
  REQUIRE_FALSE(r.is_ok());
  CHECK(std::string(error_code_name(r.status().code())) + ": " + r.status().message() == expected);
}

// Organizations with a composite text key (region, code) whose text holds '|' and quotes, migrated
// as 3 shards into SQLite; then rows change in the source behind the migration's back.
TEST_CASE("validate --shard: a target row whose key the source no longer holds is extra in the last shard's "
          "validate only, one the mapping now refuses in its own shard's") {
  test::TempDir dir;
  const std::string source = (dir.path() / "legacy.db").string();
  test::sqlite_exec(source,
              "CREATE TABLE orgs (region TEXT NOT NULL, code TEXT NOT NULL, org_name TEXT, PRIMARY KEY (region, code));"
              "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 60) "
              "INSERT INTO orgs SELECT CASE x % 3 WHEN 0 THEN 'east|1' WHEN 1 THEN 'north''s' ELSE 'west' END, "
              "printf('c%02d', x), 'org ' || x FROM c;");
  const std::string mdir = (dir.path() / "m").string();
  std::filesystem::create_directories(mdir);
  dir.write("m/organization.yaml",
            "entity: organization\nsource: legacy\ntable: orgs\nkey: [region, code]\nfields: {name: org_name}\n"
            "custom: none\n");
  auto cfg = config::load_config(
      dir.write("csbridge.yaml", "version: 1\nsources:\n  legacy: sqlite:" + source + "\ntarget:\n  connection: sqlite:" +
                                     (dir.path() / "cs.db").string() + "\nmappings: " + mdir +
                                     "\noptions: {batch_rows: 7}\n"),
      test_env());
  REQUIRE_MESSAGE(cfg.is_ok(), cfg.status().message());
  auto model = model::builtin_model();
  REQUIRE(model.is_ok());
  auto loaded = mapping::load_mappings(cfg->mappings, *cfg, *model);
  REQUIRE_FALSE(loaded.has_errors());
  migrate::PlanShardsOptions p;
  p.shards = 3;
  auto plan = migrate::write_shard_plan(*cfg, loaded.set, *model, p, "");
  REQUIRE_MESSAGE(plan.is_ok(), plan.status().message());
  for (int k = 1; k <= 3; ++k) {
    migrate::MigrateOptions o;
    o.env = test_env();
    auto ran = migrate::run_shard(*cfg, loaded.set, *model, o, k, 3);
    REQUIRE_MESSAGE(ran.is_ok(), ran.status().message());
    CHECK(ran->finish.has_value() == (k == 3));
  }
  auto validate = [&](const std::string& shard) {
    ValidateOptions o;
    o.env = test_env();
    o.shard = shard;
    o.checks = {"rows"};
    auto r = run_validation(*cfg, loaded.set, *model, o);
    REQUIRE_MESSAGE(r.is_ok(), r.status().message());
    const CheckResult* rows = find(*r, "rows", "organization");
    REQUIRE(rows);
    return *rows;
  };
  for (const char* shard : {"1/3", "2/3", "3/3", ""}) {
    CheckResult rows = validate(shard);
    CHECK_MESSAGE(rows.status == CheckStatus::kPassed, shard);
    CHECK(rows.figure("extra") == 0);
  }
  // Shard 1 holds ("east|1", …), shard 2 ("north's", …), shard 3 ("west", …): 20 keys each.
  test::sqlite_exec(source, "DELETE FROM orgs WHERE region = 'east|1' AND code = 'c03';"
                      "DELETE FROM orgs WHERE region = 'north''s' AND code = 'c31';"
                      "UPDATE orgs SET org_name = NULL WHERE region = 'north''s' AND code = 'c40';");
  CheckResult one = validate("1/3"), two = validate("2/3"), three = validate("3/3"), whole = validate("");
  CHECK(one.status == CheckStatus::kPassed);
  CHECK(one.figure("extra") == 0);
  CHECK(two.figure("extra") == 1);  // refused by the mapping now (name required): its own shard's
  CHECK(names(two, "north's|c40", "extra"));
  CHECK(three.figure("extra") == 2);  // deleted: in no shard's range, the last shard's
  CHECK(three.figure("outside_ranges") == 2);
  CHECK(names(three, "east|1|c03", "extra"));
  CHECK(names(three, "north's|c31", "extra"));
  CHECK(whole.figure("extra") == 3);
  CHECK(one.figure("extra") + two.figure("extra") + three.figure("extra") == whole.figure("extra"));
}

TEST_CASE("validate: the driving table of a block's query is the first table after FROM") {
  using connector::TableRef;
  CHECK(driving_table("SELECT t.id FROM tickets t JOIN orders o ON o.id = t.order_id") == TableRef{"", "tickets"});
  CHECK(driving_table("select * from \"public\".\"Tickets\" where x = 'from y'") == TableRef{"public", "Tickets"});
  CHECK(driving_table("SELECT (SELECT max(id) FROM b) FROM `rt`.Transactions") == TableRef{"rt", "Transactions"});
  CHECK_FALSE(driving_table("SELECT * FROM (SELECT 1) s").has_value());
  CHECK_FALSE(driving_table("SELECT 1").has_value());
  CHECK_FALSE(driving_table("SELECT * FROM generate_series(1, 3)").has_value());
}

}  // namespace
}  // namespace csbridge::validate
