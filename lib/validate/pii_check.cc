#include "validate/pii_check.h"

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
    if (!policy_masks(policy, f.pii)) continue;
    ++fields;
    const std::string col = model::quote_identifier(f.name);
    std::string sql = "SELECT \"source_key\", " + col + " FROM " + target.table(entity.name) + " WHERE " + col +
                      " IS NOT NULL";
    CSB_RETURN_IF_ERROR(target.each_row(sql, [&](const connector::Batch& b, size_t r) {
      ++values;
      PiiClass found = raw_pii(detector, f.pii, b.get(r, 1));
      if (found != PiiClass::kNone) {
        ++raw;
        result.fail({std::string(b.get(r, 0)), std::string("raw_") + model::pii_class_name(found),
                     f.name + " (masked by the policy as " + model::pii_class_name(f.pii) + ") holds an unmasked " +
                         model::pii_class_name(found)},
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
