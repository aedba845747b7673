// Keyed records partitioned by a hash of the key, so that two sides of a
// comparison can be read in any order (no ORDER BY that has to agree across
// engines, collations, integer versus text keys, key prefixes or several blocks
// per entity) and still be matched with memory bounded by one partition: every
// record of a key lands in the same partition on both sides. Records stay in
// memory up to `memory_limit` bytes; past it every partition is spilled to a
// temporary file (most entities of a migration never create one).
//
// Threads: one Spill belongs to one thread at a time; the source and the
// target side each fill their own Spill (built with the same partition count).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace csbridge::validate {

struct SpilledRecord {
  std::string key;
  std::string payload;
};

class Spill {
 public:
  static constexpr size_t kMemoryLimit = 8 << 20;  // bytes of records held in memory, per Spill
  // Files go into a fresh directory under `parent` (the system temp dir when empty).
  explicit Spill(size_t partitions = 128, std::filesystem::path parent = {}, size_t memory_limit = kMemoryLimit);
  ~Spill();
  Spill(const Spill&) = delete;
  Spill& operator=(const Spill&) = delete;

  // Creates the directory (the files only when records first go past the memory limit); kIo
  // when it cannot.
  Status open();
  Status add(std::string_view key, std::string_view payload);
  // Flushes everything written; call before reading.
  Status finish();
  // The records of partition `p`, in the order they were added.
  Result<std::vector<SpilledRecord>> read(size_t p);

  size_t partitions() const { return memory_.size(); }
  int64_t records() const { return records_; }
  bool spilled() const { return !files_.empty(); }
  static size_t partition_of(std::string_view key, size_t partitions);

 private:
  Status spill_all();
  Status write(FILE* f, std::string_view key, std::string_view payload);

  std::filesystem::path parent_, dir_;
  size_t memory_limit_;
  size_t memory_bytes_ = 0;
  std::vector<std::vector<SpilledRecord>> memory_;  // per partition, until spilled
  std::vector<FILE*> files_;                        // per partition once spilled
  int64_t records_ = 0;
};

}  // namespace csbridge::validate
