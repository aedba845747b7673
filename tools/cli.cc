#include "cli.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

#include "connector/connection_string.h"
#include "util/strings.h"

namespace csbridge::cli {
namespace {

constexpr const char* kDefaultConfig = "csbridge.yaml";

// The rest of `csbridge --help`; the man page makes a section of each "Title:" part.
constexpr const char* kFooter =
    "Exit codes:\n"
    "  0   success\n"
    "  1   the command ran and found failures (failed checks, mapping problems, rejects over --max-rejects)\n"
    "  2   usage or config error, a file init or map suggest would overwrite, or another migration\n"
    "      holds the target; nothing was written\n"
    "  3   a source or target could not be reached (host, password, driver, missing file) or may not be used\n"
    "  70  internal error (a bug; please report it)\n"
    "The first hour of a project:\n"
    "  csbridge init helpdesk-migration --ci github    csbridge.yaml, mappings/, .gitignore, a CI workflow\n"
    "  cd helpdesk-migration; export HELPDESK_DB=CONN  the legacy database, read as ${HELPDESK_DB}\n"
    "  csbridge map suggest --source helpdesk -o mappings/   a mapping file per CS entity it holds\n"
    "  csbridge map check                              what is left to do (TODOs), as file:line:col\n"
    "Files:\n"
    "  ./csbridge.yaml  the project config (-c FILE for another): sources, target, mappings, masking\n"
    "Environment:\n"
    "  ${NAME}            every variable csbridge.yaml names: connections and passwords come from the environment\n"
    "  CSBRIDGE_HMAC_KEY  the key of pseudonyms, when csbridge.yaml's masking.hmac_key_env names it\n"
    "See also:\n"
    "  README.md          the whole manual; /usr/share/doc/csbridge/examples/ci/ the CI templates";

const Command kCommands[] = {
    {"init", "Scaffold a migration project: csbridge.yaml, mappings/, .gitignore and a CI file (github, gitlab)",
     setup_init},
    {"assess", "Inspect legacy databases (assess db) and APIs: readiness, risks, PII, effort", setup_assess},
    {"map", "Map legacy schemas onto the CS model: suggest mapping files, check them, preview their rows", setup_map},
    {"migrate", "Move the mapped tickets, messages and profiles into the CS model: masked, resumable, nothing lost",
     setup_migrate},
    {"plan-shards", "Cut every mapping block's legacy key into N ranges of equal rows, for N migrate --shard K/N "
                    "processes (Kubernetes, Slurm, GNU parallel)",
     setup_plan_shards},
    {"runs", "List the migration runs recorded in the target (who, when, config hash, counts, outcome) and the state of its shard plan", setup_runs},
    {"schema", "The customer-service data model: show it, print its DDL, apply it to a target", setup_schema},
    {"source", "Look at a source through its connector: list tables, describe them, read rows", setup_source},
    {"validate", "Prove a migration consistent: counts, row fingerprints, references, model, PII, crosswalk; "
                 "in a sandbox; JSON and JUnit for CI",
     setup_validate},
};

}  // namespace

Result<const config::Config*> Context::config() {
  if (config_) return &*config_;
  std::string path = options_.config_path;
  if (path.empty() && std::filesystem::exists(kDefaultConfig)) path = kDefaultConfig;
  if (path.empty()) {
    config_.emplace();
    return &*config_;
  }
  CSB_ASSIGN_OR_RETURN(config::Config loaded, config::load_config(path));
  config_ = std::move(loaded);
  for (const auto& s : config_->sources) {
    if (s.api && s.api->insecure) {
      warn(path + ":" + std::to_string(s.line) + ": source " + s.name +
           ": insecure: true — TLS certificates are not verified (use ca_file: for a private CA)");
    }
  }
  return &*config_;
}

Result<std::string> Context::format(const std::string& fallback, const std::vector<std::string>& allowed) const {
  std::string f = options_.format.empty() ? fallback : options_.format;
  if (std::find(allowed.begin(), allowed.end(), f) == allowed.end()) {
    return invalid_argument("--format " + f + " is not offered here; choose " + util::join(allowed, ", "));
  }
  return f;
}

Status Context::write(std::string_view text) {
  if (out_ == nullptr) {
    if (options_.output.empty() || options_.output == "-") {
      out_ = stdout;
    } else {
      out_ = std::fopen(options_.output.c_str(), "wb");
      if (out_ == nullptr) return io_error("cannot write " + options_.output + ": " + std::strerror(errno));
      out_owned_ = true;
    }
  }
  // Flushed at once: `migrate --follow` writes a line per cycle for whoever reads the pipe.
  if (std::fwrite(text.data(), 1, text.size(), out_) != text.size() || std::fflush(out_) != 0) {
    return io_error("cannot write " + (out_owned_ ? options_.output : std::string("standard output")));
  }
  return Status::ok();
}

Status Context::close_output() {
  if (out_ == nullptr) return Status::ok();
  bool ok = std::fflush(out_) == 0;
  if (out_owned_) ok = std::fclose(out_) == 0 && ok;
  out_ = nullptr;
  return ok ? Status::ok() : io_error("cannot finish writing " + (out_owned_ ? options_.output : "standard output"));
}

void Context::info(const std::string& line) const {
  if (!options_.quiet) std::cerr << line << "\n";
}

void Context::debug(const std::string& line) const {
  if (options_.verbose) std::cerr << line << "\n";
}

void Context::warn(const std::string& line) const { std::cerr << "warning: " << line << "\n"; }

void Context::explain(std::string_view text) const { std::cerr << text; }

bool Context::progress_enabled() const { return !options_.no_progress && !options_.quiet && ::isatty(2); }

// One line on stderr, redrawn in place: "migrating ticket (ticket.yaml#1): 5000 / ~12000 rows (42%)".
class Context::TerminalProgress final : public util::Progress {
 public:
  explicit TerminalProgress(const Context& ctx) : ctx_(ctx), draw_(ctx.progress_enabled()) {}
  void started(std::string_view doing, std::string_view subject, int64_t rows, bool exact) override {
    line_ = std::string(doing) + " " + std::string(subject);
    note_.clear();
    rows_ = rows;
    exact_ = exact;
    advanced(0);
  }
  void advanced(int64_t done) override {
    if (!draw_) return;
    if (rows_ > 0) {
      double pct = std::min(100.0, 100.0 * static_cast<double>(done) / static_cast<double>(rows_));
      std::fprintf(stderr, "\r\033[K%s: %lld / %s%lld rows (%.0f%%)%s", line_.c_str(), static_cast<long long>(done),
                   exact_ ? "" : "~", static_cast<long long>(rows_), pct, note_.c_str());
    } else {
      std::fprintf(stderr, "\r\033[K%s: %lld rows%s", line_.c_str(), static_cast<long long>(done), note_.c_str());
    }
    std::fflush(stderr);
  }
  void note(std::string_view text) override { note_ = text.empty() ? "" : " · " + std::string(text); }
  void finished() override {
    if (draw_) std::fprintf(stderr, "\r\033[K");
  }
  void step(std::string_view line) override {
    if (draw_) std::fprintf(stderr, "\r\033[K");
    ctx_.info(std::string(line));
  }

 private:
  const Context& ctx_;
  const bool draw_;
  std::string line_;
  std::string note_;
  int64_t rows_ = 0;
  bool exact_ = true;
};

Context::Context(const GlobalOptions& options) : options_(options) {}
Context::~Context() { (void)close_output(); }

util::Progress& Context::progress() {
  if (!progress_) progress_ = std::make_unique<TerminalProgress>(*this);
  return *progress_;
}

int fail(const Status& status) {
  if (status.code() == ErrorCode::kConfig) {
    std::cerr << status.message() << "\n";
  } else {
    std::cerr << "csbridge: error: " << status.message() << "\n";
  }
  return static_cast<int>(exit_status_for(status));
}

void add_commands(CLI::App& app, GlobalOptions& options, Context& ctx, int& exit_code) {
  app.description(std::string("csbridge — ") + kSummary + ".");
  app.set_version_flag("--version", std::string("csbridge ") + CSBRIDGE_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("-c,--config", options.config_path, "Project config (default: ./csbridge.yaml when present)")
      ->type_name("FILE");
  app.add_option("--format", options.format, "Output format where output is data (each command lists what it offers)")
      ->type_name("text|json|csv|jsonl|md|html|sarif");
  app.add_option("-o,--output", options.output, "Write results to FILE instead of standard output")->type_name("FILE");
  app.add_flag("-q,--quiet", options.quiet, "Print only results and errors");
  app.add_flag("-v,--verbose", options.verbose, "Print more about what is done");
  app.add_flag("--no-progress", options.no_progress, "Never draw progress bars (they appear only on a terminal)");
  for (const Command& cmd : kCommands) {
    CLI::App* sub = app.add_subcommand(cmd.name, cmd.help);
    cmd.setup(*sub, ctx, exit_code);
  }
  app.footer(kFooter);  // after the commands: CLI11 gives each subcommand its parent's footer
}

int run(int argc, char** argv) {
  CLI::App app{"", "csbridge"};
  GlobalOptions options;
  for (int i = 0; i < argc; ++i) options.command_line += (i ? " " : "") + std::string(argv[i]);
  options.command_line = connector::redact_secrets(options.command_line);
  Context ctx(options);
  int exit_code = 0;
  add_commands(app, options, ctx, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(ExitStatus::kUsage);
  }
  Status closed = ctx.close_output();
  if (!closed.is_ok() && exit_code == 0) return fail(closed);
  return exit_code;
}

}  // namespace csbridge::cli
