// `map suggest`, internal: the legacy words behind the CS model's enum values
// (status, priority, channel, kinds … in English, pinyin and Chinese), the
// constants a required field without a source usually takes, and the word
// matching both the vocabulary and the column scoring use. Public entry:
// match_enum_value (suggest.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/cs_model.h"

namespace csbridge::mapping::suggest_detail {

// A word of CJK (or other non-ASCII) text: matched inside names, not by tokens.
bool is_cjk_word(std::string_view w);
// True when `needle` (non-empty) occurs in `hay` as a contiguous run of words.
bool contains_words(const std::vector<std::string>& hay, const std::vector<std::string>& needle);

// The legacy words for CS enum value `value` (any domain); empty when none are known.
const std::vector<std::string_view>& words_of(std::string_view value);

// The value an enum field falls back to when a legacy value matches nothing
// (the map's `else`); "" when there is no safe fallback (rows are rejected).
std::string enum_fallback(const model::Field& f);

// Required fields a mapping usually fills with a constant; the value and why.
struct Constant {
  std::string_view entity, field, value;
  double confidence;
  std::string_view reason;
};
const std::vector<Constant>& constants();

}  // namespace csbridge::mapping::suggest_detail
