#include "validate/crosswalk.h"

namespace csbridge::validate {

Result<CheckResult> check_crosswalk(Target& target, const model::Entity& entity, size_t failure_cap) {
  CheckResult result;
  result.name = "crosswalk";
  result.entity = entity.name;
  const std::string t = target.table(entity.name);
  const std::string x = target.table(migrate::kCrosswalkTable);
  const std::string e = Target::literal(entity.name);
  CSB_ASSIGN_OR_RETURN(int64_t rows, target.scalar("SELECT count(*) FROM " + t));
  CSB_ASSIGN_OR_RETURN(int64_t entries, target.scalar("SELECT count(*) FROM " + x + " WHERE entity = " + e));
  CSB_ASSIGN_OR_RETURN(
      int64_t without,
      target.fail_each("SELECT t.\"source_key\" FROM " + t + " t LEFT JOIN " + x + " x ON x.entity = " + e +
                           " AND x.source_system = t.\"source_system\" AND x.source_key = t.\"source_key\""
                           " WHERE x.new_id IS NULL",
                       result, "no_entry", "row without a crosswalk entry", failure_cap));
  CSB_ASSIGN_OR_RETURN(
      int64_t wrong,
      target.fail_each("SELECT t.\"source_key\", x.new_id FROM " + t + " t JOIN " + x + " x ON x.entity = " + e +
                           " AND x.source_system = t.\"source_system\" AND x.source_key = t.\"source_key\""
                           " WHERE x.new_id <> t.\"id\"",
                       result, "wrong_id", "crosswalk entry points at another row: id", failure_cap));
  CSB_ASSIGN_OR_RETURN(
      int64_t dangling,
      target.fail_each("SELECT x.source_key, x.new_id FROM " + x + " x LEFT JOIN " + t +
                           " t ON t.\"id\" = x.new_id WHERE x.entity = " + e + " AND t.\"id\" IS NULL",
                       result, "dangling_entry", "crosswalk entry without its row: id", failure_cap));
  CSB_ASSIGN_OR_RETURN(
      int64_t shared,
      target.fail_each("SELECT min(x.source_key), x.new_id FROM " + x + " x WHERE x.entity = " + e +
                           " GROUP BY x.new_id HAVING count(*) > 1",
                       result, "shared_id", "several crosswalk entries share id", failure_cap));
  result.set("rows", rows);
  result.set("entries", entries);
  result.set("rows_without_entry", without);
  result.set("entries_pointing_elsewhere", wrong);
  result.set("entries_without_row", dangling);
  result.set("ids_shared", shared);
  result.sort_failures();
  return result;
}

}  // namespace csbridge::validate
