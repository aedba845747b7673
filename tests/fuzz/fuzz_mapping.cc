// Mapping files: the loader (keys, entities, fields, sources, steps and their
// arguments, lookups) and the set-wide checks that need no data.
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "fuzz_support.h"
#include "mapping/check.h"
#include "mapping/loader.h"
#include "model/cs_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace csbridge;
  static const model::Model kModel = [] {
    Result<model::Model> m = model::builtin_model();
    if (!m) fuzz::fail("builtin model: " + m.status().message());
    return std::move(m).value();
  }();
  static const config::Config kConfig = [] {
    config::Config c;
    c.file = "csbridge.yaml";
    c.sources.push_back({.name = "helpdesk", .connection = "sqlite:helpdesk.db", .line = 3});
    c.sources.push_back({.name = "exports", .connection = "csv:exports/?encoding=gbk", .line = 4});
    return c;
  }();
  std::string text(reinterpret_cast<const char*>(data), size);
  Result<config::YamlDocument> doc = config::parse_yaml(text, "mappings/ticket.yaml");
  if (!doc) {
    fuzz::check(doc.status());
    return 0;
  }
  mapping::LoadResult result;
  mapping::load_mapping_document(std::move(doc).value(), kConfig, kModel, result);
  std::vector<mapping::Diagnostic> out;
  mapping::check_mapping_set(result.set, kModel, out);
  (void)mapping::load_order(result.set, kModel);
  return 0;
}
