#include "migrate/checkpoints.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace csbridge::migrate {

std::string loader_position(int64_t rows, const std::string& reader_position) {
  std::string out = std::to_string(rows);
  if (!reader_position.empty()) out += " " + reader_position;
  return out;
}

std::pair<int64_t, std::string> parse_loader_position(const std::string& text) {
  int64_t rows = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), rows);
  const char* stop = text.data() + text.size();
  if (ec != std::errc() || rows < 0 || (end != stop && *end != ' ')) return {0, ""};
  return {rows, end == stop ? std::string() : std::string(end + 1, stop)};
}

std::string record_scope(const std::string& scope, int64_t last) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%012lld", static_cast<long long>(last));
  return scope + "@" + digits;
}
std::string done_scope(const std::string& scope) { return scope + "!done"; }

bool Committed::add_record(const std::string& text) {
  Range r;
  int end = 0;
  int n = std::sscanf(text.c_str(), "%lld %lld %lld %lld %lld %lld %lld %lld%n", &r.first, &r.last, &r.read,
                      &r.loaded, &r.unchanged, &r.rejected, &r.filtered, &r.nulled, &end);
  if (n < 7 || r.first < 1 || r.last < r.first) return false;
  if (n == 8 && text.size() > static_cast<size_t>(end) + 1 && text[end] == ' ') {
    auto [rows, at] = parse_loader_position(text.substr(static_cast<size_t>(end) + 1));
    if (rows >= r.last && !at.empty()) {
      r.consumed = rows;
      r.position = std::move(at);
    }
  }
  ranges_.push_back(r);
  return true;
}

void Committed::sort() {
  std::sort(ranges_.begin(), ranges_.end(), [](const Range& a, const Range& b) { return a.first < b.first; });
  if (resume_position_.empty() && upto_ > 0) return;  // a reader that gives no positions
  int64_t covered = upto_;  // rows 1..covered are all committed
  for (const Range& r : ranges_) {
    if (r.first > covered + 1) break;
    covered = std::max<int64_t>(covered, r.last);
  }
  for (const Range& r : ranges_) {
    if (!r.position.empty() && r.consumed > resume_rows_ && r.consumed <= covered) {
      resume_rows_ = r.consumed;
      resume_position_ = r.position;
    }
  }
}

}  // namespace csbridge::migrate
