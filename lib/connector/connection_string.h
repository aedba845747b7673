// The one connection-string form of csbridge (README.md "Connections"):
//   postgresql://… | postgres://… | service=NAME | host=… dbname=… (libpq)
//   odbc:DSN=…;… | odbc:Driver={…};…           (unixODBC)
//   sqlite:PATH | PATH ending .db/.sqlite/.sqlite3
//   csv:PATH | json:PATH | jsonl:PATH | xml:PATH  (a file or a folder of files)
// File and SQLite forms take csbridge options after '?': key=value pairs joined
// by '&' (e.g. csv:exports/?encoding=gbk&delimiter=; or xml:o.xml?record=/orders/order).
// The raw text may hold a password: print only redacted().
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "util/status.h"

namespace csbridge::connector {

enum class Scheme { kPostgres, kOdbc, kSqlite, kCsv, kJson, kJsonl, kXml };

const char* scheme_name(Scheme scheme);

struct ConnectionString {
  Scheme scheme = Scheme::kSqlite;
  std::string raw;     // exactly as given; may contain a secret, never print it
  std::string target;  // libpq conninfo/URI, ODBC connection string, or a path
  std::map<std::string, std::string> options;  // csbridge options after '?'
  // Set when the source declares a legacy text encoding: text the database
  // keeps in an encoding that is not what it holds (MariaDB latin1 columns)
  // is read as the bytes stored, for the declared encoding to decode.
  bool stored_bytes = false;

  // The option's value, or `fallback` when it is not set.
  std::string option(const std::string& key, const std::string& fallback = "") const;
  // The connection string with every password replaced by "***".
  std::string redacted() const;
};

// Parses `text`. Fails with kInvalidArgument naming the (redacted) text and
// listing the accepted schemes when the scheme is unknown or the rest is empty.
Result<ConnectionString> parse_connection_string(std::string_view text);

// Replaces passwords in any connection-string-like text: URI user info
// (user:secret@), password=/pwd= pairs in libpq and ODBC syntax (braced values
// included). Used on every message that may echo a connection string.
std::string redact_secrets(std::string_view text);

// Replaces in `text` (a driver's message, which may quote a piece of the connection string it
// could not parse, e.g. libpq's `invalid percent-encoded token: "%zzsecret"`) every password that
// redact_secrets finds in `connection`, wherever it appears; then redact_secrets(text).
std::string redact_secrets_of(std::string_view text, std::string_view connection);

}  // namespace csbridge::connector
