#include "http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace csbridge::test {
namespace {

constexpr size_t kMaxRequestBytes = 64 << 10;
constexpr int kPollMillis = 50;
constexpr int kOrders = 12;

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string order_json(int k) {
  char no[32];
  std::snprintf(no, sizeof no, "SO202312%05d", k);
  return std::string("{\"order_no\":\"") + no + "\",\"status\":\"paid\",\"amount\":" + std::to_string(100 + k) +
         ".5,\"created_at\":\"2023-12-01T10:00:00+08:00\"}";
}

}  // namespace

std::string HttpRequest::param(std::string_view name) const {
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t end = query.find('&', pos);
    if (end == std::string::npos) end = query.size();
    std::string_view kv = std::string_view(query).substr(pos, end - pos);
    size_t eq = kv.find('=');
    if (kv.substr(0, eq) != name) {
      pos = end + 1;
      continue;
    }
    std::string out;  // percent-decoded
    std::string_view v = eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '%' && i + 2 < v.size() && std::isxdigit(static_cast<unsigned char>(v[i + 1])) &&
          std::isxdigit(static_cast<unsigned char>(v[i + 2]))) {
        out += static_cast<char>(std::stoi(std::string(v.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += v[i] == '+' ? ' ' : v[i];
      }
    }
    return out;
    pos = end + 1;
  }
  return "";
}

HttpServer::HttpServer(HttpHandler handler, int workers) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 128) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("bind/listen on 127.0.0.1: " + std::string(std::strerror(errno)));
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  // Several workers poll one socket: accept must not block the ones that lose the race.
  ::fcntl(listen_fd_, F_SETFL, ::fcntl(listen_fd_, F_GETFL) | O_NONBLOCK);
  for (int i = 0; i < std::max(1, workers); ++i) threads_.emplace_back([this] { serve(); });
}

HttpServer::~HttpServer() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  ::close(listen_fd_);
}

std::string HttpServer::url(std::string_view target) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(target);
}

void HttpServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMillis) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::string raw;
    char buf[4096];
    while (raw.find("\r\n\r\n") == std::string::npos && raw.size() < kMaxRequestBytes) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      raw.append(buf, static_cast<size_t>(n));
    }
    if (raw.find("\r\n\r\n") == std::string::npos && raw.size() < kMaxRequestBytes) {
      ::close(fd);  // closed before its request was whole (a client that dropped it): no request
      continue;
    }
    HttpRequest req;
    size_t sp1 = raw.find(' '), sp2 = raw.find(' ', sp1 + 1);
    if (sp1 != std::string::npos && sp2 != std::string::npos) {
      req.method = raw.substr(0, sp1);
      std::string target = raw.substr(sp1 + 1, sp2 - sp1 - 1);
      size_t q = target.find('?');
      req.path = target.substr(0, q);
      if (q != std::string::npos) req.query = target.substr(q + 1);
    }
    for (size_t at = raw.find("\r\n"); at != std::string::npos && at + 2 < raw.size();) {
      size_t end = raw.find("\r\n", at + 2);
      if (end == std::string::npos || end == at + 2) break;
      std::string line = raw.substr(at + 2, end - at - 2);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t v = line.find_first_not_of(' ', colon + 1);
        req.headers.emplace_back(name, v == std::string::npos ? "" : line.substr(v));
      }
      at = end;
    }
    ++requests_;
    HttpResponse res = handler_(req);
    if (res.status == 0) {  // a reset: RST instead of a response
      linger l{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      ::close(fd);
      continue;
    }
    std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + reason(res.status) + "\r\n";
    out += "Content-Length: " + std::to_string(res.body.size()) + "\r\nConnection: close\r\n";
    for (const auto& [k, v] : res.headers) out += k + ": " + v + "\r\n";
    out += "\r\n" + res.body;
    write_all(fd, out);
    ::close(fd);
  }
}

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

HttpResponse order_api(const HttpRequest& request, std::string_view mode) {
  const std::vector<std::pair<std::string, std::string>> json_headers = {
      {"Content-Type", "application/json"}, {"X-RateLimit-Limit", "600"}, {"X-RateLimit-Remaining", "599"}};
  if (request.path != "/openapi/v1/orders") {
    return {404, {{"Content-Type", "application/json"}}, R"({"code":40400,"message":"no such path"})"};
  }
  int page = std::max(1, std::atoi(request.param("page").c_str()));
  int size = request.param("page_size").empty() ? 5 : std::clamp(std::atoi(request.param("page_size").c_str()), 1, 100);
  if (mode == "broken") page = 1;
  if (mode == "errors" && page > 1) {
    return {500, {{"Content-Type", "application/json"}}, R"({"code":50000,"message":"internal error"})"};
  }
  std::string data;
  for (int k = (page - 1) * size + 1; k <= std::min(kOrders, page * size); ++k) {
    if (!data.empty()) data += ',';
    data += order_json(k);
  }
  return {200, json_headers,
          "{\"page\":" + std::to_string(page) + ",\"page_size\":" + std::to_string(size) +
              ",\"total\":" + std::to_string(kOrders) + ",\"data\":[" + data + "]}"};
}

}  // namespace csbridge::test
