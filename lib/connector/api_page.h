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
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace csbridge::connector {

// A flattened record: (column, value) in the record's order, nullopt for null.
using ApiRow = std::vector<std::pair<std::string, std::optional<std::string>>>;

struct ApiPage {
  // What the records pointer points at: nothing (an empty page), null (empty too), an array of
  // records, or another value (a malformed page).
  enum class List { kAbsent, kNull, kArray, kOther };
  List list = List::kAbsent;
  std::vector<ApiRow> rows;        // the records that are objects, in order
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
