#include "migrate/delta.h"

#include <doctest/doctest.h>

#include <sqlite3.h>

#include <string>
#include <vector>

#include "connector/registry.h"
#include "test_support.h"

namespace csbridge::migrate {
namespace {

TEST_CASE("delta: shift_timestamp keeps the form and precision of the watermark") {
  CHECK(shift_timestamp("2026-01-01 00:00:00.123", -2) == "2025-12-31 23:59:58.123");
  CHECK(shift_timestamp("2026-01-01 00:00:00.123456", -0.5) == "2025-12-31 23:59:59.623456");
  CHECK(shift_timestamp("2026-01-01 00:00:00", -0.25) == "2025-12-31 23:59:59.750000");
  CHECK(shift_timestamp("2026-03-01T10:00:00+08:00", -3600) == "2026-03-01T09:00:00+08:00");
  CHECK(shift_timestamp("2026-03-01", -86400) == "2026-02-28");
  CHECK_FALSE(shift_timestamp("12345", -1).has_value());
  CHECK_FALSE(shift_timestamp("2026-01-01 garbage", -1).has_value());
}

TEST_CASE("delta: a random sample predicate per engine, none for all rows or an unknown engine") {
  CHECK(random_sample_predicate("PostgreSQL 15.5", 0.01) == "random() < 0.010000000");
  CHECK(random_sample_predicate("MariaDB 10.11", 0.5) == "RAND() < 0.500000000");
  CHECK(random_sample_predicate("SQLite 3.40", 0.001) ==
        "(random() % 1000000000 + 1000000000) % 1000000000 < 1000000");
  CHECK(random_sample_predicate("SQLite", 1.0).empty());
  CHECK(random_sample_predicate("Oracle", 0.1).empty());
  CHECK(window_scope("tickets#1:ticket") == "window:tickets#1:ticket");
}

TEST_CASE("delta: marks and bounds survive their checkpoint text") {
  DeltaBounds b;
  b.lower = Mark{"2026-01-01 00:00:00.5", "7"};
  b.upper = Mark{"2026-01-02 00:00:00.5", "it's \"9\""};
  b.clock = "source clock - 5s";
  auto back = decode_bounds(encode_bounds(b));
  REQUIRE(back.is_ok());
  CHECK(back->lower == b.lower);
  CHECK(back->upper == b.upper);
  CHECK(back->clock == b.clock);
  CHECK(decode_mark(encode_mark(*b.upper)).value() == *b.upper);
  CHECK(decode_mark("{}").status().message() == "a delta mark must be a list of values");
  CHECK(mark_scope("tag#1:tag") == "mark:tag#1:tag");
}

// 1,000 rows; the last 500 share one watermark (to the millisecond), an index on neither.
struct Source {
  test::TempDir dir;
  std::unique_ptr<connector::Connector> db;
  mapping::Block block;
  Source() {
    std::string path = (dir.path() / "src.db").string();
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    int rc = sqlite3_exec(raw,
                          "CREATE TABLE t (id INTEGER PRIMARY KEY, updated_at TEXT);"
                          "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) "
                          "INSERT INTO t SELECT x, CASE WHEN x > 500 THEN '2026-01-01 12:00:00.123' ELSE "
                          "'2026-01-01 11:00:00.' || printf('%03d', x % 1000) END FROM c;"
                          "INSERT INTO t VALUES (2000, strftime('%Y-%m-%d %H:%M:%f', 'now'))",
                          nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    REQUIRE(rc == SQLITE_OK);
    auto opened = connector::open_connector("sqlite:" + path);
    REQUIRE(opened.is_ok());
    db = std::move(*opened);
    block.table = "t";
    block.key = {"id"};
    block.watermark = "updated_at";
    block.entity = "tag";
  }
  int64_t rows(const std::string& where) {
    connector::ReadRequest r;
    r.table = {"", "t"};
    r.where = where;
    auto reader = db->read(r);
    REQUIRE(reader.is_ok());
    int64_t n = 0;
    connector::Batch batch;
    while ((*reader)->next(batch).value()) n += static_cast<int64_t>(batch.rows());
    return n;
  }
};

TEST_CASE("delta: the upper bound is the greatest (watermark, key) below the source's clock minus the settle time") {
  Source s;
  auto bounds = take_upper_bound(*s.db, s.block, 60);
  REQUIRE_MESSAGE(bounds.is_ok(), bounds.status().message());
  REQUIRE(bounds->upper.has_value());
  CHECK(*bounds->upper == Mark{"2026-01-01 12:00:00.123", "1000"});  // the row stamped now waits
  CHECK(bounds->clock == "source clock - 60s");
  auto settled = take_upper_bound(*s.db, s.block, 0);
  REQUIRE(settled.is_ok());
  CHECK(settled->upper->at(1) == "2000");
}

TEST_CASE("delta: rows sharing the boundary watermark are read by exactly one of two deltas") {
  Source s;
  DeltaBounds first;
  first.upper = Mark{"2026-01-01 12:00:00.123", "700"};  // the mark fell among rows sharing a millisecond
  auto p1 = delta_predicate(*s.db, s.block, first, 0);
  REQUIRE(p1.is_ok());
  DeltaBounds second;
  second.lower = first.upper;
  second.upper = Mark{"2026-01-01 12:00:00.123", "1000"};
  auto p2 = delta_predicate(*s.db, s.block, second, 0);
  REQUIRE(p2.is_ok());
  CHECK(s.rows(*p1) == 700);
  CHECK(s.rows(*p2) == 300);
  CHECK(s.rows("(" + *p1 + ") AND (" + *p2 + ")") == 0);
  SUBCASE("a lookback re-reads the window before the mark") {
    auto back = delta_predicate(*s.db, s.block, second, 7200);
    REQUIRE(back.is_ok());
    CHECK(s.rows(*back) == 1000);
  }
  SUBCASE("no upper bound: nothing to read yet") {
    DeltaBounds none;
    CHECK(s.rows(delta_predicate(*s.db, s.block, none, 0).value()) == 0);
  }
  SUBCASE("a lookback needs a timestamp") {
    DeltaBounds numbers;
    numbers.lower = Mark{"17", "1"};
    numbers.upper = Mark{"18", "1"};
    CHECK(delta_predicate(*s.db, s.block, numbers, 5).status().message() ==
          "tag (#1): delta.lookback needs a timestamp watermark ('updated_at' holds no timestamp)");
  }
}

}  // namespace
}  // namespace csbridge::migrate
