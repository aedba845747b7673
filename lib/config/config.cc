#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "config/api_config.h"
#include "config/yaml_source.h"
#include "connector/connection_string.h"
#include "connector/registry.h"
#include "model/cs_model.h"
#include "util/encoding.h"
#include "util/strings.h"

namespace csbridge::config {
namespace {

const std::vector<std::string> kTopKeys = {"version", "sources", "target", "mappings", "masking", "options", "delta"};
const std::vector<std::string> kSourceKeys = {"connection", "encoding", "encodings", "timezone", "description"};
// An API source (api_config.h).
const std::vector<std::string> kApiSourceKeys = {"api", "auth", "headers", "requests_per_second", "retry", "timeout_ms",
                                                 "ca_file", "insecure", "encoding", "timezone", "resources",
                                                 "description"};
const std::vector<std::string> kTargetKeys = {"connection", "schema"};
const std::vector<std::string> kMaskingKeys = {"hmac_key_env", "actions"};
const std::vector<std::string> kOptionKeys = {"batch_rows", "default_timezone", "load_connections"};
const std::vector<std::string> kDeltaKeys = {"settle", "lookback", "max_delete_ratio", "conflicts"};
const std::vector<std::string> kMaskActions = {"keep", "mask", "pseudonymize", "drop"};
constexpr int kMaxBatchRows = 1'000'000;

class Loader {
 public:
  Loader(YamlDocument doc, const EnvLookup& env) : doc_(std::move(doc)), env_(env) {}

  Result<Config> load() {
    Config config;
    config.file = doc_.file;
    const YAML::Node& root = doc_.root;
    if (!root.IsDefined() || root.IsNull()) return config;
    if (!root.IsMap()) return error_at(doc_, root, "the config must be a mapping of sections (sources, target, …)");
    CSB_RETURN_IF_ERROR(check_keys(root, kTopKeys, "config section"));
    if (root["version"] && !(root["version"].IsScalar() && root["version"].Scalar() == "1")) {
      return error_at(doc_, root["version"], "unsupported config version; this csbridge reads version: 1");
    }
    if (root["sources"]) CSB_RETURN_IF_ERROR(load_sources(root["sources"], config));
    if (root["target"]) CSB_RETURN_IF_ERROR(load_target(root["target"], config));
    if (root["mappings"]) CSB_RETURN_IF_ERROR(load_mappings(root["mappings"], config));
    if (root["masking"]) CSB_RETURN_IF_ERROR(load_masking(root["masking"], config));
    if (root["options"]) CSB_RETURN_IF_ERROR(load_options(root["options"], config));
    if (root["delta"]) CSB_RETURN_IF_ERROR(load_delta(root["delta"], config));
    return config;
  }

 private:
  // Unknown keys, and a key given twice (YAML would keep one of the two silently).
  Status check_keys(const YAML::Node& map, const std::vector<std::string>& known, const std::string& what) {
    std::map<std::string, YAML::Mark> seen;
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      if (auto [first, fresh] = seen.emplace(key, kv.first.Mark()); !fresh) {
        return error_at(doc_, kv.first,
                        what + " '" + key + "' given twice (first on line " + std::to_string(first->second.line + 1) +
                            ")");
      }
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string hint = util::closest_match(key, known);
      return error_at(doc_, kv.first,
                      "unknown " + what + " '" + key + "'" +
                          (hint.empty() ? "; known: " + util::join(known, ", ") : ", did you mean '" + hint + "'?"));
    }
    return Status::ok();
  }

  // The interpolated scalar at `node`; `what` names it in messages.
  Result<std::string> scalar(const YAML::Node& node, const std::string& what) {
    if (!node.IsScalar()) return error_at(doc_, node, what + " must be a single value");
    auto value = interpolate_env(node.Scalar(), env_);
    if (!value.is_ok()) return error_at(doc_, node, value.status().message());
    return std::move(value).value();
  }

  Result<int> integer(const YAML::Node& node, const std::string& what, int min, int max) {
    CSB_ASSIGN_OR_RETURN(std::string text, scalar(node, what));
    char* end = nullptr;
    long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || v < min || v > max) {
      return error_at(doc_, node,
                      what + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return static_cast<int>(v);
  }

  // A connection string that does not parse, reported at `at`: where its text came from ${VAR}
  // the message shows it as written, and the value of every variable it names is replaced by the
  // name (an unknown form cannot be redacted, and the variable may hold a password).
  Status connection_error(const YAML::Node& at, const std::string& expanded, const Status& parsed) {
    std::string message = parsed.message();
    if (at.IsScalar() && at.Scalar() != expanded) {
      const std::string& raw = at.Scalar();
      message = util::replace_all(message, expanded, raw);
      for (size_t p = raw.find("${"); p != std::string::npos; p = raw.find("${", p + 2)) {
        size_t end = p + 2;
        while (end < raw.size() && (std::isalnum(static_cast<unsigned char>(raw[end])) || raw[end] == '_')) ++end;
        std::string name = raw.substr(p + 2, end - p - 2);
        std::optional<std::string> value = name.empty() ? std::nullopt : env_(name);
        if (value && !value->empty()) message = util::replace_all(message, *value, "${" + name + "}");
      }
    }
    return error_at(doc_, at, message);
  }

  // File connections are relative to the config file, not to the current directory.
  std::string resolve_file_connection(const std::string& text) {
    auto conn = connector::parse_connection_string(text);
    if (!conn.is_ok()) return text;
    switch (conn->scheme) {
      case connector::Scheme::kPostgres:
      case connector::Scheme::kOdbc:
        return text;
      default:
        break;
    }
    if (conn->target.empty() || conn->target == ":memory:" || std::filesystem::path(conn->target).is_absolute()) {
      return text;
    }
    size_t at = text.rfind(conn->target);
    if (at == std::string::npos) return text;
    return text.substr(0, at) + resolve_path(conn->target) + text.substr(at + conn->target.size());
  }

  std::string resolve_path(const std::string& path) {
    std::filesystem::path p(path);
    if (p.is_absolute()) return path;
    std::filesystem::path base = std::filesystem::path(doc_.file).parent_path();
    return base.empty() ? path : (base / p).lexically_normal().string();
  }

  Status load_sources(const YAML::Node& node, Config& config) {
    if (!node.IsMap()) return error_at(doc_, node, "'sources' must map source names to their settings");
    for (const auto& kv : node) {
      SourceConfig src;
      src.name = kv.first.Scalar();
      src.line = line_of(kv.first);
      if (config.source(src.name)) return error_at(doc_, kv.first, "source '" + src.name + "' is defined twice");
      const YAML::Node& body = kv.second;
      std::string conn_text;
      if (body.IsScalar()) {
        CSB_ASSIGN_OR_RETURN(conn_text, scalar(body, "source '" + src.name + "'"));
      } else if (body.IsMap() && body["api"]) {
        CSB_RETURN_IF_ERROR(check_keys(body, kApiSourceKeys, "API source setting"));
        CSB_ASSIGN_OR_RETURN(src.api, load_api_source(doc_, body, src.name, env_));
        src.connection = src.api->base_url;
        if (body["timezone"]) {
          CSB_ASSIGN_OR_RETURN(src.timezone, scalar(body["timezone"], "timezone"));
        }
        config.sources.push_back(std::move(src));
        continue;
      } else if (body.IsMap()) {
        CSB_RETURN_IF_ERROR(check_keys(body, kSourceKeys, "source setting"));
        if (!body["connection"]) return error_at(doc_, kv.first, "source '" + src.name + "' has no 'connection'");
        CSB_ASSIGN_OR_RETURN(conn_text, scalar(body["connection"], "connection"));
        if (body["encoding"]) {
          CSB_ASSIGN_OR_RETURN(src.encoding, scalar(body["encoding"], "encoding"));
          CSB_ASSIGN_OR_RETURN(src.encodings.source, encoding(body["encoding"], src.encoding));
        }
        if (body["encodings"]) CSB_RETURN_IF_ERROR(load_column_encodings(body["encodings"], src));
        if (body["timezone"]) {
          CSB_ASSIGN_OR_RETURN(src.timezone, scalar(body["timezone"], "timezone"));
        }
      } else {
        return error_at(doc_, body, "source '" + src.name + "' must be a connection string or a mapping");
      }
      const YAML::Node& at = body.IsMap() ? body["connection"] : body;
      auto parsed = connector::parse_connection_string(conn_text);
      if (!parsed.is_ok()) return connection_error(at, conn_text, parsed.status());
      src.connection = resolve_file_connection(conn_text);
      config.sources.push_back(std::move(src));
    }
    return Status::ok();
  }

  Result<util::Encoding> encoding(const YAML::Node& node, const std::string& name) {
    auto e = util::parse_encoding(name);
    if (!e.is_ok()) return error_at(doc_, node, e.status().message());
    return *e;
  }

  // encodings: {table.column: gbk, …}
  Status load_column_encodings(const YAML::Node& node, SourceConfig& src) {
    if (!node.IsMap()) return error_at(doc_, node, "'encodings' must map table.column to an encoding");
    for (const auto& kv : node) {
      const std::string column = kv.first.Scalar();
      size_t dot = column.rfind('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == column.size()) {
        return error_at(doc_, kv.first, "'" + column + "' must name a column as table.column");
      }
      CSB_ASSIGN_OR_RETURN(std::string name, scalar(kv.second, "encoding of " + column));
      CSB_ASSIGN_OR_RETURN(util::Encoding e, encoding(kv.second, name));
      src.encodings.columns[column] = e;
    }
    return Status::ok();
  }

  Status load_target(const YAML::Node& node, Config& config) {
    TargetConfig target;
    target.line = line_of(node);
    std::string conn_text;
    if (node.IsScalar()) {
      CSB_ASSIGN_OR_RETURN(conn_text, scalar(node, "target"));
    } else if (node.IsMap()) {
      CSB_RETURN_IF_ERROR(check_keys(node, kTargetKeys, "target setting"));
      if (!node["connection"]) return error_at(doc_, node, "the target has no 'connection'");
      CSB_ASSIGN_OR_RETURN(conn_text, scalar(node["connection"], "connection"));
      if (node["schema"]) {
      CSB_ASSIGN_OR_RETURN(target.schema, scalar(node["schema"], "schema"));
    }
    } else {
      return error_at(doc_, node, "'target' must be a connection string or a mapping");
    }
    const YAML::Node& at = node.IsMap() ? node["connection"] : node;
    auto parsed = connector::parse_connection_string(conn_text);
    if (!parsed.is_ok()) return connection_error(at, conn_text, parsed.status());
    target.connection = resolve_file_connection(conn_text);
    config.target = std::move(target);
    return Status::ok();
  }

  Status load_mappings(const YAML::Node& node, Config& config) {
    if (node.IsScalar()) {
      CSB_ASSIGN_OR_RETURN(std::string path, scalar(node, "mappings"));
      config.mappings.push_back(resolve_path(path));
      return Status::ok();
    }
    if (!node.IsSequence()) return error_at(doc_, node, "'mappings' must be a path or a list of paths");
    for (const auto& item : node) {
      CSB_ASSIGN_OR_RETURN(std::string path, scalar(item, "a mapping path"));
      config.mappings.push_back(resolve_path(path));
    }
    return Status::ok();
  }

  Status load_masking(const YAML::Node& node, Config& config) {
    if (!node.IsMap()) return error_at(doc_, node, "'masking' must be a mapping");
    CSB_RETURN_IF_ERROR(check_keys(node, kMaskingKeys, "masking setting"));
    if (node["hmac_key_env"]) {
      CSB_ASSIGN_OR_RETURN(config.masking.hmac_key_env, scalar(node["hmac_key_env"], "hmac_key_env"));
    }
    if (!node["actions"]) return Status::ok();
    const YAML::Node& actions = node["actions"];
    if (!actions.IsMap()) return error_at(doc_, actions, "'actions' must map PII classes to actions");
    for (const auto& kv : actions) {
      std::string cls = kv.first.Scalar();
      if (!model::parse_pii_class(cls).is_ok() || cls == "none") {
        return error_at(doc_, kv.first,
                        "unknown PII class '" + cls +
                            "'; known: name, phone, national_id, email, bank_card, address, free_text");
      }
      CSB_ASSIGN_OR_RETURN(std::string action, scalar(kv.second, "masking action"));
      if (std::find(kMaskActions.begin(), kMaskActions.end(), action) == kMaskActions.end()) {
        std::string hint = util::closest_match(action, kMaskActions);
        return error_at(doc_, kv.second,
                        "unknown masking action '" + action + "'" +
                            (hint.empty() ? "; known: " + util::join(kMaskActions, ", ")
                                          : ", did you mean '" + hint + "'?"));
      }
      config.masking.actions[cls] = action;
    }
    return Status::ok();
  }

  Status load_options(const YAML::Node& node, Config& config) {
    if (!node.IsMap()) return error_at(doc_, node, "'options' must be a mapping");
    CSB_RETURN_IF_ERROR(check_keys(node, kOptionKeys, "option"));
    if (node["batch_rows"]) {
      CSB_ASSIGN_OR_RETURN(config.options.batch_rows, integer(node["batch_rows"], "batch_rows", 1, kMaxBatchRows));
    }
    if (node["load_connections"]) {
      CSB_ASSIGN_OR_RETURN(config.options.load_connections,
                           integer(node["load_connections"], "load_connections", 1, kMaxLoadConnections));
    }
    if (node["default_timezone"]) {
      CSB_ASSIGN_OR_RETURN(config.options.default_timezone, scalar(node["default_timezone"], "default_timezone"));
    }
    return Status::ok();
  }

  Status load_delta(const YAML::Node& node, Config& config) {
    if (!node.IsMap()) return error_at(doc_, node, "'delta' must be a mapping");
    CSB_RETURN_IF_ERROR(check_keys(node, kDeltaKeys, "delta option"));
    for (const auto& [key, value] : {std::pair{"settle", &config.delta.settle_seconds},
                                     std::pair{"lookback", &config.delta.lookback_seconds}}) {
      if (!node[key]) continue;
      CSB_ASSIGN_OR_RETURN(std::string text, scalar(node[key], key));
      std::optional<double> seconds = parse_duration(text);
      if (!seconds) {
        return error_at(doc_, node[key], std::string("delta.") + key + " must be a duration (5s, 500ms, 2m, 1h), not '" +
                                             text + "'");
      }
      *value = *seconds;
    }
    if (node["max_delete_ratio"]) {
      CSB_ASSIGN_OR_RETURN(std::string text, scalar(node["max_delete_ratio"], "max_delete_ratio"));
      std::optional<double> percent = parse_percent(text);
      if (!percent) {
        return error_at(doc_, node["max_delete_ratio"],
                        "delta.max_delete_ratio must be a percentage from 0 to 100 (5%, 0.5%, 5), not '" + text + "'");
      }
      config.delta.max_delete_percent = *percent;
    }
    if (node["conflicts"]) {
      CSB_ASSIGN_OR_RETURN(std::string text, scalar(node["conflicts"], "conflicts"));
      if (text != "reject" && text != "source_wins" && text != "target_wins") {
        return error_at(doc_, node["conflicts"],
                        "delta.conflicts must be reject, source_wins or target_wins, not '" + text + "'");
      }
      config.delta.conflicts = text;
    }
    return Status::ok();
  }

  // "5%", "0.5%" or a bare number, 0 to 100.
  static std::optional<double> parse_percent(std::string_view text) {
    std::string t(util::trim(text));
    if (!t.empty() && t.back() == '%') t = std::string(util::trim(t.substr(0, t.size() - 1)));
    if (t.empty()) return std::nullopt;
    char* end = nullptr;
    double v = std::strtod(t.c_str(), &end);
    if (end != t.c_str() + t.size() || !(v >= 0 && v <= 100)) return std::nullopt;
    return v;
  }

  YamlDocument doc_;
  const EnvLookup& env_;
};

}  // namespace

const SourceConfig* Config::source(const std::string& name) const {
  for (const SourceConfig& s : sources) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<std::string> interpolate_env(const std::string& text, const EnvLookup& env) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {
      out += text[i];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos) return config_error("unterminated '${' (write $$ for a literal $)");
    std::string expr = text.substr(i + 2, close - i - 2);
    std::string name = expr, fallback;
    bool has_fallback = false;
    if (size_t dash = expr.find(":-"); dash != std::string::npos) {
      name = expr.substr(0, dash);
      fallback = expr.substr(dash + 2);
      has_fallback = true;
    }
    if (name.empty()) return config_error("empty variable name in '${" + expr + "}'");
    std::optional<std::string> value = env(name);
    if (!value || (value->empty() && has_fallback)) {
      if (!has_fallback) return config_error("environment variable '" + name + "' is not set");
      value = fallback;
    }
    out += *value;
    i = close;
  }
  return out;
}

// Any message about the file may quote a value that ${VAR} put there (an unknown encoding, a bad
// number, a URL), and the variable may hold a password: every value read from the environment is
// shown as its ${NAME} in the message, whichever node the message is about. Values of fewer than
// four characters are left (they would mangle line numbers and words, and are no secret).
Result<Config> load_config(const std::string& path, const EnvLookup& env) {
  CSB_ASSIGN_OR_RETURN(YamlDocument doc, load_yaml_file(path));
  std::vector<std::pair<std::string, std::string>> read;  // value, name
  EnvLookup recording = [&](const std::string& name) {
    std::optional<std::string> value = env(name);
    if (value && value->size() >= 4) read.emplace_back(*value, name);
    return value;
  };
  Result<Config> loaded = Loader(std::move(doc), recording).load();
  if (loaded.is_ok() || read.empty()) return loaded;
  std::sort(read.begin(), read.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  std::string message = loaded.status().message();
  // The location that starts the message names the file, which no variable wrote.
  size_t from = message.starts_with(path + ":") ? path.size() + 1 : 0;
  std::string head = message.substr(0, from), rest = message.substr(from);
  for (const auto& [value, name] : read) rest = util::replace_all(rest, value, "${" + name + "}");
  return Status(loaded.status().code(), head + rest);
}

std::string resolve_connection(const Config& config, const std::string& name_or_connection) {
  const SourceConfig* src = config.source(name_or_connection);
  return src ? src->connection : name_or_connection;
}

Result<Target> resolve_target(const Config& config, const std::string& target_flag, const std::string& schema_flag) {
  Target t;
  if (!target_flag.empty()) {
    t.connection = resolve_connection(config, target_flag);
  } else if (config.target && !config.target->connection.empty()) {
    t.connection = config.target->connection;
    t.schema = config.target->schema;
  } else {
    return config_error("no target: set 'target:' in csbridge.yaml or pass --target CONN");
  }
  if (!schema_flag.empty()) t.schema = schema_flag;
  return t;
}

Result<std::unique_ptr<connector::Connector>> open_source(const SourceConfig& source,
                                                           connector::Undecodable undecodable) {
  if (source.api) return connector::open_api(source.api);
  return connector::open_connector(source.connection, source.encodings, undecodable);
}

Result<std::string> source_display(const Config& config, const std::string& name_or_connection) {
  if (const SourceConfig* src = config.source(name_or_connection); src && src->api) {
    return "API source " + src->name + " (" + src->api->redact(src->api->base_url) + ")";
  }
  CSB_ASSIGN_OR_RETURN(connector::ConnectionString conn,
                       connector::parse_connection_string(resolve_connection(config, name_or_connection)));
  return conn.redacted();
}

Result<std::unique_ptr<connector::Connector>> open_source(const Config& config, const std::string& name_or_connection,
                                                           connector::Undecodable undecodable) {
  if (const SourceConfig* src = config.source(name_or_connection)) return open_source(*src, undecodable);
  return connector::open_connector(name_or_connection);
}

std::optional<double> parse_duration(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end == s.c_str() || !(v >= 0) || v > 1e9) return std::nullopt;
  std::string_view unit(end);
  if (unit.empty() || unit == "s") return v;
  if (unit == "ms") return v / 1000;
  if (unit == "m") return v * 60;
  if (unit == "h") return v * 3600;
  return std::nullopt;
}

}  // namespace csbridge::config
