// Formatting shared by the renderings of an assessment (report/assess_report.cc:
// text, JSON, Markdown; report/assess_report_html.cc: HTML): durations, counts,
// names and one-line summaries of tables, columns, relationships and findings.
// Internal to report/; pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "assess/assessment.h"

namespace csbridge::report::assess_detail {

constexpr size_t kMaxExamples = 3;
constexpr size_t kMaxPatterns = 3;
constexpr size_t kMaxSamples = 5;

constexpr std::string_view kArrow = " → ";

// Short runs keep two decimals so that they do not read "0 s".
std::string seconds_text(double seconds);
std::string human_duration(double seconds);

struct FindingCounts {
  int64_t error = 0, warning = 0, info = 0;
};

FindingCounts finding_counts(const assess::Assessment& a);
std::string counts_text(const FindingCounts& c);
std::string source_title(const assess::SourceSummary& s);
std::string table_name(const assess::TableAssessment& t);
std::string rows_text(const assess::TableAssessment& t);
int64_t estimated_tables(const assess::Assessment& a);
std::string tables_text(const assess::Assessment& a);
std::string estimate_text(const assess::Summary& s);
std::string type_text(const assess::ColumnProfile& c);
std::string pii_hit_text(const assess::PiiHit& h);
std::string pii_text(const assess::ColumnProfile& c);
std::string distinct_text(const assess::ColumnProfile& c);
std::string entity_text(const assess::EntityGuess& e);
std::string required_text(const assess::EntityGuess& e);
std::string key_text(const std::vector<std::string>& columns);
std::string relationship_target(const assess::Relationship& r);
std::string relationship_kind(const assess::Relationship& r);
std::string polymorphic_text(const assess::Relationship& r);
std::string orphans_text(const assess::Relationship& r);
std::string profile_text(const assess::TableAssessment& t);
std::string examples_text(const std::vector<std::string>& examples);
std::string length_text(const assess::ColumnProfile& c);
std::string count_cell(int64_t count);
std::string index_text(const connector::IndexInfo& ix);
// A finding as one line for text reports: "kind: column — message (count) e.g. …".
std::string finding_text(const assess::Finding& f);

}  // namespace csbridge::report::assess_detail
