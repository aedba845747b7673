// The XML backend of the connector contract (connector/connector.h).
// xml:PATH names a file or a folder (every .xml file is a table named after
// its stem). The document is parsed whole with pugixml, up to 512 MiB and 64
// levels of elements; a malformed one fails with kData naming
// file:line:column and the byte offset. No DTD or external entity is loaded.
// Options after '?':
//   record=XPATH   the record elements, e.g. /orders/order or //order; by
//                  default the children of the root element, which must then
//                  all have one name
//   encoding=utf-8|gbk|gb18030|big5|latin1  overrides the encoding the XML
//                  declaration names (default: the declared one, else utf-8)
// A record's fields: its text as "#text", attributes as "@name", child
// elements by name, nested ones joined with '.' ("customer.phone",
// "amount.@currency"); an element repeated within its parent is one field
// holding a JSON array. An empty element is the empty string, a missing one
// NULL. A record with a value that does not decode is rejected as
// {"file.xml:offset N", reason}.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "util/encoding.h"

#include "connector/connector.h"

namespace csbridge::connector {

Result<std::unique_ptr<Connector>> open_xml(const ConnectionString& conn);

class RecordSource;
// The records of one XML document in memory (an API's page): `subject` names it in messages
// (a URL), `record` is the record path as for record=, `encoding` overrides the declared one.
Result<std::unique_ptr<RecordSource>> xml_records(std::string text, const std::string& subject,
                                                  const std::string& record,
                                                  std::optional<util::Encoding> encoding);

}  // namespace csbridge::connector
