#include "util/encoding.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <cstdio>

#include "util/strings.h"

namespace csbridge::util {
namespace {

const char* iconv_name(Encoding e) {
  switch (e) {
    case Encoding::kUtf8: return "UTF-8";
    case Encoding::kGb18030:
    case Encoding::kGbk: return "GB18030";
    case Encoding::kBig5: return "BIG5";
    case Encoding::kLatin1:
    case Encoding::kUtf8InLatin1: return "ISO-8859-1";
  }
  return "UTF-8";
}


// One iconv descriptor per encoding and thread: opening one costs more than
// converting a short field.
class Converter {
 public:
  explicit Converter(Encoding from) : cd_(iconv_open("UTF-8", iconv_name(from))) {}
  ~Converter() {
    if (cd_ != reinterpret_cast<iconv_t>(-1)) iconv_close(cd_);
  }
  Converter(const Converter&) = delete;
  Converter& operator=(const Converter&) = delete;

  Result<std::string> convert(std::string_view in, Encoding from) {
    if (cd_ == reinterpret_cast<iconv_t>(-1)) {
      return internal_error(std::string("iconv cannot convert from ") + iconv_name(from));
    }
    iconv(cd_, nullptr, nullptr, nullptr, nullptr);
    std::string out(in.size() * 2 + 8, '\0');
    char* src = const_cast<char*>(in.data());
    size_t src_left = in.size();
    size_t done = 0;
    while (src_left > 0) {
      char* dst = out.data() + done;
      size_t dst_left = out.size() - done;
      size_t rc = iconv(cd_, &src, &src_left, &dst, &dst_left);
      done = out.size() - dst_left;
      if (rc != static_cast<size_t>(-1)) break;
      if (errno == E2BIG) {
        out.resize(out.size() * 2);
        continue;
      }
      size_t offset = in.size() - src_left;
      return data_error(std::string(errno == EINVAL ? "truncated " : "undecodable ") + encoding_name(from) +
                        " bytes at offset " + std::to_string(offset) + " (" + hex_bytes(in, offset, 4) + ")");
    }
    out.resize(done);
    return out;
  }

 private:
  iconv_t cd_;
};

}  // namespace

Result<Encoding> parse_encoding(std::string_view name) {
  std::string n = to_lower(trim(name));
  if (n == "utf-8" || n == "utf8") return Encoding::kUtf8;
  if (n == "gbk" || n == "cp936" || n == "gb2312" || n == "euc-cn") return Encoding::kGbk;
  if (n == "gb18030") return Encoding::kGb18030;
  if (n == "big5" || n == "cp950") return Encoding::kBig5;
  if (n == "latin1" || n == "latin-1" || n == "iso-8859-1" || n == "iso8859-1") return Encoding::kLatin1;
  if (n == "utf8_in_latin1") return Encoding::kUtf8InLatin1;
  return invalid_argument("unknown encoding '" + std::string(name) +
                          "'; known: utf-8, gbk, gb2312, gb18030, big5, latin1, utf8_in_latin1");
}

const char* encoding_name(Encoding e) {
  switch (e) {
    case Encoding::kUtf8: return "UTF-8";
    case Encoding::kGb18030: return "GB18030";
    case Encoding::kGbk: return "GBK";
    case Encoding::kBig5: return "Big5";
    case Encoding::kLatin1: return "Latin-1";
    case Encoding::kUtf8InLatin1: return "UTF-8 in Latin-1";
  }
  return "?";
}

size_t find_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      // ASCII runs eight bytes at a time.
      while (i + sizeof(uint64_t) <= n) {
        uint64_t w;
        std::memcpy(&w, p + i, sizeof w);
        if ((w & 0x8080808080808080ULL) != 0) break;
        i += sizeof w;
      }
      continue;
    }
    // The common case of Chinese text: E1..EC, EE..EF with two continuation bytes.
    if (c >= 0xE1 && c <= 0xEF && c != 0xED && i + 2 < n && (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80) {
      i += 3;
      continue;
    }
    size_t len;
    unsigned min_second = 0x80, max_second = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) { len = 3; min_second = 0xA0; }
    else if (c >= 0xE1 && c <= 0xEC) len = 3;
    else if (c == 0xED) { len = 3; max_second = 0x9F; }
    else if (c >= 0xEE && c <= 0xEF) len = 3;
    else if (c == 0xF0) { len = 4; min_second = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) { len = 4; max_second = 0x8F; }
    else return i;
    if (i + len > n) return i;
    if (p[i + 1] < min_second || p[i + 1] > max_second) return i;
    for (size_t k = 2; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

std::string hex_bytes(std::string_view s, size_t offset, size_t n) {
  std::string out;
  char buf[4];
  for (size_t i = offset; i < s.size() && i < offset + n; ++i) {
    std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned char>(s[i]));
    if (!out.empty()) out += ' ';
    out += buf;
  }
  return out;
}

std::string escape_invalid_utf8(std::string_view s) {
  size_t bad = find_invalid_utf8(s);
  if (bad == std::string_view::npos) return std::string(s);
  std::string out;
  while (bad != std::string_view::npos) {
    out.append(s.substr(0, bad));
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(s[bad]));
    out += buf;
    s.remove_prefix(bad + 1);
    bad = find_invalid_utf8(s);
  }
  out.append(s);
  return out;
}

Result<std::string> to_utf8(std::string_view bytes, Encoding from) {
  if (from == Encoding::kUtf8) {
    size_t bad = find_invalid_utf8(bytes);
    if (bad != std::string_view::npos) {
      return data_error("invalid UTF-8 at offset " + std::to_string(bad) + " (" + hex_bytes(bytes, bad, 4) + ")");
    }
    return std::string(bytes);
  }
  bool ascii = true;
  for (unsigned char c : bytes) {
    if (c >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return std::string(bytes);
  if (from == Encoding::kUtf8InLatin1) return decode_text(bytes, from);
  thread_local Converter gb(Encoding::kGb18030), big5(Encoding::kBig5), latin1(Encoding::kLatin1);
  Converter& conv = from == Encoding::kBig5 ? big5 : from == Encoding::kLatin1 ? latin1 : gb;
  return conv.convert(bytes, from);
}

Result<std::string> decode_text(std::string_view bytes, Encoding declared) {
  if (declared == Encoding::kUtf8 || find_invalid_utf8(bytes) == std::string_view::npos) {
    if (declared == Encoding::kUtf8InLatin1) {
      std::string repaired;
      if (undo_latin1(bytes, repaired) && repaired != bytes && find_invalid_utf8(repaired) == std::string_view::npos) {
        return repaired;
      }
    }
    return to_utf8(bytes, Encoding::kUtf8);
  }
  return to_utf8(bytes, declared == Encoding::kUtf8InLatin1 ? Encoding::kLatin1 : declared);
}

bool undo_latin1(std::string_view text, std::string& out) {
  // Windows-1252 at 0x80–0x9F; 0x81, 0x8D, 0x8F, 0x90, 0x9D are unassigned
  // there and stand for themselves (U+0081, …), as MySQL's latin1 reads them.
  static constexpr char32_t kCp1252[32] = {
      0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
  out.clear();
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    char32_t cp;
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (i + len > n) return false;
    if (len == 2) cp = (c & 0x1Fu) << 6 | (p[i + 1] & 0x3Fu);
    else if (len == 3) cp = (c & 0x0Fu) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu);
    else return false;  // nothing above U+FFFF comes from one byte
    i += len;
    if (cp <= 0xFF) {
      out += static_cast<char>(cp);
      continue;
    }
    const char32_t* hit = std::find(std::begin(kCp1252), std::end(kCp1252), cp);
    if (hit == std::end(kCp1252)) return false;
    out += static_cast<char>(0x80 + (hit - std::begin(kCp1252)));
  }
  return true;
}

}  // namespace csbridge::util
