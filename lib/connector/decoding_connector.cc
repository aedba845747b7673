#include "connector/decoding_connector.h"

#include <algorithm>
#include <utility>

#include "connector/snapshot.h"

namespace csbridge::connector {

util::Encoding TextEncodings::of(const std::string& table, const std::string& column) const {
  if (!columns.empty() && !table.empty()) {
    auto it = columns.find(table + "." + column);
    if (it != columns.end()) return it->second;
  }
  return source.value_or(util::Encoding::kUtf8);
}

namespace {

bool is_text(ValueType t) { return t == ValueType::kText || t == ValueType::kUnknown || t == ValueType::kJson; }

std::optional<size_t> index_of(const std::vector<ColumnInfo>& columns, const std::string& name) {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  return std::nullopt;
}

class DecodingReader final : public RowReader {
 public:
  // plan[c]: the encoding column c is decoded with; nullopt: handed on as read.
  DecodingReader(std::unique_ptr<RowReader> inner, std::vector<std::optional<util::Encoding>> plan,
                 std::vector<size_t> key_columns, std::string subject, Undecodable undecodable)
      : inner_(std::move(inner)),
        plan_(std::move(plan)),
        key_columns_(std::move(key_columns)),
        subject_(std::move(subject)),
        undecodable_(undecodable) {}

  const std::vector<ColumnInfo>& columns() const override { return inner_->columns(); }
  int64_t skipped() const override { return inner_->skipped(); }
  std::string position() const override { return inner_->position(); }
  std::string progress_note() const override { return inner_->progress_note(); }

  Result<bool> next(Batch& out) override {
    out.reset(columns().size());
    for (;;) {
      CSB_ASSIGN_OR_RETURN(bool more, inner_->next(raw_));
      for (RejectedRecord& r : inner_->take_rejects()) rejects_.push_back(std::move(r));
      if (!more) return !out.empty();
      for (size_t r = 0; r < raw_.rows(); ++r) decode_row(r, out);
      // A batch whose every row was rejected is not the end of the read.
      if (!out.empty() || !rejects_.empty()) return true;
    }
  }

 private:
  void decode_row(size_t r, Batch& out) {
    ++row_number_;
    const size_t before = out.rows();
    for (size_t c = 0; c < plan_.size(); ++c) {
      if (raw_.is_null(r, c)) {
        out.append_null();
        continue;
      }
      std::string_view v = raw_.get(r, c);
      if (!plan_[c] || (*plan_[c] != util::Encoding::kUtf8InLatin1 &&
                        util::find_invalid_utf8(v) == std::string_view::npos)) {
        out.append(v);
        continue;
      }
      auto decoded = util::decode_text(v, *plan_[c]);
      if (decoded.is_ok()) {
        out.append(*decoded);
        continue;
      }
      if (undecodable_ == Undecodable::kKeep) {
        out.append(v);
        continue;
      }
      out.truncate_to_rows(before);
      rejects_.push_back({location(r), "column '" + columns()[c].name + "': " + reason(*plan_[c], decoded.status())});
      return;
    }
  }

  static std::string reason(util::Encoding e, const Status& s) {
    if (e == util::Encoding::kUtf8) return s.message();
    return std::string("decodes neither as UTF-8 nor as ") + util::encoding_name(e) + " (" + s.message() + ")";
  }

  std::string location(size_t r) const {
    std::string key;
    for (size_t k : key_columns_) {
      std::string_view v = raw_.is_null(r, k) ? std::string_view("NULL") : raw_.get(r, k);
      if (util::find_invalid_utf8(v) != std::string_view::npos) return subject_ + " row " + std::to_string(row_number_);
      if (!key.empty()) key += '|';
      key += v;
    }
    if (key_columns_.empty()) return subject_ + " row " + std::to_string(row_number_);
    return subject_ + " key=" + key;
  }

  std::unique_ptr<RowReader> inner_;
  std::vector<std::optional<util::Encoding>> plan_;
  std::vector<size_t> key_columns_;
  std::string subject_;
  Undecodable undecodable_;
  Batch raw_;
  int64_t row_number_ = 0;
};

class DecodingConnector final : public Connector, public SnapshotSource {
 public:
  DecodingConnector(std::unique_ptr<Connector> inner, TextEncodings encodings, Undecodable undecodable)
      : inner_(std::move(inner)), encodings_(std::move(encodings)), undecodable_(undecodable) {}

  Result<std::string> hold_snapshot() override {
    auto* inner = dynamic_cast<SnapshotSource*>(inner_.get());
    if (!inner) return Status(ErrorCode::kNotSupported, inner_->backend() + ": no snapshot shared by its reads");
    return inner->hold_snapshot();
  }
  Result<std::unique_ptr<Connector>> related_reader() override {
    auto* inner = dynamic_cast<SnapshotSource*>(inner_.get());
    if (!inner) return Status(ErrorCode::kNotSupported, inner_->backend() + ": no snapshot shared by its reads");
    CSB_ASSIGN_OR_RETURN(std::unique_ptr<Connector> related, inner->related_reader());
    return decoding_connector(std::move(related), encodings_, undecodable_);  // decoded as this one's reads
  }
  bool concurrent_reads() const override {
    auto* inner = dynamic_cast<const SnapshotSource*>(inner_.get());
    return inner != nullptr && inner->concurrent_reads();
  }

  Result<SourceInfo> info() override { return inner_->info(); }
  Result<std::vector<TableRef>> list_tables() override { return inner_->list_tables(); }
  Result<TableInfo> describe(const TableRef& table) override { return inner_->describe(table); }
  Result<RowCount> count(const TableRef& table, bool estimate) override { return inner_->count(table, estimate); }
  Result<TableInfo> describe_query(std::string_view sql) override { return inner_->describe_query(sql); }
  Result<std::unique_ptr<RowWriter>> write(const WriteRequest& request) override { return inner_->write(request); }
  Status execute(std::string_view sql) override { return inner_->execute(sql); }
  std::string backend() const override { return inner_->backend(); }
  std::string quote_name(std::string_view name) const override { return inner_->quote_name(name); }
  std::string quote_text(std::string_view text) const override { return inner_->quote_text(text); }
  std::string quote_match(std::string_view text) const override { return inner_->quote_match(text); }

  Result<std::unique_ptr<RowReader>> read(const ReadRequest& request) override {
    CSB_ASSIGN_OR_RETURN(std::unique_ptr<RowReader> inner, inner_->read(request));
    const std::vector<ColumnInfo>& columns = inner->columns();
    const std::string table = request.query.empty() ? request.table.name : "";
    std::vector<std::optional<util::Encoding>> plan(columns.size());
    bool any = false;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (!is_text(columns[c].type)) continue;
      bool named = !table.empty() && encodings_.columns.count(table + "." + columns[c].name) > 0;
      if (!named && !encodings_.source) continue;
      plan[c] = encodings_.of(table, columns[c].name);
      any = true;
    }
    if (!any) return inner;
    std::vector<size_t> keys;
    CSB_ASSIGN_OR_RETURN(keys, key_columns(request, columns));
    std::string subject = request.query.empty() ? request.table.display() : "query";
    return std::unique_ptr<RowReader>(
        std::make_unique<DecodingReader>(std::move(inner), std::move(plan), std::move(keys), std::move(subject),
                                         undecodable_));
  }

 private:
  // The columns that name a row in reject locations: the read's order, else
  // the table's primary key when the read holds it; none otherwise.
  Result<std::vector<size_t>> key_columns(const ReadRequest& request, const std::vector<ColumnInfo>& columns) {
    std::vector<std::string> names = request.order_by;
    if (names.empty() && request.query.empty()) {
      auto info = inner_->describe(request.table);
      if (info.is_ok()) names = info->primary_key;
    }
    std::vector<size_t> out;
    for (const std::string& n : names) {
      std::optional<size_t> i = index_of(columns, n);
      if (!i) return std::vector<size_t>{};
      out.push_back(*i);
    }
    return out;
  }

  std::unique_ptr<Connector> inner_;
  TextEncodings encodings_;
  Undecodable undecodable_;
};

}  // namespace

std::unique_ptr<Connector> decoding_connector(std::unique_ptr<Connector> inner, TextEncodings encodings,
                                              Undecodable undecodable) {
  return std::make_unique<DecodingConnector>(std::move(inner), std::move(encodings), undecodable);
}

}  // namespace csbridge::connector
