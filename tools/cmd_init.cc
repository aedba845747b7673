// csbridge init — scaffold a migration project.
#include <memory>

#include "cli.h"
#include "project/init.h"

namespace csbridge::cli {
namespace {

struct InitArgs {
  std::string dir = ".";
  std::string ci = "none";
  bool force = false;
};

int run_init(Context& ctx, const InitArgs& a) {
  auto ci = project::parse_ci(a.ci);
  if (!ci) return fail(ci.status());
  project::InitOptions o;
  o.dir = a.dir;
  o.ci = *ci;
  o.force = a.force;
  auto done = project::init_project(o);
  if (!done) return fail(done.status());
  const std::string prefix = a.dir == "." || a.dir.empty() ? "" : (a.dir.back() == '/' ? a.dir : a.dir + "/");
  for (const project::InitAction& action : *done) {
    if (Status s = ctx.write(prefix + action.path + "  " + action.what + "\n"); !s.is_ok()) return fail(s);
  }
  std::string next = "next, the first hour:\n";
  if (!prefix.empty()) next += "  cd " + a.dir + "\n";
  next +=
      "  export HELPDESK_DB=CONN                            the legacy database (csbridge.yaml reads ${HELPDESK_DB})\n"
      "  csbridge map suggest --source helpdesk -o mappings/\n"
      "  csbridge map check                                 fill the TODOs it reports, then csbridge map preview ENTITY";
  ctx.info(next);
  return 0;
}

}  // namespace

void setup_init(CLI::App& app, Context& ctx, int& exit_code) {
  auto a = std::make_shared<InitArgs>();
  app.footer(
      "Writes (paths in DIR):\n"
      "  csbridge.yaml    the project config, commented: the source `helpdesk` read from ${HELPDESK_DB},\n"
      "                   the target ${CS_TARGET} (default sqlite:out/cs.db), mappings/, the masking policy\n"
      "  mappings/        the mapping files (csbridge map suggest writes the first ones)\n"
      "  out/             the local SQLite target; its .gitignore keeps what runs leave there out of git\n"
      "  .gitignore       reject files, reports/; an existing one gets the lines it lacks\n"
      "  --ci github      .github/workflows/csbridge.yml (examples/ci/github-actions.yml)\n"
      "  --ci gitlab      .gitlab-ci.yml (examples/ci/gitlab-ci.yml)\n"
      "Exit 0 written, 2 csbridge.yaml or the CI file exists (nothing written; --force overwrites them).");
  app.add_option("dir", a->dir, "The project folder, made when missing (default: the current folder)")
      ->type_name("DIR");
  app.add_option("--ci", a->ci, "The CI file to write: github, gitlab or none (default none)")
      ->type_name("github|gitlab|none");
  app.add_flag("--force", a->force, "Overwrite csbridge.yaml and the CI file when they exist");
  app.callback([&ctx, &exit_code, a] { exit_code = run_init(ctx, *a); });
}

}  // namespace csbridge::cli
