#include "validate/checks.h"

#include <doctest/doctest.h>

namespace csbridge::validate {
namespace {

TEST_CASE("parse_checks selects checks in report order") {
  auto all = parse_checks({});
  REQUIRE(all.is_ok());
  CHECK(all->size() == 7);
  auto some = parse_checks({"pii,rows", "counts"});
  REQUIRE(some.is_ok());
  CHECK(*some == std::vector<std::string>{"counts", "rows", "pii"});
  SUBCASE("unknown names") {
    CHECK(parse_checks({"rowz"}).status().message() == "--checks: unknown check 'rowz', did you mean 'rows'?");
    CHECK(parse_checks({"everything"}).status().message() ==
          "--checks: unknown check 'everything'; checks: counts, rows, references, model, pii, crosswalk, helpdesk");
    CHECK(parse_checks({","}).status().message() ==
          "--checks: name at least one check (counts, rows, references, model, pii, crosswalk, helpdesk)");
  }
}

TEST_CASE("a check keeps the first failures and counts them all") {
  CheckResult c;
  for (int i = 5; i > 0; --i) c.fail({std::to_string(i), "missing", "m"}, 3);
  CHECK(c.status == CheckStatus::kFailed);
  CHECK(c.failure_count == 5);
  REQUIRE(c.failures.size() == 3);
  c.sort_failures();
  CHECK(c.failures.front().key == "3");
  c.warn("note");
  CHECK(c.status == CheckStatus::kFailed);
  CheckResult w;
  w.warn("only a note");
  CHECK(w.status == CheckStatus::kWarning);
  ValidationReport r;
  r.checks = {w};
  CHECK(r.status() == CheckStatus::kWarning);
  r.checks.push_back(c);
  CHECK(r.status() == CheckStatus::kFailed);
  c.set("rows", 3);
  c.set("rows", 4);
  CHECK(c.figure("rows") == 4);
  CHECK(c.figures.size() == 1);
}

}  // namespace
}  // namespace csbridge::validate
