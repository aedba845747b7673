#include "migrate/shared_keys.h"

#include <doctest/doctest.h>

#include "test_support.h"

#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <ostream>
#include <string>
#include <vector>

namespace csbridge::migrate {
namespace {

using test::Lines;


using Cell = std::optional<std::string>;

// The crosswalk as the function sees it: entity → keys it holds (of one source system), and
// every call made.
struct Crosswalk {
  std::map<std::string, std::set<std::string>> held;
  std::vector<std::string> calls;  // "entity@system: k1,k2"
  std::optional<Status> failure;

  KnownKeys lambda() {
    return [this](const std::string& entity, const std::string& system,
                  const std::vector<std::string>& keys) -> Result<std::set<std::string>> {
      std::string call = entity + "@" + system + ":";
      for (size_t i = 0; i < keys.size(); ++i) call += (i ? "," : " ") + keys[i];
      calls.push_back(call);
      if (failure) return *failure;
      std::set<std::string> out;
      for (const auto& k : keys) {
        if (held[entity].count(k)) out.insert(k);
      }
      return out;
    };
  }
  size_t calls_for(const std::string& entity) const {
    size_t n = 0;
    for (const auto& c : calls) n += c.rfind(entity + "@", 0) == 0 ? 1 : 0;
    return n;
  }
};

mapping::OutputColumn plain(const std::string& field) {
  mapping::OutputColumn o;
  o.field = field;
  return o;
}

mapping::OutputColumn shared(const std::string& field, const std::string& entity, std::vector<std::string> space) {
  mapping::OutputColumn o;
  o.field = field;
  o.lookup_entity = entity;
  o.lookup_shared = std::move(space);
  o.lookup_orphans_to_null = true;
  return o;
}

mapping::OutputColumn resolved(const std::string& field, size_t lookup, std::optional<std::string> fallback) {
  mapping::OutputColumn o;
  o.field = field;
  o.resolves = lookup;
  o.resolved_default = std::move(fallback);
  return o;
}

// ticket_message as RT maps it: author_kind reports author_agent_id; both author ids share
// one key space [agent, customer] (by default).
std::vector<mapping::OutputColumn> message_outputs(std::vector<std::string> space = {"agent", "customer"},
                                                   std::optional<std::string> fallback = "system") {
  return {resolved("author_kind", 1, std::move(fallback)), shared("author_agent_id", "agent", space),
          shared("author_customer_id", "customer", space), plain("body")};
}

// A row as map_row writes it: source_key, author_kind (the key, or the default without one),
// author_agent_id, author_customer_id, body.
void add_message(connector::Batch& batch, const std::string& source_key, const Cell& creator,
                 const std::string& body = "hi") {
  batch.append(source_key);
  if (creator) batch.append(*creator);
  else batch.append("system");
  for (int i = 0; i < 2; ++i) {
    if (creator) batch.append(*creator);
    else batch.append_null();
  }
  batch.append(body);
}

Lines lines(const connector::Batch& batch) {
  Lines out;
  for (size_t r = 0; r < batch.rows(); ++r) {
    std::string line;
    for (size_t c = 0; c < batch.columns(); ++c) {
      line += (c ? "|" : "") + (batch.is_null(r, c) ? std::string("NULL") : std::string(batch.get(r, c)));
    }
    out.push_back(line);
  }
  return out;
}

TEST_CASE("shared_keys: each key stays with the first entity that holds it, and author_kind names that entity") {
  Crosswalk crosswalk;
  crosswalk.held = {{"agent", {"3", "9"}}, {"customer", {"4", "9"}}};
  connector::Batch rows(5);
  add_message(rows, "m1", "3");           // an agent
  add_message(rows, "m2", "4");           // a customer
  add_message(rows, "m3", "9");           // held by both: the first listed (agent) wins
  add_message(rows, "m4", "77");          // held by none: unchanged (an orphan for the load)
  add_message(rows, "m5", std::nullopt);  // no key: NULL ids, the default kind
  add_message(rows, "m6", "3", "again");  // a key repeated in the batch

  auto out = resolve_shared_keys(message_outputs(), "rt", rows, crosswalk.lambda());
  REQUIRE_MESSAGE(out.is_ok(), out.status().message());
  REQUIRE(out->has_value());
  CHECK(lines(**out) == std::vector<std::string>{
                            "m1|agent|3|NULL|hi",
                            "m2|customer|NULL|4|hi",
                            "m3|agent|9|NULL|hi",
                            "m4|system|77|77|hi",
                            "m5|system|NULL|NULL|hi",
                            "m6|agent|3|NULL|again",
                        });
  // The input is left as it was.
  CHECK(lines(rows)[0] == "m1|3|3|3|hi");
}

TEST_CASE("shared_keys: the order of the entities listed decides a key both hold") {
  Crosswalk crosswalk;
  crosswalk.held = {{"agent", {"3", "9"}}, {"customer", {"4", "9"}}};
  connector::Batch rows(5);
  add_message(rows, "m1", "3");
  add_message(rows, "m2", "4");
  add_message(rows, "m3", "9");
  auto out = resolve_shared_keys(message_outputs({"customer", "agent"}), "rt", rows, crosswalk.lambda());
  REQUIRE(out.is_ok());
  REQUIRE(out->has_value());
  CHECK(lines(**out) == std::vector<std::string>{
                            "m1|agent|3|NULL|hi",
                            "m2|customer|NULL|4|hi",
                            "m3|customer|NULL|9|hi",
                        });
  // Entities are asked in the order listed.
  REQUIRE(crosswalk.calls.size() >= 2);
  CHECK(crosswalk.calls[0].rfind("customer@", 0) == 0);
  CHECK(crosswalk.calls[1].rfind("agent@", 0) == 0);
}

TEST_CASE("shared_keys: a resolved field without a default is NULL where no entity holds the key") {
  Crosswalk crosswalk;
  crosswalk.held = {{"agent", {"3"}}};
  connector::Batch rows(5);
  add_message(rows, "m1", "3");
  add_message(rows, "m2", "77");
  auto out = resolve_shared_keys(message_outputs({"agent", "customer"}, std::nullopt), "rt", rows, crosswalk.lambda());
  REQUIRE(out.is_ok());
  REQUIRE(out->has_value());
  CHECK(lines(**out) == std::vector<std::string>{"m1|agent|3|NULL|hi", "m2|NULL|77|77|hi"});
}

TEST_CASE("shared_keys: nothing to resolve gives nullopt") {
  Crosswalk crosswalk;
  crosswalk.held = {{"agent", {"3"}}};
  SUBCASE("no shared key space among the outputs") {
    std::vector<mapping::OutputColumn> outputs = {plain("body")};
    outputs.push_back(plain("author_agent_id"));
    outputs.back().lookup_entity = "agent";  // an ordinary lookup
    CHECK_FALSE(has_shared_keys(outputs));
    connector::Batch rows(3);
    rows.append("m1");
    rows.append("hi");
    rows.append("3");
    auto out = resolve_shared_keys(outputs, "rt", rows, crosswalk.lambda());
    REQUIRE(out.is_ok());
    CHECK_FALSE(out->has_value());
  }
  SUBCASE("no rows") {
    CHECK(has_shared_keys(message_outputs()));
    connector::Batch rows(5);
    auto out = resolve_shared_keys(message_outputs(), "rt", rows, crosswalk.lambda());
    REQUIRE(out.is_ok());
    CHECK_FALSE(out->has_value());
  }
  SUBCASE("every key NULL: the default map_row wrote stays") {
    connector::Batch rows(5);
    add_message(rows, "m1", std::nullopt);
    add_message(rows, "m2", std::nullopt);
    auto out = resolve_shared_keys(message_outputs(), "rt", rows, crosswalk.lambda());
    REQUIRE(out.is_ok());
    CHECK_FALSE(out->has_value());
  }
  CHECK(crosswalk.calls.empty());  // and the crosswalk is not read
}

TEST_CASE("shared_keys: keys every output's own entity holds come back unchanged") {
  Crosswalk crosswalk;
  crosswalk.held = {{"agent", {"3", "5"}}};
  std::vector<mapping::OutputColumn> outputs = {shared("author_agent_id", "agent", {"agent", "customer"})};
  connector::Batch rows(2);
  for (const char* k : {"3", "5"}) {
    rows.append(std::string("m") + k);
    rows.append(k);
  }
  auto out = resolve_shared_keys(outputs, "rt", rows, crosswalk.lambda());
  REQUIRE(out.is_ok());
  if (out->has_value()) CHECK(lines(**out) == lines(rows));
}

// shared_keys.h: "nullopt when nothing changes". A batch whose keys all stay (no resolved field)
// still comes back as a copy.
TEST_CASE("shared_keys: nothing changes, so nullopt (as the header says)") {
  Crosswalk crosswalk;
  crosswalk.held = {{"agent", {"3", "5"}}};
  std::vector<mapping::OutputColumn> outputs = {shared("author_agent_id", "agent", {"agent", "customer"})};
  connector::Batch rows(2);
  rows.append("m3");
  rows.append("3");
  auto out = resolve_shared_keys(outputs, "rt", rows, crosswalk.lambda());
  REQUIRE(out.is_ok());
  CHECK_FALSE(out->has_value());
}

TEST_CASE("shared_keys: one read of the crosswalk per entity and batch, with the batch's distinct keys") {
  Crosswalk crosswalk;
  crosswalk.held = {{"agent", {"3"}}, {"customer", {"4"}}};
  connector::Batch rows(5);
  add_message(rows, "m1", "4");
  add_message(rows, "m2", "3");
  add_message(rows, "m3", "4");
  add_message(rows, "m4", std::nullopt);
  SUBCASE("one shared field") {
    std::vector<mapping::OutputColumn> outputs = {resolved("author_kind", 1, "system"),
                                                  shared("author_agent_id", "agent", {"agent", "customer"})};
    connector::Batch two(3);
    for (const auto& [key, creator] : std::vector<std::pair<std::string, Cell>>{{"m1", "4"}, {"m2", "3"}, {"m3", "4"}}) {
      two.append(key);
      two.append(*creator);
      two.append(*creator);
    }
    auto out = resolve_shared_keys(outputs, "rt", two, crosswalk.lambda());
    REQUIRE(out.is_ok());
    CHECK(crosswalk.calls == std::vector<std::string>{"agent@rt: 3,4", "customer@rt: 3,4"});
  }
  SUBCASE("the lookup's own source system is the one asked") {
    std::vector<mapping::OutputColumn> outputs = message_outputs();
    outputs[1].lookup_system = "crm";
    outputs[2].lookup_system = "crm";
    auto out = resolve_shared_keys(outputs, "rt", rows, crosswalk.lambda());
    REQUIRE(out.is_ok());
    for (const auto& c : crosswalk.calls) CHECK(c.find("@crm: 3,4") != std::string::npos);
  }
  SUBCASE("a failed read fails the resolution with its status") {
    crosswalk.failure = unreachable("the target dropped the connection");
    auto out = resolve_shared_keys(message_outputs(), "rt", rows, crosswalk.lambda());
    REQUIRE_FALSE(out.is_ok());
    CHECK(out.status().code() == ErrorCode::kUnreachable);
    CHECK(out.status().message() == "the target dropped the connection");
  }
}

// README ("Shared key spaces"): "each key is looked up in the crosswalk under each listed entity in
// order (one read per entity and batch)". RT's ticket_message has two fields on one Creator column
// sharing [agent, customer]: each field reads the crosswalk again for the same keys.
TEST_CASE("shared_keys: two fields of one key space read the crosswalk once per entity and batch") {
  Crosswalk crosswalk;
  crosswalk.held = {{"agent", {"3"}}, {"customer", {"4"}}};
  connector::Batch rows(5);
  add_message(rows, "m1", "4");
  add_message(rows, "m2", "3");
  auto out = resolve_shared_keys(message_outputs(), "rt", rows, crosswalk.lambda());
  REQUIRE(out.is_ok());
  CHECK(crosswalk.calls_for("agent") == 1);
  CHECK(crosswalk.calls_for("customer") == 1);
}

}  // namespace
}  // namespace csbridge::migrate
