#include "connector/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <ctime>
#include <functional>
#include <memory>
#include <random>
#include <thread>

#include "util/strings.h"

namespace csbridge::connector {
namespace {

constexpr size_t kMaxBody = size_t{256} << 20;  // one page of an API: past this, the reply is refused

struct Receiver {
  HttpReply* reply;
  bool too_big = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Receiver*>(user);
  size_t len = size * n;
  if (r->reply->body.size() + len > kMaxBody) {
    r->too_big = true;
    return 0;  // aborts the transfer
  }
  r->reply->body.append(data, len);
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Receiver*>(user);
  std::string_view line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    r->reply->headers.emplace_back(util::to_lower(util::trim(line.substr(0, colon))),
                                   std::string(util::trim(line.substr(colon + 1))));
  } else if (line.starts_with("HTTP/")) {
    r->reply->headers.clear();
  }
  return size * n;
}

void init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool retryable_status(long status) { return status == 429 || status == 500 || status == 502 || status == 503 || status == 504; }

}  // namespace

std::string HttpReply::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

std::string link_next(std::string_view link) {
  // <https://x/y?page=2>; rel="next", <…>; rel="last"
  size_t at = 0;
  while (at < link.size()) {
    size_t open = link.find('<', at);
    if (open == std::string_view::npos) break;
    size_t close = link.find('>', open);
    if (close == std::string_view::npos) break;
    size_t end = link.find(',', close);
    std::string_view params = link.substr(close + 1, end == std::string_view::npos ? std::string_view::npos : end - close - 1);
    std::string lower = util::to_lower(params);
    if (lower.find("rel=\"next\"") != std::string::npos || lower.find("rel=next") != std::string::npos) {
      return std::string(link.substr(open + 1, close - open - 1));
    }
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return "";
}

int64_t retry_after_ms(std::string_view value) {
  std::string v(util::trim(value));
  if (v.empty()) return -1;
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }) && v.size() < 9) {
    return std::stoll(v) * 1000;
  }
  std::tm tm{};
  if (!strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return -1;
  time_t when = timegm(&tm);
  time_t now = std::time(nullptr);
  return when <= now ? 0 : static_cast<int64_t>(when - now) * 1000;
}

HttpClient::HttpClient(const ApiSource& source) : source_(source) { init_once(); }

void HttpClient::pace() {
  if (source_.requests_per_second <= 0) return;
  auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / source_.requests_per_second));
  std::chrono::steady_clock::time_point slot;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    slot = std::max(now, next_slot_);
    next_slot_ = slot + interval;
  }
  std::this_thread::sleep_until(slot);
}

HttpClient::~HttpClient() {
  for (void* c : idle_) curl_easy_cleanup(static_cast<CURL*>(c));
}

// A handle of the pool (its connections stay open between requests: keep-alive), or a new one.
void* HttpClient::take_handle() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      void* c = idle_.back();
      idle_.pop_back();
      curl_easy_reset(static_cast<CURL*>(c));
      return c;
    }
  }
  return curl_easy_init();
}

void HttpClient::give_back(void* handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(handle);
}

HttpReply HttpClient::fetch(const std::string& url, std::string& error) {
  HttpReply reply;
  std::unique_ptr<CURL, std::function<void(CURL*)>> curl(static_cast<CURL*>(take_handle()),
                                                         [this](CURL* c) { give_back(c); });
  if (!curl) {
    error = "cannot start libcurl";
    return reply;
  }
  CURL* c = curl.get();
  Receiver receiver{&reply};
  char buffer[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : source_.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
  headers = curl_slist_append(headers, "Accept: application/json, application/xml;q=0.9, */*;q=0.5");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers, curl_slist_free_all);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(source_.timeout_ms));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, buffer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &receiver);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &receiver);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "csbridge");
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  if (!source_.basic_user.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, source_.basic_user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, source_.basic_password.c_str());
  }
  if (!source_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, source_.ca_file.c_str());
  if (source_.insecure) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  CURLcode rc = curl_easy_perform(c);
  if (receiver.too_big) {
    error = "a reply over 256 MiB";
    reply.status = -1;
    return reply;
  }
  if (rc != CURLE_OK) {
    error = buffer[0] ? buffer : curl_easy_strerror(rc);
    return reply;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

Result<HttpReply> HttpClient::get(const std::string& url) {
  thread_local std::mt19937 jitter(std::random_device{}());
  std::string last;
  for (int attempt = 0;; ++attempt) {
    pace();
    ++requests_;
    std::string error;
    HttpReply reply = fetch(url, error);
    const std::string shown = source_.redact(url);
    if (reply.status == -1) return data_error("GET " + shown + ": " + error);
    if (reply.status >= 200 && reply.status < 300) return reply;
    bool retry = reply.status == 0 || retryable_status(reply.status);
    last = reply.status == 0 ? error : "HTTP " + std::to_string(reply.status);
    if (!retry) {
      std::string why = reply.status == 401 || reply.status == 403 ? " (check the source's auth)" : "";
      return unreachable("GET " + shown + ": HTTP " + std::to_string(reply.status) + why);
    }
    if (attempt >= source_.retry_max) {
      return unreachable("GET " + shown + ": " + last + " after " + std::to_string(attempt + 1) + " attempts");
    }
    int64_t wait = reply.status ? retry_after_ms(reply.header("retry-after")) : -1;
    if (wait < 0) {
      int64_t base = static_cast<int64_t>(backoff_ms_) << std::min(attempt, 6);
      base = std::min<int64_t>(base, 30000);
      wait = base / 2 + std::uniform_int_distribution<int64_t>(0, base / 2)(jitter);
    }
    waited_ms_ += wait;
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
}

}  // namespace csbridge::connector
