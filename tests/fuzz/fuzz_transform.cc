// The steps of the mapping language: argument parsing (build_step from YAML)
// and the steps applied to values. Input: the step as a mapping file writes
// it (`trim`, `phone: {region: CN}`, `map: {values: {…}, else: …}`), then a
// line "%%", then one value per line ("\N" is NULL).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/yaml_source.h"
#include "fuzz_support.h"
#include "transform/step.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace csbridge;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t split = text.find("\n%%\n");
  std::string_view step_text = text.substr(0, split);
  std::string_view values_text = split == std::string_view::npos ? std::string_view() : text.substr(split + 4);

  Result<config::YamlDocument> doc = config::parse_yaml(std::string(step_text), "mappings/customer.yaml");
  if (!doc) return fuzz::check(doc.status()), 0;
  YAML::Node name = doc->root;
  YAML::Node args;
  if (doc->root.IsMap()) {
    if (doc->root.size() != 1) return 0;
    name = doc->root.begin()->first;
    args = doc->root.begin()->second;
  }
  Result<std::unique_ptr<transform::Step>> step = transform::build_step(*doc, name, args);
  if (!step) return fuzz::check(step.status()), 0;
  for (int k = 0; k <= static_cast<int>(transform::Kind::kJson); ++k) {
    Result<transform::Kind> kind = (*step)->output_kind(static_cast<transform::Kind>(k));
    if (!kind) fuzz::check(kind.status());
  }

  std::vector<transform::Value> values;
  size_t pos = 0;
  while (pos <= values_text.size() && values.size() < 64) {
    size_t end = values_text.find('\n', pos);
    if (end == std::string_view::npos) end = values_text.size();
    std::string_view v = values_text.substr(pos, end - pos);
    values.push_back(v == "\\N" ? transform::Value() : transform::Value(std::string(v)));
    pos = end + 1;
  }
  transform::Context context;
  context.default_timezone = "Asia/Shanghai";
  context.hmac_key = "fuzz-key";
  context.field_context = "customer.phone";
  context.pii_class = size % 2 ? "phone" : "free_text";
  if ((*step)->arity() < 0) {
    (void)(*step)->apply(values, context);
  } else {
    for (const transform::Value& v : values) (void)(*step)->apply(std::span(&v, 1), context);
  }
  return 0;
}
