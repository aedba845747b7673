// The CSV backend of the connector contract (connector/connector.h).
// csv:PATH names a file (one table) or a folder (every .csv/.tsv file in it is
// a table named after the file's stem). Options after '?':
//   encoding=utf-8|gbk|gb18030|big5|latin1  declared text encoding (default utf-8);
//                      valid UTF-8 is kept, other text decoded from it
//   delimiter=C|tab    field separator (default ',', or tab for .tsv files)
//   quote=C            quote character (default '"'; doubled inside quotes)
//   header=true|false  the first record names the columns (default true);
//                      false names them c1..cN after the first record
//   null=TEXT          the unquoted text that means NULL; by default an empty
//                      unquoted field is NULL and a quoted "" the empty string
// Line ends may be LF, CRLF or CR; a UTF-8 BOM is skipped; quoted fields may
// span lines; NUL bytes are kept as data; blank lines are no records (in a
// one-column file a blank line is a NULL). Records are streamed in bounded
// memory. A record that cannot be read is rejected as {"file.csv:LINE",
// reason} (LINE = where it starts) and the rest is read: a field count other
// than the header's, a quoting error (a stray quote rejects its own line and
// the following lines are read again), a value that does not decode (the
// reason names the field, the encoding and the offset within the value), a
// record over 64 MiB. count() is the number of records read() yields.
#pragma once

#include <memory>

#include "connector/connector.h"

namespace csbridge::connector {

Result<std::unique_ptr<Connector>> open_csv(const ConnectionString& conn);

}  // namespace csbridge::connector
