#include "mapping/row_mapper.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "mapping/condition.h"
#include "pii/mask.h"
#include "util/strings.h"

namespace csbridge::mapping {
namespace {

using transform::Value;

// Steps csbridge adds on its own (type conversion, masking) are built through
// the same registry as those written in mapping files.
std::unique_ptr<transform::Step> builtin_step(const std::string& name, const std::string& arg = "") {
  static const config::YamlDocument doc{"<builtin>", "", YAML::Node()};
  YAML::Node name_node(name);
  YAML::Node args = arg.empty() ? YAML::Node() : YAML::Node(arg);
  auto step = transform::build_step(doc, name_node, args);
  return step.is_ok() ? std::move(step).value() : nullptr;
}

// The conversion that brings a value into a field of `type` (nullptr: none needed).
std::unique_ptr<transform::Step> conversion_for(model::FieldType type) {
  using model::FieldType;
  switch (type) {
    case FieldType::kInteger: return builtin_step("cast", "integer");
    case FieldType::kBigint: return builtin_step("cast", "bigint");
    case FieldType::kDecimal: return builtin_step("cast", "decimal");
    case FieldType::kBoolean: return builtin_step("cast", "boolean");
    case FieldType::kDate: return builtin_step("cast", "date");
    case FieldType::kTimestamp: return builtin_step("parse_time");
    default: return nullptr;
  }
}

enum class MaskAction { kKeep, kMask, kPseudonymize, kDrop };

MaskAction action_for(const config::MaskingPolicy* policy, model::PiiClass pii) {
  if (!policy || pii == model::PiiClass::kNone) return MaskAction::kKeep;
  auto it = policy->actions.find(model::pii_class_name(pii));
  if (it == policy->actions.end()) return MaskAction::kKeep;
  if (it->second == "mask") return MaskAction::kMask;
  if (it->second == "pseudonymize") return MaskAction::kPseudonymize;
  if (it->second == "drop") return MaskAction::kDrop;
  return MaskAction::kKeep;
}

// Where the PII class of a field's values comes from. Without pii_by it is
// the field's; with pii_by it is fixed for the block when the selecting field
// (customer_identity.kind) is a constant or unmapped, else it is read per row
// from that field's final value (`from`, its index among the block's fields)
// and, until the row says, the strictest class the field may have.
struct ClassSource {
  std::optional<size_t> from;
  model::PiiClass fixed = model::PiiClass::kNone;
};

ClassSource class_source(const Block& block, const model::Field& cs) {
  if (cs.pii_by.field.empty()) return {std::nullopt, cs.pii};
  for (size_t i = 0; i < block.fields.size(); ++i) {
    const FieldMapping& by = block.fields[i];
    if (by.field != cs.pii_by.field) continue;
    if (by.kind == SourceKind::kValue && by.steps.empty()) {
      return {std::nullopt, cs.pii_for(by.value && !by.value->empty() ? by.value : by.default_value)};
    }
    model::PiiClass strictest = model::PiiClass::kNone;
    for (model::PiiClass pii : cs.pii_classes()) strictest = pii::stricter(strictest, pii);
    return {i, strictest};
  }
  return {std::nullopt, cs.pii};  // unmapped: NULL in every row
}

}  // namespace

// What the policy does to values of one PII class.
struct BlockMapper::Masking {
  MaskAction action = MaskAction::kKeep;
  std::unique_ptr<transform::Step> masker;  // mask or pseudonymize step of the policy

  static Masking of(const config::MaskingPolicy* policy, model::PiiClass pii) {
    Masking m;
    m.action = action_for(policy, pii);
    if (m.action == MaskAction::kMask) m.masker = builtin_step("mask", model::pii_class_name(pii));
    if (m.action == MaskAction::kPseudonymize) m.masker = builtin_step("pseudonymize");
    return m;
  }
};

struct BlockMapper::FieldPlan {
  const FieldMapping* mapping = nullptr;
  std::vector<size_t> inputs;  // source column indexes
  transform::Context context;
  std::unique_ptr<transform::Step> conversion;
  Masking masking;  // of the field's class (read per row: of the strictest it may have, for on_error values)
  std::optional<size_t> class_from;  // pii_by read per row: the plan whose final value picks the class
  std::vector<std::pair<model::PiiClass, Masking>> class_masking;  // then: the masking of each class
  std::string lookup_prefix;
  RowTest lookup_when;  // the lookup applies to rows that pass (empty: all)

  // The masking of a row whose pii_by field's final value is `selector`.
  const Masking& masking_of_row(const Value& selector) const {
    model::PiiClass pii = mapping->cs->pii_for(selector);
    for (const auto& [c, m] : class_masking) {
      if (c == pii) return m;
    }
    return masking;
  }
};

std::optional<size_t> find_column(const std::vector<connector::ColumnInfo>& columns, std::string_view name) {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  std::optional<size_t> found;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (util::equals_icase(columns[i].name, name)) {
      if (found) return std::nullopt;
      found = i;
    }
  }
  return found;
}

MapperSettings settings_for(const Block& block, const config::Config& config, const config::EnvLookup& env) {
  MapperSettings s;
  s.default_timezone = config.options.default_timezone;
  if (const auto* source = config.source(block.source); source && !source->timezone.empty()) {
    s.default_timezone = source->timezone;
  }
  if (!config.masking.hmac_key_env.empty()) s.hmac_key = env(config.masking.hmac_key_env).value_or("");
  s.masking = &config.masking;
  return s;
}

model::PiiClass BlockMapper::source_pii_of(const Block& block, const FieldMapping& f) {
  model::PiiClass pii = f.cs && !f.lookup ? class_source(block, *f.cs).fixed : model::PiiClass::kNone;
  for (const auto& s : f.steps) {
    if (s.step) pii = pii::stricter(pii, s.step->reads_pii());
  }
  return pii;
}

std::vector<model::PiiClass> BlockMapper::source_pii(const Block& block, const std::vector<connector::ColumnInfo>& columns) {
  std::vector<model::PiiClass> pii(columns.size(), model::PiiClass::kFreeText);
  std::vector<bool> assigned(columns.size(), false);
  // A column feeding several fields (or the key and a field) is shown as the strictest of them.
  auto assign = [&](const std::string& column, model::PiiClass c) {
    if (auto i = find_column(columns, column)) {
      pii[*i] = assigned[*i] ? pii::stricter(pii[*i], c) : c;
      assigned[*i] = true;
    }
  };
  for (const auto& k : block.key) assign(k, model::PiiClass::kNone);
  for (const auto& f : block.fields) {
    for (const auto& c : f.columns) assign(c, source_pii_of(block, f));
  }
  return pii;
}

BlockMapper::BlockMapper(const Block& block, MapperSettings settings) : block_(block), settings_(std::move(settings)) {}
BlockMapper::~BlockMapper() = default;

std::vector<std::string> BlockMapper::columns_to_read(const Block& block) {
  if (block.custom == CustomMode::kRest) return {};
  std::vector<std::string> names;
  auto add = [&](const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  for (const auto& k : block.key) add(k);
  for (const auto& f : block.fields) {
    if (f.from) {  // its columns come from related rows; the path starts at one of the block's
      if (!f.from->on.empty()) add(f.from->on);
      continue;
    }
    for (const auto& c : f.columns) add(c);
    if (f.lookup) {
      for (const auto& c : condition_columns(f.lookup->when)) add(c);
    }
  }
  for (const auto& c : condition_columns(block.filter)) add(c);  // files test it on the rows read
  for (const auto& c : block.custom_columns) add(c);
  return names;
}

void BlockMapper::bind_masking(const Block& block, const model::Field& cs, const MapperSettings& settings,
                               FieldPlan& plan) {
  ClassSource source = class_source(block, cs);
  plan.context.pii_class = model::pii_class_name(source.fixed);
  plan.masking = Masking::of(settings.masking, source.fixed);
  plan.class_from = source.from;
  if (!source.from) return;
  for (model::PiiClass pii : cs.pii_classes()) plan.class_masking.emplace_back(pii, Masking::of(settings.masking, pii));
}

Result<std::unique_ptr<BlockMapper>> BlockMapper::bind(const Block& block,
                                                       const std::vector<connector::ColumnInfo>& columns,
                                                       const MapperSettings& settings) {
  std::unique_ptr<BlockMapper> m(new BlockMapper(block, settings));
  for (const auto& c : columns) m->columns_.push_back(c.name);
  std::vector<bool> used(columns.size(), false);
  auto locate = [&](const std::string& name) -> Result<size_t> {
    auto i = find_column(columns, name);
    if (!i) return not_found(block.display() + ": the source has no column '" + name + "'");
    used[*i] = true;
    return *i;
  };
  for (const auto& k : block.key) {
    CSB_ASSIGN_OR_RETURN(size_t i, locate(k));
    m->key_columns_.push_back(i);
  }
  for (const auto& f : block.fields) {
    if (f.kind == SourceKind::kTodo && settings.todo_placeholders && !f.invalid) {
      // map preview of a suggestion: what is filled previews, a TODO field shows as one.
      FieldPlan plan;
      plan.mapping = &f;
      OutputColumn out;
      out.field = f.field;
      out.cs = f.cs;
      m->outputs_.push_back(std::move(out));
      m->plans_.push_back(std::move(plan));
      continue;
    }
    if (f.kind == SourceKind::kTodo || f.invalid) {
      return invalid_argument(block.display() + ": field " + f.field + (f.invalid ? " has errors" : " is still a TODO") +
                              " (run csbridge map check)");
    }
    FieldPlan plan;
    plan.mapping = &f;
    for (const auto& c : f.columns) {
      CSB_ASSIGN_OR_RETURN(size_t i, locate(c));
      plan.inputs.push_back(i);
    }
    if (f.kind == SourceKind::kResolved) {
      OutputColumn out;
      out.field = f.field;
      out.cs = f.cs;
      out.resolved_default = f.default_value;
      m->outputs_.push_back(std::move(out));
      m->plans_.push_back(std::move(plan));
      continue;
    }
    plan.context.default_timezone = settings.default_timezone;
    plan.context.hmac_key = settings.hmac_key;
    plan.context.field_context = block.entity + "." + f.field;
    plan.context.pii_class = f.cs ? model::pii_class_name(f.cs->pii) : "none";
    OutputColumn out;
    out.field = f.field;
    out.cs = f.cs;
    if (f.lookup) {
      out.lookup_entity = f.lookup->entity;
      out.lookup_system = f.lookup->source.empty() ? block.source : f.lookup->source;
      out.lookup_orphans_to_null = f.lookup->orphans_to_null;
      out.lookup_shared = f.lookup->shared;
      plan.lookup_prefix = f.lookup->key_prefix;
      CSB_ASSIGN_OR_RETURN(plan.lookup_when,
                           RowTest::bind(f.lookup->when, columns, block.display() + ": field " + f.field + " when"));
      for (const auto& c : condition_columns(f.lookup->when)) {
        if (auto i = find_column(columns, c)) used[*i] = true;
      }
    } else if (f.cs) {
      plan.conversion = conversion_for(f.cs->type);
      bind_masking(block, *f.cs, settings, plan);
    }
    m->outputs_.push_back(std::move(out));
    m->plans_.push_back(std::move(plan));
  }
  for (size_t o = 0; o < m->plans_.size(); ++o) {
    const FieldMapping& f = *m->plans_[o].mapping;
    if (f.kind != SourceKind::kResolved) continue;
    for (size_t l = 0; l < m->plans_.size(); ++l) {
      if (m->plans_[l].mapping->field != f.resolved) continue;
      m->outputs_[o].resolves = l;
      m->resolved_.emplace_back(o, l);
    }
    if (!m->outputs_[o].resolves) {
      return invalid_argument(block.display() + ": field " + f.field + " reports the lookup of '" + f.resolved +
                              "', which the block does not map (run csbridge map check)");
    }
  }
  for (const auto& c : condition_columns(block.filter)) {
    if (auto i = find_column(columns, c)) used[*i] = true;  // tested, not data of the row
  }
  if (block.custom == CustomMode::kList) {
    for (const auto& c : block.custom_columns) {
      CSB_ASSIGN_OR_RETURN(size_t i, locate(c));
      m->custom_.push_back({c, i});  // named as the mapping writes it, whatever case the engine folds to
    }
  } else if (block.custom == CustomMode::kRest) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (!used[i]) m->custom_.push_back({columns[i].name, i});
    }
  }
  if (block.custom != CustomMode::kNone) {
    m->custom_output_ = m->outputs_.size();
    OutputColumn custom;
    custom.field = "custom";
    custom.cs = block.cs ? block.cs->field("custom") : nullptr;
    m->outputs_.push_back(std::move(custom));
  }
  return m;
}

std::optional<transform::StepError> BlockMapper::typed(const FieldPlan& plan, Value& v) {
  const model::Field& cs = *plan.mapping->cs;
  if (plan.conversion) {
    transform::StepResult r = plan.conversion->apply(std::span<const Value>(&v, 1), plan.context);
    if (!r.ok()) return r.error();
    v = std::move(r.value());
  }
  if (v && cs.type == model::FieldType::kEnum && std::find(cs.values.begin(), cs.values.end(), *v) == cs.values.end()) {
    return transform::StepError{"bad_value", "value is not one of " + util::join(cs.values, ", ")};
  }
  if (v && cs.type == model::FieldType::kJson && !nlohmann::json::accept(*v)) {
    return transform::StepError{"bad_value", "value is not valid JSON"};
  }
  return std::nullopt;
}

std::optional<transform::StepError> BlockMapper::protect(const FieldPlan& plan, const Masking& masking, Value& v) {
  const model::Field& cs = *plan.mapping->cs;
  if (masking.action == MaskAction::kDrop) v.reset();
  if (v && masking.masker) {
    transform::StepResult r = masking.masker->apply(std::span<const Value>(&v, 1), plan.context);
    if (!r.ok()) return r.error();
    v = std::move(r.value());
  }
  if (v && v->find('\0') != std::string::npos) return transform::StepError{"nul_byte", "value holds a NUL byte"};
  if (size_t n = v ? util::utf8_length(*v) : 0; cs.max_length > 0 && n > static_cast<size_t>(cs.max_length)) {
    return transform::StepError{"too_long", "value is " + std::to_string(n) + " characters, more than the " +
                                                std::to_string(cs.max_length) + " allowed"};
  }
  if (!v && cs.required) return transform::StepError{"required_missing", "required but empty"};
  return std::nullopt;
}

// A value `on_error: null` turned away, kept in custom as "<field>_invalid": whether the
// field's own masking was applied to it already.
struct BlockMapper::InvalidValue {
  std::string name;
  std::optional<std::string> value;
  bool masked = false;
};

bool BlockMapper::legacy_key(const connector::Batch& in, size_t row, std::string& key, RowError& error) const {
  key = block_.key_prefix;
  for (size_t k = 0; k < key_columns_.size(); ++k) {
    if (in.is_null(row, key_columns_[k])) {
      error = {"", block_.key[k], "no_key", block_.display() + ": legacy key column '" + block_.key[k] + "' is NULL"};
      return false;
    }
    if (k) key += '|';
    key += in.get(row, key_columns_[k]);
  }
  return true;
}

std::optional<transform::StepError> BlockMapper::map_field(const FieldPlan& plan, const connector::Batch& in,
                                                           size_t row, Value& v,
                                                           std::vector<InvalidValue>& invalid) const {
  const FieldMapping& f = *plan.mapping;
  if (f.kind == SourceKind::kTodo) {  // only bound with MapperSettings::todo_placeholders
    v = std::string(kTodoPlaceholder);
    return std::nullopt;
  }
  if (f.kind == SourceKind::kResolved) return std::nullopt;  // map_row fills it from its lookup
  if (f.lookup && !plan.lookup_when.empty() && !plan.lookup_when.matches(in, row)) {
    v.reset();  // the lookup does not apply to this row
  } else if (f.kind == SourceKind::kValue) {
    v = f.value;
  } else {
    thread_local std::vector<Value> inputs;  // reused: map_row runs per row, on several threads
    inputs.clear();
    for (size_t i : plan.inputs) {
      if (in.is_null(row, i)) inputs.emplace_back(std::nullopt);
      else inputs.emplace_back(std::string(in.get(row, i)));
    }
    if (f.steps.empty() || f.steps.front().step->arity() != -1) {
      v = std::move(inputs.front());
      inputs.clear();
    }
    std::optional<std::string> raw;
    if (f.on_error_null && !plan.inputs.empty() && !in.is_null(row, plan.inputs.front())) {
      raw = inputs.empty() ? v : inputs.front();
    }
    for (const auto& s : f.steps) {
      transform::StepResult r = s.step->arity() == -1 && !inputs.empty()
                                    ? s.step->apply(inputs, plan.context)
                                    : s.step->apply(std::span<const Value>(&v, 1), plan.context);
      inputs.clear();
      if (!r.ok() && f.on_error_null) {  // the mapping says: keep the row, the value goes to custom
        // Masked as the field's values are: an invalid phone is still somebody's number.
        v.reset();
        if (raw && plan.masking.action == MaskAction::kDrop) break;
        bool masked = false;
        if (raw && plan.masking.masker) {
          Value mv(std::move(*raw));
          transform::StepResult m = plan.masking.masker->apply(std::span<const Value>(&mv, 1), plan.context);
          raw = m.ok() && m.value() ? *m.value() : std::string(util::utf8_length(*mv), '*');
          masked = true;
        }
        invalid.push_back({f.field + "_invalid", std::move(raw), masked});
        break;
      }
      if (!r.ok()) return r.error();
      v = std::move(r.value());
    }
  }
  if ((!v || v->empty()) && f.default_value) v = f.default_value;
  if (v && f.lookup) {
    v = plan.lookup_prefix + *v;
  } else if (v && f.cs) {
    std::optional<transform::StepError> e = typed(plan, v);
    if (!e && !plan.class_from) e = protect(plan, plan.masking, v);  // else once the row's class is known
    if (e) return e;
  }
  if (!v && f.cs && f.cs->required) return transform::StepError{"required_missing", "required but empty"};
  return std::nullopt;
}

std::variant<std::optional<std::string>, transform::StepError> BlockMapper::custom_object(
    const connector::Batch& in, size_t row, std::vector<InvalidValue>& invalid) const {
  if (!custom_output_ || (custom_.empty() && invalid.empty())) return std::optional<std::string>();
  MaskAction action = action_for(settings_.masking, model::PiiClass::kFreeText);
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  bool any = false;
  std::vector<InvalidValue> entries;
  for (const auto& [name, i] : custom_) {
    if (in.is_null(row, i)) entries.push_back({name, std::nullopt});
    else entries.push_back({name, std::string(in.get(row, i))});
  }
  entries.insert(entries.end(), std::make_move_iterator(invalid.begin()), std::make_move_iterator(invalid.end()));
  for (auto& [name, cell, masked] : entries) {
    if (!cell) {
      object[name] = nullptr;
      continue;
    }
    std::string value = std::move(*cell);
    if (value.find('\0') != std::string::npos) {
      return transform::StepError{"nul_byte", "column '" + name + "' holds a NUL byte"};
    }
    if (action == MaskAction::kDrop && !masked) continue;
    if (action != MaskAction::kKeep && !masked) {
      static const auto masker = builtin_step("mask", "free_text");
      Value mv(std::move(value));
      transform::StepResult r = masker->apply(std::span<const Value>(&mv, 1), {});
      value = r.ok() && r.value() ? *r.value() : std::string();
    }
    object[name] = std::move(value);
    any = true;
  }
  if (!any) return std::optional<std::string>();
  return std::optional<std::string>(object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

bool BlockMapper::map_row(const connector::Batch& in, size_t row, connector::Batch& out, RowError& error) const {
  // Text arrives as UTF-8: the connector decoded declared legacy encodings (config::open_source).
  std::string key;
  if (!legacy_key(in, row, key, error)) return false;  // every reject names the key: nothing else to say
  // Every reason a row has is collected: the first becomes the error, the others `also`.
  bool failed = false;
  auto fail = [&](const std::string& field, const transform::StepError& e) {
    std::string message = block_.entity + "." + field + ": " + e.message;
    if (!failed) error = {key, field, e.code, std::move(message)};
    else error.also.push_back({field, e.code, std::move(message)});
    failed = true;
  };

  std::vector<Value> values;
  values.reserve(plans_.size());
  std::vector<InvalidValue> invalid;
  std::vector<std::pair<size_t, std::string>> lookups;
  for (size_t output = 0; output < plans_.size(); ++output) {
    const FieldPlan& plan = plans_[output];
    Value v;
    // A field that fails adds its reason; the row's other fields are still mapped.
    if (auto e = map_field(plan, in, row, v, invalid)) {
      fail(plan.mapping->field, *e);
      v.reset();
    } else if (v && plan.mapping->lookup) {
      lookups.emplace_back(output, *v);
    }
    values.push_back(std::move(v));
  }
  for (const auto& [o, l] : resolved_) {
    // The lookup's key until the target says which entity holds it; the default without a key.
    values[o] = values[l] ? values[l] : plans_[o].mapping->default_value;
    const FieldMapping& f = *plans_[o].mapping;
    if (!values[o] && f.cs && f.cs->required) fail(f.field, {"required_missing", "required but empty"});
  }
  if (failed) {
    error.lookups = std::move(lookups);
    return false;
  }
  for (size_t k = 0; k < plans_.size(); ++k) {
    if (!plans_[k].class_from || !values[k]) continue;
    const FieldPlan& plan = plans_[k];
    if (auto e = protect(plan, plan.masking_of_row(values[*plan.class_from]), values[k])) {
      fail(plan.mapping->field, *e);
      return false;
    }
  }
  auto custom = custom_object(in, row, invalid);
  if (auto* e = std::get_if<transform::StepError>(&custom)) {
    fail("custom", *e);
    return false;
  }

  out.append(key);
  for (auto& v : values) {
    if (v) out.append(*v);
    else out.append_null();
  }
  if (custom_output_) {
    const auto& object = std::get<std::optional<std::string>>(custom);
    if (object) out.append(*object);
    else out.append_null();
  }
  return true;
}

}  // namespace csbridge::mapping
