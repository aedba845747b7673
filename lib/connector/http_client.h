// GET requests of an API source (api_source.h) with its budget and its faults
// handled: at most requests_per_second across all threads; 429/502/503/504 and
// dropped connections retried up to retry_max times, waiting what Retry-After
// says, else exponential backoff with jitter; 401/403/404 stop at once.
// Errors name the URL with its secret parameters redacted, never a header.
//
// Threads: one client may serve several threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "connector/api_source.h"
#include "util/status.h"

namespace csbridge::connector {

struct HttpReply {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  // A request started ahead of need (start()), completed by finish().
  struct Transfer;
  struct TransferDeleter {
    void operator()(Transfer* t) const;
  };
  using Pending = std::unique_ptr<Transfer, TransferDeleter>;

  explicit HttpClient(const ApiSource& source);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  // A 2xx reply for `url` (absolute). kUnreachable naming the redacted URL for 401/403/404, for a
  // 4xx other than 429, and when retries are spent; the message says the status or the reason.
  // `cancel`, when given, ends the request early once it is set (a transfer under way, a wait
  // before a retry): the result is then an error no caller shows.
  Result<HttpReply> get(const std::string& url, const std::atomic<bool>* cancel = nullptr);
  // Sends the request for `url` (absolute) and returns without waiting for the reply, so that the
  // server answers while the caller works; nullptr when it cannot start. The request is get()'s
  // first attempt: paced and counted the same.
  Pending start(const std::string& url);
  // The reply of a started request, as get() would give it (retries as its further attempts).
  // Dropping a Pending instead aborts its request.
  Result<HttpReply> finish(Pending pending);
  int64_t requests() const { return requests_; }
  double waited_seconds() const { return waited_ms_ / 1000.0; }
  // Base of the exponential backoff (tests shorten it).
  void set_backoff_ms(int ms) { backoff_ms_ = ms; }

 private:
  void pace(const std::atomic<bool>* cancel = nullptr);  // waits for the request's slot in the budget
  Result<HttpReply> run(const std::string& url, Pending first, const std::atomic<bool>* cancel = nullptr);
  HttpReply fetch(const std::string& url, std::string& error, const std::atomic<bool>* cancel);
  HttpReply complete(Transfer& t, std::string& error);
  HttpReply result(Transfer& t, int code, std::string& error);
  void configure(Transfer& t);
  void* take_handle();  // a libcurl handle (CURL*), reused: connections kept alive
  void give_back(void* handle);
  void* take_multi();  // a libcurl multi handle (CURLM*) for started requests, reused the same way
  void give_back_multi(void* handle);

  const ApiSource& source_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point next_slot_{};
  std::atomic<int64_t> requests_{0};
  std::atomic<int64_t> waited_ms_{0};
  int backoff_ms_ = 500;
  std::vector<void*> idle_;  // handles not in use (under mutex_)
  std::vector<void*> idle_multi_;  // multi handles not in use (under mutex_)
};

// The next page's URL of a Link header (rel="next"), "" when none.
std::string link_next(std::string_view link_header);
// Retry-After as milliseconds from now (seconds or an HTTP date); -1 when absent or unreadable.
int64_t retry_after_ms(std::string_view value);

}  // namespace csbridge::connector
