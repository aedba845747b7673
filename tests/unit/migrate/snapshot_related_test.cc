// Related rows (`from:` fields) read in the run's snapshot (connector/snapshot.h).
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>
#include <string>

#include "connector/registry.h"
#include "connector/snapshot.h"
#include "mapping/loader.h"
#include "migrate/migrate.h"
#include "model/ddl.h"
#include "test_support.h"
#include "util/strings.h"

namespace csbridge::migrate {
namespace {

// A source that changes its related table through another session at its first
// read — after the run took its snapshot, before any related row is read.
class ChangingSource final : public connector::Connector, public connector::SnapshotSource {
 public:
  ChangingSource(std::unique_ptr<connector::Connector> inner, std::unique_ptr<connector::Connector> writer,
                 std::string change)
      : inner_(std::move(inner)), writer_(std::move(writer)), change_(std::move(change)) {}
  Result<std::string> hold_snapshot() override {
    return dynamic_cast<connector::SnapshotSource&>(*inner_).hold_snapshot();
  }
  bool concurrent_reads() const override {
    return dynamic_cast<const connector::SnapshotSource&>(*inner_).concurrent_reads();
  }
  Result<std::unique_ptr<connector::Connector>> related_reader() override {
    return dynamic_cast<connector::SnapshotSource&>(*inner_).related_reader();
  }
  Result<std::unique_ptr<connector::RowReader>> read(const connector::ReadRequest& request) override {
    if (!change_.empty()) {
      CSB_RETURN_IF_ERROR(writer_->execute(change_));
      change_.clear();
    }
    return inner_->read(request);
  }
  Result<connector::SourceInfo> info() override { return inner_->info(); }
  Result<std::vector<connector::TableRef>> list_tables() override { return inner_->list_tables(); }
  Result<connector::TableInfo> describe(const connector::TableRef& t) override { return inner_->describe(t); }
  Result<connector::RowCount> count(const connector::TableRef& t, bool estimate) override {
    return inner_->count(t, estimate);
  }
  std::string backend() const override { return inner_->backend(); }

 private:
  std::unique_ptr<connector::Connector> inner_, writer_;
  std::string change_;
};

// Migrates two people whose names come through `from:` while the first read of the source
// changes every name: returns the names loaded, the run's snapshot line and how many source
// connections the run opened. `source` holds tables `prefix`people and `prefix`names.
struct RelatedRun {
  std::string names, snapshot;
  int opened = 0;
};
RelatedRun migrate_related(const std::string& source, const std::string& prefix) {
  test::TempDir dir;
  model::Model model = model::builtin_model().value();
  config::Config config;
  config.sources.push_back({});
  config.sources[0].name = "legacy";
  config.sources[0].connection = source;
  config.target = config::TargetConfig{};
  config.target->connection = "sqlite:" + (dir.path() / "cs.db").string();
  std::string file = (dir.path() / "customer.yaml").string();
  std::ofstream(file) << "entity: customer\nsource: legacy\ntable: " << prefix
                      << "people\nkey: id\nfields:\n  name:\n    from: {table: " << prefix
                      << "names, key: person, column: name}\ncustom: none\n";
  mapping::LoadResult loaded = mapping::load_mappings({file}, config, model);
  REQUIRE_FALSE(loaded.has_errors());

  MigrateOptions o;
  o.env = [](const std::string&) { return std::optional<std::string>(); };
  RelatedRun out;
  o.open_source = [&](const config::SourceConfig& s) -> Result<std::unique_ptr<connector::Connector>> {
    CSB_ASSIGN_OR_RETURN(auto inner, connector::open_connector(s.connection));
    if (out.opened++ > 0) return inner;  // a second connection: outside the snapshot
    CSB_ASSIGN_OR_RETURN(auto writer, connector::open_connector(s.connection));
    return std::unique_ptr<connector::Connector>(std::make_unique<ChangingSource>(
        std::move(inner), std::move(writer), "UPDATE " + prefix + "names SET name = 'after'"));
  };
  auto run = run_migration(config, loaded.set, model, o);
  REQUIRE_MESSAGE(run.is_ok(), run.status().message());
  CHECK(run->entities.at(0).loaded == 2);
  out.snapshot = run->entities.at(0).snapshot;

  auto target = connector::open_connector(config.target->connection);
  REQUIRE(target.is_ok());
  connector::ReadRequest r;
  r.query = "SELECT group_concat(name, ',') FROM customer";
  auto reader = (*target)->read(r);
  REQUIRE(reader.is_ok());
  connector::Batch batch;
  REQUIRE((*reader)->next(batch).value());
  out.names = std::string(batch.get(0, 0));
  return out;
}

constexpr const char* kPeople =
    "CREATE TABLE %people (id integer PRIMARY KEY); CREATE TABLE %names (person integer, name varchar(20)); "
    "INSERT INTO %people VALUES (1), (2); INSERT INTO %names VALUES (1, 'before'), (2, 'before')";

std::string with_prefix(std::string sql, const std::string& prefix) {
  for (size_t at = sql.find('%'); at != std::string::npos; at = sql.find('%', at + prefix.size())) {
    sql.replace(at, 1, prefix);
  }
  return sql;
}

TEST_CASE("migrate: the related rows of from: fields are read in the run's PostgreSQL snapshot") {
  std::string pg = test::require_env("CSBRIDGE_TEST_PG");
  std::string schema = "csb_related_" + std::to_string(::getpid());
  auto admin = connector::open_connector(pg);
  REQUIRE(admin.is_ok());
  REQUIRE((*admin)->execute("CREATE SCHEMA " + schema + "; " + with_prefix(kPeople, schema + ".")).is_ok());
  RelatedRun run = migrate_related(pg, schema + ".");
  CHECK_MESSAGE(run.snapshot.find("PostgreSQL snapshot") == 0, run.snapshot);
  CHECK(run.opened == 1);  // the related rows were read through the run's own source, not a second connection
  CHECK(run.names == "before,before");  // as of the snapshot, not the change made after it
  (void)(*admin)->execute("DROP SCHEMA " + schema + " CASCADE");
}

TEST_CASE("migrate: the related rows of from: fields are read in the run's SQLite read transaction") {
  test::TempDir dir;
  std::string db = (dir.path() / "legacy.db").string();
  test::sqlite_exec(db, "PRAGMA journal_mode = WAL; " + with_prefix(kPeople, ""));  // WAL: the writer does not wait
  RelatedRun run = migrate_related("sqlite:" + db, "");
  CHECK(run.snapshot == "SQLite read transaction");
  CHECK(run.opened == 1);
  CHECK(run.names == "before,before");
}

TEST_CASE("migrate: through ODBC the related rows are read on a connection of their own, outside the snapshot") {
  std::string schema = "csb_related_" + std::to_string(::getpid());
  struct Case {
    const char* env;
    std::string prefix;
    const char* snapshot;
  };
  for (const Case& c : {Case{"CSBRIDGE_TEST_PG_ODBC", schema + ".", "PostgreSQL"},
                        Case{"CSBRIDGE_TEST_MARIADB_ODBC", schema + "_", "consistent snapshot"}}) {
    CAPTURE(c.env);
    std::string odbc = test::require_env(c.env);
    auto admin = connector::open_connector(odbc);
    REQUIRE(admin.is_ok());
    if (c.prefix.back() == '.') {
      REQUIRE((*admin)->execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE").is_ok());
      REQUIRE((*admin)->execute("CREATE SCHEMA " + schema).is_ok());
    } else {
      REQUIRE((*admin)->execute("DROP TABLE IF EXISTS " + c.prefix + "people, " + c.prefix + "names").is_ok());
    }
    const std::string setup = with_prefix(kPeople, c.prefix);
    for (std::string_view statement : util::split(setup, ';')) REQUIRE((*admin)->execute(statement).is_ok());
    RelatedRun run = migrate_related(odbc, c.prefix);
    CHECK_MESSAGE(run.snapshot.find(c.snapshot) != std::string::npos, run.snapshot);
    CHECK(run.opened > 1);  // the snapshot cannot be shared with a second connection
    if (c.prefix.back() == '.') (void)(*admin)->execute("DROP SCHEMA " + schema + " CASCADE");
    else (void)(*admin)->execute("DROP TABLE " + c.prefix + "people, " + c.prefix + "names");
  }
}

}  // namespace
}  // namespace csbridge::migrate
