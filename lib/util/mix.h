// Mixing an integer into 64 well-spread bits (SplitMix64's finaliser), for
// deterministic choices that must not follow patterns in the input: which
// rows `--sample` keeps, which values the PII sample checks.
#pragma once

#include <cstdint>

namespace csbridge::util {

constexpr uint64_t mix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace csbridge::util
