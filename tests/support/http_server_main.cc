// csbridge_test_http MODE: serves test::order_api(MODE) on 127.0.0.1, prints
// the port on the first line of stdout, and exits after kIdleSeconds without
// a request (or when killed). For the end-to-end cases of `assess api --probe`.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "helpdesk_api.h"
#include "http_server.h"

int main(int argc, char** argv) {
  constexpr int kIdleSeconds = 30;
  if (argc < 2) {
    std::fprintf(stderr, "usage: csbridge_test_http paging|broken|errors|helpdesk [TICKETS CUSTOMERS [THROTTLE_EVERY [CUSTOMER_DELAY_MS]]]\n");
    return 2;
  }
  const std::string mode = argv[1];
  // helpdesk: the legacy helpdesk API of helpdesk_api.h with its faults on (API sources, issue 16).
  csbridge::test::HelpdeskApi helpdesk;
  if (argc > 3) {
    helpdesk.tickets = std::atoi(argv[2]);
    helpdesk.customers = std::atoi(argv[3]);
  }
  helpdesk.max_pages = 1000000;
  helpdesk.comments_per_page = 3;
  helpdesk.throttle_every = argc > 4 ? std::atoi(argv[4]) : 200;
  helpdesk.customer_delay_ms = argc > 5 ? std::atoi(argv[5]) : 0;
  helpdesk.burst_at = 150;
  helpdesk.reset_at = 333;
  csbridge::test::HttpServer server([&](const csbridge::test::HttpRequest& r) {
    return mode == "helpdesk" ? helpdesk.handle(r) : csbridge::test::order_api(r, mode);
  });
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
