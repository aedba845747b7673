// `map suggest`: mapping files proposed from an assessment. For every table
// whose CS entity guess is confident enough, one block (entity, source,
// table, key, one field per CS field with the best source column, `custom:
// rest`), every choice preceded by a `# confidence 0.92: <reason>` comment.
// Required fields without a source become `todo:` entries that `map check`
// reports; optional ones are listed in a comment. A person reviews and edits
// the result: nothing here is applied without being read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "assess/assessment.h"
#include "connector/connector.h"
#include "model/cs_model.h"
#include "util/status.h"

namespace csbridge::mapping {

struct SuggestOptions {
  std::string source_name;  // the source's name in csbridge.yaml; "" → "legacy"
  std::string timezone;     // zone of timestamps stored without one (IANA or ±HH:MM); "" → the source's default
};

struct SuggestedFile {
  std::string file_name;  // "<entity>.yaml"
  std::string entity;
  std::string text;       // YAML with comments; one block at top level, or `mappings:` with several
  int todos = 0;          // `todo:` fields plus blocks without a key
};

// Tables whose entity guess is below this get no block.
constexpr double kMinSuggestEntityConfidence = 0.5;
// Distinct values read from a column mapped onto an enum or boolean field (and
// from the type column of a polymorphic reference); rows read for them at most.
constexpr size_t kMaxSuggestDistinctValues = 200;
constexpr int64_t kMaxSuggestScanRows = 1000000;

// Suggests one file per CS entity found in `assessment`, in the model's entity
// order, blocks of one entity in table order; the same inputs give the same
// bytes. `db` is the assessed source: it is read only for the distinct values
// of the columns chosen for enum and boolean fields and of polymorphic type
// columns (bounded by the constants above).
// Errors: kNotFound when no table's guess reaches kMinSuggestEntityConfidence
// (naming the tables); a read failure of `db`, with the table and column.
Result<std::vector<SuggestedFile>> suggest_mappings(connector::Connector& db, const assess::Assessment& assessment,
                                                    const model::Model& model, const SuggestOptions& options);

// `text` as a YAML scalar that reads back as the same string: plain when that
// is unambiguous, else double-quoted with escapes. Quoted: empty text, YAML
// 1.1/1.2 keywords (yes/no/on/off/true/false/null/~ …), anything starting like
// a number or an indicator (- ? : , [ ] { } # & * ! | > ' " % @ `), text with
// ": " or " #", a trailing ':', surrounding spaces, flow characters or control
// characters. Chinese and other non-ASCII text stays plain.
std::string yaml_scalar(std::string_view text);

struct EnumMatch {
  std::string value;  // a member of the domain
  double confidence = 0;
  std::string reason;  // "synonym '已关闭'"
};

// The member of `domain` (a CS enum's values) that legacy value `value` most
// likely means: the member itself (any case), a known synonym (新建 → new,
// 处理中 → open, 待客户回复 → pending, 挂起 → on_hold, 紧急 → urgent, 电话 →
// phone, assignee_id → assigned …), or a word/CJK run containing one. Nothing
// when no member fits or two fit equally well.
std::optional<EnumMatch> match_enum_value(std::string_view value, const std::vector<std::string>& domain);

}  // namespace csbridge::mapping
