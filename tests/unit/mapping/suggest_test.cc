// map suggest on the sample helpdesk (assess db, then suggest_mappings), the
// YAML quoting helper, and the enum vocabulary.
#include "mapping/suggest.h"

#include <doctest/doctest.h>

#include <map>

#include "assess/assess_db.h"
#include "config/yaml_source.h"
#include "connector/registry.h"
#include "test_support.h"

namespace csbridge::mapping {
namespace {

struct Suggested {
  std::vector<SuggestedFile> files;
  std::map<std::string, YAML::Node> docs;  // by file name
};

std::string sample_db() { return std::string("sqlite:") + CSBRIDGE_SAMPLE_DB + "?mode=ro"; }

// assess db, then map suggest, on the database at `url`; the files parsed.
Suggested suggest_db(const std::string& url, const SuggestOptions& options) {
  auto db = connector::open_connector(url);
  REQUIRE_MESSAGE(db.is_ok(), db.status().message());
  auto model = model::builtin_model();
  REQUIRE(model.is_ok());
  auto a = assess::assess_database(**db, *model, {});
  REQUIRE_MESSAGE(a.is_ok(), a.status().message());
  auto files = suggest_mappings(**db, *a, *model, options);
  REQUIRE_MESSAGE(files.is_ok(), files.status().message());
  Suggested out;
  out.files = std::move(files).value();
  for (const SuggestedFile& f : out.files) {
    auto doc = config::parse_yaml(f.text, f.file_name);
    REQUIRE_MESSAGE(doc.is_ok(), doc.status().message());
    out.docs[f.file_name] = doc->root;
  }
  return out;
}

Suggested suggest_sample(const SuggestOptions& options = {"helpdesk", "Asia/Shanghai"}) {
  return suggest_db(sample_db(), options);
}

// The blocks of a file: the top-level map, or the items of `mappings:`.
std::vector<YAML::Node> blocks(const YAML::Node& doc) {
  std::vector<YAML::Node> out;
  if (doc["mappings"]) {
    for (const YAML::Node& b : doc["mappings"]) out.push_back(b);
  } else {
    out.push_back(doc);
  }
  return out;
}

const SuggestedFile& file(const Suggested& s, const std::string& name) {
  for (const SuggestedFile& f : s.files) {
    if (f.file_name == name) return f;
  }
  FAIL("no file " << name);
  return s.files.front();
}

// The source column of a field: the shorthand scalar or `column:`.
std::string column_of(const YAML::Node& field) {
  if (field.IsScalar()) return field.as<std::string>();
  return field["column"] ? field["column"].as<std::string>() : "";
}

// The entity of a field's lookup: the short form, or `entity:` of the long one.
std::string lookup_of(const YAML::Node& field) {
  const YAML::Node l = field["lookup"];
  if (!l) return "";
  return l.IsScalar() ? l.as<std::string>() : l["entity"].as<std::string>();
}

}  // namespace

TEST_CASE("map suggest: the sample helpdesk") {
  Suggested s = suggest_sample();

  SUBCASE("one file per entity found, in model order") {
    std::vector<std::string> names;
    for (const SuggestedFile& f : s.files) names.push_back(f.file_name);
    CHECK(names == std::vector<std::string>{"organization.yaml", "customer.yaml", "agent.yaml", "agent_group.yaml",
                                            "ticket.yaml", "ticket_message.yaml", "ticket_event.yaml", "tag.yaml",
                                            "ticket_tag.yaml", "satisfaction_rating.yaml", "attachment.yaml",
                                            "business_ref.yaml"});
    for (const SuggestedFile& f : s.files) {
      CAPTURE(f.file_name);
      CHECK(f.file_name == f.entity + ".yaml");
      for (const YAML::Node& b : blocks(s.docs[f.file_name])) {
        CHECK(b["entity"].as<std::string>() == f.entity);
        CHECK(b["source"].as<std::string>() == "helpdesk");
        CHECK(b["custom"].as<std::string>() == "rest");
      }
    }
  }

  SUBCASE("ticket: key, columns, lookups, value maps, time zones") {
    const YAML::Node t = s.docs["ticket.yaml"];
    CHECK(t["table"].as<std::string>() == "tickets");
    CHECK(t["key"].as<std::string>() == "id");
    const YAML::Node f = t["fields"];
    CHECK(column_of(f["subject"]) == "subject");
    CHECK(column_of(f["customer_id"]) == "customer_id");
    CHECK(f["customer_id"]["lookup"].as<std::string>() == "customer");
    // Agent 7 was deleted: an optional reference keeps the ticket without its assignee.
    CHECK(f["assignee_id"]["lookup"]["entity"].as<std::string>() == "agent");
    CHECK(f["assignee_id"]["lookup"]["orphans"].IsNull());
    CHECK(f["group_id"]["lookup"].as<std::string>() == "agent_group");
    CHECK(column_of(f["solved_at"]) == "closed_at");
    CHECK_FALSE(f["organization_id"]);  // optional, no source: left out

    CHECK(column_of(f["status"]) == "status");
    const YAML::Node status_map = f["status"]["steps"][0]["map"]["values"];
    const std::map<std::string, std::string> expected_status = {
        {"新建", "new"},      {"处理中", "open"}, {"待客户回复", "pending"}, {"已解决", "solved"},
        {"已关闭", "closed"}, {"open", "open"},   {"closed", "closed"}};
    CHECK(status_map.size() == expected_status.size());
    for (const auto& [from, to] : expected_status) {
      CAPTURE(from);
      REQUIRE(status_map[from]);
      CHECK(status_map[from].as<std::string>() == to);
    }
    CHECK_FALSE(f["status"]["steps"][0]["map"]["else"]);  // every observed value matched

    const YAML::Node channel_map = f["channel"]["steps"][0]["map"]["values"];
    CHECK(channel_map["电话"].as<std::string>() == "phone");
    CHECK(channel_map["邮件"].as<std::string>() == "email");
    CHECK(channel_map["微信"].as<std::string>() == "wechat");
    CHECK(channel_map["APP"].as<std::string>() == "app");
    CHECK(channel_map["web"].as<std::string>() == "web");

    // SMALLINT priorities 1..4 by rank, 1 the most urgent; said to be a guess.
    const YAML::Node prio_map = f["priority"]["steps"][0]["map"]["values"];
    CHECK(prio_map["1"].as<std::string>() == "urgent");
    CHECK(prio_map["4"].as<std::string>() == "low");
    CHECK(file(s, "ticket.yaml").text.find("check the direction") != std::string::npos);

    const YAML::Node created = f["created_at"]["steps"][0]["parse_time"];
    CHECK(created["format"].as<std::string>() == "%Y-%m-%d %H:%M:%S");
    CHECK(created["timezone"].as<std::string>() == "Asia/Shanghai");
    CHECK(file(s, "ticket.yaml").todos == 0);
  }

  SUBCASE("customer: pinyin phone over the landline, address parts joined, organization lookup") {
    const YAML::Node f = s.docs["customer.yaml"]["fields"];
    CHECK(column_of(f["phone"]) == "shouji");
    CHECK(f["phone"]["steps"][0].as<std::string>() == "phone");
    CHECK(column_of(f["national_id"]) == "id_card");
    CHECK(column_of(f["notes"]) == "remark");
    CHECK(f["organization_id"]["column"].as<std::string>() == "org_id");
    CHECK(f["organization_id"]["lookup"].as<std::string>() == "organization");
    CHECK(f["address"]["columns"].as<std::vector<std::string>>() ==
          std::vector<std::string>{"province", "city", "district", "street"});
    const std::string& text = file(s, "customer.yaml").text;
    CHECK(text.find("also possible: tel") != std::string::npos);
    CHECK(text.find("4 values are not valid phone numbers") != std::string::npos);
  }

  SUBCASE("polymorphic authors: one block per kind, split with where") {
    std::vector<YAML::Node> b = blocks(s.docs["ticket_message.yaml"]);
    REQUIRE(b.size() == 2);
    CHECK(b[0]["where"].as<std::string>() == "author_type = 'agent'");
    CHECK(lookup_of(b[0]["fields"]["author_agent_id"]) == "agent");
    CHECK_FALSE(b[0]["fields"]["author_customer_id"]);
    CHECK(b[1]["where"].as<std::string>() == "author_type = 'customer'");
    CHECK(b[1]["fields"]["author_customer_id"]["lookup"].as<std::string>() == "customer");
    for (const YAML::Node& block : b) {
      CHECK_FALSE(block["key_prefix"]);  // the kinds partition the rows: one key space
      // Required: replies of deleted tickets are rejected, not kept without a ticket.
      CHECK(block["fields"]["ticket_id"]["lookup"].as<std::string>() == "ticket");
      CHECK(block["fields"]["is_internal"]["steps"][0]["cast"].as<std::string>() == "boolean");
    }
  }

  SUBCASE("TODOs for required fields nothing can fill") {
    // Attachments of replies point at a message, not a ticket: ticket_id needs a join.
    std::vector<YAML::Node> att = blocks(s.docs["attachment.yaml"]);
    REQUIRE(att.size() == 2);
    CHECK(att[0]["where"].as<std::string>() == "object_type = 'reply'");
    CHECK(lookup_of(att[0]["fields"]["message_id"]) == "ticket_message");
    const std::string todo = att[0]["fields"]["ticket_id"]["todo"].as<std::string>();
    CHECK(todo.find("object_id names a ticket_message (ticket_replies)") != std::string::npos);
    CHECK(att[1]["fields"]["ticket_id"]["lookup"].as<std::string>() == "ticket");
    CHECK(file(s, "attachment.yaml").todos == 1);

    // Orders hold no ticket: the link is tickets.order_no, the other way round.
    const YAML::Node ref = s.docs["business_ref.yaml"]["fields"];
    CHECK(ref["ticket_id"]["todo"].as<std::string>().find("tickets.order_no refers to orders.order_no") != std::string::npos);
    CHECK(ref["kind"]["value"].as<std::string>() == "order");
    CHECK(column_of(ref["number"]) == "order_no");

    const YAML::Node ev = s.docs["ticket_event.yaml"]["fields"];
    CHECK(ev["actor_kind"]["todo"].as<std::string>().find("actor_agent_id comes from changed_by") != std::string::npos);
    CHECK(ev["kind"]["steps"][0]["map"]["values"]["assignee_id"].as<std::string>() == "assigned");
    CHECK(ev["kind"]["steps"][0]["map"]["values"]["status"].as<std::string>() == "status_changed");
  }

  SUBCASE("prefixed columns, composite keys, scales from the observed range") {
    const YAML::Node r = s.docs["satisfaction_rating.yaml"];
    CHECK(r["key"].as<std::string>() == "rt_id");
    CHECK(column_of(r["fields"]["score"]) == "rt_score");
    CHECK(column_of(r["fields"]["rated_at"]) == "rt_time");
    CHECK(r["fields"]["scale_min"]["value"].as<std::string>() == "1");
    CHECK(r["fields"]["scale_max"]["value"].as<std::string>() == "5");
    CHECK(r["fields"]["kind"]["value"].as<std::string>() == "csat");
    CHECK(s.docs["ticket_tag.yaml"]["key"].as<std::vector<std::string>>() == std::vector<std::string>{"ticket_id", "tag_id"});
    CHECK(column_of(s.docs["agent.yaml"]["fields"]["name"]) == "real_name");
  }

  SUBCASE("every field is preceded by its confidence or TODO comment") {
    int fields = 0;
    for (const SuggestedFile& f : s.files) {
      CAPTURE(f.file_name);
      std::vector<std::string> lines;
      for (std::string_view rest = f.text; !rest.empty();) {
        size_t nl = rest.find('\n');
        lines.emplace_back(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      }
      auto indent = [](const std::string& l) { return l.find_first_not_of(' '); };
      size_t field_indent = std::string::npos;
      for (size_t i = 0; i < lines.size(); ++i) {
        const std::string& l = lines[i];
        if (l.empty() || l[indent(l)] == '#') continue;
        if (l.size() >= 7 && l.compare(l.size() - 7, 7, "fields:") == 0) {
          field_indent = indent(l) + 2;
          continue;
        }
        if (field_indent == std::string::npos || indent(l) < field_indent) {
          field_indent = std::string::npos;
          continue;
        }
        if (indent(l) != field_indent) continue;
        CAPTURE(l);
        size_t j = i - 1;
        while (lines[j].compare(indent(lines[j]), 4, "#   ") == 0) --j;  // notes under the choice's comment
        std::string comment = lines[j].substr(indent(lines[j]));
        CHECK((comment.rfind("# confidence 0.", 0) == 0 || comment.rfind("# TODO: ", 0) == 0));
        ++fields;
      }
    }
    CHECK(fields > 60);
  }

  SUBCASE("deterministic") {
    Suggested again = suggest_sample();
    REQUIRE(again.files.size() == s.files.size());
    for (size_t i = 0; i < s.files.size(); ++i) CHECK(again.files[i].text == s.files[i].text);
  }
}

TEST_CASE("map suggest: source name and zone defaults") {
  Suggested s = suggest_sample({"", ""});
  const YAML::Node t = s.docs["ticket.yaml"];
  CHECK(t["source"].as<std::string>() == "legacy");
  const YAML::Node parse = t["fields"]["created_at"]["steps"][0]["parse_time"];
  CHECK(parse["format"].as<std::string>() == "%Y-%m-%d %H:%M:%S");
  CHECK_FALSE(parse["timezone"]);  // the source's zone applies
  CHECK(s.files[4].text.find("read as the source's default zone") != std::string::npos);
}

// A second customer table, a table without a key, a status outside the
// vocabulary and a polymorphic kind without a table.
TEST_CASE("map suggest: prefixes, missing keys, unsure maps, uncovered kinds") {
  test::TempDir dir;
  std::string path = (dir.path() / "legacy.db").string();
  {
    auto db = connector::open_connector("sqlite:" + path + "?mode=rwc");
    REQUIRE_MESSAGE(db.is_ok(), db.status().message());
    Status st = (*db)->execute(R"sql(
      CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(50), mobile VARCHAR(20));
      CREATE TABLE crm_clients (client_id INTEGER PRIMARY KEY, 姓名 VARCHAR(50), 手机号 VARCHAR(20));
      CREATE TABLE tickets (id INTEGER PRIMARY KEY, subject VARCHAR(100), status VARCHAR(10) NOT NULL,
                            customer_id INTEGER, created_at TIMESTAMP, updated_at VARCHAR(19));
      CREATE TABLE attachments (id INTEGER PRIMARY KEY, object_type VARCHAR(10), object_id INTEGER, file_name VARCHAR(100));
      CREATE TABLE tags (tag_name VARCHAR(20), color VARCHAR(7));
      INSERT INTO customers VALUES (1, '张伟', '13800138000'), (2, '李娜', '13900139000'), (3, '王芳', '13700137000');
      INSERT INTO crm_clients VALUES (7, '赵云', '13600136000'), (8, '刘杰', '13500135000');
      INSERT INTO tickets VALUES (10, '退款', '处理中', 1, '2023-01-01 10:00:00', '2023-01-01 11:00:00'),
                                 (11, 'hi', '已关闭', 2, '2023-01-02 10:00:00', '2023-01-02 11:00:00'),
                                 (12, 'x', '奇怪状态', 3, '2023-01-03 10:00:00', '2023/01/03 11:00'),
                                 (13, 'y', '处理中', 1, '2023-01-04 10:00:00', '2023-01-04 11:00:00');
      INSERT INTO attachments VALUES (1, 'ticket', 10, 'a.png'), (2, 'ticket', 11, 'b.png'), (3, 'ticket', 12, 'c.png'),
                                     (4, 'ticket', 13, 'd.png'), (5, 'wiki', 99, 'e.png');
      INSERT INTO tags VALUES ('退款', '#ff0000'), ('催单', '#00ff00');
    )sql");
    REQUIRE_MESSAGE(st.is_ok(), st.message());
  }
  auto db = connector::open_connector("sqlite:" + path + "?mode=ro");
  REQUIRE(db.is_ok());
  auto model = model::builtin_model();
  REQUIRE(model.is_ok());
  auto a = assess::assess_database(**db, *model, {});
  REQUIRE_MESSAGE(a.is_ok(), a.status().message());
  auto files = suggest_mappings(**db, *a, *model, {"crm", "+08:00"});
  REQUIRE_MESSAGE(files.is_ok(), files.status().message());
  std::map<std::string, const SuggestedFile*> by_name;
  std::map<std::string, YAML::Node> docs;
  for (const SuggestedFile& f : *files) {
    by_name[f.file_name] = &f;
    auto doc = config::parse_yaml(f.text, f.file_name);
    REQUIRE_MESSAGE(doc.is_ok(), doc.status().message());
    docs[f.file_name] = doc->root;
  }
  REQUIRE(by_name.count("customer.yaml"));
  REQUIRE(by_name.count("ticket.yaml"));
  REQUIRE(by_name.count("tag.yaml"));

  SUBCASE("two customer tables: two blocks with their own key_prefix") {
    std::vector<YAML::Node> b = blocks(docs["customer.yaml"]);
    REQUIRE(b.size() == 2);
    CHECK(b[0]["table"].as<std::string>() == "crm_clients");
    CHECK(b[0]["key_prefix"].as<std::string>() == "crm_clients:");
    CHECK(column_of(b[0]["fields"]["name"]) == "姓名");
    CHECK(column_of(b[0]["fields"]["phone"]) == "手机号");
    CHECK(b[1]["table"].as<std::string>() == "customers");
    CHECK(b[1]["key_prefix"].as<std::string>() == "customers:");
    CHECK(column_of(b[1]["fields"]["phone"]) == "mobile");
    // The ticket's customer is one of customers: the lookup carries that block's prefix.
    const YAML::Node lookup = docs["ticket.yaml"]["fields"]["customer_id"]["lookup"];
    CHECK(lookup["entity"].as<std::string>() == "customer");
    CHECK(lookup["key_prefix"].as<std::string>() == "customers:");
  }

  SUBCASE("a status outside the vocabulary is not folded into open: its rows wait for the map") {
    const YAML::Node map = docs["ticket.yaml"]["fields"]["status"]["steps"][0]["map"];
    CHECK(map["values"]["处理中"].as<std::string>() == "open");
    CHECK(map["values"]["已关闭"].as<std::string>() == "closed");
    CHECK_FALSE(map["values"]["奇怪状态"]);
    CHECK_FALSE(map["else"]);
    CHECK(by_name["ticket.yaml"]->text.find("TODO matched nothing: 奇怪状态 (1 row); those rows are rejected (unmapped_value) "
                                            "until the map lists them") != std::string::npos);
    CHECK(docs["ticket.yaml"]["fields"]["created_at"]["steps"][0]["parse_time"]["timezone"].as<std::string>() == "+08:00");
  }

  SUBCASE("text timestamps in several formats: every format, most frequent first") {
    const YAML::Node parse = docs["ticket.yaml"]["fields"]["updated_at"]["steps"][0]["parse_time"];
    CHECK(parse["format"].as<std::vector<std::string>>() == std::vector<std::string>{"%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"});
    CHECK(by_name["ticket.yaml"]->text.find("text timestamps without a zone, read as +08:00; several formats seen") !=
          std::string::npos);
  }

  SUBCASE("no key: a TODO instead of a key") {
    const SuggestedFile& tags = *by_name["tag.yaml"];
    CHECK_FALSE(docs["tag.yaml"]["key"]);
    CHECK(tags.todos == 1);
    CHECK(tags.text.find("# TODO key: tags has no primary or unique key") != std::string::npos);
  }

  SUBCASE("a polymorphic kind without a table is named") {
    REQUIRE(by_name.count("attachment.yaml"));
    const SuggestedFile& att = *by_name["attachment.yaml"];
    CHECK(docs["attachment.yaml"]["where"].as<std::string>() == "object_type = 'ticket'");
    CHECK(att.text.find("TODO: rows of the kinds 'wiki' (1 row) match no block") != std::string::npos);
  }
}

// Assessments built by hand: what suggest does when there is nothing to do
// or the source cannot give the values it needs.
TEST_CASE("map suggest: unhappy paths") {
  auto db = connector::open_connector(sample_db());
  REQUIRE(db.is_ok());
  auto model = model::builtin_model();
  REQUIRE(model.is_ok());
  assess::Assessment a;
  assess::TableAssessment t;

  SUBCASE("no table confident enough") {
    t.ref = {"", "schema_migrations"};
    a.tables.push_back(t);
    t.ref = {"", "tickets"};
    t.entity.name = "ticket";
    t.entity.confidence = 0.4;
    a.tables.push_back(t);
    auto files = suggest_mappings(**db, a, *model, {});
    REQUIRE_FALSE(files.is_ok());
    CHECK(files.status().code() == ErrorCode::kNotFound);
    CHECK(files.status().message() ==
          "no table looks like a CS entity with confidence 0.50 or more: schema_migrations, tickets (ticket 0.40)");
  }

  SUBCASE("no tables at all") {
    auto files = suggest_mappings(**db, a, *model, {});
    REQUIRE_FALSE(files.is_ok());
    CHECK(files.status().message() ==
          "no table looks like a CS entity with confidence 0.50 or more (the source has no tables)");
  }

  SUBCASE("a table whose values cannot be read is named") {
    t.ref = {"", "no_such_tickets"};
    t.entity.name = "ticket";
    t.entity.confidence = 0.9;
    assess::ColumnProfile status;
    status.name = "status";
    status.observed_type = "text";
    status.type = connector::ValueType::kText;
    t.columns.push_back(status);
    a.tables.push_back(t);
    auto files = suggest_mappings(**db, a, *model, {});
    REQUIRE_FALSE(files.is_ok());
    CHECK(files.status().message().rfind("reading the values of no_such_tickets.status: ", 0) == 0);
  }
}

TEST_CASE("map suggest: yaml_scalar quotes what YAML would misread") {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"status", "status"},
      {"已关闭", "已关闭"},
      {"Asia/Shanghai", "Asia/Shanghai"},
      {"author_type = 'agent'", "author_type = 'agent'"},
      {"", "\"\""},
      {"yes", "\"yes\""},
      {"No", "\"No\""},
      {"on", "\"on\""},
      {"OFF", "\"OFF\""},
      {"null", "\"null\""},
      {"~", "\"~\""},
      {"true", "\"true\""},
      {"1", "\"1\""},
      {"0.5", "\"0.5\""},
      {"+08:00", "\"+08:00\""},
      {"-1", "\"-1\""},
      {".inf", "\".inf\""},
      {"2023-01-01", "\"2023-01-01\""},
      {"%Y-%m-%d", "\"%Y-%m-%d\""},
      {"#f5a623", "\"#f5a623\""},
      {"a: b", "\"a: b\""},
      {"key:", "\"key:\""},
      {"x #y", "\"x #y\""},
      {"a,b", "\"a,b\""},
      {"[x]", "\"[x]\""},
      {"*ref", "\"*ref\""},
      {"'q'", "\"'q'\""},
      {" lead", "\" lead\""},
      {"say \"hi\"", "say \"hi\""},
      {"line\nbreak", "\"line\\nbreak\""},
      {"tab\there", "\"tab\\there\""},
      {"back\\slash: x", "\"back\\\\slash: x\""},
      {"bell\x07", "\"bell\\x07\""},
      {"ls\xE2\x80\xA8", "\"ls\\L\""},
      {"主题: 退款", "\"主题: 退款\""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.in);
    CHECK(yaml_scalar(c.in) == c.out);
    // And it reads back as the same string.
    auto doc = config::parse_yaml("v: " + yaml_scalar(c.in) + "\n", "t.yaml");
    REQUIRE(doc.is_ok());
    CHECK(doc->root["v"].as<std::string>() == c.in);
  }
}

TEST_CASE("map suggest: legacy enum values onto CS domains") {
  const std::vector<std::string> status = {"new", "open", "pending", "on_hold", "solved", "closed"};
  const std::vector<std::string> priority = {"low", "normal", "high", "urgent"};
  const std::vector<std::string> event = {"created", "status_changed", "priority_changed", "assigned",
                                          "group_changed", "merged", "reopened", "other"};
  struct Case {
    const char* value;
    const std::vector<std::string>* domain;
    const char* expected;  // "" = no match
    double confidence;
  };
  const Case cases[] = {
      {"open", &status, "open", 0.97},
      {" Closed ", &status, "closed", 0.97},
      {"新建", &status, "new", 0.9},
      {"处理中", &status, "open", 0.9},
      {"进行中", &status, "open", 0.9},
      {"待回复", &status, "pending", 0.9},
      {"待客户回复", &status, "pending", 0.9},
      {"挂起", &status, "on_hold", 0.9},
      {"已解决", &status, "solved", 0.9},
      {"Resolved", &status, "solved", 0.9},
      {"关闭", &status, "closed", 0.9},
      {"In Progress", &status, "open", 0.9},
      {"工单已关闭", &status, "closed", 0.7},
      {"高", &priority, "high", 0.9},
      {"紧急", &priority, "urgent", 0.9},
      {"非常紧急", &priority, "urgent", 0.9},
      {"assignee_id", &event, "assigned", 0.7},
      {"group_id", &event, "group_changed", 0.7},
      {"status", &event, "status_changed", 0.9},
      // Failures: unknown words, an empty value, a word outside the domain, ambiguity.
      {"foo", &status, "", 0},
      {"", &status, "", 0},
      {"   ", &status, "", 0},
      {"紧急", &status, "", 0},
      {"高", &status, "", 0},
      {"已解决已关闭", &status, "", 0},
      {"3", &priority, "", 0},
  };
  for (const Case& c : cases) {
    CAPTURE(c.value);
    auto m = match_enum_value(c.value, *c.domain);
    if (std::string(c.expected).empty()) {
      CHECK_FALSE(m.has_value());
      continue;
    }
    REQUIRE(m.has_value());
    CHECK(m->value == c.expected);
    CHECK(m->confidence == doctest::Approx(c.confidence));
    CHECK_FALSE(m->reason.empty());
  }
  CHECK(match_enum_value("待客户回复", status)->reason == "synonym '待客户回复'");
  CHECK(match_enum_value("工单已关闭", status)->reason == "contains '已关闭'");
}

}  // namespace csbridge::mapping

namespace csbridge::mapping {

TEST_CASE("map suggest: one table of people holding agents and customers, and name/value rows as entities") {
  test::TempDir dir;
  std::string path = (dir.path() / "home_grown.db").string();
  {
    auto db = connector::open_connector("sqlite:" + path + "?mode=rwc");
    REQUIRE_MESSAGE(db.is_ok(), db.status().message());
    // A home-grown helpdesk: hd_ prefixes, folded names, custom fields as name/value rows.
    std::string sql = R"sql(
      CREATE TABLE hd_users (id INTEGER PRIMARY KEY, realname VARCHAR(50), emailaddress VARCHAR(80), mobilephone VARCHAR(20));
      CREATE TABLE hd_tickets (id INTEGER PRIMARY KEY, subject VARCHAR(100), status VARCHAR(10) NOT NULL,
                               requestor INTEGER, assignedto INTEGER, created TIMESTAMP);
      CREATE TABLE hd_fields (id INTEGER PRIMARY KEY, name VARCHAR(50));
      CREATE TABLE hd_field_values (id INTEGER PRIMARY KEY, field_id INTEGER, ticket_id INTEGER, value VARCHAR(100),
                                    created TIMESTAMP);
      INSERT INTO hd_fields VALUES (1, '订单号'), (2, '满意度'), (3, '备注');
    )sql";
    for (int i = 1; i <= 30; ++i) {
      sql += "INSERT INTO hd_users VALUES (" + std::to_string(i) + ", '用户" + std::to_string(i) + "', 'u" +
             std::to_string(i) + "@example.cn', '1380013" + std::to_string(8000 + i) + "');";
    }
    const char* words[] = {"非常满意", "满意", "一般", "不满意"};
    for (int t = 1; t <= 40; ++t) {
      std::string id = std::to_string(t);
      sql += "INSERT INTO hd_tickets VALUES (" + id + ", '订单问题', 'open', " + std::to_string(5 + t % 25) + ", " +
             std::to_string(1 + t % 4) + ", '2024-01-01 10:00:00');";
      sql += "INSERT INTO hd_field_values VALUES (" + std::to_string(3 * t) + ", 1, " + id + ", 'SO2024" + id +
             "', '2024-01-01 10:00:00');";
      sql += "INSERT INTO hd_field_values VALUES (" + std::to_string(3 * t + 1) + ", 2, " + id + ", '" + words[t % 4] +
             "', '2024-01-02 10:00:00');";
    }
    Status st = (*db)->execute(sql);
    REQUIRE_MESSAGE(st.is_ok(), st.message());
  }
  std::map<std::string, YAML::Node> docs = suggest_db("sqlite:" + path + "?mode=ro", {"hd", "+08:00"}).docs;
  SUBCASE("the people tickets are assigned to are the agents, the others the customers") {
    REQUIRE(docs.count("agent.yaml"));
    REQUIRE(docs.count("customer.yaml"));
    const YAML::Node agent = docs["agent.yaml"], customer = docs["customer.yaml"];
    CHECK(agent["table"].as<std::string>() == "hd_users");
    CHECK(agent["where"].as<std::string>() == "id IN (SELECT assignedto FROM hd_tickets WHERE assignedto IS NOT NULL)");
    CHECK(customer["where"].as<std::string>() ==
          "id NOT IN (SELECT assignedto FROM hd_tickets WHERE assignedto IS NOT NULL)");
    const YAML::Node ticket = docs["ticket.yaml"];
    CHECK(column_of(ticket["fields"]["assignee_id"]) == "assignedto");
    CHECK(lookup_of(ticket["fields"]["assignee_id"]) == "agent");
  }
  SUBCASE("a custom field named like a CS field is a block of its entity over its rows") {
    REQUIRE(docs.count("business_ref.yaml"));
    const YAML::Node ref = docs["business_ref.yaml"];
    CHECK(ref["table"].as<std::string>() == "hd_field_values");
    CHECK(ref["where"].as<std::string>() == "field_id = 1");
    CHECK(column_of(ref["fields"]["number"]) == "value");
    CHECK(ref["fields"]["kind"]["value"].as<std::string>() == "order");
    CHECK(lookup_of(ref["fields"]["ticket_id"]) == "ticket");
    REQUIRE(docs.count("satisfaction_rating.yaml"));
    const YAML::Node rating = docs["satisfaction_rating.yaml"];
    CHECK(rating["where"].as<std::string>() == "field_id = 2");
    CHECK(rating["fields"]["score"]["steps"][0]["map"]["values"]["非常满意"].as<std::string>() == "5");
    CHECK(rating["fields"]["scale_max"]["value"].as<std::string>() == "5");
    CHECK(rating["fields"]["kind"]["value"].as<std::string>() == "csat");
  }
}

}  // namespace csbridge::mapping

namespace csbridge::mapping {

TEST_CASE("map suggest: the where of the agents quotes a table name SQL would misread") {
  test::TempDir dir;
  std::string path = (dir.path() / "spaced.db").string();
  {
    auto db = connector::open_connector("sqlite:" + path + "?mode=rwc");
    REQUIRE_MESSAGE(db.is_ok(), db.status().message());
    std::string sql = R"sql(
      CREATE TABLE users (id INTEGER PRIMARY KEY, realname VARCHAR(50), emailaddress VARCHAR(80));
      CREATE TABLE "work tickets" (id INTEGER PRIMARY KEY, subject VARCHAR(100), status VARCHAR(10) NOT NULL,
                                   requestor INTEGER, assignedto INTEGER, created TIMESTAMP);
    )sql";
    for (int i = 1; i <= 30; ++i) {
      sql += "INSERT INTO users VALUES (" + std::to_string(i) + ", '用户" + std::to_string(i) + "', 'u" +
             std::to_string(i) + "@example.cn');";
    }
    for (int t = 1; t <= 40; ++t) {
      sql += "INSERT INTO \"work tickets\" VALUES (" + std::to_string(t) + ", '退款', 'open', " +
             std::to_string(5 + t % 25) + ", " + std::to_string(1 + t % 4) + ", '2024-01-01 10:00:00');";
    }
    Status st = (*db)->execute(sql);
    REQUIRE_MESSAGE(st.is_ok(), st.message());
  }
  std::map<std::string, YAML::Node> docs = suggest_db("sqlite:" + path + "?mode=ro", {"hd", "+08:00"}).docs;
  REQUIRE(docs.count("agent.yaml"));
  CHECK(docs["agent.yaml"]["where"].as<std::string>() ==
        "id IN (SELECT assignedto FROM \"work tickets\" WHERE assignedto IS NOT NULL)");
}

}  // namespace csbridge::mapping
