#include "assess/column_profiler.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>

#include "assess/encoding_evidence.h"
#include "assess/value_scan.h"
#include "pii/detect.h"
#include "pii/mask.h"
#include "util/flat_hash.h"
#include "util/hyperloglog.h"
#include "util/mix.h"
#include "util/strings.h"

namespace csbridge::assess {
namespace {

using connector::ValueType;
using model::PiiClass;

constexpr size_t kExactDistinctLimit = 4096;  // distinct values counted exactly; the HLL beyond
constexpr size_t kMemoSlots = 4096;           // values whose analysis is remembered (direct-mapped)
constexpr int64_t kMemoTrial = 65536;          // values after which a memo that rarely hits is dropped …
constexpr int64_t kMemoMinHitShare = 10;       // … rarely: fewer than one hit in this many lookups
constexpr size_t kMaxPatterns = 256;          // distinct shapes counted; new ones beyond go to "(other)"
constexpr size_t kTopPatterns = 5;
constexpr size_t kMaxSamples = 5;
constexpr size_t kMaxExamples = 3;
constexpr size_t kDisplayChars = 60;          // samples, examples, min and max as reported
constexpr size_t kStoredBytes = 1024;         // prefix kept of a sample, example, min or max
constexpr size_t kShortValueChars = 40;       // classify() up to this length; longer values are free text
constexpr size_t kTypedValueBytes = 40;       // longer values are never numbers, booleans or dates
constexpr size_t kMinPiiDigits = 10;          // shorter numbers are no phone (landline: 0 + 2 + 7), ID or card
constexpr int64_t kMajorityPercent = 90;      // observed type: share of non-empty values
constexpr int64_t kMostlyPercent = 50;        // "a column of phones" for invalid_phone
constexpr double kPiiMinRatio = 0.05;
constexpr int64_t kPiiMinChecked = 20;  // values of a checked class that make a hit below kPiiMinRatio
// A column whose first kPiiExhaustiveValues values that the detector looks at
// hold no PII at all (order numbers, digests, statuses in prose) is checked
// from then on in a sample of about one value in kPiiSampleStride, its counts
// scaled up and reported as estimates, until a sampled value holds PII.
// Tables below that size (the sample helpdesk) are always checked whole.
constexpr int64_t kPiiExhaustiveValues = 20'000;
constexpr uint64_t kPiiSampleStride = 16;
constexpr size_t kPiiClassCount = static_cast<size_t>(PiiClass::kFreeText) + 1;
constexpr std::string_view kOtherPattern = "(other)";
constexpr std::string_view kZeroDatePrefix = "0000-00-00";

// kNotPhone: values that are no valid phone (invalid phones where the column holds phones);
// kCardLikeId: bank cards that are also IDs failing their check (invalid IDs where the column holds IDs).
enum class Issue { kNulBytes, kBadEncoding, kZeroDate, kInvalidPhone, kIdChecksum, kNotPhone, kCardLikeId, kCount };

size_t index_of(PiiClass pii) { return static_cast<size_t>(pii); }
uint8_t bit_of(PiiClass pii) { return static_cast<uint8_t>(1u << index_of(pii)); }

// At most kStoredBytes of `v`, cut at a character boundary.
std::string_view stored_prefix(std::string_view v) {
  if (v.size() <= kStoredBytes) return v;
  size_t end = kStoredBytes;
  while (end > 0 && (static_cast<unsigned char>(v[end]) & 0xC0) == 0x80) --end;
  return v.substr(0, end);
}

// NUL and bytes that are not UTF-8 written as \0 and \xNN, so that what is
// reported is valid text.
std::string printable(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  const auto* p = reinterpret_cast<const unsigned char*>(v.data());
  for (size_t i = 0; i < v.size();) {
    char32_t cp = 0;
    const size_t len = decode_utf8(p, v.size(), i, cp);
    if (len == 0) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += "\\x";
      out += kHex[p[i] >> 4];
      out += kHex[p[i] & 0xF];
      ++i;
    } else if (cp == 0) {
      out += "\\0";
      ++i;
    } else {
      out.append(v.substr(i, len));
      i += len;
    }
  }
  return out;
}

// The first kDisplayChars characters of valid UTF-8 text, the last one '…' when cut.
std::string truncate_chars(std::string s) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (++chars == kDisplayChars) {
      size_t end = i + 1;
      while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) ++end;
      if (end == s.size()) return s;
      s.resize(i);
      s += kEllipsis;
      return s;
    }
  }
  return s;
}

std::string values_text(int64_t n) { return std::to_string(n) + (n == 1 ? " value" : " values"); }

// The same XXH3 as util::hash_bytes (values must hash alike wherever they are
// counted), inlined here where it runs once per value.
uint64_t value_hash(std::string_view v) { return XXH3_64bits(v.data(), v.size()); }

struct ShapeHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return value_hash(s); }
};

// What a value is, worked out once and remembered for the next time the same
// value comes: legacy columns repeat a few statuses, cities and names
// millions of times, and the PII detector is the costly part of profiling.
// What the detector is to do with a value (bits of Analysis::checks).
constexpr uint8_t kClassifyWhole = 1;  // classify the whole value
constexpr uint8_t kScanText = 2;       // scan it as free text (unless it is a phone, ID, card or e-mail itself)

struct Analysis {
  uint64_t hash = 0;
  int64_t* pattern = nullptr;  // the counter of its shape; nullptr marks an unused slot
  uint32_t bytes = 0;          // with `hash`, identifies the value
  uint32_t code_points = 0;
  ValueKind kind = ValueKind::kOther;
  bool nul = false, bad_utf8 = false, zero_date = false;
  ValueEvidence encoding;  // what its bytes say about their encoding
  uint8_t whole = 0, embedded = 0, invalid = 0;  // PII class bits: the whole value, only inside it, invalid
  bool card_or_bad_id = false;                   // a card that is also an ID failing its check (ValueClass::also_bad_id)
  uint8_t checks = 0;  // detector calls still to make: the PII bits are known when 0
};

// PII counts: per class, values holding it as the whole value, only inside
// free text, and (of either) invalid ones; and the findings they make.
struct PiiTally {
  std::array<int64_t, kPiiClassCount> whole{}, embedded_only{}, invalid{};
  int64_t invalid_phones = 0, id_checksums = 0;
  int64_t not_phones = 0;      // non-empty values that are no valid phone
  int64_t cards_like_ids = 0;  // bank cards that are also IDs failing their check

  bool any() const {
    return std::any_of(whole.begin(), whole.end(), [](int64_t n) { return n > 0; }) ||
           std::any_of(embedded_only.begin(), embedded_only.end(), [](int64_t n) { return n > 0; });
  }
};

// Whether the value at position `index` of a column is in the PII sample:
// deterministic, and spread evenly whatever the period of the data.
bool in_pii_sample(uint64_t index) { return util::mix64(index) % kPiiSampleStride == 0; }

struct Example {
  std::string raw;  // a prefix of the value, masked only when reported
  PiiClass pii = PiiClass::kNone;
};

}  // namespace

struct ColumnProfiler::State {
  State(const connector::ColumnInfo& column, const pii::Detector& d)
      : info(column),
        detector(d),
        type(column.type != ValueType::kUnknown ? column.type
                                                : connector::value_type_from_declared(column.declared_type)),
        binary(type == ValueType::kBinary),
        numeric_order(type == ValueType::kInteger || type == ValueType::kDecimal || type == ValueType::kReal),
        text_declared(type == ValueType::kText || type == ValueType::kUnknown || type == ValueType::kJson) {}

  void add(std::string_view v);
  Analysis analyze(std::string_view v, uint64_t hash);
  int64_t* pattern_counter(std::string_view v);
  uint8_t pii_checks(std::string_view v, const ByteScan& bytes, ValueKind kind) const;
  void classify_pii(std::string_view v, Analysis& a) const;
  PiiTally* check_pii(std::string_view v, Analysis& a);
  void note_length(size_t length);
  void note_min_max(std::string_view v);
  void note_pii(std::string_view v, const Analysis& a, PiiTally& tally);
  void note_issue(Issue issue, std::string_view v, PiiClass pii = PiiClass::kNone);
  void keep_example(Issue issue, std::string_view v, PiiClass pii);

  int64_t non_null() const { return values - nulls; }
  int64_t non_empty() const { return values - nulls - empties; }
  bool at_least_percent(int64_t count, int64_t percent) const {
    return non_empty() > 0 && count * 100 >= non_empty() * percent;
  }
  std::string observed_type(const PiiTally& pii) const;
  PiiTally pii_total() const;
  PiiTally pii_counted() const;  // before the per-column decisions of pii_total()
  std::vector<PiiHit> pii_hits(const PiiTally& pii) const;
  PiiClass column_class(const std::vector<PiiHit>& hits) const;
  std::string display(std::string_view raw, PiiClass hint, PiiClass column) const;

  connector::ColumnInfo info;
  const pii::Detector& detector;
  const ValueType type;
  const bool binary, numeric_order, text_declared;

  int64_t values = 0, nulls = 0, empties = 0;
  int64_t min_length = 0, max_length = 0, total_length = 0;

  util::FlatHashCount exact;  // value hashes, until there are kExactDistinctLimit
  bool distinct_exact = true;
  util::HyperLogLog hll;

  std::vector<Analysis> memo;
  bool memo_on = true;
  int64_t memo_lookups = 0, memo_hits = 0;

  bool has_min_max = false;
  std::string min, max;
  NumericKey min_key, max_key;  // views into min and max

  std::unordered_map<std::string, int64_t, ShapeHash, std::equal_to<>> patterns;
  int64_t other_patterns = 0;
  std::string last_shape;  // consecutive values mostly share a shape (ids, dates)
  int64_t* last_pattern = nullptr;

  std::vector<std::string> samples;

  std::array<int64_t, static_cast<size_t>(ValueKind::kCount)> kinds{};
  int64_t invalid_utf8 = 0;

  // PII of the values checked one by one (and of repeats of values checked
  // before), and of the values checked in the sample, with how many were
  // checked and left out there.
  PiiTally pii_exact, pii_sample;
  int64_t pii_detected = 0;  // values given to the detector before sampling
  bool pii_sampling = false;
  int64_t pii_sampled = 0, pii_skipped = 0;

  std::array<int64_t, static_cast<size_t>(Issue::kCount)> issues{};
  std::array<std::vector<Example>, static_cast<size_t>(Issue::kCount)> examples;

  // Values in a legacy encoding (encoding_evidence.h), and the first few of them.
  EncodingCounts legacy;
  struct LegacyExample {
    std::string raw;
    ValueEncoding encoding;
  };
  std::vector<LegacyExample> legacy_examples;
};

ColumnProfiler::ColumnProfiler(const connector::ColumnInfo& column, const pii::Detector& detector)
    : state_(std::make_unique<State>(column, detector)) {}
ColumnProfiler::~ColumnProfiler() = default;
ColumnProfiler::ColumnProfiler(ColumnProfiler&&) noexcept = default;
ColumnProfiler& ColumnProfiler::operator=(ColumnProfiler&&) noexcept = default;

void ColumnProfiler::add(const connector::Batch& batch, size_t col) {
  State& s = *state_;
  for (size_t row = 0, rows = batch.rows(); row < rows; ++row) {
    if (batch.is_null(row, col)) {
      ++s.values;
      ++s.nulls;
    } else {
      s.add(batch.get(row, col));
    }
  }
}

void ColumnProfiler::add_value(std::optional<std::string_view> value) {
  State& s = *state_;
  if (!value) {
    ++s.values;
    ++s.nulls;
    return;
  }
  s.add(*value);
}

void ColumnProfiler::State::add(std::string_view v) {
  ++values;
  const uint64_t hash = value_hash(v);
  hll.add(hash);
  bool new_value = false;
  if (distinct_exact) {
    const size_t known = exact.size();
    new_value = exact.add(hash) > known;
    if (exact.size() > kExactDistinctLimit) {
      distinct_exact = false;
      exact.clear();
    }
  }
  if (binary) {
    note_length(v.size());
    return;
  }

  // A column of mostly distinct values (keys, timestamps, free text) gains nothing from the memo
  // and pays a cache miss per value for it: after kMemoTrial values with few hits it is dropped.
  Analysis fresh;
  Analysis* slot = nullptr;
  if (memo_on) {
    if (memo.empty()) memo.resize(kMemoSlots);
    slot = &memo[hash & (kMemoSlots - 1)];
    if (slot->pattern != nullptr && slot->hash == hash && slot->bytes == v.size()) {
      ++memo_hits;
    } else {
      *slot = analyze(v, hash);
    }
    if (++memo_lookups == kMemoTrial && memo_hits * kMemoMinHitShare < memo_lookups) {
      memo_on = false;
      fresh = *slot;
      slot = &fresh;
      std::vector<Analysis>().swap(memo);
    }
  } else {
    fresh = analyze(v, hash);
    slot = &fresh;
  }
  Analysis& a = *slot;

  note_length(a.code_points);
  ++*a.pattern;
  if (v.empty()) {
    ++empties;
    return;
  }
  if (a.nul) note_issue(Issue::kNulBytes, v);
  if (a.bad_utf8) ++invalid_utf8;
  if (a.encoding.encoding == ValueEncoding::kUndecodable) note_issue(Issue::kBadEncoding, v);
  if (a.encoding.encoding != ValueEncoding::kPlain && a.encoding.encoding != ValueEncoding::kUndecodable) {
    legacy.add(a.encoding);
    if (legacy_examples.size() < kMaxExamples && new_value) {
      legacy_examples.push_back({std::string(stored_prefix(v)), a.encoding.encoding});
    }
  }
  ++kinds[static_cast<size_t>(a.kind)];
  if (a.zero_date) note_issue(Issue::kZeroDate, v);
  note_min_max(v);
  PiiTally* tally = a.checks == 0 ? &pii_exact : check_pii(v, a);
  if (tally != nullptr) note_pii(v, a, *tally);
  if (new_value && samples.size() < kMaxSamples) samples.emplace_back(stored_prefix(v));
}

Analysis ColumnProfiler::State::analyze(std::string_view v, uint64_t hash) {
  Analysis a;
  a.hash = hash;
  a.bytes = static_cast<uint32_t>(v.size());
  a.pattern = pattern_counter(v);
  const ByteScan bytes = scan_bytes(v);
  a.code_points = static_cast<uint32_t>(bytes.code_points);
  if (v.empty()) return a;
  a.nul = bytes.nul;
  a.bad_utf8 = bytes.non_ascii && !is_valid_utf8(v);
  if (bytes.non_ascii) a.encoding = classify_encoding(v);
  if (!bytes.non_ascii && v.size() <= kTypedValueBytes) {
    const DateTime kind = value_kind(v);
    a.kind = kind.kind;
    a.zero_date = kind.zero;
  }
  a.zero_date = a.zero_date || v.starts_with(kZeroDatePrefix);
  a.checks = pii_checks(v, bytes, a.kind);
  return a;
}

int64_t* ColumnProfiler::State::pattern_counter(std::string_view v) {
  const Shape shape(v);
  if (last_pattern != nullptr && shape.view() == last_shape) return last_pattern;
  int64_t* counter = &other_patterns;
  auto it = patterns.find(shape.view());
  if (it != patterns.end()) counter = &it->second;
  else if (patterns.size() < kMaxPatterns) counter = &patterns.emplace(std::string(shape.view()), 0).first->second;
  last_shape.assign(shape.view());
  last_pattern = counter;
  return counter;
}

void ColumnProfiler::State::note_length(size_t length) {
  const auto n = static_cast<int64_t>(length);
  if (values - nulls == 1 || n < min_length) min_length = n;
  max_length = std::max(max_length, n);
  total_length += n;
}

void ColumnProfiler::State::note_min_max(std::string_view v) {
  const std::string_view key = stored_prefix(v);
  if (!numeric_order) {
    if (!has_min_max || key < min) min = key;
    if (!has_min_max || key > max) max = key;
    has_min_max = true;
    return;
  }
  const NumericKey k = numeric_key(key);
  if (!has_min_max || compare_numeric(k, key, min_key, min) < 0) {
    min = key;
    min_key = numeric_key(min);
  }
  if (!has_min_max || compare_numeric(k, key, max_key, max) > 0) {
    max = key;
    max_key = numeric_key(max);
  }
  has_min_max = true;
}

// Short values are classified whole (phones, IDs, names, addresses) and free
// text scanned for embedded phones, IDs, cards and e-mails, each only when a
// byte-level pre-check says the value could hold one: the detector is the
// expensive part of profiling.
uint8_t ColumnProfiler::State::pii_checks(std::string_view v, const ByteScan& bytes, ValueKind kind) const {
  uint8_t checks = 0;
  const bool could_be_whole = kind == ValueKind::kOther ? (bytes.digit || bytes.at || bytes.non_ascii)
                                                        : kind == ValueKind::kInteger && v.size() >= kMinPiiDigits;
  if (could_be_whole && bytes.code_points <= kShortValueChars) checks |= kClassifyWhole;
  if (kind == ValueKind::kOther && (bytes.digit || bytes.at) && (bytes.code_points > kShortValueChars || text_declared))
    checks |= kScanText;
  return checks;
}

void ColumnProfiler::State::classify_pii(std::string_view v, Analysis& a) const {
  if (a.checks & kClassifyWhole) {
    const pii::ValueClass vc = detector.classify(v);
    if (vc.pii != PiiClass::kNone) {
      a.whole = bit_of(vc.pii);
      if (!vc.valid) a.invalid = a.whole;
      a.card_or_bad_id = vc.also_bad_id;
    }
  }
  const bool whole_scannable = a.whole & (bit_of(PiiClass::kPhone) | bit_of(PiiClass::kNationalId) |
                                          bit_of(PiiClass::kEmail) | bit_of(PiiClass::kBankCard));
  if ((a.checks & kScanText) && !whole_scannable) {
    for (const pii::Match& m : detector.scan(v)) {
      a.embedded |= bit_of(m.pii);
      if (!m.valid) a.invalid |= bit_of(m.pii);
    }
    a.embedded &= static_cast<uint8_t>(~a.whole);
  }
  a.checks = 0;
}

// Runs the detector on a value whose PII is not known yet, unless the column
// is being sampled and the value is not in the sample. Returns the tally the
// value counts in, nullptr when it was left out.
PiiTally* ColumnProfiler::State::check_pii(std::string_view v, Analysis& a) {
  if (!pii_sampling) {
    classify_pii(v, a);
    if (++pii_detected == kPiiExhaustiveValues && (a.whole | a.embedded) == 0 && !pii_exact.any()) pii_sampling = true;
    return &pii_exact;
  }
  if (!in_pii_sample(static_cast<uint64_t>(values))) {
    ++pii_skipped;
    return nullptr;
  }
  classify_pii(v, a);
  ++pii_sampled;
  if ((a.whole | a.embedded) != 0) pii_sampling = false;  // PII after all: every value is checked from here on
  return &pii_sample;
}

void ColumnProfiler::State::note_pii(std::string_view v, const Analysis& a, PiiTally& tally) {
  if ((a.whole & bit_of(PiiClass::kPhone)) == 0 || (a.invalid & bit_of(PiiClass::kPhone)) != 0) {
    ++tally.not_phones;
    keep_example(Issue::kNotPhone, v, PiiClass::kPhone);
  }
  if (a.card_or_bad_id) {
    ++tally.cards_like_ids;
    keep_example(Issue::kCardLikeId, v, PiiClass::kNationalId);
  }
  if ((a.whole | a.embedded) == 0) return;
  for (size_t c = 1; c < kPiiClassCount; ++c) {
    const auto bit = static_cast<uint8_t>(1u << c);
    if (a.whole & bit) ++tally.whole[c];
    if (a.embedded & bit) ++tally.embedded_only[c];
    if (a.invalid & bit) ++tally.invalid[c];
  }
  if (a.whole & a.invalid & bit_of(PiiClass::kPhone)) {
    ++tally.invalid_phones;
    keep_example(Issue::kInvalidPhone, v, PiiClass::kPhone);
  }
  if (a.invalid & bit_of(PiiClass::kNationalId)) {
    ++tally.id_checksums;
    keep_example(Issue::kIdChecksum, v, a.whole ? PiiClass::kNationalId : PiiClass::kNone);
  }
}

void ColumnProfiler::State::note_issue(Issue issue, std::string_view v, PiiClass pii) {
  ++issues[static_cast<size_t>(issue)];
  keep_example(issue, v, pii);
}

void ColumnProfiler::State::keep_example(Issue issue, std::string_view v, PiiClass pii) {
  std::vector<Example>& kept = examples[static_cast<size_t>(issue)];
  if (kept.size() < kMaxExamples) kept.push_back({std::string(stored_prefix(v)), pii});
}

// The exact counts plus those of the sample, scaled up to every value the
// sample stood for (and never above the number of values).
// The counts, decided per column where a value has two readings: where
// resident IDs are most of the values that read as an ID or a card, a "bank
// card" that is also an ID failing its check is a mistyped ID.
PiiTally ColumnProfiler::State::pii_total() const {
  PiiTally total = pii_counted();
  const size_t id = index_of(PiiClass::kNationalId), card = index_of(PiiClass::kBankCard);
  // Decided over the values that read as an ID or a card, so that it holds in a name/value column too.
  const int64_t ids = total.whole[id] + total.cards_like_ids;
  if (total.cards_like_ids > 0 && ids * 100 >= (total.whole[id] + total.whole[card]) * kMostlyPercent) {
    const int64_t n = std::min(total.cards_like_ids, total.whole[card]);
    total.whole[card] -= n;
    total.whole[id] += n;
    total.invalid[id] += n;
    total.id_checksums += n;
  } else {
    total.cards_like_ids = 0;
  }
  return total;
}

PiiTally ColumnProfiler::State::pii_counted() const {
  PiiTally total = pii_exact;
  if (pii_sampled == 0) return total;
  const double scale = static_cast<double>(pii_sampled + pii_skipped) / static_cast<double>(pii_sampled);
  auto add = [&](int64_t& to, int64_t sampled) {
    to = std::min(non_null(), to + static_cast<int64_t>(std::llround(static_cast<double>(sampled) * scale)));
  };
  for (size_t c = 0; c < kPiiClassCount; ++c) {
    add(total.whole[c], pii_sample.whole[c]);
    add(total.embedded_only[c], pii_sample.embedded_only[c]);
    add(total.invalid[c], pii_sample.invalid[c]);
  }
  add(total.invalid_phones, pii_sample.invalid_phones);
  add(total.id_checksums, pii_sample.id_checksums);
  add(total.not_phones, pii_sample.not_phones);
  add(total.cards_like_ids, pii_sample.cards_like_ids);
  return total;
}

std::string ColumnProfiler::State::observed_type(const PiiTally& pii) const {
  if (binary) return "binary";
  if (non_empty() == 0) return "empty";
  if (invalid_utf8 * 2 > non_empty()) return "binary";
  auto majority = [this](int64_t count) { return at_least_percent(count, kMajorityPercent); };
  auto kind = [this](ValueKind k) { return kinds[static_cast<size_t>(k)]; };
  // PII shapes first: a column of 11-digit mobile numbers is also a column of integers.
  if (majority(pii.whole[index_of(PiiClass::kPhone)])) return "phone";
  if (majority(pii.whole[index_of(PiiClass::kNationalId)])) return "national_id";
  if (majority(pii.whole[index_of(PiiClass::kEmail)])) return "email";
  if (majority(kind(ValueKind::kInteger))) return "integer";
  if (majority(kind(ValueKind::kInteger) + kind(ValueKind::kDecimal))) return "decimal";
  if (majority(kind(ValueKind::kBoolean))) return "boolean";
  if (majority(kind(ValueKind::kDate))) return "date";
  if (majority(kind(ValueKind::kDate) + kind(ValueKind::kTimestamp))) return "timestamp";
  return "text";
}

std::vector<PiiHit> ColumnProfiler::State::pii_hits(const PiiTally& pii) const {
  std::vector<PiiHit> hits;
  if (non_null() == 0) return hits;
  for (size_t c = 1; c < kPiiClassCount; ++c) {
    PiiHit hit;
    hit.pii = static_cast<PiiClass>(c);
    hit.count = std::min(non_null(), pii.whole[c] + pii.embedded_only[c]);
    hit.ratio = static_cast<double>(hit.count) / static_cast<double>(non_null());
    hit.embedded = pii.embedded_only[c] > pii.whole[c];
    hit.invalid = pii.invalid[c];
    // Checked classes (IDs, cards, phones, e-mail) count however rare in the column: 825 resident IDs
    // among a name/value table's 30,000 values are personal data all the same.
    const bool checked = hit.pii == PiiClass::kNationalId || hit.pii == PiiClass::kBankCard ||
                         hit.pii == PiiClass::kPhone || hit.pii == PiiClass::kEmail;
    if (hit.count > 0 && (hit.ratio >= kPiiMinRatio || hit.embedded || (checked && hit.count >= kPiiMinChecked)))
      hits.push_back(hit);
  }
  std::stable_sort(hits.begin(), hits.end(), [](const PiiHit& a, const PiiHit& b) { return a.count > b.count; });
  return hits;
}

// The class whole values of the column mostly hold, kNone for free text or no PII.
PiiClass ColumnProfiler::State::column_class(const std::vector<PiiHit>& hits) const {
  for (const PiiHit& hit : hits) {
    if (!hit.embedded) return hit.pii;
  }
  return PiiClass::kNone;
}

// Masks a value for a report: by the class it holds itself (`hint`, else
// what the detector says), else by the column's class; then whatever free
// text it holds, so that PII the classes missed is masked too.
std::string ColumnProfiler::State::display(std::string_view raw, PiiClass hint, PiiClass column) const {
  const std::string text = printable(raw);
  PiiClass pii = hint != PiiClass::kNone ? hint : detector.classify(text).pii;
  if (pii == PiiClass::kNone) pii = column;
  std::string masked = pii == PiiClass::kNone || pii == PiiClass::kFreeText ? text
                                                                            : pii::mask_value(detector, pii, text);
  return truncate_chars(pii::mask_free_text(detector, masked));
}

ColumnProfile ColumnProfiler::finish() const {
  const State& s = *state_;
  ColumnProfile p;
  p.name = s.info.name;
  p.declared_type = s.info.declared_type;
  p.type = s.type;
  const PiiTally pii = s.pii_total();
  p.observed_type = s.observed_type(pii);
  p.values = s.values;
  p.nulls = s.nulls;
  p.null_ratio = s.values == 0 ? 0 : static_cast<double>(s.nulls) / static_cast<double>(s.values);
  p.distinct_exact = s.distinct_exact;
  p.distinct = s.distinct_exact ? static_cast<int64_t>(s.exact.size()) : s.hll.estimate();
  if (s.non_null() > 0) {
    p.min_length = s.min_length;
    p.max_length = s.max_length;
    p.avg_length = static_cast<double>(s.total_length) / static_cast<double>(s.non_null());
  }
  if (s.binary) return p;

  p.pii = s.pii_hits(pii);
  if (auto verdict = decide_encoding(s.legacy)) p.legacy_encoding = verdict->encoding;
  const PiiClass column = s.column_class(p.pii);
  if (s.has_min_max) {
    p.min = s.display(s.min, PiiClass::kNone, column);
    p.max = s.display(s.max, PiiClass::kNone, column);
  }

  for (const auto& [pattern, count] : s.patterns) p.patterns.push_back({pattern, count});
  if (s.other_patterns > 0) p.patterns.push_back({std::string(kOtherPattern), s.other_patterns});
  auto by_count = [](const PatternCount& a, const PatternCount& b) {
    return a.count != b.count ? a.count > b.count : a.pattern < b.pattern;
  };
  const size_t top = std::min(kTopPatterns, p.patterns.size());
  std::partial_sort(p.patterns.begin(), p.patterns.begin() + static_cast<std::ptrdiff_t>(top), p.patterns.end(),
                    by_count);
  p.patterns.resize(top);

  for (const std::string& sample : s.samples) p.samples.push_back(s.display(sample, PiiClass::kNone, column));
  return p;
}

std::vector<Finding> ColumnProfiler::findings() const {
  const State& s = *state_;
  std::vector<Finding> out;
  const std::string subject = "column '" + s.info.name + "': ";
  if (s.binary) {
    const std::string declared = s.info.declared_type.empty() ? "binary" : s.info.declared_type;
    out.push_back({"binary_column", Severity::kInfo, s.info.name,
                   subject + "declared binary (" + declared + "), " + values_text(s.non_null()) +
                       " profiled by size only",
                   s.non_null(), {}});
    return out;
  }

  const PiiTally pii = s.pii_total();
  const PiiClass column = s.column_class(s.pii_hits(pii));
  // `estimated`: the count is scaled up from the PII sample.
  auto report = [&](Issue issue, int64_t count, bool estimated, const char* kind, Severity severity,
                    const std::string& what) {
    if (count == 0) return;
    Finding f{kind, severity, s.info.name,
              subject + what + " in " + (estimated ? "about " : "") + values_text(count) +
                  (estimated ? " (estimated from a sample)" : ""),
              count, {}};
    for (const Example& e : s.examples[static_cast<size_t>(issue)]) f.examples.push_back(s.display(e.raw, e.pii, column));
    out.push_back(std::move(f));
  };
  auto counted = [&](Issue issue) { return s.issues[static_cast<size_t>(issue)]; };
  report(Issue::kNulBytes, counted(Issue::kNulBytes), false, "nul_bytes", Severity::kError, "NUL bytes (0x00)");
  const std::optional<EncodingVerdict> verdict = decide_encoding(s.legacy);
  if (verdict) {
    Finding f{"legacy_encoding", Severity::kWarning, s.info.name,
              subject + verdict->what + " in " + values_text(verdict->values) + " (" +
                  std::to_string(verdict->values * 100 / std::max<int64_t>(s.non_null(), 1)) +
                  "% of the non-null values): they decode as " + verdict->encoding,
              verdict->values, {}};
    // The column's PII shows in its decoded text only: mask every example as the first one that holds any.
    std::vector<std::string> decoded;
    PiiClass pii_class = column;
    for (const auto& e : s.legacy_examples) {
      decoded.push_back(decoded_text(e.raw, e.encoding));
      const PiiClass found = s.detector.classify(decoded.back()).pii;
      if (pii_class == PiiClass::kNone && found != PiiClass::kFreeText) pii_class = found;
    }
    for (const std::string& d : decoded) f.examples.push_back(s.display(d, PiiClass::kNone, pii_class));
    out.push_back(std::move(f));
  }
  // Bytes that are not UTF-8: those the verdict names GBK are its finding; GBK too little or too
  // rare to be told from noise stays here.
  const bool gbk_named = verdict && verdict->encoding != "utf8_in_latin1";
  const int64_t gbk_values = s.legacy.of(ValueEncoding::kGbk);
  const int64_t not_utf8 = counted(Issue::kBadEncoding) + (gbk_named ? 0 : gbk_values);
  if (not_utf8 > 0) {
    Finding f{"bad_encoding", Severity::kError, s.info.name,
              subject + (gbk_named || gbk_values == 0 ? "invalid UTF-8, not GB18030 either,"
                                                      : "invalid UTF-8 (too little text to tell whether it is GBK)") +
                  " in " + values_text(not_utf8),
              not_utf8, {}};
    for (const Example& e : s.examples[static_cast<size_t>(Issue::kBadEncoding)]) {
      f.examples.push_back(s.display(e.raw, e.pii, column));
    }
    for (const auto& e : s.legacy_examples) {
      if (!gbk_named && e.encoding == ValueEncoding::kGbk && f.examples.size() < kMaxExamples) {
        f.examples.push_back(s.display(e.raw, PiiClass::kNone, column));
      }
    }
    out.push_back(std::move(f));
  }
  report(Issue::kZeroDate, counted(Issue::kZeroDate), false, "zero_date", Severity::kWarning,
         "zero dates (0000-00-00 or month/day 00)");
  // In a column of phones, every value that is no valid phone is an invalid phone (too short, a
  // placeholder, an unallocated prefix); the examples of unallocated numbers first.
  if (s.at_least_percent(pii.whole[index_of(PiiClass::kPhone)], kMostlyPercent)) {
    report(Issue::kInvalidPhone, pii.not_phones, s.pii_sample.not_phones > 0, "invalid_phone", Severity::kWarning,
           "invalid phone numbers");
    if (!out.empty() && out.back().kind == "invalid_phone") {
      for (const Example& e : s.examples[static_cast<size_t>(Issue::kNotPhone)]) {
        const std::string shown = s.display(e.raw, e.pii, column);
        std::vector<std::string>& ex = out.back().examples;
        if (ex.size() < kMaxExamples && std::find(ex.begin(), ex.end(), shown) == ex.end()) ex.push_back(shown);
      }
    }
  }
  report(Issue::kIdChecksum, pii.id_checksums, s.pii_sample.id_checksums > 0, "id_checksum", Severity::kWarning,
         "resident ID numbers failing their check character");
  if (pii.cards_like_ids > 0 && !out.empty() && out.back().kind == "id_checksum") {
    for (const Example& e : s.examples[static_cast<size_t>(Issue::kCardLikeId)]) {
      if (out.back().examples.size() < kMaxExamples) out.back().examples.push_back(s.display(e.raw, e.pii, column));
    }
  }
  if (s.pii_skipped > 0) {
    out.push_back({"pii_sampled", Severity::kInfo, s.info.name,
                   subject + "no PII in the first " + values_text(kPiiExhaustiveValues) +
                       " checked, then a sample: " + std::to_string(s.pii_sampled) + " of the next " +
                       values_text(s.pii_sampled + s.pii_skipped) + " checked; its PII counts are estimates",
                   s.pii_skipped, {}});
  }
  return out;
}

}  // namespace csbridge::assess
