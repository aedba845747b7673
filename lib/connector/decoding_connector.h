// Legacy text encodings declared for a database source, applied on read: a
// decorator over any Connector whose readers hand out text cells as UTF-8,
// decoded strictly per value — valid UTF-8 is kept, anything else is decoded
// with the column's declared encoding (else the source's). A value that
// decodes in neither is never replaced by '?': its row is rejected naming
// table, key and column, or (for assess, which reports it) handed on as the
// bytes it is.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "connector/connector.h"
#include "util/encoding.h"

namespace csbridge::connector {

struct TextEncodings {
  std::optional<util::Encoding> source;           // for every text column; nullopt: UTF-8
  std::map<std::string, util::Encoding> columns;  // "table.column" → encoding, before `source`

  bool declared() const { return source.has_value() || !columns.empty(); }
  // The encoding of `column` of `table` ("" for a query): UTF-8 when none is declared.
  util::Encoding of(const std::string& table, const std::string& column) const;
};

enum class Undecodable {
  kReject,  // the row becomes a RejectedRecord: "<table> key=<key>", "column 'c': undecodable GBK bytes …"
  kKeep,    // the value is handed on as its bytes (not UTF-8)
};

// Wraps `inner`: its readers decode text columns (ValueType kText, kUnknown,
// kJson) as `encodings` declare. Everything else passes through. A row's key
// in reject locations is the read's order_by, else the table's primary key
// when the read holds it, else "row N".
std::unique_ptr<Connector> decoding_connector(std::unique_ptr<Connector> inner, TextEncodings encodings,
                                              Undecodable undecodable);

}  // namespace csbridge::connector
