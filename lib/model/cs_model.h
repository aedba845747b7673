// The customer-service (CS) data model: defined once as data in
// schemas/cs_model.yaml (embedded into the library at build time) and read
// into these types. Mapping checks, DDL, masking and leak checks all read it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace csbridge::model {

enum class FieldType {
  kId,         // surrogate key of the CS model (bigint); the entity's own `id`
  kString,     // bounded text (max_length)
  kText,       // unbounded text
  kInteger,    // 32-bit
  kBigint,     // 64-bit
  kDecimal,    // exact number (precision, scale)
  kBoolean,
  kDate,
  kTimestamp,  // always with a time zone in the target
  kJson,
  kEnum,       // text restricted to `values`
};

enum class PiiClass { kNone, kName, kPhone, kNationalId, kEmail, kBankCard, kAddress, kFreeText };

const char* field_type_name(FieldType type);
const char* pii_class_name(PiiClass pii);
// Parses the names used in cs_model.yaml ("phone", "national_id", …); kConfig error otherwise.
Result<PiiClass> parse_pii_class(std::string_view name);
Result<FieldType> parse_field_type(std::string_view name);

// The PII class of a field whose content depends on another field of its
// row (`pii_by` in cs_model.yaml): customer_identity.value holds a phone
// number, an e-mail address or an openid, as its `kind` says.
struct PiiBy {
  std::string field;  // the field of the same entity whose value picks the class ("" = no pii_by)
  std::vector<std::pair<std::string, PiiClass>> classes;  // that field's value → class; other values: Field::pii
};

struct Field {
  std::string name;
  FieldType type = FieldType::kText;
  bool required = false;
  PiiClass pii = PiiClass::kNone;
  int max_length = 0;               // kString only
  int precision = 0, scale = 0;     // kDecimal only
  std::vector<std::string> values;  // kEnum domain
  std::string references;           // entity whose id this field holds ("" if none)
  bool provenance = false;          // one of the columns every entity carries (source_system, source_key, …)
  std::string description;
  int line = 0;                     // 1-based line in cs_model.yaml, for messages
  PiiBy pii_by;                     // when set, `pii` is the class of values the pii_by field does not pick

  // The class of a value of this field in a row whose pii_by field holds
  // `selector` (`pii` without pii_by, for NULL and for values it does not list).
  PiiClass pii_for(const std::optional<std::string>& selector) const;
  // Every class a value of this field may have: `pii` and those pii_by picks.
  std::vector<PiiClass> pii_classes() const;
};

struct Entity {
  std::string name;
  std::string description;
  std::vector<Field> fields;                      // `id` first, provenance columns included
  std::vector<std::vector<std::string>> unique;   // unique constraints, (source_system, source_key) included
  int line = 0;

  const Field* field(std::string_view name) const;  // nullptr when absent
  std::vector<const Field*> required_fields() const;
};

struct Model {
  std::string version;
  std::vector<Entity> entities;  // in the order the file declares them

  const Entity* entity(std::string_view name) const;  // nullptr when absent
  std::vector<std::string> entity_names() const;
  // Entities ordered so that every entity comes after those it references
  // (organizations and customers before tickets before messages).
  std::vector<std::string> dependency_order() const;
};

// Parses a model from YAML text. Errors are kConfig as "file:line:col: message"
// (unknown type or PII class, reference to an unknown entity, duplicate field,
// enum without values, reference cycle).
Result<Model> load_model(std::string_view yaml_text, const std::string& file_name);

// The model shipped in the library (schemas/cs_model.yaml at build time).
Result<Model> builtin_model();

// The raw text of schemas/cs_model.yaml as embedded at build time.
std::string_view embedded_cs_model_yaml();

}  // namespace csbridge::model
