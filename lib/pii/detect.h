// Detection of personal data in Chinese customer data (docs/personal-data.md):
// mobile and landline numbers, resident ID numbers
// (GB 11643 with its check character), bank cards (Luhn), e-mail addresses,
// and — by weaker signals — personal names and addresses. Works on whole
// values (a phone column) and inside free text (a ticket body).
// Thread-safe after construction: one Detector can serve every worker.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/cs_model.h"

namespace csbridge::pii {

// Digits of a phone-like value with +86/0086, spaces, dashes, dots and
// parentheses (ASCII or full-width) removed ("+86 138-1234-5678" →
// "13812345678"); "" when the value has other characters or a '+' with
// another country code. A bare "86" is stripped only before 11 digits from 1
// ("86 13143801303").
std::string normalize_phone(std::string_view value);
// An allocated mainland mobile number (MIIT 2023 prefixes), after normalize_phone.
bool is_mobile(std::string_view normalized);
// A landline: 0 + 2–3 digit area code + 7–8 digits, optional extension.
bool is_landline(std::string_view value);
// How the phone step writes a landline's extension in E.164 (RFC 3966):
// +8675523359790;ext=123.
inline constexpr std::string_view kE164ExtensionMark = ";ext=";
// A landline's parts (digits only), for masks that keep the area code:
// "0755-8879981-832" → {"0755", "8879981", "832"}. The area code keeps its
// leading 0 (a "+86 571 …" or "+86755…" form gets it back); extension "" when
// none; nullopt when the value is not a landline. Extensions are written
// "-123", "转123", "ext 123", "x123", "#123" or ";ext=123".
struct Landline {
  std::string area;
  std::string subscriber;
  std::string extension;
};
std::optional<Landline> parse_landline(std::string_view value);

enum class IdCheck {
  kValid,        // 18 characters, plausible date, check character right
  kBadChecksum,  // 18 characters, plausible date, check character wrong (a finding, still PII)
  kLegacy15,     // the 15-digit form without check character (still PII)
  kNotId,
};
IdCheck check_resident_id(std::string_view value);
// Luhn checksum over a run of 13–19 digits.
bool luhn_valid(std::string_view digits);
bool is_email(std::string_view value);

// One piece of personal data found in a text.
struct Match {
  model::PiiClass pii = model::PiiClass::kNone;
  size_t offset = 0;  // bytes into the text
  size_t length = 0;
  bool valid = true;  // false for an ID failing its check char, a phone-shaped non-allocated number, …
};

// What a whole value is (the strongest class), for column profiling.
struct ValueClass {
  model::PiiClass pii = model::PiiClass::kNone;
  bool valid = true;
  // A second reading a column may decide for: an 18-digit value with a real
  // region and birth date that fails its ID check character but passes Luhn
  // is read as a bank card, and is a mistyped resident ID in a column of IDs.
  bool also_bad_id = false;
};

class Detector {
 public:
  Detector();
  ~Detector();
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  // Classifies a whole value: "138 1234 5678" → phone, "zhang@x.cn" → email,
  // an 18-char ID → national_id (valid = checksum ok), a 16-digit Luhn-valid
  // number → bank_card, a Chinese address → address, a 2–4 character Chinese
  // name with a known surname → name; otherwise kNone.
  ValueClass classify(std::string_view value) const;

  // Every phone, landline, ID, bank card and e-mail inside free text, in
  // order of offset, without overlaps (overlapping finds, such as a number
  // inside an e-mail address, become one match of the longer one's class).
  std::vector<Match> scan(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace csbridge::pii
