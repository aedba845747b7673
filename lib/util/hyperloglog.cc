#include "util/hyperloglog.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>

namespace csbridge::util {
namespace {

constexpr int kRankBits = 64 - HyperLogLog::kPrecision;

// sigma and tau of Ertl, "New cardinality estimation algorithms for
// HyperLogLog sketches" (2017), the estimator Redis uses: unbiased from one
// value to 2^64 without empirical bias tables, where the classic estimator
// switching to linear counting at 2.5 m overestimates by about 2% around the switch.
double sigma(double x) {
  if (x == 1.0) return INFINITY;
  double y = 1.0, z = x, previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (z != previous);
  return z;
}

double tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0, z = 1.0 - x, previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (z != previous);
  return z / 3.0;
}

}  // namespace

uint64_t hash_bytes(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

void HyperLogLog::add(uint64_t hash) {
  const size_t index = hash >> kRankBits;
  // The sentinel bit bounds the rank at kRankBits + 1 when the remaining bits are all zero.
  const uint64_t rest = (hash << kPrecision) | (uint64_t{1} << (kPrecision - 1));
  const auto rank = static_cast<uint8_t>(std::countl_zero(rest) + 1);
  if (rank > registers_[index]) registers_[index] = rank;
}

void HyperLogLog::merge(const HyperLogLog& other) {
  for (size_t i = 0; i < kRegisters; ++i) registers_[i] = std::max(registers_[i], other.registers_[i]);
}

int64_t HyperLogLog::estimate() const {
  constexpr double m = kRegisters;
  constexpr int kMaxRank = kRankBits + 1;
  std::array<int64_t, kMaxRank + 1> histogram{};
  for (uint8_t r : registers_) ++histogram[r];
  double z = m * tau(1.0 - static_cast<double>(histogram[kMaxRank]) / m);
  for (int k = kMaxRank - 1; k >= 1; --k) z = 0.5 * (z + static_cast<double>(histogram[k]));
  z += m * sigma(static_cast<double>(histogram[0]) / m);
  // The sigma term grows without bound only when every register is empty.
  if (std::isinf(z)) return 0;
  constexpr double kAlphaInfinity = 0.5 / std::numbers::ln2;
  return std::llround(kAlphaInfinity * m * m / z);
}

}  // namespace csbridge::util
