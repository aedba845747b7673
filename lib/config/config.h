// The project config, csbridge.yaml (schemas/csbridge.config.schema.json):
// named sources, one target, mapping files, the masking policy and run
// options. Values may use ${NAME} or ${NAME:-default} to read the environment
// ($$ is a literal $), which is how secrets get in without being written down.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/api_source.h"
#include "connector/decoding_connector.h"
#include "util/status.h"

namespace csbridge::config {

struct SourceConfig {
  std::string name;
  std::string connection;  // interpolated; may hold a secret: print it only redacted
  std::string encoding;    // declared legacy text encoding ("" = UTF-8)
  std::string timezone;    // zone of timestamps without one ("" = options.default_timezone)
  int line = 0;
  connector::TextEncodings encodings;  // `encoding` and the per-column `encodings`, parsed
  std::shared_ptr<const connector::ApiSource> api = {};  // an API source (connection is then its base URL)
};

struct TargetConfig {
  std::string connection;  // interpolated; may hold a secret
  std::string schema;      // PostgreSQL schema of the CS model ("" = search_path default)
  int line = 0;
};

struct MaskingPolicy {
  std::string hmac_key_env;                     // environment variable holding the pseudonym key
  std::map<std::string, std::string> actions;   // PII class → keep | mask | pseudonymize | drop
};

inline constexpr int kMaxLoadConnections = 16;

struct RunOptions {
  int batch_rows = 5000;
  // PostgreSQL target: batches of one mapping block load on this many connections at once
  // (a SQLite target takes one writer at a time and always uses one).
  int load_connections = 2;
  std::string default_timezone = "UTC";
};

// `delta:` — how `migrate --delta` and `--follow` bound what they read (README "Delta runs").
struct DeltaOptions {
  double settle_seconds = 5;    // upper bound: the source's clock minus this
  double lookback_seconds = 0;  // each delta re-reads this much before the mark (late commits)
  // A block whose deletes exceed this share (percent) of its entity's rows in the target stops
  // the run before any delete is applied (migrate/deletes.h).
  double max_delete_percent = 5;
  // A row changed in the target after csbridge wrote it and in the source since
  // (migrate/conflicts.h): "reject", "source_wins" or "target_wins".
  std::string conflicts = "reject";
};

// "5s", "500ms", "2m", "1h" or a bare number of seconds; nullopt for anything else or a negative.
std::optional<double> parse_duration(std::string_view text);

struct Config {
  std::string file;                   // the path it was read from ("" for none)
  std::vector<SourceConfig> sources;  // in file order
  std::optional<TargetConfig> target;
  std::vector<std::string> mappings;  // paths, resolved against the config's folder
  MaskingPolicy masking;
  RunOptions options;
  DeltaOptions delta;

  const SourceConfig* source(const std::string& name) const;  // nullptr when absent
};

// Looks an environment variable up; std::nullopt when unset. Injected so tests need no real environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_environment();

// Reads `path`. Every error is kConfig "file:line:col: message" with the line
// and a caret: YAML syntax, unknown keys (with "did you mean"), wrong value
// types, unset ${VAR} (named, its would-be value never shown), unknown PII
// classes or masking actions, duplicate source names. Relative paths of file
// connections (sqlite:, csv:, json:, jsonl:, xml:) and of mappings are resolved
// against the folder of the config file.
Result<Config> load_config(const std::string& path, const EnvLookup& env = process_environment());

// Replaces ${NAME}, ${NAME:-default} and $$ in `text`. Fails (kConfig, message
// without location) naming the first unset variable or an unterminated ${.
Result<std::string> interpolate_env(const std::string& text, const EnvLookup& env);

// Resolves what a --source/--target flag names: a source of `config` by name,
// else a connection string as given.
std::string resolve_connection(const Config& config, const std::string& name_or_connection);

// What a --source flag names, fit to print: an API source's name and base URL, else the
// connection string with its password removed; an error for a connection string that does
// not parse (before anything is opened).
Result<std::string> source_display(const Config& config, const std::string& name_or_connection);

// The target a command writes to or checks: the --target flag (a source name or a connection
// string) else the config's `target:`, and the --schema flag else the config's schema (a
// schema from the config goes with the config's connection only). The one place that says
// "no target": kConfig "no target: set 'target:' in csbridge.yaml or pass --target CONN".
struct Target {
  std::string connection;
  std::string schema;
};
Result<Target> resolve_target(const Config& config, const std::string& target_flag, const std::string& schema_flag = "");

// Opens a source with its declared text encodings (connector/registry.h);
// `name_or_connection` as resolve_connection takes it (a plain connection
// string declares none).
Result<std::unique_ptr<connector::Connector>> open_source(
    const SourceConfig& source, connector::Undecodable undecodable = connector::Undecodable::kReject);
Result<std::unique_ptr<connector::Connector>> open_source(
    const Config& config, const std::string& name_or_connection,
    connector::Undecodable undecodable = connector::Undecodable::kReject);

}  // namespace csbridge::config
