#include "validate/pii_check.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <string>

#include "model/ddl.h"
#include "test_support.h"

namespace csbridge::validate {
namespace {

using model::PiiClass;

std::string raw(PiiClass field_class, std::string_view value) {
  static const pii::Detector detector;
  return model::pii_class_name(raw_pii(detector, field_class, value));
}

// A SQLite target holding the CS tables and the given statements' rows.
std::string target_with(const test::TempDir& dir, const model::Model& model, const std::string& rows) {
  std::string path = (dir.path() / "cs.db").string();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  std::string sql = model::generate_ddl(model, model::Dialect::kSqlite) + rows;
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, message);
  return "sqlite:" + path;
}

}  // namespace

// Issue 12 item 1: 219 landlines the phone step had written as +8675523359790
// were in the target and the check said raw_values 0.
TEST_CASE("validate pii check: a raw phone in any form the phone step writes is found") {
  CHECK(raw(PiiClass::kFreeText, "+8675523359790") == std::string("phone"));
  CHECK(raw(PiiClass::kFreeText, "座机 +8675523359790;ext=123 找王经理") == std::string("phone"));
  CHECK(raw(PiiClass::kFreeText, "+86 755 2335 9790") == std::string("phone"));
  CHECK(raw(PiiClass::kPhone, "+8675523359790;ext=123") == std::string("phone"));
  CHECK(raw(PiiClass::kPhone, "+8613812345678") == std::string("phone"));
  // What the masks leave is not raw.
  CHECK(raw(PiiClass::kFreeText, "0755-********") == std::string("none"));
  CHECK(raw(PiiClass::kPhone, "0755-********-***") == std::string("none"));
  CHECK(raw(PiiClass::kPhone, "138****1234") == std::string("none"));
}

// Issue 12 item 2: an identity is masked by its kind, and checked by it.
TEST_CASE("validate pii check: an identity is judged by the class its kind picks") {
  // Whole-value reading finds what free-text scanning does not.
  CHECK(raw(PiiClass::kPhone, "(+86) 138.1234.5678") == std::string("phone"));
  CHECK(raw(PiiClass::kFreeText, "(+86) 138.1234.5678") == std::string("none"));
  CHECK(raw(PiiClass::kEmail, "zhang@qq.com") == std::string("email"));
  CHECK(raw(PiiClass::kEmail, "z***@qq.com") == std::string("none"));

  test::TempDir dir;
  model::Model model = model::builtin_model().value();
  const std::string rows =
      "INSERT INTO customer (id, source_system, source_key) VALUES (1, 'h', '1');"
      "INSERT INTO customer_identity (customer_id, kind, value, source_system, source_key) VALUES"
      " (1, 'phone', '(+86) 138.1234.5678', 'h', 'phone:1'),"
      " (1, 'phone', '+8675523359790;ext=123', 'h', 'phone:2'),"
      " (1, 'phone', '138****5678', 'h', 'phone:3'),"
      " (1, 'email', 'zhang@qq.com', 'h', 'email:1'),"
      " (1, 'email', 'z***@qq.com', 'h', 'email:2'),"
      " (1, 'wechat_openid', 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', 'h', 'wechat:1');";
  auto target = Target::open(target_with(dir, model, rows), "", model);
  REQUIRE_MESSAGE(target.is_ok(), target.status().message());
  config::MaskingPolicy policy;
  policy.actions = {{"phone", "mask"}, {"email", "mask"}, {"free_text", "mask"}};
  auto result = check_pii(**target, *model.entity("customer_identity"), policy, 10);
  REQUIRE_MESSAGE(result.is_ok(), result.status().message());
  CHECK(result->figure("raw_values") == 3);
  CHECK(result->figure("values_scanned") == 6);
  REQUIRE(result->failures.size() == 3);
  CHECK(result->failures[0].key == "email:1");
  CHECK(result->failures[0].kind == "raw_email");
  CHECK(result->failures[0].message == "value (masked by the policy as email by its kind) holds an unmasked email");
  CHECK(result->failures[1].key == "phone:1");
  CHECK(result->failures[1].kind == "raw_phone");
  CHECK(result->failures[1].message == "value (masked by the policy as phone by its kind) holds an unmasked phone");
  CHECK(result->failures[2].key == "phone:2");

  SUBCASE("a kind whose class the policy keeps is not scanned") {
    policy.actions.erase("email");
    auto kept = check_pii(**target, *model.entity("customer_identity"), policy, 10);
    REQUIRE(kept.is_ok());
    CHECK(kept->figure("raw_values") == 2);
    CHECK(kept->figure("values_scanned") == 4);
  }
}

}  // namespace csbridge::validate
