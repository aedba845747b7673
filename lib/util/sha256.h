// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for deterministic
// pseudonyms. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace csbridge::util {

using Sha256Digest = std::array<uint8_t, 32>;

// Incremental hashing: update() any number of times, then digest() once.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  // Finishes the hash; the object must not be updated afterwards.
  Sha256Digest digest();

 private:
  void compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

Sha256Digest sha256(std::string_view data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view message);
// Lowercase hex of the first `bytes` bytes of `digest`.
std::string to_hex(const Sha256Digest& digest, size_t bytes = 32);

}  // namespace csbridge::util
