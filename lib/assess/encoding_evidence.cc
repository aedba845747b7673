#include "assess/encoding_evidence.h"

#include "util/encoding.h"

namespace csbridge::assess {
namespace {

bool is_ascii(std::string_view v) {
  for (unsigned char c : v) {
    if (c >= 0x80) return false;
  }
  return true;
}

// The GBK evidence of bytes that are not UTF-8: how they decode as GB18030.
ValueEvidence gbk_evidence(std::string_view bytes, ValueEncoding as) {
  ValueEvidence e;
  auto decoded = util::to_utf8(bytes, util::Encoding::kGb18030);
  if (!decoded.is_ok()) {
    e.encoding = ValueEncoding::kUndecodable;
    return e;
  }
  e.encoding = as;
  e.common = true;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (size_t i = 0; i < bytes.size();) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    // GB18030 decoded, so a lead byte has its trail byte(s).
    if (p[i + 1] >= 0x30 && p[i + 1] <= 0x39) {
      e.four_byte = true;
      i += 4;
      continue;
    }
    if (p[i] < 0xA1 || p[i] > 0xF7 || p[i + 1] < 0xA1 || p[i + 1] == 0xFF) e.common = false;
    i += 2;
  }
  const auto* u = reinterpret_cast<const unsigned char*>(decoded->data());
  for (size_t i = 0; i < decoded->size(); ++i) {
    // Lead bytes of U+3400–U+9FFF (E3 90 … E9 BF) and of U+20000 on (F0 A0 …).
    if ((u[i] >= 0xE3 && u[i] <= 0xE9 && (u[i] > 0xE3 || u[i + 1] >= 0x90)) || (u[i] == 0xF0 && u[i + 1] >= 0xA0)) {
      ++e.ideographs;
    }
  }
  return e;
}

}  // namespace

ValueEvidence classify_encoding(std::string_view value) {
  if (is_ascii(value)) return {};
  if (util::find_invalid_utf8(value) != std::string_view::npos) return gbk_evidence(value, ValueEncoding::kGbk);
  std::string bytes;
  if (!util::undo_latin1(value, bytes)) return {};  // a character no Latin-1 reading makes: real text
  if (util::find_invalid_utf8(bytes) == std::string_view::npos) {
    ValueEvidence e;
    e.encoding = ValueEncoding::kUtf8AsLatin1;
    return e;
  }
  ValueEvidence e = gbk_evidence(bytes, ValueEncoding::kGbkAsLatin1);
  if (e.encoding == ValueEncoding::kUndecodable) return {};  // plain Latin-1 text: "café"
  return e;
}

std::string decoded_text(std::string_view value, ValueEncoding encoding) {
  std::string bytes;
  switch (encoding) {
    case ValueEncoding::kUtf8AsLatin1:
      if (util::undo_latin1(value, bytes)) return bytes;
      break;
    case ValueEncoding::kGbkAsLatin1:
      if (util::undo_latin1(value, bytes)) {
        if (auto d = util::to_utf8(bytes, util::Encoding::kGb18030); d.is_ok()) return *d;
      }
      break;
    case ValueEncoding::kGbk:
      if (auto d = util::to_utf8(value, util::Encoding::kGb18030); d.is_ok()) return *d;
      break;
    default:
      break;
  }
  return std::string(value);
}

void EncodingCounts::add(const ValueEvidence& e) {
  ++values[static_cast<size_t>(e.encoding)];
  if (e.encoding == ValueEncoding::kGbk || e.encoding == ValueEncoding::kGbkAsLatin1) {
    if (e.common) ++common_gbk;
    ideographs += e.ideographs;
    four_byte = four_byte || e.four_byte;
  }
}

std::optional<EncodingVerdict> decide_encoding(const EncodingCounts& c) {
  const int64_t utf8 = c.of(ValueEncoding::kUtf8AsLatin1);
  const int64_t gbk_latin1 = c.of(ValueEncoding::kGbkAsLatin1);
  const int64_t gbk = gbk_latin1 + c.of(ValueEncoding::kGbk);
  const bool gbk_certain =
      gbk > 0 && c.ideographs >= kMinGbkIdeographs && c.common_gbk * 100 >= gbk * kMinCommonGbkPercent;
  const char* family = c.four_byte ? "GB18030" : "GBK";
  EncodingVerdict v;
  if (gbk_certain) {
    v.encoding = c.four_byte ? "gb18030" : "gbk";
    v.values = gbk + utf8;
    v.read_as_latin1 = gbk_latin1 > 0;
    const std::string bytes = std::string(family) + (v.read_as_latin1 ? " bytes read as Latin-1" : " bytes (not UTF-8)");
    v.what = utf8 > 0 ? "UTF-8 and " + bytes + " mixed (" + std::to_string(utf8) + " UTF-8, " + std::to_string(gbk) +
                            " " + family + ")"
                      : bytes;
    return v;
  }
  if (utf8 > 0) {
    v.encoding = "utf8_in_latin1";
    v.values = utf8;
    v.read_as_latin1 = true;
    v.what = "UTF-8 bytes read as Latin-1 (double-encoded)";
    return v;
  }
  return std::nullopt;
}

}  // namespace csbridge::assess
