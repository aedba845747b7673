#include "api/resource_block.h"

#include <doctest/doctest.h>

#include "config/config.h"
#include "test_support.h"

namespace csbridge::api {
namespace {

// The block is YAML csbridge.yaml takes as it is: it loads as an API source.
void loads(const std::string& block) {
  test::TempDir dir;
  auto c = config::load_config(dir.write("csbridge.yaml", block),
                               [](const std::string&) -> std::optional<std::string> { return std::string("t"); });
  CHECK_MESSAGE(c.is_ok(), (c.is_ok() ? "" : c.status().message()) << "\n" << block);
}

TEST_CASE("resource block: cursor paging from the spec, the cursor's pointer and the key from the first page") {
  std::string b = resource_block({"https://h.example.cn/api/v2/tickets?per_page=100&api_key=SECRET",
                                  R"({"data":[{"id":1,"subject":"a"},{"id":2,"subject":"b"}],"meta":{"next_cursor":"2"}})",
                                  ""},
                                 {"GET /tickets", "cursor", {"cursor", "per_page"}, 0});
  CHECK(b.find("api: \"https://h.example.cn/api/v2\"") != std::string::npos);
  CHECK(b.find("      tickets:\n        path: /tickets\n        records: /data\n") != std::string::npos);
  CHECK(b.find("params: {per_page: \"100\"}") != std::string::npos);
  CHECK(b.find("paginate: {cursor: /meta/next_cursor, param: cursor}") != std::string::npos);
  CHECK(b.find("key: id") != std::string::npos);
  CHECK(b.find("SECRET") == std::string::npos);  // a secret parameter is named, never its value
  CHECK(b.find("auth: {query: {api_key:") != std::string::npos);
  loads(b);
}

TEST_CASE("resource block: page numbers with the page size, a Link header, a bare array, an offset") {
  std::string page = resource_block({"http://127.0.0.1:8080/openapi/v1/orders?page=1&page_size=5",
                                     R"({"total":12,"orders":[{"order_no":"A1"},{"order_no":"A2"}]})", ""},
                                    {"GET /orders", "page", {"page", "page_size"}, 100});
  CHECK(page.find("records: /orders") != std::string::npos);
  CHECK(page.find("paginate: {page: page, start: 1, limit: 5}") != std::string::npos);
  CHECK(page.find("key: order_no") != std::string::npos);
  loads(page);
  std::string link = resource_block({"http://u:pw@h/api/comments", R"([{"id":"c1"},{"id":"c2"}])",
                                     "<http://h/api/comments?page=2>; rel=\"next\""},
                                    {"", "", {}, 0});
  CHECK(link.find("paginate: link_header") != std::string::npos);
  CHECK(link.find("records:") == std::string::npos);
  CHECK(link.find("pw") == std::string::npos);
  loads(link);
  std::string offset = resource_block({"http://h/v1/customers?offset=0&limit=50",
                                       R"({"result":{"items":[{"customer_id":7},{"customer_id":8}]}})", ""},
                                      {"GET /customers", "offset", {"offset", "limit"}, 0});
  CHECK(offset.find("records: /result/items") != std::string::npos);
  CHECK(offset.find("paginate: {offset: offset, limit_param: limit, limit: 50}") != std::string::npos);
  CHECK(offset.find("key: customer_id") != std::string::npos);
  loads(offset);
}

TEST_CASE("resource block: no list of records gives no block, no distinct field gives no key") {
  CHECK(resource_block({"http://h/x", "not json", ""}, {}).empty());
  CHECK(resource_block({"http://h/x", R"({"ok":true})", ""}, {}).empty());
  std::string b = resource_block({"http://h/x", R"([{"a":1},{"a":1}])", ""}, {});
  CHECK(b.find("key:") == b.find("# key:") + 2);
  loads(b);
}

}  // namespace
}  // namespace csbridge::api
