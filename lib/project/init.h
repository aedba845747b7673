// `csbridge init`: scaffolds a migration project — csbridge.yaml (commented; secrets as
// ${ENV}), mappings/, out/ (in git, its contents ignored: the local SQLite target), a
// .gitignore for what runs leave behind (reject files, reports/), and a CI file of the
// user's choice (the templates of examples/ci/, embedded at build time).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace csbridge::project {

enum class Ci { kNone, kGithub, kGitlab };

// "github", "gitlab" or "none".
Result<Ci> parse_ci(const std::string& name);

// Where each CI file goes in a project.
inline constexpr const char* kGithubWorkflowPath = ".github/workflows/csbridge.yml";
inline constexpr const char* kGitlabCiPath = ".gitlab-ci.yml";

// The text of each scaffolded file.
std::string config_template();
std::string gitignore_template();
std::string_view github_workflow_template();  // examples/ci/github-actions.yml
std::string_view gitlab_ci_template();        // examples/ci/gitlab-ci.yml

struct InitOptions {
  std::string dir = ".";
  Ci ci = Ci::kNone;
  bool force = false;  // overwrite csbridge.yaml and the CI file when they exist
};

// What init did to one path (relative to the project folder).
struct InitAction {
  std::string path;
  std::string what;  // "created", "overwritten", "kept", "appended N lines"
};

// Creates the project in options.dir (made when missing). csbridge.yaml and the CI file are
// never overwritten without `force`: when one exists, nothing at all is written and the error
// (invalid argument: exit 2) names every such file. A .gitignore that exists gets the lines it
// lacks appended; mappings/ and out/ are kept as they are (out/.gitignore is written when missing).
Result<std::vector<InitAction>> init_project(const InitOptions& options);

}  // namespace csbridge::project
