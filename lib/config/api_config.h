// Reading an API source of csbridge.yaml (README "API sources") into
// connector::ApiSource. Internal to lib/config.
#pragma once

#include <memory>

#include "config/config.h"
#include "config/yaml_source.h"
#include "connector/api_source.h"

namespace csbridge::config {

// `body` is the source's map (it has `api:`). kConfig errors at the offending node; secrets come
// only through ${ENV} (a literal token or password in the file is refused).
Result<std::shared_ptr<const connector::ApiSource>> load_api_source(const YamlDocument& doc, const YAML::Node& body,
                                                                   const std::string& name, const EnvLookup& env);

}  // namespace csbridge::config
