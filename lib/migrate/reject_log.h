// The reject file of a migration: rejected rows as JSON lines, their values masked by the PII
// class of what they feed, written once per chain of runs and synced before the batch they
// belong to commits (docs/reliability.md "Nothing lost, nothing doubled").
#pragma once

#include <cstddef>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "connector/connector.h"
#include "mapping/mapping.h"
#include "mapping/row_mapper.h"
#include "migrate/target_store.h"
#include "model/cs_model.h"
#include "util/status.h"

namespace csbridge::migrate {

// The file is created by the first reject: a run that fails before it rejects anything (or
// rejects nothing) leaves no file behind. One thread at a time.
class RejectLog {
 public:
  RejectLog() = default;
  RejectLog(const RejectLog&) = delete;
  RejectLog& operator=(const RejectLog&) = delete;
  ~RejectLog();

  void open(const std::string& path) { path_ = path; }
  const std::string& path() const { return path_; }

  // The lines earlier runs of the chain (`runs`) wrote into this file: a batch whose lines were
  // synced but which a kill stopped before its COMMIT is processed again by the resumed run,
  // whose lines for those rows would repeat them.
  void skip_lines_of(const std::set<std::string>& runs);
  // The same for lines the chain wrote into another file (`file`: a run of the chain that wrote
  // its rejects elsewhere); nothing when it cannot be read.
  void skip_lines_of(const std::set<std::string>& runs, const std::string& file);

  // The target's version of a row in conflict (migrate/conflicts.h), one CS field each: written
  // as the line's "target", masked by the field's class as the values are.
  struct TargetValue {
    std::string field;
    std::optional<std::string> value;
    model::PiiClass pii = model::PiiClass::kNone;
  };
  // The target's version of a rejected row (RowReject::target_values), each value with its field's
  // class in `entity` (a field whose class depends on another's value takes the first personal
  // class it may have).
  static std::vector<TargetValue> target_version(const model::Entity* entity, const RowReject& reject);

  // Appends the line of `error` (row `row` of `in`, or no values when `in` is null); kIo when
  // the file cannot be written. Nothing when no path was opened or the chain wrote the line.
  Status write(const std::string& run_id, const mapping::Block& block, const mapping::RowError& error,
               const connector::Batch* in, size_t row, const std::vector<connector::ColumnInfo>& columns,
               const std::vector<model::PiiClass>& pii, const std::vector<TargetValue>& target = {});

  // Durable before the batch it belongs to commits: a crash never loses a reject.
  Status flush();

 private:
  std::string path_;
  FILE* out_ = nullptr;
  std::set<std::string> written_;
};

}  // namespace csbridge::migrate
