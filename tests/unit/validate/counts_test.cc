#include "validate/counts.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>

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

}  // namespace
}  // namespace csbridge::validate
