#include "util/hyperloglog.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

namespace csbridge::util {
namespace {

std::string key(int64_t i) { return "customer-" + std::to_string(i); }

int64_t estimate_of(int64_t first, int64_t last) {
  HyperLogLog hll;
  for (int64_t i = first; i < last; ++i) hll.add(key(i));
  return hll.estimate();
}

}  // namespace

TEST_CASE("hyperloglog: exact for small sets") {
  HyperLogLog empty;
  CHECK(empty.estimate() == 0);

  HyperLogLog one;
  for (int i = 0; i < 5; ++i) one.add(std::string_view("同一个值"));
  CHECK(one.estimate() == 1);

  HyperLogLog ten;
  for (int round = 0; round < 3; ++round) {
    for (int64_t i = 0; i < 10; ++i) ten.add(key(i));
  }
  CHECK(ten.estimate() == 10);
  CHECK(estimate_of(0, 100) == 100);
}

TEST_CASE("hyperloglog: a string and its hash count as the same value") {
  HyperLogLog by_text, by_hash;
  by_text.add(std::string_view("13812345678"));
  by_hash.add(hash_bytes("13812345678"));
  by_hash.add(hash_bytes("13812345678"));
  by_text.merge(by_hash);
  CHECK(by_text.estimate() == 1);
}

TEST_CASE("hyperloglog: within 2% for 1M distinct") {
  constexpr int64_t kDistinct = 1'000'000;
  HyperLogLog hll;
  for (int round = 0; round < 2; ++round) {
    for (int64_t i = 0; i < kDistinct; ++i) hll.add(key(i));
  }
  const int64_t estimate = hll.estimate();
  CHECK(std::llabs(estimate - kDistinct) <= kDistinct / 50);
}

TEST_CASE("hyperloglog: accurate where linear counting hands over (around 2.5 × 16384)") {
  for (int64_t n : {30'000, 41'000, 50'000, 80'000}) {
    CAPTURE(n);
    CHECK(std::llabs(estimate_of(0, n) - n) <= n / 50);
  }
}

TEST_CASE("hyperloglog: merge counts the union") {
  HyperLogLog left, right, whole;
  for (int64_t i = 0; i < 60'000; ++i) left.add(key(i));
  for (int64_t i = 40'000; i < 100'000; ++i) right.add(key(i));
  for (int64_t i = 0; i < 100'000; ++i) whole.add(key(i));
  left.merge(right);
  CHECK(left.estimate() == whole.estimate());
  CHECK(std::llabs(left.estimate() - 100'000) <= 2'000);

  HyperLogLog empty;
  right.merge(empty);
  CHECK(right.estimate() == estimate_of(40'000, 100'000));
}

}  // namespace csbridge::util
