// csbridge_docgen: writes the man page and the shell completions of csbridge, generated from
// its command table (the one --help reads), at build time. Not installed.
//   csbridge_docgen man|bash|zsh OUTPUT
#include <fstream>
#include <iostream>
#include <string>

#include "cli.h"
#include "command_tree.h"
#include "docs/completion.h"
#include "docs/man_page.h"
#include "model/cs_model.h"

int main(int argc, char** argv) {
  using namespace csbridge;
  const std::string what = argc == 3 ? argv[1] : "";
  if (what != "man" && what != "bash" && what != "zsh") {
    std::cerr << "usage: csbridge_docgen man|bash|zsh OUTPUT\n";
    return 2;
  }
  CLI::App app{"", "csbridge"};
  cli::GlobalOptions options;
  cli::Context ctx(options);
  int exit_code = 0;
  cli::add_commands(app, options, ctx, exit_code);
  docs::CommandSpec spec = cli::describe_commands(app);
  auto model = model::builtin_model();
  if (!model) {
    std::cerr << "csbridge_docgen: " << model.status().message() << "\n";
    return 70;
  }
  std::string text = what == "man"    ? docs::man_page(spec, {std::string("csbridge ") + CSBRIDGE_VERSION, cli::kSummary})
                     : what == "bash" ? docs::bash_completion(spec, model->entity_names())
                                      : docs::zsh_completion(spec, model->entity_names());
  std::ofstream out(argv[2], std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "csbridge_docgen: cannot write " << argv[2] << "\n";
    return 2;
  }
  return 0;
}
