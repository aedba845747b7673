#include "validate/references.h"

#include "migrate/target_store.h"
#include "model/ddl.h"
#include "util/strings.h"

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
  // Self-references an interrupted migrate recorded and no run has resolved yet.
  CSB_ASSIGN_OR_RETURN(bool pending_table, target.has_table(migrate::kPendingTable));
  if (pending_table) {
    CSB_ASSIGN_OR_RETURN(int64_t waiting,
                         // Rows with a legacy key to resolve, once each (a resumed run may record a row
                         // twice; rows whose reference is empty wait for nothing).
                         target.scalar("SELECT count(*) FROM (SELECT DISTINCT source_system, source_key FROM " +
                                       target.table(std::string(migrate::kPendingTable)) + " WHERE entity = '" +
                                       util::replace_all(entity.name, "'", "''") + "' AND ref_key IS NOT NULL) d"));
    if (waiting > 0) {
      result.set("unresolved_self_references", waiting);
      result.warn(std::to_string(waiting) + (waiting == 1 ? " reference" : " references") + " of " + entity.name +
                  " to another " + entity.name + (waiting == 1 ? " waits" : " wait") +
                  " for a migrate run to end (an interrupted run left them): run migrate again");
    }
  }
  result.sort_failures();
  return result;
}

}  // namespace csbridge::validate
