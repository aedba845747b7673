#include "connector/csv_connector.h"

#include <optional>

#include "connector/file_source.h"
#include "util/strings.h"

namespace csbridge::connector {
namespace {

const std::vector<std::string> kOptions = {"encoding", "delimiter", "header", "quote", "null"};

struct CsvOptions {
  util::Encoding encoding = util::Encoding::kUtf8;
  std::optional<char> delimiter;  // unset: tab for .tsv files, ',' for the others
  char quote = '"';
  bool header = true;
  std::optional<std::string> null_text;  // unset: an empty unquoted field is NULL
};

Result<char> single_char_option(const ConnectionString& conn, const std::string& key, std::string_view value) {
  if (key == "delimiter" && (util::equals_icase(value, "tab") || value == "\\t")) return '\t';
  if (value.size() != 1 || value[0] == '\n' || value[0] == '\r') {
    return invalid_argument("connection string '" + conn.redacted() + "': " + key + " must be one character" +
                            (key == "delimiter" ? " or 'tab'" : "") + ", not '" + std::string(value) + "'");
  }
  return value[0];
}

Result<CsvOptions> parse_options(const ConnectionString& conn) {
  CSB_RETURN_IF_ERROR(check_options(conn, kOptions, "csv"));
  CsvOptions o;
  CSB_ASSIGN_OR_RETURN(o.encoding, encoding_option(conn));
  CSB_ASSIGN_OR_RETURN(o.header, bool_option(conn, "header", true));
  if (auto it = conn.options.find("delimiter"); it != conn.options.end()) {
    CSB_ASSIGN_OR_RETURN(o.delimiter, single_char_option(conn, "delimiter", it->second));
  }
  if (auto it = conn.options.find("quote"); it != conn.options.end()) {
    CSB_ASSIGN_OR_RETURN(o.quote, single_char_option(conn, "quote", it->second));
  }
  if (o.delimiter == o.quote) {
    return invalid_argument("connection string '" + conn.redacted() + "': delimiter and quote are the same character");
  }
  if (auto it = conn.options.find("null"); it != conn.options.end() && !it->second.empty()) o.null_text = it->second;
  return o;
}

// One record as scanned: field contents (quotes removed) back to back in `bytes`.
struct RawRecord {
  struct Span {
    size_t begin, end;
    bool quoted;
  };
  uint64_t line = 0;              // the line the record starts on
  uint64_t after_first_line = 0;  // file offset past its first line end when it spans lines, else 0
  std::string bytes;
  std::vector<Span> fields;
  std::string problem;  // a quoting error: the record is rejected
  bool unterminated = false;
  bool too_long = false;
  bool blank = false;

  void reset(uint64_t start_line) {
    line = start_line;
    after_first_line = 0;
    bytes.clear();
    fields.clear();
    problem.clear();
    unterminated = too_long = blank = false;
  }
  std::string_view field(size_t i) const {
    return std::string_view(bytes).substr(fields[i].begin, fields[i].end - fields[i].begin);
  }
};

// Streams the records of one CSV file (RFC 4180 with the usual liberties:
// LF, CRLF or bare CR line ends, a quote inside an unquoted field is data).
class CsvSource final : public RecordSource {
 public:
  CsvSource(const FileTable& table, const CsvOptions& options, ByteReader in)
      : file_(table.file_name()),
        options_(options),
        delimiter_(static_cast<unsigned char>(options.delimiter.value_or(util::ends_with_icase(file_, ".tsv") ? '\t' : ','))),
        quote_(static_cast<unsigned char>(options.quote)),
        in_(std::move(in)) {
    // Only when the delimiter or the quote can be the second byte of a
    // legacy double-byte character must the scanner step over characters; it
    // is not done otherwise because it would mis-split UTF-8 text in such a file.
    double_byte_ = is_double_byte(options.encoding) &&
                   (is_trail_byte(delimiter_) || is_trail_byte(quote_));
  }

  Status start() {
    CSB_RETURN_IF_ERROR(skip_bom());
    bool more = false;
    do {
      CSB_ASSIGN_OR_RETURN(more, scan(raw_));
    } while (more && raw_.blank);
    if (!more) return Status::ok();
    if (!options_.header) {
      for (size_t i = 1; i <= raw_.fields.size(); ++i) columns_.push_back("c" + std::to_string(i));
      pending_ = true;
      return Status::ok();
    }
    std::string where = file_ + ":" + std::to_string(raw_.line) + ": header";
    if (raw_.unterminated || !raw_.problem.empty()) return data_error(where + ": " + raw_.problem);
    if (raw_.too_long) return data_error(where + " is longer than the record limit");
    for (size_t i = 0; i < raw_.fields.size(); ++i) {
      std::string name;
      Status decoded = append_decoded(name, raw_.field(i), options_.encoding);
      if (!decoded.is_ok()) return data_error(where + " field " + std::to_string(i + 1) + ": " + decoded.message());
      if (name.empty()) name = "c" + std::to_string(i + 1);
      for (size_t j = 0; j < columns_.size(); ++j) {
        if (columns_[j] == name) {
          return data_error(where + ": fields " + std::to_string(j + 1) + " and " + std::to_string(i + 1) +
                            " are both named '" + name + "' (header=false reads the file with columns c1..cN)");
        }
      }
      columns_.push_back(std::move(name));
    }
    return Status::ok();
  }

  const std::vector<std::string>* fixed_columns() const override { return &columns_; }

  std::string location() const override { return file_ + ":" + std::to_string(raw_.line); }

  Result<bool> next(Record& out, std::vector<RejectedRecord>& rejects) override {
    for (;;) {
      if (!pending_) {
        CSB_ASSIGN_OR_RETURN(bool more, scan(raw_));
        if (!more) return false;
      }
      pending_ = false;
      // A blank line is no record, except in a one-column file where it is a NULL.
      if (raw_.blank && columns_.size() != 1) continue;
      if (raw_.unterminated || (!raw_.problem.empty() && raw_.after_first_line != 0)) {
        // A stray quote swallowed the lines after it: reject the line it is
        // on and read the following lines again as records of their own.
        rejects.push_back({location(), raw_.problem});
        if (raw_.after_first_line != 0) {
          CSB_RETURN_IF_ERROR(in_.seek(raw_.after_first_line));
          line_ = raw_.line + 1;
        }
        continue;
      }
      if (!raw_.problem.empty()) {
        rejects.push_back({location(), raw_.problem});
        continue;
      }
      if (raw_.too_long) {
        rejects.push_back({location(), "record is longer than the limit of " + std::to_string(kMaxRecordBytes) +
                                           " bytes"});
        continue;
      }
      if (raw_.fields.size() != columns_.size()) {
        rejects.push_back({location(), "expected " + std::to_string(columns_.size()) + " fields, found " +
                                           std::to_string(raw_.fields.size())});
        continue;
      }
      if (fill(out, rejects)) return true;
    }
  }

 private:
  Status skip_bom() {
    static constexpr unsigned char kBom[] = {0xEF, 0xBB, 0xBF};
    for (unsigned char b : kBom) {
      if (in_.get() != b) return in_.seek(0);
    }
    return Status::ok();
  }

  // Decodes the fields of raw_ into `out`; false (and a reject) when one does not decode.
  bool fill(Record& out, std::vector<RejectedRecord>& rejects) {
    out.clear();
    for (size_t i = 0; i < columns_.size(); ++i) {
      Field& f = out.add(columns_[i]);
      Status decoded = append_decoded(f.value, raw_.field(i), options_.encoding);
      if (!decoded.is_ok()) {
        rejects.push_back({location(), "field " + std::to_string(i + 1) + " (" + columns_[i] + "): " +
                                           decoded.message()});
        return false;
      }
      if (!raw_.fields[i].quoted) {
        f.is_null = options_.null_text ? f.value == *options_.null_text : f.value.empty();
      }
    }
    return true;
  }

  void append(RawRecord& r, int c) {
    if (r.bytes.size() < kMaxRecordBytes) {
      r.bytes.push_back(static_cast<char>(c));
    } else {
      r.too_long = true;
    }
  }

  // Appends `c` and, when it starts a double-byte character, its second byte.
  void append_char(RawRecord& r, int c) {
    append(r, c);
    if (double_byte_ && is_lead_byte(static_cast<unsigned char>(c))) {
      int next = in_.peek();
      if (next >= 0 && is_trail_byte(static_cast<unsigned char>(next))) append(r, in_.get());
    }
  }

  // After a CR or LF: a CRLF pair is one line end.
  void end_line(int c) {
    if (c == '\r' && in_.peek() == '\n') in_.get();
    ++line_;
  }

  void end_field(RawRecord& r, bool quoted) {
    size_t begin = r.fields.empty() ? 0 : r.fields.back().end;
    r.fields.push_back({begin, r.bytes.size(), quoted});
  }

  // Reads one record; false at the end of the file.
  Result<bool> scan(RawRecord& r) {
    int c = in_.peek();
    if (c < 0) {
      CSB_RETURN_IF_ERROR(in_.status());
      return false;
    }
    r.reset(line_);
    if (c == '\n' || c == '\r') {
      end_line(in_.get());
      r.blank = true;
      end_field(r, false);
      return true;
    }
    enum class State { kFieldStart, kUnquoted, kQuoted, kAfterQuote };
    State state = State::kFieldStart;
    bool quoted = false;
    auto field_problem = [&](std::string what) {
      if (r.problem.empty()) r.problem = "field " + std::to_string(r.fields.size() + 1) + ": " + what;
    };
    for (;;) {
      c = in_.get();
      if (c < 0) {
        CSB_RETURN_IF_ERROR(in_.status());
        if (state == State::kQuoted) {
          r.unterminated = true;
          r.problem.clear();
          field_problem(std::string("quoted field is not closed (no ") + describe_byte(quote_) +
                        " before the end of the file)");
        }
        end_field(r, quoted);
        return true;
      }
      switch (state) {
        case State::kFieldStart:
          if (c == quote_) {
            quoted = true;
            state = State::kQuoted;
            continue;
          }
          state = State::kUnquoted;
          [[fallthrough]];
        case State::kUnquoted:
          if (c == delimiter_) {
            end_field(r, quoted);
            quoted = false;
            state = State::kFieldStart;
          } else if (c == '\n' || c == '\r') {
            end_line(c);
            end_field(r, quoted);
            return true;
          } else {
            append_char(r, c);
          }
          continue;
        case State::kQuoted:
          if (c == quote_) {
            state = State::kAfterQuote;
          } else if (c == '\n' || c == '\r') {
            append(r, c);
            if (c == '\r' && in_.peek() == '\n') append(r, in_.get());
            ++line_;
            if (r.after_first_line == 0) r.after_first_line = in_.offset();
          } else {
            append_char(r, c);
          }
          continue;
        case State::kAfterQuote:
          if (c == quote_) {
            append(r, c);
            state = State::kQuoted;
          } else if (c == delimiter_) {
            end_field(r, quoted);
            quoted = false;
            state = State::kFieldStart;
          } else if (c == '\n' || c == '\r') {
            end_line(c);
            end_field(r, quoted);
            return true;
          } else {
            field_problem(describe_byte(static_cast<unsigned char>(c)) + " after the closing quote");
            append_char(r, c);
            state = State::kUnquoted;
          }
          continue;
      }
    }
  }

  std::string file_;
  CsvOptions options_;
  int delimiter_;  // as bytes compare: 0..255
  int quote_;
  bool double_byte_ = false;
  ByteReader in_;
  uint64_t line_ = 1;  // the line of the next byte
  RawRecord raw_;
  bool pending_ = false;  // raw_ holds the first record, read to count the columns (header=false)
  std::vector<std::string> columns_;
};

}  // namespace

Result<std::unique_ptr<Connector>> open_csv(const ConnectionString& conn) {
  CSB_ASSIGN_OR_RETURN(CsvOptions options, parse_options(conn));
  SourceFactory factory = [options](const FileTable& table) -> Result<std::unique_ptr<RecordSource>> {
    CSB_ASSIGN_OR_RETURN(ByteReader in, ByteReader::open(table.path));
    auto source = std::make_unique<CsvSource>(table, options, std::move(in));
    CSB_RETURN_IF_ERROR(source->start());
    return std::unique_ptr<RecordSource>(std::move(source));
  };
  return open_file_connector(conn, {"csv", "CSV", {".csv", ".tsv"}}, std::move(factory));
}

}  // namespace csbridge::connector
