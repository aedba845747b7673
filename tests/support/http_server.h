// A tiny HTTP/1.1 server on loopback for the probe and API-source tests: binds
// 127.0.0.1 on an ephemeral port, answers each connection with one response
// from a handler and closes it. `workers` threads accept and answer at once
// (the handler must then be thread-safe) until destroyed. Test-only: no TLS,
// no keep-alive, requests up to 64 KiB.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace csbridge::test {

struct HttpRequest {
  std::string method;
  std::string path;   // without the query
  std::string query;  // without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  // The value of header `name` (lower case), or "".
  std::string header(std::string_view name) const;
  // The value of query parameter `name`, percent-decoded, or "".
  std::string param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;  // 0: the connection is reset, no response at all
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  explicit HttpServer(HttpHandler handler, int workers = 1);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" + target.
  std::string url(std::string_view target) const;
  int requests() const { return requests_; }

 private:
  void serve();
  HttpHandler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::vector<std::thread> threads_;
};

// The legacy order API of samples/api/order_api.yaml under /openapi/v1, with
// 12 orders: GET /openapi/v1/orders?page=N&page_size=M answers an OrderPage
// with X-RateLimit-* headers. `mode`: "paging" pages correctly; "broken"
// ignores `page` (every page is the first); "errors" answers page 2 and
// later with HTTP 500. Other paths: 404 with the spec's Error body.
HttpResponse order_api(const HttpRequest& request, std::string_view mode);

}  // namespace csbridge::test
