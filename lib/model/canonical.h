// The canonical serialisation `validate` compares: one text per value that
// does not depend on which side (source through the mapping, or target) or
// which engine produced it, so that only real differences differ.
//   NULL          distinct from "" (tagged, never confused with a value)
//   string/text/enum  as is, trailing ASCII spaces dropped (CHAR padding)
//   integer/bigint/id  decimal, no '+', no leading zeros
//   decimal       no '+', no leading zeros, no trailing fractional zeros ("12.50" = "12.5", "-0.0" = "0")
//   boolean       true / false (t, 1, yes, … as the engines print them)
//   timestamp     UTC "YYYY-MM-DD HH:MM:SS[.ffffff]", fraction without trailing zeros; an
//                 offset (+08, +08:00, Z) is applied, no offset means UTC (the target's zone)
//   date          YYYY-MM-DD (a time part is dropped)
//   json          compact, object keys sorted bytewise, strings unescaped and re-escaped one way
// A value that does not parse as its type is kept as is (and so compares as text).
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/cs_model.h"

namespace csbridge::model {

// Appends the canonical text of `value` of a field of `type` to `out`.
void append_canonical(model::FieldType type, std::string_view value, std::string& out);
std::string canonical(model::FieldType type, std::string_view value);

// Builds a row fingerprint: each cell tagged and length-prefixed, hashed with XXH3-64.
class Fingerprint {
 public:
  void clear() { buffer_.clear(); }
  void add_null();
  void add(model::FieldType type, std::string_view value);
  void add(model::FieldType type, std::optional<std::string_view> value) {
    if (value) add(type, *value);
    else add_null();
  }
  uint64_t digest() const;

 private:
  std::string buffer_;
  std::string scratch_;
};

}  // namespace csbridge::model
