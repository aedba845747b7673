// The CSV reader with and without a declared legacy encoding, and with the
// options a source may give (delimiter, quote, header, null).
#include <cstdint>
#include <string>

#include "reader_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace csbridge;
  if (size < 1) return 0;
  const unsigned char selector = data[0];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string path = fuzz::scratch_file("export.csv", text);
  std::string options = fuzz::encoding_option(selector);
  auto add = [&](const std::string& o) { options += (options.empty() ? "" : "&") + o; };
  if (selector & 0x04) add("delimiter=;");
  if (selector & 0x08) add("delimiter=tab");
  if (selector & 0x10) add("quote='");
  if (selector & 0x20) add("header=false");
  if (selector & 0x40) add("null=NULL");
  fuzz::read_everything("csv:" + path + (options.empty() ? "" : "?" + options));
  return 0;
}
