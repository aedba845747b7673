// csbridge_test_http MODE: serves test::order_api(MODE) on 127.0.0.1, prints
// the port on the first line of stdout, and exits after kIdleSeconds without
// a request (or when killed). For the end-to-end cases of `assess api --probe`.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "http_server.h"

int main(int argc, char** argv) {
  constexpr int kIdleSeconds = 30;
  if (argc != 2) {
    std::fprintf(stderr, "usage: csbridge_test_http paging|broken|errors\n");
    return 2;
  }
  const std::string mode = argv[1];
  csbridge::test::HttpServer server(
      [&](const csbridge::test::HttpRequest& r) { return csbridge::test::order_api(r, mode); });
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
