// csbridge.yaml: the YAML document layer, ${ENV} interpolation, sources (API
// sources included), target, masking, options. Errors are values; a password
// read from the environment never appears in one.
#include <cstdint>
#include <optional>
#include <string>

#include "config/config.h"
#include "fuzz_support.h"
#include "util/encoding.h"

namespace {
constexpr std::string_view kSecret = "Fz9secretPw";

std::optional<std::string> fake_env(const std::string& name) {
  if (name.find("UNSET") != std::string::npos) return std::nullopt;
  if (name.find("PASS") != std::string::npos || name.find("KEY") != std::string::npos) return std::string(kSecret);
  if (name.find("DB") != std::string::npos) return "postgresql://user:" + std::string(kSecret) + "@db.internal/helpdesk";
  return "value";
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace csbridge;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string path = fuzz::scratch_file("csbridge.yaml", text);
  Result<config::Config> c = config::load_config(path, fake_env);
  if (!c) {
    fuzz::check(c.status());
    // Excerpts quote the file (bytes that are not UTF-8 as \xNN): the secret may be there in its own right.
    const bool in_file = util::escape_invalid_utf8(text).find(kSecret) != std::string::npos;
    if (!in_file && c.status().message().find(kSecret) != std::string::npos) {
      fuzz::fail("a secret from the environment in a config error: " + c.status().message());
    }
  }
  return 0;
}
