// The result of `assess db`: what a legacy database holds, how it fits the CS
// model, what is dirty, what is personal, and what moving it will take. Plain
// data; lib/report/assess_report renders it (text, JSON, Markdown, HTML). The
// JSON contract (schemas/assess_db.schema.json) is built from these fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "connector/connector.h"
#include "model/cs_model.h"

namespace csbridge::assess {

enum class Severity { kInfo, kWarning, kError };
const char* severity_name(Severity severity);

// A data-quality or access finding about one table (or one column of it).
struct Finding {
  std::string kind;      // stable id: orphans, duplicate_customers, invalid_phone, id_checksum, nul_bytes,
                         // bad_encoding, zero_date, timestamp_without_zone, no_primary_key, duplicate_key,
                         // permission_denied, read_error, binary_column, legacy_encoding
  Severity severity = Severity::kWarning;
  std::string column;    // "" when about the whole table
  std::string message;   // one line for people, no raw PII
  int64_t count = 0;     // rows (or values) concerned
  std::vector<std::string> examples;  // a few keys or masked values
};

struct PiiHit {
  model::PiiClass pii = model::PiiClass::kNone;
  int64_t count = 0;       // non-null values holding it (whole value, or embedded in free text)
  double ratio = 0;        // count / non-null values
  bool embedded = false;   // found inside free text rather than as the whole value
  int64_t invalid = 0;     // of count: IDs failing the check char, phone-shaped but unallocated, …
};

struct PatternCount {
  std::string pattern;  // value shape: digits → 9, Latin letters → a/A, CJK → 汉, others kept ("A9999-99")
  int64_t count = 0;
};

struct ColumnProfile {
  std::string name;
  std::string declared_type;
  connector::ValueType type = connector::ValueType::kUnknown;  // from the declared type
  std::string observed_type;  // what the values are: integer, decimal, date, timestamp, phone, email, text, binary, empty
  int64_t values = 0;         // rows seen (sampled rows when sampling)
  int64_t nulls = 0;
  double null_ratio = 0;
  int64_t distinct = 0;       // estimate (HyperLogLog) unless distinct_exact
  bool distinct_exact = false;
  std::optional<std::string> min, max;  // by the column's type order; masked when the column holds PII
  int64_t min_length = 0, max_length = 0;
  double avg_length = 0;      // characters (UTF-8 code points); bytes for binary
  std::vector<PatternCount> patterns;  // top shapes, most frequent first
  std::vector<std::string> samples;    // a few distinct values, masked by their PII class
  std::vector<PiiHit> pii;             // classes detected, strongest first
  // The source config value that decodes the column's legacy encoding (gbk, gb18030,
  // utf8_in_latin1; see its legacy_encoding finding); "" when it needs none.
  std::string legacy_encoding;
};

struct Relationship {
  std::vector<std::string> columns;      // in the child (this) table
  std::string ref_table;
  std::vector<std::string> ref_columns;
  bool declared = false;                 // declared as a foreign key by the source
  double confidence = 0;                 // 0..1
  double orphan_ratio = 0;               // child values without a parent / non-null child values
  int64_t orphans = 0;
  int64_t none_rows = 0;                 // rows holding 0 where the parent has no key 0: "none", not orphans
  bool polymorphic = false;              // an ObjectType+ObjectId pair: ref_table is one of several
  std::string type_column;               // polymorphic: the column naming the parent kind
  std::string type_value;                // polymorphic: the value of type_column for this parent
  std::vector<std::string> reasons;
};

struct EntityGuess {
  std::string name;         // CS entity, or "" when none fits
  double confidence = 0;    // 0..1
  std::vector<std::string> reasons;
  // Required fields of the CS entity with a plausible source column here, and those without.
  std::vector<std::string> covered_required, missing_required;
};

struct TableAssessment {
  connector::TableRef ref;
  bool is_view = false;
  int64_t rows = 0;
  bool rows_exact = true;
  std::vector<std::string> primary_key;
  std::vector<std::vector<std::string>> unique_keys;
  std::vector<connector::IndexInfo> indexes;
  std::vector<ColumnProfile> columns;
  std::vector<Relationship> foreign_keys;  // declared and inferred
  EntityGuess entity;
  std::vector<Finding> findings;
  bool profiled = false;                   // false when the data could not be read
  double sample_fraction = 1.0;            // share of rows profiled (--sample)
  double read_seconds = 0;
};

struct SourceSummary {
  std::string engine, version, redacted;
};

struct Summary {
  double readiness = 0;                  // 0..100
  std::vector<std::string> readiness_penalties;  // what lowers it, one line each
  double cs_fit = 0;                     // share of required CS fields (over the entities found) with a source
  std::vector<std::string> migration_order;  // tables, parents first
  std::vector<std::string> entities_missing;  // CS entities no table seems to hold
  int64_t total_rows = 0;
  double read_rows_per_second = 0;       // measured during this run
  double estimate_seconds = 0;           // to migrate everything, from rows and measured speed
  int64_t pii_columns = 0;
  int64_t findings_error = 0, findings_warning = 0;
  // The source config that decodes what legacy_encoding findings found, one
  // YAML line each ("encoding: gbk", "encodings: {t.c: utf8_in_latin1}"); empty when none.
  std::vector<std::string> suggested_config;
};

struct Assessment {
  SourceSummary source;
  std::vector<TableAssessment> tables;
  Summary summary;
  std::string generated_at;  // ISO 8601 UTC
  double seconds = 0;        // wall time of the assessment
};

}  // namespace csbridge::assess
