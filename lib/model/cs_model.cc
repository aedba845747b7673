#include "model/cs_model.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <utility>

#include "util/strings.h"

namespace csbridge::model {
namespace {

constexpr std::string_view kBuiltinFileName = "schemas/cs_model.yaml";
constexpr std::string_view kIdField = "id";
constexpr std::string_view kSourceSystem = "source_system";
constexpr std::string_view kSourceKey = "source_key";

// Defaults for attributes a field may leave out (documented in cs_model.yaml).
constexpr int kDefaultMaxLength = 255;
constexpr int kDefaultPrecision = 18;
constexpr int kDefaultScale = 2;
// PostgreSQL's limits: varchar(n) up to 10485760, numeric precision up to 1000.
constexpr int kMaxMaxLength = 10485760;
constexpr int kMaxPrecision = 1000;

constexpr std::array<std::pair<FieldType, const char*>, 11> kFieldTypes = {{
    {FieldType::kId, "id"},
    {FieldType::kString, "string"},
    {FieldType::kText, "text"},
    {FieldType::kInteger, "integer"},
    {FieldType::kBigint, "bigint"},
    {FieldType::kDecimal, "decimal"},
    {FieldType::kBoolean, "boolean"},
    {FieldType::kDate, "date"},
    {FieldType::kTimestamp, "timestamp"},
    {FieldType::kJson, "json"},
    {FieldType::kEnum, "enum"},
}};

constexpr std::array<std::pair<PiiClass, const char*>, 8> kPiiClasses = {{
    {PiiClass::kNone, "none"},
    {PiiClass::kName, "name"},
    {PiiClass::kPhone, "phone"},
    {PiiClass::kNationalId, "national_id"},
    {PiiClass::kEmail, "email"},
    {PiiClass::kBankCard, "bank_card"},
    {PiiClass::kAddress, "address"},
    {PiiClass::kFreeText, "free_text"},
}};

const std::vector<std::string> kTopLevelKeys = {"version", "common_fields", "entities"};
const std::vector<std::string> kEntityKeys = {"description", "fields", "unique"};
const std::vector<std::string> kFieldKeys = {"type",     "max_length", "precision",  "scale",      "values",
                                             "required", "pii",        "pii_by",     "references", "description"};
const std::vector<std::string> kPiiByKeys = {"field", "classes"};

template <typename Enum, size_t N>
std::vector<std::string> names_of(const std::array<std::pair<Enum, const char*>, N>& table) {
  std::vector<std::string> names;
  for (const auto& [value, name] : table) names.emplace_back(name);
  return names;
}

// Appends ", did you mean 'y'?" when one of `candidates` is close to `word`.
std::string with_suggestion(std::string message, std::string_view word, const std::vector<std::string>& candidates) {
  std::string suggestion = util::closest_match(word, candidates);
  if (!suggestion.empty()) message += ", did you mean '" + suggestion + "'?";
  return message;
}

// "unknown <what> 'x', did you mean 'y'? (valid <plural>: a, b)".
std::string unknown_name_message(std::string_view what, std::string_view plural, std::string_view word,
                                 const std::vector<std::string>& valid) {
  return with_suggestion("unknown " + std::string(what) + " '" + std::string(word) + "'", word, valid) + " (valid " +
         std::string(plural) + ": " + util::join(valid, ", ") + ")";
}

// "unknown key 'x', did you mean 'y'?" or, with no close match, the valid keys.
std::string unknown_key_message(std::string_view what, std::string_view key, const std::vector<std::string>& valid) {
  std::string message = "unknown " + std::string(what) + " '" + std::string(key) + "'";
  if (util::closest_match(key, valid).empty()) return message + " (valid: " + util::join(valid, ", ") + ")";
  return with_suggestion(message, key, valid);
}

// Table and column names are quoted in every statement, but a model name is
// also a mapping target and a file name: lower snake_case keeps it portable.
bool is_snake_case(std::string_view name) {
  if (name.empty() || name.front() < 'a' || name.front() > 'z') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

// The value of `key` in a mapping already checked by Loader::check_keys.
std::optional<YAML::Node> member(const YAML::Node& map, std::string_view key) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.Scalar() == key) return it->second;
  }
  return std::nullopt;
}

// A reference waiting for every entity to be known.
struct PendingReference {
  size_t entity = 0;
  size_t field = 0;
  YAML::Mark mark;
};

// Turns the YAML tree into a Model; the first error wins. yaml-cpp may throw
// from any accessor, so load_model() calls this inside one try block.
class Loader {
 public:
  explicit Loader(std::string file_name) : file_(std::move(file_name)) {}

  Status error(const YAML::Mark& mark, const std::string& message) const {
    if (mark.is_null()) return config_error(file_ + ": " + message);
    return config_error(file_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " +
                        message);
  }

  // Every key of `map` is one of `valid`, and only once (yaml-cpp keeps
  // duplicate keys, and a second `type:` silently winning would hide a typo).
  // `prefix` names the mapping: "" at the top level, else "field 'a.b': ".
  Status check_keys(const YAML::Node& map, const std::vector<std::string>& valid, const std::string& prefix) const {
    std::vector<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string& key = it->first.Scalar();
      if (std::find(valid.begin(), valid.end(), key) == valid.end()) {
        return error(it->first.Mark(), prefix + unknown_key_message(prefix.empty() ? "top-level key" : "key", key, valid));
      }
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        return error(it->first.Mark(), prefix + "duplicate key '" + key + "'");
      }
      seen.push_back(key);
    }
    return Status::ok();
  }

  Result<Model> load(const YAML::Node& root) {
    if (!root.IsMap()) {
      YAML::Mark mark = root.Mark();
      if (mark.is_null()) mark = YAML::Mark();  // an empty document has no position: point at its start
      return error(mark, "the model must be a mapping with keys version, common_fields, entities");
    }
    CSB_RETURN_IF_ERROR(check_keys(root, kTopLevelKeys, ""));
    std::optional<YAML::Node> version = member(root, "version");
    std::optional<YAML::Node> common = member(root, "common_fields");
    std::optional<YAML::Node> entities = member(root, "entities");
    if (!version) return error(root.Mark(), "missing 'version'");
    if (!common) return error(root.Mark(), "missing 'common_fields'");
    if (!entities) return error(root.Mark(), "missing 'entities'");

    Model model;
    if (!version->IsScalar() || util::trim(version->Scalar()).empty()) {
      return error(version->Mark(), "version must be a non-empty scalar, e.g. \"1.0\"");
    }
    model.version = version->Scalar();
    CSB_RETURN_IF_ERROR(load_common_fields(*common));
    CSB_RETURN_IF_ERROR(load_entities(*entities, model));
    CSB_RETURN_IF_ERROR(resolve_references(model));
    CSB_RETURN_IF_ERROR(check_cycles(model));
    return model;
  }

 private:
  Status load_common_fields(const YAML::Node& node) {
    if (!node.IsMap() || node.size() == 0) {
      return error(node.Mark(), "common_fields must be a mapping of field name to attributes");
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string name = it->first.Scalar();
      std::string subject = "common field '" + name + "'";
      if (!is_snake_case(name)) return error(it->first.Mark(), bad_name_message(subject));
      if (name == kIdField) return error(it->first.Mark(), subject + ": every entity gets 'id' implicitly");
      for (const Field& f : common_) {
        if (f.name == name) {
          return error(it->first.Mark(), "duplicate common field '" + name + "' (first declared on line " +
                                             std::to_string(f.line) + ")");
        }
      }
      Field field;
      YAML::Mark reference_mark;
      CSB_RETURN_IF_ERROR(load_field(name, subject, it->first, it->second, field, reference_mark));
      field.provenance = true;
      if (it->second.IsMap() && member(it->second, "pii_by")) {
        return error(it->first.Mark(), subject + ": pii_by names a field of an entity, not of common_fields");
      }
      if (!field.references.empty()) {
        return error(it->first.Mark(), subject + ": a common field cannot reference an entity");
      }
      common_.push_back(std::move(field));
    }
    for (std::string_view key : {kSourceSystem, kSourceKey}) {
      auto found = std::find_if(common_.begin(), common_.end(), [&](const Field& f) { return f.name == key; });
      if (found == common_.end() || !found->required) {
        return error(node.Mark(), "common_fields must declare " + std::string(key) +
                                      " as a required field (the provenance unique key)");
      }
    }
    return Status::ok();
  }

  Status load_entities(const YAML::Node& node, Model& model) {
    if (!node.IsMap() || node.size() == 0) {
      return error(node.Mark(), "entities must be a mapping of entity name to its description and fields");
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string name = it->first.Scalar();
      std::string subject = "entity '" + name + "'";
      if (!is_snake_case(name)) return error(it->first.Mark(), bad_name_message(subject));
      if (const Entity* first = model.entity(name)) {
        return error(it->first.Mark(), "duplicate entity '" + name + "' (first declared on line " +
                                           std::to_string(first->line) + ")");
      }
      Entity entity;
      entity.name = name;
      entity.line = it->first.Mark().line + 1;
      CSB_RETURN_IF_ERROR(load_entity(it->first, it->second, model.entities.size(), entity));
      model.entities.push_back(std::move(entity));
    }
    return Status::ok();
  }

  Status load_entity(const YAML::Node& key, const YAML::Node& node, size_t index, Entity& entity) {
    std::string subject = "entity '" + entity.name + "'";
    if (!node.IsMap()) return error(node.Mark(), subject + ": expected a mapping with description, fields, unique");
    CSB_RETURN_IF_ERROR(check_keys(node, kEntityKeys, subject + ": "));
    if (std::optional<YAML::Node> description = member(node, "description")) {
      CSB_RETURN_IF_ERROR(scalar(*description, subject + ": description", entity.description));
    }
    std::optional<YAML::Node> fields = member(node, "fields");
    std::optional<YAML::Node> unique = member(node, "unique");
    if (!fields) return error(key.Mark(), subject + ": missing 'fields'");
    if (!fields->IsMap()) return error(fields->Mark(), subject + ": fields must be a mapping of field name to attributes");

    Field id;
    id.name = kIdField;
    id.type = FieldType::kId;
    id.required = true;
    id.description = "Surrogate key in the CS platform.";
    id.line = entity.line;
    entity.fields.push_back(std::move(id));

    for (auto it = fields->begin(); it != fields->end(); ++it) {
      std::string name = it->first.Scalar();
      std::string field_subject = "field '" + entity.name + "." + name + "'";
      if (!is_snake_case(name)) return error(it->first.Mark(), bad_name_message(field_subject));
      if (name == kIdField) {
        return error(it->first.Mark(), subject + ": field 'id' is implicit (every entity gets it first)");
      }
      for (const Field& c : common_) {
        if (c.name == name) {
          return error(it->first.Mark(), subject + ": field '" + name + "' is declared in common_fields (line " +
                                             std::to_string(c.line) + ")");
        }
      }
      if (const Field* first = entity.field(name)) {
        return error(it->first.Mark(), subject + ": duplicate field '" + name + "' (first declared on line " +
                                           std::to_string(first->line) + ")");
      }
      Field field;
      YAML::Mark reference_mark;
      CSB_RETURN_IF_ERROR(load_field(name, field_subject, it->first, it->second, field, reference_mark));
      if (!field.references.empty()) pending_.push_back({index, entity.fields.size(), reference_mark});
      entity.fields.push_back(std::move(field));
    }
    for (auto it = fields->begin(); it != fields->end(); ++it) {
      std::optional<YAML::Node> pii_by = it->second.IsMap() ? member(it->second, "pii_by") : std::nullopt;
      if (pii_by) CSB_RETURN_IF_ERROR(load_pii_by(*pii_by, entity, it->first.Scalar()));
    }
    for (const Field& c : common_) entity.fields.push_back(c);

    entity.unique.push_back({std::string(kSourceSystem), std::string(kSourceKey)});
    if (unique) CSB_RETURN_IF_ERROR(load_unique(*unique, subject, entity));
    return Status::ok();
  }

  // pii_by: {field: kind, classes: {phone: phone, email: email}}, read once
  // every field of the entity is known: the field it names must be an enum
  // of the entity, and the classes keyed by values of that enum.
  Status load_pii_by(const YAML::Node& node, Entity& entity, const std::string& name) {
    const std::string subject = "field '" + entity.name + "." + name + "': pii_by";
    const std::string shape = subject + " must be a mapping {field: <enum field>, classes: {<value>: <PII class>}}";
    if (!node.IsMap()) return error(node.Mark(), shape);
    CSB_RETURN_IF_ERROR(check_keys(node, kPiiByKeys, subject + ": "));
    std::optional<YAML::Node> selector = member(node, "field");
    std::optional<YAML::Node> classes = member(node, "classes");
    if (!selector || !classes) return error(node.Mark(), shape);
    Field& field = *std::find_if(entity.fields.begin(), entity.fields.end(), [&](const Field& f) { return f.name == name; });
    if (field.type != FieldType::kString && field.type != FieldType::kText) {
      return error(node.Mark(), subject + " applies to string and text fields, not " + field_type_name(field.type));
    }
    CSB_RETURN_IF_ERROR(scalar(*selector, subject + ": field", field.pii_by.field));
    const Field* by = entity.field(field.pii_by.field);
    if (by == nullptr || by->type != FieldType::kEnum) {
      return error(selector->Mark(), subject + ": '" + field.pii_by.field + "' is not an enum field of " + entity.name);
    }
    if (!classes->IsMap() || classes->size() == 0) return error(classes->Mark(), shape);
    for (auto it = classes->begin(); it != classes->end(); ++it) {
      std::string value, class_name;
      CSB_RETURN_IF_ERROR(scalar(it->first, subject + ": a value of " + by->name, value));
      if (std::find(by->values.begin(), by->values.end(), value) == by->values.end()) {
        return error(it->first.Mark(), with_suggestion(subject + ": '" + value + "' is not a value of " + by->name,
                                                       value, by->values));
      }
      CSB_RETURN_IF_ERROR(scalar(it->second, subject + ": a PII class", class_name));
      Result<PiiClass> parsed = parse_pii_class(class_name);
      if (!parsed) return error(it->second.Mark(), subject + ": " + parsed.status().message());
      field.pii_by.classes.emplace_back(std::move(value), *parsed);
    }
    return Status::ok();
  }

  Status load_unique(const YAML::Node& node, const std::string& subject, Entity& entity) {
    const std::string shape = subject + ": unique must be a list of field lists, e.g. [[a, b]]";
    if (!node.IsSequence()) return error(node.Mark(), shape);
    for (const YAML::Node& constraint : node) {
      if (!constraint.IsSequence() || constraint.size() == 0) return error(constraint.Mark(), shape);
      std::vector<std::string> columns;
      for (const YAML::Node& column : constraint) {
        std::string name;
        CSB_RETURN_IF_ERROR(scalar(column, subject + ": a unique column", name));
        if (entity.field(name) == nullptr) {
          std::vector<std::string> known;
          for (const Field& f : entity.fields) known.push_back(f.name);
          return error(column.Mark(),
                       with_suggestion(subject + ": unique names unknown field '" + name + "'", name, known));
        }
        columns.push_back(std::move(name));
      }
      entity.unique.push_back(std::move(columns));
    }
    return Status::ok();
  }

  Status load_field(const std::string& name, const std::string& subject, const YAML::Node& key,
                    const YAML::Node& node, Field& field, YAML::Mark& reference_mark) {
    field.name = name;
    field.line = key.Mark().line + 1;
    if (!node.IsMap()) return error(key.Mark(), subject + ": expected a mapping of attributes (type, required, pii, …)");

    CSB_RETURN_IF_ERROR(check_keys(node, kFieldKeys, subject + ": "));
    if (std::optional<YAML::Node> required = member(node, "required")) {
      CSB_RETURN_IF_ERROR(boolean(*required, subject + ": required", field.required));
    }
    if (std::optional<YAML::Node> description = member(node, "description")) {
      CSB_RETURN_IF_ERROR(scalar(*description, subject + ": description", field.description));
    }
    std::optional<YAML::Node> type = member(node, "type");
    std::optional<YAML::Node> pii = member(node, "pii");
    std::optional<YAML::Node> references = member(node, "references");

    if (references) {
      CSB_RETURN_IF_ERROR(scalar(*references, subject + ": references", field.references));
      reference_mark = references->Mark();
    }
    if (type) {
      std::string type_name;
      CSB_RETURN_IF_ERROR(scalar(*type, subject + ": type", type_name));
      Result<FieldType> parsed = parse_field_type(type_name);
      if (!parsed) return error(type->Mark(), subject + ": " + parsed.status().message());
      field.type = *parsed;
    } else if (references) {
      field.type = FieldType::kId;
    } else {
      return error(key.Mark(), subject + ": missing 'type'");
    }
    if (references && field.type != FieldType::kId) {
      return error(type->Mark(), subject + ": a reference has type id, not " + field_type_name(field.type));
    }
    if (!references && field.type == FieldType::kId) {
      return error(type->Mark(), subject + ": type id needs 'references' (the entity whose id it holds)");
    }

    CSB_RETURN_IF_ERROR(load_type_attributes(subject, key, node, field));

    if (pii) {
      std::string pii_name;
      CSB_RETURN_IF_ERROR(scalar(*pii, subject + ": pii", pii_name));
      Result<PiiClass> parsed = parse_pii_class(pii_name);
      if (!parsed) return error(pii->Mark(), subject + ": " + parsed.status().message());
      field.pii = *parsed;
    } else if (field.type == FieldType::kString || field.type == FieldType::kText || field.type == FieldType::kJson) {
      // Free-form columns are where PII hides; defaulting them to none would
      // let a new column bypass masking unnoticed.
      return error(key.Mark(), subject + ": a " + field_type_name(field.type) + " field must declare pii (" +
                                   util::join(names_of(kPiiClasses), ", ") + ")");
    }
    return Status::ok();
  }

  Status load_type_attributes(const std::string& subject, const YAML::Node& key, const YAML::Node& node,
                              Field& field) {
    std::optional<YAML::Node> max_length = member(node, "max_length");
    std::optional<YAML::Node> precision = member(node, "precision");
    std::optional<YAML::Node> scale = member(node, "scale");
    std::optional<YAML::Node> values = member(node, "values");
    const std::string type = field_type_name(field.type);
    if (max_length && field.type != FieldType::kString) {
      return error(max_length->Mark(), subject + ": max_length applies to string fields, not " + type);
    }
    if ((precision || scale) && field.type != FieldType::kDecimal) {
      return error((precision ? precision : scale)->Mark(),
                   subject + ": precision and scale apply to decimal fields, not " + type);
    }
    if (values && field.type != FieldType::kEnum) {
      return error(values->Mark(), subject + ": values apply to enum fields, not " + type);
    }

    if (field.type == FieldType::kString) {
      field.max_length = kDefaultMaxLength;
      if (max_length) {
        CSB_RETURN_IF_ERROR(integer(*max_length, subject + ": max_length", 1, kMaxMaxLength, field.max_length));
      }
    }
    if (field.type == FieldType::kDecimal) {
      field.precision = kDefaultPrecision;
      field.scale = kDefaultScale;
      if (precision) {
        CSB_RETURN_IF_ERROR(integer(*precision, subject + ": precision", 1, kMaxPrecision, field.precision));
      }
      if (scale) CSB_RETURN_IF_ERROR(integer(*scale, subject + ": scale", 0, field.precision, field.scale));
    }
    if (field.type == FieldType::kEnum) {
      if (!values) return error(key.Mark(), subject + ": enum without values");
      if (!values->IsSequence() || values->size() == 0) {
        return error(values->Mark(), subject + ": enum without values");
      }
      for (const YAML::Node& v : *values) {
        std::string value;
        CSB_RETURN_IF_ERROR(scalar(v, subject + ": an enum value", value));
        if (value.empty()) return error(v.Mark(), subject + ": empty enum value");
        if (std::find(field.values.begin(), field.values.end(), value) != field.values.end()) {
          return error(v.Mark(), subject + ": duplicate enum value '" + value + "'");
        }
        field.values.push_back(std::move(value));
      }
    }
    return Status::ok();
  }

  Status resolve_references(const Model& model) {
    std::vector<std::string> names = model.entity_names();
    for (const PendingReference& ref : pending_) {
      const Entity& entity = model.entities[ref.entity];
      const Field& field = entity.fields[ref.field];
      if (model.entity(field.references) == nullptr) {
        return error(ref.mark, with_suggestion("field '" + entity.name + "." + field.name +
                                                   "': references unknown entity '" + field.references + "'",
                                               field.references, names));
      }
    }
    return Status::ok();
  }

  // Depth-first search in file order; the reference that reaches back into
  // the current path is reported, with the path it closes.
  Status check_cycles(const Model& model) {
    enum class Visit { kUnvisited, kOnPath, kDone };
    std::vector<Visit> marks(model.entities.size(), Visit::kUnvisited);
    std::vector<size_t> path;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < model.entities.size(); ++i) index[model.entities[i].name] = i;

    std::optional<Status> found;
    auto visit = [&](auto& self, size_t e) -> void {
      marks[e] = Visit::kOnPath;
      path.push_back(e);
      for (const PendingReference& ref : pending_) {
        if (found || ref.entity != e) continue;
        const Field& field = model.entities[e].fields[ref.field];
        size_t target = index.at(field.references);
        if (target == e) continue;  // ticket.merged_into_id: a row may point at a row of its own table
        if (marks[target] == Visit::kOnPath) {
          std::string cycle;
          auto start = std::find(path.begin(), path.end(), target);
          for (auto it = start; it != path.end(); ++it) cycle += model.entities[*it].name + " -> ";
          cycle += model.entities[target].name;
          found = error(ref.mark, "field '" + model.entities[e].name + "." + field.name + "': reference cycle " + cycle);
        } else if (marks[target] == Visit::kUnvisited) {
          self(self, target);
        }
      }
      path.pop_back();
      marks[e] = Visit::kDone;
    };
    for (size_t e = 0; e < model.entities.size() && !found; ++e) {
      if (marks[e] == Visit::kUnvisited) visit(visit, e);
    }
    return found ? *found : Status::ok();
  }

  static std::string bad_name_message(const std::string& subject) {
    return subject + ": names must be lower snake_case (a-z, 0-9, _), starting with a letter";
  }

  Status scalar(const YAML::Node& node, const std::string& what, std::string& out) const {
    if (!node.IsScalar()) return error(node.Mark(), what + " must be a scalar");
    out = node.Scalar();
    return Status::ok();
  }

  Status boolean(const YAML::Node& node, const std::string& what, bool& out) const {
    if (!node.IsScalar() || (node.Scalar() != "true" && node.Scalar() != "false")) {
      return error(node.Mark(), what + " must be true or false");
    }
    out = node.Scalar() == "true";
    return Status::ok();
  }

  Status integer(const YAML::Node& node, const std::string& what, int min, int max, int& out) const {
    const std::string range = what + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
    if (!node.IsScalar()) return error(node.Mark(), range);
    const std::string& text = node.Scalar();
    if (text.empty() || text.size() > std::to_string(max).size() ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return error(node.Mark(), range);
    }
    int value = std::stoi(text);
    if (value < min || value > max) return error(node.Mark(), range);
    out = value;
    return Status::ok();
  }

  std::string file_;
  std::vector<Field> common_;
  std::vector<PendingReference> pending_;  // checked once every entity is known
};

}  // namespace

const char* field_type_name(FieldType type) {
  for (const auto& [value, name] : kFieldTypes) {
    if (value == type) return name;
  }
  return "?";
}

const char* pii_class_name(PiiClass pii) {
  for (const auto& [value, name] : kPiiClasses) {
    if (value == pii) return name;
  }
  return "?";
}

Result<PiiClass> parse_pii_class(std::string_view name) {
  for (const auto& [value, n] : kPiiClasses) {
    if (name == n) return value;
  }
  return config_error(unknown_name_message("PII class", "PII classes", name, names_of(kPiiClasses)));
}

Result<FieldType> parse_field_type(std::string_view name) {
  for (const auto& [value, n] : kFieldTypes) {
    if (name == n) return value;
  }
  return config_error(unknown_name_message("type", "types", name, names_of(kFieldTypes)));
}

PiiClass Field::pii_for(const std::optional<std::string>& selector) const {
  if (selector) {
    for (const auto& [value, pii_class] : pii_by.classes) {
      if (value == *selector) return pii_class;
    }
  }
  return pii;
}

std::vector<PiiClass> Field::pii_classes() const {
  std::vector<PiiClass> out = {pii};
  for (const auto& [value, pii_class] : pii_by.classes) {
    if (std::find(out.begin(), out.end(), pii_class) == out.end()) out.push_back(pii_class);
  }
  return out;
}

const Field* Entity::field(std::string_view name) const {
  for (const Field& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<const Field*> Entity::required_fields() const {
  std::vector<const Field*> out;
  for (const Field& f : fields) {
    if (f.required) out.push_back(&f);
  }
  return out;
}

const Entity* Model::entity(std::string_view name) const {
  for (const Entity& e : entities) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::vector<std::string> Model::entity_names() const {
  std::vector<std::string> names;
  for (const Entity& e : entities) names.push_back(e.name);
  return names;
}

// Repeatedly takes the first entity in file order whose references are all
// placed, so the order stays close to the file's. A cycle (only possible in a
// Model not built by load_model) leaves the rest appended in file order.
std::vector<std::string> Model::dependency_order() const {
  std::vector<std::string> order;
  std::vector<bool> placed(entities.size(), false);
  auto is_placed = [&](const std::string& name) {
    return std::find(order.begin(), order.end(), name) != order.end();
  };
  auto ready = [&](const Entity& e) {
    return std::all_of(e.fields.begin(), e.fields.end(), [&](const Field& f) {
      return f.references.empty() || f.references == e.name || entity(f.references) == nullptr ||
             is_placed(f.references);
    });
  };
  while (order.size() < entities.size()) {
    bool progressed = false;
    for (size_t i = 0; i < entities.size(); ++i) {
      if (!placed[i] && ready(entities[i])) {
        placed[i] = true;
        order.push_back(entities[i].name);
        progressed = true;
        break;
      }
    }
    if (!progressed) {
      for (size_t i = 0; i < entities.size(); ++i) {
        if (!placed[i]) order.push_back(entities[i].name);
      }
      break;
    }
  }
  return order;
}

Result<Model> load_model(std::string_view yaml_text, const std::string& file_name) {
  Loader loader(file_name);
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    return loader.load(root);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp stops runaway nesting (a fuzz-found stack overflow) with the
    // unhelpful text "bad file".
    return loader.error(e.mark, "invalid YAML: nested too deeply");
  } catch (const YAML::Exception& e) {
    return loader.error(e.mark, "invalid YAML: " + e.msg);
  } catch (const std::exception& e) {
    return internal_error(file_name + ": " + e.what());
  }
}

Result<Model> builtin_model() { return load_model(embedded_cs_model_yaml(), std::string(kBuiltinFileName)); }

}  // namespace csbridge::model
