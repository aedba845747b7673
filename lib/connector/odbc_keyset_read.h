// Internal to the ODBC backend: reading a table in key chunks where the
// driver would hold a whole result set in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connector/odbc_handles.h"
#include "connector/odbc_types.h"

namespace csbridge::connector::odbc {

// Keyset reads
//
// A driver that stores whole result sets (Engine::caches_results) would hold
// a large table in memory for one SELECT. A read ordered by a key goes
// instead as a series of statements, each reading the rows up to the key
// that lies n rows further on:
//
//   boundary  SELECT <keys> FROM … WHERE <where> AND <keys> > <previous boundary>
//             ORDER BY <keys> LIMIT n-1, 1
//   chunk     SELECT <columns> FROM … WHERE <where> AND <keys> > <previous boundary>
//             AND <keys> <= <boundary> ORDER BY <keys>
//
// until the boundary query finds no row: the chunk then goes to the end.
//
// A key that is unique and NOT NULL (a primary key, a unique index of
// non-null columns, or an order that holds one) cannot repeat, so each chunk
// is one statement that goes on after the last row read:
//
//   chunk     SELECT <columns>, <keys as literals> FROM … WHERE <where>
//             AND <keys> > <last row's keys> ORDER BY <keys> LIMIT n
//
// until a chunk comes back with fewer than n rows. The boundary query would
// read every row of the chunk a second time on an InnoDB clustered primary
// key.
//
// For keys that may repeat or be NULL, the rows of one key value are always read by one statement, and every
// comparison is the server's, in the key's own type and collation, the ones
// its ORDER BY sorts by. The simpler "LIMIT n, then go on after the last
// row" splits a key that several rows share (tables without a primary key)
// across two statements: going on with ">" loses the rest of them, and going
// on with ">=" and skipping those already handed out assumes the server puts
// equal keys in the same order both times, which it does not promise (a sort
// with LIMIT uses a priority queue); telling on the client which rows share
// the last key would need the collation ('abc' = 'ABC' in utf8mb4_unicode_ci).
// The price: the boundary query reads n keys a second time (off the index
// when one leads with the key; without one, every chunk costs two scans of
// the table), and a chunk holds all rows of its last key, however many share
// it. A comparison coarser than the order (a DECIMAL against a string, as
// doubles) only merges chunks; one finer or unrelated would lose rows.
//
// NULL sorts first in MariaDB: "> NULL" is IS NOT NULL and "<= NULL" is IS
// NULL, so rows with a NULL key are read in their place, never compared.
// Boundary values come back as literals the server parses to the same value:
// numbers and temporal values as text (a zero date stays '0000-00-00'),
// strings as hex in their own character set and collation. Keys whose
// comparison does not follow their ORDER BY are read in one statement, as on
// other engines: ENUM and SET sort by index but compare as text, and a text
// column of a query may be one (the driver describes it as char there);
// TIMESTAMP compares in the session time zone, where the hour a DST change
// repeats prints alike; floating point prints inexactly. Each statement sees
// the table as it is then: a row whose key changes during the read may be
// missed or read twice.

constexpr size_t kMaxChunkRows = 50000;  // rows per chunk of a keyset read at most, unless a request says

enum class KeyLiteral {
  kNumber,    // CAST(k AS CHAR), sent as it is: -1.50
  kTemporal,  // CAST(k AS CHAR), sent quoted: '2024-01-02 03:04:05.5'
  kString,    // HEX(k), CHARSET(k), COLLATION(k): _utf8mb4 X'E4B8AD' COLLATE `utf8mb4_unicode_ci`
};

// How a keyset read sends values of `m` back to the server; nullopt when
// their comparison may not follow their order (see above).
std::optional<KeyLiteral> key_literal(const ColumnMeta& m, bool of_query);

// The statements of one keyset read, chunk after chunk.
class KeysetRead {
 public:
  struct Key {
    std::string name;    // as the request names it
    std::string quoted;  // as SQL names it
    KeyLiteral literal;
  };

  // `select` is "SELECT <columns> FROM <from>"; for a `unique` key (unique
  // and NOT NULL: one statement per chunk) its columns end with
  // last_row_columns(). The first chunk holds `min_rows` rows, the next ones
  // as many as the chunk budget (32 MiB) allows from what the previous ones
  // held, within [min_rows, max_rows].
  KeysetRead(std::string select, std::string from, std::string where, std::vector<Key> keys, bool unique,
             size_t min_rows, size_t max_rows);

  // What a unique key's chunk selects after the columns, one per key: the
  // values to go on after (numbers and temporal values as text, strings as HEX).
  static std::vector<std::string> last_row_columns(const std::vector<Key>& keys);

  // The key of the last row read so far, as last_row_columns() selects it.
  void last_row(std::vector<std::string> values) { last_row_ = std::move(values); }

  // The statement that reads the next chunk; nullopt once the last one is
  // read. `remaining` is what the request's limit still allows (-1: no limit).
  Result<std::optional<std::string>> next(Connection& conn, int64_t remaining, const std::string& context);

  // Whether the chunk last returned ends at a boundary key, which it holds.
  bool bounded() const { return bounded_; }

  // Sizes the next chunk after one of `rows` rows that held `bytes` bytes in
  // `columns` columns. A unique key's chunk with fewer rows than asked was the last.
  void measured(size_t rows, size_t bytes, size_t columns);

 private:
  using KeyValues = std::vector<std::optional<std::string>>;  // literals; nullopt: NULL

  // The next chunk after the last row, for a unique key.
  Result<std::string> next_after_last_row(Connection& conn, size_t rows, std::vector<std::string> conditions,
                                          const std::string& context);
  // The next chunk up to the key `rows` rows further on, for a key that may repeat or be NULL.
  Result<std::string> next_up_to_boundary(Connection& conn, int64_t remaining, size_t rows,
                                          std::vector<std::string> conditions, const std::string& context);
  // The boundary row's values as literals.
  Result<KeyValues> literals(const std::vector<std::optional<std::string>>& row, const std::string& context) const;
  // last_row_ as literals. Strings take their column's character set and
  // collation, asked of the server once.
  Result<KeyValues> last_row_literals(Connection& conn, const std::string& context);

  std::string select_, from_, where_, order_by_;
  std::vector<Key> keys_;
  std::vector<std::string> quoted_;
  bool unique_ = false;
  size_t chunk_rows_, min_rows_, max_rows_;
  std::optional<KeyValues> previous_;  // the last chunk's boundary; none before the first chunk
  std::optional<std::vector<std::string>> last_row_;  // unique keys: the last row's, none before the first chunk
  std::optional<std::vector<std::optional<std::string>>> string_types_;  // charset, collation per string key
  size_t asked_ = 0;  // unique keys: the rows the current chunk asked for
  bool bounded_ = false;
  bool finished_ = false;
};

}  // namespace csbridge::connector::odbc
