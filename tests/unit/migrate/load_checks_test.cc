#include "migrate/load_checks.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace csbridge::migrate {
namespace {

using connector::Batch;

std::optional<std::string> null_value() { return std::nullopt; }

const model::Model& cs_model() {
  static const model::Model model = [] {
    auto m = model::builtin_model();
    REQUIRE_MESSAGE(m.is_ok(), m.status().message());
    return std::move(m).value();
  }();
  return model;
}

std::string resolve_error(const LoadSpec& spec) {
  auto r = resolve_spec(cs_model(), spec);
  return r.is_ok() ? "ok" : std::string(error_code_name(r.status().code())) + ": " + r.status().message();
}

// The reject messages of one-column batches (source_key "K", then `value`) of `entity`.`field`.
std::string check_one(const std::string& entity, const std::string& field, const std::optional<std::string>& value) {
  const model::Entity* e = cs_model().entity(entity);
  REQUIRE(e != nullptr);
  ResolvedSpec spec;
  spec.entity = e;
  spec.source_system = "s";
  spec.columns.push_back({e->field(field), "", ""});
  REQUIRE(spec.columns[0].field != nullptr);
  Batch rows(2);
  rows.append("K");
  value ? rows.append(*value) : rows.append_null();
  std::vector<size_t> accepted;
  auto rejects = check_rows(spec, rows, accepted);
  REQUIRE(rejects.is_ok());
  if (rejects->empty()) return "ok";
  return (*rejects)[0].code + ": " + (*rejects)[0].message;
}

TEST_CASE("load_checks: a spec is resolved against the model or refused with the reason") {
  CHECK(resolve_error({"ticket_tag", "crm", {"ticket_id", "tag_id"}, {"ticket", "tag"}, {"", "tags"}}) == "ok");
  auto ok = resolve_spec(cs_model(), {"ticket_tag", "crm", {"ticket_id", "tag_id"}, {"ticket", "tag"}, {"", "tags"}});
  REQUIRE(ok.is_ok());
  CHECK(ok->has_lookups());
  CHECK(ok->columns[0].lookup_system == "crm");
  CHECK(ok->columns[1].lookup_system == "tags");

  CHECK(resolve_error({"tickets", "crm", {}, {}, {}}) == "not_found: unknown CS entity 'tickets'; did you mean 'ticket'?");
  CHECK(resolve_error({"tag", "", {"name"}, {}, {}}) ==
        "invalid_argument: loading tag: source_system must be 1 to 64 characters");
  CHECK(resolve_error({"tag", "crm", {"name", "source_key"}, {}, {}}) ==
        "invalid_argument: loading tag: column 'source_key' is written by the store, not by a mapping");
  CHECK(resolve_error({"tag", "crm", {"nmae"}, {}, {}}) ==
        "not_found: loading tag: no field 'nmae' in entity tag; did you mean 'name'?");
  CHECK(resolve_error({"tag", "crm", {"name", "name"}, {}, {}}) == "invalid_argument: loading tag: column 'name' appears twice");
  CHECK(resolve_error({"tag", "crm", {"name"}, {"", ""}, {}}) == "invalid_argument: loading tag: 2 lookups for 1 columns");
  CHECK(resolve_error({"tag", "crm", {"name"}, {}, {"a", "b"}}) ==
        "invalid_argument: loading tag: 2 lookup systems for 1 columns");
  CHECK(resolve_error({"ticket_tag", "crm", {"ticket_id", "tag_id"}, {"tag", ""}, {}}) ==
        "invalid_argument: loading ticket_tag: column 'ticket_id' looks up tag, but references ticket");
  CHECK(resolve_error({"tag", "crm", {"name"}, {"tags"}, {}}) ==
        "not_found: loading tag: column 'name' looks up unknown entity 'tags'");
  CHECK(resolve_error({"tag", "crm", {"name"}, {"tag"}, {}}) ==
        "invalid_argument: loading tag: column 'name' looks up tag, but does not reference an entity");
  CHECK(resolve_error({"ticket_tag", "crm", {"ticket_id"}, {}, {}}) ==
        "invalid_argument: loading ticket_tag: required field 'tag_id' is not among the columns");
}

TEST_CASE("load_checks: integers, decimals, dates and timestamps are checked by their type") {
  SUBCASE("integer (32-bit)") {
    CHECK(check_one("satisfaction_rating", "score", "-2147483648") == "ok");
    CHECK(check_one("satisfaction_rating", "score", "2147483648") ==
          "bad_value: satisfaction_rating 'K', column 'score': '2147483648' is out of range for integer");
    CHECK(check_one("satisfaction_rating", "score", "4.5") ==
          "bad_value: satisfaction_rating 'K', column 'score': '4.5' is not an integer");
    CHECK(check_one("satisfaction_rating", "score", "+4") ==
          "bad_value: satisfaction_rating 'K', column 'score': '+4' is not an integer");
    CHECK(check_one("satisfaction_rating", "score", null_value()) ==
          "required_missing: satisfaction_rating 'K', column 'score': required value is missing");
  }
  SUBCASE("bigint and raw ids") {
    CHECK(check_one("attachment", "size_bytes", "9223372036854775807") == "ok");
    CHECK(check_one("attachment", "size_bytes", "9223372036854775808") ==
          "bad_value: attachment 'K', column 'size_bytes': '9223372036854775808' is out of range for bigint");
    CHECK(check_one("attachment", "ticket_id", "T-1") ==
          "bad_value: attachment 'K', column 'ticket_id': 'T-1' is not an integer");
  }
  SUBCASE("decimal(18,2)") {
    CHECK(check_one("business_ref", "amount", "-1234567890123456.78") == "ok");
    CHECK(check_one("business_ref", "amount", "0001.5") == "ok");
    CHECK(check_one("business_ref", "amount", "12345678901234567") ==
          "bad_value: business_ref 'K', column 'amount': '12345678901234567' has more than 16 digits before the "
          "decimal point (numeric(18,2))");
    CHECK(check_one("business_ref", "amount", "1,5") ==
          "bad_value: business_ref 'K', column 'amount': '1,5' is not a decimal number");
    CHECK(check_one("business_ref", "amount", "1.") ==
          "bad_value: business_ref 'K', column 'amount': '1.' is not a decimal number");
  }
  SUBCASE("timestamps") {
    for (const char* ok : {"2024-02-29 23:59:59", "2024-01-02T03:04:05.123456", "2024-01-02 03:04:05Z",
                           "2024-01-02 03:04:05+08", "2024-01-02 03:04:05-0530", "2024-01-02 03:04:05.5+05:45"}) {
      CHECK_MESSAGE(check_one("satisfaction_rating", "rated_at", ok) == "ok", ok);
    }
    for (const char* bad : {"2024-01-02", "2023-02-29 00:00:00", "2024-01-02 24:00:00", "2024-01-02 03:04",
                            "2024-01-02 03:04:05.1234567", "2024-01-02 03:04:05 CST", "2024-01-02 03:04:05+8",
                            "0000-00-00 00:00:00"}) {
      CHECK_MESSAGE(check_one("satisfaction_rating", "rated_at", bad) ==
                        "bad_value: satisfaction_rating 'K', column 'rated_at': '" + std::string(bad) +
                            "' is not a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM])",
                    bad);
    }
  }
  SUBCASE("PII values never appear in a message") {
    CHECK(check_one("customer", "national_id", "11010519491231002X9") ==
          "too_long: customer 'K', column 'national_id': 19 characters, over the maximum of 18");
    CHECK(check_one("customer", "notes", "13800138000\xc3") ==
          "bad_value: customer 'K', column 'notes': text is not valid UTF-8");
    CHECK(check_one("customer", "is_vip", "13800138000") ==
          "bad_value: customer 'K', column 'is_vip': '13800138000' is not true or false");
  }
  SUBCASE("long values are cut in messages") {
    std::string value(100, 'x');
    CHECK(check_one("ticket", "status", value) ==
          "bad_value: ticket 'K', column 'status': '" + std::string(64, 'x') +
              "…' is not one of new, open, pending, on_hold, solved, closed");
  }
}

}  // namespace
}  // namespace csbridge::migrate
