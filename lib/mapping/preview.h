// `map preview ENTITY`: the first rows of every block of an entity, source
// and mapped side by side, with the rows that would be rejected and why.
// Values are shown as migrate would write them: the masking policy applies to
// the mapped side, and source values feeding a PII field are masked by its class.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "mapping/check.h"
#include "mapping/mapping.h"
#include "mapping/row_mapper.h"

namespace csbridge::mapping {

struct PreviewRow {
  std::vector<std::optional<std::string>> source;  // parallel to BlockPreview::source_columns
  std::string source_key;
  std::vector<std::optional<std::string>> mapped;  // parallel to BlockPreview::outputs (empty when rejected)
  std::optional<RowError> reject;
};

struct BlockPreview {
  std::string block;                       // Block::display()
  std::string source;                      // "helpdesk.tickets" or "helpdesk (query)"
  std::vector<std::string> source_columns;
  std::vector<OutputColumn> outputs;
  std::vector<PreviewRow> rows;
  int64_t rejected = 0;
};

struct PreviewOptions {
  int64_t limit = 10;  // rows per block
};

// Fails with kNotFound when no block maps `entity` (naming the entities that
// are mapped), kUnreachable when a source cannot be opened, kNotFound when a
// column is missing (run map check for all problems at once).
Result<std::vector<BlockPreview>> preview_entity(const MappingSet& set, const config::Config& config,
                                                 const std::string& entity, const PreviewOptions& options,
                                                 const SourceOpener& open, const config::EnvLookup& env);

}  // namespace csbridge::mapping
