#include "assess/relationships.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>

#include "assess/name_tokens.h"
#include "util/strings.h"

namespace csbridge::assess {
namespace {

// Name evidence, strongest first. Data evidence is added in resolve().
constexpr double kExactTableName = 0.55;    // customer_id → customers.id
constexpr double kLastWordTableName = 0.45;  // group_id → agent_groups.id
constexpr double kSameAsTable = 0.45;        // RT's Tickets.Queue → Queues.id
constexpr double kRoleName = 0.4;            // assignee_id → the agent table
constexpr double kChineseName = 0.45;        // 工单ID → the ticket table
constexpr double kDeclared = 0.6;

// Data evidence by the share of child values without a parent.
struct ContainmentStep {
  double max_orphan_ratio;
  double score;
};
constexpr ContainmentStep kContainment[] = {{0.001, 0.45}, {0.02, 0.4}, {0.1, 0.3}, {0.3, 0.1}};
constexpr double kUnverifiedFactor = 0.8;  // names only: the data was too large or empty
constexpr double kKeepThreshold = 0.45;
constexpr double kMaxConfidence = 0.99;
constexpr size_t kMaxCandidatesPerColumn = 3;
// A type column with more distinct values than this is no polymorphic discriminator.
constexpr size_t kMaxTypes = 64;

struct RoleWord {
  std::string_view word;
  std::string_view entity;
};
constexpr RoleWord kRoles[] = {
    {"assignee", "agent"}, {"owner", "agent"},     {"agent", "agent"},     {"operator", "agent"},
    {"handler", "agent"},  {"changed", "agent"},   {"created", "agent"},   {"updated", "agent"},
    {"leader", "agent"},   {"staff", "agent"},     {"employee", "agent"},  {"closed", "agent"},
    {"customer", "customer"}, {"requester", "customer"}, {"client", "customer"}, {"member", "customer"},
    {"user", "customer"},
};

struct ChineseWord {
  std::string_view word;
  std::string_view entity;
};
constexpr ChineseWord kChinese[] = {
    {"工单", "ticket"}, {"客户", "customer"}, {"用户", "customer"}, {"会员", "customer"},
    {"客服", "agent"},  {"坐席", "agent"},    {"订单", "business_ref"}, {"组", "agent_group"},
};

constexpr std::string_view kKeySuffixes[] = {"id", "no", "code", "key", "num", "sn"};
constexpr std::string_view kTypeSuffixes[] = {"type", "kind", "class", "model", "table"};

bool is_key_suffix(std::string_view w) {
  return std::find(std::begin(kKeySuffixes), std::end(kKeySuffixes), w) != std::end(kKeySuffixes);
}

bool is_type_suffix(std::string_view w) {
  return std::find(std::begin(kTypeSuffixes), std::end(kTypeSuffixes), w) != std::end(kTypeSuffixes);
}

// The column of `parent` a reference by `column` most likely points at: a
// unique column of the same name (orders.order_no), else its one-column key.
std::string parent_key(const connector::TableInfo& parent, const std::string& column) {
  for (const connector::IndexInfo& ix : parent.indexes) {
    if (ix.unique && ix.columns.size() == 1 && util::equals_icase(ix.columns[0], column)) return ix.columns[0];
  }
  if (parent.primary_key.size() == 1) return parent.primary_key[0];
  return "";
}

bool is_own_key(const connector::TableInfo& t, const std::string& column) {
  return t.primary_key.size() == 1 && t.primary_key[0] == column;
}

// A text column cannot reference an integer key and vice versa (ticket_no is no id).
bool compatible(const connector::ColumnInfo& child, const connector::TableInfo& parent, const std::string& key) {
  auto numeric = [](connector::ValueType t) {
    return t == connector::ValueType::kInteger || t == connector::ValueType::kDecimal;
  };
  for (const connector::ColumnInfo& c : parent.columns) {
    if (c.name != key) continue;
    bool known = child.type != connector::ValueType::kUnknown && c.type != connector::ValueType::kUnknown;
    return !known || numeric(child.type) == numeric(c.type);
  }
  return true;
}

std::string table_words(const connector::TableInfo& t) { return util::join(name_tokens(t.ref.name), "_"); }

}  // namespace

uint64_t hash_value(std::string_view value) { return XXH3_64bits(value.data(), value.size()); }

void KeyCollector::add_key(std::string_view value) {
  if (overflowed_) return;
  if (keys_.add(hash_value(value)) > kMaxKeys) {
    overflowed_ = true;
    keys_.clear();
  }
}

bool KeyCollector::contains(std::string_view value) const { return keys_.contains(hash_value(value)); }

void ValueCounter::add(std::string_view value) {
  if (overflowed_ || value.empty()) return;
  if (counts_.add(hash_value(value)) > KeyCollector::kMaxKeys) {
    overflowed_ = true;
    counts_.clear();
  }
}

void ValueCounter::add_typed(std::string_view type, std::string_view value) {
  if (overflowed_ || value.empty()) return;
  auto it = typed_.find(type);
  if (it == typed_.end()) it = typed_.emplace(std::string(type), util::FlatHashCount()).first;
  if (it->second.add(hash_value(value)) > KeyCollector::kMaxKeys || typed_.size() > kMaxTypes) {
    overflowed_ = true;
    typed_.clear();
  }
}

namespace {

int64_t count_orphans(const util::FlatHashCount& counts, const KeyCollector& parent, int64_t& rows) {
  int64_t orphans = 0;
  rows = 0;
  counts.for_each([&](uint64_t hash, int64_t n) {
    rows += n;
    if (!parent.contains_hash(hash)) orphans += n;
  });
  return orphans;
}

}  // namespace

int64_t ValueCounter::orphans(const KeyCollector& parent, int64_t& rows) const {
  return count_orphans(counts_, parent, rows);
}

int64_t ValueCounter::orphans(const std::string& type, const KeyCollector& parent, int64_t& rows) const {
  auto it = typed_.find(type);
  if (it == typed_.end()) {
    rows = 0;
    return 0;
  }
  return count_orphans(it->second, parent, rows);
}

std::vector<std::pair<std::string, int64_t>> ValueCounter::types() const {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& [type, m] : typed_) {
    int64_t n = 0;
    m.for_each([&n](uint64_t, int64_t c) { n += c; });
    out.emplace_back(type, n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

size_t table_for_kind(const std::vector<connector::TableInfo>& tables, std::string_view kind) {
  std::string want = util::join(name_tokens(kind), "_");
  if (want.empty()) return std::string::npos;
  std::vector<std::string> kind_words = name_tokens(kind);
  size_t by_last = std::string::npos;
  for (size_t i = 0; i < tables.size(); ++i) {
    std::vector<std::string> words = name_tokens(tables[i].ref.name);
    if (util::join(words, "_") == want) return i;
    if (by_last == std::string::npos && !words.empty() && words.back() == kind_words.back()) by_last = i;
  }
  return by_last;
}

namespace {

// Table i's declared foreign keys; their columns go to `handled`.
void add_declared(const std::vector<connector::TableInfo>& tables, size_t i, std::vector<std::string>& handled,
                  std::vector<Candidate>& out) {
  const connector::TableInfo& t = tables[i];
  for (const connector::ForeignKey& fk : t.foreign_keys) {
    Candidate c;
    c.child = i;
    c.declared = true;
    c.declared_columns = fk.columns;
    c.declared_ref_columns = fk.ref_columns;
    c.column = fk.columns.size() == 1 ? fk.columns[0] : "";
    c.parent_column = fk.ref_columns.size() == 1 ? fk.ref_columns[0] : "";
    c.parent = table_for_kind(tables, fk.ref_table.name);
    for (size_t j = 0; j < tables.size(); ++j) {
      if (tables[j].ref.name == fk.ref_table.name) c.parent = j;
    }
    if (c.parent == std::string::npos) continue;
    c.name_score = kDeclared;
    c.reasons.push_back("declared foreign key");
    out.push_back(std::move(c));
    handled.insert(handled.end(), fk.columns.begin(), fk.columns.end());
  }
}

// Polymorphic pairs of table i: <prefix>_type + <prefix>_id; the id columns go to `handled`.
void add_polymorphic(const connector::TableInfo& t, size_t i, std::vector<std::string>& handled,
                     std::vector<Candidate>& out) {
  for (const connector::ColumnInfo& type_col : t.columns) {
    std::vector<std::string> tw = name_tokens(type_col.name);
    if (tw.size() < 2 || !is_type_suffix(tw.back())) continue;
    std::vector<std::string> prefix(tw.begin(), tw.end() - 1);
    for (const connector::ColumnInfo& id_col : t.columns) {
      std::vector<std::string> iw = name_tokens(id_col.name);
      if (iw.size() != prefix.size() + 1 || iw.back() != "id" || !std::equal(prefix.begin(), prefix.end(), iw.begin()))
        continue;
      Candidate c;
      c.child = i;
      c.column = id_col.name;
      c.polymorphic = true;
      c.type_column = type_col.name;
      c.name_score = kExactTableName;
      c.reasons.push_back("polymorphic pair " + type_col.name + " + " + id_col.name);
      out.push_back(std::move(c));
      handled.push_back(id_col.name);
    }
  }
}

// What the name of column `col` of table i says it refers to, best first.
void add_named(const std::vector<connector::TableInfo>& tables, const std::vector<EntityGuess>& entities, size_t i,
               const connector::ColumnInfo& col, std::vector<Candidate>& out) {
  std::vector<std::string> words = name_tokens(col.name);
  if (words.empty()) return;
  std::vector<Candidate> found;
  auto add = [&](size_t parent, double score, std::string reason) {
    std::string key = parent_key(tables[parent], col.name);
    if (key.empty() || (parent == i && key == col.name)) return;
    if (!compatible(col, tables[parent], key)) return;
    for (Candidate& f : found) {
      if (f.parent == parent) {
        if (score > f.name_score) {
          f.name_score = score;
          f.reasons = {std::move(reason)};
        }
        return;
      }
    }
    Candidate c;
    c.child = i;
    c.column = col.name;
    c.parent = parent;
    c.parent_column = key;
    c.name_score = score;
    c.reasons.push_back(std::move(reason));
    found.push_back(std::move(c));
  };

  bool keyish = words.size() >= 2 && is_key_suffix(words.back());
  if (keyish) {
    std::vector<std::string> base(words.begin(), words.end() - 1);
    std::string base_words = util::join(base, "_");
    for (size_t j = 0; j < tables.size(); ++j) {
      std::vector<std::string> tw = name_tokens(tables[j].ref.name);
      if (util::join(tw, "_") == base_words) {
        add(j, kExactTableName, "name " + col.name + " → table " + tables[j].ref.name);
      } else if (!tw.empty() && tw.back() == base.back()) {
        add(j, kLastWordTableName, "name " + col.name + " → table " + tables[j].ref.name);
      }
    }
    // A unique text key of another table with the very same column name (orders.order_no).
    if (words.back() != "id") {
      for (size_t j = 0; j < tables.size(); ++j) {
        if (j == i) continue;
        for (const connector::IndexInfo& ix : tables[j].indexes) {
          if (ix.unique && ix.columns.size() == 1 && util::equals_icase(ix.columns[0], col.name)) {
            add(j, kExactTableName, "same name as the unique key " + tables[j].ref.name + "." + ix.columns[0]);
          }
        }
      }
    }
  }
  // RT style: a column named like a table (Tickets.Queue → Queues).
  for (size_t j = 0; j < tables.size(); ++j) {
    if (j != i && util::join(words, "_") == table_words(tables[j])) {
      add(j, kSameAsTable, "column " + col.name + " is named like table " + tables[j].ref.name);
    }
  }
  if (found.empty() && (keyish || words.back() == "by")) {
    for (const RoleWord& role : kRoles) {
      if (std::find(words.begin(), words.end(), role.word) == words.end()) continue;
      for (size_t j = 0; j < tables.size(); ++j) {
        if (entities[j].name == role.entity) {
          add(j, kRoleName, "role name " + col.name + " → the " + std::string(role.entity) + " table " +
                                tables[j].ref.name);
        }
      }
      break;
    }
  }
  for (const ChineseWord& cw : kChinese) {
    if (col.name.find(cw.word) == std::string::npos) continue;
    for (size_t j = 0; j < tables.size(); ++j) {
      if (j != i && entities[j].name == cw.entity) {
        add(j, kChineseName, "name " + col.name + " → the " + std::string(cw.entity) + " table " + tables[j].ref.name);
      }
    }
  }
  std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) { return a.name_score > b.name_score; });
  if (found.size() > kMaxCandidatesPerColumn) found.resize(kMaxCandidatesPerColumn);
  for (Candidate& c : found) out.push_back(std::move(c));
}

}  // namespace

std::vector<Candidate> find_candidates(const std::vector<connector::TableInfo>& tables,
                                       const std::vector<EntityGuess>& entities) {
  std::vector<Candidate> out;
  for (size_t i = 0; i < tables.size(); ++i) {
    const connector::TableInfo& t = tables[i];
    std::vector<std::string> handled;  // columns a declared or polymorphic candidate already covers
    add_declared(tables, i, handled, out);
    add_polymorphic(t, i, handled, out);
    for (const connector::ColumnInfo& col : t.columns) {
      if (is_own_key(t, col.name) || std::find(handled.begin(), handled.end(), col.name) != handled.end()) continue;
      add_named(tables, entities, i, col, out);
    }
  }
  return out;
}

namespace {

// Confidence from name evidence plus containment; < 0 when the data refutes it.
double confidence(double name_score, int64_t rows, int64_t orphans, bool verified, std::vector<std::string>& reasons) {
  if (!verified) {
    reasons.push_back("values not verified (more than " + std::to_string(KeyCollector::kMaxKeys) + " distinct)");
    return name_score * kUnverifiedFactor;
  }
  if (rows == 0) {
    reasons.push_back("no values to verify");
    return name_score * kUnverifiedFactor;
  }
  double ratio = static_cast<double>(orphans) / static_cast<double>(rows);
  for (const ContainmentStep& step : kContainment) {
    if (ratio <= step.max_orphan_ratio) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%.1f%% of %lld values found in the parent key", 100.0 * (1 - ratio),
                    static_cast<long long>(rows));
      reasons.emplace_back(buf);
      return std::min(kMaxConfidence, name_score + step.score);
    }
  }
  return -1;
}

}  // namespace

std::vector<Relationship> resolve(const std::vector<connector::TableInfo>& tables,
                                  const std::vector<Candidate>& candidates,
                                  const std::vector<std::unordered_map<std::string, KeyCollector>>& keys,
                                  const std::vector<ValueCounter>& values, std::vector<size_t>& child_of) {
  struct Scored {
    size_t child;
    Relationship rel;
  };
  std::vector<Scored> scored;
  for (size_t k = 0; k < candidates.size(); ++k) {
    const Candidate& c = candidates[k];
    const ValueCounter& v = values[k];
    if (c.polymorphic) {
      for (const auto& [type, n] : v.types()) {
        size_t parent = table_for_kind(tables, type);
        if (parent == std::string::npos || tables[parent].primary_key.size() != 1) continue;
        const std::string& pk = tables[parent].primary_key[0];
        auto it = keys[parent].find(pk);
        Relationship r;
        r.columns = {c.column};
        r.ref_table = tables[parent].ref.display();
        r.ref_columns = {pk};
        r.polymorphic = true;
        r.type_column = c.type_column;
        r.type_value = type;
        r.reasons = c.reasons;
        r.reasons.push_back(c.type_column + " = '" + type + "' names table " + tables[parent].ref.name);
        int64_t rows = 0;
        bool verified = it != keys[parent].end() && !it->second.overflowed() && !v.overflowed();
        r.orphans = verified ? v.orphans(type, it->second, rows) : 0;
        r.orphan_ratio = rows > 0 ? static_cast<double>(r.orphans) / static_cast<double>(rows) : 0;
        r.confidence = confidence(c.name_score, rows, r.orphans, verified, r.reasons);
        if (r.confidence >= kKeepThreshold) scored.push_back({c.child, std::move(r)});
      }
      continue;
    }
    Relationship r;
    r.columns = c.declared ? c.declared_columns : std::vector<std::string>{c.column};
    r.ref_table = tables[c.parent].ref.display();
    r.ref_columns = c.declared ? c.declared_ref_columns : std::vector<std::string>{c.parent_column};
    r.declared = c.declared;
    r.reasons = c.reasons;
    int64_t rows = 0;
    auto it = keys[c.parent].find(c.parent_column);
    bool verified = !c.column.empty() && it != keys[c.parent].end() && !it->second.overflowed() && !v.overflowed();
    r.orphans = verified ? v.orphans(it->second, rows) : 0;
    r.orphan_ratio = rows > 0 ? static_cast<double>(r.orphans) / static_cast<double>(rows) : 0;
    r.confidence = confidence(c.name_score, rows, r.orphans, verified, r.reasons);
    if (c.declared) r.confidence = 1.0;
    if (r.confidence >= kKeepThreshold) scored.push_back({c.child, std::move(r)});
  }
  // One relationship per child column (and type value): the most confident.
  std::stable_sort(scored.begin(), scored.end(),
                   [](const Scored& a, const Scored& b) { return a.rel.confidence > b.rel.confidence; });
  std::vector<Relationship> out;
  child_of.clear();
  for (Scored& s : scored) {
    bool taken = false;
    for (size_t k = 0; k < out.size(); ++k) {
      if (child_of[k] == s.child && out[k].columns == s.rel.columns && out[k].type_value == s.rel.type_value) taken = true;
    }
    if (taken) continue;
    child_of.push_back(s.child);
    out.push_back(std::move(s.rel));
  }
  return out;
}

}  // namespace csbridge::assess
