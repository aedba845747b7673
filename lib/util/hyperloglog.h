// HyperLogLog distinct-count sketch with precision 14: 16 KiB of registers
// whatever the input size, a standard error of about 0.8%. The estimate uses
// Ertl's improved estimator, whose small-range term is linear counting
// extended smoothly into the range where the classic one switches over.
// Not thread-safe; sketches built on different threads combine with merge().
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace csbridge::util {

// XXH3 64-bit hash of `bytes`; the hash every sketch in csbridge is fed with,
// so that sketches of the same values built in different places merge.
uint64_t hash_bytes(std::string_view bytes);

class HyperLogLog {
 public:
  static constexpr int kPrecision = 14;
  static constexpr size_t kRegisters = size_t{1} << kPrecision;

  // Adds an already hashed value (the 64 bits must be well mixed, e.g. hash_bytes()).
  void add(uint64_t hash);
  void add(std::string_view value) { add(hash_bytes(value)); }
  // Afterwards this sketch counts the union of both inputs.
  void merge(const HyperLogLog& other);
  // Estimated number of distinct values added (0 for an empty sketch).
  int64_t estimate() const;

 private:
  std::array<uint8_t, kRegisters> registers_{};
};

}  // namespace csbridge::util
