// map check (loader and data checks) of the constructs for real legacy schemas: filters,
// related rows (from:), shared key spaces and resolved fields (README "Real legacy schemas").
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <ostream>
#include <string>
#include <vector>

#include "connector/registry.h"
#include "mapping/check.h"
#include "mapping/loader.h"
#include "test_support.h"

namespace csbridge::mapping {
namespace {

using test::Lines;


const char* kSchema = R"(
CREATE TABLE Users (id INTEGER PRIMARY KEY, Name TEXT, RealName TEXT);
INSERT INTO Users VALUES (1, 'RT_System', NULL), (2, 'root', 'Root'), (3, 'bob', 'Bob');
CREATE TABLE "Groups" (id INTEGER PRIMARY KEY, Name TEXT, Domain TEXT, Instance INTEGER);
INSERT INTO "Groups" VALUES (10, 'Privileged', 'SystemInternal', 0);
CREATE TABLE GroupMembers (id INTEGER PRIMARY KEY, GroupId INTEGER, MemberId INTEGER);
INSERT INTO GroupMembers VALUES (1, 10, 2);
CREATE TABLE Tickets (id INTEGER PRIMARY KEY, Subject TEXT, Owner INTEGER, IsMerged INTEGER, EffectiveId INTEGER,
  Created TEXT);
INSERT INTO Tickets VALUES (100, 'printer', 2, 0, 100, '2024-01-02 03:04:05');
CREATE TABLE Transactions (id INTEGER PRIMARY KEY, ObjectType TEXT, ObjectId INTEGER, Type TEXT, Creator INTEGER,
  Created TEXT);
INSERT INTO Transactions VALUES (1000, 'RT::Ticket', 100, 'Create', 3, '2024-01-02 03:04:05');
CREATE TABLE Attachments (id INTEGER PRIMARY KEY, TransactionId INTEGER, ContentType TEXT, Content TEXT,
  ContentEncoding TEXT);
INSERT INTO Attachments VALUES (1, 1000, 'text/plain', 'hello', 'none');
)";

// A project with source `rt` (SQLite, RT's mixed-case names) and `files` (a CSV folder).
struct Project {
  test::TempDir dir;
  std::string db = (dir.path() / "rt.db").string();
  Project() {
    sqlite3* handle = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(handle, kSchema, nullptr, nullptr, &err);
    std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(handle);
    REQUIRE_MESSAGE(rc == SQLITE_OK, message);
    dir.write("csv/transactions.csv", "id,ObjectId,Creator,Type\n1000,100,3,Create\n");
    dir.write("csv/members.csv", "id,MemberId\n1,2\n");
  }
};

// Loads one mapping document and runs map check on it, as check_test.cc does.
struct Checked {
  model::Model model = model::builtin_model().value();
  config::Config config;
  LoadResult loaded;
  Lines messages;

  Checked(const Project& project, const std::string& yaml) {
    config.sources.push_back({"rt", "sqlite:" + project.db, "", "", 1, {}});
    config.sources.push_back({"files", "csv:" + (project.dir.path() / "csv").string(), "", "", 2, {}});
    config.options.default_timezone = "UTC";
    load_mapping_document(config::parse_yaml(yaml, "m.yaml").value(), config, model, loaded);
    // As `map check` does, the data is checked only when the files themselves load cleanly
    // (check_against_sources takes a field with errors for a column field).
    const bool files_valid = !loaded.has_errors();
    check_mapping_set(loaded.set, model, loaded.diagnostics);
    if (files_valid) {
      check_against_sources(loaded.set, config, model, default_source_opener(), {}, loaded.diagnostics);
    }
    for (const auto& d : loaded.diagnostics) {
      messages.push_back(std::to_string(d.at.line) + ":" + std::to_string(d.at.col) + " " + d.code + ": " + d.message);
    }
  }
  // The messages of these codes, in order.
  Lines of(std::initializer_list<const char*> codes) const {
    Lines out;
    for (const auto& m : messages) {
      for (const char* c : codes) {
        if (m.find(std::string(" ") + c + ": ") != std::string::npos) {
          out.push_back(m);
          break;
        }
      }
    }
    return out;
  }
};

// Blocks every other case leans on, clean: agents and customers of Users split by membership,
// tickets, and messages whose author is either (the README's RT example, small).
const char* kAgent = R"(  - entity: agent
    source: rt
    table: Users
    key: id
    filter: {id: {in: {table: GroupMembers, column: MemberId, where: {GroupId: {in: {table: Groups, column: id, where: {Name: Privileged}}}}}}}
    fields: {name: Name, role: {value: agent}, is_active: {value: "true"}}
    custom: none
)";
const char* kCustomer = R"(  - entity: customer
    source: rt
    table: users
    key: id
    filter: {id: {not_in: {table: groupmembers, column: memberid}}, Name: {not: RT_System}}
    fields: {name: realname}
    custom: none
)";
const char* kTicket = R"(  - entity: ticket
    source: rt
    table: Tickets
    key: id
    fields:
      subject: Subject
      assignee_id: {column: Owner, lookup: {entity: agent, orphans: null}}
      status: {value: open}
      priority: {value: normal}
      channel: {value: email}
      created_at: Created
      merged_into_id: {column: EffectiveId, lookup: {entity: ticket, orphans: null, when: {IsMerged: 1}}}
    custom: none
)";
const char* kMessage = R"(  - entity: ticket_message
    source: rt
    table: Transactions
    key: id
    filter: {ObjectType: RT::Ticket, Type: [Create, Correspond, Comment]}
    fields:
      ticket_id: {column: ObjectId, lookup: ticket}
      author_kind: {resolved: author_agent_id, default: system}
      author_agent_id: {column: Creator, lookup: {entity: [agent, customer], orphans: null}}
      author_customer_id: {column: Creator, lookup: {entity: [agent, customer], orphans: null}}
      is_internal: {value: "false"}
      body:
        from: {table: Attachments, key: TransactionId, filter: {ContentType: text/plain}, order: id, columns: [Content, ContentEncoding]}
        steps: [decode]
      created_at: Created
    custom: none
)";

std::string set_of(std::initializer_list<const char*> blocks) {
  std::string out = "mappings:\n";
  for (const char* b : blocks) out += b;
  return out;
}

TEST_CASE("legacy constructs: a clean project of filters, related rows and a shared key space passes map check") {
  Project p;
  Checked c(p, set_of({kAgent, kCustomer, kTicket, kMessage}));
  CHECK(c.messages.empty());
  CHECK_FALSE(c.loaded.has_errors());
}

TEST_CASE("legacy constructs: a resolved field names a field whose lookup shares a key space") {
  Project p;
  SUBCASE("the block has no shared lookup at all") {
    Checked c(p, R"(entity: ticket_message
source: rt
table: Transactions
key: id
fields:
  author_kind: {resolved: author_agent_id, default: system}
  author_agent_id: {column: Creator, lookup: {entity: agent, orphans: null}}
)");
    CHECK(c.of({"bad_value"}) ==
          std::vector<std::string>{"6:27 bad_value: 'resolved' names a field of this block whose lookup lists a "
                                   "shared key space (entity: [a, b]); this block has none"});
    REQUIRE(c.loaded.set.blocks.size() == 1);
    CHECK(c.loaded.set.blocks[0].field("author_kind")->invalid);
  }
  SUBCASE("a misspelled field, with did-you-mean") {
    Checked c(p, set_of({kAgent, kCustomer, R"(  - entity: ticket_message
    source: rt
    table: Transactions
    key: id
    fields:
      author_kind: {resolved: author_agent, default: system}
      author_agent_id: {column: Creator, lookup: {entity: [agent, customer], orphans: null}}
)"}));
    CHECK(c.of({"bad_value"}) ==
          std::vector<std::string>{"21:31 bad_value: 'resolved' names a field of this block whose lookup lists a "
                                   "shared key space (entity: [a, b]), did you mean 'author_agent_id'?"});
  }
  SUBCASE("resolved values outside the field's domain, and a field that cannot hold a name") {
    Checked c(p, set_of({kAgent, R"(  - entity: organization
    source: rt
    table: Users
    key: id
    fields: {name: Name}
  - entity: ticket_message
    source: rt
    table: Transactions
    key: id
    fields:
      author_kind: {resolved: author_agent_id, default: system}
      is_internal: {resolved: author_agent_id}
      author_agent_id: {column: Creator, lookup: {entity: [agent, organization], orphans: null}}
)"}));
    CHECK(c.of({"not_in_domain", "type_mismatch"}) ==
          std::vector<std::string>{
              "19:31 not_in_domain: 'organization' (an entity of author_agent_id's key space) is not a "
              "ticket_message.author_kind value; expected one of customer, agent, system",
              "20:31 type_mismatch: ticket_message.is_internal (boolean) cannot hold an entity name",
          });
  }
  SUBCASE("a resolved field takes neither steps nor a lookup") {
    Checked c(p, set_of({kAgent, kCustomer, R"(  - entity: ticket_message
    source: rt
    table: Transactions
    key: id
    fields:
      author_kind: {resolved: author_agent_id, steps: [trim], lookup: agent}
      author_agent_id: {column: Creator, lookup: {entity: [agent, customer], orphans: null}}
)"}));
    CHECK(c.of({"bad_value", "lookup_mismatch"}) ==
          std::vector<std::string>{
              "21:55 bad_value: a 'resolved' field takes no steps (only a default)",
              "21:71 lookup_mismatch: ticket_message.author_kind is resolved, not looked up",
          });
  }
}

TEST_CASE("legacy constructs: a shared key space lists the field's entity, blocks loaded before it") {
  Project p;
  SUBCASE("the field's own entity is not listed") {
    Checked c(p, set_of({kAgent, kCustomer, R"(  - entity: ticket_message
    source: rt
    table: Transactions
    key: id
    fields:
      author_agent_id: {column: Creator, lookup: {entity: [customer, organization], orphans: null}}
)"}));
    CHECK(c.of({"lookup_mismatch"}) ==
          std::vector<std::string>{"21:59 lookup_mismatch: author_agent_id references agent, which the shared key "
                                   "space does not list"});
  }
  SUBCASE("a listed entity no block loads") {
    Checked c(p, set_of({kAgent, R"(  - entity: ticket_message
    source: rt
    table: Transactions
    key: id
    fields:
      author_agent_id: {column: Creator, lookup: {entity: [agent, customer], orphans: null}}
)"}));
    CHECK(c.of({"lookup_unresolvable"}) ==
          std::vector<std::string>{
              "14:50 lookup_unresolvable: the shared key space lists customer, which no mapping block loads"});
  }
  SUBCASE("a listed entity migrate loads after the block's") {
    Checked c(p, set_of({kAgent, kCustomer, R"(  - entity: ticket
    source: rt
    table: Tickets
    key: id
    fields:
      assignee_id: {column: Owner, lookup: {entity: [agent, ticket_message], orphans: null}}
      customer_id: {column: Owner, lookup: {entity: [customer, ticket], orphans: null}}
)", kMessage}));
    CHECK(c.of({"lookup_order"}) ==
          std::vector<std::string>{
              "21:44 lookup_order: the shared key space lists ticket_message, which migrate loads after ticket: its "
              "keys could not be told apart yet",
              "22:44 lookup_order: the shared key space lists ticket, which migrate loads after ticket: its keys "
              "could not be told apart yet",
          });
  }
  SUBCASE("an entity listed twice, a list of one, an unknown entity") {
    Checked c(p, R"(entity: ticket_message
source: rt
table: Transactions
key: id
fields:
  author_agent_id: {column: Creator, lookup: {entity: [agent, agent]}}
  author_customer_id: {column: Creator, lookup: {entity: [customer]}}
  ticket_id: {column: ObjectId, lookup: {entity: [ticket, tickt]}}
)");
    CHECK(c.of({"bad_value", "unknown_entity"}) ==
          std::vector<std::string>{
              "6:63 bad_value: entity 'agent' is listed twice",
              "7:58 bad_value: a shared key space lists two or more entities (else write 'entity: NAME')",
              "8:59 unknown_entity: lookup of unknown CS entity 'tickt', did you mean 'ticket'?",
          });
  }
}

// The README: a shared space's entities must each have a block that migrate loads first, and
// the crosswalk is asked for each with the lookup's own source and key_prefix. A customer block
// of another key_prefix never holds those keys: every customer's author_kind silently becomes
// the default. check_lookups says so for the field's own entity only.
TEST_CASE("legacy constructs: a shared entity whose blocks use another key_prefix cannot resolve") {
  Project p;
  Checked c(p, set_of({kAgent, R"(  - entity: customer
    source: rt
    table: Users
    key: id
    key_prefix: "u:"
    fields: {name: RealName}
    custom: none
  - entity: ticket_message
    source: rt
    table: Transactions
    key: id
    fields:
      author_kind: {resolved: author_agent_id, default: system}
      author_agent_id: {column: Creator, lookup: {entity: [agent, customer], orphans: null}}
)"}));
  CHECK(c.of({"lookup_unresolvable"}).size() == 1);
}

TEST_CASE("legacy constructs: a lookup's when tests the row read, never another table") {
  Project p;
  Checked in(p, R"(entity: ticket
source: rt
table: Tickets
key: id
fields:
  merged_into_id: {column: EffectiveId, lookup: {entity: ticket, when: {IsMerged: {in: {table: Tickets, column: id}}}}}
)");
  CHECK(in.of({"bad_value"}) ==
        std::vector<std::string>{
            "6:84 bad_value: 'in' reads another table: only a block's filter and a related table's filter can"});
  Checked column(p, R"(entity: ticket
source: rt
table: Tickets
key: id
fields:
  assignee_id: {column: Owner, lookup: {entity: agent, when: {IsMergd: 1}, orphans: null}}
)");
  CHECK(column.of({"unknown_column"}) ==
        std::vector<std::string>{"6:63 unknown_column: unknown column 'IsMergd' in rt.Tickets, did you mean 'IsMerged'?"});
}

TEST_CASE("legacy constructs: unknown tables and columns of filters and related rows, each at its node") {
  Project p;
  SUBCASE("a hop's key, column, order and filter") {
    Checked c(p, R"(entity: ticket_message
source: rt
table: Transactions
key: id
fields:
  body:
    from:
      table: Attachments
      key: TransactionIdd
      filter: {ContentTyp: text/plain}
      order: Idd
      columns: [Content, ContentEncodin]
    steps: [decode]
)");
    CHECK(c.of({"unknown_column", "unknown_table"}) ==
          std::vector<std::string>{
              "9:12 unknown_column: unknown column 'TransactionIdd' in rt.Attachments, did you mean 'TransactionId'?",
              "12:26 unknown_column: unknown column 'ContentEncodin' in rt.Attachments, did you mean "
              "'ContentEncoding'?",
              "11:14 unknown_column: unknown column 'Idd' in rt.Attachments, did you mean 'id'?",
              "10:16 unknown_column: unknown column 'ContentTyp' in rt.Attachments, did you mean 'ContentType'?",
          });
  }
  SUBCASE("a related table the source lacks, and a path's second hop") {
    Checked c(p, R"(entity: ticket
source: rt
table: Tickets
key: id
fields:
  subject:
    from: {table: Attachment, key: TransactionId, column: Content}
  category:
    from:
      path:
        - {table: Groups, key: Instance, column: id}
        - {table: GroupMembers, key: GroupId, column: MemberIdd}
)");
    CHECK(c.of({"unknown_column", "unknown_table"}) ==
          std::vector<std::string>{
              "7:11 unknown_table: source 'rt' has no table 'Attachment'",
              "12:55 unknown_column: unknown column 'MemberIdd' in rt.GroupMembers, did you mean 'MemberId'?",
          });
  }
  SUBCASE("a from: by a column the block's table lacks") {
    Checked c(p, R"(entity: ticket_message
source: rt
table: Transactions
key: id
fields:
  body:
    from: {table: Tickets, key: id, by: ObjectIdd, column: Subject}
)");
    CHECK(c.of({"unknown_column"}) ==
          std::vector<std::string>{
              "7:41 unknown_column: unknown column 'ObjectIdd' in rt.Transactions, did you mean 'ObjectId'?"});
  }
  SUBCASE("a block filter's column, its other table, that table's column and its nested where") {
    Checked c(p, R"(entity: customer
source: rt
table: Users
key: id
filter:
  Nam: {not: RT_System}
  id: {in: {table: GroupMember, column: MemberId}}
  RealName: {in: {table: GroupMembers, column: MemberIdd}}
  Name:
    not_in:
      table: GroupMembers
      column: MemberId
      where: {GroupIdd: {in: {table: Groupz, column: id}}}
fields: {name: RealName}
)");
    CHECK(c.of({"unknown_column", "unknown_table"}) ==
          std::vector<std::string>{
              "6:3 unknown_column: unknown column 'Nam' in rt.Users, did you mean 'Name'?",
              "7:3 unknown_table: source 'rt' has no table 'GroupMember'",
              "8:3 unknown_column: unknown column 'MemberIdd' in rt.GroupMembers, did you mean 'MemberId'?",
              "13:15 unknown_column: unknown column 'GroupIdd' in rt.GroupMembers, did you mean 'GroupId'?",
              "13:15 unknown_table: source 'rt' has no table 'Groupz'",
          });
  }
  SUBCASE("a composite key names the column related rows start from") {
    Checked c(p, R"(entity: ticket_message
source: rt
table: Transactions
key: [id, ObjectId]
fields:
  body: {from: {table: Attachments, key: TransactionId, column: Content}}
)");
    CHECK(c.of({"bad_value"}) ==
          std::vector<std::string>{"6:3 bad_value: field body reads related rows of a block with a composite key: "
                                   "say which column they match with 'by'"});
  }
}

TEST_CASE("legacy constructs: related rows and filters through other tables need a database source") {
  Project p;
  SUBCASE("a from: field on a CSV source") {
    Checked c(p, R"(entity: ticket_message
source: files
table: transactions
key: id
fields:
  body: {from: {table: attachments, key: TransactionId, column: Content}}
  is_internal: {value: "false"}
)");
    CHECK(c.of({"needs_database"}) ==
          std::vector<std::string>{
              "6:3 needs_database: field body reads related rows (from:), which needs a database source; files is csv"});
  }
  SUBCASE("a filter through another table on a CSV source: one diagnostic, no unknown table") {
    Checked c(p, R"(entity: ticket_message
source: files
table: transactions
key: id
filter: {Creator: {in: {table: members, column: MemberId}}, Type: Create}
fields:
  is_internal: {value: "false"}
)");
    CHECK(c.of({"needs_database", "unknown_table", "unknown_column"}) ==
          std::vector<std::string>{
              "5:9 needs_database: a filter through another table needs a database source; files is csv"});
  }
  SUBCASE("a plain filter on a CSV source is fine, its columns checked") {
    Checked c(p, R"(entity: ticket_message
source: files
table: transactions
key: id
filter: {Type: Create, Creatr: 3}
fields:
  is_internal: {value: "false"}
)");
    CHECK(c.of({"needs_database", "unknown_table", "unknown_column"}) ==
          std::vector<std::string>{
              "5:24 unknown_column: unknown column 'Creatr' in files.transactions, did you mean 'Creator'?"});
  }
}

}  // namespace
}  // namespace csbridge::mapping
