// What `assess api SPEC --probe URL` hands the user for migrating from the probed
// operation: an API source for csbridge.yaml (README "API sources") with one
// resource — its path, where its records are (a JSON pointer), how it pages
// (from the spec's pagination and what the first page showed: a cursor's pointer,
// a next link, a Link header), the page size asked for, and the record field that
// names a record. Pure: reads the first page the probe fetched, makes no request.
#pragma once

#include <string>

#include "api/checks.h"

namespace csbridge::api {

struct FirstPage {
  std::string url;          // as probed (secrets are left out of the block)
  std::string body;         // the first page's body
  std::string link_header;  // its Link header, "" when none
};

// The YAML of a `sources:` entry named `legacy_api` whose only resource reads the probed list;
// "" when the first page holds no list of records (not JSON, or no array in it).
std::string resource_block(const FirstPage& page, const Pagination& pagination);

}  // namespace csbridge::api
