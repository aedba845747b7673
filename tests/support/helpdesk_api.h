// A legacy helpdesk's REST API for the API-source tests (issue 16), served by
// HttpServer: tickets paged by cursor, customers by page number with a cap of
// `max_pages` pages (a listing sorted by id takes id_gt to read on), comments of
// each ticket paged by Link headers, agents as XML. Faults on purpose: every
// `throttle_every`-th request answers 429 with Retry-After: 1, requests
// `burst_at`..`burst_at`+2 answer 503, request `reset_at` resets the connection.
// Every request needs "Authorization: Bearer <token>" (else 401), except GET /__stats: the
// request counts as JSON (all, and per resource), and for tickets and customers the count of
// that resource's requests at which each listing from its first page began ("starts"), so a
// test can tell a resumed listing from a later whole one, for the end-to-end tests. Thread-safe.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "http_server.h"

namespace csbridge::test {

struct HelpdeskApi {
  int tickets = 1200;
  int customers = 700;
  int comments_per_ticket = 3;
  int per_page = 100;       // of tickets and customers
  int comments_per_page = 2;
  int max_pages = 5;        // customers: page numbers past this answer an empty list
  int throttle_every = 0;   // 0: never
  int burst_at = 0;         // 0: never
  int reset_at = 0;         // 0: never
  int customer_delay_ms = 0;  // each customers page answers this much later (a slow legacy system)
  int ticket_delay_ms = 0;    // each tickets page answers this much later
  int delay_ms = 0;           // every request answers this much later (a legacy server's latency)
  std::string token = "s3cret-token";

  std::atomic<int> requests{0};
  std::atomic<int> throttled{0};
  std::atomic<int> customer_requests{0};  // GET /api/v2/customers, for resume tests
  std::atomic<int> ticket_requests{0};    // GET /api/v2/tickets
  std::atomic<int> comment_requests{0};   // GET /api/v2/tickets/N/comments
  std::mutex starts_mutex;
  std::vector<int> ticket_starts;    // ticket_requests before each listing from the first page
  std::vector<int> customer_starts;  // customer_requests before each listing from the first page

  HttpResponse handle(const HttpRequest& request);
};

}  // namespace csbridge::test
