#include "connector/file_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "connector/sorted_reader.h"
#include "util/strings.h"

namespace csbridge::connector {
namespace {

namespace fs = std::filesystem;

constexpr size_t kReadChunkBytes = size_t{64} << 10;
constexpr size_t kMaxIntegerDigits = 18;  // more digits may not fit an int64: decimal

// Column names → position, with a fast path for the usual case where field i
// of a record is column i.
class ColumnSet {
 public:
  static constexpr size_t kAbsent = static_cast<size_t>(-1);

  size_t find(std::string_view name, size_t hint) const {
    if (hint < names_.size() && names_[hint] == name) return hint;
    auto it = index_.find(name);
    return it == index_.end() ? kAbsent : it->second;
  }
  size_t find_or_add(std::string_view name, size_t hint) {
    size_t i = find(name, hint);
    if (i != kAbsent) return i;
    names_.emplace_back(name);
    index_.emplace(names_.back(), names_.size() - 1);
    return names_.size() - 1;
  }
  const std::vector<std::string>& names() const { return names_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> names_;
  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> index_;
};

// Reads the next record that also passes the checks every format shares:
// no two fields of a record may have the same name (JSON duplicate keys,
// "a.b" next to {"a": {"b": …}} after flattening).
Result<bool> next_checked(RecordSource& source, Record& record, std::vector<RejectedRecord>& rejects,
                          std::unordered_set<std::string_view>& seen) {
  for (;;) {
    CSB_ASSIGN_OR_RETURN(bool more, source.next(record, rejects));
    if (!more) return false;
    if (source.fixed_columns() != nullptr) return true;
    seen.clear();
    std::string duplicate;
    for (size_t i = 0; i < record.size() && duplicate.empty(); ++i) {
      if (!seen.insert(record[i].name).second) duplicate = record[i].name;
    }
    if (duplicate.empty()) return true;
    rejects.push_back({source.location(), "two fields are named '" + duplicate + "' (nested names are joined with '.')"});
  }
}

class TypeGuess {
 public:
  void observe(const Field& field) {
    if (field.is_null || seen_ >= kTypeSampleValues || type_ == ValueType::kText) return;
    ++seen_;
    type_ = merge_types(type_, field.kind != ValueType::kUnknown ? field.kind : classify_text(field.value));
  }
  // A column with no non-null value in the sample is text.
  ValueType type() const { return type_ == ValueType::kUnknown ? ValueType::kText : type_; }

 private:
  ValueType type_ = ValueType::kUnknown;
  size_t seen_ = 0;
};

class FileRowReader final : public RowReader {
 public:
  FileRowReader(std::unique_ptr<RecordSource> source, const std::vector<ColumnInfo>& all,
                std::vector<ColumnInfo> selected, int64_t limit, size_t batch_rows)
      : source_(std::move(source)), columns_(std::move(selected)), limit_(limit), batch_rows_(batch_rows) {
    for (const ColumnInfo& c : all) all_.find_or_add(c.name, all_.names().size());
    output_of_.assign(all.size(), ColumnSet::kAbsent);
    for (size_t out = 0; out < columns_.size(); ++out) {
      output_of_[all_.find(columns_[out].name, out)] = out;
    }
    slots_.resize(columns_.size());
  }

  const std::vector<ColumnInfo>& columns() const override { return columns_; }

  Result<bool> next(Batch& out) override {
    out.reset(columns_.size());
    while (!done_ && out.rows() < batch_rows_ && out.bytes() < kMaxBatchBytes) {
      if (limit_ >= 0 && yielded_ >= limit_) {
        done_ = true;
        break;
      }
      CSB_ASSIGN_OR_RETURN(bool more, next_checked(*source_, record_, rejects_, seen_));
      if (!more) {
        done_ = true;
        break;
      }
      std::fill(slots_.begin(), slots_.end(), nullptr);
      for (size_t i = 0; i < record_.size(); ++i) {
        size_t column = all_.find(record_[i].name, i);
        if (column != ColumnSet::kAbsent && output_of_[column] != ColumnSet::kAbsent) {
          slots_[output_of_[column]] = &record_[i];
        }
      }
      for (const Field* f : slots_) {
        if (f == nullptr || f->is_null) {
          out.append_null();
        } else {
          out.append(f->value);
        }
      }
      ++yielded_;
    }
    return !out.empty();
  }

 private:
  std::unique_ptr<RecordSource> source_;
  std::vector<ColumnInfo> columns_;
  ColumnSet all_;                   // every column of the table
  std::vector<size_t> output_of_;   // table column → output column, or kAbsent
  std::vector<const Field*> slots_;  // the current record's field per output column
  Record record_;
  std::unordered_set<std::string_view> seen_;
  int64_t limit_;
  size_t batch_rows_;
  int64_t yielded_ = 0;
  bool done_ = false;
};

class FileConnector final : public Connector {
 public:
  FileConnector(ConnectionString conn, FileFormat format, SourceFactory factory, std::vector<FileTable> tables)
      : conn_(std::move(conn)), format_(std::move(format)), factory_(std::move(factory)), tables_(std::move(tables)) {}

  std::string backend() const override { return format_.backend; }

  Result<SourceInfo> info() override { return SourceInfo{format_.engine, "", conn_.redacted()}; }

  Result<std::vector<TableRef>> list_tables() override {
    std::vector<TableRef> refs;
    for (const FileTable& t : tables_) refs.push_back({"", t.name});
    return refs;
  }

  Result<TableInfo> describe(const TableRef& ref) override {
    CSB_ASSIGN_OR_RETURN(const FileTable* table, find_table(ref));
    CSB_ASSIGN_OR_RETURN(const TableInfo* info, described(*table));
    return *info;
  }

  Result<RowCount> count(const TableRef& ref, bool /*estimate*/) override {
    // Files keep no statistics: the count is always exact.
    CSB_ASSIGN_OR_RETURN(const FileTable* table, find_table(ref));
    CSB_ASSIGN_OR_RETURN(std::unique_ptr<RecordSource> source, factory_(*table));
    Record record;
    std::vector<RejectedRecord> rejects;
    std::unordered_set<std::string_view> seen;
    RowCount count;
    for (;;) {
      CSB_ASSIGN_OR_RETURN(bool more, next_checked(*source, record, rejects, seen));
      if (!more) break;
      ++count.rows;
      rejects.clear();
    }
    return count;
  }

  Result<std::unique_ptr<RowReader>> read(const ReadRequest& request) override {
    // Files run no SQL: the default describe_query says so, naming the backend.
    if (!request.query.empty()) return describe_query(request.query).status();
    CSB_ASSIGN_OR_RETURN(const FileTable* table, find_table(request.table));
    if (!request.changed_since.column.empty()) {
      return not_supported("the " + format_.backend + " backend cannot read only the rows changed since a time (" +
                           "--since) of table '" + request.table.name + "': a file is read whole");
    }
    if (!request.where.empty()) {
      return not_supported("the " + format_.backend + " backend cannot filter rows with SQL (where) of table '" +
                           table->name + "': test them by column values with the block's filter: instead");
    }
    CSB_ASSIGN_OR_RETURN(const TableInfo* info, described(*table));
    std::vector<ColumnInfo> selected;
    if (request.columns.empty()) {
      selected = info->columns;
    } else {
      for (const std::string& name : request.columns) {
        auto it = std::find_if(info->columns.begin(), info->columns.end(),
                               [&](const ColumnInfo& c) { return c.name == name; });
        if (it == info->columns.end()) return missing_column(*info, name);
        selected.push_back(*it);
      }
    }
    CSB_ASSIGN_OR_RETURN(std::unique_ptr<RecordSource> source, factory_(*table));
    size_t batch_rows = std::max<size_t>(request.batch_rows, 1);
    if (!request.order_by.empty()) {
      // Sorted by the columns asked (sorted_reader.h), the limit applied after the sort.
      for (const std::string& name : request.order_by) {
        if (std::none_of(selected.begin(), selected.end(), [&](const ColumnInfo& c) { return c.name == name; })) {
          auto it = std::find_if(info->columns.begin(), info->columns.end(),
                                 [&](const ColumnInfo& c) { return c.name == name; });
          if (it == info->columns.end()) return missing_column(*info, name);
          return not_supported("the " + format_.backend + " backend sorts rows only by columns it reads ('" + name +
                               "' of table '" + table->name + "')");
        }
      }
      auto whole = std::make_unique<FileRowReader>(std::move(source), info->columns, std::move(selected), -1, batch_rows);
      return sort_rows(std::move(whole), request.order_by, batch_rows, request.limit);
    }
    return std::unique_ptr<RowReader>(std::make_unique<FileRowReader>(std::move(source), info->columns,
                                                                      std::move(selected), request.limit, batch_rows));
  }

 private:
  Result<const FileTable*> find_table(const TableRef& ref) const {
    // A stem may hold dots ("orders.2023"); a caller that split it at the dot still finds it.
    std::string wanted = ref.display();
    for (const FileTable& t : tables_) {
      if (t.name == wanted) return &t;
    }
    std::vector<std::string> names;
    for (const FileTable& t : tables_) names.push_back(t.name);
    return not_found("no table '" + wanted + "' in " + conn_.redacted() + "; tables: " +
                     (names.empty() ? std::string("(none)") : util::join(names, ", ")));
  }

  Status missing_column(const TableInfo& info, const std::string& name) const {
    std::vector<std::string> names;
    for (const ColumnInfo& c : info.columns) names.push_back(c.name);
    std::string hint = util::closest_match(name, names);
    return not_found("no column '" + name + "' in table '" + info.ref.display() + "'" +
                     (hint.empty() ? "" : ", did you mean '" + hint + "'?") + "; columns: " + util::join(names, ", "));
  }

  // Scans the table once (the whole file for formats whose columns are the
  // union of the records' fields) and keeps the result for later calls.
  Result<const TableInfo*> described(const FileTable& table) {
    auto cached = described_.find(table.name);
    if (cached != described_.end()) return &cached->second;

    CSB_ASSIGN_OR_RETURN(std::unique_ptr<RecordSource> source, factory_(table));
    ColumnSet columns;
    std::vector<TypeGuess> guesses;
    const std::vector<std::string>* fixed = source->fixed_columns();
    if (fixed != nullptr) {
      for (const std::string& name : *fixed) columns.find_or_add(name, columns.names().size());
      guesses.resize(columns.names().size());
    }
    Record record;
    std::vector<RejectedRecord> rejects;
    std::unordered_set<std::string_view> seen;
    for (size_t records = 0; fixed == nullptr || records < kTypeSampleValues; ++records) {
      CSB_ASSIGN_OR_RETURN(bool more, next_checked(*source, record, rejects, seen));
      if (!more) break;
      rejects.clear();
      for (size_t i = 0; i < record.size(); ++i) {
        size_t column = columns.find_or_add(record[i].name, i);
        if (column >= guesses.size()) guesses.resize(column + 1);
        guesses[column].observe(record[i]);
      }
    }

    TableInfo info;
    info.ref = {"", table.name};
    guesses.resize(columns.names().size());
    for (size_t i = 0; i < columns.names().size(); ++i) {
      info.columns.push_back(ColumnInfo{columns.names()[i], "", guesses[i].type(), true});
    }
    return &described_.emplace(table.name, std::move(info)).first->second;
  }

  ConnectionString conn_;
  FileFormat format_;
  SourceFactory factory_;
  std::vector<FileTable> tables_;
  std::map<std::string, TableInfo> described_;
};

bool has_extension(const fs::path& path, const std::vector<std::string>& extensions) {
  std::string name = path.filename().string();
  return std::any_of(extensions.begin(), extensions.end(),
                     [&](const std::string& ext) { return util::ends_with_icase(name, ext); });
}

Result<std::vector<FileTable>> list_files(const ConnectionString& conn, const FileFormat& format) {
  fs::path target(conn.target);
  std::error_code ec;
  fs::file_status status = fs::status(target, ec);
  if (!fs::exists(status)) {
    return unreachable("cannot open " + conn.redacted() + ": no such file or folder '" + conn.target + "'");
  }
  if (!fs::is_directory(status)) return std::vector<FileTable>{{target.stem().string(), target}};

  std::vector<FileTable> tables;
  for (fs::directory_iterator it(target, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    std::error_code file_ec;
    if (path.filename().string().starts_with(".") || !has_extension(path, format.extensions) ||
        !fs::is_regular_file(path, file_ec)) {
      continue;
    }
    tables.push_back({path.stem().string(), path});
  }
  if (ec) return unreachable("cannot list the folder of " + conn.redacted() + ": " + ec.message());
  std::sort(tables.begin(), tables.end(), [](const FileTable& a, const FileTable& b) {
    return a.name != b.name ? a.name < b.name : a.path.filename() < b.path.filename();
  });
  for (size_t i = 1; i < tables.size(); ++i) {
    if (tables[i].name == tables[i - 1].name) {
      return invalid_argument("folder '" + conn.target + "' holds two files for table '" + tables[i].name +
                              "': " + tables[i - 1].file_name() + " and " + tables[i].file_name());
    }
  }
  return tables;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Value of the `n` digits at s[pos…], or -1 when they are not all digits.
int digits_at(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

ValueType classify_number(std::string_view s) {
  size_t i = s.starts_with('-') ? 1 : 0;
  size_t int_start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  size_t int_digits = i - int_start;
  if (int_digits == 0 || (int_digits > 1 && s[int_start] == '0')) return ValueType::kText;
  if (i == s.size()) return int_digits <= kMaxIntegerDigits ? ValueType::kInteger : ValueType::kDecimal;
  bool exponent = false;
  if (s[i] == '.') {
    size_t frac_start = ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == frac_start) return ValueType::kText;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    exponent = true;
    if (++i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == exp_start) return ValueType::kText;
  }
  if (i != s.size()) return ValueType::kText;
  return exponent ? ValueType::kReal : ValueType::kDecimal;
}

bool is_date_at(std::string_view s, size_t pos) {
  int year = digits_at(s, pos, 4), month = digits_at(s, pos + 5, 2), day = digits_at(s, pos + 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || s[pos + 4] != '-' || s[pos + 7] != '-') return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// Length of "HH:MM:SS[.fraction]" at s[pos…], or 0.
size_t time_length_at(std::string_view s, size_t pos) {
  int hour = digits_at(s, pos, 2), minute = digits_at(s, pos + 3, 2), second = digits_at(s, pos + 6, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60 || s[pos + 2] != ':' ||
      s[pos + 5] != ':') {
    return 0;
  }
  size_t end = pos + 8;
  if (end < s.size() && s[end] == '.') {
    size_t frac = ++end;
    while (end < s.size() && is_digit(s[end])) ++end;
    if (end == frac) return 0;
  }
  return end - pos;
}

// True when s[pos…] is exactly a zone: Z, ±HH, ±HHMM or ±HH:MM.
bool is_zone(std::string_view z) {
  if (z == "Z") return true;
  if (z.empty() || (z[0] != '+' && z[0] != '-') || digits_at(z, 1, 2) < 0) return false;
  z.remove_prefix(3);
  if (z.starts_with(':')) z.remove_prefix(1);
  return z.empty() || (z.size() == 2 && digits_at(z, 0, 2) >= 0);
}

}  // namespace

Field& Record::add(std::string_view name) {
  if (size_ == fields_.size()) fields_.emplace_back();
  Field& f = fields_[size_++];
  f.name.assign(name);
  f.value.clear();
  f.is_null = false;
  f.kind = ValueType::kUnknown;
  return f;
}

Result<std::unique_ptr<Connector>> open_file_connector(const ConnectionString& conn, FileFormat format,
                                                       SourceFactory factory) {
  CSB_ASSIGN_OR_RETURN(std::vector<FileTable> tables, list_files(conn, format));
  return std::unique_ptr<Connector>(
      std::make_unique<FileConnector>(conn, std::move(format), std::move(factory), std::move(tables)));
}

Status check_options(const ConnectionString& conn, const std::vector<std::string>& known, std::string_view backend) {
  for (const auto& [key, value] : conn.options) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string hint = util::closest_match(key, known);
    return invalid_argument("connection string '" + conn.redacted() + "': unknown " + std::string(backend) +
                            " option '" + key + "'" + (hint.empty() ? "" : ", did you mean '" + hint + "'?") +
                            "; " + std::string(backend) + " options: " + util::join(known, ", "));
  }
  return Status::ok();
}

Result<util::Encoding> encoding_option(const ConnectionString& conn) {
  auto encoding = util::parse_encoding(conn.option("encoding", "utf-8"));
  if (!encoding) return encoding.status().with_context("connection string '" + conn.redacted() + "'");
  return *encoding;
}

Result<bool> bool_option(const ConnectionString& conn, const std::string& key, bool fallback) {
  auto it = conn.options.find(key);
  if (it == conn.options.end()) return fallback;
  if (util::equals_icase(it->second, "true")) return true;
  if (util::equals_icase(it->second, "false")) return false;
  return invalid_argument("connection string '" + conn.redacted() + "': " + key + " must be true or false, not '" +
                          it->second + "'");
}

ValueType classify_text(std::string_view s) {
  if (s.empty()) return ValueType::kText;
  if (s == "true" || s == "false") return ValueType::kBoolean;
  if (s[0] == '-' || is_digit(s[0])) {
    ValueType number = classify_number(s);
    if (number != ValueType::kText) return number;
  }
  constexpr size_t kDateLength = 10;  // YYYY-MM-DD
  if (s.size() >= kDateLength && is_date_at(s, 0)) {
    if (s.size() == kDateLength) return ValueType::kDate;
    if (s[kDateLength] != 'T' && s[kDateLength] != ' ') return ValueType::kText;
    size_t time = time_length_at(s, kDateLength + 1);
    if (time == 0) return ValueType::kText;
    std::string_view zone = s.substr(kDateLength + 1 + time);
    if (zone.empty()) return ValueType::kTimestamp;
    return is_zone(zone) ? ValueType::kTimestampTz : ValueType::kText;
  }
  size_t time = time_length_at(s, 0);
  return time != 0 && time == s.size() ? ValueType::kTime : ValueType::kText;
}

ValueType merge_types(ValueType a, ValueType b) {
  if (a == ValueType::kUnknown || a == b) return b;
  if (b == ValueType::kUnknown) return a;
  auto numeric_rank = [](ValueType t) {
    switch (t) {
      case ValueType::kInteger: return 1;
      case ValueType::kDecimal: return 2;
      case ValueType::kReal: return 3;
      default: return 0;
    }
  };
  if (numeric_rank(a) != 0 && numeric_rank(b) != 0) return numeric_rank(a) > numeric_rank(b) ? a : b;
  if ((a == ValueType::kDate && b == ValueType::kTimestamp) || (a == ValueType::kTimestamp && b == ValueType::kDate)) {
    return ValueType::kTimestamp;
  }
  return ValueType::kText;
}

std::string line_col(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return std::to_string(line) + ":" + std::to_string(offset - line_start + 1);
}

std::string describe_byte(unsigned char c) {
  if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("0x") + kHex[c >> 4] + kHex[c & 0xF];
}

bool is_double_byte(util::Encoding e) {
  return e == util::Encoding::kGbk || e == util::Encoding::kGb18030 || e == util::Encoding::kBig5;
}

Status append_decoded(std::string& out, std::string_view raw, util::Encoding declared) {
  if (util::find_invalid_utf8(raw) == std::string_view::npos) {
    out.append(raw);
    return Status::ok();
  }
  auto decoded = util::decode_text(raw, declared);
  if (!decoded) return decoded.status();
  out.append(*decoded);
  return Status::ok();
}

Result<std::string> read_whole_file(const FileTable& table, std::string_view backend, std::string_view hint) {
  std::error_code ec;
  uint64_t size = fs::file_size(table.path, ec);
  if (ec) return io_error("cannot read " + table.path.string() + ": " + ec.message());
  if (size > kMaxDocumentBytes) {
    return data_error(table.file_name() + " has " + std::to_string(size) + " bytes, over the " +
                      std::to_string(kMaxDocumentBytes >> 20) + " MiB a " + std::string(backend) +
                      " document may have (it is parsed whole)" + std::string(hint));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(table.path.c_str(), "rb"), &std::fclose);
  if (file == nullptr) return io_error("cannot open " + table.path.string() + ": " + std::strerror(errno));
  std::string text(size, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), file.get()));
  if (std::ferror(file.get())) return io_error("cannot read " + table.path.string() + ": " + std::strerror(errno));
  return text;
}

Result<ByteReader> ByteReader::open(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return io_error("cannot open " + path.string() + ": " + std::strerror(errno));
  ByteReader reader;
  reader.file_.reset(f);
  reader.path_ = path;
  reader.buffer_.resize(kReadChunkBytes);
  return reader;
}

bool ByteReader::fill() {
  if (!status_.is_ok()) return false;
  base_ += len_;
  pos_ = len_ = 0;
  len_ = std::fread(buffer_.data(), 1, buffer_.size(), file_.get());
  if (len_ == 0 && std::ferror(file_.get())) {
    status_ = io_error("cannot read " + path_.string() + ": " + std::strerror(errno));
  }
  return len_ > 0;
}

Status ByteReader::seek(uint64_t offset) {
  if (fseeko(file_.get(), static_cast<off_t>(offset), SEEK_SET) != 0) {
    return io_error("cannot seek in " + path_.string() + ": " + std::strerror(errno));
  }
  base_ = offset;
  pos_ = len_ = 0;
  return Status::ok();
}

}  // namespace csbridge::connector
