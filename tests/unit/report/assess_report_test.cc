#include "report/assess_report.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "test_support.h"
#include "util/strings.h"

namespace csbridge::report {
namespace {

using assess::Severity;
using model::PiiClass;

assess::ColumnProfile column(std::string name, std::string declared, connector::ValueType type, std::string observed,
                             int64_t values, int64_t nulls, int64_t distinct) {
  assess::ColumnProfile c;
  c.name = std::move(name);
  c.declared_type = std::move(declared);
  c.type = type;
  c.observed_type = std::move(observed);
  c.values = values;
  c.nulls = nulls;
  c.null_ratio = values ? static_cast<double>(nulls) / values : 0;
  c.distinct = distinct;
  return c;
}

// Three tables: customers (Chinese column names, PII, an HTML-hostile column
// name), tickets (estimated rows, sampled, a declared and a polymorphic
// inferred relationship) and legacy_audit (not readable, no entity).
assess::Assessment sample() {
  using connector::ValueType;
  assess::Assessment a;
  a.source = {"MariaDB", "10.11.6", "odbc:DSN=helpdesk;UID=cs;PWD=***"};
  a.generated_at = "2024-05-01T10:00:00Z";
  a.seconds = 12.3456;

  assess::TableAssessment customers;
  customers.ref = {"", "customers"};
  customers.rows = 1200;
  customers.profiled = true;
  customers.read_seconds = 0.41234;
  customers.primary_key = {"id"};
  customers.unique_keys = {{"email"}};
  customers.indexes = {{"ix_phone", {"手机号"}, false}};
  auto id = column("id", "INTEGER", ValueType::kInteger, "integer", 1200, 0, 1200);
  id.distinct_exact = true;
  id.min = "1";
  id.max = "1200";
  id.min_length = 1;
  id.max_length = 4;
  id.avg_length = 3.8234;
  id.patterns = {{"9999", 1101}, {"999", 90}};
  auto name = column("姓名", "VARCHAR(50)", ValueType::kText, "text", 1200, 15, 1150);
  name.pii = {{PiiClass::kName, 1082, 0.91234, false, 0}};
  name.samples = {"张*", "李**"};
  auto phone = column("手机号", "VARCHAR(20)", ValueType::kText, "phone", 1200, 60, 1100);
  phone.pii = {{PiiClass::kPhone, 1126, 0.98765, false, 12}};
  phone.min = "130****0001";
  phone.max = "199****9999";
  phone.patterns = {{"99999999999", 1126}};
  auto email = column("email", "VARCHAR(100)", ValueType::kText, "email", 1200, 360, 838);
  email.pii = {{PiiClass::kEmail, 832, 0.99048, false, 0}};
  auto hostile = column("<script>alert(1)</script>", "TEXT", ValueType::kText, "text", 1200, 720, 3);
  customers.columns = {id, name, phone, email, hostile};
  customers.entity = {"customer", 0.92, {"列名匹配 customer：姓名、手机号", "values look like phone numbers"},
                      {"name", "phone"}, {}};
  customers.findings = {
      {"invalid_phone", Severity::kWarning, "手机号", "12 phone numbers are not allocated in mainland China", 12,
       {"138****0000", "199****1234"}},
      {"duplicate_customers", Severity::kError, "", "37 customers share a phone number with another", 37, {}},
  };

  assess::TableAssessment tickets;
  tickets.ref = {"", "tickets"};
  tickets.rows = 250000;
  tickets.rows_exact = false;
  tickets.profiled = true;
  tickets.sample_fraction = 0.1;
  tickets.primary_key = {"ticket_id"};
  auto body = column("内容", "TEXT", ValueType::kText, "text", 25000, 250, 24000);
  body.pii = {{PiiClass::kPhone, 767, 0.031, true, 0}, {PiiClass::kNationalId, 10, 0.00004, true, 2}};
  tickets.columns = {column("ticket_id", "BIGINT", ValueType::kInteger, "integer", 25000, 0, 25000),
                     column("customer_id", "INTEGER", ValueType::kInteger, "integer", 25000, 500, 1180),
                     column("object_type", "VARCHAR(20)", ValueType::kText, "text", 25000, 0, 3),
                     column("object_id", "INTEGER", ValueType::kInteger, "integer", 25000, 0, 9000),
                     column("标题", "VARCHAR(200)", ValueType::kText, "text", 25000, 0, 21000),
                     body,
                     column("created_at", "DATETIME", ValueType::kTimestamp, "timestamp", 25000, 0, 24990)};
  assess::Relationship to_customer;
  to_customer.columns = {"customer_id"};
  to_customer.ref_table = "customers";
  to_customer.ref_columns = {"id"};
  to_customer.declared = true;
  to_customer.confidence = 1;
  to_customer.orphan_ratio = 0.012345;
  to_customer.orphans = 3075;
  assess::Relationship to_order;
  to_order.columns = {"object_id"};
  to_order.ref_table = "orders";
  to_order.ref_columns = {"id"};
  to_order.confidence = 0.8;
  to_order.orphan_ratio = 0.004;
  to_order.orphans = 10;
  to_order.polymorphic = true;
  to_order.type_column = "object_type";
  to_order.type_value = "Order";
  to_order.reasons = {"object_type names the parent table", "99.6% of values found in orders.id"};
  tickets.foreign_keys = {to_customer, to_order};
  tickets.entity = {"ticket", 0.88, {"表名“工单”对应 ticket"}, {"subject", "customer_id", "created_at"}, {"status"}};
  tickets.findings = {
      {"orphans", Severity::kWarning, "customer_id", "3,075 tickets point to no customer", 3075, {"T-1001", "T-1002"}},
      {"timestamp_without_zone", Severity::kWarning, "created_at",
       "DATETIME values carry no time zone; they will be read as Asia/Shanghai unless the mapping says otherwise, "
       "which matters for tickets created around the daylight-saving changes of agents abroad",
       25000, {}},
  };

  assess::TableAssessment audit;
  audit.ref = {"", "legacy_audit"};
  audit.rows = 50000;
  audit.rows_exact = false;
  audit.profiled = false;
  audit.columns = {column("id", "INTEGER", ValueType::kInteger, "", 0, 0, 0),
                   column("payload", "BLOB", ValueType::kBinary, "", 0, 0, 0)};
  audit.entity = {"", 0.12, {"no CS entity matches its names"}, {}, {}};
  audit.findings = {
      {"permission_denied", Severity::kError, "", "SELECT denied on legacy_audit", 0, {}},
      {"binary_column", Severity::kInfo, "payload", "binary data; moved as attachment metadata only", 0, {}},
  };

  a.tables = {customers, tickets, audit};
  a.summary.readiness = 62.44;
  a.summary.readiness_penalties = {"1 table could not be read (-10)", "3,075 tickets point to no customer (-8)",
                                   "legacy_audit has no primary key (-5)"};
  a.summary.cs_fit = 5.0 / 7;
  a.summary.migration_order = {"customers", "tickets", "legacy_audit"};
  a.summary.entities_missing = {"agent", "agent_group", "satisfaction_rating"};
  a.summary.total_rows = 301200;
  a.summary.read_rows_per_second = 12345.67;
  a.summary.estimate_seconds = 185;
  a.summary.pii_columns = 4;
  a.summary.findings_error = 2;
  a.summary.findings_warning = 3;
  return a;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& text, const std::string& line) {
  auto lines = lines_of(text);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// A miniature JSON Schema check: the keys `schema` requires are present, every
// key present is documented, and types and enums match.
void check_against_schema(const nlohmann::json& root, const nlohmann::json& schema, const nlohmann::json& value,
                          const std::string& path) {
  using nlohmann::json;
  const json* s = &schema;
  if (s->contains("$ref")) {
    const std::string ref = (*s)["$ref"].get<std::string>();
    s = &root["$defs"][ref.substr(ref.rfind('/') + 1)];
  }
  if (s->contains("type")) {
    json types = (*s)["type"].is_array() ? (*s)["type"] : json::array({(*s)["type"]});
    bool ok = false;
    for (const auto& t : types) {
      const std::string name = t.get<std::string>();
      ok = ok || (name == "string" && value.is_string()) || (name == "integer" && value.is_number_integer()) ||
           (name == "number" && value.is_number()) || (name == "boolean" && value.is_boolean()) ||
           (name == "array" && value.is_array()) || (name == "object" && value.is_object()) ||
           (name == "null" && value.is_null());
    }
    CHECK_MESSAGE(ok, path << " is " << value.type_name() << ", the schema says " << types.dump());
  }
  if (s->contains("enum")) {
    const json& values = (*s)["enum"];
    CHECK_MESSAGE(std::find(values.begin(), values.end(), value) != values.end(), path << " = " << value.dump());
  }
  if (value.is_object()) {
    for (const auto& key : s->value("required", json::array())) {
      CHECK_MESSAGE(value.contains(key.get<std::string>()), path << " lacks " << key);
    }
    const json properties = s->value("properties", json::object());
    for (const auto& [key, v] : value.items()) {
      CHECK_MESSAGE(properties.contains(key), path << "." << key << " is not in the schema");
      if (properties.contains(key)) check_against_schema(root, properties[key], v, path + "." + key);
    }
  } else if (value.is_array() && s->contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      check_against_schema(root, (*s)["items"], value[i], path + "[" + std::to_string(i) + "]");
    }
  }
}

}  // namespace

TEST_CASE("assess report: JSON carries the contract keys and values") {
  const nlohmann::json j = assess_json(sample());
  CHECK(j["source"] == nlohmann::json{{"engine", "MariaDB"}, {"version", "10.11.6"},
                                      {"redacted", "odbc:DSN=helpdesk;UID=cs;PWD=***"}});
  CHECK(j["generated_at"] == "2024-05-01T10:00:00Z");
  CHECK(j["seconds"] == 12.346);
  REQUIRE(j["tables"].size() == 3);

  const auto& customers = j["tables"][0];
  CHECK(customers["name"] == "customers");
  CHECK(customers["rows"] == 1200);
  CHECK(customers["rows_exact"] == true);
  CHECK(customers["profiled"] == true);
  CHECK(customers["sample_fraction"] == 1.0);
  CHECK(customers["read_seconds"] == 0.412);
  CHECK(customers["primary_key"] == nlohmann::json{"id"});
  CHECK(customers["unique_keys"] == nlohmann::json::array({{"email"}}));
  CHECK(customers["indexes"] ==
        nlohmann::json::array({{{"name", "ix_phone"}, {"columns", {"手机号"}}, {"unique", false}}}));
  CHECK(customers["columns"][0] == nlohmann::json{{"name", "id"},
                                                  {"declared_type", "INTEGER"},
                                                  {"type", "integer"},
                                                  {"observed_type", "integer"},
                                                  {"values", 1200},
                                                  {"nulls", 0},
                                                  {"null_ratio", 0.0},
                                                  {"distinct", 1200},
                                                  {"distinct_exact", true},
                                                  {"min", "1"},
                                                  {"max", "1200"},
                                                  {"min_length", 1},
                                                  {"max_length", 4},
                                                  {"avg_length", 3.82},
                                                  {"patterns", {{{"pattern", "9999"}, {"count", 1101}},
                                                                {{"pattern", "999"}, {"count", 90}}}},
                                                  {"samples", nlohmann::json::array()},
                                                  {"pii", nlohmann::json::array()},
                                                  {"legacy_encoding", nullptr}});
  const auto& phone = customers["columns"][2];
  CHECK(phone["name"] == "手机号");
  CHECK(phone["null_ratio"] == 0.05);
  CHECK(phone["distinct_exact"] == false);
  CHECK(phone["pii"] ==
        nlohmann::json::array(
            {{{"class", "phone"}, {"count", 1126}, {"ratio", 0.9877}, {"embedded", false}, {"invalid", 12}}}));
  CHECK(customers["columns"][1]["null_ratio"] == 0.0125);
  CHECK(customers["columns"][1]["samples"] == nlohmann::json{"张*", "李**"});
  CHECK(customers["columns"][4]["min"] == nullptr);
  CHECK(customers["entity"] == nlohmann::json{{"name", "customer"},
                                              {"confidence", 0.92},
                                              {"reasons", {"列名匹配 customer：姓名、手机号", "values look like phone numbers"}},
                                              {"covered_required", {"name", "phone"}},
                                              {"missing_required", nlohmann::json::array()}});
  CHECK(customers["findings"][0] == nlohmann::json{{"kind", "invalid_phone"},
                                                   {"severity", "warning"},
                                                   {"column", "手机号"},
                                                   {"message", "12 phone numbers are not allocated in mainland China"},
                                                   {"count", 12},
                                                   {"examples", {"138****0000", "199****1234"}}});
  CHECK(customers["findings"][1]["column"] == nullptr);
  CHECK(customers["findings"][1]["severity"] == "error");

  const auto& tickets = j["tables"][1];
  CHECK(tickets["rows"] == 250000);
  CHECK(tickets["rows_exact"] == false);
  CHECK(tickets["sample_fraction"] == 0.1);
  CHECK(tickets["columns"][5]["pii"][1] ==
        nlohmann::json{{"class", "national_id"}, {"count", 10}, {"ratio", 0.0}, {"embedded", true}, {"invalid", 2}});
  CHECK(tickets["foreign_keys"][0] == nlohmann::json{{"columns", {"customer_id"}},
                                                     {"ref_table", "customers"},
                                                     {"ref_columns", {"id"}},
                                                     {"declared", true},
                                                     {"confidence", 1.0},
                                                     {"orphan_ratio", 0.0123},
                                                     {"orphans", 3075},
                                                     {"none_rows", 0},
                                                     {"polymorphic", false},
                                                     {"type_column", nullptr},
                                                     {"type_value", nullptr},
                                                     {"reasons", nlohmann::json::array()}});
  CHECK(tickets["foreign_keys"][1] ==
        nlohmann::json{{"columns", {"object_id"}},
                       {"ref_table", "orders"},
                       {"ref_columns", {"id"}},
                       {"declared", false},
                       {"confidence", 0.8},
                       {"orphan_ratio", 0.004},
                       {"orphans", 10},
                       {"none_rows", 0},
                       {"polymorphic", true},
                       {"type_column", "object_type"},
                       {"type_value", "Order"},
                       {"reasons", {"object_type names the parent table", "99.6% of values found in orders.id"}}});
  CHECK(tickets["entity"]["missing_required"] == nlohmann::json{"status"});

  const auto& audit = j["tables"][2];
  CHECK(audit["profiled"] == false);
  CHECK(audit["primary_key"] == nlohmann::json::array());
  CHECK(audit["entity"]["name"] == nullptr);
  CHECK(audit["entity"]["confidence"] == 0.12);
  CHECK(audit["columns"][1]["observed_type"] == nullptr);
  CHECK(audit["columns"][1]["type"] == "binary");
  CHECK(audit["findings"][1]["severity"] == "info");

  CHECK(j["summary"] == nlohmann::json{{"readiness", 62.4},
                                       {"readiness_penalties",
                                        {"1 table could not be read (-10)", "3,075 tickets point to no customer (-8)",
                                         "legacy_audit has no primary key (-5)"}},
                                       {"cs_fit", 0.7143},
                                       {"migration_order", {"customers", "tickets", "legacy_audit"}},
                                       {"entities_missing", {"agent", "agent_group", "satisfaction_rating"}},
                                       {"total_rows", 301200},
                                       {"read_rows_per_second", 12345.7},
                                       {"estimate_seconds", 185.0},
                                       {"pii_columns", 4}, {"suggested_source_config", nlohmann::json::array()},
                                       {"findings", {{"error", 2}, {"warning", 3}, {"info", 1}}}});
}

TEST_CASE("assess report: JSON matches schemas/assess_db.schema.json") {
  std::ifstream in(test::source_dir() + "/schemas/assess_db.schema.json");
  REQUIRE(in);
  const nlohmann::json schema = nlohmann::json::parse(in);
  CHECK(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema");
  CHECK(schema["required"] == nlohmann::json{"source", "tables", "summary"});
  CHECK(schema["$defs"]["table"]["required"] ==
        nlohmann::json{"name", "rows", "rows_exact", "primary_key", "columns", "foreign_keys", "entity", "findings"});
  check_against_schema(schema, schema, assess_json(sample()), "$");
  check_against_schema(schema, schema, assess_json(assess::Assessment{}), "$");
}

TEST_CASE("assess report: text that is not UTF-8 comes out as U+FFFD") {
  assess::Assessment a = sample();
  a.tables[0].columns[1].min = std::string("\xD5\xC5", 2) + "三";  // GBK 张 left undecoded
  a.tables[0].findings[0].message = "bad \xFF byte";
  const nlohmann::json j = assess_json(a);
  CHECK(j["tables"][0]["columns"][1]["min"] == "\xEF\xBF\xBD\xEF\xBF\xBD三");
  CHECK(j.dump().find("bad \xEF\xBF\xBD byte") != std::string::npos);
  CHECK(assess_text(a).find("bad \xEF\xBF\xBD byte") != std::string::npos);
  CHECK(assess_html(a).find("bad \xEF\xBF\xBD byte") != std::string::npos);
}

TEST_CASE("assess report: text starts with the summary") {
  const std::string text = assess_text(sample());
  const std::vector<std::string> lines = lines_of(text);
  REQUIRE(lines.size() > 14);
  CHECK(std::vector<std::string>(lines.begin(), lines.begin() + 15) ==
        std::vector<std::string>{
            "Assessment of MariaDB 10.11.6 — odbc:DSN=helpdesk;UID=cs;PWD=***",
            "generated 2024-05-01T10:00:00Z in 12.3 s",
            "",
            "Summary",
            "  readiness   62/100",
            "              - 1 table could not be read (-10)",
            "              - 3,075 tickets point to no customer (-8)",
            "              - legacy_audit has no primary key (-5)",
            "  CS fit      71.4% of required CS fields have a source",
            "  total rows  301,200 in 3 tables, 2 estimated",
            "  order       customers → tickets → legacy_audit",
            "  estimate    about 3 min at 12,346 rows/s",
            "  findings    2 errors, 3 warnings, 1 info",
            "  PII         4 columns",
            "  missing     no table seems to hold agent, agent_group, satisfaction_rating",
        });
}

TEST_CASE("assess report: text per table") {
  const std::string text = assess_text(sample());
  SUBCASE("a profiled table: entity, keys, columns aligned by display width, findings") {
    for (const char* line : {
             "customers — 1,200 rows",
             "  entity      customer 92% — 列名匹配 customer：姓名、手机号",
             "  required    2 of 2 required fields have a source",
             "  key         primary key (id)",
             "  unique      (email)",
             "  indexes     ix_phone (手机号)",
             "  column                    type                  null  distinct  PII",
             "  id                        INTEGER                 0%     1,200",
             "  姓名                      VARCHAR(50) → text    1.3%    ~1,150  name 91.2%",
             "  手机号                    VARCHAR(20) → phone     5%    ~1,100  phone 98.8% (12 invalid)",
             "  email                     VARCHAR(100) → email   30%      ~838  email 99%",
             "  <script>alert(1)</script> TEXT                   60%        ~3",
             "  warning     invalid_phone: 手机号 — 12 phone numbers are not allocated in mainland China e.g. "
             "138****0000, 199****1234",
             "  error       duplicate_customers: 37 customers share a phone number with another",
         }) {
      CHECK_MESSAGE(has_line(text, line), line);
    }
  }
  SUBCASE("estimated rows, declared and polymorphic inferred relationships, a sample, embedded PII") {
    for (const char* line : {
             "tickets — 250,000 rows (estimated)",
             "  entity      ticket 88% — 表名“工单”对应 ticket",
             "  required    3 of 4 required fields have a source; missing: status",
             "  relations   (customer_id) → customers (id): declared, orphans 1.2% (3,075)",
             "              (object_id) → orders (id): inferred 80%, polymorphic where object_type = 'Order', orphans "
             "0.4% (10) —",
             "              object_type names the parent table",
             "  profile     profiled on a 10% sample of the rows",
             "  标题        VARCHAR(200) → text     0%   ~21,000",
             "  内容        TEXT                    1%   ~24,000  phone 3.1% in text, national_id <0.1% in text (2 "
             "invalid)",
             "  warning     orphans: customer_id — 3,075 tickets point to no customer e.g. T-1001, T-1002",
             "  warning     timestamp_without_zone: created_at — DATETIME values carry no time zone; they will be "
             "read as",
             "              daylight-saving changes of agents abroad (25,000)",
         }) {
      CHECK_MESSAGE(has_line(text, line), line);
    }
  }
  SUBCASE("a table that could not be read") {
    for (const char* line : {
             "legacy_audit — 50,000 rows (estimated)",
             "  entity      no CS entity fits — no CS entity matches its names",
             "  key         no primary key",
             "  profile     not profiled: the data could not be read",
             "  id          INTEGER     -         -",
             "  payload     BLOB        -         -",
             "  error       permission_denied: SELECT denied on legacy_audit",
             "  info        binary_column: payload — binary data; moved as attachment metadata only",
         }) {
      CHECK_MESSAGE(has_line(text, line), line);
    }
  }
  CHECK(text.find("\x1b[") == std::string::npos);
}

TEST_CASE("assess report: text lines stay within 120 columns") {
  assess::Assessment a = sample();
  auto& c = a.tables[0].columns[1];
  c.name = "客户联系人的姓名或者公司名称以及其他可以用来识别客户身份的备注信息（旧系统字段）";
  c.declared_type = "CHARACTER VARYING(4000) COLLATE \"zh_CN.utf8\"";
  c.pii = {{PiiClass::kName, 1, 0.5, false, 0}, {PiiClass::kPhone, 1, 0.25, true, 3},
           {PiiClass::kAddress, 1, 0.125, true, 0}, {PiiClass::kFreeText, 1, 0.75, false, 0}};
  a.tables[0].findings[0].message = std::string(40, 'x') + "客户手机号码格式不正确，无法通过号段校验，迁移前需要人工核对并修正这些记录" +
                                    std::string(130, 'y');
  for (int i = 0; i < 40; ++i) a.summary.migration_order.push_back("legacy_table_" + std::to_string(i));
  a.source.redacted = "postgresql://cs:***@" + std::string(150, 'h') + "/helpdesk";
  for (const std::string& line : lines_of(assess_text(a))) {
    CHECK_MESSAGE(util::display_width(line) <= 120, line);
    CHECK_MESSAGE((line.empty() || line.back() != ' '), line);
  }
}

TEST_CASE("assess report: the estimate reads as human time") {
  struct Case {
    double seconds;
    const char* line;
  };
  for (const Case& c : {Case{0, "  estimate    under a second"}, Case{44.6, "  estimate    about 45 s"},
                        Case{185, "  estimate    about 3 min"}, Case{3569, "  estimate    about 59 min"},
                        Case{3600 * 5.26, "  estimate    about 5.3 h"},
                        Case{86400 * 3, "  estimate    about 3 days"}}) {
    assess::Assessment a;
    a.summary.estimate_seconds = c.seconds;
    CHECK_MESSAGE(has_line(assess_text(a), c.line), c.line);
  }
}

TEST_CASE("assess report: markdown has headings and tables") {
  const std::string md = assess_markdown(sample());
  CHECK(md.rfind("# Assessment of MariaDB 10.11.6\n\nSource `odbc:DSN=helpdesk;UID=cs;PWD=***` · generated "
                 "2024-05-01T10:00:00Z in 12.3 s\n\n## Summary\n\n| Measure | Value |\n| --- | --- |\n"
                 "| Readiness | **62/100** |\n",
                 0) == 0);
  for (const char* line : {
           "| CS fit | 71.4% of required CS fields have a source |",
           "| Estimate | about 3 min at 12,346 rows/s |",
           "| Findings | 2 errors, 3 warnings, 1 info |",
           "| Migration order | `customers` → `tickets` → `legacy_audit` |",
           "- legacy\\_audit has no primary key (-5)",
           "## Tables",
           "### `customers`",
           "1,200 rows · primary key (`id`)",
           "- **Entity:** **customer** 92% — 列名匹配 customer：姓名、手机号; values look like phone numbers",
           "| Column | Declared | Observed | Null | Distinct | PII |",
           "| --- | --- | --- | ---: | ---: | --- |",
           "| `手机号` | `VARCHAR(20)` | phone | 5% | ~1,100 | phone 98.8% (12 invalid) |",
           "| `<script>alert(1)</script>` | `TEXT` | text | 60% | ~3 | |",
           "| warning | `invalid_phone` | `手机号` | 12 phone numbers are not allocated in mainland China | 12 | "
           "`138****0000`, `199****1234` |",
           "### `tickets`",
           "250,000 rows (estimated) · primary key (`ticket_id`)",
           "- **Profile:** profiled on a 10% sample of the rows",
           "| `customer_id` | `customers` (`id`) | declared | 100% | 1.2% (3,075) | |",
           "| `object_id` | `orders` (`id`) | inferred, polymorphic: `object_type` = `Order` | 80% | 0.4% (10) | "
           "object\\_type names the parent table; 99.6% of values found in orders.id |",
           "- **Entity:** none fits — no CS entity matches its names",
           "| `payload` | `BLOB` | | - | - | |",
           "| error | `permission_denied` | | SELECT denied on legacy\\_audit | | |",
       }) {
    CHECK_MESSAGE(has_line(md, line), line);
  }
  CHECK(md.back() == '\n');
  CHECK(md.ends_with("\n\n") == false);
}

TEST_CASE("assess report: markdown keeps table cells intact") {
  assess::Assessment a = sample();
  a.tables[0].columns[0].name = "a|b`c";
  a.tables[0].findings[1].message = "*two* | [link](x) <b>\nsecond line";
  const std::string md = assess_markdown(a);
  CHECK(has_line(md, "| `` a\\|b`c `` | `INTEGER` | integer | 0% | 1,200 | |"));
  CHECK(has_line(md, "| error | `duplicate_customers` | | \\*two\\* \\| \\[link\\](x) \\<b\\> second line | 37 | |"));
}

TEST_CASE("assess report: HTML is one self-contained page") {
  const std::string html = assess_html(sample());
  CHECK(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">", 0) == 0);
  CHECK(html.ends_with("</html>\n"));
  CHECK(html.find("\"Noto Sans CJK SC\",\"Microsoft YaHei\"") != std::string::npos);
  CHECK(html.find("sans-serif}") != std::string::npos);
  // The gauge and the three charts, each one SVG.
  CHECK(occurrences(html, "<svg") == 4);
  CHECK(occurrences(html, "</svg>") == 4);
  for (const char* id : {"id=\"chart-readiness\"", "id=\"chart-nulls\"", "id=\"chart-pii\"", "id=\"chart-entities\""}) {
    CHECK_MESSAGE(occurrences(html, id) == 1, id);
  }
  // Nothing to fetch: no scripts, stylesheets, fonts, images or URLs.
  for (const char* banned : {"http://", "https://", "<script", "<link", "<img", "<iframe", "src=", "url(", "@import",
                             "@font-face"}) {
    CHECK_MESSAGE(html.find(banned) == std::string::npos, banned);
  }
  CHECK(occurrences(html, "<details") == 3);
  CHECK(occurrences(html, "<style>") == 1);
  // The content people look for.
  CHECK(html.find("<li>1 table could not be read (-10)</li>") != std::string::npos);
  CHECK(html.find("<div class=\"v\">71.4%</div>") != std::string::npos);
  CHECK(html.find("<div class=\"v\">about 3 min</div>") != std::string::npos);
  CHECK(html.find("<span class=\"badge b-poly\">polymorphic</span>") != std::string::npos);
  CHECK(html.find("<span class=\"badge b-declared\">declared</span>") != std::string::npos);
  CHECK(html.find(">手机号</text>") != std::string::npos);
  CHECK(html.find("<span class=\"badge b-pii\">phone 98.8% (12 invalid)</span>") != std::string::npos);
  CHECK(html.find("not profiled: the data could not be read") != std::string::npos);
}

TEST_CASE("assess report: HTML escapes every string") {
  assess::Assessment a = sample();
  a.source.redacted = "sqlite:<script>alert(1)</script>.db";
  a.tables[1].ref.name = "t\"ick'ets&";
  a.tables[1].entity.reasons = {"<script>alert(1)</script>"};
  a.tables[0].findings[0].examples = {"<script>alert(1)</script>"};
  a.summary.readiness_penalties = {"<script>alert(1)</script>"};
  const std::string html = assess_html(a);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("alert(1)</script>") == std::string::npos);
  CHECK(occurrences(html, "&lt;script&gt;alert(1)&lt;/script&gt;") >= 6);
  CHECK(html.find("t&quot;ick&#39;ets&amp;") != std::string::npos);
  CHECK(html.find("t\"ick") == std::string::npos);
}

TEST_CASE("assess report: a long null chart is set in two columns") {
  assess::Assessment a;
  for (int t = 0; t < 3; ++t) {
    assess::TableAssessment table;
    table.ref = {"", "t" + std::to_string(t)};
    table.profiled = true;
    for (int c = 0; c < 10; ++c) {
      table.columns.push_back(column("c" + std::to_string(c), "TEXT", connector::ValueType::kText, "text", 10, c, 10));
    }
    a.tables.push_back(table);
  }
  const std::string html = assess_html(a);
  CHECK(html.find("<text x=\"0.0\" y=\"19.0\" class=\"head\">t0</text>") != std::string::npos);
  CHECK(html.find("<text x=\"512.0\" y=\"19.0\" class=\"head\">t1</text>") != std::string::npos);
  CHECK(html.find("<text x=\"512.0\" y=\"267.0\" class=\"head\">t2</text>") != std::string::npos);
  // A short chart keeps one column.
  CHECK(assess_html(sample()).find("<text x=\"512.0\"") == std::string::npos);
}

TEST_CASE("assess report: an assessment without tables still renders") {
  assess::Assessment a;
  a.source = {"SQLite", "3.40.1", "sqlite:empty.db"};
  const std::string html = assess_html(a);
  CHECK(occurrences(html, "<svg") == 4);
  CHECK(html.find("No tables.") != std::string::npos);
  CHECK(html.find("No personal data detected.") != std::string::npos);
  CHECK(html.find("No findings.") != std::string::npos);
  CHECK(html.find("Nothing lowers readiness.") != std::string::npos);
  CHECK(assess_text(a) ==
        "Assessment of SQLite 3.40.1 — sqlite:empty.db\n"
        "\n"
        "Summary\n"
        "  readiness   0/100\n"
        "  CS fit      0% of required CS fields have a source\n"
        "  total rows  0 in 0 tables\n"
        "  estimate    under a second\n"
        "  findings    0 errors, 0 warnings, 0 info\n"
        "  PII         0 columns\n");
  CHECK(assess_json(a)["tables"] == nlohmann::json::array());
  CHECK(assess_markdown(a).find("## Tables") == std::string::npos);
}

}  // namespace csbridge::report
