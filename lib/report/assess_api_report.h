// Renders what `assess api` found (api::ApiAssessment) for people and scripts:
// terminal text, JSON (keys documented in schemas/assess_api.schema.json),
// Markdown, and one self-contained HTML page (inline CSS and SVG, no scripts,
// fonts or other resources) built from the same pieces as the assess db page
// (report/render.h). Pure functions: no I/O. Strings from the spec and the
// payloads are escaped for the format; bytes that are not UTF-8 come out as U+FFFD.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "api/assess_api.h"

namespace csbridge::report {

// Summary (readiness, servers, auth, entities) first, then checks, payloads,
// probe; no line wider than 120 terminal columns.
std::string assess_api_text(const api::ApiAssessment& a);

// Latencies in milliseconds rounded to 3 decimals; absent values are null.
nlohmann::ordered_json assess_api_json(const api::ApiAssessment& a);

std::string assess_api_markdown(const api::ApiAssessment& a);

// One page: readiness gauge and summary cards, the checks, entity coverage,
// operations, one <details> per payload, and the probe with a latency chart.
std::string assess_api_html(const api::ApiAssessment& a);

}  // namespace csbridge::report
