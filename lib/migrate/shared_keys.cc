#include "migrate/shared_keys.h"

#include <map>

namespace csbridge::migrate {

bool has_shared_keys(const std::vector<mapping::OutputColumn>& outputs) {
  for (const auto& o : outputs) {
    if (!o.lookup_shared.empty()) return true;
  }
  return false;
}

Result<std::optional<connector::Batch>> resolve_shared_keys(const std::vector<mapping::OutputColumn>& outputs,
                                                            const std::string& system, const connector::Batch& rows,
                                                            const KnownKeys& known) {
  if (!has_shared_keys(outputs) || rows.empty()) return std::optional<connector::Batch>();
  // Per output: the replacement of each row's cell (nullopt: unchanged; a nullopt value: NULL).
  std::map<size_t, std::vector<std::optional<std::optional<std::string>>>> replaced;
  for (size_t o = 0; o < outputs.size(); ++o) {
    const mapping::OutputColumn& out = outputs[o];
    if (out.lookup_shared.empty()) continue;
    const size_t col = o + 1;
    std::set<std::string> distinct;
    for (size_t r = 0; r < rows.rows(); ++r) {
      if (!rows.is_null(r, col)) distinct.emplace(rows.get(r, col));
    }
    if (distinct.empty()) continue;
    const std::vector<std::string> keys(distinct.begin(), distinct.end());
    const std::string& lookup_system = out.lookup_system.empty() ? system : out.lookup_system;
    std::map<std::string, std::string> holder;  // key → the first entity that holds it
    for (const std::string& entity : out.lookup_shared) {
      CSB_ASSIGN_OR_RETURN(std::set<std::string> present, known(entity, lookup_system, keys));
      for (const auto& k : present) holder.emplace(k, entity);
    }
    std::vector<size_t> reporters;
    for (size_t k = 0; k < outputs.size(); ++k) {
      if (outputs[k].resolves == o) reporters.push_back(k);
    }
    auto& own = replaced[col];
    own.resize(rows.rows());
    for (size_t k : reporters) replaced[k + 1].resize(rows.rows());
    for (size_t r = 0; r < rows.rows(); ++r) {
      if (rows.is_null(r, col)) continue;
      auto it = holder.find(std::string(rows.get(r, col)));
      if (it != holder.end() && it->second != out.lookup_entity) own[r] = std::optional<std::string>();
      for (size_t k : reporters) {
        replaced[k + 1][r] = it != holder.end() ? std::optional<std::string>(it->second) : outputs[k].resolved_default;
      }
    }
  }
  if (replaced.empty()) return std::optional<connector::Batch>();
  connector::Batch out(rows.columns());
  for (size_t r = 0; r < rows.rows(); ++r) {
    for (size_t c = 0; c < rows.columns(); ++c) {
      auto it = replaced.find(c);
      if (it != replaced.end() && it->second[r]) {
        const std::optional<std::string>& v = *it->second[r];
        if (v) out.append(*v);
        else out.append_null();
      } else if (rows.is_null(r, c)) {
        out.append_null();
      } else {
        out.append(rows.get(r, c));
      }
    }
  }
  return std::optional<connector::Batch>(std::move(out));
}

}  // namespace csbridge::migrate
