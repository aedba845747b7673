#include "migrate/shard_plan.h"

#include <doctest/doctest.h>

#include <sqlite3.h>

#include <map>
#include <string>
#include <vector>

#include "connector/registry.h"
#include "test_support.h"

namespace csbridge::migrate {
namespace {

config::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST_CASE("shards: --shard K/N, or N with K from a job system's 0-based index") {
  auto none = env_of({});
  CHECK(parse_shard("2/4", none).value() == std::make_pair(2, 4));
  CHECK(parse_shard("4", env_of({{"JOB_COMPLETION_INDEX", "0"}})).value() == std::make_pair(1, 4));
  CHECK(parse_shard("4", env_of({{"SLURM_ARRAY_TASK_ID", "3"}})).value() == std::make_pair(4, 4));
  CHECK(parse_shard("4", env_of({{"CLOUD_RUN_TASK_INDEX", "2"}})).value() == std::make_pair(3, 4));
  SUBCASE("bad input") {
    CHECK(parse_shard("5/4", none).status().message() == "--shard 5/4: shard 5 does not exist: shards of 4 are 1 to 4");
    CHECK(parse_shard("0/4", none).status().message() == "--shard 0/4: shard 0 does not exist: shards of 4 are 1 to 4");
    CHECK(parse_shard("two/4", none).status().message() ==
          "--shard takes K/N (shard K of N, from 1) or N (K from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or "
          "CLOUD_RUN_TASK_INDEX, counted from 0), not 'two/4'");
    CHECK(parse_shard("4", none).status().message() ==
          "--shard 4: no shard index in the environment (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, "
          "CLOUD_RUN_TASK_INDEX): give --shard K/4");
    CHECK(parse_shard("4", env_of({{"SLURM_ARRAY_TASK_ID", "4"}})).status().message() ==
          "--shard 4: SLURM_ARRAY_TASK_ID=4 is no shard index from 0 to 3 (run the array as --array=0-3)");
    CHECK(parse_shard("2000", none).status().code() == ErrorCode::kInvalidArgument);
  }
}

// 1,000 rows keyed (region TEXT, n INTEGER), most of them in one region (a skew), and 3 rows
// with a NULL key column.
struct Source {
  test::TempDir dir;
  std::unique_ptr<connector::Connector> db;
  Source() {
    std::string path = (dir.path() / "src.db").string();
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    int rc = sqlite3_exec(raw,
                          "CREATE TABLE t (region TEXT, n INTEGER);"
                          "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) "
                          "INSERT INTO t SELECT CASE WHEN x % 10 = 0 THEN '北京' ELSE 'shanghai' END, x FROM c;"
                          "INSERT INTO t VALUES (NULL, 1), ('x', NULL), (NULL, NULL)",
                          nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    REQUIRE(rc == SQLITE_OK);
    auto opened = connector::open_connector("sqlite:" + path);
    REQUIRE(opened.is_ok());
    db = std::move(*opened);
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

TEST_CASE("shards: ranges of a composite text key hold every row exactly once, NULL keys in the first") {
  Source s;
  BlockShards b;
  b.key = {"region", "n"};
  b.shards.resize(3);
  b.shards[0].upper = Mark{"shanghai", "300"};
  b.shards[1].lower = Mark{"shanghai", "300"};
  b.shards[1].upper = Mark{"北京", "500"};
  b.shards[2].lower = Mark{"北京", "500"};
  int64_t total = 0;
  std::vector<int64_t> per;
  for (size_t k = 0; k < 3; ++k) {
    per.push_back(s.rows(range_predicate(*s.db, b, k)));
    total += per.back();
    for (size_t j = k + 1; j < 3; ++j) {
      CHECK(s.rows("(" + range_predicate(*s.db, b, k) + ") AND (" + range_predicate(*s.db, b, j) + ")") == 0);
    }
  }
  CHECK(total == 1003);
  CHECK(per[0] == 270 + 3);  // 'shanghai' rows up to 300 (270 of them) and the rows with a NULL key column
  SUBCASE("an empty range holds nothing but the first shard's NULL keys") {
    b.shards[0].empty = true;
    CHECK(s.rows(range_predicate(*s.db, b, 0)) == 3);
  }
  SUBCASE("one shard reads everything") {
    b.shards.resize(1);
    CHECK(range_predicate(*s.db, b, 0).empty());
  }
}

TEST_CASE("shards: a plan survives its manifest text, and its id ignores when it was made") {
  ShardPlan p;
  p.shards = 2;
  p.mappings = "abc";
  p.created_at = "2026-12-07 10:00:00";
  BlockShards b;
  b.scope = "t#1:tag";
  b.display = "tag (t.yaml#1)";
  b.entity = "tag";
  b.key = {"id"};
  b.how = "ordered key scan";
  b.rows = 10;
  b.shards.resize(2);
  b.shards[0].upper = Mark{"it's \"5\""};
  b.shards[0].rows = 5;
  b.shards[1].lower = b.shards[0].upper;
  b.shards[1].rows = 5;
  p.blocks.push_back(b);
  auto back = decode_plan(encode_plan(p));
  REQUIRE(back.is_ok());
  CHECK(back->id() == p.id());
  CHECK(back->blocks[0].shards[1].lower == b.shards[0].upper);
  CHECK(back->block("t#1:tag") != nullptr);
  ShardPlan later = p;
  later.created_at = "2026-12-08 10:00:00";
  CHECK(later.id() == p.id());
  later.shards = 3;
  CHECK(decode_plan(encode_plan(later)).status().message() == "shard plan: block tag (t.yaml#1) does not have 3 shards");
  CHECK(decode_plan("[]").status().message() == "shard plan: not a plan of csbridge plan-shards");
}

}  // namespace
}  // namespace csbridge::migrate
