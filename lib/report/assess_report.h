// Renders what `assess db` found (assess::Assessment) for people and scripts:
// terminal text, JSON (keys documented in schemas/assess_db.schema.json),
// Markdown for a ticket or wiki, and one self-contained HTML page with inline
// CSS and SVG charts (no scripts, fonts or other resources: it renders
// offline). Pure functions: no I/O. Every string from the source is escaped
// for the format; bytes that are not UTF-8 come out as U+FFFD.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "assess/assessment.h"

namespace csbridge::report {

// Summary first, then one block per table; no line wider than 120 terminal
// columns (wide CJK characters count two), no colours.
std::string assess_text(const assess::Assessment& a);

// Ratios rounded to 4 decimals; entity.name and other absent values are null.
nlohmann::json assess_json(const assess::Assessment& a);

// Headings, lists and GitHub-flavoured tables.
std::string assess_markdown(const assess::Assessment& a);

// One page: readiness gauge and summary cards, then exactly three charts
// (null ratio per column, PII per table, entity fit), relationships, findings,
// and a <details> block per table.
std::string assess_html(const assess::Assessment& a);

}  // namespace csbridge::report
