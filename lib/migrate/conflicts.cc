#include "migrate/conflicts.h"

#include "model/canonical.h"
#include "model/ddl.h"

namespace csbridge::migrate {
namespace {

// The type a written column is compared as: a lookup carries a legacy key (text).
model::FieldType compared_type(const LoadColumn& c) {
  return c.lookup_entity.empty() ? c.field->type : model::FieldType::kText;
}

}  // namespace

int64_t written_fingerprint(const ResolvedSpec& spec, const connector::Batch& rows, size_t row) {
  thread_local model::Fingerprint fp;
  fp.clear();
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    const LoadColumn& c = spec.columns[i];
    if (c.deferred) continue;
    if (rows.is_null(row, i + 1)) fp.add_null();
    else fp.add(compared_type(c), rows.get(row, i + 1));
  }
  return static_cast<int64_t>(fp.digest());
}

std::string readback_columns(const ResolvedSpec& spec, const std::function<std::string(std::string_view)>& table) {
  std::string out;
  for (const LoadColumn& c : spec.columns) {
    if (c.deferred) continue;
    std::string column = "t." + model::quote_identifier(c.field->name);
    if (!out.empty()) out += ", ";
    if (c.lookup_entity.empty()) {
      out += column;
      continue;
    }
    std::string system = "'";
    for (char ch : c.lookup_system) system += ch == '\'' ? std::string("''") : std::string(1, ch);
    system += "'";
    out += "(SELECT CASE WHEN r.\"source_system\" = " + system +
           " THEN r.\"source_key\" ELSE r.\"source_system\" || ':' || r.\"source_key\" END FROM " +
           table(c.lookup_entity) + " r WHERE r.\"id\" = " + column + ")";
  }
  return out;
}

int64_t current_fingerprint(const ResolvedSpec& spec, const Cells& cells) {
  thread_local model::Fingerprint fp;
  fp.clear();
  size_t cell = 0;
  for (const LoadColumn& c : spec.columns) {
    if (c.deferred) continue;
    const std::optional<std::string_view>& v = cells[cell++];
    if (!v) fp.add_null();
    else fp.add(compared_type(c), *v);
  }
  return static_cast<int64_t>(fp.digest());
}

Verdict decide(std::optional<int64_t> base, int64_t current, int64_t incoming) {
  if (!base || current == *base || incoming == current) return Verdict::kWrite;
  if (incoming == *base) return Verdict::kKeepTargetEdit;
  return Verdict::kConflict;
}

ConflictAction action(Verdict verdict, ConflictPolicy policy) {
  ConflictAction a;
  switch (verdict) {
    case Verdict::kWrite:
      break;
    case Verdict::kKeepTargetEdit:
      a.write = false;
      a.new_base = false;
      a.kept_edit = true;
      break;
    case Verdict::kConflict:
      a.conflict = true;
      if (policy == ConflictPolicy::kReject) {
        a.write = false;
        a.reject = true;
        a.new_base = false;
      } else if (policy == ConflictPolicy::kTargetWins) {
        a.write = false;
      }
      break;
  }
  return a;
}

RowReject conflict_reject(const ResolvedSpec& spec, const connector::Batch& rows, size_t row, const Cells& cells) {
  RowReject r;
  r.row = row;
  r.code = "conflict";
  std::string differ;
  size_t cell = 0;
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    const LoadColumn& c = spec.columns[i];
    if (c.deferred) continue;
    std::optional<std::string> now;
    if (cells[cell]) now = std::string(*cells[cell]);
    ++cell;
    std::optional<std::string> incoming;
    if (!rows.is_null(row, i + 1)) incoming = std::string(rows.get(row, i + 1));
    model::FieldType type = compared_type(c);
    bool same = now.has_value() == incoming.has_value() &&
                (!now || model::canonical(type, *now) == model::canonical(type, *incoming));
    if (!same) differ += (differ.empty() ? "" : ", ") + c.field->name;
    r.target_values.emplace_back(c.field->name, std::move(now));
  }
  r.message = row_subject(spec, rows, row) + " was changed in the target after csbridge wrote it, and in the source since (" +
              (differ.empty() ? std::string("no field differs now") : "fields that differ: " + differ) +
              "); not written (delta.conflicts: reject; set source_wins or target_wins to settle it)";
  return r;
}

}  // namespace csbridge::migrate
