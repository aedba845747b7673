// A JSON page of an API source: the one-pass scanner and the document reader
// (connector/api_page.h) must agree on every page the scanner takes on — the
// rows, the records that are not objects and the paging values — and neither
// may crash on any page. The first byte chooses where the records and the
// paging value are looked for.
#include <cstdint>
#include <string>
#include <vector>

#include "connector/api_page.h"
#include "fuzz_support.h"
#include "util/encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace csbridge;
  if (size < 1) return 0;
  static const char* kRecords[] = {"/data", "", "/result/items", "/0"};
  static const char* kPointers[] = {"/meta/next_cursor", "/links/next", "/data/0/id", "bad~"};
  const unsigned char selector = data[0];
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  // The connector hands the reader only bodies that are valid UTF-8.
  if (util::find_invalid_utf8(body) != std::string_view::npos) return 0;
  const std::string records = kRecords[selector & 3];
  const std::vector<std::string> pointers = {kPointers[(selector >> 2) & 3]};
  connector::ApiPage scanned, document;
  connector::PageScanResult r = connector::scan_api_page(body, records, pointers, scanned);
  const bool is_json = connector::read_api_page_document(body, records, pointers, document);
  if (r.outcome == connector::PageScan::kOk) {
    if (!is_json) fuzz::fail("the scanner read a page the document reader finds not JSON");
    if (scanned.list != document.list || scanned.rows != document.rows ||
        scanned.not_objects != document.not_objects || scanned.values != document.values) {
      fuzz::fail("the scanner and the document reader disagree");
    }
  } else if (r.outcome == connector::PageScan::kSyntaxError && is_json && body.find('\0') == std::string_view::npos) {
    // (The document reader stops at a NUL byte as at the end of the text; the scanner calls what
    // follows a syntax error, and read_api_page then asks the document reader, as before.)
    fuzz::fail("the scanner found a syntax error in JSON: " + r.message);
  }
  if (r.offset > body.size()) fuzz::fail("an error offset past the end of the page");
  connector::ApiPage page;
  (void)connector::read_api_page(body, records, pointers, page);
  return 0;
}
