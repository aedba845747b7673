// Keyed records spilled to temporary files, partitioned by a hash of the key,
// so that two sides of a comparison can be read in any order (no ORDER BY
// that has to agree across engines, collations, integer versus text keys,
// key prefixes or several blocks per entity) and still be matched with memory
// bounded by one partition: every record of a key lands in the same partition
// on both sides.
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
  // Files go into a fresh directory under `parent` (the system temp dir when empty).
  explicit Spill(size_t partitions = 128, std::filesystem::path parent = {});
  ~Spill();
  Spill(const Spill&) = delete;
  Spill& operator=(const Spill&) = delete;

  // Creates the directory and files; kIo when it cannot.
  Status open();
  Status add(std::string_view key, std::string_view payload);
  // Flushes everything written; call before reading.
  Status finish();
  // The records of partition `p`, in the order they were added.
  Result<std::vector<SpilledRecord>> read(size_t p);

  size_t partitions() const { return files_.size(); }
  int64_t records() const { return records_; }
  static size_t partition_of(std::string_view key, size_t partitions);

 private:
  std::filesystem::path parent_, dir_;
  std::vector<FILE*> files_;
  int64_t records_ = 0;
};

}  // namespace csbridge::validate
