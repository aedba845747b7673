// The file readers' targets: read every table of a connection whole, as
// `source read` does (describe, count, every batch, every reject).
#pragma once

#include <memory>
#include <string>

#include "connector/connection_string.h"
#include "connector/connector.h"
#include "connector/registry.h"
#include "fuzz_support.h"
#include "util/encoding.h"

namespace csbridge::fuzz {

inline void read_everything(const std::string& connection) {
  Result<connector::ConnectionString> conn = connector::parse_connection_string(connection);
  if (!conn) fail("connection string of the target itself: " + conn.status().message());
  Result<std::unique_ptr<connector::Connector>> c = connector::open_connector(*conn);
  if (!c) return check(c.status());
  Result<std::vector<connector::TableRef>> tables = (*c)->list_tables();
  if (!tables) return check(tables.status());
  for (const connector::TableRef& t : *tables) {
    Result<connector::TableInfo> info = (*c)->describe(t);
    if (!info) check(info.status());
    for (size_t i = 0; info && i < info->columns.size(); ++i) {
      if (util::find_invalid_utf8(info->columns[i].name) != std::string::npos) fail("a column name that is not UTF-8");
    }
    Result<connector::RowCount> count = (*c)->count(t);
    if (!count) check(count.status());
    connector::ReadRequest request;
    request.table = t;
    request.batch_rows = 7;
    Result<std::unique_ptr<connector::RowReader>> reader = (*c)->read(request);
    if (!reader) {
      check(reader.status());
      continue;
    }
    connector::Batch batch;
    for (int i = 0; i < 100000; ++i) {
      Result<bool> more = (*reader)->next(batch);
      if (!more) {
        check(more.status());
        break;
      }
      (void)(*reader)->take_rejects();
      // The connector contract: cells are UTF-8 text; what does not decode is a reject, never a cell.
      for (size_t r = 0; r < batch.rows(); ++r) {
        for (size_t col = 0; col < batch.columns(); ++col) {
          if (util::find_invalid_utf8(batch.get(r, col)) != std::string_view::npos) {
            fail("a cell that is not UTF-8 in table " + t.display() + ", column " + std::to_string(col));
          }
        }
      }
      if (!*more) break;
    }
  }
}

// One of the declared encodings a source may give, chosen by `selector`.
inline std::string encoding_option(unsigned char selector) {
  switch (selector % 4) {
    case 0: return "";
    case 1: return "encoding=gbk";
    case 2: return "encoding=big5";
    default: return "encoding=latin1";
  }
}

}  // namespace csbridge::fuzz
