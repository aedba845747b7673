#include "mapping/block_reader.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <ostream>
#include <string>
#include <vector>

#include "connector/registry.h"
#include "mapping/loader.h"
#include "mapping/row_mapper.h"
#include "test_support.h"

namespace csbridge::mapping {
namespace {

using test::Lines;


// A small Request Tracker: names in RT's mixed case, as RT's SQLite schema writes them.
const char* kRtLike = R"(
CREATE TABLE Users (id INTEGER PRIMARY KEY, Name TEXT, RealName TEXT);
INSERT INTO Users VALUES (1, 'RT_System', NULL), (2, 'root', 'Enoch Root'), (3, 'alice', 'Alice Agent'),
  (4, 'bob', NULL), (5, 'carol', 'Carol Customer'), (6, 'Nobody', NULL), (7, 'dave', 'Dave');
CREATE TABLE "Groups" (id INTEGER PRIMARY KEY, Name TEXT, Domain TEXT, Instance INTEGER);
INSERT INTO "Groups" VALUES (10, 'Privileged', 'SystemInternal', 0), (11, 'Unprivileged', 'SystemInternal', 0),
  (12, 'Privileged', 'UserDefined', 0),
  (20, 'Requestor', 'RT::Ticket-Role', 100), (21, 'Owner', 'RT::Ticket-Role', 100),
  (22, 'Requestor', 'RT::Ticket-Role', 101), (23, 'Requestor', 'RT::Queue-Role', 100);
CREATE TABLE GroupMembers (id INTEGER PRIMARY KEY, GroupId INTEGER, MemberId INTEGER);
INSERT INTO GroupMembers VALUES (1, 10, 2), (2, 10, 3), (3, 11, 4), (4, 11, 5), (5, 12, 5), (6, 10, NULL),
  (7, 20, 4), (8, 21, 3), (9, 22, 5), (10, 22, 4), (11, 23, 7);
CREATE TABLE Tickets (id INTEGER PRIMARY KEY, Subject TEXT, IsMerged INTEGER, EffectiveId INTEGER);
INSERT INTO Tickets VALUES (100, 'printer', 0, 100), (101, 'printer again', 1, 100), (102, 'vpn', 0, 102),
  (103, 'no requestor', 0, 103);
CREATE TABLE Transactions (id INTEGER PRIMARY KEY, ObjectType TEXT, ObjectId INTEGER, Type TEXT, Creator INTEGER);
INSERT INTO Transactions VALUES (1000, 'RT::Ticket', 100, 'Create', 4), (1001, 'RT::Ticket', 100, 'Correspond', 3),
  (1002, 'RT::Ticket', 100, 'Status', 3), (1003, 'RT::User', 4, 'Create', 1), (1004, 'RT::Ticket', 101, 'Create', 5),
  (1005, 'RT::Ticket', 101, 'Comment', 2), (1006, 'RT::Ticket', 102, 'Create', 1), (1007, 'RT::Ticket', 102, NULL, 7);
CREATE TABLE Attachments (id INTEGER PRIMARY KEY, TransactionId INTEGER, ContentType TEXT, Content TEXT,
  ContentEncoding TEXT);
INSERT INTO Attachments VALUES (1, 1000, 'multipart/mixed', NULL, NULL), (2, 1000, 'text/plain', 'hello', 'none'),
  (3, 1000, 'text/plain', 'another part', 'none'), (4, 1001, 'text/plain', 'aGk=', 'base64'),
  (5, 1004, 'text/html', '<p>x</p>', 'none'), (6, 1004, 'text/plain', 'plain x', NULL),
  (7, 1006, 'text/plain', NULL, 'none'), (8, 1006, 'text/plain', 'after null', 'none');
CREATE TABLE Items (id INTEGER PRIMARY KEY, Label TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) INSERT INTO Items SELECT x, 'item ' || x FROM c;
CREATE TABLE ItemNotes (id INTEGER PRIMARY KEY, ItemId INTEGER, Note TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10)
  INSERT INTO ItemNotes (ItemId, Note) SELECT x, 'n' || x || 'a' FROM c WHERE x % 3 != 0;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10)
  INSERT INTO ItemNotes (ItemId, Note) SELECT x, 'n' || x || 'b' FROM c WHERE x % 2 = 0;
CREATE TABLE Legacy (id INTEGER PRIMARY KEY, Flag, Ref);
INSERT INTO Legacy VALUES (1, 0, 1000), (2, 1, 1001);
CREATE TABLE LegacyNotes (id INTEGER PRIMARY KEY, Ref, Note);
INSERT INTO LegacyNotes VALUES (1, 1001, 'note of 2');
)";

void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, message);
}

// Rows as "a|b|NULL", columns by name.
struct Rows {
  Lines columns;
  Lines rows;
  size_t batches = 0;
  size_t largest_batch = 0;
};

struct Project {
  test::TempDir dir;
  std::string db_path = (dir.path() / "rt.db").string();
  std::string csv_path;
  model::Model model = model::builtin_model().value();
  config::Config config;
  LoadResult loaded;
  int related_opened = 0;

  Project() {
    exec_sql(db_path, kRtLike);
    csv_path = dir.write("users.csv", "id,Name,Kind\n1,RT_System,system\n2,root,agent\n3,alice,agent\n4,bob,\n"
                                      "5,carol,customer\n");
    config.sources.push_back({"rt", "sqlite:" + db_path, "", "", 1, {}});
    config.sources.push_back({"files", "csv:" + csv_path, "", "", 2, {}});
    config.options.default_timezone = "UTC";
  }

  // Loads `yaml` (one block, or `mappings:` with several); no diagnostic expected.
  const MappingSet& load(const std::string& yaml) {
    loaded = LoadResult{};
    load_mapping_document(config::parse_yaml(yaml, "m.yaml").value(), config, model, loaded);
    for (const auto& d : loaded.diagnostics) INFO(format_diagnostic(d));
    REQUIRE(loaded.diagnostics.empty());
    REQUIRE_FALSE(loaded.set.blocks.empty());
    return loaded.set;
  }
  const Block& block(size_t i = 0) const { return loaded.set.blocks.at(i); }

  std::unique_ptr<connector::Connector> open(const std::string& source = "rt") {
    auto db = connector::open_connector(config.source(source)->connection);
    REQUIRE_MESSAGE(db.is_ok(), db.status().message());
    return std::move(db).value();
  }
  RelatedOpener opener(const std::string& source = "rt") {
    return [this, source]() -> Result<std::unique_ptr<connector::Connector>> {
      ++related_opened;
      return connector::open_connector(config.source(source)->connection);
    };
  }

  // The block's rows as migrate reads them: its columns, ordered by its key (databases).
  Result<std::unique_ptr<connector::RowReader>> reader(connector::Connector& db, const Block& b, size_t batch_rows = 1000) {
    connector::ReadRequest request;
    request.table = b.table_ref();
    request.columns = BlockMapper::columns_to_read(b);
    if (db.runs_sql()) {  // as migrate asks: the block's where, ordered by its key
      request.where = b.where;
      request.order_by = b.key;
    }
    request.batch_rows = batch_rows;
    return read_block(db, b, request, opener(b.source));
  }

  Rows read(const Block& b, size_t batch_rows = 1000) {
    auto db = open(b.source);
    auto r = reader(*db, b, batch_rows);
    REQUIRE_MESSAGE(r.is_ok(), r.status().message());
    Rows out;
    for (const auto& c : (*r)->columns()) out.columns.push_back(c.name);
    connector::Batch batch;
    while (true) {
      auto more = (*r)->next(batch);
      REQUIRE_MESSAGE(more.is_ok(), more.status().message());
      if (!*more) break;
      ++out.batches;
      out.largest_batch = std::max(out.largest_batch, batch.rows());
      for (size_t row = 0; row < batch.rows(); ++row) {
        std::string line;
        for (size_t c = 0; c < batch.columns(); ++c) {
          line += (c ? "|" : "") + (batch.is_null(row, c) ? std::string("NULL") : std::string(batch.get(row, c)));
        }
        out.rows.push_back(line);
      }
      CHECK((*r)->take_rejects().empty());
    }
    return out;
  }

  // The first column of every row read.
  Lines keys(const Block& b) {
    Lines out;
    for (const auto& row : read(b).rows) out.push_back(row.substr(0, row.find('|')));
    return out;
  }
};

using Keys = Lines;

const char* kAgents = R"(entity: agent
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
  role: {value: agent}
  is_active: {value: "true"}
custom: none
)";

const char* kCustomers = R"(entity: customer
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

std::string messages_block(const std::string& filter) {
  return "entity: ticket_message\nsource: rt\ntable: Transactions\nkey: id\nfilter:\n" + filter +
         "fields:\n  body: Type\ncustom: none\n";
}

TEST_CASE("block_reader: a block's filter is run by the source and reads exactly its rows") {
  Project p;
  SUBCASE("membership through two tables: the agents") {
    p.load(kAgents);
    CHECK(p.keys(p.block()) == Keys{"2", "3"});
  }
  SUBCASE("not_in a member list holding a NULL, and not a list of names: the customers") {
    p.load(kCustomers);
    CHECK(p.keys(p.block()) == Keys{"4", "5", "7"});
  }
  SUBCASE("equals and a list") {
    p.load(messages_block("  ObjectType: RT::Ticket\n  Type: [Create, Correspond]\n"));
    CHECK(p.keys(p.block()) == Keys{"1000", "1001", "1004", "1006"});
  }
  SUBCASE("a list with null") {
    p.load(messages_block("  ObjectType: RT::Ticket\n  Type: [Create, ~]\n"));
    CHECK(p.keys(p.block()) == Keys{"1000", "1004", "1006", "1007"});
  }
  SUBCASE("not: NULL passes unless listed") {
    p.load(messages_block("  ObjectType: RT::Ticket\n  Type: {not: [Create, Correspond]}\n"));
    CHECK(p.keys(p.block()) == Keys{"1002", "1005", "1007"});
    p.load(messages_block("  ObjectType: RT::Ticket\n  Type: {not: [Create, Correspond, ~]}\n"));
    CHECK(p.keys(p.block()) == Keys{"1002", "1005"});
  }
  SUBCASE("an integer column equals its value written as text") {
    p.load(messages_block("  ObjectId: 101\n"));
    CHECK(p.keys(p.block()) == Keys{"1004", "1005"});
  }
  SUBCASE("the filter is ANDed with the where the caller asks (the block's)") {
    p.load("entity: ticket_message\nsource: rt\ntable: Transactions\nkey: id\nwhere: \"Creator <> 1\"\n"
           "filter: {ObjectType: RT::Ticket, Type: Create}\nfields:\n  body: Type\ncustom: none\n");
    CHECK(p.keys(p.block()) == Keys{"1000", "1004"});
  }
  SUBCASE("the rows keep the columns the request names, the filter's included") {
    p.load(messages_block("  ObjectType: RT::Ticket\n  Type: Comment\n"));
    Rows rows = p.read(p.block());
    CHECK(rows.columns == std::vector<std::string>{"id", "Type", "ObjectType"});
    CHECK(rows.rows == std::vector<std::string>{"1005|Comment|RT::Ticket"});
    CHECK(p.related_opened == 0);  // no from: field, no second connection
  }
}

TEST_CASE("block_reader: names written in another case are found as the source spells them") {
  Project p;
  p.load(R"(entity: customer
source: rt
table: users
key: ID
filter:
  name: {not: [RT_System, Nobody]}
  ID: {not_in: {table: groupmembers, column: memberid, where: {groupid: {in: {table: GROUPS, column: ID, where: {domain: SystemInternal, name: Privileged}}}}}}
fields:
  name: realname
custom: none
)");
  Rows rows = p.read(p.block());
  CHECK(rows.columns == std::vector<std::string>{"id", "RealName", "Name"});
  CHECK(rows.rows == std::vector<std::string>{"4|NULL|bob", "5|Carol Customer|carol", "7|Dave|dave"});

  auto db = p.open();
  SourceNames names(*db);
  auto users = names.table("users");
  REQUIRE(users.is_ok());
  CHECK((*users)->ref.name == "Users");
  auto exact = names.table("Users");
  REQUIRE(exact.is_ok());
  CHECK((*exact)->ref.name == "Users");
  auto column = names.column("USERS", "realname");
  REQUIRE(column.is_ok());
  CHECK(*column == "RealName");
  CHECK(names.quoted((*users)->ref) == "\"Users\"");
  auto missing = names.column("users", "nickname");
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.status().code() == ErrorCode::kNotFound);
  CHECK(missing.status().message() == "table Users has no column 'nickname'");
  auto no_table = names.table("principals");
  REQUIRE_FALSE(no_table.is_ok());
  CHECK(no_table.status().code() == ErrorCode::kNotFound);
}

TEST_CASE("block_reader: block_predicate writes the where and the filter in the source's SQL") {
  Project p;
  auto db = p.open();
  SUBCASE("where and filter") {
    p.load("entity: customer\nsource: rt\ntable: users\nkey: id\nwhere: \"id > 1\"\n"
           "filter: {name: {not: [RT_System, Nobody]}, RealName: ~}\nfields: {name: RealName}\ncustom: none\n");
    auto sql = block_predicate(*db, p.block());
    REQUIRE_MESSAGE(sql.is_ok(), sql.status().message());
    CHECK(*sql ==
          "(id > 1) AND ((\"Name\" IS NULL OR NOT (\"Name\" IN ('RT_System', 'Nobody')))) AND (\"RealName\" IS NULL)");
  }
  SUBCASE("a filter alone, reading another table") {
    p.load(kAgents);
    auto sql = block_predicate(*db, p.block());
    REQUIRE_MESSAGE(sql.is_ok(), sql.status().message());
    CHECK(*sql ==
          "\"id\" IN (SELECT \"MemberId\" FROM \"GroupMembers\" WHERE \"MemberId\" IS NOT NULL AND \"GroupId\" IN "
          "(SELECT \"id\" FROM \"Groups\" WHERE \"id\" IS NOT NULL AND (\"Domain\" IN ('SystemInternal')) AND "
          "(\"Name\" IN ('Privileged'))))");
  }
  SUBCASE("a where alone, and nothing") {
    p.load("entity: tag\nsource: rt\ntable: Users\nkey: id\nwhere: \"id > 1\"\nfields: {name: Name}\n");
    CHECK(*block_predicate(*db, p.block()) == "id > 1");
    p.load("entity: tag\nsource: rt\ntable: Users\nkey: id\nfields: {name: Name}\n");
    CHECK(block_predicate(*db, p.block())->empty());
  }
  SUBCASE("a filter of a column or table the source lacks fails, naming the block") {
    p.load("entity: tag\nsource: rt\ntable: Users\nkey: id\nfilter: {Nick: x}\nfields: {name: Name}\n");
    auto sql = block_predicate(*db, p.block());
    REQUIRE_FALSE(sql.is_ok());
    CHECK(sql.status().code() == ErrorCode::kNotFound);
    CHECK(sql.status().message() == "tag (m.yaml#1): filter: table Users has no column 'Nick'");
    p.load("entity: tag\nsource: rt\ntable: Users\nkey: id\nfilter: {id: {in: {table: Principals, column: id}}}\n"
           "fields: {name: Name}\n");
    auto table = block_predicate(*db, p.block());
    REQUIRE_FALSE(table.is_ok());
    CHECK(table.status().code() == ErrorCode::kNotFound);
    CHECK(table.status().message().rfind("tag (m.yaml#1): filter: ", 0) == 0);
    CHECK(table.status().message().find("Principals") != std::string::npos);
  }
  SUBCASE("a file source runs no SQL: only its where, the filter is tested on the rows") {
    auto csv = p.open("files");
    p.load("entity: tag\nsource: files\ntable: users\nkey: id\nfilter: {Kind: agent}\nfields: {name: Name}\n");
    auto sql = block_predicate(*csv, p.block());
    REQUIRE(sql.is_ok());
    CHECK(sql->empty());
  }
}

// Fields of transactions from their attachments and ticket, with every pick.
const char* kRelated = R"(entity: customer
source: rt
table: Transactions
key: id
filter: {ObjectType: RT::Ticket}
fields:
  name:
    from: {table: Attachments, key: TransactionId, filter: {ContentType: text/plain}, column: Content}
  email:
    from: {table: Attachments, key: TransactionId, filter: {ContentType: text/plain}, column: Content, pick: last}
  address:
    from: {table: Attachments, key: TransactionId, filter: {ContentType: text/plain}, column: Content, pick: all, separator: " | "}
  notes:
    from: {table: Attachments, key: TransactionId, filter: {ContentType: text/plain}, order: Content, column: Content}
  language:
    from: {table: Tickets, key: id, by: ObjectId, column: Subject}
  phone:
    from: {table: attachments, key: transactionid, column: contenttype, pick: all, separator: ","}
custom: none
)";

TEST_CASE("block_reader: from: fields add the columns of related rows, picked first, last or all") {
  Project p;
  p.load(kRelated);
  Rows rows = p.read(p.block());
  CHECK(p.related_opened == 1);
  CHECK(rows.columns == std::vector<std::string>{"id", "ObjectId", "ObjectType", "name~Content", "email~Content",
                                                 "address~Content", "notes~Content", "language~Subject",
                                                 "phone~contenttype"});
  // id | ObjectId | ObjectType | first | last | all | first by Content | Tickets.Subject by ObjectId | all types
  CHECK(rows.rows ==
        std::vector<std::string>{
            "1000|100|RT::Ticket|hello|another part|hello | another part|another part|printer|"
            "multipart/mixed,text/plain,text/plain",
            "1001|100|RT::Ticket|aGk=|aGk=|aGk=|aGk=|printer|text/plain",
            "1002|100|RT::Ticket|NULL|NULL|NULL|NULL|printer|NULL",
            "1004|101|RT::Ticket|plain x|plain x|plain x|plain x|printer again|text/html,text/plain",
            "1005|101|RT::Ticket|NULL|NULL|NULL|NULL|printer again|NULL",
            // The first row of 1006 has no Content: first is NULL, all skips it (SQLite orders NULL first).
            "1006|102|RT::Ticket|NULL|after null|after null|NULL|vpn|text/plain,text/plain",
            "1007|102|RT::Ticket|NULL|NULL|NULL|NULL|vpn|NULL",
        });
}

TEST_CASE("block_reader: a path of two hops: a ticket's requestors through its role group") {
  Project p;
  p.load(R"(entity: customer
source: rt
table: Tickets
key: id
fields:
  name:
    from:
      path:
        - {table: Groups, key: Instance, filter: {Domain: RT::Ticket-Role, Name: Requestor}, column: id}
        - {table: GroupMembers, key: GroupId, order: id, column: MemberId}
  email:
    from:
      pick: all
      separator: ","
      path:
        - {table: groups, key: instance, filter: {domain: RT::Ticket-Role, name: Requestor}, column: ID}
        - {table: groupmembers, key: groupid, column: memberid}
custom: none
)");
  Rows rows = p.read(p.block());
  CHECK(rows.columns == std::vector<std::string>{"id", "name~MemberId", "email~memberid"});
  CHECK(rows.rows == std::vector<std::string>{"100|4|4", "101|5|5,4", "102|NULL|NULL", "103|NULL|NULL"});
}

TEST_CASE("block_reader: related rows stay right over more parent rows than one batch") {
  Project p;
  p.load(R"(entity: customer
source: rt
table: Items
key: id
fields:
  name: Label
  notes: {from: {table: ItemNotes, key: ItemId, column: Note, pick: all, separator: ","}}
  email: {from: {table: ItemNotes, key: ItemId, column: Note, pick: last}}
custom: none
)");
  const std::vector<std::string> expected = {
      "1|item 1|n1a|n1a",          "2|item 2|n2a,n2b|n2b",      "3|item 3|NULL|NULL",
      "4|item 4|n4a,n4b|n4b",      "5|item 5|n5a|n5a",          "6|item 6|n6b|n6b",
      "7|item 7|n7a|n7a",          "8|item 8|n8a,n8b|n8b",      "9|item 9|NULL|NULL",
      "10|item 10|n10a,n10b|n10b",
  };
  Rows small = p.read(p.block(), 3);
  CHECK(small.batches == 4);
  CHECK(small.largest_batch == 3);
  CHECK(small.rows == expected);
  Rows one = p.read(p.block(), 1000);
  CHECK(one.batches == 1);
  CHECK(one.rows == expected);
}

TEST_CASE("block_reader: a file source's filter is tested on the rows read, in and from need a database") {
  Project p;
  auto keys = [&](const std::string& filter) {
    p.load("entity: customer\nsource: files\ntable: users\nkey: id\nfilter: " + filter + "\nfields: {name: Name}\n"
           "custom: none\n");
    return p.keys(p.block());
  };
  CHECK(keys("{Kind: [agent, customer]}") == Keys{"2", "3", "5"});
  CHECK(keys("{Kind: [~, system]}") == Keys{"1", "4"});
  CHECK(keys("{Kind: {not: agent}}") == Keys{"1", "4", "5"});
  CHECK(keys("{Kind: agent, Name: {not: root}}") == Keys{"3"});
  CHECK(keys("{Kind: nobody}").empty());

  SUBCASE("batches of the filtered rows are never empty but the last") {
    p.load("entity: customer\nsource: files\ntable: users\nkey: id\nfilter: {Kind: customer}\nfields: {name: Name}\n"
           "custom: none\n");
    Rows rows = p.read(p.block(), 1);
    CHECK(rows.rows == std::vector<std::string>{"5|carol|customer"});
    CHECK(rows.batches == 1);
  }
  SUBCASE("a filter through another table") {
    p.load("entity: customer\nsource: files\ntable: users\nkey: id\n"
           "filter: {id: {in: {table: members, column: id}}}\nfields: {name: Name}\ncustom: none\n");
    auto db = p.open("files");
    auto r = p.reader(*db, p.block());
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == ErrorCode::kNotSupported);
    CHECK(r.status().message() ==
          "customer (m.yaml#1): a filter through another table needs a database source (csv runs no SQL)");
  }
  SUBCASE("a from: field") {
    p.load("mappings:\n  - entity: tag\n    source: rt\n    table: Users\n    key: id\n    fields: {name: Name}\n"
           "  - entity: customer\n    source: files\n    table: users\n    key: id\n    fields:\n"
           "      name: Name\n      notes: {from: {table: users, key: id, column: Kind}}\n    custom: none\n");
    auto db = p.open("files");
    auto r = p.reader(*db, p.block(1));
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == ErrorCode::kNotSupported);
    CHECK(r.status().message() ==
          "customer (m.yaml#2): field notes reads related rows (from:), which needs a database source (csv runs no "
          "SQL)");
    CHECK(p.related_opened == 0);
  }
  SUBCASE("a filter of a column the file lacks") {
    p.load("entity: customer\nsource: files\ntable: users\nkey: id\nfilter: {Status: x}\nfields: {name: Name}\n");
    auto db = p.open("files");
    auto r = p.reader(*db, p.block());
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == ErrorCode::kNotFound);
    CHECK(r.status().message().find("'Status'") != std::string::npos);
  }
}

TEST_CASE("block_reader: a from: field whose hop names what the source lacks fails naming block and field") {
  Project p;
  p.load("entity: customer\nsource: rt\ntable: Transactions\nkey: id\nfields:\n"
         "  name: {from: {table: Attachments, key: TransactionId, column: Body}}\ncustom: none\n");
  auto db = p.open();
  auto r = p.reader(*db, p.block());
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == ErrorCode::kNotFound);
  CHECK(r.status().message() == "customer (m.yaml#1): field name: table Attachments has no column 'Body'");
}

// README: a condition's values "compare as canonical text (0 matches \"0\")". csbridge writes them
// as text constants ('1'); a SQLite column declared without a type (no affinity, as scripts and
// old tools create them) holding the integer 1 never equals the text '1', so the filter takes no
// row, and keyed reads of related rows (Ref IN ('1001')) find none. A CSV source, tested on the
// rows read, matches.
TEST_CASE("block_reader: SQLite columns without a declared type match a filter value") {
  Project p;
  p.load("entity: customer\nsource: rt\ntable: Legacy\nkey: id\nfilter: {Flag: 1}\nfields: {name: Ref}\n"
         "custom: none\n");
  CHECK(p.keys(p.block()) == Keys{"2"});
}

TEST_CASE("block_reader: SQLite columns without a declared type key related rows") {
  Project p;
  p.load("entity: customer\nsource: rt\ntable: Legacy\nkey: id\n"
         "fields: {name: {from: {table: LegacyNotes, key: Ref, by: Ref, column: Note}}}\ncustom: none\n");
  CHECK(p.read(p.block()).rows == std::vector<std::string>{"1|1000|NULL", "2|1001|note of 2"});
}

TEST_CASE("block_reader: the row mapper reads a from: field's columns through its steps") {
  Project p;
  p.load(R"(entity: ticket_message
source: rt
table: Transactions
key: id
filter: {ObjectType: RT::Ticket}
fields:
  is_internal:
    column: Type
    steps: [{map: {values: {Comment: "true"}, else: "false"}}]
  body:
    from:
      table: Attachments
      key: TransactionId
      filter: {ContentType: text/plain}
      order: id
      columns: [Content, ContentEncoding]
    steps: [decode]
  body_format: {value: plain}
custom: none
)");
  auto db = p.open();
  auto reader = p.reader(*db, p.block());
  REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
  MapperSettings settings = settings_for(p.block(), p.config, [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  settings.masking = nullptr;
  auto mapper = BlockMapper::bind(p.block(), (*reader)->columns(), settings);
  REQUIRE_MESSAGE(mapper.is_ok(), mapper.status().message());
  std::vector<std::string> outputs;
  for (const auto& o : (*mapper)->outputs()) outputs.push_back(o.field);
  REQUIRE(outputs == std::vector<std::string>{"is_internal", "body", "body_format"});

  Lines mapped, failed;
  connector::Batch in, out(1 + outputs.size());
  while (true) {
    auto more = (*reader)->next(in);
    REQUIRE(more.is_ok());
    if (!*more) break;
    for (size_t r = 0; r < in.rows(); ++r) {
      RowError error;
      if ((*mapper)->map_row(in, r, out, error)) continue;
      failed.push_back(error.source_key + " " + error.field + " " + error.code);
    }
  }
  for (size_t r = 0; r < out.rows(); ++r) {
    std::string line;
    for (size_t c = 0; c < out.columns(); ++c) {
      line += (c ? "|" : "") + (out.is_null(r, c) ? std::string("NULL") : std::string(out.get(r, c)));
    }
    mapped.push_back(line);
  }
  CHECK(mapped == std::vector<std::string>{"1000|false|hello|plain", "1001|false|hi|plain",
                                           "1004|false|plain x|plain"});
  CHECK(failed == std::vector<std::string>{"1002 body required_missing", "1005 body required_missing",
                                           "1006 body required_missing", "1007 is_internal required_missing"});  // Type NULL maps to nothing
}

}  // namespace
}  // namespace csbridge::mapping
