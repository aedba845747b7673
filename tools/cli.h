// The command layer: global options, the subcommand table, and the output
// sinks. Each command fills a plain options struct, calls lib/, and maps the
// result to an exit code (util/exit_status.h).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "util/exit_status.h"
#include "util/progress.h"

namespace csbridge::cli {

struct GlobalOptions {
  std::string config_path;  // -c/--config; "" = ./csbridge.yaml when it exists
  std::string format;       // --format; "" = the command's default
  std::string output;       // -o/--output; "" = stdout
  bool quiet = false;
  bool verbose = false;
  bool no_progress = false;
  std::string command_line;  // argv joined, secrets removed: for audit records
};

// What a command needs from the outside world: options, config, output.
class Context {
 public:
  // `options` is filled by the parser; it must outlive the context.
  explicit Context(const GlobalOptions& options);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const GlobalOptions& options() const { return options_; }
  // The project config (loaded once); an empty config when none is given or found.
  Result<const config::Config*> config();
  // The --format value, or `fallback`; fails (usage) when not in `allowed`.
  Result<std::string> format(const std::string& fallback, const std::vector<std::string>& allowed) const;

  // Results: stdout or the -o file. Opened on first write.
  Status write(std::string_view text);
  Status close_output();
  // Diagnostics: stderr. info() is silenced by -q; debug() needs -v.
  void info(const std::string& line) const;
  void debug(const std::string& line) const;
  void warn(const std::string& line) const;
  // Diagnostics that explain a refusal (a mapping's problems): stderr as they are, even with -q.
  void explain(std::string_view text) const;
  // True when progress may be drawn (stderr is a terminal and --no-progress is off).
  bool progress_enabled() const;
  // The one progress renderer of every command: bars redrawn in place on a terminal (when
  // progress_enabled()), steps as lines on stderr unless -q.
  util::Progress& progress();

 private:
  class TerminalProgress;
  const GlobalOptions& options_;
  std::unique_ptr<TerminalProgress> progress_;
  std::optional<config::Config> config_;
  FILE* out_ = nullptr;
  bool out_owned_ = false;
};

// Reports `status` on stderr (a config error as is, others prefixed with
// "csbridge: error: ") and returns its exit code.
int fail(const Status& status);

struct Command {
  const char* name;
  const char* help;
  // Adds options and subcommands to `app`; `run` is set as the callback's target.
  std::function<void(CLI::App& app, Context& ctx, int& exit_code)> setup;
};

// Command set-up functions, one per tools/cmd_*.cc.
void setup_assess(CLI::App& app, Context& ctx, int& exit_code);
void setup_map(CLI::App& app, Context& ctx, int& exit_code);
void setup_migrate(CLI::App& app, Context& ctx, int& exit_code);
void setup_runs(CLI::App& app, Context& ctx, int& exit_code);
void setup_plan_shards(CLI::App& app, Context& ctx, int& exit_code);
void setup_schema(CLI::App& app, Context& ctx, int& exit_code);
void setup_source(CLI::App& app, Context& ctx, int& exit_code);
void setup_validate(CLI::App& app, Context& ctx, int& exit_code);
void setup_init(CLI::App& app, Context& ctx, int& exit_code);

// NAME's line of the man page, and --help's first: "bring legacy … platform".
inline constexpr const char* kSummary =
    "bring legacy helpdesk, CRM and ERP data onto a customer-service platform";

// Adds the global options and every command of the table to `app` (run() parses with it; the
// docs generator reads the man page and the completions from it).
void add_commands(CLI::App& app, GlobalOptions& options, Context& ctx, int& exit_code);

// Runs csbridge with argv; returns the process exit code.
int run(int argc, char** argv);

}  // namespace csbridge::cli
