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
  // Fields sharing one key space (the same entities and system) are resolved together: one read
  // of the crosswalk per entity and batch, whatever the number of fields.
  using Space = std::pair<std::vector<std::string>, std::string>;  // entities, system
  std::map<Space, std::set<std::string>> keys_of;
  auto space_of = [&](const mapping::OutputColumn& out) {
    return Space{out.lookup_shared, out.lookup_system.empty() ? system : out.lookup_system};
  };
  for (size_t o = 0; o < outputs.size(); ++o) {
    if (outputs[o].lookup_shared.empty()) continue;
    auto& keys = keys_of[space_of(outputs[o])];
    for (size_t r = 0; r < rows.rows(); ++r) {
      if (!rows.is_null(r, o + 1)) keys.emplace(rows.get(r, o + 1));
    }
  }
  std::map<Space, std::map<std::string, std::string>> holders;  // key → the first entity that holds it
  for (const auto& [space, keys] : keys_of) {
    if (keys.empty()) continue;
    const std::vector<std::string> list(keys.begin(), keys.end());
    auto& holder = holders[space];
    for (const std::string& entity : space.first) {
      CSB_ASSIGN_OR_RETURN(std::set<std::string> present, known(entity, space.second, list));
      for (const auto& k : present) holder.emplace(k, entity);
    }
  }
  // Per batch column: the replacement of each row's cell (nullopt: unchanged; a nullopt value: NULL).
  std::map<size_t, std::vector<std::optional<std::optional<std::string>>>> replaced;
  bool changed = false;
  for (size_t o = 0; o < outputs.size(); ++o) {
    const mapping::OutputColumn& out = outputs[o];
    if (out.lookup_shared.empty()) continue;
    const size_t col = o + 1;
    const auto& holder = holders[space_of(out)];
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
      if (it != holder.end() && it->second != out.lookup_entity) {
        own[r] = std::optional<std::string>();
        changed = true;
      }
      for (size_t k : reporters) {
        replaced[k + 1][r] = it != holder.end() ? std::optional<std::string>(it->second) : outputs[k].resolved_default;
        changed = true;
      }
    }
  }
  if (!changed) return std::optional<connector::Batch>();
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
