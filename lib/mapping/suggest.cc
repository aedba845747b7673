#include "mapping/suggest.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "assess/entity_fit.h"
#include "assess/name_tokens.h"
#include "util/strings.h"

namespace csbridge::mapping {
namespace {

using assess::ColumnProfile;
using assess::Relationship;
using assess::TableAssessment;

// ---------------------------------------------------------------------------
// Scores. A field's confidence is the sum of what speaks for its column (name,
// observed type, PII class), capped; below kMinFieldConfidence a column is not
// proposed at all.
constexpr double kExactNameScore = 0.7;      // the column is named like the field
constexpr double kSynonymNameScore = 0.65;   // the column's words are a synonym's words
constexpr double kCjkNameScore = 0.6;        // a Chinese synonym inside the name
constexpr double kPartialNameScore = 0.45;   // a synonym's words among the column's
constexpr double kPiiOnlyScore = 0.25;       // no name match, but values of the field's PII class
constexpr double kTypeAgrees = 0.2;
constexpr double kTypeAccepts = 0.1;         // text into a number field and the like: checked per row
constexpr double kPiiAgrees = 0.15;
constexpr double kPiiDisagrees = -0.1;
constexpr double kMostlyEmpty = -0.1;        // null ratio at or above kMostlyEmptyRatio
constexpr double kMostlyEmptyRatio = 0.9;
constexpr double kStrongPiiRatio = 0.5;
constexpr double kReferenceBase = 0.45;      // + kReferenceWeight × the relationship's confidence
constexpr double kReferenceWeight = 0.5;
constexpr double kReferenceNameBonus = 0.05;
constexpr double kUnconfirmedReference = 0.3;  // + half the name score: no relationship confirms it
constexpr double kMinFieldConfidence = 0.5;
constexpr double kMaxConfidence = 0.97;
constexpr double kAmbiguityGap = 0.1;        // a runner-up closer than this lowers the confidence
constexpr double kFillTieBreak = 0.03;       // fuller columns win ties

constexpr double kKeyPrimary = 0.95;
constexpr double kKeyUnique = 0.85;

constexpr const char* kDefaultSourceName = "legacy";

std::string conf(double c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", std::clamp(c, 0.0, 1.0));
  return buf;
}

bool is_cjk_word(std::string_view w) { return !w.empty() && static_cast<unsigned char>(w[0]) >= 0x80; }

bool contains_words(const std::vector<std::string>& hay, const std::vector<std::string>& needle) {
  if (needle.empty() || needle.size() > hay.size()) return false;
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// ---------------------------------------------------------------------------
// Enum vocabulary: legacy words for each value of the CS model's enums. One
// table for all enums: a value name means the same in every domain it is in.
struct EnumWords {
  std::string_view value;
  std::vector<std::string_view> words;
};

const std::vector<EnumWords>& enum_words() {
  static const std::vector<EnumWords> kWords = {
      // ticket.status
      {"new", {"new", "created", "unassigned", "新建", "新", "新工单", "未处理", "待处理", "未分配", "待分配", "未受理",
               "待受理"}},
      {"open", {"open", "opened", "in_progress", "processing", "assigned", "active", "working", "处理中", "进行中",
                "受理中", "已受理", "跟进中", "已分配", "打开"}},
      {"pending", {"pending", "waiting", "awaiting", "awaiting_reply", "waiting_customer", "待回复", "待客户回复",
                   "等待", "等待客户", "等待回复", "待反馈", "待确认"}},
      {"on_hold", {"on_hold", "hold", "onhold", "suspended", "paused", "挂起", "暂停", "搁置", "暂缓"}},
      {"solved", {"solved", "resolved", "done", "fixed", "completed", "finished", "已解决", "解决", "已处理", "已完成",
                  "完成"}},
      {"closed", {"closed", "close", "archived", "已关闭", "关闭", "结案", "已结案", "归档", "已归档"}},
      // ticket.priority
      {"low", {"low", "lowest", "minor", "低", "较低", "最低"}},
      {"normal", {"normal", "medium", "standard", "default", "中", "普通", "一般", "正常", "中等"}},
      {"high", {"high", "major", "important", "高", "较高", "重要"}},
      {"urgent", {"urgent", "critical", "emergency", "highest", "blocker", "紧急", "加急", "特急", "非常紧急", "最高"}},
      // ticket.channel, customer_identity.kind
      {"email", {"email", "e_mail", "mail", "邮件", "电子邮件", "邮箱"}},
      {"phone", {"phone", "tel", "telephone", "call", "hotline", "voice", "电话", "来电", "热线", "呼叫中心", "手机"}},
      {"web", {"web", "website", "portal", "pc", "form", "网站", "网页", "官网", "网页表单"}},
      {"app", {"app", "mobile_app", "ios", "android", "客户端", "移动端"}},
      {"wechat", {"wechat", "weixin", "wx", "微信", "公众号", "小程序"}},
      {"chat", {"chat", "live_chat", "im", "webchat", "在线客服", "在线", "聊天", "在线聊天"}},
      {"other", {"other", "others", "unknown", "其他", "其它", "未知"}},
      {"wechat_openid", {"openid", "wx_openid", "微信openid"}},
      {"wechat_unionid", {"unionid", "wx_unionid"}},
      {"app_user_id", {"app_user", "app_uid"}},
      {"web_user_id", {"web_user", "web_uid"}},
      // author_kind, actor_kind
      {"customer", {"customer", "client", "user", "requester", "end_user", "客户", "用户", "顾客", "会员"}},
      {"agent", {"agent", "staff", "operator", "客服", "坐席", "员工"}},
      {"system", {"system", "auto", "automation", "bot", "robot", "trigger", "系统", "自动", "机器人"}},
      // agent.role
      {"supervisor", {"supervisor", "manager", "leader", "lead", "主管", "组长", "经理", "班长"}},
      {"admin", {"admin", "administrator", "root", "管理员"}},
      // ticket_event.kind
      {"created", {"created", "create", "new", "创建", "新建"}},
      {"status_changed", {"status", "state", "status_change", "状态", "状态变更"}},
      {"priority_changed", {"priority", "urgency", "优先级"}},
      {"assigned", {"assignee", "assign", "assigned", "owner", "handler", "指派", "分配", "转派", "负责人", "处理人"}},
      {"group_changed", {"group", "team", "queue", "department", "组", "队列", "部门", "转组"}},
      {"merged", {"merged", "merge", "合并"}},
      {"reopened", {"reopened", "reopen", "重开", "重新打开"}},
      // satisfaction_rating.kind
      {"csat", {"csat", "satisfaction", "满意度"}},
      {"nps", {"nps", "net_promoter"}},
      {"ces", {"ces", "effort"}},
      // business_ref.kind
      {"order", {"order", "订单", "dingdan"}},
      {"waybill", {"waybill", "shipment", "delivery", "express", "tracking", "运单", "物流", "快递"}},
      {"invoice", {"invoice", "发票", "fapiao"}},
      {"contract", {"contract", "合同"}},
      {"refund", {"refund", "退款"}},
      // ticket_message.body_format
      {"plain", {"plain", "text", "txt", "纯文本"}},
      {"html", {"html", "rich_text", "富文本"}},
      {"markdown", {"markdown", "md"}},
  };
  return kWords;
}

const std::vector<std::string_view>& words_of(std::string_view value) {
  static const std::vector<std::string_view> kNone;
  for (const EnumWords& e : enum_words()) {
    if (e.value == value) return e.words;
  }
  return kNone;
}

// The value an enum field falls back to when a legacy value matches nothing
// (the map's `else`); "" when there is no safe fallback (rows are rejected).
std::string enum_fallback(const model::Field& f) {
  auto has = [&f](std::string_view v) { return std::find(f.values.begin(), f.values.end(), v) != f.values.end(); };
  if (f.name == "status" && has("open")) return "open";  // still needs attention: nothing is lost
  if (f.name == "priority" && has("normal")) return "normal";
  if (has("other")) return "other";
  return "";
}

// ---------------------------------------------------------------------------
// Output: lines of YAML with their comments.
class Lines {
 public:
  void add(int indent, std::string_view text) { lines_.push_back(std::string(indent, ' ') + std::string(text)); }
  void comment(int indent, std::string_view text) {
    std::string t(text);
    std::replace(t.begin(), t.end(), '\n', ' ');
    add(indent, "# " + t);
  }
  void append(const Lines& other, int indent) {
    for (const std::string& l : other.lines_) lines_.push_back(l.empty() ? l : std::string(indent, ' ') + l);
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

std::string flow_list(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const std::string& s : items) quoted.push_back(yaml_scalar(s));
  return "[" + util::join(quoted, ", ") + "]";
}

// ---------------------------------------------------------------------------
// What the assessment says about the tables that get a block.
struct TablePlan {
  const TableAssessment* table = nullptr;
  const model::Entity* entity = nullptr;
  std::vector<std::string> key;  // empty: no key found (a TODO)
  std::string key_reason;
  double key_confidence = 0;
  std::string key_prefix;        // set when several tables feed one entity
  std::string stripped_prefix;   // a word every column starts with ("rt" of rt_id, rt_score …)
};

struct Plans {
  std::vector<TablePlan> tables;  // in assessment order

  const TablePlan* find(std::string_view ref_table) const {
    for (const TablePlan& p : tables) {
      if (p.table->ref.display() == ref_table || p.table->ref.name == ref_table) return &p;
    }
    return nullptr;
  }
};

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

void choose_key(TablePlan& p) {
  const TableAssessment& t = *p.table;
  if (!t.primary_key.empty()) {
    p.key = t.primary_key;
    p.key_confidence = kKeyPrimary;
    p.key_reason = "the primary key of " + t.ref.display();
    return;
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

// ---------------------------------------------------------------------------
// Values read from the source.
struct ValueCount {
  std::string value;
  int64_t rows = 0;
};

struct DistinctValues {
  std::vector<ValueCount> values;  // most frequent first, then by value
  bool truncated = false;          // more distinct values, or more rows, than were read
};

class ValueReader {
 public:
  explicit ValueReader(connector::Connector& db) : db_(db) {}

  Result<const DistinctValues*> distinct(const TableAssessment& t, const std::string& column) {
    std::string id = t.ref.display() + "\x1f" + column;
    auto it = cache_.find(id);
    if (it != cache_.end()) return &it->second;
    std::string what = "reading the values of " + t.ref.display() + "." + column;
    connector::ReadRequest req;
    req.table = t.ref;
    req.columns = {column};
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
    return &cache_.emplace(id, std::move(out)).first->second;
  }

 private:
  static constexpr size_t kReadBatchRows = 5000;
  connector::Connector& db_;
  std::map<std::string, DistinctValues> cache_;
};

// ---------------------------------------------------------------------------
// Choosing columns.
struct NameMatch {
  double score = 0;
  std::string reason;
};

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

struct Candidate {
  const ColumnProfile* column = nullptr;
  double score = 0;   // the confidence before capping
  double rank = 0;    // score plus tie-breaks
  std::vector<std::string> reasons;
  const Relationship* relationship = nullptr;
};

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

std::string rows_text(int64_t n) { return std::to_string(n) + (n == 1 ? " row" : " rows"); }

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

// ---------------------------------------------------------------------------
// One field's choice, ready to be written.
struct FieldChoice {
  // kLeftOut: not written; listed in a comment (optional without a source, or another block's).
  enum class Kind { kColumn, kColumns, kValue, kTodo, kLeftOut } kind = Kind::kColumn;
  const model::Field* field = nullptr;
  double confidence = 0;
  std::string reason;
  std::vector<std::string> notes;     // further comment lines
  std::vector<std::string> columns;
  std::string value;                  // kValue
  std::string todo;                   // kTodo
  std::string lookup_entity, lookup_prefix;
  bool orphans_to_null = false;
  Lines steps;                        // "- trim" … at indent 0
  bool has_steps = false;
  bool unsourced = false;             // a TODO for want of a column: its hints need every other choice
};

// A polymorphic reference the block is split on: rows where type_column = value.
struct Branch {
  const Relationship* relationship = nullptr;
  const TablePlan* parent = nullptr;
};

struct BlockPlan {
  const TablePlan* table = nullptr;
  std::optional<Branch> branch;
  std::vector<const Relationship*> other_branches;  // of the same split, not this block's
  std::vector<std::string> header;                  // comment lines before the block
};

class Suggester {
 public:
  Suggester(connector::Connector& db, const assess::Assessment& assessment, const model::Model& model,
            const SuggestOptions& options)
      : values_(db), assessment_(assessment), model_(model), options_(options) {}

  Result<std::vector<SuggestedFile>> run();

 private:
  void plan_tables();
  Result<std::vector<BlockPlan>> plan_blocks(const TablePlan& t);
  Result<Lines> write_block(const BlockPlan& b, int& todos);
  Result<FieldChoice> choose(const BlockPlan& b, const model::Field& f);
  std::vector<Candidate> candidates(const BlockPlan& b, const model::Field& f);
  std::vector<Candidate> reference_candidates(const BlockPlan& b, const model::Field& f);
  Status add_enum_steps(const TableAssessment& t, const ColumnProfile& c, FieldChoice& choice);
  Status add_boolean_steps(const TableAssessment& t, const ColumnProfile& c, FieldChoice& choice);
  void add_time_steps(const TableAssessment& t, const ColumnProfile& c, FieldChoice& choice);
  bool constant_for(const BlockPlan& b, const model::Field& f, FieldChoice& choice);
  std::string missing_reason(const BlockPlan& b, const model::Field& f, const std::vector<FieldChoice>& done);
  void set_lookup(FieldChoice& choice, const Relationship* r, const TablePlan* parent);

  ValueReader values_;
  const assess::Assessment& assessment_;
  const model::Model& model_;
  const SuggestOptions& options_;
  Plans plans_;
  std::vector<std::string> rejected_;  // tables with a guess too weak to suggest
};

void Suggester::plan_tables() {
  std::map<std::string, int> tables_per_entity;
  for (const TableAssessment& t : assessment_.tables) {
    const model::Entity* e = t.entity.name.empty() ? nullptr : model_.entity(t.entity.name);
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
}

std::string sql_identifier(std::string_view name) {
  bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return plain ? std::string(name) : "\"" + util::replace_all(name, "\"", "\"\"") + "\"";
}

std::string sql_literal(std::string_view value) { return "'" + util::replace_all(value, "'", "''") + "'"; }

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
    bool referenced = false;
    for (const model::Field& f : t.entity->fields) referenced = referenced || f.references == parent->entity->name;
    if (referenced) splits[r.columns.front() + "|" + r.type_column].push_back(&r);
  }
  if (splits.empty()) return std::vector<BlockPlan>{BlockPlan{&t, std::nullopt, {}, {}}};
  // Several polymorphic pairs in one table: split on the first (by column name), say so.
  auto& [split_id, rels] = *splits.begin();
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
    const TablePlan* parent = plans_.find(r.ref_table);
    if (!parent || parent->entity->name != f.references) continue;
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

// Required fields a mapping usually fills with a constant; the value and why.
struct Constant {
  std::string_view entity, field, value;
  double confidence;
  std::string_view reason;
};

const std::vector<Constant>& constants() {
  static const std::vector<Constant> kConstants = {
      {"agent", "role", "agent", 0.6, "no role column: everyone is an agent; mark supervisors and admins by hand"},
      {"agent", "is_active", "true", 0.5, "no active flag: every agent is taken as active"},
      {"agent_group", "is_active", "true", 0.6, "no active flag: every group is taken as active"},
      {"ticket", "channel", "other", 0.4, "no channel column"},
      {"ticket", "priority", "normal", 0.5, "no priority column"},
      {"satisfaction_rating", "kind", "csat", 0.5, "no kind column: ratings are most often CSAT"},
      {"business_ref", "kind", "other", 0.4, "no kind column and the table name names no document kind"},
  };
  return kConstants;
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

Result<FieldChoice> Suggester::choose(const BlockPlan& b, const model::Field& f) {
  const TableAssessment& t = *b.table->table;
  FieldChoice choice;
  choice.field = &f;
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
    set_lookup(choice, best.relationship, best.relationship ? plans_.find(best.relationship->ref_table) : nullptr);
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

// ---------------------------------------------------------------------------
// Steps.
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
    for (size_t i = 0; i < sorted.size(); ++i) {
      entries.push_back({sorted[i].value, f.values[f.values.size() - 1 - i],
                         "0.40: rank " + std::to_string(i + 1) + " of " + std::to_string(sorted.size()) + ", " +
                             rows_text(sorted[i].rows)});
    }
    identity = false;
    choice.confidence = std::min(choice.confidence, 0.4);
    choice.notes.push_back("numeric priorities mapped by rank, lowest number = most urgent (P1 convention): "
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
void write_field(Lines& out, const FieldChoice& c) {
  const int kField = 2, kInner = 4;
  out.comment(kField, (c.kind == FieldChoice::Kind::kTodo ? std::string("TODO") : "confidence " + conf(c.confidence)) +
                          ": " + (c.kind == FieldChoice::Kind::kTodo ? "a person must fill this" : c.reason));
  for (const std::string& n : c.notes) out.comment(kField, "  " + n);
  const std::string key = yaml_scalar(c.field->name) + ":";
  switch (c.kind) {
    case FieldChoice::Kind::kTodo:
      out.add(kField, key);
      out.add(kInner, "todo: " + yaml_scalar(c.todo));
      return;
    case FieldChoice::Kind::kValue:
      out.add(kField, key + " {value: " + yaml_scalar(c.value) + "}");
      return;
    case FieldChoice::Kind::kColumn:
    case FieldChoice::Kind::kColumns:
    case FieldChoice::Kind::kLeftOut:
      break;
  }
  if (c.kind == FieldChoice::Kind::kColumn && !c.has_steps && c.lookup_entity.empty()) {
    out.add(kField, key + " " + yaml_scalar(c.columns.front()));
    return;
  }
  out.add(kField, key);
  if (c.kind == FieldChoice::Kind::kColumn) out.add(kInner, "column: " + yaml_scalar(c.columns.front()));
  else out.add(kInner, "columns: " + flow_list(c.columns));
  if (!c.lookup_entity.empty()) {
    std::vector<std::string> lookup = {"entity: " + yaml_scalar(c.lookup_entity)};
    if (!c.lookup_prefix.empty()) lookup.push_back("key_prefix: " + yaml_scalar(c.lookup_prefix));
    if (c.orphans_to_null) lookup.push_back("orphans: null");
    if (lookup.size() == 1) out.add(kInner, "lookup: " + yaml_scalar(c.lookup_entity));
    else out.add(kInner, "lookup: {" + util::join(lookup, ", ") + "}");
  }
  if (c.has_steps) {
    out.add(kInner, "steps:");
    out.append(c.steps, kInner + 2);
  }
}

Result<Lines> Suggester::write_block(const BlockPlan& b, int& todos) {
  const TablePlan& p = *b.table;
  const TableAssessment& t = *p.table;
  Lines out;
  out.comment(0, t.ref.display() + " (" + std::to_string(t.rows) + (t.rows_exact ? "" : "~") + " rows) → " +
                     p.entity->name + ", confidence " + conf(t.entity.confidence) + ": " + util::join(t.entity.reasons, "; "));
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
    out.comment(0, "several tables hold " + p.entity->name + ": the prefix keeps their legacy keys apart");
    out.add(0, "key_prefix: " + yaml_scalar(p.key_prefix));
  }
  if (b.branch) {
    const Relationship& r = *b.branch->relationship;
    out.add(0, "where: " + yaml_scalar(sql_identifier(r.type_column) + " = " + sql_literal(r.type_value)));
  }
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

std::string file_text(const model::Entity& e, const std::vector<Lines>& blocks, const assess::Assessment& a) {
  Lines out;
  out.comment(0, e.name + ": " + e.description);
  out.comment(0, "Suggested by `csbridge map suggest` from " +
                     (a.source.redacted.empty() ? std::string("the source") : a.source.redacted) +
                     (a.source.engine.empty() ? "" : " (" + a.source.engine + ")") + ". Review every choice:");
  out.comment(0, "`confidence C: reason` says how sure a choice is (0..1); `todo:` fields need a person and");
  out.comment(0, "`map check` reports them until they are filled.");
  out.add(0, "");
  if (blocks.size() == 1) {
    out.append(blocks.front(), 0);
  } else {
    out.add(0, "mappings:");
    for (const Lines& b : blocks) {
      if (&b != &blocks.front()) out.add(0, "");
      bool first_key = true;
      for (const std::string& l : b.lines()) {
        bool is_comment = l.rfind("#", 0) == 0;
        if (is_comment || !first_key) {
          out.add(first_key ? 2 : 4, l);
        } else {
          out.add(2, "- " + l);
          first_key = false;
        }
      }
    }
  }
  std::string text;
  for (const std::string& l : out.lines()) text += l + "\n";
  return text;
}

Result<std::vector<SuggestedFile>> Suggester::run() {
  plan_tables();
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

bool is_yaml_keyword(std::string_view s) {
  static const char* kWords[] = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
                                 ".nan", ".inf", "-.inf", "+.inf", "<<", "="};
  std::string lower = util::to_lower(s);
  return std::any_of(std::begin(kWords), std::end(kWords), [&lower](const char* w) { return lower == w; });
}

// U+0085, U+2028, U+2029 are line breaks to YAML 1.1, U+FEFF a byte-order mark.
std::string_view special_unicode_escape(std::string_view s, size_t i, size_t& len) {
  if (s.compare(i, 2, "\xC2\x85") == 0) { len = 2; return "\\N"; }
  if (s.compare(i, 3, "\xE2\x80\xA8") == 0) { len = 3; return "\\L"; }
  if (s.compare(i, 3, "\xE2\x80\xA9") == 0) { len = 3; return "\\P"; }
  if (s.compare(i, 3, "\xEF\xBB\xBF") == 0) { len = 3; return "\\uFEFF"; }
  return {};
}

}  // namespace

std::string yaml_scalar(std::string_view s) {
  bool quote = s.empty() || is_yaml_keyword(s) || s.front() == ' ' || s.back() == ' ' || s.back() == ':' ||
               std::string_view("-?:,[]{}#&*!|>'\"%@`+.0123456789").find(s.front()) != std::string_view::npos ||
               s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos;
  for (size_t i = 0; i < s.size() && !quote; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    quote = c < 0x20 || c == 0x7F || std::string_view(",[]{}").find(s[i]) != std::string_view::npos ||
            !special_unicode_escape(s, i, len).empty();
  }
  if (!quote) return std::string(s);
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    std::string_view special = special_unicode_escape(s, i, len);
    if (!special.empty()) {
      out += special;
      i += len - 1;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::optional<EnumMatch> match_enum_value(std::string_view raw, const std::vector<std::string>& domain) {
  std::string value = util::to_lower(util::trim(raw));
  if (value.empty()) return std::nullopt;
  for (const std::string& d : domain) {
    if (d == value) return EnumMatch{d, 0.97, "already the CS value"};
  }
  std::vector<std::string> words = assess::name_tokens(value);
  std::vector<std::string> exact;
  std::string exact_word;
  // The longest contained synonym wins; equally long ones of different values are ambiguous.
  std::string contained, contained_word;
  size_t contained_len = 0;
  bool ambiguous = false;
  for (const std::string& d : domain) {
    std::vector<std::string_view> candidates = words_of(d);
    candidates.push_back(d);
    for (std::string_view w : candidates) {
      if (util::equals_icase(w, value) || (!is_cjk_word(w) && assess::name_tokens(w) == words)) {
        if (std::find(exact.begin(), exact.end(), d) == exact.end()) exact.push_back(d);
        exact_word = std::string(w);
        continue;
      }
      bool inside = is_cjk_word(w) ? code_points(w) >= 2 && value.find(w) != std::string::npos
                                   : contains_words(words, assess::name_tokens(w));
      if (!inside) continue;
      size_t len = code_points(w);
      if (len > contained_len) {
        contained = d;
        contained_word = std::string(w);
        contained_len = len;
        ambiguous = false;
      } else if (len == contained_len && contained != d) {
        ambiguous = true;
      }
    }
  }
  if (exact.size() == 1) return EnumMatch{exact.front(), 0.9, "synonym '" + exact_word + "'"};
  if (exact.size() > 1) return std::nullopt;
  if (!contained.empty() && !ambiguous) return EnumMatch{contained, 0.7, "contains '" + contained_word + "'"};
  return std::nullopt;
}

Result<std::vector<SuggestedFile>> suggest_mappings(connector::Connector& db, const assess::Assessment& assessment,
                                                    const model::Model& model, const SuggestOptions& options) {
  return Suggester(db, assessment, model, options).run();
}

}  // namespace csbridge::mapping
