#include "mapping/check.h"

#include <algorithm>
#include <map>
#include <set>

#include "connector/registry.h"
#include "mapping/block_reader.h"
#include "mapping/loader.h"
#include "mapping/row_mapper.h"
#include "util/strings.h"

namespace csbridge::mapping {
namespace {

using transform::Kind;

std::string article(const char* word) {
  return (std::string_view("aeiou").find(word[0]) != std::string_view::npos ? "an " : "a ") + std::string(word);
}

// "'a' (3 rows), 'b' (1 row), …"; values of PII fields are never listed.
std::string quoted_list(const std::vector<std::pair<std::string, int64_t>>& values, size_t max_listed, bool hide) {
  if (hide) return "values not shown (personal data)";
  std::string out;
  size_t n = 0;
  for (const auto& [value, count] : values) {
    if (n == max_listed) {
      out += ", …";
      break;
    }
    if (n++) out += ", ";
    std::string shown = value.size() > 40 ? value.substr(0, 40) + "…" : value;
    out += "'" + shown + "' (" + std::to_string(count) + (count == 1 ? " row)" : " rows)");
  }
  return out;
}

void check_required(const Block& block, std::vector<Diagnostic>& out) {
  if (!block.cs) return;
  for (const model::Field* f : block.cs->required_fields()) {
    if (f->name == "id" || f->provenance || block.field(f->name)) continue;
    out.push_back({block.fields_at, Severity::kError, "required_unmapped",
                   "required field " + block.entity + "." + f->name + " is not mapped"});
  }
}

// Every entity of a shared key space needs a block, loaded before the block that looks it up.
void check_shared(const MappingSet& set, const model::Model& model, const Block& block, const Lookup& l,
                  std::vector<Diagnostic>& out) {
  const std::vector<std::string> order = model.dependency_order();
  auto position = [&](const std::string& e) { return std::find(order.begin(), order.end(), e) - order.begin(); };
  const std::string system = l.source.empty() ? block.source : l.source;
  for (const auto& e : l.shared) {
    auto blocks = set.blocks_of(e);
    // One key space, one spelling: the keys are looked up under every entity as the field holds them.
    bool spelled = std::any_of(blocks.begin(), blocks.end(), [&](const Block* b) {
      return b->source == system && b->key_prefix == l.key_prefix;
    });
    if (!blocks.empty() && !spelled) {
      out.push_back({l.at, Severity::kError, "lookup_unresolvable",
                     "the shared key space lists " + e + ", but no " + e + " block reads source '" + system +
                         "' with key_prefix '" + l.key_prefix + "': a shared key is looked up as it is under every entity"});
    }
    if (e == l.entity) continue;
    if (blocks.empty()) {
      out.push_back({l.at, Severity::kError, "lookup_unresolvable",
                     "the shared key space lists " + e + ", which no mapping block loads"});
    } else if (position(e) >= position(block.entity)) {
      out.push_back({l.at, Severity::kError, "lookup_order",
                     "the shared key space lists " + e + ", which migrate loads after " + block.entity +
                         ": its keys could not be told apart yet"});
    }
  }
}

void check_lookups(const MappingSet& set, const Block& block, std::vector<Diagnostic>& out) {
  for (const auto& f : block.fields) {
    if (!f.lookup) continue;
    const Lookup& l = *f.lookup;
    std::string system = l.source.empty() ? block.source : l.source;
    auto targets = set.blocks_of(l.entity);
    if (targets.empty()) {
      out.push_back({l.at, Severity::kError, "lookup_unresolvable",
                     "lookup of " + l.entity + ", which no mapping block loads"});
      continue;
    }
    bool match = std::any_of(targets.begin(), targets.end(), [&](const Block* t) {
      return t->source == system && t->key_prefix == l.key_prefix;
    });
    if (!match) {
      out.push_back({l.at, Severity::kError, "lookup_unresolvable",
                     "no " + l.entity + " block reads source '" + system + "' with key_prefix '" + l.key_prefix +
                         "'; its legacy keys cannot resolve"});
    }
  }
}

// Lookups form a graph over entities; a cycle cannot resolve, since migrate
// loads the entities a block looks up before the block. A lookup into the
// block's own entity (a ticket merged into another) is no cycle: migrate
// resolves it once the entity's rows are in, so its rows load first with the
// field empty, and a key that never loads must be allowed to stay NULL.
void check_cycles(const MappingSet& set, std::vector<Diagnostic>& out) {
  std::map<std::string, std::vector<std::pair<std::string, const Lookup*>>> edges;
  for (const auto& b : set.blocks) {
    for (const auto& f : b.fields) {
      if (!f.lookup) continue;
      if (f.lookup->entity != b.entity) {
        edges[b.entity].push_back({f.lookup->entity, &*f.lookup});
      } else if (f.cs && f.cs->required) {
        out.push_back({f.lookup->at, Severity::kError, "self_lookup_required",
                       "field '" + f.field + "' looks up its own entity " + b.entity +
                           ", resolved after the rows are in; a required field cannot wait for that"});
      } else if (!f.lookup->orphans_to_null) {
        out.push_back({f.lookup->at, Severity::kError, "self_lookup_needs_orphans_null",
                       "field '" + f.field + "' looks up its own entity " + b.entity +
                           ", resolved after the rows are in: add `orphans: null` (a key that never loads "
                           "leaves the field NULL; the row cannot be rejected once loaded)"});
      }
    }
  }
  std::map<std::string, int> state;  // 0 new, 1 on the path, 2 done
  std::vector<std::string> path;
  std::set<const Lookup*> reported;
  std::function<void(const std::string&)> visit = [&](const std::string& entity) {
    state[entity] = 1;
    path.push_back(entity);
    for (const auto& [next, lookup] : edges[entity]) {
      if (state[next] == 1) {
        if (!reported.insert(lookup).second) continue;
        auto start = std::find(path.begin(), path.end(), next);
        std::vector<std::string> cycle(start, path.end());
        cycle.push_back(next);
        out.push_back({lookup->at, Severity::kError, "lookup_cycle",
                       "cycle of lookups: " + util::join(cycle, " → ") +
                           "; entities are loaded after those they look up, so a cycle cannot resolve"});
      } else if (state[next] == 0) {
        visit(next);
      }
    }
    path.pop_back();
    state[entity] = 2;
  };
  for (const auto& [entity, _] : edges) {
    if (state[entity] == 0) visit(entity);
  }
}

void check_key_collisions(const MappingSet& set, std::vector<Diagnostic>& out) {
  for (size_t i = 0; i < set.blocks.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const Block& a = set.blocks[j];
      const Block& b = set.blocks[i];
      // Blocks filtered by different `where` predicates (or filters) declare disjoint rows of one key space.
      bool split_by_where = (!a.where.empty() && !b.where.empty() && a.where != b.where) ||
                            (!a.filter.empty() && !b.filter.empty() && (a.filter.at.file != b.filter.at.file || a.filter.at.line != b.filter.at.line));
      if (a.entity == b.entity && a.source == b.source && a.key_prefix == b.key_prefix && !split_by_where) {
        out.push_back({b.at, Severity::kWarning, "key_collision",
                       "a second " + b.entity + " block from source '" + b.source +
                           "' with the same key_prefix: legacy keys of " + a.display() +
                           " and this block may collide (set key_prefix)"});
      }
    }
  }
}

// ---- checks with data ----

struct ColumnValues {
  std::map<std::string, int64_t> counts;  // distinct value → rows, at most max_distinct values
};

class SourceChecker {
 public:
  SourceChecker(const config::Config& config, const DataCheckOptions& options, std::vector<Diagnostic>& out)
      : config_(config), options_(options), out_(out) {}

  void check_block(connector::Connector& db, const Block& block) {
    std::vector<connector::ColumnInfo> columns;
    if (!describe(db, block, columns)) return;
    bool all_found = true;
    auto find = [&](const std::string& name, const Location& at, const std::string& what) {
      if (find_column(columns, name)) return;
      all_found = false;
      std::vector<std::string> names;
      for (const auto& c : columns) names.push_back(c.name);
      std::string match = util::closest_match(name, names);
      out_.push_back({at, Severity::kError, "unknown_column",
                      "unknown " + what + " '" + name + "' in " + source_name(block) +
                          (match.empty() ? "" : ", did you mean '" + match + "'?")});
    };
    for (size_t i = 0; i < block.key.size(); ++i) find(block.key[i], block.key_at[i], "key column");
    for (const auto& f : block.fields) {
      if (f.from) {
        if (!f.from->on.empty()) find(f.from->on, f.from->on_at, "column");
        continue;
      }
      for (size_t i = 0; i < f.columns.size(); ++i) find(f.columns[i], f.column_at[i], "column");
      if (f.lookup) {
        for (const auto& t : f.lookup->when.tests) find(t.column, t.at, "column");
      }
    }
    if (!block.filter.empty() && !db.runs_sql() && block.filter.reads_tables()) {
      all_found = false;
      out_.push_back({block.filter.at, Severity::kError, "needs_database",
                      "a filter through another table needs a database source; " + block.source + " is " + db.backend()});
    }
    for (const auto& t : block.filter.tests) find(t.column, t.at, "column");
    SourceNames names(db);
    for (const auto& t : block.filter.tests) all_found &= check_other_table(names, block, t);
    for (const auto& f : block.fields) {
      if (f.from) all_found &= check_related(db, names, block, f);
    }
    for (size_t i = 0; i < block.custom_columns.size(); ++i) find(block.custom_columns[i], block.custom_at[i], "column");
    for (const auto& f : block.fields) check_types(block, f, columns);
    if (all_found) check_values(db, block, columns);
  }

 private:
  // The table an in/not_in test reads, its column and its where (recursively).
  bool check_other_table(SourceNames& names, const Block& block, const ColumnTest& t) {
    if (t.op != ColumnTest::Op::kInTable && t.op != ColumnTest::Op::kNotInTable) return true;
    if (!known_table(names, block, t.table, t.at)) return false;
    bool ok = known_column(names, block, t.table, t.table_column, t.at);
    if (t.where) {
      for (const auto& inner : t.where->tests) {
        ok &= known_column(names, block, t.table, inner.column, inner.at);
        ok &= check_other_table(names, block, inner);
      }
    }
    return ok;
  }

  bool known_table(SourceNames& names, const Block& block, const std::string& table, const Location& at) {
    auto info = names.table(table);
    if (info.is_ok()) return true;
    out_.push_back({at, Severity::kError, info.status().code() == ErrorCode::kNotFound ? "unknown_table" : "read_failed",
                    "source '" + block.source + "' has no table '" + table + "'" +
                        (info.status().code() == ErrorCode::kNotFound ? "" : ": " + info.status().message())});
    return false;
  }

  bool known_column(SourceNames& names, const Block& block, const std::string& table, const std::string& column,
                    const Location& at) {
    if (names.column(table, column).is_ok()) return true;
    std::vector<std::string> known;
    if (auto info = names.table(table); info.is_ok()) {
      for (const auto& c : (*info)->columns) known.push_back(c.name);
    }
    std::string match = util::closest_match(column, known);
    out_.push_back({at, Severity::kError, "unknown_column",
                    "unknown column '" + column + "' in " + block.source + "." + table +
                        (match.empty() ? "" : ", did you mean '" + match + "'?")});
    return false;
  }

  // A `from:` field: a database source, and every hop's table and columns.
  bool check_related(connector::Connector& db, SourceNames& names, const Block& block, const FieldMapping& f) {
    const Related& r = *f.from;
    if (!db.runs_sql()) {
      out_.push_back({f.at, Severity::kError, "needs_database",
                      "field " + f.field + " reads related rows (from:), which needs a database source; " +
                          block.source + " is " + db.backend()});
      return false;
    }
    if (r.on.empty() && block.key.size() != 1) {
      out_.push_back({f.at, Severity::kError, "bad_value",
                      "field " + f.field + " reads related rows of a block with a composite key: say which column they match with 'by'"});
      return false;
    }
    bool ok = true;
    for (const RelatedHop& hop : r.hops) {
      if (!known_table(names, block, hop.table, hop.at)) {
        ok = false;
        continue;
      }
      ok &= known_column(names, block, hop.table, hop.key, hop.key_at);
      for (size_t i = 0; i < hop.columns.size(); ++i) ok &= known_column(names, block, hop.table, hop.columns[i], hop.column_at[i]);
      for (size_t i = 0; i < hop.order.size(); ++i) {
        ok &= known_column(names, block, hop.table, hop.order[i], i < hop.order_at.size() ? hop.order_at[i] : hop.at);
      }
      for (const auto& t : hop.filter.tests) {
        ok &= known_column(names, block, hop.table, t.column, t.at);
        ok &= check_other_table(names, block, t);
      }
    }
    return ok;
  }

  std::string source_name(const Block& block) const {
    return block.query.empty() ? block.source + "." + block.table : "the query of " + block.display();
  }

  bool describe(connector::Connector& db, const Block& block, std::vector<connector::ColumnInfo>& columns) {
    if (!block.query.empty()) {
      auto info = db.describe_query(block.query);
      if (!info.is_ok()) {
        out_.push_back({block.table_at, Severity::kError, "query_failed", "query fails: " + info.status().message()});
        return false;
      }
      columns = info->columns;
      return true;
    }
    SourceNames names(db);
    auto info = names.table(block.table);  // as the engine spells it (RT's Tickets is tickets on PostgreSQL)
    if (info.is_ok()) {
      columns = (*info)->columns;
      return true;
    }
    if (info.status().code() == ErrorCode::kNotFound) {
      std::vector<std::string> names;
      if (auto tables = db.list_tables(); tables.is_ok()) {
        for (const auto& t : *tables) names.push_back(block.table.find('.') == std::string::npos ? t.name : t.display());
      }
      std::string match = util::closest_match(block.table, names);
      out_.push_back({block.table_at, Severity::kError, "unknown_table",
                      "source '" + block.source + "' has no table '" + block.table + "'" +
                          (match.empty() ? "" : ", did you mean '" + match + "'?")});
    } else {
      out_.push_back({block.table_at, Severity::kError, "read_failed", info.status().message()});
    }
    return false;
  }

  void check_types(const Block& block, const FieldMapping& f, const std::vector<connector::ColumnInfo>& columns) {
    if (f.kind != SourceKind::kColumn || f.invalid || f.columns.empty() || f.from || !f.cs || f.lookup ||
        !f.cs->references.empty()) {
      return;
    }
    auto i = find_column(columns, f.columns.front());
    if (!i) return;
    Kind kind = kind_of(columns[*i].type);
    for (const auto& s : f.steps) {
      auto next = s.step->output_kind(kind);
      if (!next.is_ok()) {
        out_.push_back({s.at, Severity::kError, "type_mismatch",
                        next.status().message() + " (column '" + columns[*i].name + "' is " +
                            columns[*i].declared_type + ")"});
        return;
      }
      kind = *next;
    }
    if (!kind_fits(kind, f.cs->type)) {
      std::string hint = f.cs->type == model::FieldType::kEnum ? ": add a 'map' step onto its values" : "";
      out_.push_back({f.column_at.front(), Severity::kError, "type_mismatch",
                      "column '" + columns[*i].name + "' (" + columns[*i].declared_type + ") gives " +
                          article(transform::kind_name(kind)) + ", which cannot go into " + block.entity + "." +
                          f.field + " (" + model::field_type_name(f.cs->type) + ")" + hint});
    }
  }

  // Runs the steps of each single-column field over every value of the rows read (up to
  // sample_rows): value-map gaps, values outside an enum, values a step rejects. Distinct values
  // are checked once each while there are at most max_distinct of them per column; past that,
  // each further value is checked as it comes, so every row read is counted.
  void check_values(connector::Connector& db, const Block& block, const std::vector<connector::ColumnInfo>& columns) {
    std::vector<FieldCheck> fields;
    std::vector<std::string> read_columns;
    for (const auto& f : block.fields) {
      if (f.kind != SourceKind::kColumn || !f.cs || f.lookup || f.from) continue;
      if (f.steps.empty() && f.cs->type != model::FieldType::kEnum) continue;
      std::string name = columns[*find_column(columns, f.columns.front())].name;
      auto at = std::find(read_columns.begin(), read_columns.end(), name);
      if (at == read_columns.end()) at = read_columns.insert(read_columns.end(), name);
      fields.push_back(FieldCheck(block, f, static_cast<size_t>(at - read_columns.begin()), config_));
    }
    if (fields.empty()) return;
    connector::ReadRequest request;
    if (block.query.empty()) {
      SourceNames names(db);
      auto info = names.table(block.table);
      request.table = info.is_ok() ? (*info)->ref : block.table_ref();
    }
    request.query = block.query;
    request.columns = read_columns;
    auto where = block_predicate(db, block);
    if (!where.is_ok()) {
      out_.push_back({block.table_at, Severity::kWarning, "read_failed", "values not checked: " + where.status().message()});
      return;
    }
    request.where = *where;
    request.limit = options_.sample_rows;
    request.batch_rows = 5000;
    auto reader = db.read(request);
    if (!reader.is_ok()) {
      out_.push_back({block.table_at, Severity::kWarning, "read_failed",
                      "values not checked: " + reader.status().message()});
      return;
    }
    std::vector<ColumnValues> values(read_columns.size());
    connector::Batch batch;
    int64_t rows = 0, unreadable = 0;
    std::string first_unreadable;
    while (true) {
      auto more = (*reader)->next(batch);
      if (!more.is_ok()) {
        out_.push_back({block.table_at, Severity::kWarning, "read_failed",
                        "values not checked: " + more.status().message()});
        return;
      }
      for (const connector::RejectedRecord& r : (*reader)->take_rejects()) {
        if (unreadable++ == 0) first_unreadable = r.location + ": " + r.reason;
      }
      if (!*more) break;
      rows += static_cast<int64_t>(batch.rows());
      for (size_t r = 0; r < batch.rows(); ++r) {
        for (size_t c = 0; c < read_columns.size(); ++c) {
          if (batch.is_null(r, c)) continue;
          ColumnValues& cv = values[c];
          std::string_view v = batch.get(r, c);
          auto it = cv.counts.find(std::string(v));
          if (it != cv.counts.end()) {
            ++it->second;
          } else if (cv.counts.size() < options_.max_distinct) {
            cv.counts.emplace(std::string(v), 1);
          } else {
            for (FieldCheck& f : fields)
              if (f.column == c) f.check(v, 1, options_.max_distinct);
          }
        }
      }
    }
    if (unreadable > 0) {
      out_.push_back({block.table_at, Severity::kWarning, "unreadable_rows",
                      std::to_string(unreadable) + " row(s) cannot be read and would be rejected, the first: " +
                          first_unreadable});
    }
    for (FieldCheck& f : fields) {
      for (const auto& [raw, count] : values[f.column].counts) f.check(raw, count, options_.max_distinct);
    }
    // Counts are of every row read: the message says how many that was, and whether the block
    // holds more (sample_rows is a cap, not a sample).
    std::string read = (rows >= options_.sample_rows ? " of the first " : " of the ") + std::to_string(rows) + " rows read";
    for (const FieldCheck& f : fields) report(block, f, read);
  }

  // One field's steps applied to source values, failures gathered by (step index, code); step
  // index == steps.size() means "outside the enum domain".
  struct FieldCheck {
    FieldCheck(const Block& block, const FieldMapping& mapping, size_t column, const config::Config& config)
        : f(&mapping), column(column) {
      MapperSettings settings = settings_for(block, config, config::process_environment());
      context.default_timezone = settings.default_timezone;
      context.hmac_key = settings.hmac_key;
      context.field_context = block.entity + "." + mapping.field;
      context.pii_class = model::pii_class_name(mapping.cs->pii);
    }
    struct Failures {
      std::map<std::string, int64_t> values;  // failing value → rows (at most max_distinct values)
      int64_t distinct = 0;                   // failing distinct values, also those past the cap
      int64_t rows = 0;
    };
    void check(std::string_view raw, int64_t count, size_t max_distinct) {
      transform::Value v = std::string(raw);
      std::pair<size_t, std::string> where;
      bool failed = false;
      for (size_t s = 0; s < f->steps.size() && !failed; ++s) {
        transform::StepResult r = f->steps[s].step->apply(std::span<const transform::Value>(&v, 1), context);
        if (!r.ok()) {
          where = {s, r.error().code};
          failed = true;
        } else {
          v = std::move(r.value());
        }
      }
      if (!failed) {
        if ((!v || v->empty()) && f->default_value) v = f->default_value;
        const auto& domain = f->cs->values;
        if (!v || f->cs->type != model::FieldType::kEnum || std::find(domain.begin(), domain.end(), *v) != domain.end())
          return;
        where = {f->steps.size(), "not_in_domain"};
      }
      Failures& fail = failures[where];
      fail.rows += count;
      auto it = fail.values.find(std::string(raw));
      if (it != fail.values.end()) {
        it->second += count;
        return;
      }
      ++fail.distinct;  // a value past the distinct cap may be counted again when it repeats
      if (fail.values.size() < max_distinct) fail.values.emplace(std::string(raw), count);
    }
    const FieldMapping* f;
    size_t column;
    transform::Context context;
    std::map<std::pair<size_t, std::string>, Failures> failures;
  };

  void report(const Block& block, const FieldCheck& check, const std::string& read) {
    const FieldMapping& f = *check.f;
    bool hide = BlockMapper::source_pii_of(block, f) != model::PiiClass::kNone;
    for (const auto& [where, fail] : check.failures) {
      std::vector<std::pair<std::string, int64_t>> list(fail.values.begin(), fail.values.end());
      std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      std::string listed = quoted_list(list, options_.max_listed, hide);
      bool one = fail.distinct == 1;
      std::string n = std::to_string(fail.distinct) + (one ? " source value" : " source values");
      std::string in_rows = " (" + std::to_string(fail.rows) + read;
      if (where.first == f.steps.size()) {
        out_.push_back({f.column_at.front(), Severity::kError, "not_in_domain",
                        n + in_rows + ") end outside " + block.entity + "." + f.field + " (" +
                            util::join(f.cs->values, ", ") + "): " + listed});
      } else if (where.second == "unmapped_value") {
        out_.push_back({f.steps[where.first].at, Severity::kError, "map_incomplete",
                        n + in_rows + (one ? ") is" : ") are") + " not in the map and there is no 'else': " + listed});
      } else {
        out_.push_back({f.steps[where.first].at, Severity::kWarning, "values_rejected",
                        f.steps[where.first].name + " rejects " + n + in_rows + "; " + where.second + "): " + listed});
      }
    }
  }

  const config::Config& config_;
  const DataCheckOptions& options_;
  std::vector<Diagnostic>& out_;
};

}  // namespace

void check_mapping_set(const MappingSet& set, const model::Model& model, std::vector<Diagnostic>& out) {
  for (const auto& block : set.blocks) {
    check_required(block, out);
    check_lookups(set, block, out);
    for (const auto& f : block.fields) {
      if (f.lookup && !f.lookup->shared.empty()) check_shared(set, model, block, *f.lookup, out);
    }
  }
  check_cycles(set, out);
  check_key_collisions(set, out);
}

SourceOpener default_source_opener() {
  return [](const config::SourceConfig& source) { return config::open_source(source); };
}

void check_against_sources(const MappingSet& set, const config::Config& config, const model::Model& /*model*/,
                           const SourceOpener& open, const DataCheckOptions& options, std::vector<Diagnostic>& out) {
  SourceChecker checker(config, options, out);
  std::map<std::string, std::vector<const Block*>> by_source;
  for (const auto& b : set.blocks) {
    if (config.source(b.source)) by_source[b.source].push_back(&b);
  }
  for (const auto& [name, blocks] : by_source) {
    const config::SourceConfig& source = *config.source(name);
    auto db = open(source);
    if (!db.is_ok()) {
      out.push_back({blocks.front()->source_at, Severity::kWarning, "source_unreachable",
                     "source '" + name + "' not reachable, its data checks are skipped: " + db.status().message()});
      continue;
    }
    for (const Block* b : blocks) checker.check_block(**db, *b);
  }
}

std::vector<const Block*> load_order(const MappingSet& set, const model::Model& model) {
  std::vector<const Block*> order;
  for (const auto& entity : model.dependency_order()) {
    for (const Block* b : set.blocks_of(entity)) order.push_back(b);
  }
  return order;
}

}  // namespace csbridge::mapping
