// What the PostgreSQL connector and the migration target (migrate/) share:
// opening a session with the settings that make values canonical, turning
// libpqxx exceptions into a Status with the password removed, and COPY text.
// Internal to lib/: it exposes libpqxx types.
#pragma once

#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connector/connection_string.h"
#include "util/status.h"

namespace csbridge::connector::pg {

// A session in UTF8 with DateStyle ISO/YMD, TimeZone UTC, round-trip floats
// and hex bytea. kUnreachable naming conn.redacted() when it cannot connect.
Result<std::unique_ptr<pqxx::connection>> connect(const ConnectionString& conn);

// The first line of a libpq or server message without its severity tag,
// redacted because libpq can echo the conninfo.
std::string first_line(std::string_view text);

// Data exceptions and integrity violations (SQLSTATE classes 22, 23) are about rows: those a
// load isolates. Any other failure is about the statement or the server.
bool row_attributable(std::string_view sqlstate);

// The server's reason for refusing a row, without the value: data exceptions quote it
// ("invalid input syntax for type integer: \"abc\""), constraint violations name only
// identifiers (their DETAIL, which shows values, is dropped).
std::string row_reason(const pqxx::sql_error& e);

// kUnreachable for connection, authorisation, unknown database and shutdown
// states; kData for data exceptions (22) and constraint violations (23);
// kInvalidArgument otherwise.
ErrorCode code_for_sqlstate(std::string_view state);

// Whether a libpq message says the connection to the server is gone ("server closed the
// connection unexpectedly" while a COPY's data is sent, …).
bool lost_connection_text(std::string_view message);

// The Status for the exception being handled; call only inside a catch block.
// A broken connection (also during COMMIT) is kUnreachable "<subject>: lost
// the connection to postgres '<redacted>': …".
Status current_error(const std::string& subject, const std::string& redacted);

// Appends `value` escaped for COPY text format.
void append_copy_text(std::string_view value, std::string& line);

// Starts COPY … FROM STDIN into `table_sql` (already quoted) for the quoted
// columns. libpqxx 6.4's stream_to only sends tuples of a width fixed at
// compile time; tablewriter is its one public way to send lines of a width
// known at run time (deprecated there, gone in 7.x where stream_to takes it).
std::unique_ptr<pqxx::tablewriter> begin_copy(pqxx::transaction_base& txn, const std::string& table_sql,
                                              const std::vector<std::string>& columns_sql);

}  // namespace csbridge::connector::pg
