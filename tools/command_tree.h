// The command table as data for the docs generator: CLI11's apps and options read into
// docs::CommandSpec (names, help, footers, value kinds from the type names).
#pragma once

#include <CLI/CLI.hpp>

#include "docs/command_spec.h"

namespace csbridge::cli {

docs::CommandSpec describe_commands(const CLI::App& app);

}  // namespace csbridge::cli
