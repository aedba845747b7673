// The source side of the checks: every block of an entity read from its
// source and mapped exactly as migrate maps it (mapping/row_mapper.h: steps,
// conversion, masking), with migrate's --sample selection, handed row by row
// to the checks that need it (counts, rows, helpdesk) so the source is read
// once per entity whatever the number of checks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "connector/connector.h"
#include "mapping/check.h"
#include "mapping/mapping.h"
#include "mapping/row_mapper.h"
#include "migrate/shared_keys.h"
#include "util/status.h"

namespace csbridge::validate {

// What reading one entity's blocks gave.
// A block whose source is a `query:`: its counts start at the query's output, so the rows of
// its driving table (the first table after FROM) that a join or WHERE left out are counted here.
struct QueryBlockCounts {
  std::string block;          // Block::display()
  std::string driving_table;  // "" when the query's FROM is not a plain table name
  int64_t table_rows = -1;    // rows of the driving table; -1 when not counted
  int64_t query_rows = 0;     // rows the query returned
};

struct SourceCounts {
  int64_t read = 0;      // rows (and unreadable records) the source holds for the blocks
  int64_t mapped = 0;    // mapped and in the sample: what migrate tries to load
  int64_t rejected = 0;  // refused by the mapping (or unreadable)
  int64_t filtered = 0;  // outside the --sample slice
  std::vector<QueryBlockCounts> queries;
};

// The table a query reads first: the first name after a FROM outside parentheses, unquoted
// ("public.tickets" → {"public", "tickets"}); nullopt for a subquery, a function or no FROM.
std::optional<connector::TableRef> driving_table(std::string_view query);

class SourceSink {
 public:
  virtual ~SourceSink() = default;
  // A block starts; `mapper` describes its output columns (source_key first).
  virtual Status begin_block(const mapping::Block& block, const mapping::BlockMapper& mapper) = 0;
  // Row `row` of `mapped` (source_key, then mapper.outputs()).
  virtual Status row(const connector::Batch& mapped, size_t row) = 0;
  // A row with a legacy key that the mapping refused (a reject): no row() for it.
  virtual Status refused(std::string_view source_key) {
    (void)source_key;
    return Status::ok();
  }
};

// Migrate's --sample selection of a legacy key (the same hash, so the same rows).
bool in_sample(std::string_view source_key, double percent);

class SourceStream {
 public:
  SourceStream(const config::Config& config, mapping::SourceOpener open, config::EnvLookup env, double sample_percent)
      : config_(config), open_(std::move(open)), env_(std::move(env)), sample_percent_(sample_percent) {}

  // Where the target's crosswalk says which entity a key of a shared key space belongs to
  // (migrate/shared_keys.h): mapped rows are resolved as migrate resolves them before loading.
  void resolve_with(migrate::KnownKeys known) { known_ = std::move(known); }

  // A predicate ANDed to each block's own `where:` ("" reads the block whole), given the block
  // and its source; `validate --delta` reads a window and a sample this way.
  using Narrow = std::function<Result<std::string>(const mapping::Block&, connector::Connector&)>;
  void narrow_with(Narrow narrow) { narrow_ = std::move(narrow); }

  // Reads and maps `blocks` (of one or more entities) into every sink, adding to `counts`.
  // kUnreachable when a source cannot be opened, kNotFound for a missing column.
  Status run(const std::vector<const mapping::Block*>& blocks, const std::vector<SourceSink*>& sinks,
             SourceCounts& counts);

  // The legacy keys of every row of `block` its source holds (the block's where and filter, not
  // narrowed; NULL keys skipped), built as the row mapper builds them, without mapping the rows
  // (migrate::read_legacy_keys); records the reader cannot read are counted in `unreadable`.
  Status keys(const mapping::Block& block, const std::function<Status(std::string)>& key, int64_t& unreadable);

 private:
  Result<connector::Connector*> connect(const std::string& source);

  const config::Config& config_;
  mapping::SourceOpener open_;
  config::EnvLookup env_;
  double sample_percent_;
  migrate::KnownKeys known_;
  Narrow narrow_;
  std::map<std::string, std::unique_ptr<connector::Connector>> sources_;
};

}  // namespace csbridge::validate
