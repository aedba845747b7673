#include "migrate/migrate.h"

#include <doctest/doctest.h>

#include <atomic>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "connector/odbc_connector.h"
#include "connector/registry.h"
#include "mapping/loader.h"
#include "migrate/target_store.h"
#include "faulty_connector.h"
#include "faulty_target_store.h"
#include "test_support.h"

namespace csbridge::migrate {
namespace {

// The sample helpdesk and its mappings, migrated into a SQLite file in a temp dir.
struct SampleProject {
  test::TempDir dir;
  model::Model model = model::builtin_model().value();
  config::Config config;
  mapping::LoadResult loaded;

  SampleProject() {
    auto c = config::load_config(test::source_dir() + "/samples/csbridge.yaml");
    REQUIRE(c.is_ok());
    config = std::move(c).value();
    config.sources[0].connection = std::string("sqlite:") + CSBRIDGE_SAMPLE_DB;
    config.target->connection = "sqlite:" + (dir.path() / "cs.db").string();
    loaded = mapping::load_mappings(config.mappings, config, model);
    REQUIRE_FALSE(loaded.has_errors());
  }
  MigrateOptions options() const {
    MigrateOptions o;
    o.reject_file = (dir.path() / "rejects.jsonl").string();
    o.env = [](const std::string&) { return std::optional<std::string>(); };
    return o;
  }
  const EntityCounts& entity(const MigrateSummary& s, const std::string& name) {
    for (const auto& e : s.entities) {
      if (e.name == name) return e;
    }
    FAIL("no entity " << name);
    return s.entities.front();
  }
};

TEST_CASE("migrate: the sample helpdesk loads with only the planted dirt rejected, and reconciles") {
  SampleProject p;
  auto s = run_migration(p.config, p.loaded.set, p.model, p.options());
  REQUIRE(s.is_ok());
  CHECK(s->status == "ok");
  for (const auto& e : s->entities) {
    INFO(e.name);
    CHECK(e.read == e.loaded + e.unchanged + e.rejected + e.filtered);
  }
  CHECK(p.entity(*s, "ticket").loaded == 400);
  CHECK(p.entity(*s, "ticket_message").rejected == 5);  // replies of deleted spam tickets
  CHECK(p.entity(*s, "ticket_tag").rejected == 3);      // links to the deleted tag 11
  CHECK(p.entity(*s, "attachment").rejected == 2);      // files of deleted replies
  CHECK(p.entity(*s, "customer").rejected == 0);        // invalid phones kept in custom (on_error: null)

  std::ifstream in(p.options().reject_file);
  std::string line, all;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    all += line + "\n";
  }
  CHECK(lines == 14);
  CHECK(all.find("\"code\":\"orphan_reference\"") != std::string::npos);
  CHECK(all.find("13089588147") == std::string::npos);  // values in reject files are masked

  SUBCASE("a second run writes nothing and ends with no checkpoints") {
    auto again = run_migration(p.config, p.loaded.set, p.model, p.options());
    REQUIRE(again.is_ok());
    for (const auto& e : again->entities) {
      INFO(e.name);
      CHECK(e.loaded == 0);  // a run that writes nothing says unchanged, not loaded
      CHECK(e.unchanged == e.read - e.rejected - e.filtered);
    }
    auto store = TargetStore::open(p.config.target->connection, "", p.model);
    REQUIRE(store.is_ok());
    auto cp = (*store)->checkpoints("");
    REQUIRE(cp.is_ok());
    CHECK(cp->empty());
    auto runs = (*store)->list_runs(10);
    REQUIRE(runs.is_ok());
    CHECK(runs->size() == 2);
  }
}

TEST_CASE("migrate: run options") {
  SampleProject p;
  SUBCASE("dry run writes no target") {
    MigrateOptions o = p.options();
    o.dry_run = true;
    auto s = run_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(s.is_ok());
    CHECK(s->status == "dry_run");
    CHECK_FALSE(std::filesystem::exists(p.dir.path() / "cs.db"));
  }
  SUBCASE("a sample filters by the legacy key, and counts still reconcile") {
    MigrateOptions o = p.options();
    o.sample_percent = 30;
    o.entities = {"organization", "customer", "tag"};
    auto s = run_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(s.is_ok());
    const EntityCounts& c = p.entity(*s, "customer");
    CHECK(c.filtered > 30);
    CHECK(c.filtered < 110);
    CHECK(c.read == c.loaded + c.unchanged + c.rejected + c.filtered);
  }
  SUBCASE("limit and where slice each block") {
    MigrateOptions o = p.options();
    o.entities = {"tag"};
    o.limit = 5;
    auto s = run_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(s.is_ok());
    CHECK(p.entity(*s, "tag").read == 5);
  }
  SUBCASE("too many rejects") {
    MigrateOptions o = p.options();
    o.max_rejects_percent = 0.1;
    auto s = run_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(s.is_ok());
    CHECK(s->status == "too_many_rejects");
  }
  SUBCASE("usage errors") {
    MigrateOptions o = p.options();
    o.entities = {"tickets"};
    CHECK(run_migration(p.config, p.loaded.set, p.model, o).status().message() ==
          "--entities: no mapping block loads 'tickets'");
    o = p.options();
    o.since = "2024-01-01";
    o.entities = {"tag"};
    CHECK(run_migration(p.config, p.loaded.set, p.model, o).status().message() ==
          "tag (tag.yaml#1): --since needs a 'watermark:' column in the mapping block");
    o = p.options();
    o.sample_percent = 0;
    CHECK(run_migration(p.config, p.loaded.set, p.model, o).status().code() == ErrorCode::kInvalidArgument);
  }
}

// Sets checkpoint `scope` to `position` the way a loader does: with a batch (an empty one).
void set_checkpoint(TargetStore& store, const std::string& scope, const std::string& position) {
  connector::Batch none(4);
  auto loaded = store.load({"organization", "crm", {"name", "domain", "custom"}, {}, {}}, none, scope, position, "r0");
  REQUIRE_MESSAGE(loaded.is_ok(), loaded.status().message());
}

TEST_CASE("migrate: a resumed block skips what its loaders and batch records say an interrupted run committed") {
  SampleProject p;
  MigrateOptions o = p.options();
  o.entities = {"tag"};
  auto first = run_migration(p.config, p.loaded.set, p.model, o);
  REQUIRE(first.is_ok());
  const int64_t tags = p.entity(*first, "tag").read;
  REQUIRE(tags > 10);
  auto store = TargetStore::open(p.config.target->connection, "", p.model);
  REQUIRE(store.is_ok());

  SUBCASE("loaders of an interrupted run, one of them from a run with more loaders") {
    // Loader 1 committed up to row 3, loader 0 up to 7, and a loader 9 up to 5: rows 4…7 may
    // lack a batch of loader 1, so the run starts after row 3.
    set_checkpoint(**store, "tag#1:tag/0", "7");
    set_checkpoint(**store, "tag#1:tag/1", "3");
    set_checkpoint(**store, "tag#1:tag/9", "5");
    set_checkpoint(**store, "tag#10:tag/0", "1");  // another block: never read, left alone
    auto resumed = run_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(resumed.is_ok());
    const EntityCounts& t = p.entity(*resumed, "tag");
    CHECK(t.skipped == 3);
    CHECK(t.read == tags - 3);
    CHECK(t.loaded == 0);
    CHECK(t.unchanged == t.read);
    auto left = (*store)->checkpoints("");
    REQUIRE(left.is_ok());
    CHECK(*left == std::vector<std::pair<std::string, std::string>>{{"tag#10:tag/0", "1"}});
  }
  SUBCASE("a position that is not a row count starts the block over") {
    set_checkpoint(**store, "tag#1:tag/0", "7");
    set_checkpoint(**store, "tag#1:tag/1", "seven");
    auto resumed = run_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(resumed.is_ok());
    CHECK(p.entity(*resumed, "tag").skipped == 0);
    CHECK(p.entity(*resumed, "tag").read == tags);
  }
  SUBCASE("batches past the smallest loader position") {
    // Both loaders at row 3; another loader's batch of rows 6…8 committed too (one of them rejected).
    set_checkpoint(**store, "tag#1:tag/0", "3");
    set_checkpoint(**store, "tag#1:tag/1", "3");
    set_checkpoint(**store, "tag#1:tag@000000000003", "1 3 3 3 0 0 0 0");
    set_checkpoint(**store, "tag#1:tag@000000000008", "6 8 3 2 0 1 0 0");
    auto resumed = run_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(resumed.is_ok());
    const EntityCounts& t = p.entity(*resumed, "tag");
    CHECK(t.skipped == 6);
    CHECK(t.read == tags - 6);
    CHECK(t.resumed_loaded == 5);
    CHECK(t.resumed_rejected == 1);
    CHECK(t.chain_in_target() == t.unchanged + 5);
    auto left = (*store)->checkpoints("");
    REQUIRE(left.is_ok());
    CHECK(left->empty());
  }
  SUBCASE("a block the interrupted run finished is not read again") {
    set_checkpoint(**store, "tag#1:tag/0", std::to_string(tags));
    set_checkpoint(**store, "tag#1:tag@000000000009", "1 9 9 9 0 0 0 0");
    set_checkpoint(**store, "tag#1:tag@" + std::string(12 - std::to_string(tags).size(), '0') + std::to_string(tags),
                   "10 " + std::to_string(tags) + " " + std::to_string(tags - 9) + " 0 " + std::to_string(tags - 9) +
                       " 0 0 0");
    set_checkpoint(**store, "tag#1:tag!done", "done");
    auto resumed = run_migration(p.config, p.loaded.set, p.model, o);
    REQUIRE(resumed.is_ok());
    const EntityCounts& t = p.entity(*resumed, "tag");
    CHECK(t.read == 0);
    CHECK(t.skipped == tags);
    CHECK(t.resumed_loaded == tags);
    CHECK(t.chain_in_target() == tags);
  }
}

// 1,000 tags, every 100th without a name (a required_missing reject), in batches of 50.
struct TagsProject : SampleProject {
  mapping::LoadResult tags;
  TagsProject() {
    std::string source = (dir.path() / "tags.db").string();
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(source.c_str(), &db) == SQLITE_OK);
    int rc = sqlite3_exec(db,
                          "CREATE TABLE tags (id INTEGER PRIMARY KEY, tag_name TEXT);"
                          "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) "
                          "INSERT INTO tags SELECT x, CASE WHEN x % 100 = 0 THEN NULL ELSE 'tag ' || x END FROM c",
                          nullptr, nullptr, nullptr);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
    config.sources[0].connection = "sqlite:" + source;
    config.options.batch_rows = 50;
    std::string file = (dir.path() / "tag.yaml").string();
    std::ofstream(file) << "entity: tag\nsource: helpdesk\ntable: tags\nkey: id\nfields:\n  name: tag_name\n";
    tags = mapping::load_mappings({file}, config, model);
    REQUIRE_FALSE(tags.has_errors());
  }
  std::vector<std::string> reject_keys(const std::string& file) const {
    std::ifstream in(file);
    std::vector<std::string> keys;
    for (std::string line; std::getline(in, line);) {
      size_t at = line.find("\"source_key\":\"");
      if (at != std::string::npos) keys.push_back(line.substr(at + 14, line.find('"', at + 14) - at - 14));
    }
    return keys;
  }
};

TEST_CASE("migrate: faults injected into the target's loads lose, repeat and re-reject no row") {
  TagsProject p;
  auto faults = std::make_shared<test::Faults>();
  MigrateOptions o = p.options();
  o.open_target = test::faulty_targets(faults);

  SUBCASE("a dropped connection at the 7th load is retried and the run completes") {
    faults->fail_load = 7;
    auto s = run_migration(p.config, p.tags.set, p.model, o);
    REQUIRE_MESSAGE(s.is_ok(), s.status().message());
    CHECK(faults->failed == 1);
    const EntityCounts& t = p.entity(*s, "tag");
    CHECK(t.loaded == 990);
    CHECK(t.rejected == 10);
    CHECK(p.reject_keys(o.reject_file).size() == 10);
  }
  SUBCASE("the reply of a committed load is lost: the retry finds it committed and writes nothing twice") {
    faults->fail_load = 7;
    faults->after_commit = true;
    auto s = run_migration(p.config, p.tags.set, p.model, o);
    REQUIRE_MESSAGE(s.is_ok(), s.status().message());
    const EntityCounts& t = p.entity(*s, "tag");
    CHECK(t.loaded + t.unchanged == 990);
    CHECK(t.rejected == 10);
  }
  SUBCASE("a permanent failure stops the run; the resumed chain has every row once and every reject line once") {
    faults->fail_load = 9;
    faults->code = ErrorCode::kData;
    auto failed = run_migration(p.config, p.tags.set, p.model, o);
    REQUIRE_FALSE(failed.is_ok());
    CHECK(failed.status().message().find("injected fault at load 9") != std::string::npos);
    faults->fail_load = 0;
    o.resume_only = true;
    auto resumed = run_migration(p.config, p.tags.set, p.model, o);
    REQUIRE_MESSAGE(resumed.is_ok(), resumed.status().message());
    const EntityCounts& t = p.entity(*resumed, "tag");
    CHECK(t.skipped == 400);  // 8 batches of 50 committed before the 9th failed
    CHECK(t.read == 600);
    CHECK(t.resumed_loaded == 396);
    CHECK(t.resumed_rejected == 4);
    CHECK(t.chain_in_target() == 990);
    CHECK(t.chain_rejected() == 10);
    auto keys = p.reject_keys(o.reject_file);
    CHECK(keys.size() == 10);
    CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == 10);
  }
  SUBCASE("a run stopped after its batch's reject lines were synced, resumed with another reject file: "
          "the two files hold every reject once") {
    faults->fail_load = 8;  // rows 351-400: the line of 400 is synced, then the batch rolls back
    faults->in_transaction = true;
    faults->code = ErrorCode::kData;
    REQUIRE_FALSE(run_migration(p.config, p.tags.set, p.model, o).is_ok());
    const std::string first = o.reject_file;
    CHECK(p.reject_keys(first) == std::vector<std::string>{"100", "200", "300", "400"});
    faults->fail_load = 0;
    o.reject_file = first + ".second";
    auto resumed = run_migration(p.config, p.tags.set, p.model, o);
    REQUIRE_MESSAGE(resumed.is_ok(), resumed.status().message());
    CHECK(p.entity(*resumed, "tag").chain_rejected() == 10);
    auto keys = p.reject_keys(first);
    for (const auto& k : p.reject_keys(o.reject_file)) keys.push_back(k);
    CHECK(keys.size() == 10);
    CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == 10);
    // The chain completed: its runs' reject files are forgotten; a new chain starts afresh.
    o.reject_file = first + ".third";
    REQUIRE(run_migration(p.config, p.tags.set, p.model, o).is_ok());
    CHECK(p.reject_keys(o.reject_file).size() == 10);
  }
}

TEST_CASE("migrate: a source that drops mid-read stops the run and the next run resumes where it stopped") {
  TagsProject p;
  auto faults = std::make_shared<test::SourceFaults>();
  faults->fail_batch = 6;
  MigrateOptions o = p.options();
  o.open_source = test::faulty_sources(faults);
  auto failed = run_migration(p.config, p.tags.set, p.model, o);
  REQUIRE_FALSE(failed.is_ok());
  CHECK(failed.status().code() == ErrorCode::kUnreachable);
  CHECK(failed.status().message() == "tag (tag.yaml#1): injected fault at source batch 6");
  faults->fail_batch = 0;
  o.resume_only = true;
  auto resumed = run_migration(p.config, p.tags.set, p.model, o);
  REQUIRE_MESSAGE(resumed.is_ok(), resumed.status().message());
  const EntityCounts& t = p.entity(*resumed, "tag");
  CHECK(t.skipped > 0);
  CHECK(t.read + t.skipped == 1000);
  CHECK(t.chain_in_target() == 990);
  CHECK(t.chain_rejected() == 10);
  CHECK(p.reject_keys(o.reject_file).size() == 10);
}

// Sets the stop flag (as SIGTERM's handler does) once the run has read `after` batches.
struct StopAfter : util::Progress {
  std::atomic<int>& flag;
  int after, batches = 0;
  StopAfter(std::atomic<int>& f, int n) : flag(f), after(n) {}
  void started(std::string_view, std::string_view, int64_t, bool) override {}
  void advanced(int64_t) override {
    if (++batches == after) flag.store(15);
  }
  void finished() override {}
  void step(std::string_view) override {}
};

TEST_CASE("migrate: a stop signal commits the batches read, records the run interrupted, and a resume completes") {
  TagsProject p;
  std::atomic<int> stop{0};
  MigrateOptions o = p.options();
  o.interrupt = &stop;
  StopAfter progress(stop, 5);
  auto stopped = run_migration(p.config, p.tags.set, p.model, o, &progress);
  REQUIRE_MESSAGE(stopped.is_ok(), stopped.status().message());
  CHECK(stopped->status == "interrupted");
  const EntityCounts& first = p.entity(*stopped, "tag");
  CHECK(first.read >= 5 * 50);
  CHECK(first.read < 1000);  // stopped mid-run, with part of its rows committed
  CHECK(first.read == first.loaded + first.rejected);
  auto store = TargetStore::open(p.config.target->connection, "", p.model);
  REQUIRE(store.is_ok());
  auto runs = (*store)->list_runs(5);
  REQUIRE(runs.is_ok());
  REQUIRE(runs->size() == 1);
  CHECK(runs->front().status == "interrupted");
  stop.store(0);
  o.interrupt = nullptr;
  auto resumed = run_migration(p.config, p.tags.set, p.model, o);
  REQUIRE_MESSAGE(resumed.is_ok(), resumed.status().message());
  CHECK(resumed->status == "ok");
  const EntityCounts& t = p.entity(*resumed, "tag");
  CHECK(t.skipped == first.read);
  CHECK(t.read + t.skipped == 1000);
  CHECK(t.chain_in_target() == 990);
  CHECK(t.chain_rejected() == 10);
  CHECK(p.reject_keys(o.reject_file).size() == 10);
}

TEST_CASE("migrate: a key repeated across a batch boundary loads once, its first row, like one within a batch") {
  SampleProject p;
  std::string source = (p.dir.path() / "labels.db").string();
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(source.c_str(), &db) == SQLITE_OK);
    int rc = sqlite3_exec(db,
                          "CREATE TABLE tags (id TEXT, tag_name TEXT);"
                          "INSERT INTO tags VALUES ('1', 'a'), ('2', 'first'), ('2', 'second'), ('3', 'c'), "
                          "('3', 'c again'), ('3', 'c thrice'), ('4', 'd')",
                          nullptr, nullptr, nullptr);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
  }
  p.config.sources[0].connection = "sqlite:" + source;
  p.config.options.batch_rows = 2;  // batches [1 2] [2 3] [3 3] [4]
  MigrateOptions o = p.options();
  o.entities = {"tag"};
  std::string mapping = "entity: tag\nsource: helpdesk\ntable: tags\nkey: id\nfields:\n  name: tag_name\n";
  std::string file = (p.dir.path() / "tag.yaml").string();
  std::ofstream(file) << mapping;
  auto loaded = mapping::load_mappings({file}, p.config, p.model);
  REQUIRE_FALSE(loaded.has_errors());
  auto s = run_migration(p.config, loaded.set, p.model, o);
  REQUIRE(s.is_ok());
  const EntityCounts& t = p.entity(*s, "tag");
  CHECK(t.read == 7);
  CHECK(t.loaded == 4);
  CHECK(t.rejected == 3);
  auto target = connector::open_connector(p.config.target->connection);
  REQUIRE(target.is_ok());
  connector::ReadRequest request;
  request.table = {"", "tag"};
  request.columns = {"source_key", "name"};
  request.order_by = {"source_key"};
  auto reader = (*target)->read(request);
  REQUIRE(reader.is_ok());
  connector::Batch rows;
  std::string names;
  while (*(*reader)->next(rows)) {
    for (size_t r = 0; r < rows.rows(); ++r) names += std::string(rows.get(r, 0)) + "=" + std::string(rows.get(r, 1)) + " ";
  }
  CHECK(names == "1=a 2=first 3=c 4=d ");
  std::ifstream in(o.reject_file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("\"code\":\"duplicate_key\"") != std::string::npos);
}

TEST_CASE("migrate: the sample from MariaDB through ODBC, read in chunks of 7 keys, loads as the SQLite sample") {
  // Connector/ODBC 3.1 keeps whole result sets in memory, so migrate's key-ordered reads of MariaDB go by
  // chunks of keys (connector/odbc_keyset_read.h): 7 keys a chunk cross chunk boundaries in every block,
  // the query blocks and the composite key of ticket_tag included.
  auto counts = [](const MigrateSummary& s) {
    std::vector<std::string> out;
    for (const auto& e : s.entities) {
      out.push_back(e.name + ": read " + std::to_string(e.read) + ", loaded " + std::to_string(e.loaded) +
                    ", rejected " + std::to_string(e.rejected) + ", filtered " + std::to_string(e.filtered));
    }
    return out;
  };
  SampleProject sqlite;
  auto from_sqlite = run_migration(sqlite.config, sqlite.loaded.set, sqlite.model, sqlite.options());
  REQUIRE(from_sqlite.is_ok());

  SampleProject p;
  p.config.sources[0].connection = test::require_env("CSBRIDGE_TEST_MARIADB_HELPDESK_ODBC");
  MigrateOptions o = p.options();
  o.source_chunk_rows = 7;
  auto s = run_migration(p.config, p.loaded.set, p.model, o);
  INFO(s.status().message());
  REQUIRE(s.is_ok());
  CHECK(counts(*s) == counts(*from_sqlite));
  CHECK(p.entity(*s, "ticket").loaded == 400);
}

TEST_CASE("migrate: a mapping naming a column its source lacks fails before the target is touched (issue 18)") {
  SampleProject p;
  std::string file = (p.dir.path() / "tag.yaml").string();
  std::ofstream(file) << "entity: tag\nsource: helpdesk\ntable: tags\nkey: id\nfields:\n  name: tag_nmae\n";
  auto tags = mapping::load_mappings({file}, p.config, p.model);
  REQUIRE_FALSE(tags.has_errors());  // a static check cannot know the source's columns
  auto s = run_migration(p.config, tags.set, p.model, p.options());
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.status().message() == "tag (tag.yaml#1): the source has no column 'tag_nmae'");
  CHECK_FALSE(std::filesystem::exists(p.dir.path() / "cs.db"));  // nothing written
}

TEST_CASE("migrate: a target that cannot be reached fails with kUnreachable, naming it without the password") {
  SampleProject p;
  MigrateOptions o = p.options();
  o.target = "postgresql://csbridge:s3cret@127.0.0.1:1/nowhere?connect_timeout=2";
  auto s = run_migration(p.config, p.loaded.set, p.model, o);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.status().code() == ErrorCode::kUnreachable);
  CHECK(s.status().message().find("s3cret") == std::string::npos);
}

}  // namespace
}  // namespace csbridge::migrate
