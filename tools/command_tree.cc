#include "command_tree.h"

#include <algorithm>

namespace csbridge::cli {

docs::CommandSpec describe_commands(const CLI::App& app) {
  docs::CommandSpec spec;
  spec.name = app.get_name();
  spec.help = app.get_description();
  spec.footer = app.get_footer();
  for (const CLI::Option* opt : app.get_options()) {
    docs::ArgSpec arg;
    for (const std::string& n : opt->get_snames()) arg.names.push_back("-" + n);
    for (const std::string& n : opt->get_lnames()) arg.names.push_back("--" + n);
    arg.help = opt->get_description();
    arg.required = opt->get_required();
    bool flag = opt->get_type_size() == 0;
    arg.many = !flag && opt->get_items_expected_max() > 1;
    docs::classify(arg, flag ? "" : opt->get_type_name(), opt->get_delimiter());
    if (opt->get_positional() && !opt->nonpositional()) {
      arg.name = opt->get_single_name();
      spec.positionals.push_back(arg);
    } else {
      // Long names first: "--source, -s".
      std::stable_partition(arg.names.begin(), arg.names.end(), [](const std::string& n) { return n.size() > 2; });
      spec.options.push_back(arg);
    }
  }
  for (const CLI::App* sub : app.get_subcommands({})) spec.subcommands.push_back(describe_commands(*sub));
  return spec;
}

}  // namespace csbridge::cli
