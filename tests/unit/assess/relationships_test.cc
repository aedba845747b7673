#include "assess/relationships.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace csbridge::assess {
namespace {

using connector::ColumnInfo;
using connector::TableInfo;
using connector::ValueType;

ColumnInfo integer(std::string name) { return {std::move(name), "integer", ValueType::kInteger, true}; }
ColumnInfo text(std::string name) { return {std::move(name), "varchar(64)", ValueType::kText, true}; }

TableInfo table(std::string name, std::vector<ColumnInfo> columns) {
  TableInfo t;
  t.ref = {"public", std::move(name)};
  t.columns = std::move(columns);
  t.primary_key = {"id"};
  return t;
}

// Request Tracker's tables as PostgreSQL lists them: unquoted CamelCase folded
// to lower case, no foreign key declared.
struct Rt {
  std::vector<TableInfo> tables = {
      table("principals", {integer("id"), text("principaltype")}),
      table("users", {integer("id"), text("name"), text("emailaddress"), integer("creator"), integer("lastupdatedby")}),
      table("groups", {integer("id"), text("name"), text("domain"), integer("instance"), integer("creator")}),
      table("groupmembers", {integer("id"), integer("groupid"), integer("memberid"), integer("creator")}),
      table("queues", {integer("id"), text("name"), integer("creator")}),
      table("tickets", {integer("id"), integer("effectiveid"), integer("queue"), integer("owner"), integer("creator"),
                        integer("lastupdatedby"), text("subject"), text("status")}),
      table("transactions", {integer("id"), text("objecttype"), integer("objectid"), text("type"), integer("creator")}),
      table("attachments", {integer("id"), integer("transactionid"), integer("parent"), text("contenttype")}),
      table("customfields", {integer("id"), text("name")}),
      table("objectcustomfieldvalues",
            {integer("id"), integer("customfield"), text("objecttype"), integer("objectid"), text("content")}),
  };
  std::vector<EntityGuess> entities = std::vector<EntityGuess>(tables.size());

  Rt() {
    entities[1].name = "customer";  // Users: agents and customers alike
    entities[2].name = "agent_group";
    entities[4].name = "agent_group";
    entities[5].name = "ticket";
    entities[6].name = "ticket_message";
  }
  size_t index(const std::string& name) const {
    for (size_t i = 0; i < tables.size(); ++i) {
      if (tables[i].ref.name == name) return i;
    }
    FAIL("no table " << name);
    return 0;
  }
};

bool has_candidate(const std::vector<Candidate>& cs, const Rt& rt, const std::string& child, const std::string& column,
                   const std::string& parent) {
  return std::any_of(cs.begin(), cs.end(), [&](const Candidate& c) {
    return c.child == rt.index(child) && c.column == column && !c.polymorphic && c.parent == rt.index(parent);
  });
}

bool has_polymorphic(const std::vector<Candidate>& cs, const Rt& rt, const std::string& child,
                     const std::string& type_column, const std::string& column) {
  return std::any_of(cs.begin(), cs.end(), [&](const Candidate& c) {
    return c.child == rt.index(child) && c.polymorphic && c.type_column == type_column && c.column == column;
  });
}

}  // namespace

TEST_CASE("relationships: candidates of a helpdesk with folded names and no declared keys (RT)") {
  Rt rt;
  std::vector<Candidate> cs = find_candidates(rt.tables, rt.entities);
  CHECK(has_candidate(cs, rt, "tickets", "queue", "queues"));                  // named like a table
  CHECK(has_candidate(cs, rt, "tickets", "owner", "users"));                   // a person in a role
  CHECK(has_candidate(cs, rt, "tickets", "creator", "users"));
  CHECK(has_candidate(cs, rt, "tickets", "lastupdatedby", "users"));
  CHECK(has_candidate(cs, rt, "tickets", "effectiveid", "tickets"));           // its own rows
  CHECK(has_candidate(cs, rt, "transactions", "creator", "users"));
  CHECK(has_candidate(cs, rt, "attachments", "transactionid", "transactions"));  // folded TransactionId
  CHECK(has_candidate(cs, rt, "objectcustomfieldvalues", "customfield", "customfields"));
  CHECK(has_candidate(cs, rt, "groupmembers", "groupid", "groups"));
  CHECK(has_candidate(cs, rt, "groupmembers", "memberid", "principals"));      // members are users and groups
  CHECK(has_candidate(cs, rt, "users", "id", "principals"));                   // a key shared with a supertype
  CHECK(has_polymorphic(cs, rt, "transactions", "objecttype", "objectid"));
  CHECK(has_polymorphic(cs, rt, "objectcustomfieldvalues", "objecttype", "objectid"));
  CHECK(has_polymorphic(cs, rt, "groups", "domain", "instance"));              // Domain + Instance
  // A group's member list is no table of people; a ticket's status names nothing.
  CHECK_FALSE(has_candidate(cs, rt, "tickets", "owner", "groupmembers"));
  CHECK_FALSE(std::any_of(cs.begin(), cs.end(), [&](const Candidate& c) {
    return c.child == rt.index("tickets") && (c.column == "status" || c.column == "subject");
  }));
}

TEST_CASE("relationships: containment picks the parent, 0 means none, and codes find their one table") {
  Rt rt;
  std::vector<Candidate> cs = find_candidates(rt.tables, rt.entities);
  std::vector<std::unordered_map<std::string, KeyCollector>> keys(rt.tables.size());
  for (size_t t = 0; t < rt.tables.size(); ++t) keys[t]["id"];
  auto fill = [&](const std::string& t, int from, int to) {
    for (int k = from; k <= to; ++k) keys[rt.index(t)]["id"].add_key(std::to_string(k));
  };
  fill("principals", 1, 400);  // users 1..100 and 301..400, groups 101..300
  fill("users", 1, 100);
  fill("users", 301, 400);
  fill("groups", 101, 300);
  fill("tickets", 1000, 1999);
  fill("queues", 9001, 9005);
  std::vector<ValueCounter> values(cs.size());
  for (size_t k = 0; k < cs.size(); ++k) {
    const Candidate& c = cs[k];
    const std::string child = rt.tables[c.child].ref.name;
    if (child == "tickets" && c.column == "owner") {
      for (int i = 0; i < 1000; ++i) values[k].add(i % 10 == 0 ? "0" : std::to_string(1 + i % 60));
      for (int i = 0; i < 7; ++i) values[k].add("250");  // no user: a group (principal) by mistake
    }
    if (child == "groupmembers" && c.column == "memberid") {
      for (int i = 1; i <= 300; ++i) values[k].add(std::to_string(i));  // users and groups
    }
    if (child == "transactions" && c.column == "objectid") {
      for (int i = 1000; i < 1900; ++i) values[k].add_typed("RT::Ticket", std::to_string(i));
      for (int i = 5000; i < 5003; ++i) values[k].add_typed("RT::Ticket", std::to_string(i));  // deleted tickets
      for (int i = 1; i <= 40; ++i) values[k].add_typed("Q", std::to_string(9001 + i % 5));     // a code: queues
    }
    if (child == "groups" && c.column == "instance") {
      for (int i = 1000; i < 1300; ++i) values[k].add_typed("RT::Ticket-Role", std::to_string(i));
      for (int i = 0; i < 20; ++i) values[k].add_typed("SystemInternal", "0");
    }
  }
  std::vector<size_t> child_of;
  std::vector<Relationship> rels = resolve(rt.tables, cs, keys, values, child_of);
  auto find = [&](const std::string& child, const std::string& column, const std::string& type = "") {
    for (size_t k = 0; k < rels.size(); ++k) {
      if (rt.tables[child_of[k]].ref.name == child && rels[k].columns[0] == column && rels[k].type_value == type)
        return static_cast<const Relationship*>(&rels[k]);
    }
    return static_cast<const Relationship*>(nullptr);
  };
  const Relationship* owner = find("tickets", "owner");
  REQUIRE(owner != nullptr);
  CHECK(owner->ref_table == "public.users");  // not the supertype: a role names people first
  CHECK(owner->none_rows == 100);
  CHECK(owner->orphans == 7);
  const Relationship* member = find("groupmembers", "memberid");
  REQUIRE(member != nullptr);
  CHECK(member->ref_table == "public.principals");  // users miss the groups among the members
  CHECK(member->orphans == 0);
  const Relationship* ticket = find("transactions", "objectid", "RT::Ticket");
  REQUIRE(ticket != nullptr);
  CHECK(ticket->ref_table == "public.tickets");
  CHECK(ticket->orphans == 3);
  const Relationship* queue = find("transactions", "objectid", "Q");
  REQUIRE(queue != nullptr);
  CHECK(queue->ref_table == "public.queues");
  const Relationship* role = find("groups", "instance", "RT::Ticket-Role");
  REQUIRE(role != nullptr);
  CHECK(role->ref_table == "public.tickets");
  CHECK(find("groups", "instance", "SystemInternal") == nullptr);  // only "none" rows: nothing to verify
}

}  // namespace csbridge::assess
