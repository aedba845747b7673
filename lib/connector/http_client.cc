#include "connector/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
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
    // The body's room taken at once when its length is said (not past the largest reply taken).
    if (const auto& [name, value] = r->reply->headers.back(); name == "content-length") {
      uint64_t length = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (ec == std::errc() && end == value.data() + value.size() && length <= kMaxBody) {
        r->reply->body.reserve(static_cast<size_t>(length));
      }
    }
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

// Sleeps until `until`, or less once `cancel` (when given) is set: true when cancelled.
bool sleep_until_or_cancel(std::chrono::steady_clock::time_point until, const std::atomic<bool>* cancel) {
  if (!cancel) {
    std::this_thread::sleep_until(until);
    return false;
  }
  for (auto now = std::chrono::steady_clock::now(); now < until; now = std::chrono::steady_clock::now()) {
    if (cancel->load(std::memory_order_relaxed)) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(50)));
  }
  return cancel->load(std::memory_order_relaxed);
}

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

void HttpClient::pace(const std::atomic<bool>* cancel) {
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
  sleep_until_or_cancel(slot, cancel);
}

HttpClient::~HttpClient() {
  for (void* c : idle_) curl_easy_cleanup(static_cast<CURL*>(c));
  for (void* m : idle_multi_) curl_multi_cleanup(static_cast<CURLM*>(m));
}

// One request: its handle (from the pool), what it receives, and for a started request the multi
// handle it runs in (from a pool too: a multi handle keeps its connections open for the next).
struct HttpClient::Transfer {
  HttpClient* owner = nullptr;
  std::string url;
  HttpReply reply;
  Receiver receiver{&reply};
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
  bool attached = false;  // easy is in multi

  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() {
    if (attached) curl_multi_remove_handle(multi, easy);  // aborts a request still under way
    if (multi) owner->give_back_multi(multi);
    if (easy) owner->give_back(easy);
    curl_slist_free_all(headers);
  }
};

void HttpClient::TransferDeleter::operator()(Transfer* t) const { delete t; }

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

void* HttpClient::take_multi() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_multi_.empty()) {
      void* m = idle_multi_.back();
      idle_multi_.pop_back();
      return m;
    }
  }
  return curl_multi_init();
}

void HttpClient::give_back_multi(void* handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_multi_.push_back(handle);
}

// The request's options on its handle: the source's headers and auth, TLS, timeouts, the body and
// headers received into t.reply.
void HttpClient::configure(Transfer& t) {
  CURL* c = t.easy;
  for (const auto& [k, v] : source_.headers) t.headers = curl_slist_append(t.headers, (k + ": " + v).c_str());
  t.headers = curl_slist_append(t.headers, "Accept: application/json, application/xml;q=0.9, */*;q=0.5");
  curl_easy_setopt(c, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(source_.timeout_ms));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t.receiver);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t.receiver);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, t.headers);
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
}

// What an ended transfer gives (libcurl's CURLcode `code`): the reply with its status, or `error`
// set with status 0 (no reply) or -1 (a reply too large).
HttpReply HttpClient::result(Transfer& t, int code, std::string& error) {
  const auto rc = static_cast<CURLcode>(code);
  if (t.receiver.too_big) {
    error = "a reply over 256 MiB";
    t.reply.status = -1;
    return std::move(t.reply);
  }
  if (rc != CURLE_OK) {
    error = t.error[0] ? t.error : curl_easy_strerror(rc);
    t.reply.status = 0;
    return std::move(t.reply);
  }
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &t.reply.status);
  return std::move(t.reply);
}

HttpReply HttpClient::fetch(const std::string& url, std::string& error, const std::atomic<bool>* cancel) {
  Transfer t;
  t.owner = this;
  t.url = url;
  t.easy = static_cast<CURL*>(take_handle());
  if (!t.easy) {
    error = "cannot start libcurl";
    return {};
  }
  configure(t);
  if (cancel) {
    curl_easy_setopt(t.easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(t.easy, CURLOPT_XFERINFOFUNCTION,
                     +[](void* flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
                       return static_cast<const std::atomic<bool>*>(flag)->load(std::memory_order_relaxed) ? 1 : 0;
                     });
    curl_easy_setopt(t.easy, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(cancel));
  }
  return result(t, curl_easy_perform(t.easy), error);
}

HttpClient::Pending HttpClient::start(const std::string& url) {
  Pending t(new Transfer);
  t->owner = this;
  t->url = url;
  t->easy = static_cast<CURL*>(take_handle());
  t->multi = static_cast<CURLM*>(take_multi());
  if (!t->easy || !t->multi) return nullptr;
  configure(*t);
  if (curl_multi_add_handle(t->multi, t->easy) != CURLM_OK) return nullptr;
  t->attached = true;
  pace();
  ++requests_;
  // The connection (a kept one, or a new one: to a near server it is up at once), then the
  // request sent, as far as that goes without waiting; the rest happens in complete().
  int running = 0;
  for (int pass = 0; pass < 3; ++pass) {
    curl_multi_perform(t->multi, &running);
    curl_off_t sent = 0;
    if (running == 0 || (curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK && sent > 0)) break;
    curl_multi_poll(t->multi, nullptr, 0, 1, nullptr);
  }
  return t;
}

HttpReply HttpClient::complete(Transfer& t, std::string& error) {
  CURLcode rc = CURLE_OK;
  bool done = false;
  while (!done) {
    int running = 0;
    if (curl_multi_perform(t.multi, &running) != CURLM_OK) break;
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(t.multi, &left)) {
      if (m->msg == CURLMSG_DONE && m->easy_handle == t.easy) {
        rc = m->data.result;
        done = true;
      }
    }
    if (!done && running == 0) break;
    if (!done) curl_multi_poll(t.multi, nullptr, 0, 1000, nullptr);
  }
  if (!done) rc = CURLE_RECV_ERROR;  // ended without a result: taken as a dropped connection
  curl_multi_remove_handle(t.multi, t.easy);
  t.attached = false;
  return result(t, rc, error);
}

Result<HttpReply> HttpClient::finish(Pending pending) {
  std::string url = pending->url;
  return run(url, std::move(pending));
}

Result<HttpReply> HttpClient::get(const std::string& url, const std::atomic<bool>* cancel) {
  return run(url, nullptr, cancel);
}

// get()'s attempts; the first is `first`'s when a request was started for it.
Result<HttpReply> HttpClient::run(const std::string& url, Pending first, const std::atomic<bool>* cancel) {
  auto cancelled = [cancel] { return cancel && cancel->load(std::memory_order_relaxed); };
  thread_local std::mt19937 jitter(std::random_device{}());
  std::string last;
  for (int attempt = 0;; ++attempt) {
    std::string error;
    HttpReply reply;
    if (attempt == 0 && first) {
      reply = complete(*first, error);
      first.reset();
    } else {
      pace(cancel);
      if (cancelled()) return unreachable("GET " + source_.redact(url) + ": cancelled");
      ++requests_;
      reply = fetch(url, error, cancel);
    }
    if (cancelled()) return unreachable("GET " + source_.redact(url) + ": cancelled");
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
    if (sleep_until_or_cancel(std::chrono::steady_clock::now() + std::chrono::milliseconds(wait), cancel)) {
      return unreachable("GET " + source_.redact(url) + ": cancelled");
    }
  }
}

}  // namespace csbridge::connector
