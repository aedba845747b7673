// The connection-string parser and the redaction every message goes through.
#include <cstdint>
#include <string>

#include "connector/connection_string.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace csbridge;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)connector::redact_secrets(text);
  Result<connector::ConnectionString> conn = connector::parse_connection_string(text);
  if (!conn) {
    fuzz::check(conn.status());
    return 0;
  }
  (void)conn->redacted();
  (void)conn->option("encoding");
  return 0;
}
