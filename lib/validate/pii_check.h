// Check "pii": no value in a field the masking policy masks (mask,
// pseudonymize or drop for the field's PII class) still holds a raw mobile or
// landline number, resident ID or bank card (pii/detect.h) — in every form the
// phone step writes (+8675523359790;ext=123) —, nor an e-mail field a raw
// address: whole values for phone / national_id / bank_card / email fields,
// anything inside free text and JSON. A pii_by field (customer_identity.value)
// is judged per row by the class its kind picks. Only valid finds count
// (allocated mobile prefixes, ID check characters, Luhn), so masked forms such
// as 138****1234 and order numbers do not.
// The failures name the key and the field, never the value.
#pragma once

#include "config/config.h"
#include "pii/detect.h"
#include "validate/checks.h"
#include "validate/target.h"

namespace csbridge::validate {

// Whether the policy masks values of `pii` (an action other than keep).
bool policy_masks(const config::MaskingPolicy& policy, model::PiiClass pii);

// The PII class a raw value of a field of class `field_class` shows, or kNone.
model::PiiClass raw_pii(const pii::Detector& detector, model::PiiClass field_class, std::string_view value);

Result<CheckResult> check_pii(Target& target, const model::Entity& entity, const config::MaskingPolicy& policy,
                              size_t failure_cap);

}  // namespace csbridge::validate
