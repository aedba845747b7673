// Fault injection over every write, commit and read of a small migration (issue 18): for each N,
// the Nth load fails before it writes, inside its transaction (after the rows, crosswalk entries,
// checkpoints and the reject file's flush, before COMMIT) and after its COMMIT; the Nth call of
// every other target operation fails; the Nth batch read from the source fails. Each failure is
// permanent (the run stops); the next run, with no fault, must complete and leave the target, the
// crosswalk and the reject file exactly as one clean run does.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <fstream>
#include <map>
#include <set>

#include "faulty_connector.h"
#include "faulty_target_store.h"
#include "mapping/loader.h"
#include "migrate/migrate.h"
#include "test_support.h"

namespace csbridge::migrate {
namespace {

std::vector<std::string> query(const std::string& db_path, const std::string& sql) {
  std::vector<std::string> rows;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE_MESSAGE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK, sqlite3_errmsg(db));
  while (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(st, 0);
    rows.emplace_back(t ? reinterpret_cast<const char*>(t) : "NULL");
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

// 60 organizations (every 25th without a name: rejected) and 240 customers of them (those of the
// rejected organizations and of 61…70, which do not exist, rejected as orphans; every 50th phone
// 'n/a'), in batches of 20: 3 + 12 loads, the rows of both through the crosswalk.
struct SmallMigration {
  test::TempDir dir;
  model::Model model = model::builtin_model().value();
  config::Config config;
  mapping::LoadResult loaded;

  SmallMigration() {
    std::string source = (dir.path() / "legacy.db").string();
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(source.c_str(), &db) == SQLITE_OK);
    int rc = sqlite3_exec(
        db,
        "CREATE TABLE orgs (id INTEGER PRIMARY KEY, org_name TEXT);"
        "CREATE TABLE people (id INTEGER PRIMARY KEY, full_name TEXT, org_id INTEGER, phone TEXT);"
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 60) "
        "INSERT INTO orgs SELECT x, CASE WHEN x % 25 = 0 THEN NULL ELSE 'org ' || x END FROM c;"
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 240) "
        "INSERT INTO people SELECT x, '客户' || x, 1 + x % 70, "
        "CASE WHEN x % 50 = 0 THEN 'n/a' ELSE '138' || printf('%08d', x) END FROM c;",
        nullptr, nullptr, nullptr);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
    auto c = config::load_config(test::source_dir() + "/samples/csbridge.yaml");
    REQUIRE(c.is_ok());
    config = std::move(c).value();
    config.sources[0].connection = "sqlite:" + source;
    config.options.batch_rows = 20;
    std::string org = (dir.path() / "organization.yaml").string();
    std::string customer = (dir.path() / "customer.yaml").string();
    std::ofstream(org) << "entity: organization\nsource: helpdesk\ntable: orgs\nkey: id\nfields:\n  name: org_name\n"
                          "custom: none\n";
    std::ofstream(customer) << "entity: customer\nsource: helpdesk\ntable: people\nkey: id\nfields:\n"
                               "  name: full_name\n  organization_id: {column: org_id, lookup: organization}\n"
                               "  phone: {column: phone, steps: [phone]}\ncustom: none\n";
    loaded = mapping::load_mappings({org, customer}, config, model);
    REQUIRE_FALSE(loaded.has_errors());
  }

  MigrateOptions options(const std::string& name, std::shared_ptr<test::Faults> faults,
                         std::shared_ptr<test::SourceFaults> source_faults) const {
    MigrateOptions o;
    o.target = "sqlite:" + (dir.path() / (name + ".db")).string();
    o.reject_file = (dir.path() / (name + ".rejects.jsonl")).string();
    o.env = [](const std::string&) { return std::optional<std::string>(); };
    o.open_target = test::faulty_targets(std::move(faults));
    o.open_source = test::faulty_sources(std::move(source_faults));
    return o;
  }

  // What a run chain left: rows by legacy key (with the legacy key of their organization), the
  // crosswalk, the checkpoints, and the reject file's (entity, key, code) lines, sorted.
  std::map<std::string, std::vector<std::string>> state(const std::string& name) const {
    std::string db = (dir.path() / (name + ".db")).string();
    std::map<std::string, std::vector<std::string>> out;
    out["organization"] = query(db, "SELECT source_key || '|' || name FROM organization ORDER BY source_key");
    out["customer"] = query(db,
                            "SELECT c.source_key || '|' || c.name || '|' || coalesce(c.phone, '-') || '|' || "
                            "coalesce(o.source_key, '-') FROM customer c LEFT JOIN organization o "
                            "ON o.id = c.organization_id ORDER BY c.source_key");
    out["crosswalk"] = query(db,
                             "SELECT x.entity || '|' || x.source_key FROM csbridge_crosswalk x "
                             "ORDER BY x.entity, x.source_key");
    out["checkpoints"] = query(db, "SELECT count(*) FROM csbridge_checkpoint");
    std::ifstream in((dir.path() / (name + ".rejects.jsonl")).string());
    auto& rejects = out["rejects"];
    for (std::string line; std::getline(in, line);) {
      auto field = [&](const std::string& k) {
        size_t at = line.find("\"" + k + "\":\"");
        return at == std::string::npos ? std::string("?")
                                       : line.substr(at + k.size() + 4, line.find('"', at + k.size() + 4) - at - k.size() - 4);
      };
      rejects.push_back(field("entity") + "|" + field("source_key") + "|" + field("code"));
    }
    std::sort(rejects.begin(), rejects.end());
    return out;
  }
};

struct Sweep {
  SmallMigration m;
  std::map<std::string, std::vector<std::string>> clean;
  int loads = 0, calls = 0, batches = 0;
  int runs = 0;
  std::map<std::string, int> calls_hit;  // the operations the call faults landed in

  Sweep() {
    auto faults = std::make_shared<test::Faults>();
    auto source_faults = std::make_shared<test::SourceFaults>();
    auto s = run_migration(m.config, m.loaded.set, m.model, m.options("clean", faults, source_faults));
    REQUIRE_MESSAGE(s.is_ok(), s.status().message());
    loads = faults->loads;
    calls = faults->calls;
    batches = source_faults->batches;
    clean = m.state("clean");
  }

  // One failed run with the given faults, then a run without; the chain must equal the clean run.
  void check(const std::string& what, const std::shared_ptr<test::Faults>& faults,
             const std::shared_ptr<test::SourceFaults>& source_faults) {
    INFO(what);
    std::string name = "run" + std::to_string(++runs);
    auto failed = run_migration(m.config, m.loaded.set, m.model, m.options(name, faults, source_faults));
    CHECK(faults->failed + source_faults->failed == 1);
    if (!faults->failed_call.empty()) ++calls_hit[faults->failed_call];
    REQUIRE_FALSE(failed.is_ok());
    CHECK(failed.status().message().find("injected fault") != std::string::npos);
    auto resumed = run_migration(m.config, m.loaded.set, m.model,
                                 m.options(name, std::make_shared<test::Faults>(),
                                           std::make_shared<test::SourceFaults>()));
    REQUIRE_MESSAGE(resumed.is_ok(), resumed.status().message());
    int64_t in_target = 0, rejected = 0, read = 0;
    for (const auto& e : resumed->entities) {
      in_target += e.chain_in_target();
      rejected += e.chain_rejected();
      read += e.read + e.skipped;
    }
    CHECK(read == 300);                    // every source row once over the chain
    CHECK(in_target + rejected == 300);
    auto now = m.state(name);
    for (const auto& [part, rows] : clean) {
      INFO(part);
      CHECK(now[part] == rows);
    }
  }
};

TEST_CASE("migrate: a permanent fault at every load, call and source batch leaves a chain that resumes to a clean run") {
  Sweep sweep;
  REQUIRE(sweep.clean.at("organization").size() == 58);
  // 40 customers of the organizations 25, 50 (rejected) and 61…70 (none) are orphans
  REQUIRE(sweep.clean.at("customer").size() == 200);
  REQUIRE(sweep.clean.at("rejects").size() == 2 + 40);  // the nameless organizations and the orphans
  REQUIRE(sweep.clean.at("checkpoints") == std::vector<std::string>{"0"});
  REQUIRE(sweep.loads >= 15);
  MESSAGE("fault points: " << sweep.loads << " loads x 3 phases, " << sweep.calls << " other target calls, "
                           << sweep.batches << " source batches");

  SUBCASE("loads: before the write, inside the transaction, after the commit") {
    for (int n = 1; n <= sweep.loads; ++n) {
      for (int phase = 0; phase < 3; ++phase) {
        auto faults = std::make_shared<test::Faults>();
        faults->fail_load = n;
        faults->code = ErrorCode::kData;
        faults->in_transaction = phase == 1;
        faults->after_commit = phase == 2;
        sweep.check("load " + std::to_string(n) + " phase " + std::to_string(phase), faults,
                    std::make_shared<test::SourceFaults>());
      }
    }
  }
  SUBCASE("every other call to the target: lock, prepare, checkpoints, run records, lookups") {
    for (int n = 1; n <= sweep.calls; ++n) {
      auto faults = std::make_shared<test::Faults>();
      faults->fail_call = n;
      faults->code = ErrorCode::kData;
      sweep.check("call " + std::to_string(n), faults, std::make_shared<test::SourceFaults>());
    }
    std::string hit;
    for (const auto& [op, count] : sweep.calls_hit) hit += " " + op + " x" + std::to_string(count);
    MESSAGE("calls failed:" << hit);
  }
  SUBCASE("every batch read from the source") {
    for (int n = 1; n <= sweep.batches; ++n) {
      auto source_faults = std::make_shared<test::SourceFaults>();
      source_faults->fail_batch = n;
      source_faults->code = ErrorCode::kData;
      sweep.check("source batch " + std::to_string(n), std::make_shared<test::Faults>(), source_faults);
    }
  }
}

}  // namespace
}  // namespace csbridge::migrate
