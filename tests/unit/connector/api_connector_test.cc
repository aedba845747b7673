#include "connector/api_source.h"

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "config/config.h"
#include "faulty_target_store.h"
#include "connector/http_client.h"
#include "helpdesk_api.h"
#include "mapping/loader.h"
#include "migrate/migrate.h"
#include "test_support.h"
#include "util/strings.h"
#include "validate/validate.h"

namespace csbridge::connector {
namespace {

// A project whose source `old` is the test helpdesk API on loopback.
struct ApiProject {
  test::TempDir dir;
  test::HelpdeskApi api;
  std::unique_ptr<test::HttpServer> server;
  config::Config config;

  explicit ApiProject(const std::string& resources, const std::string& extra = "") {
    server = std::make_unique<test::HttpServer>([this](const test::HttpRequest& r) { return api.handle(r); });
    std::string yaml = "sources:\n  old:\n    api: " + server->url("/api/v2") +
                       "\n    auth: {bearer: \"${HELPDESK_TOKEN}\"}\n    retry: {max: 6}\n" + extra +
                       "    resources:\n" + resources + "target: sqlite:" + (dir.path() / "cs.db").string() + "\n";
    auto c = config::load_config(dir.write("csbridge.yaml", yaml), env());
    REQUIRE_MESSAGE(c.is_ok(), c.status().message());
    config = std::move(c).value();
  }
  static config::EnvLookup env() {
    return [](const std::string& name) -> std::optional<std::string> {
      if (name == "HELPDESK_TOKEN") return std::string("s3cret-token");
      return std::nullopt;
    };
  }
  std::unique_ptr<Connector> open() {
    auto db = config::open_source(*config.source("old"));
    REQUIRE_MESSAGE(db.is_ok(), db.status().message());
    return std::move(db).value();
  }
};

const char* kTickets = R"(      tickets:
        path: /tickets
        records: /data
        params: {per_page: 100}
        paginate: {cursor: /meta/next_cursor, param: cursor}
        key: id
)";
const char* kCustomers = R"(      customers:
        path: /customers
        records: /customers
        paginate: {page: page, start: 1, limit: 100, max_pages: 5, after_param: id_gt, after_field: id}
        key: id
)";
const char* kComments = R"(      comments:
        path: /tickets/{tickets.id}/comments
        paginate: link_header
        key: id
        concurrency: 4
)";
const char* kAgents = R"(      agents:
        path: /agents.xml
        records: /agents/agent
        key: "@id"
)";

// Every row of `table`: the values of `column`, and the columns.
struct Read {
  std::vector<std::string> values;
  std::vector<std::string> columns;
  std::vector<RejectedRecord> rejects;
  Status status;
};

Read read_all(Connector& db, const std::string& table, const std::string& column, size_t batch = 250) {
  Read out;
  ReadRequest request;
  request.table = {"", table};
  request.batch_rows = batch;
  auto reader = db.read(request);
  if (!reader.is_ok()) {
    out.status = reader.status();
    return out;
  }
  for (const auto& c : (*reader)->columns()) out.columns.push_back(c.name);
  size_t at = std::find(out.columns.begin(), out.columns.end(), column) - out.columns.begin();
  Batch b;
  while (true) {
    auto more = (*reader)->next(b);
    if (!more.is_ok()) {
      out.status = more.status();
      return out;
    }
    for (auto& r : (*reader)->take_rejects()) out.rejects.push_back(r);
    if (!*more) break;
    for (size_t r = 0; r < b.rows(); ++r) out.values.emplace_back(at < b.columns() ? b.get(r, at) : "?");
  }
  return out;
}

std::vector<std::string> numbers(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(std::to_string(i));
  return out;
}

// A config whose source `old` lists `items` at `url` by the cursor at /meta/next, with `extra`
// (indented lines) among the source's settings.
std::string cursor_items_config(const std::string& url, const std::string& extra = "") {
  return "sources:\n  old:\n    api: " + url + "\n" + extra +
         "    resources:\n      items: {path: /items, records: /data, paginate: {cursor: /meta/next, "
         "param: cursor}, key: id}\n";
}

// Source `old` of the config `yaml` (written into `dir`), every ${VAR} in it read as `secret`.
std::unique_ptr<Connector> open_old(test::TempDir& dir, const std::string& yaml, const std::string& secret) {
  auto c = config::load_config(dir.write("csbridge.yaml", yaml), [secret](const std::string&) -> std::optional<std::string> {
    return secret;
  });
  REQUIRE_MESSAGE(c.is_ok(), c.status().message());
  auto db = config::open_source(*c->source("old"));
  REQUIRE_MESSAGE(db.is_ok(), db.status().message());
  return std::move(db).value();
}

TEST_CASE("api source: cursor paging reads every record once, flattened as the json backend flattens") {
  ApiProject p(kTickets);
  auto db = p.open();
  Read r = read_all(*db, "tickets", "id");
  REQUIRE_MESSAGE(r.status.is_ok(), r.status.message());
  CHECK(r.values == numbers(1, 1200));
  CHECK(r.columns == std::vector<std::string>{"id", "subject", "status", "requester.id", "requester.channel", "tags",
                                              "created_at", "_extra"});
  CHECK(p.api.requests == 12);
  auto info = db->describe({"", "tickets"});
  REQUIRE(info.is_ok());
  CHECK(info->primary_key == std::vector<std::string>{"id"});
}

TEST_CASE("api source: a page cap is worked around from the last record's id, never a silent end") {
  SUBCASE("with after_param the listing starts again past the last record read") {
    ApiProject p(kCustomers);
    auto db = p.open();
    Read r = read_all(*db, "customers", "id");
    REQUIRE_MESSAGE(r.status.is_ok(), r.status.message());
    CHECK(r.values == numbers(1, 700));
  }
  SUBCASE("without it, reaching the cap with a full page is an error naming the resource") {
    std::string capped = kCustomers;
    capped.replace(capped.find(", after_param: id_gt, after_field: id"), 37, "");
    ApiProject p(capped);
    auto db = p.open();
    Read r = read_all(*db, "customers", "id");
    CHECK(r.status.code() == ErrorCode::kData);
    CHECK(r.status.message().find("resource customers: the API serves at most 5 pages") != std::string::npos);
  }
}

TEST_CASE("api source: fan-out lists each parent's children, Link headers, parents in parallel, order kept") {
  ApiProject p(std::string(kTickets) + kComments);
  p.api.tickets = 150;
  auto db = p.open();
  Read r = read_all(*db, "comments", "id");
  REQUIRE_MESSAGE(r.status.is_ok(), r.status.message());
  std::vector<std::string> want;
  for (int t = 1; t <= 150; ++t) {
    for (int c = 0; c < 3; ++c) want.push_back(std::to_string(t * 10 + c));
  }
  CHECK(r.values == want);
  CHECK(std::find(r.columns.begin(), r.columns.end(), "tickets.id") != r.columns.end());
}

TEST_CASE("api source: an XML resource reads its record path") {
  ApiProject p(kAgents);
  auto db = p.open();
  Read r = read_all(*db, "agents", "@id");
  REQUIRE_MESSAGE(r.status.is_ok(), r.status.message());
  CHECK(r.values == numbers(1, 5));
  CHECK(std::find(r.columns.begin(), r.columns.end(), "name") != r.columns.end());
}

TEST_CASE("api source: 429 with Retry-After, a burst of 503s and a reset connection are retried, nothing lost") {
  ApiProject p(kTickets);
  p.api.throttle_every = 5;
  p.api.burst_at = 3;
  p.api.reset_at = 9;
  auto db = p.open();
  Read r = read_all(*db, "tickets", "id");
  REQUIRE_MESSAGE(r.status.is_ok(), r.status.message());
  CHECK(r.values == numbers(1, 1200));
  CHECK(p.api.throttled >= 2);
}

TEST_CASE("api source: 401 and 404 stop at once, unreachable, naming the URL without secrets") {
  SUBCASE("a wrong token") {
    ApiProject p(kTickets);
    p.api.token = "another";
    auto db = p.open();
    Read r = read_all(*db, "tickets", "id");
    CHECK(r.status.code() == ErrorCode::kUnreachable);
    CHECK(r.status.message().find("HTTP 401") != std::string::npos);
    CHECK(r.status.message().find("s3cret") == std::string::npos);
    CHECK(p.api.requests == 1);
  }
  SUBCASE("a key in the query is redacted") {
    ApiProject p("      nowhere: {path: /missing, key: id}\n", "    headers: {X-Trace: \"1\"}\n");
    config::Config c = p.config;
    auto source = std::make_shared<ApiSource>(*c.source("old")->api);
    source->query.emplace_back("key", "s3cret-key");
    HttpClient http(*source);
    auto reply = http.get(p.server->url("/api/v2/missing?key=s3cret-key"));
    REQUIRE_FALSE(reply.is_ok());
    CHECK(reply.status().message().find("key=***") != std::string::npos);
    CHECK(reply.status().message().find("s3cret-key") == std::string::npos);
  }
}

TEST_CASE("api source: a secret written in the file is refused, resources and paging are checked") {
  test::TempDir dir;
  auto load = [&](const std::string& body) {
    return config::load_config(dir.write("c.yaml", "sources:\n  old:\n    api: http://127.0.0.1:1/api\n" + body),
                               ApiProject::env());
  };
  auto literal = load("    auth: {bearer: abc}\n    resources: {t: {path: /t}}\n");
  CHECK(literal.status().message().find("'auth.bearer' is a secret") != std::string::npos);
  auto no_resources = load("    auth: {bearer: \"${HELPDESK_TOKEN}\"}\n");
  CHECK(no_resources.status().message().find("needs 'resources'") != std::string::npos);
  auto bad_paging = load("    resources: {t: {path: /t, paginate: {pag: page}}}\n");
  CHECK(bad_paging.status().message().find("unknown paginate key 'pag', did you mean 'page'?") != std::string::npos);
  auto orphan = load("    resources: {c: {path: \"/t/{tickets.id}/c\"}}\n");
  CHECK(orphan.status().message().find("there is no resource 'tickets'") != std::string::npos);
}

TEST_CASE("api source: Link and Retry-After parsing") {
  CHECK(link_next("<https://x/a?page=2>; rel=\"next\", <https://x/a?page=9>; rel=\"last\"") == "https://x/a?page=2");
  CHECK(link_next("<https://x/a?page=1>; rel=\"prev\"") == "");
  CHECK(retry_after_ms("2") == 2000);
  CHECK(retry_after_ms("soon") == -1);
}

// A mapping over the API migrates into SQLite, validate passes reading the API again, and a
// second run writes nothing.
TEST_CASE("api source: migrate and validate a resource") {
  ApiProject p(kTickets);
  p.api.tickets = 480;
  p.api.throttle_every = 17;
  model::Model model = model::builtin_model().value();
  mapping::LoadResult loaded;
  mapping::load_mapping_document(config::parse_yaml(R"(entity: ticket
source: old
table: tickets
key: id
fields:
  subject: subject
  status: {column: status, steps: [{map: {open: open, pending: pending, solved: solved, closed: closed}}]}
  priority: {value: normal}
  channel: {column: requester.channel, steps: [{map: {values: {web: web, email: email}, else: other}}]}
  created_at: created_at
custom: rest
)", "ticket.yaml").value(), p.config, model, loaded);
  REQUIRE_FALSE(loaded.has_errors());
  migrate::MigrateOptions o;
  o.reject_file = (p.dir.path() / "rejects.jsonl").string();
  o.env = ApiProject::env();
  auto s = migrate::run_migration(p.config, loaded.set, model, o);
  REQUIRE_MESSAGE(s.is_ok(), s.status().message());
  REQUIRE(s->entities.size() == 1);
  CHECK(s->entities[0].loaded == 480);
  CHECK(s->entities[0].rejected == 0);
  auto again = migrate::run_migration(p.config, loaded.set, model, o);
  REQUIRE(again.is_ok());
  CHECK(again->entities[0].unchanged == 480);
  validate::ValidateOptions v;
  v.env = ApiProject::env();
  auto report = validate::run_validation(p.config, loaded.set, model, v);
  REQUIRE_MESSAGE(report.is_ok(), report.status().message());
  for (const auto& c : report->checks) {
    INFO(c.name << " " << c.entity);
    CHECK(c.status != validate::CheckStatus::kFailed);
  }
}

const char* kPagedCustomers = R"(      customers:
        path: /customers
        records: /customers
        params: {per_page: 50}
        paginate: {page: page, start: 1, limit: 50}
        key: id
)";

// Reads `table` in batches of `batch` rows: every first column value, and the reader's position
// after each batch with the rows read by then.
struct Positions {
  std::vector<std::string> values;
  std::vector<std::pair<int64_t, std::string>> after;
};
Positions read_positions(Connector& db, const std::string& table, size_t batch, int64_t skip = 0,
                         const std::string& at = "") {
  Positions out;
  ReadRequest request;
  request.table = {"", table};
  request.columns = {"id"};
  request.batch_rows = batch;
  request.skip_rows = skip;
  request.resume_position = at;
  auto reader = db.read(request);
  REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
  int64_t rows = (*reader)->skipped();
  Batch b;
  while (true) {
    auto more = (*reader)->next(b);
    REQUIRE_MESSAGE(more.is_ok(), more.status().message());
    if (!*more) break;
    for (size_t r = 0; r < b.rows(); ++r) out.values.emplace_back(b.get(r, 0));
    rows += static_cast<int64_t>(b.rows());
    out.after.emplace_back(rows, (*reader)->position());
  }
  return out;
}

// Every paging kind: a reader started at the position another reader gave after N rows yields
// exactly the rows after the N-th, and asks the API for fewer pages than a read from the start.
TEST_CASE("api source: a reader resumes at the position an earlier reader gave, for every paging") {
  struct Kind {
    const char* resources;
    const char* table;
  };
  const std::string fan_out = std::string(kTickets) + kComments;
  const Kind kinds[] = {{kTickets, "tickets"},             // cursor
                        {kCustomers, "customers"},         // page numbers past a cap of 5 pages
                        {kPagedCustomers, "customers"},    // page numbers
                        {fan_out.c_str(), "comments"}};    // fan-out, Link headers
  for (const Kind& k : kinds) {
    INFO(k.resources);
    ApiProject p(k.resources);
    p.api.tickets = 600;
    auto db = p.open();
    Positions full = read_positions(*db, k.table, 17);
    const int full_requests = p.api.requests;
    REQUIRE(full.values.size() > 100);
    for (size_t i : {size_t{0}, full.after.size() / 3, full.after.size() - 2}) {
      const auto& [rows, at] = full.after[i];
      INFO("resumed after " << rows << " rows at " << at);
      REQUIRE_FALSE(at.empty());
      const int before = p.api.requests;
      Positions rest = read_positions(*db, k.table, 17, rows, at);
      std::vector<std::string> want(full.values.begin() + rows, full.values.end());
      CHECK(rest.values == want);
      if (i > 0) CHECK(p.api.requests - before < full_requests);
    }
    // A position of another paging, or no position, starts over (the caller skips by count).
    Positions over = read_positions(*db, k.table, 17, 40, "{\"page\":{\"kind\":99},\"skip\":0}");
    CHECK(over.values == full.values);
  }
}

// A run that stops at its 5th batch resumes from the page it stopped at: the resumed run asks the
// API for fewer pages than a run from the start, and the chain loads every record once.
TEST_CASE("api source: a migration stopped midway resumes from the page, not from page 1") {
  ApiProject p(kPagedCustomers);
  p.api.max_pages = 1000;
  model::Model model = model::builtin_model().value();
  mapping::LoadResult loaded;
  mapping::load_mapping_document(config::parse_yaml(R"(entity: customer
source: old
table: customers
key: id
fields:
  name: name
  phone: {column: phone, steps: [phone], on_error: null}
custom: rest
)", "customer.yaml").value(), p.config, model, loaded);
  REQUIRE_FALSE(loaded.has_errors());
  p.config.options.batch_rows = 50;
  auto faults = std::make_shared<test::Faults>();
  faults->fail_load = 5;
  faults->code = ErrorCode::kData;
  migrate::MigrateOptions o;
  o.reject_file = (p.dir.path() / "rejects.jsonl").string();
  o.env = ApiProject::env();
  o.open_target = test::faulty_targets(faults);
  auto failed = migrate::run_migration(p.config, loaded.set, model, o);
  REQUIRE_FALSE(failed.is_ok());
  faults->fail_load = 0;
  o.resume_only = true;
  const int before = p.api.requests;
  auto resumed = migrate::run_migration(p.config, loaded.set, model, o);
  REQUIRE_MESSAGE(resumed.is_ok(), resumed.status().message());
  const int resumed_requests = p.api.requests - before;
  const auto& c = resumed->entities.at(0);
  CHECK(c.skipped == 200);               // four batches committed before the fifth failed
  CHECK(c.read == 500);
  CHECK(c.chain_in_target() == 700);
  CHECK(resumed_requests == 11);         // pages 5..14 and the empty page 15, not pages 1..15
}

const char* kIncrementalCustomers = R"(      customers:
        path: /customers
        records: /customers
        params: {per_page: 50}
        paginate: {page: page, start: 1, limit: 50}
        key: id
        incremental: {param: updated_since, field: updated_at}
)";

TEST_CASE("api source: incremental: --since asks the API only for what changed, by the resource's parameter") {
  ApiProject p(kIncrementalCustomers);
  p.api.max_pages = 1000;
  const std::string since = "2024-03-20T00:00:00Z";
  int64_t changed = 0;  // the server's customers changed since then (helpdesk_api.cc: day 1 + id % 28)
  for (int id = 1; id <= p.api.customers; ++id) changed += 1 + id % 28 >= 20;
  auto db = p.open();
  ReadRequest request;
  request.table = {"", "customers"};
  request.columns = {"id", "updated_at"};
  request.changed_since = {"updated_at", since};
  auto reader = db->read(request);
  REQUIRE_MESSAGE(reader.is_ok(), reader.status().message());
  int64_t rows = 0;
  Batch b;
  while ((*reader)->next(b).value()) {
    for (size_t r = 0; r < b.rows(); ++r, ++rows) CHECK(std::string(b.get(r, 1)) >= since);
  }
  CHECK(rows == changed);
  CHECK(p.api.customer_requests < p.api.customers / 50);  // fewer pages than the whole listing

  // A field the resource does not declare incremental for: refused, not read whole.
  request.changed_since = {"name", since};
  auto refused = db->read(request);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == ErrorCode::kNotSupported);
  CHECK(refused.status().message().find("incremental: {param: …, field: name}") != std::string::npos);

  // migrate --since on a block whose watermark is that field.
  model::Model model = model::builtin_model().value();
  mapping::LoadResult loaded;
  mapping::load_mapping_document(config::parse_yaml(R"(entity: customer
source: old
table: customers
key: id
watermark: updated_at
fields:
  name: name
custom: none
)", "customer.yaml").value(), p.config, model, loaded);
  REQUIRE_FALSE(loaded.has_errors());
  migrate::MigrateOptions o;
  o.reject_file = (p.dir.path() / "rejects.jsonl").string();
  o.env = ApiProject::env();
  o.since = since;
  auto run = migrate::run_migration(p.config, loaded.set, model, o);
  REQUIRE_MESSAGE(run.is_ok(), run.status().message());
  CHECK(run->entities.at(0).loaded == changed);
}

// An API that echoes its key in the next link: the key is sent once a request and no position
// (committed into the target with each batch) holds it.
TEST_CASE("api source: a next link that echoes the query key keeps no key in it or in a position") {
  test::TempDir dir;
  std::atomic<int> twice{0};
  test::HttpServer server([&](const test::HttpRequest& r) -> test::HttpResponse {
    if (r.param("key") != "k-SECRET") return {401, {}, "{}"};
    if (r.query.find("key=") != r.query.rfind("key=")) ++twice;
    int page = std::max(1, std::atoi(r.param("page").c_str()));
    std::string body = "[{\"id\":" + std::to_string(2 * page - 1) + "},{\"id\":" + std::to_string(2 * page) + "}]";
    std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}};
    if (page < 5) headers.emplace_back("Link", "</items?key=k-SECRET&page=" + std::to_string(page + 1) + ">; rel=\"next\"");
    return {200, headers, body};
  });
  std::string yaml = "sources:\n  old:\n    api: " + server.url("") + "\n    auth: {query: {key: \"${K}\"}}\n" +
                     "    resources:\n      items: {path: /items, paginate: link_header, key: id}\n";
  auto db = open_old(dir, yaml, "k-SECRET");
  Positions full = read_positions(*db, "items", 3);
  CHECK(full.values.size() == 10);
  CHECK(twice == 0);
  for (const auto& [rows, at] : full.after) CHECK(at.find("SECRET") == std::string::npos);
  Positions rest = read_positions(*db, "items", 3, full.after[1].first, full.after[1].second);
  CHECK(rest.values == std::vector<std::string>(full.values.begin() + full.after[1].first, full.values.end()));
}

// A listing read to its end asks for the next page while it reads this one, from a guess at the
// cursor made before the page is read: a guess a record's own member misleads is dropped and the
// page asked for again, nothing read twice or skipped; a read with a limit asks for nothing ahead.
TEST_CASE("api source: the next page is asked for ahead, a wrong guess at its cursor dropped") {
  test::TempDir dir;
  std::mutex mutex;
  std::vector<std::string> asked;
  test::HttpServer server([&](const test::HttpRequest& r) -> test::HttpResponse {
    std::string cursor = r.param("cursor");
    {
      std::lock_guard<std::mutex> lock(mutex);
      asked.push_back(cursor.empty() ? "first" : cursor);
    }
    int page = cursor.empty() ? 1 : std::atoi(cursor.c_str());
    if (page < 1 || page > 5) return {404, {{"Content-Type", "application/json"}}, "{}"};
    // The record's own "next" member comes after the paging one: the last of its name in the text.
    std::string next = page < 5 ? "\"" + std::to_string(page + 1) + "\"" : "null";
    std::string body = "{\"meta\":{\"next\":" + next + "},\"data\":[{\"id\":" + std::to_string(2 * page - 1) +
                       ",\"next\":\"x\"},{\"id\":" + std::to_string(2 * page) + ",\"next\":\"wrong" +
                       std::to_string(page) + "\"}]}";
    return {200, {{"Content-Type", "application/json"}}, body};
  });
  auto db = open_old(dir, cursor_items_config(server.url("")), "");
  {
    // A reader slower than the server: the guesses have the time to reach it.
    ReadRequest request;
    request.table = {"", "items"};
    request.batch_rows = 2;
    auto reader = db->read(request);
    REQUIRE(reader.is_ok());
    size_t id = 0;
    for (size_t c = 0; c < (*reader)->columns().size(); ++c) {
      if ((*reader)->columns()[c].name == "id") id = c;
    }
    std::vector<std::string> values;
    Batch b;
    while (true) {
      auto more = (*reader)->next(b);
      REQUIRE_MESSAGE(more.is_ok(), more.status().message());
      if (!*more) break;
      for (size_t row = 0; row < b.rows(); ++row) values.emplace_back(b.get(row, id));
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    CHECK(values == numbers(1, 10));
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    std::multiset<std::string> seen(asked.begin(), asked.end());
    for (const char* page : {"first", "2", "3", "4", "5"}) CHECK_MESSAGE(seen.count(page) == 1, util::join(asked, ","));
    // After each page a wrong guess was asked for ahead and dropped (one dropped before it left
    // is not seen), the last page's too: its null shows only once the page is read.
    size_t wrong = 0;
    for (const char* guess : {"wrong1", "wrong2", "wrong3", "wrong4", "wrong5"}) wrong += seen.count(guess);
    CHECK(wrong >= 1);
    CHECK(seen.size() == 5 + wrong);
  }
  SUBCASE("a read with a limit asks for no page ahead") {
    {
      std::lock_guard<std::mutex> lock(mutex);
      asked.clear();
    }
    ReadRequest request;
    request.table = {"", "items"};
    request.limit = 3;
    auto reader = db->read(request);
    REQUIRE(reader.is_ok());
    Batch b;
    while (true) {
      auto more = (*reader)->next(b);
      REQUIRE(more.is_ok());
      if (!*more) break;
    }
    // (A request the read above dropped may reach the server late: its wrong guesses are left out.)
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<std::string> pages;
    for (const std::string& a : asked) {
      if (!a.starts_with("wrong")) pages.push_back(a);
    }
    const std::vector<std::string> expected = {"first", "2"};
    CHECK_MESSAGE(pages == expected, util::join(asked, ","));
  }
}

// Once a guess at the next page has proved right, the pages after it are fetched ahead while the
// reader is busy, several at once (not more than 8), each once; a reader dropped while the next page
// waits out a Retry-After returns at once, not after the wait.
TEST_CASE("api source: pages are fetched ahead of a slow reader, and a dropped reader does not wait") {
  test::TempDir dir;
  std::mutex mutex;
  std::vector<int> asked;
  std::atomic<bool> throttle{false};
  test::HttpServer server([&](const test::HttpRequest& r) -> test::HttpResponse {
    int page = r.param("cursor").empty() ? 1 : std::atoi(r.param("cursor").c_str());
    {
      std::lock_guard<std::mutex> lock(mutex);
      asked.push_back(page);
    }
    if (throttle && page > 1) return {429, {{"Retry-After", "30"}}, "{}"};
    std::string next = page < 20 ? std::to_string(page + 1) : "null";
    std::string body = "{\"data\":[{\"id\":" + std::to_string(page) + "}],\"meta\":{\"next\":" + next + "}}";
    return {200, {{"Content-Type", "application/json"}}, body};
  });
  auto db = open_old(dir, cursor_items_config(server.url("")), "");
  ReadRequest request;
  request.table = {"", "items"};
  request.batch_rows = 1;
  SUBCASE("ahead of a slow reader") {
    auto reader = db->read(request);
    REQUIRE(reader.is_ok());
    Batch b;
    size_t most_ahead = 0;
    for (int page = 1;; ++page) {
      auto more = (*reader)->next(b);
      REQUIRE(more.is_ok());
      if (!*more) break;
      CHECK(b.get(0, 0) == std::to_string(page));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::lock_guard<std::mutex> lock(mutex);
      most_ahead = std::max(most_ahead, asked.size() - static_cast<size_t>(page));
    }
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<int> each;
    for (int page = 1; page <= 20; ++page) each.push_back(page);
    CHECK(asked == each);
    CHECK(most_ahead > 1);
    CHECK(most_ahead <= 8);
  }
  SUBCASE("a dropped reader does not wait for its turn in the request budget") {
    auto slow = open_old(dir, cursor_items_config(server.url(""), "    requests_per_second: 0.2\n"), "");
    auto reader = slow->read(request);
    REQUIRE(reader.is_ok());
    Batch b;
    auto more = (*reader)->next(b);  // the first page; the next waits 5 s for its slot
    REQUIRE(more.is_ok());
    auto t0 = std::chrono::steady_clock::now();
    reader->reset();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  }
  SUBCASE("a dropped reader does not wait for a Retry-After") {
    throttle = true;
    auto reader = db->read(request);
    REQUIRE(reader.is_ok());
    Batch b;
    auto more = (*reader)->next(b);
    REQUIRE(more.is_ok());
    CHECK(b.get(0, 0) == "1");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the next page's 429 has come
    auto t0 = std::chrono::steady_clock::now();
    reader->reset();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  }
}

// A next URL guessed from a record's own member that points at another server is not asked for:
// the source's credentials go only to its own server ahead of a confirmed next URL.
TEST_CASE("api source: a guessed next URL of another server is never asked for ahead") {
  test::TempDir dir;
  std::atomic<int> elsewhere{0};
  test::HttpServer other([&](const test::HttpRequest&) -> test::HttpResponse {
    ++elsewhere;
    return {200, {{"Content-Type", "application/json"}}, "{\"data\":[]}"};
  });
  const std::string stranger = other.url("/steal");
  test::HttpServer server([&](const test::HttpRequest& r) -> test::HttpResponse {
    if (r.header("authorization") != "Bearer tok") return {401, {}, "{}"};
    int page = std::max(1, std::atoi(r.param("page").c_str()));
    std::string next = page < 3 ? "\"/items?page=" + std::to_string(page + 1) + "\"" : "null";
    std::string body = "{\"links\":{\"next\":" + next + "},\"data\":[{\"id\":" + std::to_string(page) +
                       ",\"next\":\"" + stranger + "\"}]}";
    return {200, {{"Content-Type", "application/json"}}, body};
  });
  std::string yaml = "sources:\n  old:\n    api: " + server.url("") +
                     "\n    auth: {bearer: \"${T}\"}\n    resources:\n      items: {path: /items, records: /data, "
                     "paginate: {next_url: /links/next}, key: id}\n";
  auto db = open_old(dir, yaml, "tok");
  Read r = read_all(*db, "items", "id", 2);
  REQUIRE_MESSAGE(r.status.is_ok(), r.status.message());
  CHECK(r.values == numbers(1, 3));
  CHECK(elsewhere == 0);
}

}  // namespace
}  // namespace csbridge::connector
