// Shell completion scripts generated from the command reference (command_spec.h): subcommands,
// options (the global ones at every level), option values (files, folders, CS entity names,
// listed words, comma lists of them) and positional arguments.
#pragma once

#include <string>
#include <vector>

#include "docs/command_spec.h"

namespace csbridge::docs {

// For bash (bash-completion's completions/ folder, or `source`d): `complete -F _csbridge csbridge`.
std::string bash_completion(const CommandSpec& root, const std::vector<std::string>& entities);

// For zsh (a `#compdef` file named _csbridge on $fpath).
std::string zsh_completion(const CommandSpec& root, const std::vector<std::string>& entities);

// A text as one single-quoted shell word.
std::string shell_quote(const std::string& text);

}  // namespace csbridge::docs
