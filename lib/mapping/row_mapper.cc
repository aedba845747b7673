#include "mapping/row_mapper.h"

#include <nlohmann/json.hpp>

#include <algorithm>

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

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
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

}  // namespace

struct BlockMapper::FieldPlan {
  const FieldMapping* mapping = nullptr;
  std::vector<size_t> inputs;  // source column indexes
  transform::Context context;
  std::unique_ptr<transform::Step> conversion;
  MaskAction mask = MaskAction::kKeep;
  std::unique_ptr<transform::Step> masker;  // mask or pseudonymize step of the policy
  std::string lookup_prefix;
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

std::vector<model::PiiClass> BlockMapper::source_pii(const Block& block, const std::vector<connector::ColumnInfo>& columns) {
  std::vector<model::PiiClass> pii(columns.size(), model::PiiClass::kFreeText);
  for (size_t i = 0; i < columns.size(); ++i) {
    for (const auto& k : block.key) {
      if (find_column(columns, k) == i) pii[i] = model::PiiClass::kNone;
    }
  }
  for (const auto& f : block.fields) {
    for (const auto& c : f.columns) {
      if (auto i = find_column(columns, c)) {
        pii[*i] = f.cs && !f.lookup ? f.cs->pii : model::PiiClass::kNone;
      }
    }
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
    for (const auto& c : f.columns) add(c);
  }
  for (const auto& c : block.custom_columns) add(c);
  return names;
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
      plan.lookup_prefix = f.lookup->key_prefix;
    } else if (f.cs) {
      plan.conversion = conversion_for(f.cs->type);
      plan.mask = action_for(settings.masking, f.cs->pii);
      if (plan.mask == MaskAction::kMask) plan.masker = builtin_step("mask", model::pii_class_name(f.cs->pii));
      if (plan.mask == MaskAction::kPseudonymize) plan.masker = builtin_step("pseudonymize");
    }
    m->outputs_.push_back(std::move(out));
    m->plans_.push_back(std::move(plan));
  }
  if (block.custom == CustomMode::kList) {
    for (const auto& c : block.custom_columns) {
      CSB_ASSIGN_OR_RETURN(size_t i, locate(c));
      m->custom_.push_back({columns[i].name, i});
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

bool BlockMapper::map_row(const connector::Batch& in, size_t row, connector::Batch& out, RowError& error) const {
  // Text arrives as UTF-8: the connector decoded declared legacy encodings (config::open_source).

  // The legacy key first: every reject names it.
  std::string key = block_.key_prefix;
  for (size_t k = 0; k < key_columns_.size(); ++k) {
    if (in.is_null(row, key_columns_[k])) {
      error = {"", block_.key[k], "no_key", block_.display() + ": legacy key column '" + block_.key[k] + "' is NULL"};
      return false;
    }
    if (k) key += '|';
    key += in.get(row, key_columns_[k]);
  }
  auto fail = [&](const std::string& field, std::string code, std::string message) {
    error = {key, field, std::move(code), block_.entity + "." + field + ": " + message};
    return false;
  };

  std::vector<Value> values;
  values.reserve(plans_.size());
  // on_error: null fields: name, value, and whether the field's own masking was applied to it.
  struct Invalid {
    std::string name;
    std::optional<std::string> value;
    bool masked = false;
  };
  std::vector<Invalid> invalid;
  std::vector<Value> inputs;
  for (const auto& plan : plans_) {
    const FieldMapping& f = *plan.mapping;
    Value v;
    if (f.kind == SourceKind::kValue) {
      v = f.value;
    } else {
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
          if (raw && plan.mask == MaskAction::kDrop) break;
          bool masked = false;
          if (raw && plan.masker) {
            Value mv(std::move(*raw));
            transform::StepResult m = plan.masker->apply(std::span<const Value>(&mv, 1), plan.context);
            raw = m.ok() && m.value() ? *m.value() : std::string(utf8_length(*mv), '*');
            masked = true;
          }
          invalid.push_back({f.field + "_invalid", std::move(raw), masked});
          break;
        }
        if (!r.ok()) return fail(f.field, r.error().code, r.error().message);
        v = std::move(r.value());
      }
    }
    if ((!v || v->empty()) && f.default_value) v = f.default_value;
    if (v && f.lookup) {
      v = plan.lookup_prefix + *v;
    } else if (v && f.cs) {
      if (plan.conversion) {
        transform::StepResult r = plan.conversion->apply(std::span<const Value>(&v, 1), plan.context);
        if (!r.ok()) return fail(f.field, r.error().code, r.error().message);
        v = std::move(r.value());
      }
      if (v && f.cs->type == model::FieldType::kEnum &&
          std::find(f.cs->values.begin(), f.cs->values.end(), *v) == f.cs->values.end()) {
        return fail(f.field, "bad_value", "value is not one of " + util::join(f.cs->values, ", "));
      }
      if (v && f.cs->type == model::FieldType::kJson && !nlohmann::json::accept(*v)) {
        return fail(f.field, "bad_value", "value is not valid JSON");
      }
      if (v && plan.mask == MaskAction::kDrop) v.reset();
      if (v && plan.masker) {
        transform::StepResult r = plan.masker->apply(std::span<const Value>(&v, 1), plan.context);
        if (!r.ok()) return fail(f.field, r.error().code, r.error().message);
        v = std::move(r.value());
      }
      if (v && v->find('\0') != std::string::npos) return fail(f.field, "nul_byte", "value holds a NUL byte");
      if (v && f.cs->max_length > 0 && utf8_length(*v) > static_cast<size_t>(f.cs->max_length)) {
        return fail(f.field, "too_long",
                    "value is " + std::to_string(utf8_length(*v)) + " characters, more than the " +
                        std::to_string(f.cs->max_length) + " allowed");
      }
    }
    if (!v && f.cs && f.cs->required) return fail(f.field, "required_missing", "required but empty");
    values.push_back(std::move(v));
  }

  std::optional<std::string> custom;
  if (custom_output_ && (!custom_.empty() || !invalid.empty())) {
    MaskAction action = action_for(settings_.masking, model::PiiClass::kFreeText);
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    bool any = false;
    std::vector<Invalid> entries;
    for (const auto& [name, i] : custom_) {
      if (in.is_null(row, i)) entries.push_back({name, std::nullopt});
      else entries.push_back({name, std::string(in.get(row, i))});
    }
    entries.insert(entries.end(), invalid.begin(), invalid.end());
    for (auto& [name, cell, masked] : entries) {
      if (!cell) {
        object[name] = nullptr;
        continue;
      }
      std::string value = std::move(*cell);
      if (value.find('\0') != std::string::npos) return fail("custom", "nul_byte", "column '" + name + "' holds a NUL byte");
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
    if (any) custom = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  out.append(key);
  for (auto& v : values) {
    if (v) out.append(*v);
    else out.append_null();
  }
  if (custom_output_) {
    if (custom) out.append(*custom);
    else out.append_null();
  }
  return true;
}

}  // namespace csbridge::mapping
