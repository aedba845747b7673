// Reads mapping files into a MappingSet, collecting every problem that needs
// no data (unknown keys, entities, fields, sources and steps, bad step
// arguments, types that cannot convert, enum values outside their domain,
// lookups that do not match the model) — all of them in one run, each at its
// file:line:col. Opens no database.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "connector/connector.h"
#include "mapping/mapping.h"
#include "model/cs_model.h"

namespace csbridge::mapping {

struct LoadResult {
  MappingSet set;
  std::vector<Diagnostic> diagnostics;
  bool unreadable = false;  // a file could not be read or parsed as YAML (exit 2)

  bool has_errors() const;
};

// `paths` are files or folders (every *.yaml / *.yml inside, sorted by name).
LoadResult load_mappings(const std::vector<std::string>& paths, const config::Config& config,
                         const model::Model& model);

// Loads one document already in memory (tests, and `paths` above file by file).
void load_mapping_document(config::YamlDocument doc, const config::Config& config, const model::Model& model,
                           LoadResult& result);

// The kind of value a source column of `type` gives (for type checks).
transform::Kind kind_of(connector::ValueType type);
// Whether a value of `kind` can go into a field of `type` (text always may: it is checked per row).
bool kind_fits(transform::Kind kind, model::FieldType type);

}  // namespace csbridge::mapping
