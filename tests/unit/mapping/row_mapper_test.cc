#include "mapping/row_mapper.h"

#include <doctest/doctest.h>

#include "mapping/loader.h"
#include "pii/detect.h"
#include "pii/mask.h"

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
  SUBCASE("every reason of a row is named, and the legacy keys it refers to come along") {
    add_row(in, {"1", "gone", "low", std::nullopt, "42"});
    CHECK_FALSE((*mapper)->map_row(in, 0, out, error));
    CHECK(error.code == "bad_value");
    CHECK(error.message == "ticket.status: value is not one of new, open, pending, on_hold, solved, closed");
    REQUIRE(error.also.size() == 1);
    CHECK(error.also[0].code == "required_missing");
    CHECK(error.also[0].field == "created_at");
    CHECK(error.lookups == std::vector<std::pair<size_t, std::string>>{{4, "42"}});
    CHECK(out.rows() == 0);
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

// A block whose identity kind is read per row.
const char* kIdentityByColumn = R"(entity: customer_identity
source: helpdesk
table: identities
key: id
fields:
  customer_id: {column: cust, lookup: customer}
  kind: kind
  value: handle
custom: none
)";

// The identity value `f`'s block makes of row `row` of `in`; "<code>" when the row is rejected.
std::string identity_value(const Fixture& f, const std::vector<connector::ColumnInfo>& cols, const connector::Batch& in,
                           size_t row) {
  auto mapper = BlockMapper::bind(f.block(), cols, settings(f.config));
  REQUIRE(mapper.is_ok());
  connector::Batch out(1 + (*mapper)->outputs().size());
  RowError error;
  if (!(*mapper)->map_row(in, row, out, error)) return "<" + error.code + " " + error.field + ">";
  return std::string(out.get(0, 3));
}

// Issue 12 item 2: +8675523359790 in a phone identity went out unmasked,
// masked as free text; an identity is masked by the class its kind picks.
TEST_CASE("row_mapper: an identity's value is masked by the class its kind picks, once the kind is known") {
  auto cols = columns({"id", "cust", "kind", "handle"});
  connector::Batch in(cols.size());
  add_row(in, {"1", "7", "phone", "+86 138-1234-5678"});
  add_row(in, {"2", "7", "phone", "+8675523359790"});
  add_row(in, {"3", "7", "email", "zhangsan@163.com"});
  add_row(in, {"4", "7", "wechat_openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o 13812345678"});
  add_row(in, {"5", "7", "phone", "86627573"});  // not a valid number, still a phone
  add_row(in, {"6", "7", "phone", "(+86) 138.1234.5678"});  // a form free-text scanning does not read
  SUBCASE("masked") {
    Fixture f(kIdentityByColumn);
    f.config.masking.actions["email"] = "mask";
    CHECK(identity_value(f, cols, in, 0) == "138****5678");
    CHECK(identity_value(f, cols, in, 1) == "0755-********");
    CHECK(identity_value(f, cols, in, 2) == "z***@163.com");
    CHECK(identity_value(f, cols, in, 3) == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o 138****5678");  // other kinds: free text
    CHECK(identity_value(f, cols, in, 4) == "********");
    CHECK(identity_value(f, cols, in, 5) == "138****5678");
  }
  SUBCASE("pseudonymised from the normalised number, the same as a constant kind's after the phone step") {
    Fixture f(kIdentityByColumn);
    f.config.masking.actions["phone"] = "pseudonymize";
    std::string pseudonym = identity_value(f, cols, in, 0);
    CHECK(pseudonym.size() == 32);
    CHECK(identity_value(f, cols, in, 5) == pseudonym);
    CHECK(identity_value(f, cols, in, 2) == "zhangsan@163.com");  // the policy names no action for e-mail: kept
    Fixture constant(R"(entity: customer_identity
source: helpdesk
table: identities
key: id
fields:
  customer_id: {column: cust, lookup: customer}
  kind: {value: phone}
  value: {column: handle, steps: [phone]}
custom: none
)");
    constant.config.masking.actions["phone"] = "pseudonymize";
    CHECK(identity_value(constant, cols, in, 0) == pseudonym);
  }
  SUBCASE("dropped: a required identity whose kind's class the policy drops is rejected") {
    Fixture f(kIdentityByColumn);
    f.config.masking.actions["phone"] = "drop";
    CHECK(identity_value(f, cols, in, 0) == "<required_missing value>");
    CHECK(identity_value(f, cols, in, 2) == "zhangsan@163.com");
  }
  SUBCASE("a kind outside the enum rejects the row before any masking") {
    Fixture f(kIdentityByColumn);
    connector::Batch bad(cols.size());
    add_row(bad, {"9", "7", "telephone", "13812345678"});
    CHECK(identity_value(f, cols, bad, 0) == "<bad_value kind>");
  }
}

// Issue 12 item 3: an invalid mobile fed through a phone step into an
// identity appeared raw in map preview and the reject file, which show
// source values as source_pii says.
TEST_CASE("row_mapper: source values are shown as the class they feed, valid or not") {
  using model::PiiClass;
  static const pii::Detector detector;
  SUBCASE("a constant kind picks the value's class; keys and lookups are none; custom columns free text") {
    Fixture f(R"(entity: customer_identity
source: helpdesk
table: customers
key: id
key_prefix: "phone:"
fields:
  customer_id: {column: id, lookup: customer}
  kind: {value: phone}
  value: {column: shouji, steps: [trim, phone]}
custom: [remark]
)");
    auto pii = BlockMapper::source_pii(f.block(), columns({"id", "shouji", "remark"}));
    CHECK(pii == std::vector<PiiClass>{PiiClass::kNone, PiiClass::kPhone, PiiClass::kFreeText});
    CHECK(pii::mask_value(detector, pii[1], "86627573") == "********");
  }
  SUBCASE("a kind read per row: the strictest class the value may have") {
    Fixture f(kIdentityByColumn);
    auto pii = BlockMapper::source_pii(f.block(), columns({"id", "cust", "kind", "handle"}));
    CHECK(pii == std::vector<PiiClass>{PiiClass::kNone, PiiClass::kNone, PiiClass::kNone, PiiClass::kPhone});
    CHECK(pii::mask_value(detector, pii[3], "86627573") == "********");
    CHECK(pii::mask_value(detector, pii[3], "zhangsan@163.com") == "****************");
  }
  SUBCASE("a free-text or unclassed field fed through a phone step") {
    Fixture f(R"(entity: customer
source: helpdesk
table: customers
key: id
fields:
  notes: {column: tel, steps: [phone]}
  language: {column: lang, steps: [trim, {mask: national_id}]}
  created_at: created_at
custom: none
)");
    auto pii = BlockMapper::source_pii(f.block(), columns({"id", "tel", "lang", "created_at"}));
    CHECK(pii == std::vector<PiiClass>{PiiClass::kNone, PiiClass::kPhone, PiiClass::kNationalId, PiiClass::kNone});
  }
  SUBCASE("a column feeding several fields is shown as the strictest of them") {
    Fixture f(R"(entity: customer
source: helpdesk
table: customers
key: id
fields:
  phone: shouji
  notes: shouji
  created_at: created_at
custom: none
)");
    auto pii = BlockMapper::source_pii(f.block(), columns({"id", "shouji", "created_at"}));
    CHECK(pii == std::vector<PiiClass>{PiiClass::kNone, PiiClass::kPhone, PiiClass::kNone});
  }
}

}  // namespace
}  // namespace csbridge::mapping
