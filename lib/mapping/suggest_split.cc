// `map suggest`, internal: tables that hold several entities or rows of
// several kinds, planned into more than one block — a table of people holding
// agents and customers, name/value rows (custom fields) read as fields of CS
// entities, messages and changes in one table told apart by a type column.
#include <algorithm>
#include <charconv>
#include <optional>

#include "assess/name_tokens.h"
#include "mapping/suggest_plan.h"
#include "mapping/suggest_writer.h"
#include "util/strings.h"

namespace csbridge::mapping::suggest_detail {

using assess::ColumnProfile;
using assess::Relationship;
using assess::TableAssessment;

namespace {

// Words of a ticket's column naming the agent it is assigned to.
constexpr std::string_view kAssignmentWords[] = {"owner",    "assignee", "assigned", "handler", "operator",
                                                 "agent",    "staff",    "employee", "处理人",  "负责人"};

bool names_assignment(const std::string& column) {
  for (const std::string& w : assess::name_tokens(column)) {
    for (std::string_view a : kAssignmentWords) {
      if (w == a) return true;
    }
  }
  return std::any_of(std::begin(kAssignmentWords), std::end(kAssignmentWords),
                     [&](std::string_view a) { return static_cast<unsigned char>(a[0]) >= 0x80 && column.find(a) != std::string::npos; });
}

}  // namespace

namespace {

// What a name/value definition (a custom field) named like these holds: the
// CS entity and field its values are, and the constant kind of the entity.
struct NameValueField {
  std::string_view entity, field, kind;
  std::vector<std::string_view> words;  // CJK: contained; others: a word of the name
};
const std::vector<NameValueField>& name_value_fields() {
  static const std::vector<NameValueField> kFields = {
      {"business_ref", "number", "waybill", {"运单", "快递单", "物流单", "waybill", "tracking"}},
      {"business_ref", "number", "invoice", {"发票", "invoice"}},
      {"business_ref", "number", "contract", {"合同", "contract"}},
      {"business_ref", "number", "refund", {"退款单", "refund_no"}},
      {"business_ref", "number", "order", {"订单号", "订单编号", "订单", "order", "order_no", "order_number"}},
      {"satisfaction_rating", "score", "", {"满意度", "评分", "评价", "satisfaction", "csat", "nps", "rating", "score"}},
  };
  return kFields;
}

const NameValueField* name_value_field(const std::string& name) {
  const std::vector<std::string> words = assess::name_tokens(name);
  for (const NameValueField& f : name_value_fields()) {
    for (std::string_view w : f.words) {
      bool cjk = static_cast<unsigned char>(w[0]) >= 0x80;
      if (cjk ? name.find(w) != std::string::npos : util::join(words, "_") == w || (w.find('_') == std::string_view::npos &&
                                                     std::find(words.begin(), words.end(), w) != words.end()))
        return &f;
    }
  }
  return nullptr;
}

// The score of a word of a five-point satisfaction scale, nullopt for others.
std::optional<int> satisfaction_word(std::string_view v) {
  static const std::pair<std::string_view, int> kWords[] = {
      {"非常满意", 5}, {"很满意", 5}, {"满意", 4}, {"一般", 3}, {"不满意", 2}, {"非常不满意", 1}, {"很不满意", 1},
      {"very satisfied", 5}, {"satisfied", 4}, {"neutral", 3}, {"dissatisfied", 2}, {"very dissatisfied", 1}};
  const std::string lower = util::to_lower(util::trim(v));
  for (const auto& [w, n] : kWords) {
    if (lower == w) return n;
  }
  return std::nullopt;
}

bool is_value_column(const ColumnProfile& c) {
  std::vector<std::string> w = assess::name_tokens(c.name);
  return !w.empty() && (w.back() == "content" || w.back() == "value" || w.back() == "val") &&
         c.type != connector::ValueType::kBinary;
}

}  // namespace

// Name/value rows (RT's ObjectCustomFieldValues: CustomField → CustomFields.Name,
// Content): a definition whose name reads as a CS entity's field (订单号 →
// business_ref.number, 满意度 → satisfaction_rating.score) gets a block of that
// entity over the rows of that definition, tied to the ticket the rows are of.
Status Suggester::plan_name_value_rows() {
  const TablePlan* ticket = nullptr;
  for (const TablePlan& p : plans_.tables) {
    if (p.entity->name == "ticket") ticket = &p;
  }
  if (!ticket) return Status::ok();
  std::vector<TablePlan> added;
  for (const TableAssessment& t : assessment_.tables) {
    const ColumnProfile* value = nullptr;
    for (const ColumnProfile& c : t.columns) {
      if (!value && is_value_column(c)) value = &c;
    }
    if (!value) continue;
    bool of_tickets = false;
    for (const Relationship& r : t.foreign_keys) {
      of_tickets = of_tickets || r.ref_table == ticket->table->ref.display();
    }
    if (!of_tickets) continue;
    for (const Relationship& r : t.foreign_keys) {
      if (r.polymorphic || r.columns.size() != 1 || r.ref_columns.size() != 1) continue;
      const TableAssessment* defs = nullptr;
      for (const TableAssessment& d : assessment_.tables) {
        if (d.ref.display() == r.ref_table) defs = &d;
      }
      if (!defs || defs == &t) continue;
      const ColumnProfile* name = nullptr;
      for (const ColumnProfile& c : defs->columns) {
        if (!name && assess::name_tokens(c.name) == std::vector<std::string>{"name"}) name = &c;
      }
      if (!name) continue;
      constexpr int64_t kMaxDefinitions = 1000;
      CSB_ASSIGN_OR_RETURN(auto defined, values_.pairs(*defs, r.ref_columns.front(), name->name, kMaxDefinitions));
      for (const auto& [id, label] : defined) {
        const NameValueField* f = name_value_field(label);
        const model::Entity* e = f ? model_.entity(std::string(f->entity)) : nullptr;
        if (!e) continue;
        TablePlan p;
        p.table = &t;
        p.entity = e;
        choose_key(p);
        bool numeric = !id.empty() && std::all_of(id.begin(), id.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
        p.where = sql_identifier(r.columns.front()) + " = " + (numeric ? id : sql_literal(id));
        p.where_reason = "the rows of " + defs->ref.display() + " '" + label + "' (" + r.ref_columns.front() + " " + id +
                         "): its values are " + std::string(f->entity) + "." + std::string(f->field);
        p.key_prefix = t.ref.name + ":" + id + ":";
        p.forced_columns[std::string(f->field)] = value->name;
        if (!f->kind.empty()) p.forced_values["kind"] = std::string(f->kind);
        p.forced_reason = "name/value rows: " + value->name + " holds the values of '" + label + "'";
        p.only_branch_to = "ticket";
        p.name_value = true;
        if (f->entity == "satisfaction_rating") {
          CSB_ASSIGN_OR_RETURN(DistinctValues scores, values_.distinct_where(t, value->name, p.where));
          int64_t lo = 0, hi = 0;
          bool any = false;
          for (const ValueCount& v : scores.values) {
            int64_t n = 0;
            auto [ptr, ec] = std::from_chars(v.value.data(), v.value.data() + v.value.size(), n);
            if (ec != std::errc() || ptr != v.value.data() + v.value.size()) continue;
            lo = any ? std::min(lo, n) : n;
            hi = any ? std::max(hi, n) : n;
            any = true;
          }
          // Words of a five-point scale (非常满意 … 非常不满意): a map to 5 … 1.
          std::vector<std::pair<std::string, std::string>> words;
          for (const ValueCount& v : scores.values) {
            if (auto score = satisfaction_word(v.value)) words.emplace_back(v.value, std::to_string(*score));
          }
          if (!any && !words.empty() && words.size() == scores.values.size()) {
            p.forced_maps["score"] = words;
            lo = 1, hi = 5, any = true;
          }
          if (any) {
            p.forced_values["scale_min"] = std::to_string(lo);
            p.forced_values["scale_max"] = std::to_string(hi);
            p.forced_values["kind"] = lo == 0 && hi == 10 ? "nps" : "csat";
          }
        }
        added.push_back(std::move(p));
      }
    }
  }
  for (TablePlan& p : added) plans_.tables.push_back(std::move(p));
  return Status::ok();
}

namespace {

bool has_any_word(const std::string& value, std::initializer_list<std::string_view> words) {
  const std::vector<std::string> tokens = assess::name_tokens(value);
  for (std::string_view w : words) {
    if (std::find(tokens.begin(), tokens.end(), w) != tokens.end()) return true;
  }
  return false;
}

// The ticket_event kind a legacy transaction type reads as.
std::string event_kind(const std::string& type) {
  if (has_any_word(type, {"status", "state", "resolve", "close", "open"})) return "status_changed";
  if (has_any_word(type, {"priority", "urgency"})) return "priority_changed";
  if (has_any_word(type, {"give", "steal", "take", "assign", "owner", "untake"})) return "assigned";
  if (has_any_word(type, {"queue", "group", "team", "move"})) return "group_changed";
  if (has_any_word(type, {"merge", "merged"})) return "merged";
  if (has_any_word(type, {"reopen", "reopened"})) return "reopened";
  if (has_any_word(type, {"create", "created"})) return "created";
  return "other";
}

}  // namespace

// Messages and events in one table, told apart by a type column (RT's
// Transactions.Type: Create/Correspond/Comment carry messages, Status/Set/Give
// are changes): the message block takes the message types, with is_internal
// from them (a comment or note is internal), and a ticket_event block the rest.
Status Suggester::plan_messages_and_events() {
  const model::Entity* event = model_.entity("ticket_event");
  if (!event || std::any_of(plans_.tables.begin(), plans_.tables.end(),
                            [](const TablePlan& p) { return p.entity->name == "ticket_event"; }))
    return Status::ok();
  std::vector<TablePlan> added;
  for (TablePlan& p : plans_.tables) {
    if (p.entity->name != "ticket_message" || !p.where.empty() || p.name_value) continue;
    const ColumnProfile* type = nullptr;
    for (const ColumnProfile& c : p.table->columns) {
      std::vector<std::string> w = assess::name_tokens(c.name);
      if (!type && w.size() == 1 && (w[0] == "type" || w[0] == "kind")) type = &c;
    }
    if (!type) continue;
    CSB_ASSIGN_OR_RETURN(const DistinctValues* seen, values_.distinct(*p.table, type->name));
    if (seen->truncated) continue;
    std::vector<std::string> messages, events;
    std::vector<std::pair<std::string, std::string>> internal, kinds;
    for (const ValueCount& v : seen->values) {
      if (has_any_word(v.value, {"correspond", "comment", "reply", "message", "email", "note", "create", "answer"})) {
        messages.push_back(sql_literal(v.value));
        internal.emplace_back(v.value, has_any_word(v.value, {"comment", "note", "internal", "private"}) ? "true" : "false");
      } else {
        events.push_back(sql_literal(v.value));
        kinds.emplace_back(v.value, event_kind(v.value));
      }
    }
    if (messages.empty() || events.empty()) continue;
    const std::string column = sql_identifier(type->name);
    TablePlan e = p;
    e.entity = event;
    e.key_prefix.clear();
    e.where = column + " NOT IN (" + util::join(messages, ", ") + ")";
    e.where_reason = p.table->ref.display() + "." + type->name + " tells messages from changes: these rows are the changes";
    e.forced_maps["kind"] = kinds;
    e.forced_columns["kind"] = type->name;
    e.forced_reason = "the kind of change from " + type->name;
    p.where = column + " IN (" + util::join(messages, ", ") + ")";
    p.where_reason = type->name + " tells messages from changes: these rows carry messages";
    p.forced_maps["is_internal"] = internal;
    p.forced_columns["is_internal"] = type->name;
    p.forced_reason = "whether a message is internal from " + type->name + " (a comment or note is)";
    added.push_back(std::move(e));
  }
  for (TablePlan& e : added) plans_.tables.push_back(std::move(e));
  return Status::ok();
}

// One table of people holding agents and customers (RT's Users): when no table
// holds agents, those a ticket is assigned to are the agents. The table gets
// two blocks, each with the `where:` that selects its rows.
void Suggester::plan_people_split() {
  if (std::any_of(plans_.tables.begin(), plans_.tables.end(), [](const TablePlan& p) { return p.entity->name == "agent"; }))
    return;
  const model::Entity* agent = model_.entity("agent");
  if (!agent) return;
  std::vector<TablePlan> added;
  for (TablePlan& p : plans_.tables) {
    if (p.entity->name != "customer" || p.key.size() != 1) continue;
    std::vector<std::string> selects, columns;
    for (const TableAssessment& child : assessment_.tables) {
      if (child.entity.name != "ticket") continue;
      for (const Relationship& r : child.foreign_keys) {
        if (r.polymorphic || r.columns.size() != 1 || r.ref_table != p.table->ref.display() ||
            r.ref_columns != p.key || !names_assignment(r.columns.front()))
          continue;
        const std::string c = sql_identifier(r.columns.front());
        const std::string from = (child.ref.schema.empty() ? "" : sql_identifier(child.ref.schema) + ".") +
                                 sql_identifier(child.ref.name);
        selects.push_back("SELECT " + c + " FROM " + from + " WHERE " + c + " IS NOT NULL");
        columns.push_back(child.ref.display() + "." + r.columns.front());
      }
    }
    if (selects.empty()) continue;
    const std::string key = sql_identifier(p.key.front());
    const std::string assigned = util::join(selects, " UNION ");
    TablePlan a = p;
    a.entity = agent;
    a.where = key + " IN (" + assigned + ")";
    a.where_reason = p.table->ref.display() + " holds agents and customers: the people tickets are assigned to (" +
                     util::join(columns, ", ") + ") are the agents";
    p.where = key + " NOT IN (" + assigned + ")";
    p.where_reason = "the people no ticket is assigned to are the customers; the agents have a block of their own";
    added.push_back(std::move(a));
  }
  for (TablePlan& a : added) plans_.tables.push_back(std::move(a));
}
}  // namespace csbridge::mapping::suggest_detail
