// End to end: a small Request Tracker whose users are agents (members of Privileged) or
// customers, migrated into SQLite; ticket messages take their author from one Creator column
// shared by both (lookup entity: [agent, customer]) and their body from child rows (from:).
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <ostream>
#include <string>
#include <vector>

#include "mapping/check.h"
#include "mapping/loader.h"
#include "migrate/migrate.h"
#include "test_support.h"
#include "validate/validate.h"

namespace csbridge::migrate {
namespace {

using test::Lines;


const char* kSource = R"(
CREATE TABLE Users (id INTEGER PRIMARY KEY, Name TEXT, RealName TEXT);
INSERT INTO Users VALUES (1, 'RT_System', NULL), (2, 'root', NULL), (3, 'alice', 'Alice Agent'), (4, 'bob', 'Bob'),
  (5, 'carol', 'Carol'), (6, 'Nobody', NULL);
CREATE TABLE "Groups" (id INTEGER PRIMARY KEY, Name TEXT, Domain TEXT, Instance INTEGER);
INSERT INTO "Groups" VALUES (10, 'Privileged', 'SystemInternal', 0), (11, 'Unprivileged', 'SystemInternal', 0);
CREATE TABLE GroupMembers (id INTEGER PRIMARY KEY, GroupId INTEGER, MemberId INTEGER);
INSERT INTO GroupMembers VALUES (1, 10, 2), (2, 10, 3), (3, 11, 4), (4, 11, 5), (5, 10, NULL);
CREATE TABLE Tickets (id INTEGER PRIMARY KEY, Subject TEXT, Created TEXT);
INSERT INTO Tickets VALUES (100, 'printer', '2024-03-01 08:00:00'), (101, 'vpn', '2024-03-02 09:00:00');
CREATE TABLE Transactions (id INTEGER PRIMARY KEY, ObjectType TEXT, ObjectId INTEGER, Type TEXT, Creator INTEGER,
  Created TEXT);
INSERT INTO Transactions VALUES
  (1000, 'RT::Ticket', 100, 'Create', 4, '2024-03-01 08:00:00'),
  (1001, 'RT::Ticket', 100, 'Correspond', 3, '2024-03-01 08:10:00'),
  (1002, 'RT::Ticket', 100, 'Comment', 2, '2024-03-01 08:20:00'),
  (1003, 'RT::Ticket', 100, 'Status', 3, '2024-03-01 08:30:00'),
  (1004, 'RT::Ticket', 101, 'Create', 5, '2024-03-02 09:00:00'),
  (1005, 'RT::Ticket', 101, 'Correspond', 1, '2024-03-02 09:01:00'),
  (1006, 'RT::User', 4, 'Create', 1, '2024-02-01 00:00:00'),
  (1007, 'RT::Ticket', 101, 'Correspond', 99, '2024-03-02 09:30:00');
CREATE TABLE Attachments (id INTEGER PRIMARY KEY, TransactionId INTEGER, ContentType TEXT, Content TEXT,
  ContentEncoding TEXT);
INSERT INTO Attachments VALUES
  (1, 1000, 'multipart/mixed', NULL, NULL), (2, 1000, 'text/plain', 'hello from bob', 'none'),
  (3, 1001, 'text/plain', 'aGk=', 'base64'), (4, 1002, 'text/plain', 'internal note', 'none'),
  (5, 1004, 'text/html', '<p>first</p>', 'none'), (6, 1004, 'text/plain', 'first part', 'none'),
  (7, 1004, 'text/plain', 'second part', 'none'), (8, 1005, 'text/plain', 'auto reply', NULL),
  (9, 1007, 'text/plain', 'ghost', 'none');
)";

const char* kAgent = R"(entity: agent
source: rt
table: Users
key: id
filter:
  id:
    in:
      table: GroupMembers
      column: MemberId
      where:
        GroupId: {in: {table: Groups, column: id, where: {Domain: SystemInternal, Name: Privileged}}}
fields:
  name: {columns: [RealName, Name], steps: [coalesce]}
  role: {column: Name, steps: [{map: {values: {root: admin}, else: agent}}]}
  is_active: {value: "true"}
custom: none
)";

const char* kCustomer = R"(entity: customer
source: rt
table: Users
key: id
filter:
  id:
    not_in:
      table: GroupMembers
      column: MemberId
      where:
        GroupId: {in: {table: Groups, column: id, where: {Domain: SystemInternal, Name: Privileged}}}
  Name: {not: [RT_System, Nobody]}
fields:
  name: RealName
custom: none
)";

const char* kTicket = R"(entity: ticket
source: rt
table: Tickets
key: id
fields:
  subject: Subject
  status: {value: open}
  priority: {value: normal}
  channel: {value: email}
  created_at: Created
custom: none
)";

const char* kMessage = R"(entity: ticket_message
source: rt
table: Transactions
key: id
filter:
  ObjectType: RT::Ticket
  Type: [Create, Correspond, Comment]
fields:
  ticket_id: {column: ObjectId, lookup: ticket}
  author_kind: {resolved: author_agent_id, default: system}
  author_agent_id:
    column: Creator
    steps: [{null_if: "1"}]
    lookup: {entity: [agent, customer], orphans: null}
  author_customer_id:
    column: Creator
    steps: [{null_if: "1"}]
    lookup: {entity: [agent, customer], orphans: null}
  is_internal:
    column: Type
    steps: [{map: {values: {Comment: "true", Create: "false", Correspond: "false"}}}]
  body:
    from:
      pick: first
      table: Attachments
      key: TransactionId
      filter: {ContentType: text/plain}
      order: id
      columns: [Content, ContentEncoding]
    steps: [decode]
  created_at: Created
custom: none
)";

config::EnvLookup test_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (name == "CSBRIDGE_HMAC_KEY") return std::string("shared-keys-test-key");
    return std::nullopt;
  };
}

struct RtProject {
  test::TempDir dir;
  std::string source = (dir.path() / "rt.db").string();
  std::string target = (dir.path() / "cs.db").string();
  model::Model model = model::builtin_model().value();
  config::Config config;
  mapping::LoadResult loaded;

  explicit RtProject(const std::string& customer = kCustomer, const std::string& message = kMessage) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(source.c_str(), &db) == SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, kSource, nullptr, nullptr, &err);
    std::string failure = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    REQUIRE_MESSAGE(rc == SQLITE_OK, failure);
    dir.write("mappings/agent.yaml", kAgent);
    dir.write("mappings/customer.yaml", customer);
    dir.write("mappings/ticket.yaml", kTicket);
    dir.write("mappings/ticket_message.yaml", message);
    std::string yaml = "version: 1\nsources:\n  rt:\n    connection: sqlite:" + source +
                       "\n    timezone: UTC\ntarget: sqlite:" + target + "\nmappings: mappings/\n"
                       "masking:\n  hmac_key_env: CSBRIDGE_HMAC_KEY\n  actions: {phone: mask, national_id: mask, "
                       "bank_card: mask, email: mask, name: keep, address: mask, free_text: keep}\n"
                       "options:\n  batch_rows: 2\n  default_timezone: UTC\n";
    auto c = config::load_config(dir.write("csbridge.yaml", yaml), test_env());
    REQUIRE_MESSAGE(c.is_ok(), c.status().message());
    config = std::move(c).value();
    loaded = mapping::load_mappings(config.mappings, config, model);
    for (const auto& d : loaded.diagnostics) INFO(mapping::format_diagnostic(d));
    REQUIRE_FALSE(loaded.has_errors());
  }

  MigrateOptions options() const {
    MigrateOptions o;
    o.reject_file = (dir.path() / "rejects.jsonl").string();
    o.env = test_env();
    return o;
  }

  static const EntityCounts& entity(const MigrateSummary& s, const std::string& name) {
    for (const auto& e : s.entities) {
      if (e.name == name) return e;
    }
    FAIL("no entity " << name);
    return s.entities.front();
  }

  // Rows of a query on the target, cells joined by '|' (NULL as "NULL").
  Lines query(const std::string& sql) const {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(target.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    std::string message = rc == SQLITE_OK ? "" : sqlite3_errmsg(db);
    Lines out;
    while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      std::string line;
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const unsigned char* text = sqlite3_column_text(st, c);
        line += (c ? "|" : "") + (text ? std::string(reinterpret_cast<const char*>(text)) : std::string("NULL"));
      }
      out.push_back(line);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    REQUIRE_MESSAGE(rc == SQLITE_OK, message);
    return out;
  }
};

const char* kMessages =
    "SELECT m.source_key, m.author_kind, a.source_key, c.source_key, m.is_internal, m.body "
    "FROM ticket_message m LEFT JOIN agent a ON a.id = m.author_agent_id "
    "LEFT JOIN customer c ON c.id = m.author_customer_id ORDER BY CAST(m.source_key AS INTEGER)";

TEST_CASE("shared keys migrate: authors are agents or customers by the crosswalk, bodies come from child rows") {
  RtProject p;
  auto s = run_migration(p.config, p.loaded.set, p.model, p.options());
  REQUIRE_MESSAGE(s.is_ok(), s.status().message());
  CHECK(s->status == "ok");
  for (const auto& e : s->entities) {
    INFO(e.name);
    CHECK(e.read == e.loaded + e.unchanged + e.rejected + e.filtered);
    CHECK(e.rejected == 0);
  }
  CHECK(RtProject::entity(*s, "agent").loaded == 2);
  CHECK(RtProject::entity(*s, "customer").loaded == 2);
  CHECK(RtProject::entity(*s, "ticket").loaded == 2);
  const EntityCounts& messages = RtProject::entity(*s, "ticket_message");
  CHECK(messages.read == 6);  // the filter left out 1003 (Status) and 1006 (RT::User)
  CHECK(messages.loaded == 6);
  // 99 is nobody's: an orphan in both fields; a key held by the other entity is no orphan.
  CHECK(messages.nulled_references == 2);
  CHECK(messages.nulled_by_field == std::map<std::string, int64_t>{{"author_agent_id", 1}, {"author_customer_id", 1}});

  CHECK(p.query("SELECT source_key FROM agent ORDER BY source_key") == std::vector<std::string>{"2", "3"});
  CHECK(p.query("SELECT source_key FROM customer ORDER BY source_key") == std::vector<std::string>{"4", "5"});
  Lines rows = p.query(kMessages);
  CHECK(rows == std::vector<std::string>{
                    "1000|customer|NULL|4|0|hello from bob",
                    "1001|agent|3|NULL|0|hi",
                    "1002|agent|2|NULL|1|internal note",
                    "1004|customer|NULL|5|0|first part",
                    "1005|system|NULL|NULL|0|auto reply",
                    "1007|system|NULL|NULL|0|ghost",
                });

  SUBCASE("a second run writes nothing") {
    auto again = run_migration(p.config, p.loaded.set, p.model, p.options());
    REQUIRE_MESSAGE(again.is_ok(), again.status().message());
    for (const auto& e : again->entities) {
      INFO(e.name);
      CHECK(e.loaded == 0);
      CHECK(e.unchanged == e.read);
      CHECK(e.read == e.loaded + e.unchanged + e.rejected + e.filtered);
    }
    CHECK(RtProject::entity(*again, "ticket_message").unchanged == 6);
    CHECK(p.query(kMessages).size() == 6);
  }
  SUBCASE("validate resolves the source rows the same way: counts and rows pass") {
    validate::ValidateOptions o;
    o.env = test_env();
    o.checks = {"counts", "rows", "references", "crosswalk"};
    auto report = validate::run_validation(p.config, p.loaded.set, p.model, o);
    REQUIRE_MESSAGE(report.is_ok(), report.status().message());
    std::string failed;
    for (const auto& c : report->checks) {
      if (c.status != validate::CheckStatus::kFailed) continue;
      failed += c.name + "/" + c.entity + ":";
      for (const auto& f : c.failures) failed += " " + f.key + " " + f.kind + " (" + f.message + ")";
      failed += "\n";
    }
    CHECK_MESSAGE(report->status() != validate::CheckStatus::kFailed, failed);
    for (const auto& c : report->checks) {
      if (c.entity != "ticket_message" || c.name != "rows") continue;
      CHECK(c.figure("matched") == 6);
    }
  }
}

// Customers keyed "u:<id>" (key_prefix), agents by the bare id: a shared key is looked up as the
// field holds it under every listed entity, so one key space must be spelled one way. map check
// refuses a set where a listed entity has no block with the lookup's key_prefix.
TEST_CASE("shared keys migrate: a shared key space spelled with different key_prefixes is refused by map check") {
  std::string customer = kCustomer;
  customer.replace(customer.find("key: id\n"), 8, "key: id\nkey_prefix: \"u:\"\n");
  std::string message = kMessage;
  size_t at = message.find("lookup: {entity: [agent, customer], orphans: null}", message.find("author_customer_id"));
  message.replace(at, 50, "lookup: {entity: [agent, customer], key_prefix: \"u:\", orphans: null}");
  RtProject p(customer, message);
  std::vector<mapping::Diagnostic> out;
  mapping::check_mapping_set(p.loaded.set, p.model, out);
  std::vector<std::string> unresolvable;
  for (const auto& d : out) {
    if (d.code == "lookup_unresolvable") unresolvable.push_back(d.message);
  }
  // author_agent_id (no prefix) finds no customer block without one; author_customer_id ("u:")
  // finds no agent block with it.
  REQUIRE(unresolvable.size() == 2);
  CHECK(unresolvable[0].find("no customer block reads source 'rt' with key_prefix ''") != std::string::npos);
  CHECK(unresolvable[1].find("no agent block reads source 'rt' with key_prefix 'u:'") != std::string::npos);
}

}  // namespace
}  // namespace csbridge::migrate
