#include "connector/decoding_connector.h"

#include <doctest/doctest.h>

#include "connector/registry.h"
#include "test_support.h"

namespace csbridge::connector {
namespace {

// A SQLite file whose TEXT holds what legacy clients wrote: GBK bytes,
// UTF-8, double-encoded UTF-8, and one value no encoding decodes.
const char* kLegacy = R"sql(
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, note TEXT, photo BLOB);
INSERT INTO customers VALUES (1, CAST(X'D5C5CEB0' AS TEXT), 'ok', X'D5C5');
INSERT INTO customers VALUES (2, '欧阳明', CAST(X'C3A5C2BCC2A0C3A4C2BCC5B8' AS TEXT), NULL);
INSERT INTO customers VALUES (3, CAST(X'9532823641' AS TEXT), NULL, NULL);
INSERT INTO customers VALUES (4, CAST(X'D5FF' AS TEXT), 'bad', NULL);
)sql";

struct Fixture {
  test::TempDir dir;
  std::string path = (dir.path() / "legacy.db").string();
  Fixture() {
    auto db = open_connector("sqlite:" + path + "?mode=rwc");
    REQUIRE(db.is_ok());
    REQUIRE((*db)->execute(kLegacy).is_ok());
  }
  std::unique_ptr<Connector> open(const TextEncodings& e, Undecodable u = Undecodable::kReject) {
    auto db = open_connector("sqlite:" + path, e, u);
    REQUIRE_MESSAGE(db.is_ok(), db.status().message());
    return std::move(db).value();
  }
};

ReadRequest customers(std::vector<std::string> columns, std::vector<std::string> order_by = {}) {
  ReadRequest r;
  r.table = {"", "customers"};
  r.columns = std::move(columns);
  r.order_by = std::move(order_by);
  return r;
}

struct Read {
  std::vector<std::vector<std::string>> rows;
  std::vector<RejectedRecord> rejects;
};

Read read_all(Connector& db, ReadRequest req) {
  auto reader = db.read(req);
  REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
  Read out;
  Batch b;
  for (;;) {
    auto more = (*reader)->next(b);
    REQUIRE(more.is_ok());
    for (auto& r : (*reader)->take_rejects()) out.rejects.push_back(r);
    if (!*more) break;
    for (size_t r = 0; r < b.rows(); ++r) {
      std::vector<std::string> row;
      for (size_t c = 0; c < b.columns(); ++c) row.push_back(b.is_null(r, c) ? "NULL" : std::string(b.get(r, c)));
      out.rows.push_back(row);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("decoding connector: strict UTF-8 first, the declared encoding second, per value") {
  Fixture f;
  TextEncodings e;
  e.source = util::Encoding::kGbk;
  e.columns["customers.note"] = util::Encoding::kUtf8InLatin1;
  auto db = f.open(e);
  Read r = read_all(*db, customers({"id", "name", "note", "photo"}, {"id"}));
  REQUIRE(r.rows.size() == 3);
  CHECK(r.rows[0] == std::vector<std::string>{"1", "张伟", "ok", "\xD5\xC5"});  // binary stays bytes
  CHECK(r.rows[1] == std::vector<std::string>{"2", "欧阳明", "张伟", "NULL"});
  CHECK(r.rows[2] == std::vector<std::string>{"3", "\U00020000A", "NULL", "NULL"});
  REQUIRE(r.rejects.size() == 1);
  CHECK(r.rejects[0].location == "customers key=4");
  CHECK(r.rejects[0].reason ==
        "column 'name': decodes neither as UTF-8 nor as GBK (undecodable GBK bytes at offset 0 (D5 FF))");
}

TEST_CASE("decoding connector: an unordered read names the row by its primary key, assess keeps the bytes") {
  Fixture f;
  TextEncodings e;
  e.source = util::Encoding::kGb18030;
  SUBCASE("reject") {
    auto db = f.open(e);
    Read r = read_all(*db, customers({"id", "name"}));
    CHECK(r.rows.size() == 3);
    REQUIRE(r.rejects.size() == 1);
    CHECK(r.rejects[0].location == "customers key=4");
  }
  SUBCASE("keep") {
    auto db = f.open(e, Undecodable::kKeep);
    Read r = read_all(*db, customers({"id", "name"}));
    REQUIRE(r.rows.size() == 4);
    CHECK(r.rows[3][1] == "\xD5\xFF");
    CHECK(r.rejects.empty());
  }
  SUBCASE("without the key, the row number") {
    auto db = f.open(e);
    Read r = read_all(*db, customers({"name"}));
    REQUIRE(r.rejects.size() == 1);
    CHECK(r.rejects[0].location == "customers row 4");
  }
}

TEST_CASE("decoding connector: only declared columns are touched when no source encoding is declared") {
  Fixture f;
  TextEncodings e;
  e.columns["customers.note"] = util::Encoding::kUtf8InLatin1;
  auto db = f.open(e);
  Read r = read_all(*db, customers({"id", "name", "note"}, {"id"}));
  REQUIRE(r.rows.size() == 4);
  CHECK(r.rows[0][1] == "\xD5\xC5\xCE\xB0");  // undeclared: as read
  CHECK(r.rows[1][2] == "张伟");
  CHECK(e.of("customers", "name") == util::Encoding::kUtf8);
}

}  // namespace csbridge::connector
