#include "migrate/conflicts.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "connector/registry.h"
#include "mapping/loader.h"
#include "migrate/migrate.h"
#include "migrate/target_store.h"
#include "model/ddl.h"
#include "test_support.h"
#include "validate/plan.h"
#include "validate/validate.h"

namespace csbridge::migrate {
namespace {

TEST_CASE("conflicts: the verdict of three fingerprints, and what each policy does with it") {
  CHECK(decide(std::nullopt, 1, 2) == Verdict::kWrite);  // no base: written as before
  CHECK(decide(1, 1, 2) == Verdict::kWrite);             // not edited in the target
  CHECK(decide(1, 3, 3) == Verdict::kWrite);             // both sides agree
  CHECK(decide(1, 3, 1) == Verdict::kKeepTargetEdit);    // the source has not changed
  CHECK(decide(1, 3, 2) == Verdict::kConflict);

  ConflictAction keep = action(Verdict::kKeepTargetEdit, ConflictPolicy::kSourceWins);
  CHECK_FALSE(keep.write);
  CHECK_FALSE(keep.new_base);
  CHECK(keep.kept_edit);
  ConflictAction reject = action(Verdict::kConflict, ConflictPolicy::kReject);
  CHECK((!reject.write && reject.reject && !reject.new_base && reject.conflict));
  ConflictAction source = action(Verdict::kConflict, ConflictPolicy::kSourceWins);
  CHECK((source.write && !source.reject && source.new_base && source.conflict));
  ConflictAction target = action(Verdict::kConflict, ConflictPolicy::kTargetWins);
  CHECK((!target.write && !target.reject && target.new_base && target.conflict));
}

TEST_CASE("conflicts: a row and its read-back fingerprint alike when the engines print values their own way") {
  model::Model model = model::builtin_model().value();
  LoadSpec spec{"customer", "legacy", {"name", "is_vip", "created_at", "organization_id"}, {"", "", "", "organization"}, {"", "", "", "legacy"}};
  auto resolved = resolve_spec(model, spec);
  REQUIRE(resolved.is_ok());
  connector::Batch rows(5);
  for (const char* v : {"7", "张三 ", "true", "2026-01-02 08:00:00+08:00", "org-1"}) rows.append(v);
  Cells sqlite = {"张三", "1", "2026-01-02 00:00:00+00:00", "org-1"};
  Cells postgres = {"张三", "t", "2026-01-02 00:00:00+00", "org-1"};
  int64_t written = written_fingerprint(*resolved, rows, 0);
  CHECK(current_fingerprint(*resolved, sqlite) == written);
  CHECK(current_fingerprint(*resolved, postgres) == written);
  Cells edited = {"张三", "t", "2026-01-02 00:00:00+00", "legacy2:org-1"};  // now pointing at another system's row
  CHECK(current_fingerprint(*resolved, edited) != written);

  RowReject r = conflict_reject(*resolved, rows, 0, edited);
  CHECK(r.code == "conflict");
  CHECK(r.message.find("organization_id") != std::string::npos);
  CHECK(r.message.find("张三") == std::string::npos);  // names fields, never values
  REQUIRE(r.target_values.size() == 4);
  CHECK(r.target_values[3].second == "legacy2:org-1");
}

enum class Backend { kSqlite, kPostgres };

// Customers and their tickets in a SQLite source, migrated into a fresh target (SQLite, or a
// PostgreSQL schema of its own, dropped at the end); then edits on either side.
struct Project {
  test::TempDir dir;
  Backend backend;
  model::Model model = model::builtin_model().value();
  config::Config config;
  mapping::LoadResult loaded;
  std::string source = (dir.path() / "src.db").string();
  std::string rejects = (dir.path() / "rejects.jsonl").string();
  std::string schema;
  std::unique_ptr<connector::Connector> inspect;

  // `labels`: a third block, tags keyed by (site, no) with a watermark, sites holding '|' and a quote.
  explicit Project(Backend b, bool labels = false) : backend(b) {
    exec("CREATE TABLE people (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, vip INTEGER);"
         "CREATE TABLE cases (id INTEGER PRIMARY KEY, person INTEGER, title TEXT, state TEXT, opened TEXT);"
         "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50) "
         "INSERT INTO people SELECT x, '客户' || x, 'user' || x || '@example.cn', x % 2 FROM c;"
         "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200) "
         "INSERT INTO cases SELECT x, 1 + x % 50, 'case ' || x, 'open', '2026-01-01 08:00:00+08:00' FROM c;");
    config.sources.push_back({});
    config.sources[0].name = "legacy";
    config.sources[0].connection = "sqlite:" + source;
    config.target = config::TargetConfig{};
    if (b == Backend::kSqlite) {
      config.target->connection = "sqlite:" + (dir.path() / "cs.db").string();
    } else {
      static int counter = 0;
      schema = "csb conflicts " + std::to_string(::getpid()) + "_" + std::to_string(counter++);
      config.target->connection = test::require_env("CSBRIDGE_TEST_PG");
      config.target->schema = schema;
    }
    std::string customer = (dir.path() / "customer.yaml").string();
    std::string ticket = (dir.path() / "ticket.yaml").string();
    std::ofstream(customer) << "entity: customer\nsource: legacy\ntable: people\nkey: id\nfields:\n"
                               "  name: full_name\n  email: email\n  is_vip: vip\n"
                               "custom: none\n";
    std::ofstream(ticket) << "entity: ticket\nsource: legacy\ntable: cases\nkey: id\nfields:\n"
                             "  customer_id: {column: person, lookup: customer}\n  subject: title\n"
                             "  status: state\n  priority: {value: normal}\n  channel: {value: email}\n"
                             "  created_at: opened\ncustom: none\n";
    std::vector<std::string> files = {customer, ticket};
    if (labels) {
      exec("CREATE TABLE labels (site TEXT, no INTEGER, label TEXT, updated TEXT, PRIMARY KEY (site, no));"
           "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 30) "
           "INSERT INTO labels SELECT CASE x % 3 WHEN 0 THEN 'a|b' WHEN 1 THEN 'o''hara' ELSE 'plain' END, x, "
           "'label ' || x, '2026-01-01 00:00:00.' || printf('%03d', x) FROM c;");
      files.push_back((dir.path() / "tag.yaml").string());
      std::ofstream(files.back()) << "entity: tag\nsource: legacy\ntable: labels\nkey: [site, no]\n"
                                     "watermark: updated\nfields: {name: label}\ncustom: none\n";
    }
    loaded = mapping::load_mappings(files, config, model);
    REQUIRE_FALSE(loaded.has_errors());
    MigrateSummary first = migrate();
    REQUIRE(first.status == "ok");
    auto opened = connector::open_connector(config.target->connection);
    REQUIRE(opened.is_ok());
    inspect = std::move(*opened);
  }
  ~Project() {
    if (backend == Backend::kPostgres && inspect) {
      (void)inspect->execute("DROP SCHEMA " + model::quote_identifier(schema) + " CASCADE");
    }
  }
  void exec(const std::string& sql) { test::sqlite_exec(source, sql); }
  // The platform's agents edit ticket 7's subject and move ticket 8 to customer 40.
  void edit_tickets_7_and_8() {
    target("UPDATE " + table("ticket") + " SET subject = 'call me on 13912345678' WHERE source_key = '7'");
    target("UPDATE " + table("ticket") + " SET customer_id = (SELECT id FROM " + table("customer") +
           " WHERE source_key = '40') WHERE source_key = '8'");
  }
  void target(const std::string& sql) {
    if (backend == Backend::kSqlite) return test::sqlite_exec((dir.path() / "cs.db").string(), sql);
    Status s = inspect->execute(sql);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
  }
  MigrateSummary migrate(const std::string& policy = "", bool delta = false, size_t max_rereads = 0) {
    MigrateOptions o;
    o.max_conflict_rereads = max_rereads;
    o.env = [](const std::string&) { return std::optional<std::string>(); };
    o.conflicts = policy;
    o.delta = delta;
    o.reject_file = rejects;
    auto run = run_migration(config, loaded.set, model, o);
    REQUIRE_MESSAGE(run.is_ok(), run.status().message());
    return *run;
  }
  std::string table(const std::string& name) const {
    return (schema.empty() ? "" : model::quote_identifier(schema) + ".") + model::quote_identifier(name);
  }
  std::string text(const std::string& sql) {
    connector::ReadRequest r;
    r.query = sql;
    auto reader = inspect->read(r);
    REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
    connector::Batch batch;
    REQUIRE((*reader)->next(batch).value());
    REQUIRE(batch.rows() == 1);
    return batch.is_null(0, 0) ? "NULL" : std::string(batch.get(0, 0));
  }
  std::string subject(int id) {
    return text("SELECT subject FROM " + table("ticket") + " WHERE source_key = '" + std::to_string(id) + "'");
  }
  std::vector<nlohmann::json> reject_lines() {
    std::vector<nlohmann::json> out;
    std::ifstream in(rejects);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  int failed_checks() {
    validate::ValidateOptions o;
    o.env = [](const std::string&) { return std::optional<std::string>(); };
    o.checks = {"rows"};
    auto report = validate::run_validation(config, loaded.set, model, o);
    REQUIRE_MESSAGE(report.is_ok(), report.status().message());
    int failed = 0;
    for (const auto& c : report->checks) failed += c.status == validate::CheckStatus::kFailed ? 1 : 0;
    return failed;
  }
  static const EntityCounts& entity(const MigrateSummary& s, const std::string& name) {
    for (const auto& e : s.entities) {
      if (e.name == name) return e;
    }
    FAIL("no entity " << name);
    return s.entities.at(0);
  }
};

std::vector<Backend> backends() {
  std::vector<Backend> out = {Backend::kSqlite};
  if (std::getenv("CSBRIDGE_TEST_PG")) out.push_back(Backend::kPostgres);
  return out;
}
const char* name(Backend b) { return b == Backend::kSqlite ? "sqlite" : "postgres"; }

TEST_CASE("conflicts: every row written keeps its fingerprint, and a re-run of unchanged rows finds no edit") {
  for (Backend b : backends()) {
    CAPTURE(name(b));
    Project p(b);
    CHECK(p.text("SELECT count(*) FROM " + p.table("csbridge_crosswalk") + " WHERE fingerprint IS NULL") == "0");
    CHECK(p.text("SELECT count(*) FROM " + p.table("csbridge_crosswalk")) == "250");
    MigrateSummary again = p.migrate();
    CHECK(Project::entity(again, "ticket").unchanged == 200);
    CHECK(Project::entity(again, "ticket").conflicts == 0);
    CHECK(Project::entity(again, "ticket").kept_target_edits == 0);
    CHECK(Project::entity(again, "customer").unchanged == 50);
  }
}

TEST_CASE("conflicts: a target edit is kept while the source row is unchanged, and when both change reject, "
          "target_wins and source_wins do what they say") {
  for (Backend b : backends()) {
    CAPTURE(name(b));
    Project p(b);
    p.edit_tickets_7_and_8();
    MigrateSummary kept = p.migrate();
    CHECK(Project::entity(kept, "ticket").kept_target_edits == 2);
    CHECK(Project::entity(kept, "ticket").conflicts == 0);
    CHECK(Project::entity(kept, "ticket").loaded == 0);
    CHECK(Project::entity(kept, "ticket").unchanged == 200);
    CHECK(p.subject(7) == "call me on 13912345678");

    // Both sides changed: rejected, both versions in the reject file, the target untouched.
    p.exec("UPDATE cases SET title = 'changed in the legacy system' WHERE id = 7");
    MigrateSummary rejected = p.migrate();
    CHECK(Project::entity(rejected, "ticket").conflicts == 1);
    CHECK(Project::entity(rejected, "ticket").rejected == 1);
    CHECK(Project::entity(rejected, "ticket").kept_target_edits == 1);  // ticket 8
    CHECK(p.subject(7) == "call me on 13912345678");
    auto lines = p.reject_lines();
    INFO((lines.empty() ? std::string() : lines[0].dump()));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["code"] == "conflict");
    CHECK(lines[0]["source_key"] == "7");
    CHECK(lines[0]["message"].get<std::string>().find("subject") != std::string::npos);
    REQUIRE(lines[0].contains("target"));
    CHECK(lines[0]["target"].contains("subject"));
    CHECK(lines[0]["target"]["subject"].get<std::string>().find("13912345678") == std::string::npos);  // masked
    CHECK(lines[0]["target"]["status"] == "open");                  // no personal data: as it is
    // Still in conflict on the next run (the base stays until it is settled).
    CHECK(Project::entity(p.migrate(), "ticket").conflicts == 1);

    // target_wins keeps the target's version and takes the source's as the new base: silent after.
    MigrateSummary target_wins = p.migrate("target_wins");
    CHECK(Project::entity(target_wins, "ticket").conflicts == 1);
    CHECK(Project::entity(target_wins, "ticket").rejected == 0);
    CHECK(p.subject(7) == "call me on 13912345678");
    MigrateSummary quiet = p.migrate();
    CHECK(Project::entity(quiet, "ticket").conflicts == 0);
    CHECK(Project::entity(quiet, "ticket").kept_target_edits == 2);

    // The source changes again: source_wins writes it; then nothing is pending and validate agrees.
    p.exec("UPDATE cases SET title = 'changed again' WHERE id = 7");
    MigrateSummary source_wins = p.migrate("source_wins");
    CHECK(Project::entity(source_wins, "ticket").conflicts == 1);
    CHECK(Project::entity(source_wins, "ticket").loaded == 1);
    CHECK(p.subject(7) == "changed again");
    p.exec("UPDATE cases SET person = 40 WHERE id = 8");  // the legacy system agrees with the edit
    MigrateSummary agreed = p.migrate();
    CHECK(Project::entity(agreed, "ticket").conflicts == 0);
    CHECK(Project::entity(agreed, "ticket").kept_target_edits == 0);
    CHECK(p.failed_checks() == 0);
  }
}

TEST_CASE("conflicts: migrate --plan tells conflicts and kept target edits from changed rows, as the run then finds them") {
  for (Backend b : backends()) {
    CAPTURE(name(b));
    Project p(b);
    p.edit_tickets_7_and_8();
    p.exec("UPDATE cases SET title = 'changed in the legacy system' WHERE id IN (7, 9)");
    validate::ValidateOptions o;
    o.env = [](const std::string&) { return std::optional<std::string>(); };
    auto plan = validate::plan_migration(p.config, p.loaded.set, p.model, o, "target_wins");
    REQUIRE_MESSAGE(plan.is_ok(), plan.status().message());
    CHECK(plan->conflicts == "target_wins");
    const validate::EntityPlan* ticket = nullptr;
    for (const auto& e : plan->entities) {
      if (e.name == "ticket") ticket = &e;
    }
    REQUIRE(ticket);
    CHECK(ticket->conflicting == 1);
    CHECK(ticket->kept_target_edits == 1);
    CHECK(ticket->changed == 1);
    CHECK(ticket->unchanged == 198);  // 197 equal and the kept edit
    CHECK(ticket->first_keys.at("conflicting") == std::vector<std::string>{"7"});
    CHECK(ticket->first_keys.at("changed") == std::vector<std::string>{"9"});
    // The run finds the same (the plan wrote nothing).
    MigrateSummary run = p.migrate();
    CHECK(Project::entity(run, "ticket").conflicts == 1);
    CHECK(Project::entity(run, "ticket").kept_target_edits == 1);
    CHECK(Project::entity(run, "ticket").loaded == 1);
    CHECK(Project::entity(run, "ticket").unchanged == 198);
    // A plan after the run: the conflict stays until settled; nothing else to write.
    auto after = validate::plan_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(after.is_ok());
    for (const auto& e : after->entities) {
      if (e.name != "ticket") continue;
      CHECK(e.conflicting == 1);
      CHECK(e.changed == 0);
    }
    CHECK(after->conflicts == "reject");
  }
}

TEST_CASE("conflicts: a crosswalk from before fingerprints gets the column, and rows without one are written as "
          "before and get theirs") {
  for (Backend b : backends()) {
    CAPTURE(name(b));
    Project p(b);
    p.target("UPDATE " + p.table("csbridge_crosswalk") + " SET fingerprint = NULL");
    p.target("UPDATE " + p.table("ticket") + " SET subject = 'edited' WHERE source_key = '3'");
    p.exec("UPDATE cases SET title = 'new title' WHERE id = 3");
    MigrateSummary run = p.migrate();
    CHECK(Project::entity(run, "ticket").conflicts == 0);
    CHECK(Project::entity(run, "ticket").loaded == 1);
    CHECK(p.subject(3) == "new title");
    CHECK(p.text("SELECT count(*) FROM " + p.table("csbridge_crosswalk") + " WHERE fingerprint IS NULL") == "0");
  }
}

TEST_CASE("conflicts: a delta reads the rows still in conflict again by their key until they are settled") {
  for (Backend b : backends()) {
    CAPTURE(name(b));
    Project p(b, true);
    auto list = [&] {
      return p.text("SELECT count(*) FROM " + p.table("csbridge_checkpoint") + " WHERE scope LIKE 'conflict:%'");
    };
    // Rows 3 ('a|b', 3) and 4 ('o''hara', 4): edited in the target, then in the source past the mark.
    p.target("UPDATE " + p.table("tag") + " SET name = 'agent' WHERE source_key IN ('a|b|3', 'o''hara|4')");
    p.exec("UPDATE labels SET label = 'legacy', updated = '2026-02-01 00:00:00.000' WHERE no IN (3, 4)");
    MigrateSummary first = p.migrate("", true);
    const EntityCounts& tag = Project::entity(first, "tag");
    CHECK(tag.read == 2);
    CHECK(tag.conflicts == 2);
    CHECK(tag.rejected == 2);
    CHECK(list() == "2");
    // Past the mark nothing changed, but both rows are read again by their composite key.
    MigrateSummary again = p.migrate("", true);
    CHECK(Project::entity(again, "tag").read == 2);
    CHECK(Project::entity(again, "tag").conflicts == 2);
    CHECK(Project::entity(again, "tag").delta.ends_with("and the 2 rows in conflict"));
    // More than a delta reads by key: the block is read whole, and still only the two are in conflict.
    MigrateSummary whole = p.migrate("", true, 1);
    CHECK(Project::entity(whole, "tag").read == 30);
    CHECK(Project::entity(whole, "tag").conflicts == 2);
    CHECK(Project::entity(whole, "tag").delta == "full comparison (2 rows in conflict, over 1 to read by key)");
    CHECK(list() == "2");
    // One is settled by the source agreeing with the target: it leaves the list.
    p.exec("UPDATE labels SET label = 'agent' WHERE no = 3");
    MigrateSummary agreed = p.migrate("", true);
    CHECK(Project::entity(agreed, "tag").read == 2);
    CHECK(Project::entity(agreed, "tag").conflicts == 1);  // row 4 still
    CHECK(Project::entity(agreed, "tag").rejected == 1);
    CHECK(Project::entity(agreed, "tag").unchanged == 1);
    CHECK(list() == "1");
    // source_wins on a delta writes the other; the list is empty and the next delta reads nothing.
    MigrateSummary settled = p.migrate("source_wins", true);
    CHECK(Project::entity(settled, "tag").loaded == 1);
    CHECK(p.text("SELECT name FROM " + p.table("tag") + " WHERE source_key = 'o''hara|4'") == "legacy");
    CHECK(list() == "0");
    CHECK(Project::entity(p.migrate("", true), "tag").read == 0);
    // A row in conflict that the source then deletes stays listed until a full run begins the list anew.
    p.target("UPDATE " + p.table("tag") + " SET name = 'agent' WHERE source_key = 'plain|5'");
    p.exec("UPDATE labels SET label = 'legacy', updated = '2026-03-01 00:00:00.000' WHERE no = 5");
    CHECK(Project::entity(p.migrate("", true), "tag").conflicts == 1);
    p.exec("DELETE FROM labels WHERE no = 5");
    CHECK(Project::entity(p.migrate("", true), "tag").read == 0);
    CHECK(list() == "1");
    MigrateSummary full = p.migrate();
    CHECK(Project::entity(full, "tag").conflicts == 0);
    CHECK(list() == "0");
  }
}

}  // namespace
}  // namespace csbridge::migrate
