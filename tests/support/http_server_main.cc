// csbridge_test_http MODE [--name value…]: serves a test API on 127.0.0.1, prints the port on the
// first line of stdout, and exits after 30 s without a request (or when killed).
//   paging | broken | errors   test::order_api(MODE), for the end-to-end cases of `assess api --probe`
//   helpdesk                   the legacy helpdesk API of helpdesk_api.h with its faults on, for the
//                              API-source tests and `scripts/bench api`. Options (helpdesk_api.h):
//     --tickets N --customers N --comments-per-ticket N --comments-per-page N --per-page N
//     --max-pages N (customers) --throttle-every N --burst-at N --reset-at N
//     --customer-delay-ms N --ticket-delay-ms N --delay-ms N (every request)
//     --workers N (connections answered at once)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>

#include "helpdesk_api.h"
#include "http_server.h"

int main(int argc, char** argv) {
  constexpr int kIdleSeconds = 30;
  if (argc < 2 || argc % 2 != 0) {
    std::fprintf(stderr, "usage: csbridge_test_http paging|broken|errors|helpdesk [--name value]…\n");
    return 2;
  }
  const std::string mode = argv[1];
  std::map<std::string, int> o = {{"tickets", 1200},        {"customers", 700},      {"comments-per-ticket", 3},
                                  {"comments-per-page", 3},  {"per-page", 100},       {"max-pages", 1000000},
                                  {"throttle-every", 200},   {"burst-at", 150},       {"reset-at", 333},
                                  {"customer-delay-ms", 0},  {"delay-ms", 0},         {"workers", 1},
                                  {"ticket-delay-ms", 0}};
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    if (!name.starts_with("--") || !o.count(name.substr(2))) {
      std::fprintf(stderr, "csbridge_test_http: unknown option %s\n", argv[i]);
      return 2;
    }
    o[name.substr(2)] = std::atoi(argv[i + 1]);
  }
  csbridge::test::HelpdeskApi helpdesk;
  helpdesk.tickets = o["tickets"];
  helpdesk.customers = o["customers"];
  helpdesk.comments_per_ticket = o["comments-per-ticket"];
  helpdesk.comments_per_page = o["comments-per-page"];
  helpdesk.per_page = o["per-page"];
  helpdesk.max_pages = o["max-pages"];
  helpdesk.throttle_every = o["throttle-every"];
  helpdesk.burst_at = o["burst-at"];
  helpdesk.reset_at = o["reset-at"];
  helpdesk.customer_delay_ms = o["customer-delay-ms"];
  helpdesk.ticket_delay_ms = o["ticket-delay-ms"];
  helpdesk.delay_ms = o["delay-ms"];
  csbridge::test::HttpServer server(
      [&](const csbridge::test::HttpRequest& r) {
        return mode == "helpdesk" ? helpdesk.handle(r) : csbridge::test::order_api(r, mode);
      },
      o["workers"]);
  std::printf("%d\n", server.port());
  std::fflush(stdout);
  int seen = -1;
  for (int idle = 0; idle < kIdleSeconds; ++idle) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    if (server.requests() != seen) idle = -1;
    seen = server.requests();
  }
  return 0;
}
