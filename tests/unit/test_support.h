// Shared helpers of the unit tests: temporary directories and the servers
// that scripts/test starts (scripts/servers prints the variables).
#pragma once

#include <filesystem>
#include <string>

namespace csbridge::test {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

// The value of the environment variable `name` (e.g. CSBRIDGE_TEST_PG).
// Fails the current test with a message saying to run scripts/test when it is
// unset: server tests are never silently skipped.
std::string require_env(const char* name);

// The source tree root (for samples/ and schemas/).
std::string source_dir();

}  // namespace csbridge::test
