// One pass over the values of one column for `assess db`: null ratio,
// distinct count, min/max, lengths, value shapes, masked samples, the PII it
// holds and column-level data-quality findings. Memory is bounded per column
// (a HyperLogLog, a few small tables, prefixes of a handful of values),
// whatever the row count. Raw values are kept only inside the profiler; what
// finish() and findings() return is masked. PII is looked for in every value
// of the first 20,000 the detector would see; when those hold none, only in a
// deterministic sample of the rest (until the sample finds some), with the
// counts scaled up and findings() saying so.
// Threads: one profiler belongs to one thread at a time; the Detector it
// borrows may be shared.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "assess/assessment.h"
#include "connector/connector.h"

namespace csbridge::pii {
class Detector;
}

namespace csbridge::assess {

class ColumnProfiler {
 public:
  // `detector` must outlive the profiler. The value type comes from
  // column.type, or from its declared type when that is kUnknown.
  ColumnProfiler(const connector::ColumnInfo& column, const pii::Detector& detector);
  ~ColumnProfiler();
  ColumnProfiler(ColumnProfiler&&) noexcept;
  ColumnProfiler& operator=(ColumnProfiler&&) noexcept;

  // Every row of column `col` of `batch`.
  void add(const connector::Batch& batch, size_t col);
  // One value; nullopt is NULL.
  void add_value(std::optional<std::string_view> value);

  // The profile of the values added so far.
  ColumnProfile finish() const;
  // Column-level findings (nul_bytes, bad_encoding, zero_date, invalid_phone,
  // id_checksum, binary_column), each naming the column and its count, with
  // at most three masked examples; and pii_sampled (info, counting the values
  // left out) when PII was checked in a sample.
  std::vector<Finding> findings() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace csbridge::assess
