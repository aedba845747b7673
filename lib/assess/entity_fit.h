// Which CS entity a legacy table most likely holds, from its name and its
// columns (English, Chinese and pinyin vocabulary), with a confidence, the
// reasons, and which required CS fields have a plausible source column.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "assess/assessment.h"
#include "connector/connector.h"
#include "model/cs_model.h"

namespace csbridge::assess {

// Words that name CS field `field` in legacy schemas ("created_at" ← create_time,
// createtime, 创建时间 …). Empty for fields without a vocabulary.
const std::vector<std::string_view>& field_synonyms(std::string_view field);

// True when column `column` plausibly holds CS field `field`.
bool column_matches_field(std::string_view column, std::string_view field);

// The best guess for `table` (columns as described). An empty name when
// nothing scores above the threshold (lookup tables, logs of other things).
EntityGuess guess_entity(const connector::TableInfo& table, const model::Model& model);

}  // namespace csbridge::assess
