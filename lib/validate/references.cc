#include "validate/references.h"

#include "model/ddl.h"

namespace csbridge::validate {

Result<CheckResult> check_references(Target& target, const model::Entity& entity, size_t failure_cap) {
  CheckResult result;
  result.name = "references";
  result.entity = entity.name;
  int64_t fields = 0, broken = 0;
  for (const auto& f : entity.fields) {
    if (f.references.empty() || f.name == "id") continue;
    ++fields;
    std::string col = "t." + model::quote_identifier(f.name);
    std::string sql = "SELECT t.\"source_key\", " + col + " FROM " + target.table(entity.name) + " t LEFT JOIN " +
                      target.table(f.references) + " r ON r.\"id\" = " + col + " WHERE " + col +
                      " IS NOT NULL AND r.\"id\" IS NULL";
    CSB_ASSIGN_OR_RETURN(int64_t n, target.fail_each(sql, result, "orphan_reference",
                                                     f.name + " refers to no " + f.references + ": id", failure_cap));
    broken += n;
  }
  result.set("reference_fields", fields);
  result.set("broken", broken);
  result.sort_failures();
  return result;
}

}  // namespace csbridge::validate
