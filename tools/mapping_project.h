// What the mapping commands (map check/preview, migrate, validate) load
// first: the config, the CS model and the mapping files.
#pragma once

#include <string>
#include <vector>

#include "cli.h"
#include "mapping/loader.h"
#include "model/cs_model.h"

namespace csbridge::cli {

// The config, the CS model and the mapping files (as loaded, problems included).
struct Project {
  const config::Config* config = nullptr;
  model::Model model;
  mapping::LoadResult loaded;
};

// The mapping files named on the command line, else those of the config.
Result<std::vector<std::string>> mapping_paths(const config::Config& config, const std::vector<std::string>& given);

Result<Project> load_project(Context& ctx, const std::vector<std::string>& files);

// Errors of single files (syntax, keys, steps, types) stop anything from connecting; TODOs do not.
bool files_valid(const mapping::LoadResult& loaded);

// A project whose mappings have any error (TODOs included) cannot run: prints
// the problems on stderr and returns exit 2; 0 when it can run.
int refuse_invalid(const Context& ctx, const Project& project);

}  // namespace csbridge::cli
