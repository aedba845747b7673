#include "mapping_project.h"


#include "mapping/check.h"
#include "report/map_report.h"

namespace csbridge::cli {

Result<std::vector<std::string>> mapping_paths(const config::Config& config, const std::vector<std::string>& given) {
  if (!given.empty()) return given;
  if (!config.mappings.empty()) return config.mappings;
  return invalid_argument("no mapping files: name them, or list them under 'mappings:' in csbridge.yaml (-c FILE)");
}

bool files_valid(const mapping::LoadResult& loaded) {
  for (const auto& d : loaded.diagnostics) {
    if (d.severity == mapping::Severity::kError && d.code != "todo") return false;
  }
  return !loaded.unreadable;
}

Result<Project> load_project(Context& ctx, const std::vector<std::string>& files) {
  Project p;
  CSB_ASSIGN_OR_RETURN(p.config, ctx.config());
  CSB_ASSIGN_OR_RETURN(std::vector<std::string> paths, mapping_paths(*p.config, files));
  CSB_ASSIGN_OR_RETURN(p.model, model::builtin_model());
  p.loaded = mapping::load_mappings(paths, *p.config, p.model);
  return p;
}

int refuse_invalid(const Context& ctx, const Project& project) {
  const mapping::LoadResult& loaded = project.loaded;
  std::vector<mapping::Diagnostic> diagnostics = loaded.diagnostics;
  mapping::check_mapping_set(loaded.set, project.model, diagnostics);
  bool errors = loaded.unreadable || std::any_of(diagnostics.begin(), diagnostics.end(), [](const auto& d) {
    return d.severity == mapping::Severity::kError;
  });
  if (!errors) return 0;
  report::CheckReport r;
  r.diagnostics = diagnostics;
  r.set = &loaded.set;
  r.files = static_cast<int>(loaded.set.documents.size());
  r.blocks = static_cast<int>(loaded.set.blocks.size());
  ctx.explain(report::check_text(r) + "the mapping files have errors; nothing was done (csbridge map check)\n");
  return static_cast<int>(ExitStatus::kUsage);
}

}  // namespace csbridge::cli
