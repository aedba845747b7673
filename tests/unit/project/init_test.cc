#include "project/init.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "config/config.h"
#include "test_support.h"

namespace csbridge::project {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("init: scaffolds csbridge.yaml, mappings/, out/, .gitignore and the chosen CI file") {
  test::TempDir tmp;
  InitOptions o;
  o.dir = (tmp.path() / "proj").string();
  o.ci = Ci::kGithub;
  auto done = init_project(o);
  REQUIRE(done.is_ok());
  std::vector<std::string> paths;
  for (const auto& a : *done) {
    paths.push_back(a.path);
    CHECK(a.what == "created");
  }
  CHECK(paths == std::vector<std::string>{"csbridge.yaml", kGithubWorkflowPath, "mappings/", "out/", "out/.gitignore",
                                          ".gitignore"});
  CHECK(read(tmp.path() / "proj" / kGithubWorkflowPath) == std::string(github_workflow_template()));
  CHECK(fs::is_directory(tmp.path() / "proj" / "mappings"));
  CHECK(read(tmp.path() / "proj" / ".gitignore") == gitignore_template());
  CHECK_FALSE(fs::exists(tmp.path() / "proj" / kGitlabCiPath));
}

TEST_CASE("init: the config it writes loads, its secrets read from the environment") {
  test::TempDir tmp;
  std::string path = tmp.write("csbridge.yaml", config_template());
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HELPDESK_DB") return std::string("postgresql://ro:secret@db/helpdesk");
    return std::nullopt;
  };
  auto cfg = config::load_config(path, env);
  REQUIRE_MESSAGE(cfg.is_ok(), cfg.status().message());
  REQUIRE(cfg->source("helpdesk") != nullptr);
  CHECK(cfg->source("helpdesk")->connection == "postgresql://ro:secret@db/helpdesk");
  CHECK(config_template().find("connection: ${HELPDESK_DB}\n") != std::string::npos);
  // Without the variable, the config says which one is missing.
  auto unset = config::load_config(path, [](const std::string&) { return std::optional<std::string>(); });
  REQUIRE_FALSE(unset.is_ok());
  CHECK(unset.status().message().find("HELPDESK_DB") != std::string::npos);
}

TEST_CASE("init: refuses to overwrite without --force and then writes nothing") {
  test::TempDir tmp;
  tmp.write("csbridge.yaml", "mine\n");
  InitOptions o;
  o.dir = tmp.path().string();
  o.ci = Ci::kGitlab;
  auto refused = init_project(o);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == ErrorCode::kInvalidArgument);
  CHECK(refused.status().message().find("csbridge.yaml exists") != std::string::npos);
  CHECK(read(tmp.path() / "csbridge.yaml") == "mine\n");
  CHECK_FALSE(fs::exists(tmp.path() / kGitlabCiPath));
  CHECK_FALSE(fs::exists(tmp.path() / "mappings"));
  CHECK_FALSE(fs::exists(tmp.path() / ".gitignore"));

  o.force = true;
  auto forced = init_project(o);
  REQUIRE(forced.is_ok());
  CHECK((*forced)[0].what == "overwritten");
  CHECK(read(tmp.path() / "csbridge.yaml") == config_template());
  CHECK(read(tmp.path() / kGitlabCiPath) == std::string(gitlab_ci_template()));
}

TEST_CASE("init: an existing .gitignore gets the lines it lacks, once") {
  test::TempDir tmp;
  tmp.write(".gitignore", "node_modules/\n/reports/");
  InitOptions o;
  o.dir = tmp.path().string();
  auto first = init_project(o);
  REQUIRE(first.is_ok());
  CHECK(first->back().what == "appended 1 line");
  CHECK(read(tmp.path() / ".gitignore") == "node_modules/\n/reports/\n# csbridge: what runs leave behind\n*rejects*.jsonl\n");
  o.force = true;
  auto second = init_project(o);
  REQUIRE(second.is_ok());
  CHECK(second->back().what == "kept");
}

TEST_CASE("init: a file where the project folder should be is refused") {
  test::TempDir tmp;
  std::string file = tmp.write("proj", "x");
  InitOptions o;
  o.dir = file;
  auto r = init_project(o);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().message().find("is not a folder") != std::string::npos);
  CHECK(parse_ci("jenkins").status().message() == "--ci jenkins: choose github, gitlab or none");
}

}  // namespace csbridge::project
