// The man page (roff, man(7) macros) generated from the command reference: one page with
// NAME, SYNOPSIS, DESCRIPTION, GLOBAL OPTIONS, COMMANDS (every command: synopsis, what
// it does, its options and arguments, the rest of its --help) and the sections the root
// command's help text ends with ("Exit codes:" becomes EXIT CODES).
#pragma once

#include <string>

#include "docs/command_spec.h"

namespace csbridge::docs {

struct ManPageInfo {
  std::string version;  // "csbridge 0.1.0": the footer of every page
  std::string summary;  // NAME's one line: "bring legacy … platform"
};

std::string man_page(const CommandSpec& root, const ManPageInfo& info);

// Text as roff: backslashes, dashes and leading dots or quotes escaped.
std::string roff_escape(const std::string& text);

}  // namespace csbridge::docs
