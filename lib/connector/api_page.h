// One JSON page of an API listing (api_connector.cc): its records flattened
// into rows and the values of its paging fields.
//
// Flattening: a record's members become columns named by their path joined
// with '.' ({"a":{"b":1}} gives a.b = "1"); strings as their text, true/false
// as such, null as NULL, numbers and arrays as compact JSON text (numbers in
// the form a JSON document library writes them: 1.50 → 1.5, 1e2 → 100.0).
// A member named "" of a record whose value is an object is kept whole as
// JSON text. Records that are not objects are listed by position.
//
// Two readers give the same result: read_api_page_document() builds a whole
// JSON document first (nlohmann::json); scan_api_page() reads the text once,
// straight into rows, and hands the pages it does not take on (a syntax
// error, an object that repeats a key, deep nesting) back to the document
// reader. read_api_page() is the two together.
//
// Threads: the functions keep no state; any thread may call them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace csbridge::connector {

// A flattened record: (column, value) in the record's order, nullopt for null.
using ApiRow = std::vector<std::pair<std::string, std::optional<std::string>>>;

// The records of a page, flattened, in one buffer: every value's text back to back, and per
// record its cells (the column's name, as an index into names(), and the value's place). A
// column name is kept once per page (records of a page mostly share their fields).
class ApiRows {
 public:
  static constexpr uint32_t kNull = UINT32_MAX;
  struct Cell {
    uint32_t name = 0;            // index into names()
    uint32_t at = 0, size = 0;    // the value's text in the buffer; at == kNull for null
  };

  size_t size() const { return starts_.size(); }
  bool empty() const { return starts_.empty(); }
  // Cells of record r: [begin(r), end(r)).
  size_t begin(size_t r) const { return starts_[r]; }
  size_t end(size_t r) const { return r + 1 < starts_.size() ? starts_[r + 1] : cells_.size(); }
  const Cell& cell(size_t c) const { return cells_[c]; }
  const std::vector<std::string>& names() const { return names_; }
  std::string_view name(const Cell& c) const { return names_[c.name]; }
  bool is_null(const Cell& c) const { return c.at == kNull; }
  std::string_view value(const Cell& c) const { return std::string_view(text_).substr(c.at, c.size); }
  // The value of column `name` in record r (nullopt: null or no such column).
  std::optional<std::string_view> find(size_t r, std::string_view name) const;

  // Building: a record, then its cells in order. A value is either given, or appended to
  // buffer() by the caller from `start` (buffer().size() before) and then added with add_from().
  void start_row() {
    starts_.push_back(cells_.size());
    place_ = 0;
  }
  void add(std::string_view name, std::string_view value) {
    size_t start = text_.size();
    text_.append(value);
    add_from(name, start);
  }
  void add_null(std::string_view name) { cells_.push_back({intern(name), kNull, 0}); }
  std::string& buffer() { return text_; }
  void add_from(std::string_view name, size_t start) {
    cells_.push_back({intern(name), static_cast<uint32_t>(start), static_cast<uint32_t>(text_.size() - start)});
  }
  // Every record gets one more cell (a fan-out child's parent key).
  ApiRows with_cell(std::string_view name, std::string_view value) const;

  // A record as (name, value) pairs, and comparisons by content (tests, the fuzz target).
  ApiRow row(size_t r) const;
  ApiRow operator[](size_t r) const { return row(r); }
  std::vector<ApiRow> all() const;
  bool operator==(const ApiRows& other) const { return all() == other.all(); }
  bool operator==(const std::vector<ApiRow>& other) const { return all() == other; }

 private:
  uint32_t intern(std::string_view name);

  std::string text_;
  std::vector<Cell> cells_;
  std::vector<size_t> starts_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> ids_;  // names_ by name (looked up when a hint misses)
  std::vector<uint32_t> hints_;  // per place in a record: the name it had last
  size_t place_ = 0;             // the place of the next cell in the current record
};

struct ApiPage {
  // What the records pointer points at: nothing (an empty page), null (empty too), an array of
  // records, or another value (a malformed page).
  enum class List { kAbsent, kNull, kArray, kOther };
  List list = List::kAbsent;
  ApiRows rows;                    // the records that are objects, in order
  std::vector<size_t> not_objects;  // positions in the list of records that are not objects
  // Per pointer asked for: the string there, or the number as JSON text; "" when absent, null,
  // of another type, or when the pointer is "" or not a valid JSON pointer.
  std::vector<std::string> values;
};

enum class PageScan {
  kOk,             // `page` holds the page
  kSyntaxError,    // not JSON to the scanner; offset and message say where and why (the document
                   // reader ends the text at a NUL byte, so it may still read such a page)
  kLeftToDocument  // JSON, but of a form left to the document reader (message says which)
};

struct PageScanResult {
  PageScan outcome = PageScan::kOk;
  size_t offset = 0;  // byte offset in the body where reading stopped (kSyntaxError, kLeftToDocument)
  std::string message;
};

// Nesting past this many arrays and objects is left to the document reader.
inline constexpr int kMaxPageScanDepth = 200;

// Reads `body` (UTF-8, already checked valid) in one pass. `records` is the JSON pointer of the
// list of records ("" for the whole body); `pointers` the JSON pointers whose values are wanted.
PageScanResult scan_api_page(std::string_view body, std::string_view records, const std::vector<std::string>& pointers,
                             ApiPage& page);

// The same through a whole document. false when `body` is not JSON.
bool read_api_page_document(std::string_view body, std::string_view records, const std::vector<std::string>& pointers,
                            ApiPage& page);

// The scanner, then the document reader for the pages it leaves. "" on success, else why the page
// is malformed: "not JSON (N bytes)", or "'<records>' is not an array of records".
std::string read_api_page(std::string_view body, std::string_view records, const std::vector<std::string>& pointers,
                          ApiPage& page);

}  // namespace csbridge::connector
