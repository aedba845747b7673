#include "helpdesk_api.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace csbridge::test {
namespace {

std::string ticket_json(int id, int customers) {
  static const char* subjects[] = {"订单未发货", "退款申请", "发票问题", "物流查询"};
  static const char* statuses[] = {"open", "pending", "solved", "closed"};
  return "{\"id\":" + std::to_string(id) + ",\"subject\":\"" + subjects[id % 4] + " #" + std::to_string(id) +
         "\",\"status\":\"" + statuses[id % 4] + "\",\"requester\":{\"id\":" + std::to_string(1 + id % customers) +
         ",\"channel\":\"" + (id % 2 ? "web" : "email") + "\"},\"tags\":[\"t" + std::to_string(id % 3) +
         "\"],\"created_at\":\"2024-01-0" + std::to_string(1 + id % 9) + "T08:00:00Z\"}";
}

// When a customer last changed: a day of March 2024 (`updated_since` lists those changed since).
std::string customer_updated(int id) {
  int day = 1 + id % 28;
  return std::string("2024-03-") + (day < 10 ? "0" : "") + std::to_string(day) + "T00:00:00Z";
}

std::string customer_json(int id) {
  return "{\"id\":" + std::to_string(id) + ",\"name\":\"客户" + std::to_string(id) + "\",\"phone\":\"1380013" +
         std::to_string(1000 + id % 9000) + "\",\"updated_at\":\"" + customer_updated(id) + "\"}";
}

std::string comment_json(int ticket, int n) {
  int id = ticket * 10 + n;
  return "{\"id\":" + std::to_string(id) + ",\"body\":\"第" + std::to_string(n + 1) + "条回复\",\"author\":\"" +
         (n % 2 ? "agent" : "customer") + "\",\"created_at\":\"2024-02-01T10:0" + std::to_string(n) + ":00Z\"}";
}

std::string int_list(const std::vector<int>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out + "]";
}

HttpResponse json(std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  return {200, std::move(headers), std::move(body)};
}

}  // namespace

HttpResponse HelpdeskApi::handle(const HttpRequest& r) {
  if (r.path == "/__stats") {
    std::string starts;
    {
      std::lock_guard lock(starts_mutex);
      starts = ",\"starts\":{\"tickets\":" + int_list(ticket_starts) + ",\"customers\":" + int_list(customer_starts) + "}";
    }
    return json("{\"requests\":" + std::to_string(requests.load()) + ",\"customers\":" +
                std::to_string(customer_requests.load()) + ",\"tickets\":" + std::to_string(ticket_requests.load()) +
                ",\"comments\":" + std::to_string(comment_requests.load()) +
                ",\"throttled\":" + std::to_string(throttled.load()) + starts + "}");
  }
  int n = ++requests;
  if (delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  if (r.header("authorization") != "Bearer " + token) return {401, {}, "{\"error\":\"unauthorized\"}"};
  if (reset_at && n == reset_at) return {0, {}, ""};
  if (burst_at && n >= burst_at && n < burst_at + 3) return {503, {}, "busy"};
  if (throttle_every && n % throttle_every == 0) {
    ++throttled;
    return {429, {{"Retry-After", "1"}}, "{\"error\":\"slow down\"}"};
  }
  if (r.path == "/api/v2/tickets") {
    if (r.param("cursor").empty()) {
      std::lock_guard lock(starts_mutex);
      ticket_starts.push_back(ticket_requests.load());
    }
    ++ticket_requests;
    if (ticket_delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(ticket_delay_ms));
    int after = std::atoi(r.param("cursor").c_str());
    int size = r.param("per_page").empty() ? per_page : std::atoi(r.param("per_page").c_str());
    std::string body = "{\"data\":[";
    int last = after;
    for (int id = after + 1; id <= tickets && id <= after + size; ++id) {
      body += (id > after + 1 ? "," : "") + ticket_json(id, customers);
      last = id;
    }
    body += "],\"meta\":{\"next_cursor\":" + (last < tickets ? "\"" + std::to_string(last) + "\"" : std::string("null")) + "}}";
    return json(body);
  }
  if (r.path == "/api/v2/customers") {
    if (std::atoi(r.param("page").c_str()) <= 1 && r.param("id_gt").empty()) {
      std::lock_guard lock(starts_mutex);
      customer_starts.push_back(customer_requests.load());
    }
    ++customer_requests;
    if (customer_delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(customer_delay_ms));
    int page = std::max(1, std::atoi(r.param("page").c_str()));
    int after = std::atoi(r.param("id_gt").c_str());
    int size = r.param("per_page").empty() ? per_page : std::atoi(r.param("per_page").c_str());
    const std::string since = r.param("updated_since");
    std::string body = "{\"customers\":[";
    if (page <= max_pages) {
      // The listing: customers after `id_gt` changed since `updated_since`, `size` a page.
      int skip = since.empty() ? 0 : (page - 1) * size, n = 0;
      for (int id = after + 1 + (since.empty() ? (page - 1) * size : 0); id <= customers && n < size; ++id) {
        if (!since.empty() && customer_updated(id) < since) continue;
        if (skip > 0) {
          --skip;
          continue;
        }
        body += (n++ ? "," : "") + customer_json(id);
      }
    }
    return json(body + "]}");
  }
  const std::string prefix = "/api/v2/tickets/";
  if (r.path.starts_with(prefix) && r.path.ends_with("/comments")) {
    ++comment_requests;
    int ticket = std::atoi(r.path.substr(prefix.size()).c_str());
    if (ticket < 1 || ticket > tickets) return {404, {}, "{\"error\":\"no such ticket\"}"};
    int page = std::max(1, std::atoi(r.param("page").c_str()));
    std::string body = "[";
    int first = (page - 1) * comments_per_page;
    for (int c = first; c < comments_per_ticket && c < first + comments_per_page; ++c) {
      body += (c > first ? "," : "") + comment_json(ticket, c);
    }
    std::vector<std::pair<std::string, std::string>> headers;
    if (first + comments_per_page < comments_per_ticket) {
      headers.emplace_back("Link", "<" + r.path + "?page=" + std::to_string(page + 1) + ">; rel=\"next\"");
    }
    return json(body + "]", headers);
  }
  if (r.path == "/api/v2/agents.xml") {
    std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><agents>";
    for (int id = 1; id <= 5; ++id) {
      body += "<agent id=\"" + std::to_string(id) + "\"><name>坐席" + std::to_string(id) + "</name><email>a" +
              std::to_string(id) + "@example.cn</email></agent>";
    }
    return {200, {{"Content-Type", "application/xml"}}, body + "</agents>"};
  }
  return {404, {}, "{\"error\":\"no such path\"}"};
}

}  // namespace csbridge::test
