// Shared helpers of the unit tests: temporary directories and the servers
// that scripts/test starts (scripts/servers prints the variables).
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

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

// Runs `sql` (statements separated by ';') on the SQLite file `path`; fails the test on an error.
void sqlite_exec(const std::string& path, const std::string& sql);

// A list of lines that prints itself, one a line, when a CHECK comparing it fails.
struct Lines : std::vector<std::string> {
  using std::vector<std::string>::vector;
  Lines(std::vector<std::string> v) : std::vector<std::string>(std::move(v)) {}  // NOLINT: implicit on purpose
};
inline std::ostream& operator<<(std::ostream& os, const Lines& lines) {
  os << "{";
  for (size_t i = 0; i < lines.size(); ++i) os << (i ? ",\n  " : "\n  ") << '"' << lines[i] << '"';
  return os << "}";
}

}  // namespace csbridge::test
