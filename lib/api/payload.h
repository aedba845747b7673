// A real response (JSON, or XML read with pugixml) held against the spec:
// its inferred schema as flattened field paths for mappings (`customer.mobile`,
// `items[].sku`; XML attributes as `@name` like the xml connector), the
// personal data in its values, the spec schema it most resembles, and its
// drift from that schema (undocumented fields, missing required fields, enum
// values the spec does not list, type mismatches).
//
// Bounded: a payload over kMaxPayloadBytes is refused before it is read,
// nesting deeper than kMaxPayloadDepth is refused with its position, and at
// most kMaxPayloadFields distinct field paths are kept. A payload that cannot
// be read is not an error of the run: PayloadAssessment::error says why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/spec.h"
#include "model/cs_model.h"
#include "pii/detect.h"

namespace csbridge::api {

inline constexpr size_t kMaxPayloadBytes = size_t{16} << 20;
inline constexpr int kMaxPayloadDepth = kMaxSpecDepth;
inline constexpr size_t kMaxPayloadFields = 2000;

struct PiiCount {
  model::PiiClass pii = model::PiiClass::kNone;
  int64_t hits = 0;
};

struct PayloadField {
  std::string path;
  std::vector<std::string> types;  // observed: string, integer, number, boolean, object, array, null
  int64_t count = 0;               // values seen at this path
  std::vector<PiiCount> pii;
  std::string example;             // the first non-null value, masked when it is personal data
};

enum class DriftKind { kUndocumentedField, kMissingRequired, kEnumViolation, kTypeMismatch };
const char* drift_kind_name(DriftKind kind);  // undocumented_field, missing_required, enum_violation, type_mismatch

struct Drift {
  DriftKind kind = DriftKind::kUndocumentedField;
  std::string field;                 // payload path ("status", "data[].status")
  std::string value;                 // enum_violation / type_mismatch: the value (masked when personal data)
  std::vector<std::string> allowed;  // enum_violation: the values the spec lists
  std::string expected;              // type_mismatch: the declared type
  int64_t count = 0;                 // how often
};

struct PayloadAssessment {
  std::string file;
  std::string format;  // json, xml
  std::string error;   // non-empty when the payload could not be read; then nothing below is filled
  std::string schema;  // the spec schema it matches ("Order"); "" when none fits
  std::string schema_pointer;
  double schema_match = 0;  // share of field names the payload and the schema have in common
  int64_t records = 0;      // 1 for one object; the array's length for a list or a page
  std::vector<PayloadField> fields;
  bool fields_truncated = false;
  std::vector<Drift> drift;
};

// Reads `path` (format from its content: '<' is XML). A file that cannot be
// opened is an error (kNotFound), everything else lands in the assessment.
Result<PayloadAssessment> assess_payload_file(const Spec& spec, const std::string& path, const pii::Detector& detector);
PayloadAssessment assess_payload_text(const Spec& spec, std::string_view text, const std::string& file,
                                      const pii::Detector& detector);

}  // namespace csbridge::api
