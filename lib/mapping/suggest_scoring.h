// `map suggest`, internal: how well a column fits a CS field. A field's
// confidence is the sum of what speaks for its column (name, observed type,
// PII class), capped; below kMinFieldConfidence a column is not proposed at
// all. The choosing itself (Suggester::choose and its helpers) is in
// suggest_scoring.cc beside these.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "assess/assessment.h"
#include "model/cs_model.h"

namespace csbridge::mapping::suggest_detail {

constexpr double kExactNameScore = 0.7;      // the column is named like the field
constexpr double kSynonymNameScore = 0.65;   // the column's words are a synonym's words
constexpr double kCjkNameScore = 0.6;        // a Chinese synonym inside the name
constexpr double kPartialNameScore = 0.45;   // a synonym's words among the column's
constexpr double kPiiOnlyScore = 0.25;       // no name match, but values of the field's PII class
constexpr double kTypeAgrees = 0.2;
constexpr double kTypeAccepts = 0.1;         // text into a number field and the like: checked per row
constexpr double kPiiAgrees = 0.15;
constexpr double kPiiDisagrees = -0.1;
constexpr double kMostlyEmpty = -0.1;        // null ratio at or above kMostlyEmptyRatio
constexpr double kMostlyEmptyRatio = 0.9;
constexpr double kStrongPiiRatio = 0.5;
constexpr double kReferenceBase = 0.45;      // + kReferenceWeight × the relationship's confidence
constexpr double kReferenceWeight = 0.5;
constexpr double kReferenceNameBonus = 0.05;
constexpr double kUnconfirmedReference = 0.3;  // + half the name score: no relationship confirms it
constexpr double kMinFieldConfidence = 0.5;
constexpr double kMaxConfidence = 0.97;
constexpr double kAmbiguityGap = 0.1;        // a runner-up closer than this lowers the confidence
constexpr double kFillTieBreak = 0.03;       // fuller columns win ties

struct NameMatch {
  double score = 0;
  std::string reason;
};

// How well the column's name fits field `field`; `stripped` is a word every
// column of the table starts with, ignored ("" for none).
NameMatch name_match(const assess::ColumnProfile& c, std::string_view field, const std::string& stripped);
// How well the column's values fit the field's type: nullopt when they cannot.
std::optional<NameMatch> type_fit(const assess::ColumnProfile& c, const model::Field& f);
// What the column's PII says for or against the field.
NameMatch pii_fit(const assess::ColumnProfile& c, const model::Field& f);
// The first PII class most of the column's values are as a whole; nullptr when none.
const assess::PiiHit* strong_whole_pii(const assess::ColumnProfile& c);
bool is_specific_pii(model::PiiClass p);

struct Candidate {
  const assess::ColumnProfile* column = nullptr;
  double score = 0;   // the confidence before capping
  double rank = 0;    // score plus tie-breaks
  std::vector<std::string> reasons;
  const assess::Relationship* relationship = nullptr;
};

// Adds the tie-breaks to `c.rank` and the mostly-NULL penalty.
void finish_candidate(Candidate& c);
// The column of `t` named `name`; nullptr when none.
const assess::ColumnProfile* column_of(const assess::TableAssessment& t, std::string_view name);

}  // namespace csbridge::mapping::suggest_detail
