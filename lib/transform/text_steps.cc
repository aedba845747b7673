// trim, upper, lower, normalize, truncate: byte-level rewrites of UTF-8 text.
// The full-width forms (U+FF01–U+FF5E) and the ideographic space (U+3000)
// are what Chinese input methods leave in legacy data, so they are handled
// beside ASCII; everything else passes through untouched.
#include <string>

#include "transform/step_builders.h"

namespace csbridge::transform::internal {
namespace {

// UTF-8 of U+3000 (ideographic space) and the lead bytes of U+FF00–U+FFBF.
constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
constexpr unsigned char kFullWidthLead = 0xEF;
constexpr unsigned char kFullWidthLow = 0xBC;   // U+FF00–U+FF3F
constexpr unsigned char kFullWidthHigh = 0xBD;  // U+FF40–U+FF7F
// Full-width A–Z is EF BC A1–BA, a–z is EF BD 81–9A: the same offset as ASCII case.
constexpr unsigned char kWideUpperFirst = 0xA1, kWideUpperLast = 0xBA;
constexpr unsigned char kWideLowerFirst = 0x81, kWideLowerLast = 0x9A;
constexpr unsigned char kWideCaseShift = 0x20;
// U+FF01–U+FF5E map to U+0021–U+007E: EF BC 81–BF → 0x21–0x5F, EF BD 80–9E → 0x60–0x7E.
constexpr unsigned char kWideAsciiLowFirst = 0x81;
constexpr unsigned char kWideAsciiHighLast = 0x9E;
constexpr unsigned char kContinuationFirst = 0x80;
constexpr unsigned char kLowToAscii = 0x81 - 0x21;
constexpr unsigned char kHighToAscii = 0x80 - 0x60;

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Byte length of the whitespace (ASCII or U+3000) at s[i], 0 if none.
size_t space_at(std::string_view s, size_t i) {
  if (is_ascii_space(s[i])) return 1;
  return s.substr(i, kIdeographicSpace.size()) == kIdeographicSpace ? kIdeographicSpace.size() : 0;
}

// Byte length of the whitespace ending at s[end-1], 0 if none.
size_t space_before(std::string_view s, size_t end) {
  if (is_ascii_space(s[end - 1])) return 1;
  size_t n = kIdeographicSpace.size();
  return end >= n && s.substr(end - n, n) == kIdeographicSpace ? n : 0;
}

std::string_view trim_spaces(std::string_view s) {
  size_t begin = 0, end = s.size();
  while (begin < end) {
    size_t n = space_at(s, begin);
    if (n == 0) break;
    begin += n;
  }
  while (end > begin) {
    size_t n = space_before(s, end);
    if (n == 0) break;
    end -= n;
  }
  return s.substr(begin, end - begin);
}

bool is_wide(std::string_view s, size_t i, unsigned char second) {
  return i + 2 < s.size() && static_cast<unsigned char>(s[i]) == kFullWidthLead &&
         static_cast<unsigned char>(s[i + 1]) == second;
}

class TrimStep final : public Step {
 public:
  std::string_view name() const override { return "trim"; }
  Result<Kind> output_kind(Kind input) const override { return input == Kind::kAny ? Kind::kText : input; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    return Value(std::string(trim_spaces(*v)));
  }
};

// Text in, text out; JSON is refused, since rewriting it would break its syntax.
class TextStep : public Step {
 public:
  Result<Kind> output_kind(Kind input) const override {
    if (input == Kind::kJson) return cannot_take(name(), input);
    return Kind::kText;
  }
};

class CaseStep final : public TextStep {
 public:
  explicit CaseStep(bool upper) : upper_(upper) {}
  std::string_view name() const override { return upper_ ? "upper" : "lower"; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    std::string out = *v;
    const char from_first = upper_ ? 'a' : 'A', from_last = upper_ ? 'z' : 'Z';
    const unsigned char wide_from = upper_ ? kFullWidthHigh : kFullWidthLow;
    const unsigned char wide_to = upper_ ? kFullWidthLow : kFullWidthHigh;
    const unsigned char wide_first = upper_ ? kWideLowerFirst : kWideUpperFirst;
    const unsigned char wide_last = upper_ ? kWideLowerLast : kWideUpperLast;
    for (size_t i = 0; i < out.size(); ++i) {
      char c = out[i];
      if (c >= from_first && c <= from_last) {
        out[i] = static_cast<char>(upper_ ? c - ('a' - 'A') : c + ('a' - 'A'));
      } else if (is_wide(out, i, wide_from)) {
        auto third = static_cast<unsigned char>(out[i + 2]);
        if (third >= wide_first && third <= wide_last) {
          out[i + 1] = static_cast<char>(wide_to);
          out[i + 2] = static_cast<char>(upper_ ? third + kWideCaseShift : third - kWideCaseShift);
        }
        i += 2;
      }
    }
    return Value(std::move(out));
  }

 private:
  bool upper_;
};

// The part of NFKC that matters for legacy Chinese data: full-width ASCII to
// ASCII, U+3000 to a space; then every whitespace run becomes one space and
// the ends are trimmed. Other compatibility forms (ligatures, circled digits,
// half-width katakana) are left alone: full NFKC needs Unicode tables this
// project does not carry.
class NormalizeStep final : public TextStep {
 public:
  std::string_view name() const override { return "normalize"; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    std::string_view s = *v;
    std::string out;
    out.reserve(s.size());
    bool pending_space = false;
    auto put = [&](char c) {
      if (pending_space && !out.empty()) out += ' ';
      pending_space = false;
      out += c;
    };
    for (size_t i = 0; i < s.size();) {
      if (size_t n = space_at(s, i)) {
        pending_space = true;
        i += n;
        continue;
      }
      if (is_wide(s, i, kFullWidthLow) && static_cast<unsigned char>(s[i + 2]) >= kWideAsciiLowFirst) {
        put(static_cast<char>(static_cast<unsigned char>(s[i + 2]) - kLowToAscii));
        i += 3;
        continue;
      }
      if (is_wide(s, i, kFullWidthHigh) && static_cast<unsigned char>(s[i + 2]) >= kContinuationFirst &&
          static_cast<unsigned char>(s[i + 2]) <= kWideAsciiHighLast) {
        put(static_cast<char>(static_cast<unsigned char>(s[i + 2]) - kHighToAscii));
        i += 3;
        continue;
      }
      put(s[i]);
      ++i;
    }
    return Value(std::move(out));
  }
};

// Keeps the first `limit` code points; never splits a UTF-8 sequence.
class TruncateStep final : public TextStep {
 public:
  explicit TruncateStep(int64_t limit) : limit_(limit) {}
  std::string_view name() const override { return "truncate"; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    int64_t seen = 0;
    for (size_t i = 0; i < v->size(); ++i) {
      bool starts_char = (static_cast<unsigned char>((*v)[i]) & 0xC0) != 0x80;
      if (starts_char && seen++ == limit_) return Value(v->substr(0, i));
    }
    return v;
  }

 private:
  int64_t limit_;
};

constexpr int64_t kMaxTruncate = 1'000'000'000;

}  // namespace

BuildResult build_trim(const StepArgs& a) {
  CSB_RETURN_IF_ERROR(no_arguments(a));
  return std::unique_ptr<Step>(std::make_unique<TrimStep>());
}

BuildResult build_upper(const StepArgs& a) {
  CSB_RETURN_IF_ERROR(no_arguments(a));
  return std::unique_ptr<Step>(std::make_unique<CaseStep>(true));
}

BuildResult build_lower(const StepArgs& a) {
  CSB_RETURN_IF_ERROR(no_arguments(a));
  return std::unique_ptr<Step>(std::make_unique<CaseStep>(false));
}

BuildResult build_normalize(const StepArgs& a) {
  if (!a.absent()) {
    if (!a.args.IsScalar() || a.args.Scalar() != "nfkc")
      return a.error("expected nfkc, got '" + (a.args.IsScalar() ? a.args.Scalar() : std::string("a list or map")) +
                     "'");
  }
  return std::unique_ptr<Step>(std::make_unique<NormalizeStep>());
}

BuildResult build_truncate(const StepArgs& a) {
  if (a.absent()) return a.error("expected the number of characters to keep");
  CSB_ASSIGN_OR_RETURN(int64_t limit,
                       int_arg(a, a.args, 1, kMaxTruncate, "expected a positive whole number of characters"));
  return std::unique_ptr<Step>(std::make_unique<TruncateStep>(limit));
}

}  // namespace csbridge::transform::internal
