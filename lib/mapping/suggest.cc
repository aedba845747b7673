#include "mapping/suggest.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "assess/name_tokens.h"
#include "mapping/suggest_plan.h"
#include "mapping/suggest_scoring.h"
#include "mapping/suggest_vocabulary.h"
#include "mapping/suggest_writer.h"
#include "util/strings.h"

namespace csbridge::mapping {
namespace suggest_detail {

using assess::ColumnProfile;
using assess::Relationship;
using assess::TableAssessment;

namespace {

constexpr double kKeyPrimary = 0.95;
constexpr double kKeyUnique = 0.85;

constexpr const char* kDefaultSourceName = "legacy";

std::string common_first_word(const TableAssessment& t) {
  if (t.columns.size() < 2) return "";
  std::string first;
  for (const ColumnProfile& c : t.columns) {
    std::vector<std::string> words = assess::name_tokens(c.name);
    if (words.size() < 2) return "";
    if (first.empty()) first = words.front();
    if (words.front() != first) return "";
  }
  return first;
}

}  // namespace

void choose_key(TablePlan& p) {
  const TableAssessment& t = *p.table;
  if (!t.primary_key.empty()) {
    p.key = t.primary_key;
    p.key_confidence = kKeyPrimary;
    p.key_reason = "the primary key of " + t.ref.display();
    return;
  }
  // No primary key declared (RT's Users on SQLite): a column named id whose values the data shows unique and
  // never NULL is what other tables refer to, before a unique key (Users.Name).
  for (const ColumnProfile& c : t.columns) {
    constexpr double kEstimateSlack = 0.97;  // HyperLogLog's estimate of a unique column's distinct values
    const bool unique = c.distinct_exact ? c.distinct == c.values
                                         : static_cast<double>(c.distinct) >= kEstimateSlack * static_cast<double>(c.values);
    if (util::equals_icase(c.name, "id") && unique && c.nulls == 0 && c.values > 0) {
      p.key = {c.name};
      p.key_confidence = kKeyUnique;
      p.key_reason = "column " + c.name + " of " + t.ref.display() +
                     ": no primary key is declared, and its values are never NULL and " +
                     (c.distinct_exact ? "unique" : "about as many distinct as rows (an estimate)") + " in the data";
      return;
    }
  }
  const std::vector<std::string>* best = nullptr;
  for (const std::vector<std::string>& u : t.unique_keys) {
    if (!best || u.size() < best->size()) best = &u;
  }
  if (best) {
    p.key = *best;
    p.key_confidence = kKeyUnique;
    p.key_reason = "a unique key of " + t.ref.display() + " (it declares no primary key)";
  }
}

Result<const DistinctValues*> ValueReader::distinct(const TableAssessment& t, const std::string& column) {
  std::string id = t.ref.display() + "\x1f" + column;
  auto it = cache_.find(id);
  if (it != cache_.end()) return &it->second;
  CSB_ASSIGN_OR_RETURN(DistinctValues out, distinct_where(t, column, ""));
  return &cache_.emplace(id, std::move(out)).first->second;
}

Result<DistinctValues> ValueReader::distinct_where(const TableAssessment& t, const std::string& column,
                                                   const std::string& where) {
  std::string what = "reading the values of " + t.ref.display() + "." + column;
  connector::ReadRequest req;
  req.table = t.ref;
  req.columns = {column};
  req.where = where;
  req.limit = kMaxSuggestScanRows;
  req.batch_rows = kReadBatchRows;
  auto reader = db_.read(req);
  if (!reader.is_ok()) return reader.status().with_context(what);
  std::map<std::string, int64_t> counts;
  DistinctValues out;
  int64_t rows = 0;
  connector::Batch batch;
  for (;;) {
    auto more = (*reader)->next(batch);
    if (!more.is_ok()) return more.status().with_context(what);
    if (!*more) break;
    for (size_t r = 0; r < batch.rows(); ++r, ++rows) {
      if (batch.is_null(r, 0)) continue;
      std::string v(batch.get(r, 0));
      auto c = counts.find(v);
      if (c != counts.end()) {
        ++c->second;
      } else if (counts.size() < kMaxSuggestDistinctValues) {
        counts.emplace(std::move(v), 1);
      } else {
        out.truncated = true;
      }
    }
  }
  if (rows >= kMaxSuggestScanRows) out.truncated = true;
  for (auto& [v, n] : counts) out.values.push_back({v, n});
  std::stable_sort(out.values.begin(), out.values.end(),
                   [](const ValueCount& a, const ValueCount& b) { return a.rows > b.rows; });
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ValueReader::pairs(const TableAssessment& t,
                                                                             const std::string& first,
                                                                             const std::string& second, int64_t limit) {
  std::string what = "reading " + t.ref.display() + "." + first + " and ." + second;
  connector::ReadRequest req;
  req.table = t.ref;
  req.columns = {first, second};
  req.limit = limit;
  req.batch_rows = kReadBatchRows;
  auto reader = db_.read(req);
  if (!reader.is_ok()) return reader.status().with_context(what);
  std::vector<std::pair<std::string, std::string>> out;
  connector::Batch batch;
  for (;;) {
    auto more = (*reader)->next(batch);
    if (!more.is_ok()) return more.status().with_context(what);
    if (!*more) break;
    for (size_t r = 0; r < batch.rows(); ++r) {
      if (batch.is_null(r, 0) || batch.is_null(r, 1)) continue;
      out.emplace_back(std::string(batch.get(r, 0)), std::string(batch.get(r, 1)));
    }
  }
  return out;
}

void Suggester::plan_tables() {
  std::map<std::string, int> tables_per_entity;
  for (const TableAssessment& t : assessment_.tables) {
    const model::Entity* e = t.entity.name.empty() ? nullptr : model_.entity(t.entity.name);
    if (t.profiled && t.rows == 0) {  // nothing to migrate: a block would only hold TODOs
      rejected_.push_back(t.ref.display() + " (no rows)");
      continue;
    }
    {
      // A cache (RT's CachedGroupMembers) is derived from other tables the application rebuilds it from.
      const std::vector<std::string> words = assess::name_tokens(t.ref.name);
      if (words.size() > 1 && (words.front() == "cached" || words.front() == "cache")) {
        rejected_.push_back(t.ref.display() + " (a cache of other tables)");
        continue;
      }
    }
    if (!e || t.entity.confidence < kMinSuggestEntityConfidence) {
      rejected_.push_back(t.ref.display() + (t.entity.name.empty() ? "" : " (" + t.entity.name + " " +
                                                                               conf(t.entity.confidence) + ")"));
      continue;
    }
    TablePlan p;
    p.table = &t;
    p.entity = e;
    choose_key(p);
    p.stripped_prefix = common_first_word(t);
    plans_.tables.push_back(std::move(p));
    ++tables_per_entity[e->name];
  }
  for (TablePlan& p : plans_.tables) {
    if (tables_per_entity[p.entity->name] > 1) p.key_prefix = p.table->ref.name + ":";
  }
  plan_people_split();
}

// A polymorphic reference (type column + id column) whose parents hold
// entities this entity references is split into one block per parent kind,
// each with `where: type_column = 'kind'`. The kinds partition the rows, so
// the blocks share the table's key space and lookups of this entity by the
// legacy key work whichever block loaded the row.
Result<std::vector<BlockPlan>> Suggester::plan_blocks(const TablePlan& t) {
  std::map<std::string, std::vector<const Relationship*>> splits;  // by "column|type_column"
  for (const Relationship& r : t.table->foreign_keys) {
    if (!r.polymorphic || r.columns.size() != 1 || r.type_column.empty()) continue;
    const TablePlan* parent = plans_.find(r.ref_table);
    if (!parent) continue;
    if (!t.only_branch_to.empty() && parent->entity->name != t.only_branch_to) continue;
    bool referenced = false;
    for (const model::Field& f : t.entity->fields) referenced = referenced || f.references == parent->entity->name;
    if (referenced) splits[r.columns.front() + "|" + r.type_column].push_back(&r);
  }
  if (splits.empty()) return std::vector<BlockPlan>{BlockPlan{&t, std::nullopt, {}, {}}};
  // Several polymorphic pairs in one table: split on the first (by column name), say so.
  auto& [split_id, rels] = *splits.begin();
  // Where some kinds give a required reference (a message's ticket), rows of kinds whose parent
  // neither is nor leads to one cannot be this entity (RT's transactions on users are no messages;
  // attachments of replies are attachments, their reply leads to the ticket): no block of theirs
  // (the TODO below names their rows).
  auto required_refs = [&](const Relationship* r, bool or_leads) {
    const TablePlan* parent = plans_.find(r->ref_table);
    return std::any_of(t.entity->fields.begin(), t.entity->fields.end(), [&](const model::Field& f) {
      if (!f.required || f.references.empty()) return false;
      if (f.references == parent->entity->name) return true;
      return or_leads && std::any_of(parent->entity->fields.begin(), parent->entity->fields.end(),
                                     [&](const model::Field& pf) { return pf.references == f.references; });
    });
  };
  if (std::any_of(rels.begin(), rels.end(), [&](const Relationship* r) { return required_refs(r, false); })) {
    rels.erase(std::remove_if(rels.begin(), rels.end(), [&](const Relationship* r) { return !required_refs(r, true); }),
               rels.end());
  }
  std::sort(rels.begin(), rels.end(), [](const Relationship* a, const Relationship* b) { return a->type_value < b->type_value; });
  std::vector<BlockPlan> out;
  for (const Relationship* r : rels) {
    BlockPlan b{&t, Branch{r, plans_.find(r->ref_table)}, {}, {}};
    for (const Relationship* o : rels) {
      if (o != r) b.other_branches.push_back(o);
    }
    out.push_back(std::move(b));
  }
  const Relationship& first = *rels.front();
  if (!t.only_branch_to.empty()) return out;  // rows of the one kind its where: selects
  std::vector<std::string> kinds;
  for (const Relationship* r : rels) kinds.push_back("'" + r->type_value + "' → " + r->ref_table);
  std::vector<std::string>& h = out.front().header;
  h.push_back(first.type_column + " + " + first.columns.front() + " is a polymorphic reference (" +
              util::join(kinds, ", ") + "): one block per kind, split with `where:`.");
  h.push_back("The kinds do not overlap, so the blocks share the key space of " + t.table->ref.display() +
              " (no key_prefix of their own) and lookups of " + t.entity->name + " by that key work for every row.");
  // Rows of a kind no block takes are filtered out: say which.
  auto seen = values_.distinct(*t.table, first.type_column);
  if (!seen.is_ok()) return seen.status();
  std::vector<std::string> uncovered;
  for (const ValueCount& v : (*seen)->values) {
    bool covered = std::any_of(rels.begin(), rels.end(), [&v](const Relationship* r) { return r->type_value == v.value; });
    if (!covered) uncovered.push_back("'" + v.value + "' (" + rows_text(v.rows) + ")");
  }
  if ((*seen)->truncated) uncovered.push_back("and more kinds than were read");
  if (!uncovered.empty()) {
    h.push_back("TODO: rows of the kinds " + util::join(uncovered, ", ") + " match no block and are not migrated: "
                "add a block for them or confirm they may go.");
  }
  if (splits.size() > 1) {
    std::vector<std::string> others;
    for (auto it = std::next(splits.begin()); it != splits.end(); ++it) others.push_back(it->first.substr(0, it->first.find('|')));
    h.push_back("TODO: further polymorphic columns (" + util::join(others, ", ") + ") are not split here: review them.");
  }
  return out;
}

// ---------------------------------------------------------------------------
// Steps: what turns a column's legacy values into the field's (enum maps,
// booleans, timestamps).
namespace {

bool has_pii_values(const ColumnProfile& c) { return strong_whole_pii(c) != nullptr; }

bool all_integers(const std::vector<ValueCount>& values) {
  for (const ValueCount& v : values) {
    std::string_view s = util::trim(v.value);
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); })) {
      return false;
    }
  }
  return !values.empty();
}

// strptime-like format of a value shape ("9999-99-99 99:99:99"), "" when unknown.
std::string time_format(std::string_view shape) {
  static const char* kParts[] = {"%Y", "%m", "%d", "%H", "%M", "%S"};
  std::string out;
  size_t part = 0;
  for (size_t i = 0; i < shape.size();) {
    if (shape[i] != '9') {
      if (std::isalpha(static_cast<unsigned char>(shape[i])) || static_cast<unsigned char>(shape[i]) >= 0x80) return "";
      out += shape[i] == '%' ? "%%" : std::string(1, shape[i]);
      ++i;
      continue;
    }
    size_t j = i;
    while (j < shape.size() && shape[j] == '9') ++j;
    size_t run = j - i;
    if (part == 6 && i > 0 && shape[i - 1] == '.') {
      out += "%f";
      ++part;
    } else if (part == 0) {
      if (run != 4) return "";
      out += kParts[part++];
    } else if (part < 6 && run <= 2) {
      out += kParts[part++];
    } else {
      return "";
    }
    i = j;
  }
  return part >= 3 ? out : "";
}

}  // namespace

Status Suggester::add_enum_steps(const TableAssessment& t, const ColumnProfile& c, FieldChoice& choice) {
  const model::Field& f = *choice.field;
  if (has_pii_values(c)) {
    choice.kind = FieldChoice::Kind::kTodo;
    choice.todo = c.name + " holds personal data, not a vocabulary of " + util::join(f.values, "|") + ": choose another source";
    return Status::ok();
  }
  auto read = values_.distinct(t, c.name);
  if (!read.is_ok()) return read.status();
  const DistinctValues& seen = **read;
  if (seen.values.empty()) {
    choice.kind = FieldChoice::Kind::kTodo;
    choice.todo = c.name + " holds no values: set a constant of " + util::join(f.values, "|");
    return Status::ok();
  }
  // Legacy values with stray spaces: trim first, map the trimmed forms.
  std::vector<ValueCount> values;
  bool trimmed = false;
  for (const ValueCount& v : seen.values) {
    std::string key(util::trim(v.value));
    trimmed = trimmed || key != v.value;
    auto it = std::find_if(values.begin(), values.end(), [&key](const ValueCount& x) { return x.value == key; });
    if (it == values.end()) values.push_back({key, v.rows});
    else it->rows += v.rows;
  }
  struct Entry {
    std::string from, to, comment;
  };
  std::vector<Entry> entries;
  std::vector<std::string> unmatched;
  bool identity = true;
  // Numeric priorities: P1 is the most urgent by the usual convention; the direction is a guess.
  bool ranked = f.name == "priority" && all_integers(values) && values.size() <= f.values.size();
  if (ranked) {
    std::vector<ValueCount> sorted = values;
    std::sort(sorted.begin(), sorted.end(),
              [](const ValueCount& a, const ValueCount& b) { return std::stol(a.value) < std::stol(b.value); });
    // A scale from 0 (RT's default priority 0, "none") grows with urgency; one from 1 is P1 first.
    const bool higher_urgent = std::stol(sorted.front().value) == 0;
    for (size_t i = 0; i < sorted.size(); ++i) {
      entries.push_back({sorted[i].value, higher_urgent ? f.values[i] : f.values[f.values.size() - 1 - i],
                         "0.40: rank " + std::to_string(i + 1) + " of " + std::to_string(sorted.size()) + ", " +
                             rows_text(sorted[i].rows)});
    }
    identity = false;
    choice.confidence = std::min(choice.confidence, 0.4);
    choice.notes.push_back(higher_urgent ? "numeric priorities from 0 mapped by rank, highest number = most urgent (a "
                                           "scale from 0 grows with urgency): check the direction against the legacy system"
                                         : "numeric priorities mapped by rank, lowest number = most urgent (P1 convention): "
                                           "check the direction against the legacy system");
  } else {
    for (const ValueCount& v : values) {
      auto m = match_enum_value(v.value, f.values);
      if (!m) {
        unmatched.push_back(v.value + " (" + rows_text(v.rows) + ")");
        identity = false;
        continue;
      }
      identity = identity && m->value == v.value;
      entries.push_back({v.value, m->value, conf(m->confidence) + ": " + m->reason + ", " + rows_text(v.rows)});
    }
  }
  if (entries.empty()) {
    choice.kind = FieldChoice::Kind::kTodo;
    std::vector<std::string> shown;
    for (const ValueCount& v : values) shown.push_back(v.value);
    choice.todo = "values of " + c.name + " (" + util::join(shown, ", ") + (seen.truncated ? ", …" : "") +
                  ") match none of " + util::join(f.values, "|") + ": write a map";
    return Status::ok();
  }
  if (trimmed) {
    choice.steps.add(0, "- trim");
    choice.notes.push_back("some values carry surrounding spaces: trimmed before the map");
  }
  if (identity && !seen.truncated) {
    choice.notes.push_back("every observed value is already a CS value (" + std::to_string(entries.size()) + " of them)");
    choice.has_steps = trimmed;
    return Status::ok();
  }
  choice.has_steps = true;
  choice.steps.add(0, "- map:");
  choice.steps.add(4, "values:");
  for (const Entry& e : entries) {
    choice.steps.comment(6, e.comment);
    choice.steps.add(6, yaml_scalar(e.from) + ": " + yaml_scalar(e.to));
  }
  bool unsure = !unmatched.empty() || seen.truncated;
  std::string fallback = enum_fallback(f);
  if (unsure) {
    std::string what = unmatched.empty() ? std::string()
                                         : "matched nothing: " + util::join(unmatched, ", ");
    if (seen.truncated) {
      what += std::string(what.empty() ? "" : "; ") + "only the first " + std::to_string(kMaxSuggestDistinctValues) +
              " distinct values were read";
    }
    if (!fallback.empty()) {
      choice.steps.comment(4, "unsure, " + what + " → " + fallback);
      choice.steps.add(4, "else: " + yaml_scalar(fallback));
    } else {
      choice.notes.push_back("TODO " + what + "; those rows are rejected (unmapped_value) until the map lists them");
    }
    choice.confidence = std::min(choice.confidence, 0.6);
  }
  return Status::ok();
}

Status Suggester::add_boolean_steps(const TableAssessment& t, const ColumnProfile& c, FieldChoice& choice) {
  if (c.type == connector::ValueType::kBoolean) return Status::ok();
  auto read = values_.distinct(t, c.name);
  if (!read.is_ok()) return read.status();
  const DistinctValues& seen = **read;
  static const std::set<std::string> kBooleanWords = {"0", "1", "true", "false", "t", "f", "y", "n", "yes", "no", "是", "否"};
  bool castable = !seen.values.empty() && !seen.truncated;
  std::vector<std::string> shown;
  for (const ValueCount& v : seen.values) {
    castable = castable && kBooleanWords.count(util::to_lower(util::trim(v.value))) > 0;
    shown.push_back(v.value);
  }
  choice.has_steps = true;
  if (castable) {
    choice.steps.add(0, "- cast: boolean");
    choice.notes.push_back("values " + util::join(shown, ", ") + " read as booleans");
    return Status::ok();
  }
  if (all_integers(seen.values) && !seen.truncated) {
    // A level (vip_level 0..3) read as a flag: zero is false, any level is true.
    choice.steps.add(0, "- map:");
    choice.steps.add(4, "values:");
    std::vector<ValueCount> sorted = seen.values;
    std::sort(sorted.begin(), sorted.end(), [](const ValueCount& a, const ValueCount& b) { return std::stol(a.value) < std::stol(b.value); });
    for (const ValueCount& v : sorted) {
      choice.steps.add(6, yaml_scalar(v.value) + ": " + (std::stol(v.value) == 0 ? "\"false\"" : "\"true\""));
    }
    choice.confidence = std::min(choice.confidence, 0.5);
    choice.notes.push_back("levels " + util::join(shown, ", ") + " read as a flag: 0 → false, any other → true");
    return Status::ok();
  }
  choice.kind = FieldChoice::Kind::kTodo;
  choice.has_steps = false;
  choice.todo = "values of " + c.name + " (" + util::join(shown, ", ") + (seen.truncated ? ", …" : "") +
                ") are not booleans: write a map to true/false";
  return Status::ok();
}
void Suggester::add_time_steps(const TableAssessment& t, const ColumnProfile& c, FieldChoice& choice) {
  if (c.type == connector::ValueType::kTimestampTz) {
    choice.notes.push_back("values carry their zone");
    return;
  }
  // Formats written out even for typed columns (whose canonical text is fixed): a reviewer sees
  // what is parsed, and text columns often mix several.
  std::vector<std::string> formats;
  bool text = c.type == connector::ValueType::kText || c.type == connector::ValueType::kUnknown;
  for (const assess::PatternCount& p : c.patterns) {
    std::string fmt = time_format(p.pattern);
    if (!fmt.empty() && std::find(formats.begin(), formats.end(), fmt) == formats.end()) formats.push_back(fmt);
  }
  if (formats.empty() && c.type == connector::ValueType::kTimestamp) formats.push_back("%Y-%m-%d %H:%M:%S");
  if (formats.empty() && c.type == connector::ValueType::kDate) formats.push_back("%Y-%m-%d");
  for (const assess::Finding& fd : t.findings) {
    if (fd.kind == "zero_date" && fd.column == c.name) {
      choice.steps.add(0, "- null_if: [\"0000-00-00 00:00:00\", \"0000-00-00\"]");
      choice.notes.push_back(std::to_string(fd.count) + " zero dates become NULL (without null_if they are rejected: zero_date)");
    }
  }
  std::vector<std::string> args;
  if (formats.size() == 1) args.push_back("format: " + yaml_scalar(formats.front()));
  if (formats.size() > 1) args.push_back("format: " + flow_list(formats));
  if (!options_.timezone.empty()) args.push_back("timezone: " + yaml_scalar(options_.timezone));
  choice.steps.add(0, args.empty() ? "- parse_time" : "- parse_time: {" + util::join(args, ", ") + "}");
  choice.has_steps = true;
  std::string zone = options_.timezone.empty() ? "the source's default zone" : options_.timezone;
  choice.notes.push_back(std::string(text ? "text timestamps" : "timestamps") + " without a zone, read as " + zone +
                         (formats.size() > 1 ? "; several formats seen" : ""));
}

// ---------------------------------------------------------------------------
// Writing a block.
Result<Lines> Suggester::write_block(const BlockPlan& b, int& todos) {
  const TablePlan& p = *b.table;
  const TableAssessment& t = *p.table;
  Lines out;
  if (!p.name_value) {
    out.comment(0, t.ref.display() + " (" + std::to_string(t.rows) + (t.rows_exact ? "" : "~") + " rows) → " +
                       p.entity->name + ", confidence " + conf(t.entity.confidence) + ": " +
                       util::join(t.entity.reasons, "; "));
  } else {
    out.comment(0, t.ref.display() + " (" + std::to_string(t.rows) + (t.rows_exact ? "" : "~") + " rows) → " +
                       p.entity->name + ": " + p.forced_reason);
  }
  for (const std::string& h : b.header) out.comment(0, h);
  out.add(0, "entity: " + yaml_scalar(p.entity->name));
  out.add(0, "source: " + yaml_scalar(options_.source_name.empty() ? kDefaultSourceName : options_.source_name));
  out.add(0, "table: " + yaml_scalar(t.ref.display()));
  if (p.key.empty()) {
    out.comment(0, "TODO key: " + t.ref.display() + " has no primary or unique key; add `key:` with the column(s) "
                   "that identify a row (a composite key is a list)");
    ++todos;
  } else {
    out.comment(0, "confidence " + conf(p.key_confidence) + ": " + p.key_reason);
    out.add(0, "key: " + (p.key.size() == 1 ? yaml_scalar(p.key.front()) : flow_list(p.key)));
  }
  if (!p.key_prefix.empty()) {
    out.comment(0, !p.name_value ? "several tables hold " + p.entity->name + ": the prefix keeps their legacy keys apart"
                                            : "the prefix keeps these rows' keys apart from other definitions' rows");
    out.add(0, "key_prefix: " + yaml_scalar(p.key_prefix));
  }
  std::vector<std::string> where;
  if (!p.where.empty()) {
    out.comment(0, p.where_reason);
    where.push_back(b.branch ? "(" + p.where + ")" : p.where);
  }
  if (b.branch) {
    const Relationship& r = *b.branch->relationship;
    where.push_back(sql_identifier(r.type_column) + " = " + sql_literal(r.type_value));
  }
  if (!where.empty()) out.add(0, "where: " + yaml_scalar(util::join(where, " AND ")));
  out.add(0, "fields:");
  std::vector<FieldChoice> chosen;
  std::vector<std::string> unmapped, elsewhere;
  std::set<std::string> used;
  for (const std::string& k : p.key) used.insert(k);
  if (b.branch) used.insert(b.branch->relationship->type_column);
  for (const model::Field& f : p.entity->fields) {
    if (f.provenance || f.name == "id") continue;
    CSB_ASSIGN_OR_RETURN(FieldChoice c, choose(b, f));
    if (c.kind == FieldChoice::Kind::kLeftOut) {
      (c.reason.empty() ? unmapped : elsewhere).push_back(f.name + (c.reason.empty() ? "" : " (" + c.reason + ")"));
      continue;
    }
    chosen.push_back(std::move(c));
  }
  for (FieldChoice& c : chosen) {
    if (c.unsourced) c.todo = missing_reason(b, *c.field, chosen);
    if (c.kind == FieldChoice::Kind::kTodo) ++todos;
    for (const std::string& col : c.columns) used.insert(col);
    write_field(out, c);
  }
  if (!elsewhere.empty()) out.comment(2, "not in these rows: " + util::join(elsewhere, ", "));
  if (!unmapped.empty()) out.comment(2, "not mapped (optional, no source column found): " + util::join(unmapped, ", "));
  std::vector<std::string> rest;
  for (const ColumnProfile& c : t.columns) {
    if (!used.count(c.name)) rest.push_back(c.name);
  }
  if (!rest.empty()) out.comment(0, "into the custom JSON: " + util::join(rest, ", "));
  out.add(0, "custom: rest");
  return out;
}
Result<std::vector<SuggestedFile>> Suggester::run() {
  plan_tables();
  CSB_RETURN_IF_ERROR(plan_name_value_rows());
  CSB_RETURN_IF_ERROR(plan_messages_and_events());
  if (plans_.tables.empty()) {
    return not_found("no table looks like a CS entity with confidence " + conf(kMinSuggestEntityConfidence) +
                     " or more" + (rejected_.empty() ? std::string(" (the source has no tables)") : ": " + util::join(rejected_, ", ")));
  }
  std::vector<SuggestedFile> files;
  for (const model::Entity& e : model_.entities) {
    std::vector<const TablePlan*> tables;
    for (const TablePlan& p : plans_.tables) {
      if (p.entity == &e) tables.push_back(&p);
    }
    if (tables.empty()) continue;
    std::sort(tables.begin(), tables.end(),
              [](const TablePlan* a, const TablePlan* b) { return a->table->ref.display() < b->table->ref.display(); });
    SuggestedFile file;
    file.entity = e.name;
    file.file_name = e.name + ".yaml";
    std::vector<Lines> blocks;
    for (const TablePlan* p : tables) {
      CSB_ASSIGN_OR_RETURN(std::vector<BlockPlan> planned, plan_blocks(*p));
      for (const BlockPlan& b : planned) {
        CSB_ASSIGN_OR_RETURN(Lines block, write_block(b, file.todos));
        blocks.push_back(std::move(block));
      }
    }
    file.text = file_text(e, blocks, assessment_);
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace suggest_detail

Result<std::vector<SuggestedFile>> suggest_mappings(connector::Connector& db, const assess::Assessment& assessment,
                                                    const model::Model& model, const SuggestOptions& options) {
  return suggest_detail::Suggester(db, assessment, model, options).run();
}

}  // namespace csbridge::mapping
