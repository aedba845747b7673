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
constexpr double kRoleName = 0.4;            // assignee_id, Creator → a table of people
constexpr double kRoleOtherName = 0.35;      // … of people the role does not usually name
constexpr double kSupertypeName = 0.3;       // … the supertype table sharing their key (RT's Principals)
constexpr double kNestedMemberName = 0.42;   // a member of a group → that supertype (members may be groups)
constexpr double kSelfName = 0.45;           // EffectiveId → its own table's key
constexpr double kSharedKey = 0.4;           // Users.id → Principals.id
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

// Words naming a person in a role (assignee_id, Creator, LastUpdatedBy,
// 操作人): the column points at a table of people, whichever the containment
// of its values says. `prefers` is the entity such a person usually is.
struct RoleWord {
  std::string_view word;
  std::string_view prefers;
  bool alone;  // names a person by itself (Creator), not only with a key suffix or "by" (created_by)
};
constexpr RoleWord kRoles[] = {
    {"assignee", "agent", true},     {"assigned", "agent", false},   {"owner", "agent", true},
    {"agent", "agent", false},       {"operator", "agent", true},    {"handler", "agent", true},
    {"creator", "agent", true},      {"updater", "agent", true},     {"modifier", "agent", true},
    {"changed", "agent", false},     {"created", "agent", false},    {"updated", "agent", false},
    {"modified", "agent", false},    {"closed", "agent", false},     {"resolved", "agent", false},
    {"deleted", "agent", false},     {"leader", "agent", true},      {"staff", "agent", false},
    {"employee", "agent", false},    {"author", "customer", true},   {"sender", "customer", true},
    {"reporter", "customer", true},  {"requestor", "customer", true}, {"requester", "customer", true},
    {"customer", "customer", false}, {"client", "customer", false},  {"member", "customer", false},
    {"user", "customer", false},     {"usr", "customer", false},
};

// Chinese role names: 操作人 (operator), 创建人 (creator), 处理人 (handler), …
constexpr std::string_view kChineseRoles[] = {"操作人", "创建人", "处理人", "负责人", "修改人", "提交人", "经办人",
                                              "受理人", "申请人", "录入人"};

// Words of a people table's name, besides the agent and customer entities.
constexpr std::string_view kPeopleWords[] = {"user", "usr", "account", "member", "staff", "employee", "person",
                                             "people", "customer", "client", "agent", "operator", "contact"};
// Of those, the words of a table of people of every kind (RT's Users holds agents and customers).
constexpr std::string_view kAnyPeopleWords[] = {"user", "usr", "account", "member", "person", "people", "contact"};
// Words of a table listing the members of groups, not people themselves (GroupMembers).
constexpr std::string_view kMembershipWords[] = {"group", "team", "queue", "role", "membership"};
// Words of a supertype table whose key other tables share (RT's Principals:
// Users.id and Groups.id are Principals.id).
constexpr std::string_view kSupertypeWords[] = {"principal", "party", "actor", "subject", "node"};
// Last words of tables of parties besides people: groups, teams, organisations.
constexpr std::string_view kPartyWords[] = {"group", "team", "organization", "org", "company", "role"};
// A key column naming its own table's rows: EffectiveId, parent_id, merged_into.
constexpr std::string_view kSelfWords[] = {"effective", "parent", "merged", "merge", "original", "root", "master",
                                           "superseded", "duplicate", "previous", "prev", "next", "related"};
// The id half of a type-discriminated pair that does not repeat the type's prefix (Domain + Instance).
constexpr std::string_view kGenericIdWords[] = {"instance", "object", "target", "entity", "record", "resource", "item"};
// Type column names of such pairs besides <prefix>_type: RT's Groups.Domain.
constexpr std::string_view kGenericTypeWords[] = {"domain", "entity"};

// Chinese words naming the table a column refers to (工单ID → the ticket table).
struct ChineseWord {
  std::string_view word;
  std::string_view entity;
};
constexpr ChineseWord kChinese[] = {
    {"工单", "ticket"}, {"客户", "customer"}, {"用户", "customer"}, {"会员", "customer"},
    {"客服", "agent"},  {"坐席", "agent"},    {"订单", "business_ref"}, {"组", "agent_group"},
};

template <size_t N>
bool one_of(std::string_view w, const std::string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), w) != std::end(list);
}

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

bool has_word_of(const std::vector<std::string>& words, const auto& list) {
  return std::any_of(words.begin(), words.end(), [&](const std::string& w) { return one_of(w, list); });
}

// A list of the members of groups (GroupMembers, team_members): never the parent of a "member" by its last word.
bool is_membership_table(const std::vector<std::string>& words) {
  return words.size() > 1 && (words.back() == "member" || words.back() == "membership");
}

bool is_supertype_table(const connector::TableInfo& t) { return has_word_of(name_tokens(t.ref.name), kSupertypeWords); }

// How strongly a person in a role that `prefers` an entity points at table j:
// 0 when j holds no people (a group's member list is no table of people).
double people_score(const connector::TableInfo& t, const EntityGuess& entity, std::string_view prefers) {
  if (is_supertype_table(t)) return kSupertypeName;
  const std::vector<std::string> words = name_tokens(t.ref.name);
  const bool people = (entity.name == "agent" || entity.name == "customer" || has_word_of(words, kPeopleWords)) &&
                      !has_word_of(words, kMembershipWords);
  if (!people) return 0;
  return entity.name == prefers || has_word_of(words, kAnyPeopleWords) ? kRoleName : kRoleOtherName;
}

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

// Rows holding 0 where the parent has no key 0 mean "none" (RT's Owner = 0,
// a parent_id of 0 for a root): counted apart, not as orphans.
int64_t count_orphans(const util::FlatHashCount& counts, const KeyCollector& parent, int64_t& rows, int64_t& none) {
  static const uint64_t kZero = hash_value("0");
  int64_t orphans = 0;
  rows = 0;
  none = 0;
  counts.for_each([&](uint64_t hash, int64_t n) {
    if (parent.contains_hash(hash)) {
      rows += n;
    } else if (hash == kZero) {
      none += n;
    } else {
      rows += n;
      orphans += n;
    }
  });
  return orphans;
}

}  // namespace

int64_t ValueCounter::orphans(const KeyCollector& parent, int64_t& rows, int64_t& none) const {
  return count_orphans(counts_, parent, rows, none);
}

int64_t ValueCounter::orphans(const std::string& type, const KeyCollector& parent, int64_t& rows, int64_t& none) const {
  auto it = typed_.find(type);
  if (it == typed_.end()) {
    rows = 0;
    none = 0;
    return 0;
  }
  return count_orphans(it->second, parent, rows, none);
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

std::vector<std::string> implied_primary_key(const connector::TableInfo& table) {
  if (!table.primary_key.empty() || table.is_view) return table.primary_key;
  for (const connector::ColumnInfo& c : table.columns) {
    if (util::equals_icase(c.name, "id")) return {c.name};
  }
  return {};
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

// Polymorphic pairs of table i: <prefix>_type + <prefix>_id (ObjectType +
// ObjectId), else one type-like column (…_type, Domain) with one generic id
// column (Instance, target_id); the id columns go to `handled`.
void add_polymorphic(const connector::TableInfo& t, size_t i, std::vector<std::string>& handled,
                     std::vector<Candidate>& out) {
  auto add = [&](const connector::ColumnInfo& type_col, const connector::ColumnInfo& id_col) {
    Candidate c;
    c.child = i;
    c.column = id_col.name;
    c.polymorphic = true;
    c.type_column = type_col.name;
    c.name_score = kExactTableName;
    c.reasons.push_back("polymorphic pair " + type_col.name + " + " + id_col.name);
    out.push_back(std::move(c));
    handled.push_back(id_col.name);
  };
  std::vector<const connector::ColumnInfo*> type_columns, generic_ids;
  bool paired = false;
  for (const connector::ColumnInfo& type_col : t.columns) {
    std::vector<std::string> tw = name_tokens(type_col.name);
    if (tw.size() == 1 && one_of(tw[0], kGenericTypeWords)) type_columns.push_back(&type_col);
    if (tw.size() < 2 || !is_type_suffix(tw.back())) continue;
    type_columns.push_back(&type_col);
    std::vector<std::string> prefix(tw.begin(), tw.end() - 1);
    for (const connector::ColumnInfo& id_col : t.columns) {
      std::vector<std::string> iw = name_tokens(id_col.name);
      if (iw.size() != prefix.size() + 1 || iw.back() != "id" || !std::equal(prefix.begin(), prefix.end(), iw.begin()))
        continue;
      add(type_col, id_col);
      paired = true;
    }
  }
  if (paired) return;
  for (const connector::ColumnInfo& id_col : t.columns) {
    std::vector<std::string> iw = name_tokens(id_col.name);
    if (!iw.empty() && one_of(iw[0], kGenericIdWords) && (iw.size() == 1 || (iw.size() == 2 && iw[1] == "id")))
      generic_ids.push_back(&id_col);
  }
  if (type_columns.size() == 1 && generic_ids.size() == 1) add(*type_columns[0], *generic_ids[0]);
}

// Table i's own single-column key as a reference to the key of a supertype
// table it shares (RT: Users.id and Groups.id are Principals.id).
void add_shared_key(const std::vector<connector::TableInfo>& tables, const std::vector<EntityGuess>& entities, size_t i,
                    std::vector<Candidate>& out) {
  const connector::TableInfo& t = tables[i];
  if (t.primary_key.size() != 1 || is_supertype_table(t)) return;
  // Supertypes of parties: people, groups of them, organisations (not tickets or custom fields, whose small
  // keys a supertype's key holds as well).
  const std::string& e = entities[i].name;
  const std::vector<std::string> words = name_tokens(t.ref.name);
  const bool party = e == "customer" || e == "agent" || e == "agent_group" || e == "organization" ||
                     has_word_of(words, kPeopleWords) || one_of(words.back(), kPartyWords);
  if (!party || is_membership_table(words)) return;
  for (size_t j = 0; j < tables.size(); ++j) {
    if (j == i || tables[j].primary_key.size() != 1 || !is_supertype_table(tables[j])) continue;
    const connector::ColumnInfo* col = nullptr;
    for (const connector::ColumnInfo& c : t.columns) {
      if (c.name == t.primary_key[0]) col = &c;
    }
    if (col == nullptr || !compatible(*col, tables[j], tables[j].primary_key[0])) continue;
    Candidate c;
    c.child = i;
    c.column = t.primary_key[0];
    c.parent = j;
    c.parent_column = tables[j].primary_key[0];
    c.name_score = kSharedKey;
    c.reasons.push_back("key " + t.ref.name + "." + c.column + " shared with the supertype table " + tables[j].ref.name);
    out.push_back(std::move(c));
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
      } else if (!tw.empty() && tw.back() == base.back() && (j != i || base.size() > 1) && !is_membership_table(tw)) {
        // (GroupMembers.MemberId names no member of its own table, nor of CachedGroupMembers: a member is
        // a person or a group; parent_ticket_id in tickets does name a ticket.)
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
  // A key naming its own table's rows: EffectiveId, parent_id.
  if (found.empty() && keyish && words.size() == 2 && one_of(words[0], kSelfWords)) {
    add(i, kSelfName, "name " + col.name + " → its own table " + tables[i].ref.name);
  }
  // A person in a role: any table of people, the containment of the values decides.
  if (found.empty()) {
    const RoleWord* role = nullptr;
    for (const RoleWord& r : kRoles) {
      bool named = std::find(words.begin(), words.end(), r.word) != words.end();
      // assignee_id, changed_by, AssignedTo, Owner
      if (named && (keyish || words.back() == "by" || words.back() == "to" || (r.alone && words.back() == r.word))) {
        role = &r;
        break;
      }
    }
    const bool chinese_role = std::any_of(std::begin(kChineseRoles), std::end(kChineseRoles),
                                          [&](std::string_view w) { return col.name.find(w) != std::string::npos; });
    if (role != nullptr || chinese_role) {
      const std::string_view prefers = role != nullptr ? role->prefers : "agent";
      // The members of a group may be groups too: the supertype of people and groups first.
      const bool nested = role != nullptr && role->word == "member" && is_membership_table(name_tokens(tables[i].ref.name));
      for (size_t j = 0; j < tables.size(); ++j) {
        double score = people_score(tables[j], entities[j], prefers);
        if (nested && is_supertype_table(tables[j])) score = kNestedMemberName;
        if (score > 0) add(j, score, "role name " + col.name + " → the table of people " + tables[j].ref.name);
      }
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
    add_shared_key(tables, entities, i, out);
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

// The tables a type value names: RT::Ticket → Tickets; RT::Ticket-Role →
// CustomRoles and Tickets (each word from the last that names a table; the
// containment of the values decides among them). Empty when none.
std::vector<size_t> tables_for_type_value(const std::vector<connector::TableInfo>& tables, const std::string& type) {
  std::vector<size_t> out;
  auto add = [&out](size_t j) {
    if (std::find(out.begin(), out.end(), j) == out.end()) out.push_back(j);
  };
  size_t whole = table_for_kind(tables, type);
  if (whole != std::string::npos) add(whole);
  std::vector<std::string> words = name_tokens(type);
  for (auto w = words.rbegin(); w != words.rend(); ++w) {
    if (w->size() < 3) continue;
    for (size_t j = 0; j < tables.size(); ++j) {
      std::vector<std::string> tw = name_tokens(tables[j].ref.name);
      if (!tw.empty() && tw.back() == *w) add(j);
    }
  }
  return out;
}

// For a type value that names no table (a code: 'T', 3): the one table whose
// key holds all of its (enough) values; none when several or none do.
std::vector<size_t> tables_containing(const std::vector<connector::TableInfo>& tables,
                                      const std::vector<std::unordered_map<std::string, KeyCollector>>& keys,
                                      const ValueCounter& v, const std::string& type) {
  constexpr int64_t kMinValues = 20;
  std::vector<size_t> holding;
  for (size_t j = 0; j < tables.size(); ++j) {
    if (tables[j].primary_key.size() != 1) continue;
    auto it = keys[j].find(tables[j].primary_key[0]);
    if (it == keys[j].end() || it->second.overflowed() || it->second.size() == 0) continue;
    int64_t rows = 0, none = 0;
    if (v.orphans(type, it->second, rows, none) == 0 && rows >= kMinValues) holding.push_back(j);
  }
  if (holding.size() != 1) holding.clear();
  return holding;
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
        std::vector<size_t> parents = tables_for_type_value(tables, type);
        const bool named = !parents.empty();
        if (!named) parents = tables_containing(tables, keys, v, type);  // a code (T, 1): the one table holding its values
        for (size_t parent : parents) {
          if (tables[parent].primary_key.size() != 1) continue;
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
          r.reasons.push_back(c.type_column + " = '" + type + "' " +
                              (named ? "names table " : "holds only keys of table ") +
                              tables[parent].ref.name);
          int64_t rows = 0;
          bool verified = it != keys[parent].end() && !it->second.overflowed() && !v.overflowed();
          r.orphans = verified ? v.orphans(type, it->second, rows, r.none_rows) : 0;
          r.orphan_ratio = rows > 0 ? static_cast<double>(r.orphans) / static_cast<double>(rows) : 0;
          r.confidence = confidence(c.name_score, rows, r.orphans, verified, r.reasons);
          if (r.confidence >= kKeepThreshold) scored.push_back({c.child, std::move(r)});
        }
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
    r.orphans = verified ? v.orphans(it->second, rows, r.none_rows) : 0;
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
