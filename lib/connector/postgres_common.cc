#include "connector/postgres_common.h"

#include <array>
#include <utility>

#include "util/strings.h"

namespace csbridge::connector::pg {
namespace {

// Fixed so that values read back in the canonical form of connector.h
// whatever the server or role defaults are.
constexpr std::array<std::pair<const char*, const char*>, 4> kSessionSettings = {{
    {"DateStyle", "ISO, YMD"},
    {"TimeZone", "'UTC'"},
    {"extra_float_digits", "3"},
    {"bytea_output", "'hex'"},
}};

}  // namespace

Result<std::unique_ptr<pqxx::connection>> connect(const ConnectionString& conn) {
  std::string failure;
  try {
    auto c = std::make_unique<pqxx::connection>(conn.target);
    // A SQL_ASCII database stores bytes without knowing their encoding, and
    // would refuse to hand out any that are not UTF-8: read them as stored,
    // for the source's declared encoding (connector/decoding_connector.h).
    c->set_client_encoding(c->get_variable("server_encoding") == "SQL_ASCII" ? "SQL_ASCII" : "UTF8");
    for (const auto& [name, value] : kSessionSettings) c->set_variable(name, value);
    return c;
  } catch (const std::exception& e) {
    // libpq may quote the piece of the connection string it could not parse, password included.
    failure = redact_secrets_of(first_line(e.what()), conn.raw);
  } catch (...) {
    failure = "unknown exception";
  }
  return unreachable("cannot connect to postgres '" + conn.redacted() + "': " + failure);
}

std::string first_line(std::string_view text) {
  text = text.substr(0, text.find('\n'));
  for (std::string_view tag : {"ERROR:", "FATAL:", "PANIC:"}) {
    if (text.substr(0, tag.size()) == tag) text = util::trim(text.substr(tag.size()));
  }
  return redact_secrets(text);
}

ErrorCode code_for_sqlstate(std::string_view state) {
  std::string_view cls = state.substr(0, 2);
  // Connection, authorisation, unknown database, server shutdown: the server is the problem, not the request.
  if (cls == "08" || cls == "28" || cls == "3D" || state.substr(0, 3) == "57P") return ErrorCode::kUnreachable;
  if (cls == "22" || cls == "23") return ErrorCode::kData;
  if (state == "42501") return ErrorCode::kPermissionDenied;  // insufficient_privilege
  return ErrorCode::kInvalidArgument;
}

bool lost_connection_text(std::string_view message) {
  for (std::string_view phrase : {"server closed the connection", "no connection to the server",
                                  "could not send data to server", "could not receive data from server",
                                  "connection to server was lost", "SSL SYSCALL error"}) {
    if (message.find(phrase) != std::string_view::npos) return true;
  }
  return false;
}

Status current_error(const std::string& subject, const std::string& redacted) {
  auto lost = [&](const std::exception& e) {
    return unreachable(subject + ": lost the connection to postgres '" + redacted + "': " + first_line(e.what()));
  };
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    return lost(e);
  } catch (const pqxx::in_doubt_error& e) {  // the connection broke during COMMIT
    return lost(e);
  } catch (const pqxx::insufficient_privilege& e) {  // libpqxx 7.7 leaves sqlstate() empty here
    return Status(ErrorCode::kPermissionDenied, subject + ": " + first_line(e.what()));
  } catch (const pqxx::sql_error& e) {
    return Status(code_for_sqlstate(e.sqlstate()), subject + ": " + first_line(e.what()));
  } catch (const pqxx::failure& e) {
    // libpq's own errors outside a statement (a COPY's data, a cancel): the server gone among them.
    if (lost_connection_text(e.what())) return lost(e);
    return internal_error(subject + ": " + first_line(e.what()));
  } catch (const std::exception& e) {
    return internal_error(subject + ": " + first_line(e.what()));
  } catch (...) {
    return internal_error(subject + ": unknown exception");
  }
}

void append_copy_text(std::string_view value, std::string& line) {
  for (char c : value) {
    switch (c) {
      case '\\': line += "\\\\"; break;
      case '\t': line += "\\t"; break;
      case '\n': line += "\\n"; break;
      case '\r': line += "\\r"; break;
      default: line += c;
    }
  }
}

std::unique_ptr<pqxx::tablewriter> begin_copy(pqxx::transaction_base& txn, const std::string& table_sql,
                                              const std::vector<std::string>& columns_sql) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  return std::unique_ptr<pqxx::tablewriter>(
      new pqxx::tablewriter(txn, table_sql, columns_sql.begin(), columns_sql.end()));
#pragma GCC diagnostic pop
}

bool row_attributable(std::string_view sqlstate) {
  return sqlstate.substr(0, 2) == "22" || sqlstate.substr(0, 2) == "23";
}

std::string row_reason(const pqxx::sql_error& e) {
  std::string line = first_line(e.what());
  if (e.sqlstate().substr(0, 2) != "22") return line;
  std::string out;
  bool in_quotes = false;
  for (char c : line) {
    if (c == '"') {
      out += in_quotes ? "…\"" : "\"";
      in_quotes = !in_quotes;
    } else if (!in_quotes) {
      out += c;
    }
  }
  return out;
}

}  // namespace csbridge::connector::pg
