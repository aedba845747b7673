// Progress of long work. lib/ tells it and never draws anything; tools/ draws it on a terminal
// (one renderer for every command). A unit of work (a table assessed, a block migrated) has a
// size in rows; a step ("ticket: references") has none.
// Threads: called from one thread at a time.
#pragma once

#include <cstdint>
#include <string_view>

namespace csbridge::util {

class Progress {
 public:
  virtual ~Progress() = default;
  // A unit starts: what is being done ("assessing", "migrating"), to what, and its rows
  // (-1 when unknown; `exact` false for an estimate).
  virtual void started(std::string_view doing, std::string_view subject, int64_t rows, bool exact) = 0;
  // Rows of the current unit done so far.
  virtual void advanced(int64_t rows_done) = 0;
  // What the source says about the current unit, shown with its rows until the next note (an
  // API: "12 pages · 8.0 requests/s · waited 2 s for rate limits"); "" for none.
  virtual void note(std::string_view /*text*/) {}
  virtual void finished() = 0;
  // A step of work without a size, one line.
  virtual void step(std::string_view line) = 0;
};

}  // namespace csbridge::util
