// A block's rows as the row mapper reads them, the same for map preview, map
// check, migrate and validate: the block's table with its `filter:` run by
// the source (a predicate csbridge writes in the engine's SQL; on files,
// tested on the rows read), and the columns of its `from:` fields — rows of
// related tables found by one keyed read per hop and batch, on a second
// connection, in memory bounded by the batch.
//
// Names are found as the engine spells them: a mapping written for RT's
// `Tickets.EffectiveId` reads `tickets.effectiveid` on PostgreSQL, where
// unquoted names fold to lower case.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "connector/connector.h"
#include "mapping/condition.h"
#include "mapping/mapping.h"

namespace csbridge::mapping {

using RelatedOpener = std::function<Result<std::unique_ptr<connector::Connector>>()>;

// The tables and columns of one source, looked up once each.
class SourceNames {
 public:
  explicit SourceNames(connector::Connector& db) : db_(db) {}
  // The table as written ("schema.table" allowed), else the only one equal ignoring case.
  Result<const connector::TableInfo*> table(const std::string& written);
  // The column of `table` as the table spells it (the only one equal ignoring case).
  Result<std::string> column(const std::string& table, const std::string& written);
  std::string quoted(const connector::TableRef& ref) const;
  // Writes conditions on `tested` in this source's SQL.
  SqlWriter writer(const std::string& tested);

 private:
  connector::Connector& db_;
  std::map<std::string, connector::TableInfo> tables_;
  std::vector<connector::TableRef> listed_;
  bool listed_once_ = false;
};

// The block's `where` and `filter` as one predicate of the source's SQL ("" when none). Files:
// "" (their filter is tested on the rows read).
Result<std::string> block_predicate(connector::Connector& db, const Block& block);

// Opens the rows of `block`. `request` is as the caller sets it (columns from
// BlockMapper::columns_to_read, where, order, limit, batch); its table, columns and order are
// spelled as the source spells them, the block's filter is ANDed into `where`, and each `from:`
// field adds its columns ("<field>~<column>") after the source's. `open_related` gives the
// connection related rows are read on (called once, when the block has `from:` fields).
Result<std::unique_ptr<connector::RowReader>> read_block(connector::Connector& db, const Block& block,
                                                         connector::ReadRequest request,
                                                         const RelatedOpener& open_related);

// The name of the column a `from:` field's value comes through.
std::string related_column(const Related& related, const std::string& column);

}  // namespace csbridge::mapping
