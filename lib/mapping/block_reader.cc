#include "mapping/block_reader.h"

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <unordered_set>

#include "mapping/row_mapper.h"
#include "util/strings.h"

namespace csbridge::mapping {
namespace {

using Tuple = std::vector<std::optional<std::string>>;

// Values carried into one keyed read per statement at most.
constexpr size_t kKeysPerRead = 10000;  // the default batch (5000 rows) takes one statement a hop

// One hop as the source spells it.
struct HopPlan {
  const RelatedHop* hop = nullptr;
  connector::TableRef table;
  std::string key;                 // the key column's name
  std::string quoted_key;
  std::vector<std::string> columns;  // read after the key
  std::vector<std::string> order;
  std::string filter;              // SQL predicate ("" = none)
};

struct FieldPlan {
  const Related* related = nullptr;
  size_t on = 0;  // input column the path starts from
  std::vector<HopPlan> hops;
};

// Rows of the block plus the columns of its `from:` fields.
class RelatedReader final : public connector::RowReader {
 public:
  RelatedReader(std::unique_ptr<connector::RowReader> inner, std::unique_ptr<connector::Connector> db,
                std::vector<FieldPlan> fields, std::vector<connector::ColumnInfo> columns, std::string subject)
      : inner_(std::move(inner)), db_(std::move(db)), fields_(std::move(fields)), columns_(std::move(columns)),
        subject_(std::move(subject)) {}

  const std::vector<connector::ColumnInfo>& columns() const override { return columns_; }
  int64_t skipped() const override { return inner_->skipped(); }
  std::string position() const override { return inner_->position(); }
  std::string progress_note() const override { return inner_->progress_note(); }

  Result<bool> next(connector::Batch& out) override {
    CSB_ASSIGN_OR_RETURN(bool more, inner_->next(in_));
    for (auto& r : inner_->take_rejects()) rejects_.push_back(std::move(r));
    out.reset(columns_.size());
    if (!more) return false;
    std::vector<std::vector<Tuple>> extra(in_.rows());
    for (const FieldPlan& f : fields_) CSB_RETURN_IF_ERROR(fill(f, extra));
    for (size_t r = 0; r < in_.rows(); ++r) {
      for (size_t c = 0; c < in_.columns(); ++c) {
        if (in_.is_null(r, c)) out.append_null();
        else out.append(in_.get(r, c));
      }
      for (const Tuple& t : extra[r]) {
        for (const auto& v : t) {
          if (v) out.append(*v);
          else out.append_null();
        }
      }
    }
    return true;
  }

 private:
  // Rows of one hop for `keys`: key value → tuples of the hop's columns, in the hop's order.
  Result<std::unordered_map<std::string, std::vector<Tuple>>> read_hop(const HopPlan& hop,
                                                                      const std::vector<std::string>& keys) {
    std::unordered_map<std::string, std::vector<Tuple>> rows;
    for (size_t start = 0; start < keys.size(); start += kKeysPerRead) {
      size_t end = std::min(keys.size(), start + kKeysPerRead);
      std::string in = hop.quoted_key + " IN (";
      for (size_t i = start; i < end; ++i) in += (i > start ? ", " : "") + db_->quote_match(keys[i]);
      in += ")";
      connector::ReadRequest request;
      request.table = hop.table;
      request.columns.push_back(hop.key);
      for (const auto& c : hop.columns) request.columns.push_back(c);
      request.where = hop.filter.empty() ? in : in + " AND (" + hop.filter + ")";
      request.order_by = hop.order;
      request.batch_rows = 5000;
      auto reader = db_->read(request);
      // An engine's message may repeat the statement: the keys listed in it (legacy ids, perhaps
      // phone numbers, up to 10,000 of them) are left out of every error.
      auto failed = [&](const Status& s) {
        std::string message = util::replace_all(s.message(), in, hop.quoted_key + " IN (" +
                                                                      std::to_string(end - start) + " keys)");
        return Status(s.code(), subject_ + ": reading related rows of " + hop.table.display() + ": " + message);
      };
      if (!reader.is_ok()) return failed(reader.status());
      connector::Batch batch;
      while (true) {
        auto more = (*reader)->next(batch);
        if (!more.is_ok()) return failed(more.status());
        // A related row the source cannot decode leaves the field as if the row were not there;
        // the block's own row is read as it is.
        (void)(*reader)->take_rejects();
        if (!*more) break;
        for (size_t r = 0; r < batch.rows(); ++r) {
          if (batch.is_null(r, 0)) continue;
          Tuple t;
          for (size_t c = 1; c < batch.columns(); ++c) {
            if (batch.is_null(r, c)) t.emplace_back(std::nullopt);
            else t.emplace_back(std::string(batch.get(r, c)));
          }
          rows[std::string(batch.get(r, 0))].push_back(std::move(t));
        }
      }
    }
    return rows;
  }

  // The values of field `f` for every row of in_, appended to each row's tuples.
  Status fill(const FieldPlan& f, std::vector<std::vector<Tuple>>& extra) {
    // Per input row, the values reaching the current hop.
    std::vector<std::vector<std::string>> carried(in_.rows());
    for (size_t r = 0; r < in_.rows(); ++r) {
      if (!in_.is_null(r, f.on)) carried[r].emplace_back(in_.get(r, f.on));
    }
    std::vector<std::vector<Tuple>> found(in_.rows());
    for (size_t h = 0; h < f.hops.size(); ++h) {
      std::vector<std::string> keys;
      std::unordered_set<std::string> seen;
      for (const auto& values : carried) {
        for (const auto& v : values) {
          if (seen.insert(v).second) keys.push_back(v);
        }
      }
      std::unordered_map<std::string, std::vector<Tuple>> rows;
      if (!keys.empty()) {
        CSB_ASSIGN_OR_RETURN(rows, read_hop(f.hops[h], keys));
      }
      bool last = h + 1 == f.hops.size();
      for (size_t r = 0; r < in_.rows(); ++r) {
        std::vector<std::string> next;
        for (const auto& v : carried[r]) {
          auto it = rows.find(v);
          if (it == rows.end()) continue;
          for (const Tuple& t : it->second) {
            if (last) found[r].push_back(t);
            else if (t.front()) next.push_back(*t.front());
          }
        }
        carried[r] = std::move(next);
      }
    }
    const Related& rel = *f.related;
    const size_t width = f.hops.back().columns.size();
    for (size_t r = 0; r < in_.rows(); ++r) {
      const auto& list = found[r];
      if (list.empty()) {
        extra[r].emplace_back(width, std::nullopt);
      } else if (rel.pick == Related::Pick::kFirst) {
        extra[r].push_back(list.front());
      } else if (rel.pick == Related::Pick::kLast) {
        extra[r].push_back(list.back());
      } else {
        Tuple joined(width);
        for (size_t c = 0; c < width; ++c) {
          for (const Tuple& t : list) {
            if (!t[c]) continue;
            if (joined[c]) *joined[c] += rel.separator + *t[c];
            else joined[c] = *t[c];
          }
        }
        extra[r].push_back(std::move(joined));
      }
    }
    return Status::ok();
  }

  std::unique_ptr<connector::RowReader> inner_;
  std::unique_ptr<connector::Connector> db_;
  std::vector<FieldPlan> fields_;
  std::vector<connector::ColumnInfo> columns_;
  std::string subject_;
  connector::Batch in_;
};

// The rows of another reader that `keep` keeps, in order: a file or API source's rows that pass
// the block's filter, or a `distinct: true` block's first row of each key. A filter keeps a row
// by its own values, so the inner reader's position is this reader's too; `distinct` remembers
// the last key kept, which a position would not carry.
class SelectingReader final : public connector::RowReader {
 public:
  using Keep = std::function<bool(const connector::Batch&, size_t)>;
  SelectingReader(std::unique_ptr<connector::RowReader> inner, Keep keep, bool stateless)
      : inner_(std::move(inner)), keep_(std::move(keep)), stateless_(stateless) {}
  const std::vector<connector::ColumnInfo>& columns() const override { return inner_->columns(); }
  int64_t skipped() const override { return stateless_ ? inner_->skipped() : 0; }
  std::string position() const override { return stateless_ ? inner_->position() : ""; }
  std::string progress_note() const override { return inner_->progress_note(); }
  Result<bool> next(connector::Batch& out) override {
    while (true) {
      CSB_ASSIGN_OR_RETURN(bool more, inner_->next(in_));
      for (auto& r : inner_->take_rejects()) rejects_.push_back(std::move(r));
      out.reset(in_.columns());
      if (!more) return false;
      for (size_t r = 0; r < in_.rows(); ++r) {
        if (!keep_(in_, r)) continue;
        for (size_t c = 0; c < in_.columns(); ++c) {
          if (in_.is_null(r, c)) out.append_null();
          else out.append(in_.get(r, c));
        }
      }
      if (out.rows() > 0 || !rejects_.empty()) return true;
    }
  }

 private:
  std::unique_ptr<connector::RowReader> inner_;
  Keep keep_;
  bool stateless_;
  connector::Batch in_;
};

// Keeps a row whose key columns differ from the last row kept's (the read is ordered by the key,
// so rows sharing a key come together).
SelectingReader::Keep first_of_each_key(std::vector<size_t> key) {
  auto last = std::make_shared<std::optional<std::vector<std::optional<std::string>>>>();
  return [key = std::move(key), last](const connector::Batch& in, size_t r) {
    std::vector<std::optional<std::string>> values;
    for (size_t k : key) {
      if (in.is_null(r, k)) values.emplace_back(std::nullopt);
      else values.emplace_back(std::string(in.get(r, k)));
    }
    if (*last && **last == values) return false;
    *last = std::move(values);
    return true;
  };
}

Result<HopPlan> plan_hop(SourceNames& names, connector::Connector& db, const RelatedHop& hop) {
  HopPlan p;
  p.hop = &hop;
  CSB_ASSIGN_OR_RETURN(const connector::TableInfo* info, names.table(hop.table));
  p.table = info->ref;
  CSB_ASSIGN_OR_RETURN(p.key, names.column(hop.table, hop.key));
  p.quoted_key = db.quote_name(p.key);
  for (const auto& c : hop.columns) {
    CSB_ASSIGN_OR_RETURN(std::string name, names.column(hop.table, c));
    p.columns.push_back(std::move(name));
  }
  std::vector<std::string> order = hop.order.empty() ? info->primary_key : hop.order;
  for (const auto& c : order) {
    CSB_ASSIGN_OR_RETURN(std::string name, names.column(hop.table, c));
    p.order.push_back(std::move(name));
  }
  CSB_ASSIGN_OR_RETURN(p.filter, condition_sql(hop.filter, hop.table, names.writer(hop.table)));
  return p;
}

}  // namespace

Result<const connector::TableInfo*> SourceNames::table(const std::string& written) {
  if (auto it = tables_.find(written); it != tables_.end()) return &it->second;
  connector::TableRef ref = connector::parse_table_ref(written);
  auto info = db_.describe(ref);
  if (!info.is_ok()) {
    if (info.status().code() == ErrorCode::kUnreachable) return info.status();
    if (!listed_once_) {
      listed_once_ = true;
      auto listed = db_.list_tables();
      if (listed.is_ok()) listed_ = std::move(listed).value();
    }
    std::optional<connector::TableRef> match;
    int matches = 0;
    for (const auto& t : listed_) {
      if (!util::equals_icase(t.name, ref.name)) continue;
      if (!ref.schema.empty() && !util::equals_icase(t.schema, ref.schema)) continue;
      match = t;
      ++matches;
    }
    if (matches != 1) return info.status();
    info = db_.describe(*match);
    if (!info.is_ok()) return info.status();
  }
  return &tables_.emplace(written, std::move(info).value()).first->second;
}

Result<std::string> SourceNames::column(const std::string& table, const std::string& written) {
  CSB_ASSIGN_OR_RETURN(const connector::TableInfo* info, this->table(table));
  auto i = find_column(info->columns, written);
  if (!i) return not_found("table " + info->ref.display() + " has no column '" + written + "'");
  return info->columns[*i].name;
}

std::string SourceNames::quoted(const connector::TableRef& ref) const {
  return ref.schema.empty() ? db_.quote_name(ref.name) : db_.quote_name(ref.schema) + "." + db_.quote_name(ref.name);
}

SqlWriter SourceNames::writer(const std::string& tested) {
  SqlWriter w;
  w.table = [this](const std::string& t) -> Result<std::string> {
    CSB_ASSIGN_OR_RETURN(const connector::TableInfo* info, table(t));
    return quoted(info->ref);
  };
  w.column = [this, tested](const std::string& t, const std::string& c) -> Result<std::string> {
    if (t.empty() && tested.empty()) return db_.quote_name(c);  // a query's result columns
    CSB_ASSIGN_OR_RETURN(std::string name, column(t.empty() ? tested : t, c));
    return db_.quote_name(name);
  };
  w.text = [this](std::string_view text) { return db_.quote_match(text); };
  return w;
}

std::string related_column(const Related& related, const std::string& column) {
  return related.name + "~" + column;
}

namespace {

// The block's filter in the source's SQL ("" when none).
Result<std::string> filter_predicate(connector::Connector& db, const Block& block) {
  SourceNames names(db);
  std::string tested = block.query.empty() ? block.table : "";
  auto filter = condition_sql(block.filter, tested, names.writer(tested));
  if (!filter.is_ok()) return filter.status().with_context(block.display() + ": filter");
  return filter;
}

}  // namespace

Result<std::string> block_predicate(connector::Connector& db, const Block& block) {
  if (!db.runs_sql()) return block.where;
  CSB_ASSIGN_OR_RETURN(std::string filter, filter_predicate(db, block));
  if (block.where.empty()) return filter;
  if (filter.empty()) return block.where;
  return "(" + block.where + ") AND " + filter;
}

Result<std::unique_ptr<connector::RowReader>> read_block(connector::Connector& db, const Block& block,
                                                         connector::ReadRequest request,
                                                         const RelatedOpener& open_related) {
  const bool sql = db.runs_sql();
  if (block.distinct) request.order_by = block.key;  // rows sharing a key must come together
  // Rows a reader skips must be the rows the caller counts: a filter's rows are (the reader
  // starts at a position, after the rows the caller counted), `distinct`'s are not.
  if (block.distinct) {
    request.skip_rows = 0;
    request.resume_position.clear();
  }
  if (sql && block.query.empty()) {
    SourceNames names(db);
    if (auto info = names.table(block.table); info.is_ok()) {
      // The name as the engine spells it; the schema as the mapping wrote it (none: the default).
      request.table = block.table_ref();
      request.table.name = (*info)->ref.name;
      // Columns spelled as the table spells them; one that is not there stays as written, for
      // the connector (or the mapper) to name.
      for (auto* list : {&request.columns, &request.order_by}) {
        for (auto& c : *list) {
          if (auto i = find_column((*info)->columns, c)) c = (*info)->columns[*i].name;
        }
      }
    }
  }
  if (!block.filter.empty()) {
    if (sql) {
      CSB_ASSIGN_OR_RETURN(std::string filter, filter_predicate(db, block));
      if (!filter.empty()) request.where = request.where.empty() ? filter : "(" + request.where + ") AND " + filter;
    } else if (block.filter.reads_tables()) {
      return not_supported(block.display() + ": a filter through another table needs a database source (" +
                           db.backend() + " runs no SQL)");
    }
  }
  CSB_ASSIGN_OR_RETURN(std::unique_ptr<connector::RowReader> reader, db.read(request));
  if (!sql && !block.filter.empty()) {
    CSB_ASSIGN_OR_RETURN(RowTest test, RowTest::bind(block.filter, reader->columns(), block.display() + ": filter"));
    reader = std::make_unique<SelectingReader>(
        std::move(reader), [test = std::move(test)](const connector::Batch& in, size_t r) { return test.matches(in, r); },
        true);
  }
  if (block.distinct) {
    std::vector<size_t> key;
    for (const auto& k : block.key) {
      auto i = find_column(reader->columns(), k);
      if (!i) return not_found(block.display() + ": the source has no column '" + k + "'");
      key.push_back(*i);
    }
    reader = std::make_unique<SelectingReader>(std::move(reader), first_of_each_key(std::move(key)), false);
  }
  std::vector<const FieldMapping*> related;
  for (const auto& f : block.fields) {
    if (f.from && !f.invalid) related.push_back(&f);
  }
  if (related.empty()) return reader;
  if (!sql) {
    return not_supported(block.display() + ": field " + related.front()->field + " reads related rows (from:), which needs a database source (" +
                         db.backend() + " runs no SQL)");
  }
  if (!open_related) return internal_error(block.display() + ": no connection for related rows");
  CSB_ASSIGN_OR_RETURN(std::unique_ptr<connector::Connector> other, open_related());
  SourceNames names(*other);
  std::vector<connector::ColumnInfo> columns = reader->columns();
  std::vector<FieldPlan> plans;
  for (const FieldMapping* f : related) {
    FieldPlan plan;
    plan.related = &*f->from;
    std::string on = f->from->on.empty() ? (block.key.size() == 1 ? block.key.front() : "") : f->from->on;
    auto on_index = find_column(columns, on);
    if (!on_index) {
      return not_found(block.display() + ": field " + f->field + " starts its related rows from column '" + on +
                       "', which the read does not hold");
    }
    plan.on = *on_index;
    for (const RelatedHop& hop : f->from->hops) {
      auto p = plan_hop(names, *other, hop);
      if (!p.is_ok()) return p.status().with_context(block.display() + ": field " + f->field);
      plan.hops.push_back(std::move(p).value());
    }
    for (const auto& c : f->from->hops.back().columns) {
      columns.push_back({related_column(*f->from, c), "", connector::ValueType::kText, true});
    }
    plans.push_back(std::move(plan));
  }
  return std::unique_ptr<connector::RowReader>(std::make_unique<RelatedReader>(
      std::move(reader), std::move(other), std::move(plans), std::move(columns), block.display()));
}

}  // namespace csbridge::mapping
