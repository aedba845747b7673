#include "migrate/postgres_plan.h"

#include "migrate/conflicts.h"
#include "model/ddl.h"

namespace csbridge::migrate::pg {
namespace {

using model::quote_identifier;

// Text cells become the field's type. Strings stay text: the assignment to
// varchar(n) refuses an over-long value where an explicit cast would cut it.
std::string cast(const model::Field& field) {
  switch (field.type) {
    case model::FieldType::kString:
    case model::FieldType::kText:
    case model::FieldType::kEnum:
      return "";
    default:
      return "::" + model::column_type(field, model::Dialect::kPostgres);
  }
}

}  // namespace

std::string stage_name(size_t columns) { return "pg_temp.\"csbridge_stage_" + std::to_string(columns) + "\""; }

LoadPlan make_plan(pqxx::connection& db, const TableName& table, const ResolvedSpec& spec, const connector::Batch& rows) {
  LoadPlan plan;
  plan.spec = &spec;
  plan.rows = &rows;
  plan.stage = stage_name(spec.columns.size());
  plan.stage_columns = {"rn", "k"};
  std::string crosswalk = table(kCrosswalkTable);
  std::string target = table(spec.entity->name);
  std::string system = db.quote(spec.source_system);

  std::string names = "\"source_system\", \"source_key\"", values = system + ", s.k", updates, mine, theirs;
  std::string incoming;  // the written columns' values from the stage, as in `values`
  std::string orphan_flags, orphan_where;
  std::string pending;
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    const LoadColumn& c = spec.columns[i];
    std::string cell = "s.c" + std::to_string(i + 1);
    std::string name = quote_identifier(c.field->name);
    plan.stage_columns.push_back("c" + std::to_string(i + 1));
    if (c.deferred) {  // not written here: recorded for resolve_deferred()
      pending += std::string(pending.empty() ? "" : " UNION ALL ") + "SELECT " + db.quote(spec.entity->name) +
                 ", " + system + ", s.k, " + db.quote(c.field->name) + ", " + db.quote(c.lookup_system) + ", " +
                 cell + " FROM " + plan.stage + " s";
      continue;
    }
    names += ", " + name;
    if (!c.lookup_entity.empty()) {
      // A correlated scalar subquery is never turned into a join, so each key is one probe of
      // the crosswalk's primary key whatever the planner believes about the crosswalk's size:
      // during a big load its statistics lag, and a hash join would read the whole crosswalk
      // for every batch.
      std::string id = "(SELECT x.new_id FROM " + crosswalk + " x WHERE x.entity = " + db.quote(c.lookup_entity) +
                       " AND x.source_system = " + db.quote(c.lookup_system) + " AND x.source_key = " + cell + ")";
      values += ", " + id;
      incoming += (incoming.empty() ? "" : ", ") + id;
      if (!c.orphans_to_null) {  // with orphans: null the subquery's NULL for an unknown key is kept
        std::string orphan = "(" + cell + " IS NOT NULL AND " + id + " IS NULL)";
        orphan_flags += ", " + orphan;
        orphan_where += (orphan_where.empty() ? "" : " OR ") + orphan;
        plan.orphan_columns.push_back(i + 1);
      }
    } else {
      values += ", " + cell + cast(*c.field);
      incoming += (incoming.empty() ? "" : ", ") + cell + cast(*c.field);
    }
    updates += (updates.empty() ? "" : ", ") + name + " = excluded." + name;
    mine += (mine.empty() ? "" : ", ") + std::string("t.") + name;
    theirs += (theirs.empty() ? "" : ", ") + std::string("excluded.") + name;
  }
  plan.stage_columns.push_back("fp");
  names += ", \"migrated_at\"";
  values += ", now()";
  plan.target = target;
  if (!pending.empty()) {
    plan.pending_sql = "INSERT INTO " + table(kPendingTable) +
                       " (entity, source_system, source_key, field, ref_system, ref_key) " + pending;
  }
  plan.target_columns = {"\"id\"", "\"source_system\"", "\"source_key\""};
  for (const LoadColumn& c : spec.columns) {
    if (!c.deferred) plan.target_columns.push_back(quote_identifier(c.field->name));
  }
  plan.target_columns.push_back("\"migrated_at\"");
  plan.mode_key = spec.entity->name + '\x1f' + spec.source_system;
  if (!orphan_where.empty()) {
    plan.orphan_sql = "SELECT s.rn" + orphan_flags + " FROM " + plan.stage + " s WHERE " + orphan_where;
  }
  // WHERE true: INSERT … SELECT … FROM t ON CONFLICT is ambiguous to the parser without it.
  // A row that comes back (undeleted in the source) loses its tombstone.
  std::string tombstone = "t.\"deleted_at\" IS NOT NULL";
  std::string conflict = " DO UPDATE SET " + updates + (updates.empty() ? "" : ", ") +
                         "\"deleted_at\" = NULL, \"migrated_at\" = excluded.\"migrated_at\" WHERE " +
                         (updates.empty() ? tombstone : "(" + mine + ") IS DISTINCT FROM (" + theirs + ") OR " + tombstone);
  // The crosswalk entry of each row written, with the fingerprint of what was written.
  std::string entries = " (entity, source_system, source_key, new_id, fingerprint) SELECT " +
                        db.quote(spec.entity->name) + ", " + system + ", w.source_key, w.id, s.fp FROM written w JOIN " +
                        plan.stage + " s ON s.k = w.source_key";
  std::string entry_of_stage = " x.entity = " + db.quote(spec.entity->name) + " AND x.source_system = " + system +
                               " AND x.source_key = s.k";
  // The fingerprints of the staged rows not written (unchanged, or kept) follow what came in, in
  // the same statement: the rows written have theirs from `crosswalk`, and are not looked up again.
  plan.upsert_sql = "WITH written AS (INSERT INTO " + target + " AS t (" + names + ") SELECT " + values + " FROM " +
                    plan.stage + " s WHERE true ON CONFLICT (\"source_system\", \"source_key\")" + conflict +
                    " RETURNING t.\"id\", t.\"source_key\"), crosswalk AS (INSERT INTO " + crosswalk + " AS c" +
                    entries +
                    " ON CONFLICT (entity, source_system, source_key) DO UPDATE SET new_id = excluded.new_id, "
                    "fingerprint = excluded.fingerprint WHERE c.new_id <> excluded.new_id OR c.fingerprint IS "
                    "DISTINCT FROM excluded.fingerprint), based AS (UPDATE " + crosswalk +
                    " x SET fingerprint = s.fp FROM " + plan.stage + " s WHERE" + entry_of_stage +
                    " AND x.fingerprint IS DISTINCT FROM s.fp AND NOT EXISTS (SELECT 1 FROM written w WHERE "
                    "w.source_key = s.k)) SELECT count(*) FROM written";
  plan.insert_sql = "WITH written AS (INSERT INTO " + target + " AS t (" + names + ") SELECT " + values + " FROM " +
                    plan.stage + " s RETURNING t.\"id\", t.\"source_key\"), crosswalk AS (INSERT INTO " + crosswalk +
                    entries + ") SELECT count(*) FROM written";
  if (!mine.empty()) {
    plan.readback_sql = "SELECT s.rn, x.fingerprint, " +
                        readback_columns(spec, [&](std::string_view name) { return table(name); }) + " FROM " +
                        plan.stage + " s JOIN " + crosswalk + " x ON" + entry_of_stage + " JOIN " + target +
                        " t ON t.\"id\" = x.new_id WHERE x.fingerprint IS NOT NULL AND t.\"deleted_at\" IS NULL "
                        "AND (" + mine + ") IS DISTINCT FROM (" + incoming + ")";
  }
  return plan;
}

}  // namespace csbridge::migrate::pg
