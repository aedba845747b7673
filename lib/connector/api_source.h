// A legacy REST/XML API as a source (README "API sources"): each resource reads
// like a table of flattened records — nested objects as `a.b`, arrays as JSON
// text, as the json backend reads files — so mappings, map check, preview,
// migrate and validate work on it unchanged. This is the declared form, read
// from csbridge.yaml by config/; api_connector.h reads it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "connector/connector.h"
#include "util/encoding.h"

namespace csbridge::connector {

struct ApiPaging {
  enum class Kind {
    kNone,        // one request gives the whole list
    kCursor,      // the next cursor at a JSON pointer of the body, sent back as a parameter
    kPage,        // page numbers from `start`
    kOffset,      // offset/limit
    kNextUrl,     // the next page's URL at a JSON pointer of the body
    kLinkHeader,  // the next page's URL in the Link header (rel="next")
  };
  Kind kind = Kind::kNone;
  std::string pointer;   // kCursor: the cursor; kNextUrl: the URL
  std::string param;     // kCursor: the cursor's parameter; kPage: the page's; kOffset: the offset's
  int64_t start = 1;     // kPage: the first page's number
  std::string limit_param;  // kOffset: the page size's parameter
  int64_t limit = 0;        // kOffset: the page size; kPage: the page size when known (a shorter page ends)
  // kPage: the API serves at most `max_pages` pages of one listing. Reaching it with a full page,
  // the listing starts again from `start` with `after_param` = the last record's `after_field`
  // (a listing sorted by that field); without after_param reaching the cap is an error, never a
  // silent end.
  int64_t max_pages = 0;
  std::string after_param;
  std::string after_field;
};

struct ApiResource {
  std::string name;
  std::string path;     // "/tickets", or "/tickets/{tickets.id}/comments": one list per parent record
  std::string records;  // JSON pointer to the record array ("" = the body is the array); XML: a record path
  std::vector<std::pair<std::string, std::string>> params;
  ApiPaging paginate;
  std::string key;      // the record field that names a record (its order is the API's)
  int concurrency = 1;  // fan-out: parents fetched at once (order of loading kept)
  // `incremental: {param, field}`: the API lists only the records changed since the value of
  // query parameter `param`, by their field `field` (migrate --since on a block whose watermark
  // is that field).
  std::string incremental_param, incremental_field;
  // Fan-out: the parent resource and its field that fills the path ("" when none).
  std::string parent;
  std::string parent_field;
};

struct ApiSource {
  std::string name;
  std::string base_url;  // http(s) only
  // Sent with every request: Authorization and other headers, query parameters. May hold
  // secrets: never printed, logged or put into an error (redact() names what they are).
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> query;
  std::string basic_user, basic_password;
  double requests_per_second = 0;  // 0: no budget
  int retry_max = 5;
  int timeout_ms = 30000;
  std::string ca_file;
  bool insecure = false;
  std::optional<util::Encoding> encoding;  // declared body encoding (else UTF-8 or the charset said)
  std::vector<ApiResource> resources;

  const ApiResource* resource(std::string_view name) const;
  // The URL with the query parameters that carry secrets replaced by "***".
  std::string redact(std::string_view url) const;
};

// Opens the API (no request is made until a resource is described or read).
Result<std::unique_ptr<Connector>> open_api(std::shared_ptr<const ApiSource> source);

}  // namespace csbridge::connector
