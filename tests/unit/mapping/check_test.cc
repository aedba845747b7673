#include "mapping/check.h"

#include <doctest/doctest.h>

#include "connector/registry.h"
#include "mapping/loader.h"
#include "test_support.h"

namespace csbridge::mapping {
namespace {

struct Checked {
  model::Model model = model::builtin_model().value();
  config::Config config;
  LoadResult loaded;
  std::vector<std::string> messages;

  Checked(const std::string& yaml, const std::string& db = CSBRIDGE_SAMPLE_DB, DataCheckOptions options = {}) {
    config.sources.push_back({"helpdesk", "sqlite:" + db, "", "", 1, {}});
    config.options.default_timezone = "Asia/Shanghai";
    load_mapping_document(config::parse_yaml(yaml, "m.yaml").value(), config, model, loaded);
    check_mapping_set(loaded.set, model, loaded.diagnostics);
    check_against_sources(loaded.set, config, model, default_source_opener(), options, loaded.diagnostics);
    for (const auto& d : loaded.diagnostics) {
      messages.push_back(std::to_string(d.at.line) + ":" + std::to_string(d.at.col) + " " + d.code + ": " + d.message);
    }
  }
};

TEST_CASE("check: data checks against the sample helpdesk") {
  SUBCASE("a clean block has nothing to say") {
    Checked c("entity: tag\nsource: helpdesk\ntable: tags\nkey: id\nfields: {name: tag_name}\n");
    CHECK(c.messages.empty());
  }
  SUBCASE("unknown column, key column and custom column, each with a suggestion") {
    Checked c("entity: tag\nsource: helpdesk\ntable: tags\nkey: idd\nfields: {name: tag_nam}\ncustom: [colour]\n");
    CHECK(c.messages == std::vector<std::string>{
                            "4:6 unknown_column: unknown key column 'idd' in helpdesk.tags, did you mean 'id'?",
                            "5:16 unknown_column: unknown column 'tag_nam' in helpdesk.tags, did you mean 'tag_name'?",
                            "6:10 unknown_column: unknown column 'colour' in helpdesk.tags, did you mean 'color'?",
                        });
  }
  SUBCASE("a query that fails names the engine's reason") {
    Checked c("entity: tag\nsource: helpdesk\nquery: SELECT * FROM nowhere\nkey: id\nfields: {name: n}\n");
    REQUIRE(c.messages.size() == 1);
    CHECK(c.messages[0].rfind("3:8 query_failed: query fails: ", 0) == 0);
    CHECK(c.messages[0].find("nowhere") != std::string::npos);
  }
  SUBCASE("values a step rejects are counted; PII values are never listed") {
    Checked c(R"(entity: customer
source: helpdesk
table: customers
key: id
fields:
  phone: {column: shouji, steps: [phone]}
  created_at: {column: created_at, steps: [{parse_time: {format: "%Y/%m/%d"}}]}
)");
    REQUIRE(c.messages.size() == 2);
    CHECK(c.messages[0] ==
          "6:35 values_rejected: phone rejects 4 source values (4 of the 120 rows read; bad_value): values not shown (personal data)");
    CHECK(c.messages[1].rfind("7:45 values_rejected: parse_time rejects 120 source values (120 of the 120 rows read; bad_time): '", 0) == 0);
  }
  SUBCASE("values past the distinct-value cap are checked and counted too (RT defects #12)") {
    DataCheckOptions few;
    few.max_distinct = 10;
    Checked c(R"(entity: customer
source: helpdesk
table: customers
key: id
fields:
  created_at: {column: created_at, steps: [{parse_time: {format: "%Y/%m/%d"}}]}
)", CSBRIDGE_SAMPLE_DB, few);
    REQUIRE(c.messages.size() == 1);
    CHECK(c.messages[0].rfind("6:45 values_rejected: parse_time rejects 120 source values (120 of the 120 rows read; bad_time): '", 0) == 0);
  }
  // Issue 12 item 3: a value fed through a phone step is a phone, whatever class its field has.
  SUBCASE("values a phone step rejects are never listed, even for a field without PII class") {
    Checked c("entity: tag\nsource: helpdesk\ntable: customers\nkey: id\nfields:\n  name: {column: shouji, steps: [phone]}\n");
    REQUIRE(c.messages.size() == 1);
    CHECK(c.messages[0] ==
          "6:34 values_rejected: phone rejects 4 source values (4 of the 120 rows read; bad_value): values not shown (personal data)");
  }
  SUBCASE("an unreachable source is a warning, the rest is still checked") {
    Checked c("entity: tag\nsource: helpdesk\ntable: tags\nkey: id\nfields: {name: n}\n", "/nonexistent/x.db");
    REQUIRE(c.loaded.diagnostics.size() == 1);
    CHECK(c.loaded.diagnostics[0].severity == Severity::kWarning);
    CHECK(c.loaded.diagnostics[0].code == "source_unreachable");
  }
}

TEST_CASE("check: the sample's own mappings pass, and load parents first") {
  model::Model model = model::builtin_model().value();
  auto config = config::load_config(test::source_dir() + "/samples/csbridge.yaml");
  REQUIRE(config.is_ok());
  config->sources[0].connection = std::string("sqlite:") + CSBRIDGE_SAMPLE_DB;
  LoadResult loaded = load_mappings(config->mappings, *config, model);
  check_mapping_set(loaded.set, model, loaded.diagnostics);
  check_against_sources(loaded.set, *config, model, default_source_opener(), {}, loaded.diagnostics);
  std::vector<std::string> errors;
  for (const auto& d : loaded.diagnostics) {
    if (d.severity == Severity::kError) errors.push_back(format_diagnostic(d));
  }
  CHECK(errors.empty());
  auto order = load_order(loaded.set, model);
  REQUIRE(order.size() == loaded.set.blocks.size());
  auto position = [&](const std::string& entity) {
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i]->entity == entity) return i;
    }
    return order.size();
  };
  CHECK(position("customer") < position("ticket"));
  CHECK(position("ticket") < position("ticket_message"));
  CHECK(position("ticket_message") < position("attachment"));
}

TEST_CASE("check: set-wide problems: required fields, lookups nobody answers, cycles, key collisions") {
  model::Model model = model::builtin_model().value();
  config::Config config;
  config.sources.push_back({"helpdesk", "sqlite:x.db", "", "", 1, {}});
  LoadResult loaded;
  load_mapping_document(config::parse_yaml(R"(mappings:
  - entity: tag
    source: helpdesk
    table: tags
    key: id
    fields: {name: n}
  - entity: tag
    source: helpdesk
    table: labels
    key: id
    fields: {name: n}
  - entity: ticket_tag
    source: helpdesk
    table: tt
    key: [a, b]
    fields:
      ticket_id: {column: a, lookup: ticket}
      tag_id: {column: b, lookup: {entity: tag, key_prefix: "x:"}}
)", "m.yaml").value(), config, model, loaded);
  REQUIRE(loaded.diagnostics.empty());
  check_mapping_set(loaded.set, model, loaded.diagnostics);
  std::vector<std::string> messages;
  for (const auto& d : loaded.diagnostics) messages.push_back(d.code + ": " + d.message);
  CHECK(messages == std::vector<std::string>{
                        "lookup_unresolvable: lookup of ticket, which no mapping block loads",
                        "lookup_unresolvable: no tag block reads source 'helpdesk' with key_prefix 'x:'; its legacy "
                        "keys cannot resolve",
                        "key_collision: a second tag block from source 'helpdesk' with the same key_prefix: legacy "
                        "keys of tag (m.yaml#1) and this block may collide (set key_prefix)",
                    });
}

}  // namespace
}  // namespace csbridge::mapping
