// The JSON (one document) and JSON Lines readers, with and without a
// declared legacy encoding.
#include <cstdint>
#include <string>

#include "reader_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace csbridge;
  if (size < 1) return 0;
  const unsigned char selector = data[0];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool lines = selector & 0x04;
  std::string path = fuzz::scratch_file(lines ? "export.jsonl" : "export.json", text);
  std::string options = fuzz::encoding_option(selector);
  if (!lines && (selector & 0x08)) options += std::string(options.empty() ? "" : "&") + "record=items";
  fuzz::read_everything((lines ? "jsonl:" : "json:") + path + (options.empty() ? "" : "?" + options));
  return 0;
}
