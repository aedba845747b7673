// Rows of a reader that cannot sort (the file backends), sorted by some of their columns in
// bounded memory: an external merge sort. The rows are read whole on the first next(): runs of
// up to `memory_bytes` of rows are sorted in memory and, when there is more than one, written to
// temporary files and merged. migrate asks every source for its rows ordered by the legacy key
// (a checkpoint is a position in that order, and a repeated key follows its first row); a CSV
// or JSON export is read through this.
//
// The order: key columns compared in turn; NULL first, then integers (up to 18 digits, an
// optional minus) by value, then every other value by its bytes; rows equal on the key keep
// the order they were read in. Deterministic for the same input, so a resumed read of the same
// file hands out the same rows in the same places.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "connector/connector.h"

namespace csbridge::connector {

// The first `limit` rows in that order (all with -1). kInvalidArgument when a key column is not
// one of the reader's columns. The inner reader's rejected records are handed on (all of them
// with the first rows).
Result<std::unique_ptr<RowReader>> sort_rows(std::unique_ptr<RowReader> inner, const std::vector<std::string>& keys,
                                             size_t batch_rows, int64_t limit = -1,
                                             size_t memory_bytes = size_t{64} << 20);

}  // namespace csbridge::connector
