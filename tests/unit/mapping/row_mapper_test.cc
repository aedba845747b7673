#include "mapping/row_mapper.h"

#include <doctest/doctest.h>

#include "mapping/loader.h"

namespace csbridge::mapping {
namespace {

config::Config sample_config() {
  config::Config c;
  c.sources.push_back({"helpdesk", "sqlite:x.db", "", "", 1, {}});
  c.options.default_timezone = "Asia/Shanghai";
  c.masking.actions = {{"phone", "mask"}, {"free_text", "mask"}};
  return c;
}

struct Fixture {
  model::Model model = model::builtin_model().value();
  config::Config config = sample_config();
  LoadResult loaded;

  explicit Fixture(const std::string& yaml) {
    load_mapping_document(config::parse_yaml(yaml, "m.yaml").value(), config, model, loaded);
    for (const auto& d : loaded.diagnostics) INFO(format_diagnostic(d));
    REQUIRE(loaded.diagnostics.empty());
    REQUIRE(loaded.set.blocks.size() == 1);
  }
  const Block& block() const { return loaded.set.blocks.front(); }
};

std::vector<connector::ColumnInfo> columns(std::initializer_list<const char*> names) {
  std::vector<connector::ColumnInfo> out;
  for (const char* n : names) out.push_back({n, "text", connector::ValueType::kText, true});
  return out;
}

void add_row(connector::Batch& batch, std::initializer_list<std::optional<std::string>> cells) {
  for (const auto& c : cells) {
    if (c) batch.append(*c);
    else batch.append_null();
  }
}

MapperSettings settings(const config::Config& c) {
  MapperSettings s;
  s.default_timezone = c.options.default_timezone;
  s.masking = &c.masking;
  s.hmac_key = std::string(1, 'k');  // not = "k": a GCC 12 -Wrestrict false positive
  return s;
}

const char* kCustomer = R"(entity: customer
source: helpdesk
table: customers
key: id
key_prefix: "c:"
fields:
  name: name
  phone:
    column: shouji
    steps: [trim, {null_if: ""}, phone]
  created_at: created_at
  is_vip:
    column: vip
    steps:
      - map: {values: {"0": "false"}, else: "true"}
  language: {value: zh-CN}
custom: rest
)";

TEST_CASE("row_mapper: a customer row is mapped, converted, masked, with the rest in custom") {
  Fixture f(kCustomer);
  auto cols = columns({"id", "name", "shouji", "created_at", "vip", "tel", "remark"});
  auto mapper = BlockMapper::bind(f.block(), cols, settings(f.config));
  REQUIRE(mapper.is_ok());
  std::vector<std::string> names;
  for (const auto& o : (*mapper)->outputs()) names.push_back(o.field);
  CHECK(names == std::vector<std::string>{"name", "phone", "created_at", "is_vip", "language", "custom"});

  connector::Batch in(cols.size()), out(1 + names.size());
  add_row(in, {"7", "张三", " +86 138-1234-5678 ", "2021-01-12 08:36:22", "2", std::nullopt, "电话13812345678找他"});
  RowError error;
  REQUIRE((*mapper)->map_row(in, 0, out, error));
  CHECK(out.get(0, 0) == "c:7");
  CHECK(out.get(0, 1) == "张三");                        // name: policy keeps names (no action given)
  CHECK(out.get(0, 2).find("****") != std::string_view::npos);  // phone masked by the policy
  CHECK(out.get(0, 2).find("12345678") == std::string_view::npos);
  CHECK(out.get(0, 3) == "2021-01-12 00:36:22+00:00");  // Asia/Shanghai → UTC
  CHECK(out.get(0, 4) == "true");
  CHECK(out.get(0, 5) == "zh-CN");
  std::string custom(out.get(0, 6));
  CHECK(custom.find("\"tel\":null") != std::string::npos);
  CHECK(custom.find("13812345678") == std::string::npos);  // free text in custom is masked too
  CHECK(custom.find("\"remark\"") != std::string::npos);
}

TEST_CASE("row_mapper: a value kept in custom by on_error: null is masked as its field's values are") {
  const char* yaml = R"(entity: customer
source: helpdesk
table: customers
key: id
fields:
  name: name
  phone: {column: shouji, steps: [phone], on_error: null}
  national_id: {column: sfz, steps: [trim], on_error: null}
  created_at: created_at
custom: rest
)";
  auto cols = columns({"id", "name", "shouji", "sfz", "created_at"});
  connector::Batch in(cols.size());
  // 140… is no allocated mobile prefix: the free-text detector would not see a phone in it.
  add_row(in, {"7", "张三", "14044793731", "11010519491231002X", "2021-01-12 08:36:22"});
  add_row(in, {"8", "李四", "12345", std::nullopt, "2021-02-03 05:00:00"});
  auto mapped = [&](Fixture& f, size_t row) {
    auto mapper = BlockMapper::bind(f.block(), cols, settings(f.config));
    REQUIRE(mapper.is_ok());
    connector::Batch out(1 + (*mapper)->outputs().size());
    RowError error;
    REQUIRE_MESSAGE((*mapper)->map_row(in, row, out, error), error.message);
    return out.is_null(0, out.columns() - 1) ? std::string("NULL") : std::string(out.get(0, out.columns() - 1));
  };
  SUBCASE("masked") {
    Fixture f(yaml);
    CHECK(mapped(f, 0) == R"({"phone_invalid":"140****3731"})");
    CHECK(mapped(f, 1) == R"({"phone_invalid":"*****"})");
  }
  SUBCASE("dropped") {
    Fixture f(yaml);
    f.config.masking.actions["phone"] = "drop";
    CHECK(mapped(f, 0) == "NULL");  // nothing left for custom
  }
  SUBCASE("kept, and then masked as free text") {
    Fixture f(yaml);
    f.config.masking.actions.erase("phone");
    CHECK(mapped(f, 0) == R"({"phone_invalid":"14044793731"})");  // no detectable PII, no policy for phones
  }
}

TEST_CASE("row_mapper: rows that cannot be mapped are rejected with a code, naming the field, never the value") {
  Fixture f(kCustomer);
  auto cols = columns({"id", "name", "shouji", "created_at", "vip"});
  auto mapper = BlockMapper::bind(f.block(), cols, settings(f.config));
  REQUIRE(mapper.is_ok());
  connector::Batch in(cols.size()), out(7);
  RowError error;

  SUBCASE("a NULL key") {
    add_row(in, {std::nullopt, "张三", "", "2021-01-12 08:36:22", "0"});
    CHECK_FALSE((*mapper)->map_row(in, 0, out, error));
    CHECK(error.code == "no_key");
    CHECK(error.message == "customer (m.yaml#1): legacy key column 'id' is NULL");
  }
  SUBCASE("a phone that is no phone") {
    add_row(in, {"8", "李四", "12345", "2021-01-12 08:36:22", "0"});
    CHECK_FALSE((*mapper)->map_row(in, 0, out, error));
    CHECK(error.source_key == "c:8");
    CHECK(error.field == "phone");
    CHECK(error.code == "bad_value");
    CHECK(error.message.rfind("customer.phone: ", 0) == 0);
    CHECK(error.message.find("12345") == std::string::npos);
  }
  SUBCASE("a timestamp that is no timestamp") {
    add_row(in, {"9", "王五", "", "yesterday", "0"});
    CHECK_FALSE((*mapper)->map_row(in, 0, out, error));
    CHECK(error.field == "created_at");
    CHECK(error.code == "bad_time");
  }
  SUBCASE("a zero date") {
    add_row(in, {"9", "王五", "", "0000-00-00 00:00:00", "0"});
    CHECK_FALSE((*mapper)->map_row(in, 0, out, error));
    CHECK(error.code == "zero_date");
  }
  SUBCASE("a name over the field's length") {
    add_row(in, {"10", std::string(101, 'x'), "", "2021-01-12 08:36:22", "0"});
    CHECK_FALSE((*mapper)->map_row(in, 0, out, error));
    CHECK(error.code == "too_long");
    CHECK(error.message == "customer.name: value is 101 characters, more than the 100 allowed");
  }
  SUBCASE("a NUL byte") {
    add_row(in, {"11", std::string("a\0b", 3), "", "2021-01-12 08:36:22", "0"});
    CHECK_FALSE((*mapper)->map_row(in, 0, out, error));
    CHECK(error.code == "nul_byte");
  }
  CHECK(out.rows() == 0);  // nothing appended for a rejected row
}

TEST_CASE("row_mapper: enum values outside the domain and required fields left empty are rejected") {
  Fixture f(R"(entity: ticket
source: helpdesk
table: tickets
key: id
fields:
  status: status
  priority: {column: prio, default: normal}
  channel: {value: web}
  created_at: created_at
  customer_id: {column: cust, lookup: customer}
custom: none
)");
  auto cols = columns({"id", "status", "prio", "created_at", "cust"});
  auto mapper = BlockMapper::bind(f.block(), cols, settings(f.config));
  REQUIRE(mapper.is_ok());
  CHECK((*mapper)->outputs().back().lookup_entity == "customer");
  CHECK((*mapper)->outputs().back().lookup_system == "helpdesk");
  connector::Batch in(cols.size()), out(1 + (*mapper)->outputs().size());
  RowError error;
  SUBCASE("mapped: default fills an empty value, the lookup carries the legacy key") {
    add_row(in, {"1", "open", "", "2021-01-12T08:36:22Z", "42"});
    REQUIRE((*mapper)->map_row(in, 0, out, error));
    CHECK(out.get(0, 2) == "normal");
    CHECK(out.get(0, 4) == "2021-01-12 08:36:22+00:00");
    CHECK(out.get(0, 5) == "42");
  }
  SUBCASE("status outside the domain") {
    add_row(in, {"1", "reopened", "", "2021-01-12 08:36:22", "42"});
    CHECK_FALSE((*mapper)->map_row(in, 0, out, error));
    CHECK(error.code == "bad_value");
    CHECK(error.message == "ticket.status: value is not one of new, open, pending, on_hold, solved, closed");
  }
  SUBCASE("required created_at empty") {
    add_row(in, {"1", "open", "low", std::nullopt, "42"});
    CHECK_FALSE((*mapper)->map_row(in, 0, out, error));
    CHECK(error.code == "required_missing");
    CHECK(error.message == "ticket.created_at: required but empty");
  }
}

TEST_CASE("row_mapper: binding names the block and the missing column, case-insensitive columns bind") {
  Fixture f(kCustomer);
  auto missing = BlockMapper::bind(f.block(), columns({"id", "name", "created_at", "vip"}), settings(f.config));
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.status().message() == "customer (m.yaml#1): the source has no column 'shouji'");
  auto folded = BlockMapper::bind(f.block(), columns({"ID", "NAME", "SHOUJI", "CREATED_AT", "VIP"}), settings(f.config));
  CHECK(folded.is_ok());
  CHECK(find_column(columns({"a", "A"}), "A") == 1u);
  CHECK_FALSE(find_column(columns({"Ab", "aB"}), "ab").has_value());
}

TEST_CASE("row_mapper: columns_to_read lists only what a block without custom: rest uses") {
  Fixture f(R"(entity: tag
source: helpdesk
table: tags
key: id
fields:
  name:
    columns: [a, b]
    steps: [{concat: "-"}]
custom: [color]
)");
  CHECK(BlockMapper::columns_to_read(f.block()) == std::vector<std::string>{"id", "a", "b", "color"});
  auto cols = columns({"id", "a", "b", "color"});
  auto mapper = BlockMapper::bind(f.block(), cols, settings(f.config));
  REQUIRE(mapper.is_ok());
  connector::Batch in(cols.size()), out(3);
  add_row(in, {"3", "x", std::nullopt, "#fff"});
  RowError error;
  REQUIRE((*mapper)->map_row(in, 0, out, error));
  CHECK(out.get(0, 1) == "x");
  CHECK(out.get(0, 2) == R"({"color":"#fff"})");
}

}  // namespace
}  // namespace csbridge::mapping
