#include "validate/spill.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "test_support.h"

namespace csbridge::validate {
namespace {

TEST_CASE("a spill puts every record of a key into one partition and cleans up, in memory or in files") {
  for (size_t limit : {Spill::kMemoryLimit, size_t{100}}) {
    CAPTURE(limit);
    test::TempDir dir;
    {
      Spill a(8, dir.path(), limit), b(8, dir.path(), limit);
      REQUIRE(a.open().is_ok());
      REQUIRE(b.open().is_ok());
      auto key = [](int i) {
        std::string k = "k";
        k += std::to_string(i);
        return k;
      };
      for (int i = 0; i < 1000; ++i) {
        REQUIRE(a.add(key(i), std::string(1, static_cast<char>(i % 7))).is_ok());
        REQUIRE(b.add(key(999 - i), "").is_ok());
      }
      REQUIRE(a.finish().is_ok());
      REQUIRE(b.finish().is_ok());
      CHECK(a.records() == 1000);
      size_t total = 0;
      for (size_t p = 0; p < a.partitions(); ++p) {
        auto ra = a.read(p);
        auto rb = b.read(p);
        REQUIRE(ra.is_ok());
        REQUIRE(rb.is_ok());
        std::set<std::string> ka, kb;
        for (const auto& r : *ra) {
          ka.insert(r.key);
          CHECK(Spill::partition_of(r.key, 8) == p);
        }
        for (const auto& r : *rb) kb.insert(r.key);
        CHECK(ka == kb);
        total += ra->size();
      }
      CHECK(total == 1000);
      // Reading does not lose later additions.
      REQUIRE(a.add("late", "x").is_ok());
      REQUIRE(a.finish().is_ok());
      auto again = a.read(Spill::partition_of("late", 8));
      REQUIRE(again.is_ok());
      CHECK(again->back().key == "late");
      CHECK(again->back().payload == "x");
      CHECK(a.spilled() == (limit == 100));  // past the limit every partition went to a file
    }
    CHECK(std::filesystem::is_empty(dir.path()));
  }
}

TEST_CASE("a spill in a folder that cannot be written fails with the folder named") {
  Spill s(4, "/nonexistent/folder");
  Status st = s.open();
  CHECK(st.code() == ErrorCode::kIo);
  CHECK(st.message().rfind("cannot create a temporary directory in /nonexistent/folder: ", 0) == 0);
}

}  // namespace
}  // namespace csbridge::validate
