// Checkpoints of a migrate block in the target (see ARCHITECTURE.md, "Resume"): each loader's
// position ("<scope>/<n>": rows consumed and the source reader's position after them), a record
// per committed batch ("<scope>@<last>") and "<scope>!done" when the block finished; and what a
// resumed run makes of them (Committed).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "migrate/migrate.h"  // EntityCounts

namespace csbridge::migrate {

// A loader's checkpoint: the rows of the block consumed, then (after a space) the source
// reader's position after them when the reader gave one ("1500 {\"page\":…}").
std::string loader_position(int64_t rows, const std::string& reader_position);

// Back from loader_position; a position that does not parse is 0 rows (start over: loads are
// idempotent).
std::pair<int64_t, std::string> parse_loader_position(const std::string& text);

// Checkpoint scopes of a block: "<scope>/<n>" each loader's position, "<scope>@<last>" a
// batch record, "<scope>!done" the block finished.
std::string record_scope(const std::string& scope, int64_t last);
std::string done_scope(const std::string& scope);

// What earlier, interrupted runs of the chain committed of one block: every batch records, in
// its transaction, the positions (1-based, in the block's ordered read) of its first and last
// row and what became of its rows. A resumed run skips those rows: they are neither loaded nor
// rejected twice. Positions are asked for in increasing order.
class Committed {
 public:
  // Parses a batch record "first last read loaded unchanged rejected filtered nulled[ consumed
  // position]" (the last two: the rows of the block consumed with the batch and the source
  // reader's position after them); false when it is not one (a record from another version is
  // ignored: its rows load again).
  bool add_record(const std::string& text);
  void set_upto(int64_t upto) { upto_ = upto; }
  int64_t upto() const { return upto_; }
  // The source reader's position after the first upto() rows ("" when not known).
  void set_resume_position(std::string position) {
    resume_position_ = std::move(position);
    resume_rows_ = upto_;
  }
  const std::string& resume_position() const { return resume_position_; }
  // The rows resume_position() stands after: upto(), or further when batches committed past it
  // (by other loaders) join up with it and the last of them recorded the reader's position.
  int64_t resume_rows() const { return resume_rows_; }
  // Sorts the records and moves the resume position past those that join up with upto().
  void sort();
  bool skipped(int64_t position) {
    if (position <= upto_) return true;
    while (next_ < ranges_.size() && ranges_[next_].last < position) ++next_;
    for (size_t k = next_; k < ranges_.size() && ranges_[k].first <= position; ++k)
      if (position <= ranges_[k].last) return true;
    return false;
  }
  // What became of the committed rows, as `resumed_*` of `counts` (map_batches counts them as
  // `skipped` as it passes them).
  void add_to(EntityCounts& counts) const {
    for (const Range& r : ranges_) {
      counts.resumed_loaded += r.loaded + r.unchanged;
      counts.resumed_rejected += r.rejected;
      counts.resumed_filtered += r.filtered;
    }
  }
  // Records (and unreadable records) the committed batches read: a finished block's rows.
  int64_t records_read() const {
    int64_t n = 0;
    for (const Range& r : ranges_) n += r.read;
    return n;
  }

 private:
  struct Range {
    long long first = 0, last = 0, read = 0, loaded = 0, unchanged = 0, rejected = 0, filtered = 0, nulled = 0;
    int64_t consumed = 0;  // with `position`: the reader's position after this many rows
    std::string position;
  };
  std::vector<Range> ranges_;
  int64_t upto_ = 0;
  int64_t resume_rows_ = 0;
  std::string resume_position_;
  size_t next_ = 0;
};

}  // namespace csbridge::migrate
