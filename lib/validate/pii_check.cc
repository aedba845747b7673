#include "validate/pii_check.h"

#include <algorithm>

#include "model/ddl.h"

namespace csbridge::validate {

using model::PiiClass;

bool policy_masks(const config::MaskingPolicy& policy, PiiClass pii) {
  if (pii == PiiClass::kNone) return false;
  auto it = policy.actions.find(model::pii_class_name(pii));
  return it != policy.actions.end() && it->second != "keep";
}

PiiClass raw_pii(const pii::Detector& detector, PiiClass field_class, std::string_view value) {
  switch (field_class) {
    case PiiClass::kPhone:
      if (pii::is_mobile(pii::normalize_phone(value)) || pii::is_landline(value)) return PiiClass::kPhone;
      break;
    case PiiClass::kNationalId:
      if (pii::check_resident_id(value) == pii::IdCheck::kValid) return PiiClass::kNationalId;
      break;
    case PiiClass::kBankCard: {
      std::string digits;
      for (char c : value) {
        if (c >= '0' && c <= '9') digits += c;
        else if (c != ' ' && c != '-') return PiiClass::kNone;
      }
      if (digits.size() >= 13 && digits.size() <= 19 && pii::luhn_valid(digits)) return PiiClass::kBankCard;
      break;
    }
    case PiiClass::kEmail:
      if (pii::is_email(value)) return PiiClass::kEmail;
      break;
    default:
      break;
  }
  for (const auto& m : detector.scan(value)) {
    if (!m.valid) continue;
    if (m.pii == PiiClass::kPhone || m.pii == PiiClass::kNationalId || m.pii == PiiClass::kBankCard) return m.pii;
  }
  return PiiClass::kNone;
}

Result<CheckResult> check_pii(Target& target, const model::Entity& entity, const config::MaskingPolicy& policy,
                              size_t failure_cap) {
  static const pii::Detector detector;
  CheckResult result;
  result.name = "pii";
  result.entity = entity.name;
  int64_t fields = 0, values = 0, raw = 0;
  for (const auto& f : entity.fields) {
    std::vector<PiiClass> classes = f.pii_classes();
    if (std::none_of(classes.begin(), classes.end(), [&](PiiClass c) { return policy_masks(policy, c); })) continue;
    ++fields;
    // A pii_by field (customer_identity.value) is read with the field that picks each row's class.
    const bool by_row = !f.pii_by.field.empty();
    const std::string col = model::quote_identifier(f.name);
    std::string sql = "SELECT \"source_key\", " + col + (by_row ? ", " + model::quote_identifier(f.pii_by.field) : "") +
                      " FROM " + target.table(entity.name) + " WHERE " + col + " IS NOT NULL";
    CSB_RETURN_IF_ERROR(target.each_row(sql, [&](const connector::Batch& b, size_t r) {
      PiiClass field_class = f.pii;
      if (by_row) field_class = f.pii_for(b.is_null(r, 2) ? std::nullopt : std::optional<std::string>(b.get(r, 2)));
      if (!policy_masks(policy, field_class)) return true;
      ++values;
      PiiClass found = raw_pii(detector, field_class, b.get(r, 1));
      if (found != PiiClass::kNone) {
        ++raw;
        std::string as = model::pii_class_name(field_class);
        if (by_row) as += " by its " + f.pii_by.field;
        result.fail({std::string(b.get(r, 0)), std::string("raw_") + model::pii_class_name(found),
                     f.name + " (masked by the policy as " + as + ") holds an unmasked " + model::pii_class_name(found)},
                    failure_cap);
      }
      return true;
    }));
  }
  result.set("masked_fields", fields);
  result.set("values_scanned", values);
  result.set("raw_values", raw);
  result.sort_failures();
  return result;
}

}  // namespace csbridge::validate
