#include "assess/entity_fit.h"

#include <doctest/doctest.h>

namespace csbridge::assess {
namespace {

connector::TableInfo table(const std::string& name, const std::vector<std::string>& columns) {
  connector::TableInfo t;
  t.ref = {"", name};
  for (const std::string& c : columns) t.columns.push_back({c, "TEXT", connector::ValueType::kText, true});
  t.primary_key = {columns.front()};
  return t;
}

}  // namespace

TEST_CASE("entity fit: tables of real legacy helpdesks") {
  auto m = model::builtin_model();
  REQUIRE(m.is_ok());
  struct Case {
    connector::TableInfo table;
    const char* entity;
  };
  const Case cases[] = {
      {table("Tickets", {"id", "Subject", "Status", "Queue", "Owner", "Priority", "Created"}), "ticket"},
      {table("ticket_replies", {"id", "ticket_id", "author_type", "body", "is_internal", "created_at"}), "ticket_message"},
      {table("Transactions", {"id", "ObjectType", "ObjectId", "Type", "Field", "OldValue", "NewValue"}), "ticket_message"},
      {table("ticket_history", {"id", "ticket_id", "field", "old_value", "new_value", "changed_by", "changed_at"}), "ticket_event"},
      {table("customers", {"id", "name", "shouji", "email", "id_card"}), "customer"},
      {table("客户信息", {"编号", "姓名", "手机号", "邮箱"}), "customer"},
      {table("工单表", {"编号", "主题", "状态", "客户编号"}), "ticket"},
      {table("agent_groups", {"id", "group_name", "leader_id"}), "agent_group"},
      {table("agents", {"id", "login_name", "real_name", "group_id"}), "agent"},
      {table("orgs", {"id", "name", "industry"}), "organization"},
      {table("orders", {"id", "order_no", "customer_id", "amount", "waybill_no"}), "business_ref"},
      {table("ratings", {"rt_id", "rt_ticket_id", "rt_score", "rt_comment"}), "satisfaction_rating"},
      {table("attachments", {"id", "object_type", "object_id", "file_name", "mime", "size_bytes"}), "attachment"},
      {table("ticket_tags", {"ticket_id", "tag_id"}), "ticket_tag"},
      {table("tags", {"id", "name"}), "tag"},
      {table("schema_migrations", {"version"}), ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.table.ref.name);
    EntityGuess g = guess_entity(c.table, *m);
    CHECK(g.name == c.entity);
    if (g.name.empty()) continue;
    CHECK(g.confidence > 0.3);
    CHECK_FALSE(g.reasons.empty());
  }
}

TEST_CASE("entity fit: reasons and required-field coverage") {
  auto m = model::builtin_model();
  REQUIRE(m.is_ok());
  EntityGuess g = guess_entity(table("tickets", {"id", "subject", "status", "priority", "channel", "created_at"}), *m);
  CHECK(g.name == "ticket");
  CHECK(g.reasons.front() == "table name 'tickets' reads as ticket ('ticket')");
  CHECK(g.reasons.back() == "columns typical of ticket: channel, priority, status, subject");
  CHECK(g.missing_required.empty());
  CHECK(g.confidence == doctest::Approx(0.55 + 4 * 0.09));

  EntityGuess bare = guess_entity(table("tickets", {"id", "subject"}), *m);
  CHECK(bare.missing_required == std::vector<std::string>{"status", "created_at"});
}

TEST_CASE("entity fit: column synonyms in English, Chinese and pinyin") {
  CHECK(column_matches_field("shouji", "phone"));
  CHECK(column_matches_field("lianxi_dianhua", "phone"));
  CHECK(column_matches_field("手机号", "phone"));
  CHECK(column_matches_field("MobilePhone", "phone"));
  CHECK(column_matches_field("createtime", "created_at"));
  CHECK(column_matches_field("创建时间", "created_at"));
  CHECK(column_matches_field("rt_score", "score"));
  CHECK_FALSE(column_matches_field("telemetry", "phone"));
  CHECK_FALSE(column_matches_field("order_status", "phone"));
}

}  // namespace csbridge::assess
