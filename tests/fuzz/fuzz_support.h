// What every fuzz target of tests/fuzz/ shares. A target calls lib/ the way a
// command does and turns what would be a bug into a crash libFuzzer reports:
// an exception escaping lib/ (main() would exit 70), an internal error, JSON
// text that the strict writer refuses (invalid UTF-8), and whatever ASan and
// UBSan find.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace csbridge::fuzz {

[[noreturn]] inline void fail(std::string_view why) {
  std::fprintf(stderr, "fuzz target: %.*s\n", static_cast<int>(why.size()), why.data());
  std::abort();
}

// A Status is a value, whatever its code, except kInternal: that is a bug.
inline void check(const Status& s) {
  if (s.code() == ErrorCode::kInternal) fail("internal error: " + s.message());
}

// Writes `data` to `name` in a folder of this process (files for the file
// readers and the config loader, which take paths) and returns its path.
inline std::string scratch_file(const std::string& name, std::string_view data) {
  static const std::filesystem::path dir = [] {
    std::filesystem::path d = std::filesystem::temp_directory_path() / ("csbridge-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  std::filesystem::path path = dir / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  return path.string();
}

// The strict JSON writer the commands use (`--format json`): invalid UTF-8
// anywhere in `j` throws type_error.316, which here is a crash.
template <typename Json>
void dump_strictly(const Json& j) {
  (void)j.dump(2);
}

}  // namespace csbridge::fuzz
