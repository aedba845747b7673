// Delta runs (`migrate --delta`): what a block with a `watermark:` column reads, from a
// high-water mark kept in the target.
//
// A mark is the tuple (watermark, legacy key columns…) of one source row, as canonical text
// (connector/connector.h: the source type's full precision). Tuples compare lexicographically,
// in the source's own SQL, so rows sharing the boundary watermark are neither skipped nor read
// twice. Each run takes an upper bound before it reads: the greatest tuple whose watermark is
// at most the source's clock minus `delta.settle` (a row committed late with an older watermark
// is still within reach of the next run, and `delta.lookback` re-reads a window before the mark).
// A run that completes a block makes its upper bound the block's mark.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/connector.h"
#include "mapping/mapping.h"
#include "util/status.h"

namespace csbridge::migrate {

// (watermark, key columns…), canonical text; a NULL cell never becomes a mark.
using Mark = std::vector<std::string>;

// The bounds one run of a block reads between: (lower, upper]. No lower: from the start; no
// upper: the source held no row at or below the settle bound (nothing to read).
struct DeltaBounds {
  std::optional<Mark> lower;
  std::optional<Mark> upper;
  std::string clock;  // how the upper bound was taken, for the summary ("source clock − 5s", …)
};

// The constant that compares with a column holding canonical `text` as the engine compares
// values of its type (SQLite keeps integers apart from text: a number is written bare there).
std::string constant(const connector::Connector& db, std::string_view text);

// (c0, c1, …) compared with `mark` (v0, v1, …) lexicographically, in the source's SQL: `strict`
// for every column but the last, `last` for the last one ("<", "<=" gives <=). Columns are
// quoted with db.quote_name.
std::string tuple_compare(const connector::Connector& db, const std::vector<std::string>& columns, const Mark& mark,
                          const std::string& strict, const std::string& last, size_t i = 0);

// JSON text of bounds and marks, as kept in checkpoints.
std::string encode_bounds(const DeltaBounds& bounds);
Result<DeltaBounds> decode_bounds(std::string_view text);
std::string encode_mark(const Mark& mark);
Result<Mark> decode_mark(std::string_view text);

// The checkpoint scope of a block's mark (outside the block's own scope, so that clearing the
// block's checkpoints keeps it) and of the bounds an unfinished run reads between.
std::string mark_scope(const std::string& block_scope);
std::string bounds_scope(const std::string& block_scope);
// The checkpoint scope of the bounds the last completed run of a block read between (what
// `validate --delta` checks); kept, like the mark, outside the block's own scope.
std::string window_scope(const std::string& block_scope);

// Rows in conflict (migrate/conflicts.h) that a run rejected stay in conflict until settled, and
// a delta reads them again beside its window: each is a checkpoint "<conflict_scope><key>", the
// key being encode_mark() of the block's key columns as the source gives them, holding
// kConflictPending; a row of the list that a later run writes, keeps or rejects otherwise is set
// to "" (settled) in its batch's transaction, and such entries are dropped when the run ends. A
// full run that reads the block from its start begins the list anew.
std::string conflict_scope(const std::string& block_scope);
inline constexpr std::string_view kConflictPending = "conflict";
// More rows in conflict than this and a delta reads the block whole instead of by key.
inline constexpr size_t kMaxConflictRereads = 1000;

// The SQL predicate of the source rows whose key columns hold one of `keys` (each a value per
// column, canonical text): "k IN (…)" for one column, else "(k1 = … AND k2 = …) OR …".
std::string keys_predicate(const connector::Connector& db, const std::vector<std::string>& columns,
                           const std::vector<Mark>& keys);

// The source's greatest (watermark, key) tuple whose watermark is at most its clock minus
// `settle_seconds` (PostgreSQL, MariaDB/MySQL, SQLite; a numeric watermark, or another engine:
// the greatest tuple, said so in `clock`). kInvalidArgument for a block without a watermark.
Result<DeltaBounds> take_upper_bound(connector::Connector& db, const mapping::Block& block, double settle_seconds);

// The SQL predicate of the rows between the bounds: (w, k…) > lower (or, with a lookback,
// w >= lower's watermark minus it) and (w, k…) <= upper. "" when there are no bounds at all.
// kInvalidArgument when a lookback is asked of a watermark that is not a timestamp.
Result<std::string> delta_predicate(const connector::Connector& db, const mapping::Block& block,
                                    const DeltaBounds& bounds, double lookback_seconds);

class TargetStore;
// Runs `op` as migrate does, retrying a dropped connection; `what` names it in the error.
using Retry = std::function<Status(const std::string& what, const std::function<Status()>& op)>;

// The bounds this run of `block` reads between: those an interrupted run of the chain recorded
// (a resumed run reads what it would have), else the block's mark as the lower bound and a new
// upper bound from the source, recorded in the target before anything is read.
Result<DeltaBounds> run_bounds(TargetStore& store, connector::Connector& db, const mapping::Block& block,
                               double settle_seconds, const std::string& run_id, const Retry& retry);

// Clears the checkpoints of `block_scope` (a run that completed) and, when the run recorded an
// upper bound, makes it the block's mark — in one transaction; the bounds it read between are
// kept as the block's last window first (a run killed in between reads the same bounds again).
Status close_block(TargetStore& store, const std::string& block_scope, const std::string& run_id, const Retry& retry);

// A predicate true for about `fraction` (0..1) of a source's rows, drawn anew by each query
// (PostgreSQL, MariaDB/MySQL, SQLite; `engine` as SourceInfo::engine gives it); "" for another
// engine or a fraction of 1 or more.
std::string random_sample_predicate(const std::string& engine, double fraction);

// A canonical timestamp ("YYYY-MM-DD HH:MM:SS[.f…][zone]", or a date) moved by `seconds`,
// in the same form and precision; nullopt when `text` is no timestamp.
std::optional<std::string> shift_timestamp(std::string_view text, double seconds);

}  // namespace csbridge::migrate
