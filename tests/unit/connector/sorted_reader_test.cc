#include "connector/sorted_reader.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "connector/registry.h"
#include "test_support.h"

namespace csbridge::connector {
namespace {

// Rows of a reader as "v1|v2|NULL", and the rejects as "location: reason".
std::pair<std::vector<std::string>, std::vector<std::string>> drain(RowReader& reader) {
  std::vector<std::string> rows, rejects;
  Batch batch;
  for (;;) {
    auto more = reader.next(batch);
    REQUIRE_MESSAGE(more.is_ok(), more.status().message());
    for (const auto& r : reader.take_rejects()) rejects.push_back(r.location + ": " + r.reason);
    if (!*more) break;
    for (size_t row = 0; row < batch.rows(); ++row) {
      std::string text;
      for (size_t col = 0; col < batch.columns(); ++col) {
        text += (col ? "|" : "") + (batch.is_null(row, col) ? std::string("NULL") : std::string(batch.get(row, col)));
      }
      rows.push_back(text);
    }
  }
  return {rows, rejects};
}

std::unique_ptr<RowReader> unsorted(Connector& db, std::vector<std::string> columns = {}) {
  ReadRequest request;
  request.table = {"", "t"};
  request.columns = std::move(columns);
  request.batch_rows = 7;
  auto reader = db.read(request);
  REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
  return std::move(reader).value();
}

TEST_CASE("sorted reader: integers by value, NULL first, text by bytes, ties in input order") {
  test::TempDir dir;
  dir.write("t.csv", "k,v\n10,a\nb,b\n2,c\n,d\n-3,e\n2,f\na,g\n99999999999999999999,h\n");
  auto db = open_connector("csv:" + dir.path().string());
  REQUIRE(db.is_ok());
  for (size_t memory : {size_t{64} << 20, size_t{1}}) {  // in memory, and a run file per batch
    CAPTURE(memory);
    auto sorted = sort_rows(unsorted(**db), {"k"}, 3, -1, memory);
    REQUIRE(sorted.is_ok());
    CHECK(test::Lines(drain(**sorted).first) == test::Lines{"NULL|d", "-3|e", "2|c", "2|f", "10|a",
                                                             "99999999999999999999|h", "a|g", "b|b"});
  }
}

TEST_CASE("sorted reader: many rows through run files equal a sort in memory, limit after the sort") {
  test::TempDir dir;
  std::vector<int> keys(5000);
  for (int i = 0; i < 5000; ++i) keys[static_cast<size_t>(i)] = i % 2500;  // every key twice
  std::shuffle(keys.begin(), keys.end(), std::mt19937(7));
  std::string content = "id,name\n";
  for (size_t i = 0; i < keys.size(); ++i) content += std::to_string(keys[i]) + ",row" + std::to_string(i) + "\n";
  content += "\"unclosed,x\n";
  dir.write("t.csv", content);
  auto db = open_connector("csv:" + dir.path().string());
  REQUIRE(db.is_ok());
  auto in_memory = sort_rows(unsorted(**db), {"id"}, 100, -1, size_t{64} << 20);
  auto spilled = sort_rows(unsorted(**db), {"id"}, 100, -1, 4096);
  REQUIRE(in_memory.is_ok());
  REQUIRE(spilled.is_ok());
  auto a = drain(**in_memory), b = drain(**spilled);
  REQUIRE(a.first.size() == 5000);
  CHECK(a.first == b.first);
  CHECK(a.second == b.second);
  CHECK(a.second.size() == 1);  // the unclosed quote: a reject, handed on
  CHECK(a.first[0].rfind("0|", 0) == 0);
  CHECK(a.first[1].rfind("0|", 0) == 0);
  CHECK(a.first.back().rfind("2499|", 0) == 0);
  // The two rows of a key keep the file's order.
  auto first = std::find(keys.begin(), keys.end(), 0) - keys.begin();
  CHECK(a.first[0] == "0|row" + std::to_string(first));

  auto limited = sort_rows(unsorted(**db), {"id"}, 100, 3, 4096);
  REQUIRE(limited.is_ok());
  CHECK(drain(**limited).first.size() == 3);
  CHECK(sort_rows(unsorted(**db, {"name"}), {"id"}, 100).status().message() ==
        "cannot sort rows by 'id': not a column read");
}

}  // namespace
}  // namespace csbridge::connector
