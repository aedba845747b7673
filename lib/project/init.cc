#include "project/init.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace csbridge::project {

std::string_view embedded_github_workflow();  // generated from examples/ci/ at build time
std::string_view embedded_gitlab_ci();

namespace {

namespace fs = std::filesystem;

constexpr const char* kConfig = R"YAML(# csbridge project config, written by `csbridge init`. Reference: `man csbridge`, and the
# JSON Schema schemas/csbridge.config.schema.json of the csbridge sources.
# Relative paths are relative to this file. Secrets never go into it: write ${NAME} and set
# NAME in the environment (locally, or as a secret variable of your CI); ${NAME:-default}
# gives a default. An unset variable without a default is an error.
version: 1

sources:
  # The legacy system, under the name the mappings' `source:` gives. Its connection:
  #   postgresql://user:${HELPDESK_PASSWORD}@db.internal:5432/helpdesk
  #   odbc:Driver={MariaDB Unicode};Server=db.internal;Database=helpdesk;Uid=ro;Pwd=${HELPDESK_PASSWORD}
  #   odbc:DSN=helpdesk         sqlite:/srv/exports/helpdesk.db         csv:exports/?encoding=gbk
  helpdesk:
    connection: ${HELPDESK_DB}
    # encoding: gbk             # text stored in a legacy encoding: gbk, gb18030, big5, latin1, utf8_in_latin1
    # timezone: Asia/Shanghai   # the zone of its timestamps stored without one

# The customer-service database the migration writes: PostgreSQL (the CI templates set
# CS_TARGET to their PostgreSQL service), or the SQLite file out/cs.db to try things out.
target: ${CS_TARGET:-sqlite:out/cs.db}

# `csbridge map suggest --source helpdesk -o mappings/` writes the first ones.
mappings: [mappings/]

masking:
  # The key of `pseudonymize` (HMAC-SHA256) is read from this environment variable.
  hmac_key_env: CSBRIDGE_HMAC_KEY
  # Per personal-data class of the CS model: keep, mask, pseudonymize or drop.
  actions:
    phone: mask          # 138****1234
    national_id: mask    # the first 4 and the last 4 kept
    bank_card: mask      # the first 6 and the last 4 kept
    email: mask          # z***@163.com
    name: keep
    address: mask        # province, city and district kept
    free_text: mask      # phones, IDs, cards and e-mails inside free text

options:
  batch_rows: 5000                  # rows per batch read, mapped and loaded
  default_timezone: Asia/Shanghai   # the zone of timestamps stored without one
)YAML";

constexpr const char* kGitignore = R"(# csbridge: what runs leave behind (customer data, even when masked); never committed
*rejects*.jsonl
/reports/
)";

// out/ is kept in git (a clone has the folder the SQLite target needs), its contents are not.
constexpr const char* kOutGitignore = R"(# csbridge: the local target (out/cs.db) and what runs leave here; never committed
*
!.gitignore
)";

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The lines of `wanted` that `existing` lacks (comments and blank lines are not wanted twice).
std::vector<std::string> missing_lines(const std::string& existing, std::string_view wanted) {
  std::vector<std::string> have = lines_of(existing), missing;
  for (const std::string& line : lines_of(wanted)) {
    if (line.empty() || line.front() == '#') continue;
    bool found = false;
    for (const std::string& h : have) found |= h == line;
    if (!found) missing.push_back(line);
  }
  return missing;
}

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status write_file(const fs::path& path, std::string_view text, bool append) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return io_error("cannot create " + path.parent_path().string() + ": " + ec.message());
  std::ofstream out(path, append ? std::ios::binary | std::ios::app : std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return out ? Status::ok() : io_error("cannot write " + path.string() + ": " + std::strerror(errno));
}

struct Planned {
  std::string path;  // relative to the project folder
  std::string_view text;
};

// Folders, and files that must not exist: one problem per path that stands in the way.
std::vector<std::string> obstacles(const fs::path& dir, const std::vector<Planned>& files, bool force) {
  std::vector<std::string> problems;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) return {dir.string() + " exists and is not a folder"};
  for (const char* folder : {"mappings", "out"}) {
    fs::path p = dir / folder;
    if (fs::exists(p, ec) && !fs::is_directory(p, ec)) problems.push_back(p.string() + " exists and is not a folder");
  }
  for (const Planned& f : files) {
    fs::path p = dir / f.path;
    if (fs::is_directory(p, ec)) {
      problems.push_back(p.string() + " is a folder");
    } else if (!force && fs::exists(p, ec)) {
      problems.push_back(p.string() + " exists");
    }
  }
  return problems;
}

}  // namespace

Result<Ci> parse_ci(const std::string& name) {
  if (name == "github") return Ci::kGithub;
  if (name == "gitlab") return Ci::kGitlab;
  if (name == "none") return Ci::kNone;
  return invalid_argument("--ci " + name + ": choose github, gitlab or none");
}

std::string config_template() { return kConfig; }
std::string gitignore_template() { return kGitignore; }
std::string_view github_workflow_template() { return embedded_github_workflow(); }
std::string_view gitlab_ci_template() { return embedded_gitlab_ci(); }

Result<std::vector<InitAction>> init_project(const InitOptions& options) {
  const fs::path dir = options.dir.empty() ? fs::path(".") : fs::path(options.dir);
  std::vector<Planned> files = {{"csbridge.yaml", kConfig}};
  if (options.ci == Ci::kGithub) files.push_back({kGithubWorkflowPath, embedded_github_workflow()});
  if (options.ci == Ci::kGitlab) files.push_back({kGitlabCiPath, embedded_gitlab_ci()});

  std::vector<std::string> problems = obstacles(dir, files, options.force);
  std::error_code ec;
  if (fs::is_directory(dir / ".gitignore", ec)) problems.push_back((dir / ".gitignore").string() + " is a folder");
  if (!problems.empty()) {
    std::string message = "init wrote nothing: ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    if (!options.force) message += " (--force overwrites csbridge.yaml and the CI file)";
    return invalid_argument(message);
  }

  std::vector<InitAction> done;
  for (const Planned& f : files) {
    bool existed = fs::exists(dir / f.path, ec);
    CSB_RETURN_IF_ERROR(write_file(dir / f.path, f.text, false));
    done.push_back({f.path, existed ? "overwritten" : "created"});
  }
  for (const char* folder : {"mappings", "out"}) {
    bool existed = fs::is_directory(dir / folder, ec);
    fs::create_directories(dir / folder, ec);
    if (ec) return io_error("cannot create " + (dir / folder).string() + ": " + ec.message());
    done.push_back({std::string(folder) + "/", existed ? "kept" : "created"});
  }
  if (!fs::exists(dir / "out" / ".gitignore", ec)) {
    CSB_RETURN_IF_ERROR(write_file(dir / "out" / ".gitignore", kOutGitignore, false));
    done.push_back({"out/.gitignore", "created"});
  }
  fs::path ignore = dir / ".gitignore";
  if (!fs::exists(ignore, ec)) {
    CSB_RETURN_IF_ERROR(write_file(ignore, kGitignore, false));
    done.push_back({".gitignore", "created"});
  } else {
    CSB_ASSIGN_OR_RETURN(std::string existing, read_file(ignore));
    std::vector<std::string> missing = missing_lines(existing, kGitignore);
    std::string text = existing.empty() || existing.back() == '\n' ? "" : "\n";
    if (!missing.empty()) text += "# csbridge: what runs leave behind\n";
    for (const std::string& line : missing) text += line + "\n";
    if (!missing.empty()) CSB_RETURN_IF_ERROR(write_file(ignore, text, true));
    done.push_back({".gitignore", missing.empty() ? "kept"
                                                  : "appended " + std::to_string(missing.size()) +
                                                        (missing.size() == 1 ? " line" : " lines")});
  }
  return done;
}

}  // namespace csbridge::project
