#include "validate/counts.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "migrate/shard_plan.h"
#include "migrate/shards.h"
#include "migrate/target_store.h"
#include "model/cs_model.h"
#include "test_support.h"

namespace csbridge::validate {
namespace {

TEST_CASE("counts: a run reconciles its own counts, and after a delta the whole source reconciles with the target") {
  SourceCounts source;
  source.read = 1010;
  source.rejected = 10;
  RunCounts full{"run-1", 1000, 990, 10, 0};
  SUBCASE("the full run read fewer rows than the source now holds: the source changed") {
    CheckResult r = check_counts("tag", source, 1000, full);
    CHECK(r.status == CheckStatus::kFailed);
    CHECK(r.failures.front().kind == "source_changed");
  }
  SUBCASE("a delta run's counts cover its window only") {
    RunCounts delta{"run-2", 10, 10, 0, 0};
    delta.delta = true;
    CheckResult r = check_counts("tag", source, 1000, delta);
    CHECK(r.status == CheckStatus::kPassed);
    CHECK(r.note == "the latest run of tag (run-2) was a delta, whose counts cover its window: rejected counts only "
                    "the rows the mapping refuses");
    CheckResult lost = check_counts("tag", source, 999, delta);
    CHECK(lost.status == CheckStatus::kFailed);
    CHECK(lost.failures.front().kind == "not_reconciled");
  }
}

// A SQLite target holding a plan of 2 shards and the audit records its shards and finishes leave
// (as shard_store.cc and shards.cc write them): shard 1 read 60 tickets (5 rejected, 3 held),
// shard 2 read 40 (2 held); a finish killed with SIGKILL rejected one of shard 1's held rows
// (its record written by the next finish), a failed finish one of shard 2's before it stopped,
// the finish run again one of shard 1's; a finish killed before it committed a batch has no counts.
TEST_CASE("counts: a shard plan's runs add up — every shard's latest completed run and the finishes") {
  test::TempDir dir;
  auto model = model::builtin_model();
  REQUIRE(model.is_ok());
  auto opened = migrate::TargetStore::open("sqlite:" + (dir.path() / "t.db").string(), "", *model);
  REQUIRE(opened.is_ok());
  migrate::TargetStore& store = **opened;
  REQUIRE(store.prepare().is_ok());
  migrate::ShardPlan plan;
  plan.shards = 2;
  plan.mappings = "0123456789abcdef";
  plan.created_at = "2026-01-01 00:00:00";
  REQUIRE(store.reset_checkpoints("shards:", {std::string(migrate::kPlanScope)}, migrate::encode_plan(plan), "").is_ok());
  auto record = [&](const std::string& id, const std::string& status, const std::string& counts) {
    REQUIRE(store.begin_run({id, "", "", "tester", "csbridge migrate", "h", "running", ""}).is_ok());
    REQUIRE(store.end_run(id, status, counts).is_ok());
  };
  auto ticket = [](int read, int skipped, int in_target, int rejected, int held) {
    return "[{\"name\": \"ticket\", \"read\": " + std::to_string(read) + ", \"skipped\": " + std::to_string(skipped) +
           ", \"loaded\": 0, \"rejected\": 0, \"filtered\": 0, \"held\": " + std::to_string(held) +
           ", \"chain\": {\"in_target\": " + std::to_string(in_target) + ", \"rejected\": " + std::to_string(rejected) +
           ", \"filtered\": 0}}]";
  };
  record("t1.shard-1-of-2", "interrupted", ticket(20, 0, 20, 0, 1));  // resumed by t3: counted there
  record("t2.shard-2-of-2", "ok", ticket(40, 0, 40, 0, 2));
  record("t3.shard-1-of-2", "ok", ticket(40, 20, 55, 5, 3));
  const std::string id = plan.id();
  // Two finishes killed: their records stay "running" until the next run under the lock begins.
  for (const char* killed : {"t3a.finish", "t3b.finish"}) {
    REQUIRE(store.begin_run({killed, "", "", "tester", "csbridge migrate --finish", "h", "running", ""}).is_ok());
  }
  REQUIRE(store.lock_target().is_ok());
  record("t4.finish", "failed",
         "{\"error\": \"connection lost\", \"plan\": \"" + id + "\", \"entities\": [{\"name\": \"ticket\", \"held\": 2, "
         "\"rejected\": 1, \"rejected_by_shard\": {\"shard-2-of-2\": 1}}]}");
  // What t4 writes into t3b's record from the done marks t3b left (shards.cc).
  REQUIRE(store.set_run_counts("t3b.finish", "{\"plan\": \"" + id + "\", \"entities\": [{\"name\": \"ticket\", "
                               "\"held\": 1, \"rejected\": 1, \"rejected_by_shard\": {\"shard-1-of-2\": 1}}], "
                               "\"recorded_by\": \"t4.finish\"}").is_ok());
  CHECK(store.set_run_counts("t9.finish", "{}").code() == ErrorCode::kNotFound);
  record("t5.finish", "ok",
         "{\"plan\": \"" + id + "\", \"entities\": [{\"name\": \"ticket\", \"held\": 3, \"rejected\": 1, "
         "\"rejected_by_shard\": {\"shard-1-of-2\": 1}}], \"self_references\": 0}");
  record("t6.finish", "ok", "{\"plan\": \"another plan\", \"entities\": [{\"name\": \"ticket\", \"rejected\": 9}]}");
  auto state = migrate::plan_state(store);
  REQUIRE(state.is_ok());
  REQUIRE(state->has_value());
  auto runs = store.list_runs(100);
  REQUIRE(runs.is_ok());
  for (const migrate::RunRecord& r : *runs) {
    if (r.run_id != "t3a.finish" && r.run_id != "t3b.finish") continue;
    CHECK(r.status == "interrupted");  // marked by t4's begin_run; set_run_counts keeps it, and no end time
    CHECK(r.ended_at.empty());
    CHECK(r.counts_json.empty() == (r.run_id == "t3a.finish"));
  }

  SUBCASE("the whole plan: both shards, the three finishes of this plan that recorded counts") {
    auto all = plan_run_counts(store, **state, 0);
    REQUIRE(all.is_ok());
    const RunCounts& c = all->at("ticket");
    CHECK(c.read == 100);
    CHECK(c.loaded == 92);
    CHECK(c.rejected == 8);
    CHECK(c.what == "the shards of plan " + id + " (runs t3.shard-1-of-2, t2.shard-2-of-2; not finished, with 3 finish runs)");
    SourceCounts source;
    source.read = 100;
    CHECK(check_counts("ticket", source, 92, c).status == CheckStatus::kPassed);
    CheckResult lost = check_counts("ticket", source, 91, c);
    CHECK(lost.status == CheckStatus::kFailed);
    CHECK(lost.failures.back().message == "the target holds 91 rows, " + c.what + " left 92");
  }
  SUBCASE("shard 1: the killed finish's reject of a row it held counts too") {
    auto one = plan_run_counts(store, **state, 1);
    REQUIRE(one.is_ok());
    const RunCounts& c = one->at("ticket");
    CHECK(c.read == 60);
    CHECK(c.loaded == 53);
    CHECK(c.rejected == 7);
  }
  SUBCASE("one shard: its own run, and the finish's rejects of the rows it held") {
    auto one = plan_run_counts(store, **state, 2);
    REQUIRE(one.is_ok());
    const RunCounts& c = one->at("ticket");
    CHECK(c.read == 40);
    CHECK(c.loaded == 39);
    CHECK(c.rejected == 1);
    CHECK(c.what == "shard 2 of plan " + id + " (runs t2.shard-2-of-2, with 3 finish runs)");
  }
  SUBCASE("a full validate: the latest run is a shard's, so the plan's runs are counted") {
    auto latest = latest_run_counts(store);
    REQUIRE(latest.is_ok());
    CHECK(latest->at("ticket").loaded == 92);
    record("t7", "ok", ticket(100, 0, 93, 7, 0));  // an unsharded run since: its own counts
    latest = latest_run_counts(store);
    REQUIRE(latest.is_ok());
    CHECK(latest->at("ticket").run_id == "t7");
    CHECK(latest->at("ticket").what.empty());
  }
}

}  // namespace
}  // namespace csbridge::validate
