#include "assess/assess_db.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <set>
#include <unordered_map>

#include "assess/column_profiler.h"
#include "assess/entity_fit.h"
#include "assess/name_tokens.h"
#include "assess/relationships.h"
#include "connector/prefetch_reader.h"
#include "pii/detect.h"
#include "pii/mask.h"
#include "util/mix.h"
#include "util/strings.h"
#include "util/task_gang.h"

namespace csbridge::assess {
namespace {

using Clock = std::chrono::steady_clock;

// Readiness penalties: what each kind of problem costs out of 100, and the cap.
constexpr double kNoKeyPenalty = 4, kNoKeyCap = 12;
constexpr double kErrorPenalty = 3, kErrorCap = 24;
constexpr double kOrphanPenalty = 2, kOrphanCap = 10;
constexpr double kDuplicatePenalty = 5;
constexpr double kValidityPenalty = 2, kValidityCap = 8;
constexpr double kEncodingPenalty = 2, kEncodingCap = 10;  // per column in an undeclared legacy encoding
constexpr double kFitWeight = 30;
constexpr double kMissingCorePenalty = 8;
// Migrating a row costs about this many times reading it (transform, mask, load, index).
constexpr double kMigrateCostFactor = 3;
constexpr size_t kMaxExamples = 3;

const char* const kCoreEntities[] = {"customer", "ticket", "ticket_message"};
const char* const kExpectedEntities[] = {"organization", "customer", "agent",  "agent_group", "ticket",
                                         "ticket_message", "ticket_event", "satisfaction_rating", "attachment",
                                         "business_ref", "tag"};

std::string now_iso8601() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// Whether to profile row `index` when sampling: deterministic, evenly spread.
bool sampled(uint64_t index, double percent) {
  if (percent >= 100) return true;
  return static_cast<double>(util::mix64(index) % 1000000) < percent * 10000;
}

struct PhoneOrEmail {
  size_t column;
  bool phone;
};

// Duplicate customers: the same phone (normalised) or e-mail (case folded) on
// several rows. Bounded: hashes with a count and the first two keys each.
class DuplicateFinder {
 public:
  void add(std::string_view key, std::string_view value, bool phone) {
    std::string norm = phone ? pii::normalize_phone(value) : util::to_lower(util::trim(value));
    if (norm.empty() || (phone && !pii::is_mobile(norm))) return;
    if (seen_.size() >= KeyCollector::kMaxKeys) return;
    Group& g = seen_[hash_value((phone ? "p:" : "e:") + norm)];
    if (g.count < 2) g.keys[g.count] = std::string(key);
    ++g.count;
  }

  Finding finding(const std::string& table) const {
    Finding f;
    f.kind = "duplicate_customers";
    f.severity = Severity::kWarning;
    int64_t groups = 0;
    for (const auto& [hash, g] : seen_) {
      if (g.count < 2) continue;
      ++groups;
      f.count += g.count;
      if (f.examples.size() < kMaxExamples) f.examples.push_back(g.keys[0] + " = " + g.keys[1]);
    }
    std::sort(f.examples.begin(), f.examples.end());
    f.message = std::to_string(f.count) + " rows of " + table + " share a phone number or e-mail address with another (" +
                std::to_string(groups) + " groups of likely duplicate customers)";
    return f;
  }

 private:
  struct Group {
    int64_t count = 0;
    std::string keys[2];
  };
  std::unordered_map<uint64_t, Group> seen_;
};

struct TableWork {
  connector::TableInfo info;
  bool described = false;
};

// Per-table state of the data pass.
struct TablePass {
  std::vector<ColumnProfiler> profilers;
  std::vector<std::pair<size_t, KeyCollector*>> key_columns;                 // column → parent key set
  std::vector<std::tuple<size_t, size_t, ValueCounter*>> value_columns;     // column, type column (npos), counter
  std::vector<PhoneOrEmail> contact_columns;
  size_t key_column = std::string::npos;  // for examples in findings
  DuplicateFinder duplicates;
  int64_t rejected = 0;                   // records a file source could not read
  std::vector<std::string> rejected_examples;
};

// Keys, references and duplicate contacts of one batch (every row, sampled or not).
void collect_keys(const connector::Batch& batch, TablePass& pass, int64_t first_row) {
  for (size_t r = 0; r < batch.rows(); ++r) {
    for (auto& [col, keys] : pass.key_columns) {
      if (!batch.is_null(r, col)) keys->add_key(batch.get(r, col));
    }
    for (auto& [col, type_col, counter] : pass.value_columns) {
      if (batch.is_null(r, col)) continue;
      if (type_col == std::string::npos) counter->add(batch.get(r, col));
      else counter->add_typed(batch.is_null(r, type_col) ? "" : batch.get(r, type_col), batch.get(r, col));
    }
    for (const PhoneOrEmail& pe : pass.contact_columns) {
      if (batch.is_null(r, pe.column)) continue;
      std::string key = pass.key_column == std::string::npos ? "row " + std::to_string(first_row + static_cast<int64_t>(r) + 1)
                                                             : std::string(batch.get(r, pass.key_column));
      pass.duplicates.add(key, batch.get(r, pe.column), pe.phone);
    }
  }
}

Status read_table(connector::Connector& db, const TableWork& work, TablePass& pass, const AssessOptions& options,
                  util::Progress* progress, util::TaskGang& gang, int64_t& rows_read) {
  connector::ReadRequest req;
  req.table = work.info.ref;
  req.batch_rows = options.batch_rows;
  CSB_ASSIGN_OR_RETURN(std::unique_ptr<connector::RowReader> raw, db.read(req));
  std::unique_ptr<connector::RowReader> reader = connector::prefetch(std::move(raw));
  connector::Batch batch, kept;
  uint64_t index = 0;
  rows_read = 0;
  std::vector<size_t> order(pass.profilers.size() + 1);
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::vector<double> cost(order.size(), 0.0);
  for (;;) {
    CSB_ASSIGN_OR_RETURN(bool more, reader->next(batch));
    for (connector::RejectedRecord& rej : reader->take_rejects()) {
      if (pass.rejected++ < static_cast<int64_t>(kMaxExamples)) pass.rejected_examples.push_back(rej.location + ": " + rej.reason);
    }
    if (!more) break;
    rows_read += static_cast<int64_t>(batch.rows());
    const connector::Batch* rows = &batch;
    if (options.sample_percent < 100) {
      kept.reset(batch.columns());
      for (size_t r = 0; r < batch.rows(); ++r, ++index) {
        if (!sampled(index, options.sample_percent)) continue;
        for (size_t c = 0; c < batch.columns(); ++c) {
          if (batch.is_null(r, c)) kept.append_null();
          else kept.append(batch.get(r, c));
        }
      }
      rows = &kept;
    }
    // Each column's profiler, and the key collection, is a task of its own: the columns of a batch are
    // profiled on every core while the prefetching reader fetches the next batch.
    // Longest tasks first (by their cost in the previous batch), so that no core idles at the end of a batch.
    const int64_t first_row = rows_read - static_cast<int64_t>(batch.rows());
    const size_t columns = pass.profilers.size();
    gang.run(columns + 1, [&](size_t slot) {
      const size_t task = order[slot];
      Clock::time_point start = Clock::now();
      if (task < columns) pass.profilers[task].add(*rows, task);
      else collect_keys(batch, pass, first_row);
      cost[task] = std::chrono::duration<double>(Clock::now() - start).count();
    });
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return cost[a] > cost[b]; });
    if (progress) progress->advanced(rows_read);
  }
  return Status::ok();
}

// `whole_reads`: the engine's driver holds a result set whole in memory
// (MariaDB), so that a table without a key to read it in chunks by is read in
// one statement, in memory that grows with the table.
void add_schema_findings(TableAssessment& t, bool whole_reads) {
  if (!t.is_view && t.primary_key.empty() && t.unique_keys.empty()) {
    t.findings.push_back({"no_primary_key", Severity::kWarning, "",
                          t.ref.display() + " has neither a primary key nor a unique key: rows cannot be told apart "
                                            "for resumable, idempotent migration" +
                              std::string(whole_reads ? ", and it is read in one statement, which the driver holds "
                                                        "whole in memory"
                                                      : ""),
                          t.rows, {}});
  }
  std::vector<std::string> naive;
  for (const ColumnProfile& c : t.columns) {
    if (c.type == connector::ValueType::kTimestamp) naive.push_back(c.name);
  }
  if (!naive.empty()) {
    t.findings.push_back({"timestamp_without_zone", Severity::kInfo, "",
                          std::to_string(naive.size()) + " timestamp column(s) of " + t.ref.display() +
                              " store no time zone (" + util::join(naive, ", ") +
                              "); declare the source's zone in csbridge.yaml",
                          static_cast<int64_t>(naive.size()), {}});
  }
}

std::vector<std::string> migration_order(const std::vector<TableAssessment>& tables, const model::Model& model) {
  std::vector<std::string> order_of_entities = model.dependency_order();
  auto entity_rank = [&](const TableAssessment& t) {
    auto it = std::find(order_of_entities.begin(), order_of_entities.end(), t.entity.name);
    return it == order_of_entities.end() ? order_of_entities.size() : static_cast<size_t>(it - order_of_entities.begin());
  };
  std::map<std::string, std::set<std::string>> parents;
  for (const TableAssessment& t : tables) {
    for (const Relationship& r : t.foreign_keys) {
      if (r.ref_table != t.ref.display()) parents[t.ref.display()].insert(r.ref_table);
    }
  }
  // A mutual pair (agents.group_id ↔ agent_groups.leader_id) is a cycle: the
  // table whose entity comes first in the CS model goes first, and the other
  // reference is filled in after.
  for (const TableAssessment& t : tables) {
    for (const TableAssessment& p : tables) {
      if (&t == &p || !parents[t.ref.display()].count(p.ref.display()) || !parents[p.ref.display()].count(t.ref.display()))
        continue;
      if (entity_rank(t) < entity_rank(p)) parents[t.ref.display()].erase(p.ref.display());
    }
  }
  std::vector<const TableAssessment*> pending;
  for (const TableAssessment& t : tables) pending.push_back(&t);
  std::stable_sort(pending.begin(), pending.end(), [&](const TableAssessment* a, const TableAssessment* b) {
    return entity_rank(*a) < entity_rank(*b);
  });
  std::vector<std::string> order;
  std::set<std::string> placed;
  while (!pending.empty()) {
    auto ready = std::find_if(pending.begin(), pending.end(), [&](const TableAssessment* t) {
      for (const std::string& p : parents[t->ref.display()]) {
        bool known = std::any_of(tables.begin(), tables.end(), [&](const TableAssessment& x) { return x.ref.display() == p; });
        if (known && !placed.count(p)) return false;
      }
      return true;
    });
    if (ready == pending.end()) ready = pending.begin();  // a cycle: break it in entity order
    order.push_back((*ready)->ref.display());
    placed.insert((*ready)->ref.display());
    pending.erase(ready);
  }
  return order;
}

// The source config that decodes the legacy_encoding findings: one source-wide
// GBK-family encoding (GB18030 when any column needs it: it is GBK's
// superset), and per-column utf8_in_latin1 for double-encoded columns, which
// GBK would keep as they are (they are valid UTF-8).
std::vector<std::string> suggested_config(const std::vector<TableAssessment>& tables) {
  std::string family;
  std::vector<std::string> double_encoded;
  for (const TableAssessment& t : tables) {
    for (const ColumnProfile& c : t.columns) {
      if (c.legacy_encoding.empty()) continue;
      if (c.legacy_encoding == "utf8_in_latin1") double_encoded.push_back(t.ref.name + "." + c.name + ": utf8_in_latin1");
      else if (family != "gb18030") family = c.legacy_encoding;
    }
  }
  std::vector<std::string> out;
  if (!family.empty()) out.push_back("encoding: " + family);
  if (!double_encoded.empty()) out.push_back("encodings: {" + util::join(double_encoded, ", ") + "}");
  return out;
}

Summary summarise(std::vector<TableAssessment>& tables, const model::Model& model, double read_seconds) {
  Summary s;
  int64_t profiled_rows = 0, no_key = 0, errors = 0, orphan_rels = 0, validity = 0, legacy = 0;
  bool duplicates = false;
  std::map<std::string, const TableAssessment*> best_for_entity;
  for (const TableAssessment& t : tables) {
    s.total_rows += t.rows;
    if (t.profiled && !t.columns.empty()) profiled_rows += t.columns.front().values;
    for (const ColumnProfile& c : t.columns) s.pii_columns += c.pii.empty() ? 0 : 1;
    for (const Finding& f : t.findings) {
      if (f.severity == Severity::kError) ++s.findings_error;
      if (f.severity == Severity::kWarning) ++s.findings_warning;
      if (f.kind == "no_primary_key") ++no_key;
      if (f.severity == Severity::kError) ++errors;
      if (f.kind == "orphans") ++orphan_rels;
      if (f.kind == "duplicate_customers") duplicates = true;
      if (f.kind == "invalid_phone" || f.kind == "id_checksum" || f.kind == "zero_date") ++validity;
      if (f.kind == "legacy_encoding") ++legacy;
    }
    if (!t.entity.name.empty()) {
      auto& best = best_for_entity[t.entity.name];
      if (!best || t.entity.confidence > best->entity.confidence) best = &t;
    }
  }
  size_t covered = 0, required = 0;
  for (const auto& [entity, t] : best_for_entity) {
    covered += t->entity.covered_required.size();
    required += t->entity.covered_required.size() + t->entity.missing_required.size();
  }
  s.cs_fit = required == 0 ? 0 : static_cast<double>(covered) / static_cast<double>(required);
  for (const char* e : kExpectedEntities) {
    if (!best_for_entity.count(e)) s.entities_missing.push_back(e);
  }

  double readiness = 100;
  auto penalise = [&](double points, const std::string& why) {
    if (points <= 0) return;
    readiness -= points;
    char buf[16];
    std::snprintf(buf, sizeof buf, "-%.0f: ", points);
    s.readiness_penalties.push_back(buf + why);
  };
  penalise(std::min(kNoKeyCap, kNoKeyPenalty * static_cast<double>(no_key)),
           std::to_string(no_key) + " table(s) without a primary or unique key");
  penalise(std::min(kErrorCap, kErrorPenalty * static_cast<double>(errors)),
           std::to_string(errors) + " error finding(s) (unreadable tables, NUL bytes, undecodable text)");
  penalise(std::min(kOrphanCap, kOrphanPenalty * static_cast<double>(orphan_rels)),
           std::to_string(orphan_rels) + " relationship(s) with orphan rows");
  if (duplicates) penalise(kDuplicatePenalty, "likely duplicate customers");
  penalise(std::min(kValidityCap, kValidityPenalty * static_cast<double>(validity)),
           std::to_string(validity) + " column(s) with invalid phones, ID checksums or zero dates");
  penalise(std::min(kEncodingCap, kEncodingPenalty * static_cast<double>(legacy)),
           std::to_string(legacy) + " column(s) in a legacy encoding the source does not declare");
  s.suggested_config = suggested_config(tables);
  char fit[64];
  std::snprintf(fit, sizeof fit, "required CS fields without a source: %.0f%%", 100 * (1 - s.cs_fit));
  penalise(std::round(kFitWeight * (1 - s.cs_fit)), fit);
  for (const char* core : kCoreEntities) {
    if (!best_for_entity.count(core)) penalise(kMissingCorePenalty, std::string("no table holds ") + core + "s");
  }
  s.readiness = std::max(0.0, readiness);
  s.migration_order = migration_order(tables, model);
  s.read_rows_per_second = read_seconds > 0 ? static_cast<double>(profiled_rows) / read_seconds : 0;
  s.estimate_seconds = s.read_rows_per_second > 0
                           ? kMigrateCostFactor * static_cast<double>(s.total_rows) / s.read_rows_per_second
                           : 0;
  return s;
}

// The finding of a table that could not be described, counted or read.
Finding read_failure(const Status& why) {
  bool denied = why.code() == ErrorCode::kPermissionDenied;
  return {denied ? "permission_denied" : "read_error", Severity::kError, "", why.message(), 0, {}};
}

// The columns of a table that was not profiled: names and types only.
void add_unprofiled_columns(const connector::TableInfo& info, TableAssessment& t) {
  for (const connector::ColumnInfo& col : info.columns) {
    ColumnProfile p;
    p.name = col.name;
    p.declared_type = col.declared_type;
    p.type = col.type;
    t.columns.push_back(std::move(p));
  }
}

// 1. Schema: describe and count every table; failures become findings.
std::vector<TableWork> describe_tables(connector::Connector& db, const std::vector<connector::TableRef>& refs,
                                       std::vector<TableAssessment>& tables) {
  std::vector<TableWork> work(refs.size());
  tables.resize(refs.size());
  for (size_t i = 0; i < refs.size(); ++i) {
    TableAssessment& t = tables[i];
    t.ref = refs[i];
    auto described = db.describe(refs[i]);
    if (!described.is_ok()) {
      t.findings.push_back(read_failure(described.status()));
      work[i].info.ref = refs[i];
      continue;
    }
    work[i].info = *described;
    work[i].described = true;
    t.ref = described->ref;
    t.is_view = described->is_view;
    t.primary_key = described->primary_key;
    t.indexes = described->indexes;
    for (const connector::IndexInfo& ix : described->indexes) {
      if (ix.unique) t.unique_keys.push_back(ix.columns);
    }
    // The data pass reads every row and so counts exactly: here an estimate
    // suffices (for progress), and a full count(*) would read the table twice.
    auto count = db.count(t.ref, /*estimate=*/true);
    if (count.is_ok()) {
      t.rows = count->rows;
      t.rows_exact = count->exact;
    } else {
      t.findings.push_back(read_failure(count.status()));
    }
  }
  return work;
}

// What the names say before any data is read: the relationship candidates and
// the key sets and value counters the data pass fills to confirm them.
struct NamePlan {
  std::vector<connector::TableInfo> infos;
  std::vector<Candidate> candidates;
  std::vector<std::unordered_map<std::string, KeyCollector>> keys;  // per table: column → its values
  std::vector<ValueCounter> values;                                 // per candidate
};

// 2. Names: entity guesses and relationship candidates, before reading any data.
NamePlan plan_from_names(const std::vector<TableWork>& work, std::vector<TableAssessment>& tables,
                         const model::Model& model) {
  NamePlan plan;
  std::vector<EntityGuess> entities;
  for (size_t i = 0; i < work.size(); ++i) {
    plan.infos.push_back(work[i].info);
    plan.infos.back().primary_key = implied_primary_key(work[i].info);
    tables[i].entity = work[i].described ? guess_entity(work[i].info, model) : EntityGuess{};
    entities.push_back(tables[i].entity);
  }
  plan.candidates = find_candidates(plan.infos, entities);
  plan.keys.resize(plan.infos.size());
  plan.values.resize(plan.candidates.size());
  bool any_polymorphic =
      std::any_of(plan.candidates.begin(), plan.candidates.end(), [](const Candidate& c) { return c.polymorphic; });
  for (const Candidate& c : plan.candidates) {
    if (!c.polymorphic && !c.parent_column.empty()) plan.keys[c.parent][c.parent_column];
  }
  if (any_polymorphic) {
    for (size_t i = 0; i < plan.infos.size(); ++i) {
      if (plan.infos[i].primary_key.size() == 1) plan.keys[i][plan.infos[i].primary_key[0]];
    }
  }
  return plan;
}

// What the data pass of table `i` collects besides the column profiles: the
// keys and references the names asked for, and contacts of a customer table.
void plan_table_pass(size_t i, const connector::TableInfo& ti, const TableAssessment& t, NamePlan& names,
                     TablePass& pass) {
  auto column_index = [&](const std::string& name) {
    for (size_t c = 0; c < ti.columns.size(); ++c) {
      if (ti.columns[c].name == name) return c;
    }
    return std::string::npos;
  };
  for (auto& [name, collector] : names.keys[i]) {
    size_t c = column_index(name);
    if (c != std::string::npos) pass.key_columns.emplace_back(c, &collector);
  }
  for (size_t k = 0; k < names.candidates.size(); ++k) {
    const Candidate& cand = names.candidates[k];
    if (cand.child != i || cand.column.empty()) continue;
    size_t c = column_index(cand.column);
    size_t type_c = cand.polymorphic ? column_index(cand.type_column) : std::string::npos;
    if (c != std::string::npos) pass.value_columns.emplace_back(c, type_c, &names.values[k]);
  }
  if (t.entity.name == "customer") {
    for (size_t c = 0; c < ti.columns.size(); ++c) {
      if (column_matches_field(ti.columns[c].name, "phone")) pass.contact_columns.push_back({c, true});
      else if (column_matches_field(ti.columns[c].name, "email")) pass.contact_columns.push_back({c, false});
    }
    if (ti.primary_key.size() == 1) pass.key_column = column_index(ti.primary_key[0]);
  }
}

// The profiles and findings of a table read to the end.
void record_pass(TablePass& pass, int64_t rows_read, const AssessOptions& options, TableAssessment& t) {
  t.profiled = true;
  t.sample_fraction = options.sample_percent / 100;
  t.rows = rows_read;
  t.rows_exact = true;
  for (ColumnProfiler& p : pass.profilers) {
    t.columns.push_back(p.finish());
    for (Finding& f : p.findings()) t.findings.push_back(std::move(f));
  }
  if (pass.rejected > 0) {
    t.findings.push_back({"rejected_records", Severity::kError, "",
                          std::to_string(pass.rejected) + " records of " + t.ref.display() +
                              " could not be read (ragged rows, undecodable bytes, malformed records)",
                          pass.rejected, pass.rejected_examples});
  }
  if (!pass.contact_columns.empty()) {
    Finding dup = pass.duplicates.finding(t.ref.display());
    if (dup.count > 0) t.findings.push_back(std::move(dup));
  }
}

// 3. Data: one pass per table. Returns the seconds spent reading.
double profile_tables(connector::Connector& db, const std::vector<TableWork>& work, NamePlan& names,
                      const AssessOptions& options, util::Progress* progress, std::vector<TableAssessment>& tables) {
  pii::Detector detector;
  util::TaskGang gang(util::TaskGang::default_helpers());
  double read_seconds = 0;
  for (size_t i = 0; i < work.size(); ++i) {
    TableAssessment& t = tables[i];
    if (!work[i].described) continue;
    const connector::TableInfo& ti = work[i].info;
    TablePass pass;
    for (const connector::ColumnInfo& col : ti.columns) pass.profilers.emplace_back(col, detector);
    plan_table_pass(i, ti, t, names, pass);

    if (progress) progress->started("assessing", t.ref.display(), t.rows, t.rows_exact);
    Clock::time_point table_start = Clock::now();
    int64_t rows_read = 0;
    Status read = read_table(db, work[i], pass, options, progress, gang, rows_read);
    t.read_seconds = std::chrono::duration<double>(Clock::now() - table_start).count();
    read_seconds += t.read_seconds;
    if (progress) progress->finished();
    if (!read.is_ok()) {
      if (!options.estimate_counts && !t.rows_exact) {
        auto exact = db.count(t.ref, false);
        if (exact.is_ok()) t.rows = exact->rows, t.rows_exact = true;
      }
      t.findings.push_back(read_failure(read));
      add_unprofiled_columns(ti, t);
      continue;
    }
    record_pass(pass, rows_read, options, t);
  }
  for (TableAssessment& t : tables) {
    if (!t.profiled && t.columns.empty()) {
      for (const TableWork& w : work) {
        if (w.info.ref == t.ref) add_unprofiled_columns(w.info, t);
      }
    }
  }
  return read_seconds;
}

// 4. Relationships from names and values; orphans become findings. Then the
// schema findings, which need the relationships.
void add_relationships(NamePlan& names, Assessment& out) {
  std::vector<size_t> child_of;
  std::vector<Relationship> rels = resolve(names.infos, names.candidates, names.keys, names.values, child_of);
  for (size_t k = 0; k < rels.size(); ++k) {
    TableAssessment& t = out.tables[child_of[k]];
    const Relationship& r = rels[k];
    if (r.orphans > 0) {
      char pct[32];
      std::snprintf(pct, sizeof pct, "%.1f%%", 100 * r.orphan_ratio);
      std::string target = r.ref_table + "." + util::join(r.ref_columns, ",");
      if (r.polymorphic) target += " (" + r.type_column + " = '" + r.type_value + "')";
      t.findings.push_back({"orphans", Severity::kWarning, util::join(r.columns, ","),
                            t.ref.display() + "." + util::join(r.columns, ",") + ": " + std::to_string(r.orphans) +
                                " rows (" + pct + ") point at no " + target,
                            r.orphans, {}});
    }
    t.foreign_keys.push_back(r);
  }
  const std::string engine = util::to_lower(out.source.engine);
  const bool whole_reads = engine.find("mariadb") != std::string::npos || engine.find("mysql") != std::string::npos;
  for (TableAssessment& t : out.tables) add_schema_findings(t, whole_reads);
}

}  // namespace

const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
  }
  return "info";
}

Result<Assessment> assess_database(connector::Connector& db, const model::Model& model, const AssessOptions& options,
                                   util::Progress* progress) {
  Clock::time_point started = Clock::now();
  Assessment out;
  out.generated_at = now_iso8601();
  CSB_ASSIGN_OR_RETURN(connector::SourceInfo info, db.info());
  out.source = {info.engine, info.version, info.redacted};

  std::vector<connector::TableRef> refs;
  if (options.tables.empty()) {
    CSB_ASSIGN_OR_RETURN(refs, db.list_tables());
  } else {
    for (const std::string& t : options.tables) refs.push_back(connector::parse_table_ref(t));
  }

  std::vector<TableWork> work = describe_tables(db, refs, out.tables);
  NamePlan names = plan_from_names(work, out.tables, model);
  double read_seconds = profile_tables(db, work, names, options, progress, out.tables);
  add_relationships(names, out);
  out.summary = summarise(out.tables, model, read_seconds);
  out.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return out;
}

}  // namespace csbridge::assess
