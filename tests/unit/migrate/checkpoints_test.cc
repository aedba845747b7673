#include "migrate/checkpoints.h"

#include <doctest/doctest.h>

namespace csbridge::migrate {

TEST_CASE("loader positions round-trip with and without a reader position") {
  CHECK(loader_position(1500, "") == "1500");
  CHECK(loader_position(1500, "{\"page\":{}}") == "1500 {\"page\":{}}");
  CHECK(parse_loader_position("1500 {\"page\":{}}") == std::make_pair<int64_t, std::string>(1500, "{\"page\":{}}"));
  CHECK(parse_loader_position("1500") == std::make_pair<int64_t, std::string>(1500, ""));
  CHECK(parse_loader_position("x15") == std::make_pair<int64_t, std::string>(0, ""));
  CHECK(parse_loader_position("-3 p") == std::make_pair<int64_t, std::string>(0, ""));
}

TEST_CASE("a resume moves past batches other loaders committed when they join up") {
  Committed c;
  c.set_upto(1000);
  c.set_resume_position("P1000");
  // Loader 2 and 3 committed the next two batches; loader 4's batch after a gap did not commit.
  REQUIRE(c.add_record("1001 1500 500 500 0 0 0 0 1500 P1500"));
  REQUIRE(c.add_record("1501 2000 500 500 0 0 0 0 2000 P2000"));
  REQUIRE(c.add_record("2501 3000 500 500 0 0 0 0 3000 P3000"));
  c.sort();
  CHECK(c.upto() == 1000);
  CHECK(c.resume_rows() == 2000);
  CHECK(c.resume_position() == "P2000");
  CHECK(c.skipped(1999));
  CHECK_FALSE(c.skipped(2001));
  CHECK(c.skipped(2501));
}

TEST_CASE("a resume stays at the loaders' position when records carry no reader position") {
  Committed c;
  c.set_upto(1000);
  c.set_resume_position("");
  REQUIRE(c.add_record("1001 1500 500 500 0 0 0 0"));
  c.sort();
  CHECK(c.resume_rows() == 1000);
  CHECK(c.resume_position().empty());

  Committed fresh;  // nothing at the loaders' scopes yet, a first batch of another loader committed
  fresh.set_upto(0);
  fresh.set_resume_position("");
  REQUIRE(fresh.add_record("1 500 500 500 0 0 0 0 500 P500"));
  REQUIRE(fresh.add_record("1001 1500 500 500 0 0 0 0 1500 P1500"));
  fresh.sort();
  CHECK(fresh.resume_rows() == 500);
  CHECK(fresh.resume_position() == "P500");
}

TEST_CASE("a batch record that does not parse is not one") {
  Committed c;
  CHECK_FALSE(c.add_record("garbage"));
  CHECK_FALSE(c.add_record("5 3 0 0 0 0 0 0"));
  CHECK(c.add_record("1 3 3 3 0 0 0"));  // an older version's record: seven numbers
}

}  // namespace csbridge::migrate
