// The JSON and JSON Lines backend of the connector contract
// (connector/connector.h). Both open_json; a file or a folder (every .json,
// resp. .jsonl/.ndjson file is a table named after its stem).
//   json:PATH   one document: an array of records, or an object with one
//               array member holding them. Read whole, up to 512 MiB.
//   jsonl:PATH  one record per line, blank lines skipped; streamed in bounded
//               memory; a bad line is rejected as {"file.jsonl:LINE", reason}.
// Options after '?':
//   encoding=utf-8|gbk|gb18030|big5|latin1  declared encoding of strings (default utf-8)
//   record=KEY  (json only) the member of the top-level object holding the
//               records; needed when it has several array members
// Columns are the union of the records' keys in first-seen order; nested
// objects are flattened with '.' ("customer.phone"), arrays kept as compact
// JSON text. Values: strings unescaped, numbers as their literal text,
// true/false, null is NULL. A record that is not an object, has a string that
// does not decode or two fields of one name is rejected ("file.json:offset N"
// for a document); a malformed or truncated document, or nesting deeper than
// 64 levels, fails with kData naming file:line:column and the byte offset.
#pragma once

#include <memory>

#include "connector/connector.h"

namespace csbridge::connector {

Result<std::unique_ptr<Connector>> open_json(const ConnectionString& conn);

}  // namespace csbridge::connector
