#include "mapping/suggest_scoring.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "assess/entity_fit.h"
#include "assess/name_tokens.h"
#include "mapping/suggest_plan.h"
#include "mapping/suggest_vocabulary.h"
#include "util/strings.h"

namespace csbridge::mapping::suggest_detail {

using assess::ColumnProfile;
using assess::Relationship;
using assess::TableAssessment;

NameMatch name_match(const ColumnProfile& c, std::string_view field, const std::string& stripped) {
  std::vector<std::string> words = assess::name_tokens(c.name);
  if (!stripped.empty() && words.size() > 1 && words.front() == stripped) words.erase(words.begin());
  NameMatch best;
  auto consider = [&best](double score, std::string reason) {
    if (score > best.score) best = {score, std::move(reason)};
  };
  std::vector<std::string> field_words = assess::name_tokens(field);
  if (words == field_words) consider(kExactNameScore, "named like the field");
  for (std::string_view syn : assess::field_synonyms(field)) {
    if (is_cjk_word(syn)) {
      if (c.name.find(syn) != std::string::npos) consider(kCjkNameScore, "'" + std::string(syn) + "' in the name");
      continue;
    }
    std::vector<std::string> syn_words = assess::name_tokens(syn);
    if (words == syn_words) consider(kSynonymNameScore, "name is a synonym ('" + std::string(syn) + "')");
    else if (contains_words(words, syn_words)) consider(kPartialNameScore, "name contains '" + std::string(syn) + "'");
  }
  if (contains_words(words, field_words)) consider(kPartialNameScore, "name contains '" + std::string(field) + "'");
  return best;
}

bool is_observed(const ColumnProfile& c, std::initializer_list<std::string_view> types) {
  return std::find(types.begin(), types.end(), c.observed_type) != types.end();
}

// How well the column's values fit the field's type: nullopt when they cannot.
std::optional<NameMatch> type_fit(const ColumnProfile& c, const model::Field& f) {
  using model::FieldType;
  using connector::ValueType;
  if (c.observed_type == "binary" || c.type == ValueType::kBinary) {
    return std::nullopt;
  }
  if (c.observed_type == "empty") return NameMatch{-kTypeAgrees, "holds no values"};
  std::string seen = c.observed_type.empty() ? std::string("values not profiled") : "observed " + c.observed_type;
  if (c.observed_type.empty()) return NameMatch{0, seen};
  bool numeric = is_observed(c, {"integer"});
  bool temporal = is_observed(c, {"date", "timestamp"}) || c.type == ValueType::kTimestamp ||
                  c.type == ValueType::kTimestampTz || c.type == ValueType::kDate;
  switch (f.type) {
    case FieldType::kString:
    case FieldType::kText:
      if (is_observed(c, {"text", "phone", "email", "national_id"})) return NameMatch{kTypeAgrees, seen};
      return NameMatch{kTypeAccepts, seen};
    case FieldType::kInteger:
    case FieldType::kBigint:
      if (numeric) return NameMatch{kTypeAgrees, seen};
      return std::nullopt;
    case FieldType::kDecimal:
      if (numeric || is_observed(c, {"decimal"})) return NameMatch{kTypeAgrees, seen};
      return std::nullopt;
    case FieldType::kBoolean:
      if (c.type == ValueType::kBoolean || is_observed(c, {"boolean"})) return NameMatch{kTypeAgrees, seen};
      if (numeric || is_observed(c, {"text"})) return NameMatch{kTypeAccepts, seen};
      return std::nullopt;
    case FieldType::kDate:
    case FieldType::kTimestamp:
      if (temporal) return NameMatch{kTypeAgrees, seen};
      return std::nullopt;
    case FieldType::kEnum:
      if (numeric || is_observed(c, {"text", "boolean"})) return NameMatch{kTypeAccepts, seen};
      return std::nullopt;
    case FieldType::kJson:
      if (is_observed(c, {"text"})) return NameMatch{kTypeAccepts, seen};
      return std::nullopt;
    case FieldType::kId:
      if (numeric || is_observed(c, {"text"})) return NameMatch{kTypeAccepts, seen};
      return std::nullopt;
  }
  return std::nullopt;
}

const assess::PiiHit* strong_whole_pii(const ColumnProfile& c) {
  for (const assess::PiiHit& h : c.pii) {
    if (!h.embedded && h.ratio >= kStrongPiiRatio) return &h;
  }
  return nullptr;
}

bool is_specific_pii(model::PiiClass p) { return p != model::PiiClass::kNone && p != model::PiiClass::kFreeText; }

// Detectors that rarely miss: a phone field whose column shows no phones is suspect.
bool pii_detector_reliable(model::PiiClass p) {
  return p == model::PiiClass::kPhone || p == model::PiiClass::kEmail || p == model::PiiClass::kNationalId ||
         p == model::PiiClass::kBankCard;
}

NameMatch pii_fit(const ColumnProfile& c, const model::Field& f) {
  const assess::PiiHit* hit = strong_whole_pii(c);
  if (is_specific_pii(f.pii)) {
    for (const assess::PiiHit& h : c.pii) {
      if (!h.embedded && h.pii == f.pii && h.ratio >= kStrongPiiRatio) {
        return {kPiiAgrees, "holds " + std::string(model::pii_class_name(h.pii)) + " values (" +
                                std::to_string(static_cast<int>(std::lround(h.ratio * 100))) + "%)"};
      }
    }
    if (hit) return {kPiiDisagrees, "but holds " + std::string(model::pii_class_name(hit->pii)) + " values"};
    if (pii_detector_reliable(f.pii) && !c.observed_type.empty()) {
      return {kPiiDisagrees, "no " + std::string(model::pii_class_name(f.pii)) + " values detected"};
    }
    return {};
  }
  if (hit && pii_detector_reliable(hit->pii)) {
    return {kPiiDisagrees, "but holds " + std::string(model::pii_class_name(hit->pii)) + " values"};
  }
  return {};
}

void finish_candidate(Candidate& c) {
  c.rank = c.score + kFillTieBreak * (1 - c.column->null_ratio);
  if (c.column->null_ratio >= kMostlyEmptyRatio) {
    c.score += kMostlyEmpty;
    c.rank += kMostlyEmpty;
    c.reasons.push_back(std::to_string(static_cast<int>(std::lround(c.column->null_ratio * 100))) + "% NULL");
  }
}

const ColumnProfile* column_of(const TableAssessment& t, std::string_view name) {
  for (const ColumnProfile& c : t.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

namespace {

std::string percent(double ratio) {
  return util::format_double(std::round(ratio * 1000) / 10) + "%";
}

std::string relationship_reason(const Relationship& r, const TablePlan& parent) {
  std::string s = "refers to " + r.ref_table + "." + util::join(r.ref_columns, ",") + " (" + parent.entity->name + ")";
  if (r.declared) return s + ", a declared foreign key";
  s += ", inferred";
  if (r.orphans > 0) s += "; " + std::to_string(r.orphans) + " values (" + percent(r.orphan_ratio) + ") have no parent";
  return s;
}

}  // namespace

std::vector<Candidate> Suggester::reference_candidates(const BlockPlan& b, const model::Field& f) {
  const TableAssessment& t = *b.table->table;
  std::vector<Candidate> out;
  if (b.branch) {
    const Relationship& r = *b.branch->relationship;
    if (b.branch->parent->entity->name == f.references) {
      const ColumnProfile* c = column_of(t, r.columns.front());
      if (c) {
        Candidate cand{c, kReferenceBase + kReferenceWeight * r.confidence, 0, {}, &r};
        cand.reasons.push_back("in rows where " + r.type_column + " = '" + r.type_value + "', " + c->name + " " +
                               relationship_reason(r, *b.branch->parent));
        out.push_back(std::move(cand));
      }
    }
  }
  std::set<std::string> related;  // columns with a relationship to anything
  for (const Relationship& r : t.foreign_keys) {
    if (r.columns.size() == 1) related.insert(r.columns.front());
  }
  for (const Relationship& r : t.foreign_keys) {
    if (r.polymorphic || r.columns.size() != 1) continue;
    const TablePlan* parent = plans_.find(r.ref_table, f.references);
    if (!parent) continue;
    const ColumnProfile* c = column_of(t, r.columns.front());
    if (!c) continue;
    Candidate cand{c, kReferenceBase + kReferenceWeight * r.confidence, 0, {}, &r};
    cand.reasons.push_back(c->name + " " + relationship_reason(r, *parent));
    NameMatch n = name_match(*c, f.name, b.table->stripped_prefix);
    if (n.score > 0) {
      cand.score += kReferenceNameBonus;
      cand.reasons.push_back(n.reason);
    }
    out.push_back(std::move(cand));
  }
  for (const ColumnProfile& c : t.columns) {
    if (related.count(c.name)) continue;
    NameMatch n = name_match(c, f.name, b.table->stripped_prefix);
    if (n.score <= 0) continue;
    auto fit = type_fit(c, f);
    if (!fit) continue;
    Candidate cand{&c, kUnconfirmedReference + n.score / 2, 0, {}, nullptr};
    cand.reasons.push_back(n.reason + "; no relationship to a " + f.references + " table was found to confirm it");
    out.push_back(std::move(cand));
  }
  return out;
}

std::vector<Candidate> Suggester::candidates(const BlockPlan& b, const model::Field& f) {
  std::vector<Candidate> out;
  if (!f.references.empty()) {
    out = reference_candidates(b, f);
  } else {
    const TableAssessment& t = *b.table->table;
    for (const ColumnProfile& c : t.columns) {
      NameMatch n = name_match(c, f.name, b.table->stripped_prefix);
      NameMatch p = pii_fit(c, f);
      bool pii_only = n.score == 0 && is_specific_pii(f.pii) && p.score > 0;
      if (n.score == 0 && !pii_only) continue;
      auto fit = type_fit(c, f);
      if (!fit) continue;
      Candidate cand{&c, (pii_only ? kPiiOnlyScore : n.score) + fit->score + p.score, 0, {}, nullptr};
      cand.reasons.push_back(pii_only ? "no name match" : n.reason);
      cand.reasons.push_back(fit->reason);
      if (!p.reason.empty()) cand.reasons.push_back(p.reason);
      out.push_back(std::move(cand));
    }
  }
  for (Candidate& c : out) finish_candidate(c);
  std::stable_sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) { return a.rank > b.rank; });
  return out;
}

void Suggester::set_lookup(FieldChoice& choice, const Relationship* r, const TablePlan* parent) {
  choice.lookup_entity = choice.field->references;
  if (!r || !parent) return;
  choice.lookup_prefix = parent->key_prefix;
  if (r->orphans > 0) {
    // A parent deleted long ago: an optional reference keeps the row without it, a required one cannot.
    choice.orphans_to_null = !choice.field->required;
    choice.notes.push_back(choice.orphans_to_null
                               ? "orphans: null keeps the rows whose parent is gone, without " + choice.field->name +
                                     "; remove it to reject them instead"
                               : "rows whose parent is gone are rejected: " + choice.field->name + " is required");
  }
  if (parent->key.empty() || r->ref_columns == parent->key) return;
  // The crosswalk knows the parent by its block key: a reference to another column cannot resolve.
  choice.kind = FieldChoice::Kind::kTodo;
  choice.todo = choice.columns.front() + " refers to " + r->ref_table + "." + util::join(r->ref_columns, ",") +
                " but " + parent->entity->name + " is keyed by " + util::join(parent->key, ",") + ": key that block by " +
                util::join(r->ref_columns, ",") + ", or translate in a `query:` joining " + r->ref_table;
}

bool Suggester::constant_for(const BlockPlan& b, const model::Field& f, FieldChoice& choice) {
  const TableAssessment& t = *b.table->table;
  const std::string& entity = b.table->entity->name;
  choice.kind = FieldChoice::Kind::kValue;
  if (entity == "business_ref" && f.name == "kind") {
    if (auto m = match_enum_value(t.ref.name, f.values)) {
      choice.value = m->value;
      choice.confidence = m->confidence * 0.85;
      choice.reason = "table name " + t.ref.name + ": " + m->reason;
      return true;
    }
  }
  if (entity == "satisfaction_rating" && (f.name == "scale_min" || f.name == "scale_max")) {
    // The observed range of the score column gives the scale (and the kind).
    const ColumnProfile* score = nullptr;
    for (const ColumnProfile& c : t.columns) {
      if (!score && name_match(c, "score", b.table->stripped_prefix).score > 0 && c.min && c.max) score = &c;
    }
    if (score) {
      choice.value = f.name == "scale_min" ? *score->min : *score->max;
      choice.confidence = 0.7;
      choice.reason = "the observed range of " + score->name + " is " + *score->min + ".." + *score->max;
      return true;
    }
  }
  if (entity == "satisfaction_rating" && f.name == "kind") {
    for (const ColumnProfile& c : t.columns) {
      if (name_match(c, "score", b.table->stripped_prefix).score == 0 || !c.min || !c.max) continue;
      std::string range = *c.min + ".." + *c.max;
      if (range == "0..10") choice.value = "nps";
      else if (range == "1..5" || range == "1..3" || range == "0..1") choice.value = "csat";
      else continue;
      choice.confidence = 0.7;
      choice.reason = c.name + " ranges " + range + ", the scale of " + choice.value;
      return true;
    }
  }
  for (const Constant& k : constants()) {
    if (k.entity == entity && k.field == f.name) {
      choice.value = std::string(k.value);
      choice.confidence = k.confidence;
      choice.reason = std::string(k.reason);
      return true;
    }
  }
  choice.kind = FieldChoice::Kind::kColumn;
  return false;
}

// What a person needs to fill a required field without a source: why there is
// none and what could serve.
std::string Suggester::missing_reason(const BlockPlan& b, const model::Field& f, const std::vector<FieldChoice>& done) {
  const TableAssessment& t = *b.table->table;
  std::vector<std::string> hints;
  if (b.branch && !f.references.empty() && b.branch->parent->entity->name != f.references) {
    const Relationship& r = *b.branch->relationship;
    hints.push_back("in these rows " + r.columns.front() + " names a " + b.branch->parent->entity->name + " (" +
                    r.ref_table + "), not a " + f.references + ": take the " + f.references + " from it in a `query:` joining " +
                    r.ref_table);
  }
  if (!f.references.empty()) {
    // The link may be held the other way round: a column of the other table pointing here.
    for (const TablePlan& other : plans_.tables) {
      if (other.entity->name != f.references) continue;
      for (const Relationship& r : other.table->foreign_keys) {
        const TablePlan* target = plans_.find(r.ref_table);
        if (target != b.table || r.columns.size() != 1) continue;
        hints.push_back(other.table->ref.display() + "." + r.columns.front() + " refers to " + r.ref_table + "." +
                        util::join(r.ref_columns, ",") + ": map " + b.table->entity->name + " from " +
                        other.table->ref.display() + " (one row per " + other.entity->name + " whose " + r.columns.front() +
                        " is set) or join both in a `query:`");
      }
    }
  }
  const std::string kind_suffix = "_kind";
  if (f.type == model::FieldType::kEnum && f.name.size() > kind_suffix.size() &&
      f.name.compare(f.name.size() - kind_suffix.size(), kind_suffix.size(), kind_suffix) == 0) {
    std::string stem = f.name.substr(0, f.name.size() - kind_suffix.size()) + "_";
    for (const FieldChoice& d : done) {
      if (d.field->name.rfind(stem, 0) == 0 && !d.field->references.empty() && d.kind == FieldChoice::Kind::kColumn) {
        hints.push_back(d.field->name + " comes from " + d.columns.front() + ": derive " + f.name +
                        " from it (a `map` of its special values, e.g. a system user, with `else`) or set a constant of " +
                        util::join(f.values, "|"));
      }
    }
  }
  for (const ColumnProfile& c : t.columns) {
    NameMatch n = name_match(c, f.name, b.table->stripped_prefix);
    if (n.score > 0 && !type_fit(c, f)) {
      hints.push_back(c.name + " is named like it but holds " + (c.observed_type.empty() ? "unprofiled" : c.observed_type) +
                      " values");
    }
  }
  std::string what = f.type == model::FieldType::kEnum ? " (one of " + util::join(f.values, "|") + ")" : "";
  std::string s = "required " + std::string(model::field_type_name(f.type)) + what + ": no column of " +
                  t.ref.display() + " looks like " + f.name;
  if (!hints.empty()) s += "; " + util::join(hints, "; ");
  return s;
}

// A field the block's rows give whatever the column names say (TablePlan::forced_*).
bool forced_choice(const TablePlan& p, const model::Field& f, FieldChoice& choice) {
  if (auto v = p.forced_values.find(f.name); v != p.forced_values.end()) {
    choice.kind = FieldChoice::Kind::kValue;
    choice.value = v->second;
    choice.confidence = 0.7;
    choice.reason = p.forced_reason;
    return true;
  }
  auto c = p.forced_columns.find(f.name);
  if (c == p.forced_columns.end()) return false;
  choice.kind = FieldChoice::Kind::kColumn;
  choice.columns = {c->second};
  choice.confidence = 0.8;
  choice.reason = p.forced_reason;
  if (auto m = p.forced_maps.find(f.name); m != p.forced_maps.end()) {
    choice.steps.add(0, "- map:");
    choice.steps.add(4, "values:");
    for (const auto& [from, to] : m->second) choice.steps.add(6, yaml_scalar(from) + ": " + yaml_scalar(to));
    choice.has_steps = true;
    if (f.name == "score") choice.notes.push_back("the words of a five-point scale, 5 the most satisfied");
  }
  return true;
}

Result<FieldChoice> Suggester::choose(const BlockPlan& b, const model::Field& f) {
  const TableAssessment& t = *b.table->table;
  FieldChoice choice;
  choice.field = &f;
  // Name/value rows, messages and changes: what the rows are gives the field.
  if (forced_choice(*b.table, f, choice)) return choice;
  // The other kinds of a split reference belong to the other blocks.
  if (b.branch && !f.references.empty() && !f.required) {
    for (const Relationship* o : b.other_branches) {
      const TablePlan* parent = plans_.find(o->ref_table);
      if (parent && parent->entity->name == f.references && b.branch->parent->entity->name != f.references) {
        choice.kind = FieldChoice::Kind::kLeftOut;
        choice.reason = "the " + o->type_column + " = '" + o->type_value + "' block maps it";
        return choice;
      }
    }
  }
  std::vector<Candidate> cands = candidates(b, f);
  // Address parts in several columns (province, city, district, street): joined.
  if (f.pii == model::PiiClass::kAddress && !cands.empty()) {
    std::vector<const Candidate*> parts;
    for (const Candidate& c : cands) {
      if (c.reasons.front() == "no name match") parts.push_back(&c);
    }
    if (parts.size() == cands.size() && parts.size() > 1) {
      choice.kind = FieldChoice::Kind::kColumns;
      for (const ColumnProfile& c : t.columns) {
        for (const Candidate* p : parts) {
          if (p->column == &c) choice.columns.push_back(c.name);
        }
      }
      choice.confidence = kMinFieldConfidence + kTypeAccepts;
      choice.reason = "no address column; " + util::join(choice.columns, ", ") +
                      " hold address parts: joined in table order";
      choice.steps.add(0, "- concat: \"\"");
      choice.has_steps = true;
      return choice;
    }
  }
  if (cands.empty() || cands.front().score < kMinFieldConfidence) {
    if (f.required && constant_for(b, f, choice)) return choice;
    if (!f.required) {
      choice.kind = FieldChoice::Kind::kLeftOut;
      return choice;
    }
    choice.kind = FieldChoice::Kind::kTodo;
    choice.unsourced = true;
    for (const Candidate& c : cands) {
      choice.notes.push_back("weak candidate " + c.column->name + " (" + conf(c.score) + "): " + util::join(c.reasons, "; "));
    }
    return choice;
  }
  const Candidate& best = cands.front();
  double confidence = std::min(kMaxConfidence, best.score);
  if (cands.size() > 1 && cands[1].score >= kMinFieldConfidence) {
    double gap = best.rank - cands[1].rank;
    if (gap < kAmbiguityGap) confidence -= kAmbiguityGap - gap;
    std::vector<std::string> alts;
    for (size_t i = 1; i < cands.size(); ++i) {
      if (cands[i].score >= kMinFieldConfidence) {
        alts.push_back(cands[i].column->name + " " + conf(std::min(kMaxConfidence, cands[i].score)));
      }
    }
    choice.notes.push_back("also possible: " + util::join(alts, ", ") +
                           (gap < kAmbiguityGap ? " (so close that the choice is less sure; " + best.column->name +
                                                      " has fewer NULLs)"
                                                : ""));
  }
  choice.kind = FieldChoice::Kind::kColumn;
  choice.columns = {best.column->name};
  choice.confidence = confidence;
  choice.reason = util::join(best.reasons, "; ");
  const ColumnProfile& c = *best.column;
  if (!f.references.empty()) {
    set_lookup(choice, best.relationship,
               best.relationship ? plans_.find(best.relationship->ref_table, f.references) : nullptr);
    if (f.references == b.table->entity->name && choice.kind == FieldChoice::Kind::kColumn && !choice.orphans_to_null) {
      // A self-reference resolves once the entity's rows are in: its orphans can only become NULL.
      choice.orphans_to_null = true;
      choice.notes.push_back(f.name + " refers to another " + f.references +
                             ": set once all of them are in; orphans: null leaves it empty where that one never loads");
    }
    return choice;
  }
  switch (f.type) {
    case model::FieldType::kEnum:
      CSB_RETURN_IF_ERROR(add_enum_steps(t, c, choice));
      break;
    case model::FieldType::kBoolean:
      CSB_RETURN_IF_ERROR(add_boolean_steps(t, c, choice));
      break;
    case model::FieldType::kTimestamp:
    case model::FieldType::kDate:
      add_time_steps(t, c, choice);
      break;
    default:
      break;
  }
  if (f.pii == model::PiiClass::kPhone && (c.observed_type == "phone" || pii_fit(c, f).score > 0)) {
    choice.steps.add(0, "- phone");
    choice.has_steps = true;
    for (const assess::Finding& fd : t.findings) {
      if (fd.kind == "invalid_phone" && fd.column == c.name) {
        choice.notes.push_back(std::to_string(fd.count) + " values are not valid phone numbers: `phone` rejects their rows "
                               "(bad_value); clean them, or drop the step to copy them as entered");
      }
    }
  }
  if (f.type == model::FieldType::kString && f.max_length > 0 && c.max_length > f.max_length) {
    choice.notes.push_back("longest value " + std::to_string(c.max_length) + " characters > max_length " +
                           std::to_string(f.max_length) + ": those rows are rejected (too_long); add `truncate: " +
                           std::to_string(f.max_length) + "` if a cut is acceptable");
  }
  return choice;
}

}  // namespace csbridge::mapping::suggest_detail
