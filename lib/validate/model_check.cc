#include "validate/model_check.h"

#include "model/ddl.h"

namespace csbridge::validate {

Result<CheckResult> check_model(Target& target, const model::Entity& entity, size_t failure_cap) {
  CheckResult result;
  result.name = "model";
  result.entity = entity.name;
  const std::string from = " FROM " + target.table(entity.name) + " t WHERE ";
  int64_t missing = 0, outside = 0, too_long = 0, unordered = 0;
  for (const auto& f : entity.fields) {
    if (f.name == "id") continue;
    const std::string col = "t." + model::quote_identifier(f.name);
    if (f.required) {
      CSB_ASSIGN_OR_RETURN(int64_t n, target.fail_each("SELECT t.\"source_key\"" + from + col + " IS NULL", result,
                                                       "required_missing", f.name + " is required, and NULL",
                                                       failure_cap));
      missing += n;
    }
    if (f.type == model::FieldType::kEnum) {
      std::string domain;
      for (const auto& v : f.values) domain += (domain.empty() ? "" : ", ") + Target::literal(v);
      CSB_ASSIGN_OR_RETURN(int64_t n,
                           target.fail_each("SELECT t.\"source_key\", " + col + from + col + " IS NOT NULL AND " + col +
                                                " NOT IN (" + domain + ")",
                                            result, "not_in_domain", f.name + " is outside its enumeration:",
                                            failure_cap));
      outside += n;
    }
    if (f.type == model::FieldType::kString && f.max_length > 0) {
      std::string length = target.postgres() ? "char_length(" + col + ")" : "length(" + col + ")";
      CSB_ASSIGN_OR_RETURN(
          int64_t n, target.fail_each("SELECT t.\"source_key\", " + length + from + length + " > " +
                                          std::to_string(f.max_length),
                                      result, "too_long",
                                      f.name + " is longer than " + std::to_string(f.max_length) + " characters:",
                                      failure_cap));
      too_long += n;
    }
  }
  for (const auto& o : kOrderings) {
    if (o.entity != entity.name || !entity.field(o.earlier) || !entity.field(o.later)) continue;
    const std::string a = "t." + model::quote_identifier(o.earlier), b = "t." + model::quote_identifier(o.later);
    // SQLite holds the UTC text migrate writes, which orders as the times do.
    CSB_ASSIGN_OR_RETURN(int64_t n, target.fail_each("SELECT t.\"source_key\"" + from + a + " > " + b, result,
                                                     "time_order",
                                                     std::string(o.earlier) + " is later than " + std::string(o.later),
                                                     failure_cap));
    unordered += n;
  }
  result.set("required_missing", missing);
  result.set("outside_domain", outside);
  result.set("too_long", too_long);
  result.set("time_order", unordered);
  result.sort_failures();
  return result;
}

}  // namespace csbridge::validate
