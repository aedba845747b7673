#include "migrate/target_store.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "connector/registry.h"
#include "model/ddl.h"
#include "test_support.h"
#include "util/strings.h"

namespace csbridge::migrate {
namespace {

using connector::Batch;
using Row = std::vector<std::optional<std::string>>;

enum class Backend { kSqlite, kPostgres };

// One store over a fresh target: SQLite in a temporary file, or PostgreSQL in
// a schema of its own whose name needs quoting (dropped at the end). A second
// connection (a plain connector) looks at what the store wrote; in PostgreSQL
// only the store's session carries the application name the tests kill it by.
class Target {
 public:
  explicit Target(Backend backend) : backend_(backend) {
    static int counter = 0;
    if (backend == Backend::kSqlite) {
      connection_ = "sqlite:" + (dir_.path() / "target.db").string();
      inspect_connection_ = connection_;
    } else {
      std::string tag = std::to_string(::getpid()) + "_" + std::to_string(counter++);
      schema_ = "csb store \"q\" 目标 " + tag;
      application_ = "csb_store_test_" + tag;
      inspect_connection_ = test::require_env("CSBRIDGE_TEST_PG");
      connection_ = inspect_connection_ + "?application_name=" + application_;
    }
    auto model = model::builtin_model();
    REQUIRE_MESSAGE(model.is_ok(), model.status().message());
    model_ = std::move(model).value();
    auto store = TargetStore::open(connection_, schema_, model_);
    REQUIRE_MESSAGE(store.is_ok(), store.status().message());
    store_ = std::move(store).value();
    Status prepared = store_->prepare();
    REQUIRE_MESSAGE(prepared.is_ok(), prepared.message());
    auto inspect = connector::open_connector(inspect_connection_);
    REQUIRE_MESSAGE(inspect.is_ok(), inspect.status().message());
    inspect_ = std::move(inspect).value();
  }
  ~Target() {
    store_.reset();
    if (pg()) (void)inspect_->execute("DROP SCHEMA " + model::quote_identifier(schema_) + " CASCADE");
  }
  Target(const Target&) = delete;
  Target& operator=(const Target&) = delete;

  TargetStore& store() { return *store_; }
  void close_store() { store_.reset(); }
  bool pg() const { return backend_ == Backend::kPostgres; }
  const std::string& schema() const { return schema_; }
  const std::string& connection() const { return connection_; }
  const std::string& application() const { return application_; }
  connector::Connector& inspect() { return *inspect_; }

  // Runs SQL on the target; {s} stands for the schema qualifier ("" in SQLite).
  void sql(const std::string& text) {
    std::string qualifier = pg() ? model::quote_identifier(schema_) + "." : "";
    Status s = inspect_->execute(util::replace_all(text, "{s}", qualifier));
    REQUIRE_MESSAGE(s.is_ok(), s.message());
  }

  // The rows of a table in canonical text, ordered by `order_by`.
  std::vector<Row> rows(const std::string& table, const std::vector<std::string>& columns,
                        const std::vector<std::string>& order_by = {"source_key"}) {
    connector::ReadRequest request;
    request.table = {schema_, table};
    request.columns = columns;
    request.order_by = order_by;
    auto reader = inspect_->read(request);
    REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
    std::vector<Row> out;
    Batch batch;
    while (true) {
      auto more = (*reader)->next(batch);
      REQUIRE_MESSAGE(more.is_ok(), more.status().message());
      if (!*more) break;
      for (size_t r = 0; r < batch.rows(); ++r) {
        Row row;
        for (size_t c = 0; c < batch.columns(); ++c) {
          auto v = batch.value(r, c);
          row.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
        }
        out.push_back(std::move(row));
      }
    }
    return out;
  }

  // source_key → id of an entity's table.
  std::map<std::string, std::string> ids(const std::string& entity) {
    std::map<std::string, std::string> out;
    for (const Row& r : rows(entity, {"source_key", "id"})) out[*r[0]] = *r[1];
    return out;
  }

 private:
  Backend backend_;
  test::TempDir dir_;
  std::string connection_, inspect_connection_, schema_, application_;
  model::Model model_;
  std::unique_ptr<TargetStore> store_;
  std::unique_ptr<connector::Connector> inspect_;
};

// The same checks over both targets, one doctest case (one CTest test) each.
#define TARGET_STORE_TEST(name, function)                        \
  void function(Target& target);                                 \
  TEST_CASE("target_store/sqlite: " name) {                      \
    Target target(Backend::kSqlite);                             \
    function(target);                                            \
  }                                                              \
  TEST_CASE("target_store/postgres: " name) {                    \
    Target target(Backend::kPostgres);                           \
    function(target);                                            \
  }                                                              \
  void function(Target& target)

std::optional<std::string> null() { return std::nullopt; }

Batch batch_of(size_t columns, const std::vector<Row>& rows) {
  Batch b(columns);
  for (const Row& row : rows) {
    REQUIRE(row.size() == columns);
    for (const auto& v : row) v ? b.append(*v) : b.append_null();
  }
  return b;
}

LoadSpec organizations(const std::string& system = "crm") {
  return {"organization", system, {"name", "domain", "custom"}, {}, {}};
}

// Organisation rows: key, name, domain, custom.
Batch organization_rows(const std::vector<Row>& rows) { return batch_of(4, rows); }

LoadOutcome load_ok(Target& t, const LoadSpec& spec, const Batch& rows, const std::string& scope = "",
                    const std::string& position = "") {
  auto outcome = t.store().load(spec, rows, scope, position, "run-1");
  REQUIRE_MESSAGE(outcome.is_ok(), outcome.status().message());
  return std::move(outcome).value();
}

std::string rejects_text(const LoadOutcome& o) {
  std::string out;
  for (const RowReject& r : o.rejects) out += std::to_string(r.row) + " " + r.code + ": " + r.message + "\n";
  return out;
}

void pause_for_clock() { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }

Batch three_organizations() {
  return organization_rows({
      {"O'1 \"a\"", "Acme", "acme.example", R"({"tier": "gold"})"},
      {"O2", "北京示例科技有限公司", null(), null()},
      {"O3", "Globex", "globex.example", "{}"},
  });
}

TARGET_STORE_TEST("a re-load of identical rows changes nothing, not even migrated_at", reload_identical) {
  LoadOutcome first = load_ok(target, organizations(), three_organizations());
  CHECK(first.loaded == 3);
  CHECK(first.unchanged == 0);
  CHECK(rejects_text(first) == "");
  std::vector<std::string> columns = {"source_key", "id", "source_system", "name", "domain", "migrated_at"};
  std::vector<Row> before = target.rows("organization", columns);
  REQUIRE(before.size() == 3);
  CHECK(before[0][0] == "O'1 \"a\"");
  CHECK(before[0][2] == "crm");
  CHECK(before[1][3] == "北京示例科技有限公司");
  CHECK(before[1][4] == null());

  pause_for_clock();
  LoadOutcome second = load_ok(target, organizations(), three_organizations());
  CHECK(second.loaded == 0);
  CHECK(second.unchanged == 3);
  CHECK(target.rows("organization", columns) == before);
  CHECK(target.rows("csbridge_crosswalk", {"source_key"}).size() == 3);
}

TARGET_STORE_TEST("a changed row is updated in place, keeping its id", changed_row) {
  load_ok(target, organizations(), three_organizations());
  std::vector<std::string> columns = {"source_key", "id", "name", "custom", "migrated_at"};
  std::vector<Row> before = target.rows("organization", columns);
  pause_for_clock();
  LoadOutcome outcome = load_ok(target, organizations(),
                                organization_rows({
                                    {"O'1 \"a\"", "Acme", "acme.example", R"({"tier": "platinum"})"},
                                    {"O2", "北京示例科技有限公司", null(), null()},
                                    {"O3", "Globex Corp", "globex.example", "{}"},
                                    {"O4", "Initech", null(), null()},
                                }));
  CHECK(outcome.loaded == 3);  // O'1 (custom), O3 (name), O4 (new)
  CHECK(outcome.unchanged == 1);
  std::vector<Row> after = target.rows("organization", columns);
  REQUIRE(after.size() == 4);
  for (size_t i = 0; i < 3; ++i) CHECK(after[i][1] == before[i][1]);  // same ids
  CHECK(after[0][4] != before[0][4]);                                  // rewritten
  CHECK(after[1] == before[1]);                                        // untouched
  CHECK(after[2][2] == "Globex Corp");
  CHECK(after[2][4] != before[2][4]);
  CHECK(after[3][0] == "O4");
}

TARGET_STORE_TEST("every loaded row has exactly one crosswalk entry, holding its id", crosswalk_one_to_one) {
  load_ok(target, organizations(), three_organizations());
  load_ok(target, organizations("erp"), organization_rows({{"O2", "ERP's own O2", null(), null()}}));
  load_ok(target, organizations(), three_organizations());
  std::vector<Row> crosswalk =
      target.rows("csbridge_crosswalk", {"entity", "source_system", "source_key", "new_id"},
                  {"source_system", "source_key"});
  std::vector<Row> table = target.rows("organization", {"source_system", "source_key", "id"},
                                       {"source_system", "source_key"});
  REQUIRE(crosswalk.size() == 4);
  REQUIRE(table.size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    CHECK(crosswalk[i][0] == "organization");
    CHECK(crosswalk[i][1] == table[i][0]);
    CHECK(crosswalk[i][2] == table[i][1]);
    CHECK(crosswalk[i][3] == table[i][2]);
  }
  auto found = target.store().lookup("organization", "erp", "O2");
  REQUIRE(found.is_ok());
  REQUIRE(found->has_value());
  CHECK(std::to_string(**found) == *table[3][2]);  // erp sorts after crm
  auto missing = target.store().lookup("organization", "erp", "O1");
  REQUIRE(missing.is_ok());
  CHECK(!missing->has_value());
}

TARGET_STORE_TEST("legacy keys resolve through the crosswalk, unknown ones are orphans", lookups) {
  load_ok(target, organizations(), three_organizations());
  load_ok(target, organizations("erp"), organization_rows({{"E9", "Umbrella", null(), null()}}));
  LoadSpec customers{"customer", "crm", {"organization_id", "name"}, {"organization", ""}, {}};
  LoadOutcome outcome = load_ok(target, customers,
                                batch_of(3, {
                                                {"C1", "O2", "张三"},
                                                {"C2", null(), "李四"},
                                                {"C3", "O404", "王五"},
                                                {"C4", "O'1 \"a\"", "赵六"},
                                                {"C5", "E9", "钱七"},
                                            }));
  CHECK(outcome.loaded == 3);
  CHECK(rejects_text(outcome) ==
        "2 orphan_reference: customer 'C3', column 'organization_id': organization 'O404' of source system 'crm' "
        "has no crosswalk entry\n"
        "4 orphan_reference: customer 'C5', column 'organization_id': organization 'E9' of source system 'crm' "
        "has no crosswalk entry\n");
  std::map<std::string, std::string> orgs = target.ids("organization");
  std::vector<Row> rows = target.rows("customer", {"source_key", "organization_id"});
  CHECK(rows == std::vector<Row>{{"C1", orgs["O2"]}, {"C2", null()}, {"C4", orgs["O'1 \"a\""]}});

  // The same legacy key looked up in another source system.
  LoadSpec from_erp{"customer", "crm", {"organization_id", "name"}, {"organization", ""}, {"erp", ""}};
  LoadOutcome erp = load_ok(target, from_erp, batch_of(3, {{"C5", "E9", "钱七"}, {"C6", "O2", "孙八"}}));
  CHECK(erp.loaded == 1);
  CHECK(rejects_text(erp) ==
        "1 orphan_reference: customer 'C6', column 'organization_id': organization 'O2' of source system 'erp' "
        "has no crosswalk entry\n");
  CHECK(target.rows("customer", {"organization_id"}, {"source_key"}).back() == Row{orgs["E9"]});
}

// PostgreSQL copies batches of new keys straight into their tables and stages and merges once a
// batch meets existing keys: every mix of the two ends the same.
TARGET_STORE_TEST("new, existing and mixed batches in any order load every row once", load_paths) {
  load_ok(target, organizations(), three_organizations());
  LoadOutcome again = load_ok(target, organizations(), three_organizations());  // all existing
  CHECK(again.unchanged == 3);
  LoadOutcome fresh = load_ok(target, organizations(), organization_rows({{"O4", "Initech", null(), null()}}));
  CHECK(fresh.loaded == 1);
  LoadOutcome mixed = load_ok(target, organizations(), organization_rows({{"O4", "Initech", null(), null()},
                                                                         {"O5", "Hooli", null(), null()},
                                                                         {"O1", "Acme Two", null(), null()}}));
  CHECK(mixed.loaded == 2);
  CHECK(mixed.unchanged == 1);
  LoadSpec customers{"customer", "crm", {"organization_id", "name"}, {"organization", ""}, {}};
  LoadOutcome first = load_ok(target, customers, batch_of(3, {{"C1", "O5", "张三"}, {"C2", "O9", "李四"}}));
  CHECK(first.loaded == 1);
  CHECK(first.rejects.size() == 1);
  LoadOutcome second = load_ok(target, customers, batch_of(3, {{"C1", "O4", "张三"}, {"C3", "O1", "王五"}}));
  CHECK(second.loaded == 2);
  std::map<std::string, std::string> orgs = target.ids("organization");
  CHECK(orgs.size() == 6);
  CHECK(target.rows("organization", {"source_key", "name"}, {"source_key"}) ==
        std::vector<Row>{{"O'1 \"a\"", "Acme"}, {"O1", "Acme Two"}, {"O2", "北京示例科技有限公司"},
                         {"O3", "Globex"}, {"O4", "Initech"}, {"O5", "Hooli"}});
  CHECK(target.rows("customer", {"source_key", "organization_id"}) ==
        std::vector<Row>{{"C1", orgs["O4"]}, {"C3", orgs["O1"]}});
  CHECK(target.rows("csbridge_crosswalk", {"source_key"}).size() == 8);
}

// Tickets merged into other tickets: key, subject, status, priority, channel, created_at, merged_into_id.
LoadSpec merged_tickets() {
  return {"ticket", "hd", {"subject", "status", "priority", "channel", "created_at", "merged_into_id"},
          {"", "", "", "", "", "ticket"}, {}, {false, false, false, false, false, true}};
}
Row ticket(const std::string& key, std::optional<std::string> merged_into) {
  return {key, "s " + key, "open", "normal", "web", "2024-01-02 03:04:05+00:00", std::move(merged_into)};
}

TARGET_STORE_TEST("a self-reference is resolved once the rows are in, and a re-run changes nothing", self_reference) {
  // T1 → T3 (later in the batch), T3 → T9 (never loads), T2 → nothing.
  Batch first = batch_of(7, {ticket("T1", "T3"), ticket("T2", null()), ticket("T3", "T9")});
  CHECK(load_ok(target, merged_tickets(), first).loaded == 3);
  std::vector<std::string> columns = {"source_key", "merged_into_id", "migrated_at"};
  for (const Row& r : target.rows("ticket", columns)) CHECK(r[1] == null());  // not resolved yet
  auto resolved = target.store().resolve_deferred();
  REQUIRE_MESSAGE(resolved.is_ok(), resolved.status().message());
  CHECK(*resolved == 1);
  std::map<std::string, std::string> ids = target.ids("ticket");
  std::vector<Row> after = target.rows("ticket", columns);
  CHECK(after[0][1] == ids["T3"]);
  CHECK(after[1][1] == null());
  CHECK(after[2][1] == null());  // T9 never loaded: orphans become NULL

  // The same rows again: nothing is written, and nothing is left to resolve.
  pause_for_clock();
  LoadOutcome again = load_ok(target, merged_tickets(), first);
  CHECK(again.unchanged == 3);
  auto none = target.store().resolve_deferred();
  REQUIRE(none.is_ok());
  CHECK(*none == 0);
  CHECK(target.rows("ticket", columns) == after);
  CHECK(target.rows("csbridge_pending_ref", {"source_key"}).empty());

  // T2 merged into T1 since, and T4 arrives merged into T2.
  load_ok(target, merged_tickets(), batch_of(7, {ticket("T2", "T1"), ticket("T4", "T2")}));
  auto changed = target.store().resolve_deferred();
  REQUIRE(changed.is_ok());
  CHECK(*changed == 2);
  ids = target.ids("ticket");
  CHECK(target.rows("ticket", {"source_key", "merged_into_id"}) ==
        std::vector<Row>{{"T1", ids["T3"]}, {"T2", ids["T1"]}, {"T3", null()}, {"T4", ids["T2"]}});

  // A self-reference whose orphans would reject rows cannot wait for its resolution.
  LoadSpec rejecting = merged_tickets();
  rejecting.orphans_to_null.back() = false;
  auto refused = target.store().load(rejecting, first, "", "", "run-1");
  CHECK(refused.status().code() == ErrorCode::kInvalidArgument);
}

TARGET_STORE_TEST("rows failing the client-side checks are rejected and the rest loaded", client_rejects) {
  LoadSpec agents{"agent", "hr", {"name", "employee_no", "role", "is_active"}, {}, {}};
  std::string long_no(65, '7');
  std::string wide_no;
  for (int i = 0; i < 64; ++i) wide_no += "号";  // 64 characters, 192 bytes: fits varchar(64)
  LoadOutcome outcome = load_ok(target, agents,
                                batch_of(5, {
                                                {"A1", "Ann", "1", "agent", "true"},
                                                {"A2", std::string("B\0b", 3), "2", "agent", "true"},
                                                {"A3", "Cy", "3", "boss", "true"},
                                                {"A4", "Di", "4", "admin", "yes"},
                                                {"A5", null(), "5", "agent", "false"},
                                                {"A1", "Ann again", "6", "agent", "true"},
                                                {null(), "Ed", "7", "agent", "true"},
                                                {"A8", "Flo", long_no, "agent", "true"},
                                                {"A9", "G\xff", "9", "agent", "true"},
                                                {"A10", "Hu", wide_no, "supervisor", "false"},
                                            }));
  CHECK(rejects_text(outcome) ==
        "1 nul_byte: agent 'A2', column 'name': text contains a NUL byte (0x00)\n"
        "2 bad_value: agent 'A3', column 'role': 'boss' is not one of agent, supervisor, admin\n"
        "3 bad_value: agent 'A4', column 'is_active': 'yes' is not true or false\n"
        "4 required_missing: agent 'A5', column 'name': required value is missing\n"
        "5 duplicate_key: agent 'A1': the source_key repeats row 1 of the batch\n"
        "6 required_missing: agent (row 7 of the batch), column 'source_key': required value is missing\n"
        "7 too_long: agent 'A8', column 'employee_no': 65 characters, over the maximum of 64\n"
        "8 bad_value: agent 'A9', column 'name': text is not valid UTF-8\n");
  CHECK(outcome.loaded == 2);
  CHECK(target.rows("agent", {"source_key", "name", "employee_no", "is_active"}) ==
        std::vector<Row>{{"A1", "Ann", "1", "true"}, {"A10", "Hu", wide_no, "false"}});

  LoadSpec customers{"customer", "crm", {"name", "phone", "created_at", "custom"}, {}, {}};
  LoadOutcome more = load_ok(target, customers,
                             batch_of(5, {
                                             {"C1", "张三", "13800138000", "2024-02-30 10:00:00", null()},
                                             {"C2", "李四", std::string(33, '1'), null(), null()},
                                             {"C3", "王五", null(), null(), "{\"vip\": tru}"},
                                             {"C4", "赵六", null(), "2024-02-29T23:59:59.5+08:00", "[]"},
                                         }));
  CHECK(rejects_text(more) ==
        "0 bad_value: customer 'C1', column 'created_at': '2024-02-30 10:00:00' is not a timestamp "
        "(YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM])\n"
        "1 too_long: customer 'C2', column 'phone': 33 characters, over the maximum of 32\n"
        "2 bad_value: customer 'C3', column 'custom': the value is not valid JSON\n");
  CHECK(more.loaded == 1);
}

TARGET_STORE_TEST("rows the database refuses are isolated and the rest of the batch loads", server_rejects) {
  load_ok(target, organizations(), three_organizations());
  std::string org = target.ids("organization")["O2"];
  // A raw organization id (no lookup) passes the client checks; the foreign key refuses 999999.
  LoadSpec customers{"customer", "crm", {"organization_id", "name"}, {}, {}};
  std::vector<Row> rows;
  for (int i = 1; i <= 9; ++i) {
    std::string n = std::to_string(i);
    rows.push_back({std::string("C").append(n), i == 2 || i == 7 ? "999999" : org, std::string("客户").append(n)});
  }
  LoadOutcome outcome = load_ok(target, customers, batch_of(3, rows), "customer", "9");
  std::string reason = target.pg() ? "insert or update on table \"customer\" violates foreign key constraint "
                                     "\"customer_organization_id_fkey\""
                                   : "FOREIGN KEY constraint failed";
  CHECK(rejects_text(outcome) == "1 load_error: customer 'C2': " + reason + "\n" +
                                     "6 load_error: customer 'C7': " + reason + "\n");
  CHECK(outcome.loaded == 7);
  CHECK(target.rows("customer", {"source_key"}).size() == 7);
  CHECK(target.rows("csbridge_crosswalk", {"source_key"}).size() == 3 + 7);
  auto checkpoint = target.store().checkpoint("customer");
  REQUIRE(checkpoint.is_ok());
  CHECK(*checkpoint == std::optional<std::string>("9"));

  // Loading the same batch again: the good rows are unchanged, the bad ones still refused.
  LoadOutcome again = load_ok(target, customers, batch_of(3, rows));
  CHECK(again.unchanged == 7);
  CHECK(again.loaded == 0);
  CHECK(again.rejects.size() == 2);
}

TARGET_STORE_TEST("the checkpoint commits with its batch, and not at all when the batch fails", checkpoints) {
  auto none = target.store().checkpoint("organization");
  REQUIRE(none.is_ok());
  CHECK(!none->has_value());
  load_ok(target, organizations(), three_organizations(), "organization", "3");
  std::vector<std::string> columns = {"source_key", "id", "name", "migrated_at"};
  std::vector<Row> before = target.rows("organization", columns);

  // Fail mid-way: the rows are written, then recording their crosswalk entries fails.
  if (target.pg()) {
    target.sql("CREATE FUNCTION {s}fail() RETURNS trigger LANGUAGE plpgsql AS "
               "$$BEGIN RAISE EXCEPTION 'simulated crash'; END$$;"
               "CREATE TRIGGER fail BEFORE INSERT ON {s}csbridge_crosswalk "
               "FOR EACH STATEMENT EXECUTE FUNCTION {s}fail()");
  } else {
    target.sql("CREATE TRIGGER fail BEFORE INSERT ON csbridge_crosswalk "
               "BEGIN SELECT RAISE(ROLLBACK, 'simulated crash'); END;");
  }
  Batch next = organization_rows({{"O3", "Globex Corp", null(), null()}, {"O4", "Initech", null(), null()}});
  auto failed = target.store().load(organizations(), next, "organization", "5", "run-2");
  REQUIRE(!failed.is_ok());
  if (target.pg()) {
    CHECK(failed.status().code() == ErrorCode::kInvalidArgument);
    CHECK(failed.status().message() == "loading organization: simulated crash");
  } else {
    CHECK(failed.status().code() == ErrorCode::kIo);
    CHECK(failed.status().message() ==
          "loading organization: recording the crosswalk in " + target.connection() + ": simulated crash");
  }
  auto kept = target.store().checkpoint("organization");
  REQUIRE(kept.is_ok());
  CHECK(*kept == std::optional<std::string>("3"));
  CHECK(target.rows("organization", columns) == before);
  CHECK(target.rows("csbridge_crosswalk", {"source_key"}).size() == 3);

  // The store is usable afterwards, and the batch loads once the fault is gone.
  target.sql(target.pg() ? "DROP TRIGGER fail ON {s}csbridge_crosswalk" : "DROP TRIGGER fail;");
  LoadOutcome retried = load_ok(target, organizations(), next, "organization", "5");
  CHECK(retried.loaded == 2);
  CHECK(*target.store().checkpoint("organization") == std::optional<std::string>("5"));
  CHECK(target.rows("csbridge_checkpoint", {"scope", "position", "run_id"}, {"scope"}) ==
        std::vector<Row>{{"organization", "5", "run-1"}});

  // An empty scope loads without a checkpoint; a prefix clears a run's checkpoints.
  load_ok(target, organizations(), organization_rows({{"O5", "Hooli", null(), null()}}));
  load_ok(target, organizations(), organization_rows({}), "run1/customer", "0");
  load_ok(target, organizations(), organization_rows({}), "run2/customer", "7");
  REQUIRE(target.store().clear_checkpoints("run1/").is_ok());
  CHECK(target.rows("csbridge_checkpoint", {"scope", "position"}, {"scope"}) ==
        std::vector<Row>{{"organization", "5"}, {"run2/customer", "7"}});
}

TARGET_STORE_TEST("the rejects are handed over before the commit, and a failure there rolls the batch back",
                  before_commit) {
  std::string long_name(201, 'x');
  Batch rows = organization_rows({{"O1", "Acme", null(), null()}, {"O2", long_name, null(), null()}});
  std::vector<std::string> seen;
  auto refuse = [&](const LoadOutcome& o) {
    for (const RowReject& r : o.rejects) seen.push_back(std::to_string(r.row) + " " + r.code);
    return io_error("cannot write the reject file");
  };
  auto failed = target.store().load(organizations(), rows, "organization", "2", "run-1", refuse);
  REQUIRE_FALSE(failed.is_ok());
  CHECK(failed.status().code() == ErrorCode::kIo);
  CHECK(seen == std::vector<std::string>{"1 too_long"});
  CHECK(target.rows("organization", {"source_key"}).empty());
  CHECK(target.rows("csbridge_crosswalk", {"source_key"}).empty());
  auto none = target.store().checkpoint("organization");
  REQUIRE(none.is_ok());
  CHECK(!none->has_value());

  seen.clear();
  auto accept = [&](const LoadOutcome& o) {
    seen.push_back(std::to_string(o.loaded) + " loaded, " + std::to_string(o.rejects.size()) + " rejected");
    return Status::ok();
  };
  auto loaded = target.store().load(organizations(), rows, "organization", "2", "run-1", accept);
  REQUIRE_MESSAGE(loaded.is_ok(), loaded.status().message());
  CHECK(seen == std::vector<std::string>{"1 loaded, 1 rejected"});
  CHECK(target.rows("organization", {"source_key"}) == std::vector<Row>{{"O1"}});
  CHECK(*target.store().checkpoint("organization") == std::optional<std::string>("2"));
}

TARGET_STORE_TEST("the checkpoints of parallel loaders are set together and read by their prefix", loader_checkpoints) {
  load_ok(target, organizations(), organization_rows({}), "t.yaml#1:ticket/0", "40");
  load_ok(target, organizations(), organization_rows({}), "t.yaml#1:ticket/7", "20");
  load_ok(target, organizations(), organization_rows({}), "t.yaml#2:ticket/0", "90");
  using Positions = std::vector<std::pair<std::string, std::string>>;
  auto read = target.store().checkpoints("t.yaml#1:ticket");
  REQUIRE_MESSAGE(read.is_ok(), read.status().message());
  CHECK(*read == Positions{{"t.yaml#1:ticket/0", "40"}, {"t.yaml#1:ticket/7", "20"}});

  // The old loaders' scopes go, the new ones start together; other blocks are untouched.
  REQUIRE(target.store()
              .reset_checkpoints("t.yaml#1:ticket", {"t.yaml#1:ticket/0", "t.yaml#1:ticket/1"}, "20", "run-2")
              .is_ok());
  CHECK(target.rows("csbridge_checkpoint", {"scope", "position", "run_id"}, {"scope"}) ==
        std::vector<Row>{{"t.yaml#1:ticket/0", "20", "run-2"},
                         {"t.yaml#1:ticket/1", "20", "run-2"},
                         {"t.yaml#2:ticket/0", "90", "run-1"}});
  auto none = target.store().checkpoints("u.yaml#1:");
  REQUIRE(none.is_ok());
  CHECK(none->empty());
}

TARGET_STORE_TEST("a block's checkpoints close and its delta mark is replaced in one reset", delta_mark) {
  load_ok(target, organizations(), organization_rows({}), "t.yaml#1:tag/0", "40");
  for (const char* mark : {"[\"2026-01-01 00:00:00.5\",\"7\"]", "[\"2026-01-02 00:00:00.25\",\"9\"]"}) {
    Status s = target.store().reset_checkpoints("t.yaml#1:tag", {"mark:t.yaml#1:tag"}, mark, "run-2");
    REQUIRE_MESSAGE(s.is_ok(), s.message());
  }
  CHECK(target.rows("csbridge_checkpoint", {"scope", "position"}, {"scope"}) ==
        std::vector<Row>{{"mark:t.yaml#1:tag", "[\"2026-01-02 00:00:00.25\",\"9\"]"}});
}

TARGET_STORE_TEST("one migration at a time per target, and runs left running by a dead one become interrupted",
                  lock_target) {
  Status locked = target.store().lock_target();
  REQUIRE_MESSAGE(locked.is_ok(), locked.message());
  REQUIRE(target.store().begin_run({"r-1", "", "", "alice", "csbridge migrate", "h", "", ""}).is_ok());
  auto model = model::builtin_model();
  REQUIRE(model.is_ok());
  {
    auto second = TargetStore::open(target.connection(), target.schema(), *model);
    REQUIRE(second.is_ok());
    auto started = std::chrono::steady_clock::now();
    Status busy = (*second)->lock_target();
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::seconds(TargetStore::kLockWaitSeconds));
    CHECK(busy.code() == ErrorCode::kConflict);
    CHECK_MESSAGE(busy.message().find("another csbridge migrate is running on ") == 0, busy.message());
    CHECK(busy.message().find("one migration at a time per target") != std::string::npos);
  }
  CHECK(target.rows("csbridge_runs", {"run_id", "status"}, {"run_id"}) == std::vector<Row>{{"r-1", "running"}});

  // The holder goes (as a killed process's session or file lock does): the next run takes over.
  target.close_store();
  auto third = TargetStore::open(target.connection(), target.schema(), *model);
  REQUIRE(third.is_ok());
  Status taken = (*third)->lock_target();
  REQUIRE_MESSAGE(taken.is_ok(), taken.message());
  REQUIRE((*third)->begin_run({"r-2", "", "", "bob", "csbridge migrate", "h", "", ""}).is_ok());
  CHECK(target.rows("csbridge_runs", {"run_id", "status"}, {"run_id"}) ==
        std::vector<Row>{{"r-1", "interrupted"}, {"r-2", "running"}});
}

TARGET_STORE_TEST("runs are recorded, ended and listed newest first", runs) {
  RunRecord first{"r-1", "ignored", "", "alice", "csbridge migrate -c csbridge.yaml", "sha256:abc", "", ""};
  REQUIRE(target.store().begin_run(first).is_ok());
  pause_for_clock();
  RunRecord second{"r-2", "", "", "bob", "csbridge migrate --resume", "sha256:def", "", ""};
  REQUIRE(target.store().begin_run(second).is_ok());

  Status again = target.store().begin_run(first);
  CHECK(again.code() == ErrorCode::kInvalidArgument);
  CHECK(again.message() == "run 'r-1' is already recorded");

  std::string counts = R"({"entities": [{"name": "customer", "read": 5, "loaded": 4, "rejected": 1}]})";
  REQUIRE(target.store().end_run("r-1", "succeeded", counts).is_ok());
  Status unknown = target.store().end_run("r-9", "failed", "{}");
  CHECK(unknown.code() == ErrorCode::kNotFound);
  CHECK(unknown.message() == "ending run 'r-9': no such run");
  Status bad = target.store().end_run("r-2", "failed", "{counts");
  CHECK(bad.code() == ErrorCode::kInvalidArgument);
  CHECK(bad.message() == "ending run 'r-2': the counts are not valid JSON");

  auto runs = target.store().list_runs(10);
  REQUIRE_MESSAGE(runs.is_ok(), runs.status().message());
  REQUIRE(runs->size() == 2);
  const RunRecord& latest = (*runs)[0];
  const RunRecord& ended = (*runs)[1];
  CHECK(latest.run_id == "r-2");
  CHECK(latest.status == "running");
  CHECK(latest.ended_at == "");
  CHECK(latest.counts_json == "");
  CHECK(latest.os_user == "bob");
  CHECK(ended.run_id == "r-1");
  CHECK(ended.status == "succeeded");
  CHECK(ended.counts_json == counts);
  CHECK(ended.command == "csbridge migrate -c csbridge.yaml");
  CHECK(ended.config_hash == "sha256:abc");
  CHECK(ended.started_at.size() == 19);
  CHECK(ended.started_at[4] == '-');
  CHECK(ended.started_at[10] == ' ');
  CHECK(ended.ended_at >= ended.started_at);
  CHECK(latest.started_at >= ended.started_at);

  auto one = target.store().list_runs(1);
  REQUIRE(one.is_ok());
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].run_id == "r-2");
}

TARGET_STORE_TEST("a spec or batch that does not fit fails the load and writes nothing", bad_specs) {
  auto wrong_width = target.store().load(organizations(), batch_of(2, {{"O1", "Acme"}}), "organization", "1", "r");
  CHECK(wrong_width.status().code() == ErrorCode::kInvalidArgument);
  CHECK(wrong_width.status().message() == "loading organization: the batch has 2 columns, the spec 3 + source_key");
  LoadSpec unknown{"organisation", "crm", {"name"}, {}, {}};
  auto misspelt = target.store().load(unknown, batch_of(2, {{"O1", "Acme"}}), "organization", "1", "r");
  CHECK(misspelt.status().code() == ErrorCode::kNotFound);
  CHECK(misspelt.status().message() == "unknown CS entity 'organisation'; did you mean 'organization'?");
  auto checkpoint = target.store().checkpoint("organization");
  REQUIRE(checkpoint.is_ok());
  CHECK(!checkpoint->has_value());
  CHECK(target.rows("organization", {"source_key"}).empty());
}

TEST_CASE("target_store/postgres: a table whose ids come from a default of its own loads through the server") {
  Target target(Backend::kPostgres);
  // Not an identity any more, and the sequence is not the column's own: csbridge cannot draw ids.
  target.sql("ALTER TABLE {s}organization ALTER COLUMN id DROP IDENTITY; CREATE SEQUENCE {s}org_ids START 500; "
             "ALTER TABLE {s}organization ALTER COLUMN id SET DEFAULT nextval('{s}org_ids')");
  LoadOutcome first = load_ok(target, organizations(), three_organizations());
  CHECK(first.loaded == 3);
  LoadOutcome more = load_ok(target, organizations(), organization_rows({{"O4", "Initech", null(), null()}}));
  CHECK(more.loaded == 1);
  std::map<std::string, std::string> ids = target.ids("organization");
  CHECK(ids["O4"] == "503");
  CHECK(target.rows("csbridge_crosswalk", {"source_key", "new_id"}, {"new_id"}).back() == Row{"O4", "503"});
}

TEST_CASE("target_store/postgres: a first load defers the secondary indexes and foreign keys and builds them after its rows") {
  Target target(Backend::kPostgres);
  auto names = [&](const std::string& query) {
    connector::ReadRequest request;
    request.query = query;
    auto reader = target.inspect().read(request);
    REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
    std::vector<std::string> names;
    Batch batch;
    while (*(*reader)->next(batch)) {
      for (size_t r = 0; r < batch.rows(); ++r) names.emplace_back(batch.get(r, 0));
    }
    return names;
  };
  auto indexes = [&](const std::string& table) {
    return names("SELECT indexname FROM pg_indexes WHERE schemaname = '" + target.schema() + "' AND tablename = '" +
                 table + "' ORDER BY 1");
  };
  auto foreign_keys = [&](const std::string& table) {
    return names("SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                 "(quote_ident('" + target.schema() + "') || '." + table + "')::regclass AND contype = 'f' ORDER BY 1");
  };
  const std::vector<std::string> before = indexes("customer");
  const std::vector<std::string> keys_before = foreign_keys("customer");
  REQUIRE(!keys_before.empty());
  REQUIRE(std::find(before.begin(), before.end(), "customer_organization_id_idx") != before.end());
  auto deferred = target.store().defer_indexes("customer");
  REQUIRE_MESSAGE(deferred.is_ok(), deferred.status().message());
  CHECK(*deferred);
  std::vector<std::string> during = indexes("customer");
  CHECK(std::find(during.begin(), during.end(), "customer_organization_id_idx") == during.end());
  CHECK(std::find(during.begin(), during.end(), "customer_pkey") != during.end());  // keys stay
  CHECK(foreign_keys("customer").empty());
  auto noted = target.store().checkpoints("indexes:");
  REQUIRE(noted.is_ok());
  CHECK(noted->size() == 1);
  CHECK(*target.store().defer_indexes("customer") == false);  // a resumed run: nothing more to drop
  REQUIRE(target.store().restore_indexes().is_ok());
  CHECK(indexes("customer") == before);
  CHECK(foreign_keys("customer") == keys_before);
  CHECK(target.store().checkpoints("indexes:")->empty());
  REQUIRE(target.store().restore_indexes().is_ok());  // nothing noted: nothing to do

  // A table with rows keeps its indexes (a delta, a second run).
  load_ok(target, organizations(), three_organizations());
  target.sql("CREATE INDEX org_name_idx ON {s}organization (name)");
  CHECK(*target.store().defer_indexes("organization") == false);
  std::vector<std::string> kept = indexes("organization");
  CHECK(std::find(kept.begin(), kept.end(), "org_name_idx") != kept.end());
}

// A first load's references need no foreign key (each is resolved through the crosswalk), but a
// row the platform deletes meanwhile can leave one dangling: the key's check at the end says so.
TEST_CASE("target_store/postgres: a reference whose row went during a first load fails its foreign key, the note kept") {
  Target target(Backend::kPostgres);
  load_ok(target, organizations(), three_organizations());
  auto deferred = target.store().defer_indexes("customer");
  REQUIRE_MESSAGE(deferred.is_ok(), deferred.status().message());
  REQUIRE(*deferred);
  LoadSpec customers{"customer", "crm", {"organization_id", "name"}, {"organization", ""}, {}};
  CHECK(load_ok(target, customers, batch_of(3, {{"C1", "O2", "张三"}, {"C2", "O3", "李四"}})).loaded == 2);
  target.sql("DELETE FROM {s}organization WHERE source_key = 'O2'");  // its crosswalk entry stays
  Status restored = target.store().restore_indexes();
  CHECK(restored.code() == ErrorCode::kData);
  CHECK_MESSAGE(restored.message().find("customer_organization_id_fkey") != std::string::npos, restored.message());
  CHECK(target.store().checkpoints("indexes:")->size() == 1);  // kept: a later run's end tries again
  target.sql("UPDATE {s}customer SET organization_id = NULL WHERE source_key = 'C1'");
  Status fixed = target.store().restore_indexes();
  REQUIRE_MESSAGE(fixed.is_ok(), fixed.message());
  CHECK(target.store().checkpoints("indexes:")->empty());
}

TEST_CASE("target_store/postgres: a target created before deleted_at existed gets the column, its rows live") {
  Target target(Backend::kPostgres);
  load_ok(target, organizations(), three_organizations());
  target.sql("ALTER TABLE {s}organization DROP COLUMN deleted_at; ALTER TABLE {s}ticket DROP COLUMN deleted_at");
  Status prepared = target.store().prepare();
  REQUIRE_MESSAGE(prepared.is_ok(), prepared.message());
  auto live = target.store().live_rows("organization");
  REQUIRE_MESSAGE(live.is_ok(), live.status().message());
  CHECK(*live == 3);
  CHECK(*target.store().live_rows("ticket") == 0);
  REQUIRE(target.store().prepare().is_ok());  // again: nothing to add
}

TEST_CASE("target_store/postgres: every table lives in the schema given, however its name is spelt") {
  Target target(Backend::kPostgres);
  // Preparing again is harmless.
  REQUIRE(target.store().prepare().is_ok());
  auto tables = target.inspect().list_tables();
  REQUIRE_MESSAGE(tables.is_ok(), tables.status().message());
  std::vector<std::string> mine, in_public;
  for (const connector::TableRef& t : *tables) {
    if (t.schema == target.schema()) mine.push_back(t.name);
    if (t.schema == "public") in_public.push_back(t.name);
  }
  for (std::string name : {"organization", "customer", "ticket", "csbridge_crosswalk", "csbridge_checkpoint",
                           "csbridge_runs"}) {
    CHECK_MESSAGE(std::find(mine.begin(), mine.end(), name) != mine.end(), name);
    CHECK_MESSAGE(std::find(in_public.begin(), in_public.end(), name) == in_public.end(), name);
  }
  load_ok(target, organizations(), three_organizations(), "organization", "3");
  CHECK(target.rows("organization", {"source_key"}).size() == 3);
}

TEST_CASE("target_store/postgres: a lost connection is kUnreachable and the next call reconnects") {
  Target target(Backend::kPostgres);
  load_ok(target, organizations(), three_organizations(), "organization", "3");
  // Kill the store's session from the side, as a server restart would.
  auto killer = connector::open_connector(test::require_env("CSBRIDGE_TEST_PG"));
  REQUIRE(killer.is_ok());
  Status killed = (*killer)->execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" +
                                     target.application() + "' AND pid <> pg_backend_pid()");
  REQUIRE_MESSAGE(killed.is_ok(), killed.message());

  Batch next = organization_rows({{"O4", "Initech", null(), null()}});
  auto lost = target.store().load(organizations(), next, "organization", "4", "run-1");
  REQUIRE(!lost.is_ok());
  CHECK(lost.status().code() == ErrorCode::kUnreachable);
  std::string redacted = connector::redact_secrets(target.connection());
  CHECK_MESSAGE(util::starts_with_icase(lost.status().message(),
                                        "loading organization: lost the connection to postgres '" + redacted + "': "),
                lost.status().message());
  CHECK(lost.status().message().find(test::require_env("CSBRIDGE_TEST_PG")) == std::string::npos);

  // Retrying the same load is safe: it reconnects, recreates its staging table, loads once.
  LoadOutcome retried = load_ok(target, organizations(), next, "organization", "4");
  CHECK(retried.loaded == 1);
  CHECK(*target.store().checkpoint("organization") == std::optional<std::string>("4"));
  CHECK(target.rows("organization", {"source_key"}).size() == 4);
}

TEST_CASE("target_store/postgres: after a lost connection the lock is taken again before anything is written") {
  Target target(Backend::kPostgres);
  REQUIRE(target.store().lock_target().is_ok());
  auto killer = connector::open_connector(test::require_env("CSBRIDGE_TEST_PG"));
  REQUIRE(killer.is_ok());
  Status killed = (*killer)->execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" +
                                     target.application() + "' AND pid <> pg_backend_pid()");
  REQUIRE_MESSAGE(killed.is_ok(), killed.message());
  auto model = model::builtin_model();
  REQUIRE(model.is_ok());
  auto other = TargetStore::open(target.connection(), target.schema(), *model);
  REQUIRE(other.is_ok());
  REQUIRE((*other)->lock_target().is_ok());  // the lost session's lock went with it

  auto lost = target.store().load(organizations(), three_organizations(), "organization", "3", "run-1");
  REQUIRE_FALSE(lost.is_ok());
  CHECK(lost.status().code() == ErrorCode::kUnreachable);  // the session is gone
  auto refused = target.store().load(organizations(), three_organizations(), "organization", "3", "run-1");
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == ErrorCode::kConflict);  // reconnected, but the lock is taken
  CHECK(refused.status().message().find("another csbridge migrate is running") != std::string::npos);
  CHECK(target.rows("organization", {"source_key"}).empty());

  other->reset();
  LoadOutcome loaded = load_ok(target, organizations(), three_organizations(), "organization", "3");
  CHECK(loaded.loaded == 3);
}

TEST_CASE("target_store: opening names what is wrong") {
  auto model = model::builtin_model();
  REQUIRE(model.is_ok());
  test::TempDir dir;
  std::string path = (dir.path() / "t.db").string();
  auto schema = TargetStore::open("sqlite:" + path, "crm", *model);
  CHECK(schema.status().code() == ErrorCode::kInvalidArgument);
  CHECK(schema.status().message() == "target sqlite:" + path + ": SQLite has no schemas, but schema 'crm' was given");
  auto csv = TargetStore::open("csv:" + path, "", *model);
  CHECK(csv.status().code() == ErrorCode::kInvalidArgument);
  CHECK(csv.status().message() == "target csv:" + path + ": a migration target must be PostgreSQL or SQLite, not csv");
  auto missing = TargetStore::open("sqlite:" + path + "?mode=rw", "", *model);
  CHECK(missing.status().code() == ErrorCode::kUnreachable);
  CHECK(missing.status().message() == "cannot open sqlite:" + path + "?mode=rw: no such file (add ?mode=rwc to create it)");
  auto created = TargetStore::open("sqlite:" + path, "", *model);
  REQUIRE_MESSAGE(created.is_ok(), created.status().message());
  CHECK((*created)->backend() == "sqlite");
}

}  // namespace
}  // namespace csbridge::migrate
