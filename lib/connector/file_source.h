// What the file backends (csv, json/jsonl, xml) share. A connection names a
// file or a folder; every file is one table named after its stem. A format
// only turns one file into records (RecordSource); open_file_connector turns
// records into the connector contract: describe (the union of field names in
// first-seen order, types inferred from the values), exact count, and batched
// reads with rejects. describe, count and read all go through the same record
// pipeline, so count() is exactly the number of rows read() yields (rejected
// records excluded).
// Internal to lib/connector: the public factories are open_csv/open_json/open_xml.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connector/connector.h"
#include "util/encoding.h"

namespace csbridge::connector {

// Caps every file backend applies (docs/reliability.md: a cap and a clear message, never a crash).
inline constexpr int kMaxNestingDepth = 64;                     // JSON arrays/objects, XML elements
inline constexpr size_t kMaxRecordBytes = size_t{64} << 20;     // one CSV record or JSONL line
inline constexpr uint64_t kMaxDocumentBytes = uint64_t{512} << 20;  // a JSON or XML file, parsed whole
inline constexpr size_t kMaxBatchBytes = size_t{64} << 20;      // a batch ends early past this much text
inline constexpr size_t kTypeSampleValues = 1000;              // non-null values per column for type inference

struct FileTable {
  std::string name;  // the file's stem: the table name
  std::filesystem::path path;
  // The file name as messages show it ("orders.csv").
  std::string file_name() const { return path.filename().string(); }
};

// One field of a record, its value already UTF-8.
struct Field {
  std::string name;
  std::string value;
  bool is_null = false;
  // What the source knows of the value's type (a JSON number, an array);
  // kUnknown lets describe classify the text.
  ValueType kind = ValueType::kUnknown;
};

// The fields of one record. Storage is reused from record to record.
class Record {
 public:
  void clear() { size_ = 0; }
  Field& add(std::string_view name);
  size_t size() const { return size_; }
  const Field& operator[](size_t i) const { return fields_[i]; }

 private:
  std::vector<Field> fields_;
  size_t size_ = 0;
};

// The records of one file, in file order.
class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // The columns every record has, known before any record (a CSV header);
  // nullptr when the columns are the union of the records' fields.
  virtual const std::vector<std::string>* fixed_columns() const { return nullptr; }
  // Reads the next good record into `out` (false at the end). Records that
  // cannot be read are appended to `rejects` and skipped. A failure (I/O, a
  // malformed document) ends the reading.
  virtual Result<bool> next(Record& out, std::vector<RejectedRecord>& rejects) = 0;
  // Where the record last returned by next() is ("orders.csv:17").
  virtual std::string location() const = 0;
};

using SourceFactory = std::function<Result<std::unique_ptr<RecordSource>>(const FileTable&)>;

struct FileFormat {
  std::string backend;                  // "csv": Connector::backend()
  std::string engine;                   // "CSV": SourceInfo::engine
  std::vector<std::string> extensions;  // ".csv", ".tsv": files of a folder that are tables
};

// Lists the tables of conn.target (a file, or the files of a folder with one of
// the format's extensions, sorted, dot files skipped) and returns the
// connector. A missing path fails with kUnreachable naming it; two files of a
// folder with the same stem fail with kInvalidArgument.
Result<std::unique_ptr<Connector>> open_file_connector(const ConnectionString& conn, FileFormat format,
                                                       SourceFactory factory);

// Fails with kInvalidArgument when conn has an option not in `known` (typos
// such as "delimeter" must not be ignored).
Status check_options(const ConnectionString& conn, const std::vector<std::string>& known, std::string_view backend);
// The encoding= option (default UTF-8).
Result<util::Encoding> encoding_option(const ConnectionString& conn);
// A true|false option.
Result<bool> bool_option(const ConnectionString& conn, const std::string& key, bool fallback);

// The type text looks like: integer (no leading zeros, at most 18 digits),
// decimal, real (with an exponent), boolean ("true"/"false"), date
// (YYYY-MM-DD), time, timestamp (date, 'T' or ' ', HH:MM:SS[.f]) with or
// without a zone (Z, ±HH[:MM]); anything else is kText.
ValueType classify_text(std::string_view text);
// The type of a column holding values of both types (integer + decimal =
// decimal, date + timestamp = timestamp, other mixes = text).
ValueType merge_types(ValueType a, ValueType b);

// The 1-based "line:column" (column in bytes) of `offset` in `text`.
std::string line_col(std::string_view text, size_t offset);
// A byte as a message shows it: 'x' when printable ASCII, else 0xNN.
std::string describe_byte(unsigned char c);
// GBK/GB18030/Big5: a byte >= 0x81 starts a two-byte (or four-byte)
// character whose second byte may be ASCII ('|', '\\', '{' …).
bool is_double_byte(util::Encoding e);
inline bool is_lead_byte(unsigned char c) { return c >= 0x81 && c != 0xFF; }
// A byte that can follow a lead byte (0x30-0x39 in GB18030's four-byte forms).
inline bool is_trail_byte(unsigned char c) { return (c >= 0x30 && c <= 0x39) || (c >= 0x40 && c <= 0x7E) || c >= 0x80; }

// Appends `raw` to `out` as UTF-8 with util::decode_text's rule (valid UTF-8
// is kept, anything else is decoded from `declared`). On failure `out` is left
// as it was and the Status names the encoding and the offset within `raw`.
Status append_decoded(std::string& out, std::string_view raw, util::Encoding declared);

// Reads a whole file, refusing files over kMaxDocumentBytes with a message
// naming the file, its size and the limit.
Result<std::string> read_whole_file(const FileTable& table, std::string_view backend, std::string_view hint);

// Buffered sequential reading of a file with seeking, for the streaming formats.
class ByteReader {
 public:
  static Result<ByteReader> open(const std::filesystem::path& path);

  // The next byte, or -1 at the end of the file or on a read error (see status()).
  int get() {
    if (pos_ == len_ && !fill()) return -1;
    return static_cast<unsigned char>(buffer_[pos_++]);
  }
  int peek() {
    if (pos_ == len_ && !fill()) return -1;
    return static_cast<unsigned char>(buffer_[pos_]);
  }
  // Offset of the next byte from the start of the file.
  uint64_t offset() const { return base_ + pos_; }
  Status seek(uint64_t offset);
  // Not ok after a read error.
  const Status& status() const { return status_; }

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  bool fill();

  std::unique_ptr<std::FILE, Closer> file_;
  std::filesystem::path path_;
  std::vector<char> buffer_;
  size_t pos_ = 0, len_ = 0;
  uint64_t base_ = 0;  // file offset of buffer_[0]
  Status status_;
};

}  // namespace csbridge::connector
