// `map check`: the problems of a set of mapping files that need the whole set
// (required fields unmapped, lookups nobody can answer, lookup cycles, legacy
// keys that may collide) and, when the sources are reachable, those that need
// data (unknown tables and columns, types that cannot convert, value-map gaps,
// values a step would reject). Every problem is a Diagnostic at its
// file:line:col; nothing stops at the first one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "config/config.h"
#include "connector/connector.h"
#include "mapping/mapping.h"
#include "model/cs_model.h"

namespace csbridge::mapping {

// Checks that need no data. Appends to `out`.
void check_mapping_set(const MappingSet& set, const model::Model& model, std::vector<Diagnostic>& out);

// Opens a source named in the config (injected so tests and commands share one way to connect).
using SourceOpener = std::function<Result<std::unique_ptr<connector::Connector>>(const config::SourceConfig&)>;
SourceOpener default_source_opener();

struct DataCheckOptions {
  int64_t sample_rows = 200'000;  // rows read per block to find the values steps would reject
  size_t max_distinct = 1000;     // distinct values kept per column
  size_t max_listed = 5;          // values named in one message
};

// Checks that need the sources. An unreachable source is a warning (its
// blocks are skipped), never a failure of the whole check.
void check_against_sources(const MappingSet& set, const config::Config& config, const model::Model& model,
                           const SourceOpener& open, const DataCheckOptions& options, std::vector<Diagnostic>& out);

// The blocks in the order migrate loads them: referenced entities first (the
// model's dependency order), file order within an entity.
std::vector<const Block*> load_order(const MappingSet& set, const model::Model& model);

}  // namespace csbridge::mapping
