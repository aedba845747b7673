#include "mapping/mapping.h"

#include <filesystem>

namespace csbridge::mapping {

const char* severity_name(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

std::string format_diagnostic(const Diagnostic& diagnostic, std::string_view text) {
  std::string message = std::string(severity_name(diagnostic.severity)) + ": " + diagnostic.message;
  return config::format_location(diagnostic.at.file, text, diagnostic.at.line, diagnostic.at.col, message);
}

std::string Block::display() const {
  return entity + " (" + std::filesystem::path(at.file).filename().string() + "#" + std::to_string(index + 1) + ")";
}

std::string Block::scope() const {
  return std::filesystem::path(at.file).stem().string() + "#" + std::to_string(index + 1) + ":" + entity;
}

const FieldMapping* Block::field(std::string_view name) const {
  for (const auto& f : fields) {
    if (f.field == name) return &f;
  }
  return nullptr;
}

std::vector<const Block*> MappingSet::blocks_of(std::string_view entity) const {
  std::vector<const Block*> out;
  for (const auto& b : blocks) {
    if (b.entity == entity) out.push_back(&b);
  }
  return out;
}

std::string_view MappingSet::text_of(const std::string& file) const {
  for (const auto& d : documents) {
    if (d.file == file) return d.text;
  }
  return {};
}

}  // namespace csbridge::mapping
