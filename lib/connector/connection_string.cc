#include "connector/connection_string.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "util/strings.h"

namespace csbridge::connector {
namespace {

struct Prefix {
  std::string_view text;
  Scheme scheme;
  bool keep_prefix;  // libpq URIs are passed on whole
};

constexpr std::array<Prefix, 9> kPrefixes = {{
    {"postgresql://", Scheme::kPostgres, true},
    {"postgres://", Scheme::kPostgres, true},
    {"odbc:", Scheme::kOdbc, false},
    {"sqlite:", Scheme::kSqlite, false},
    {"csv:", Scheme::kCsv, false},
    {"jsonl:", Scheme::kJsonl, false},
    {"json:", Scheme::kJson, false},
    {"xml:", Scheme::kXml, false},
    {"pg:", Scheme::kPostgres, false},
}};

constexpr std::string_view kAccepted =
    "postgresql://…, postgres://…, service=NAME, odbc:…, sqlite:PATH (or a .db/.sqlite/.sqlite3 path), "
    "csv:PATH, json:PATH, jsonl:PATH, xml:PATH";

bool is_libpq_keyword_form(std::string_view text) {
  // "service=NAME", "host=… dbname=…": libpq key/value conninfo.
  for (std::string_view key : {"service=", "host=", "dbname=", "hostaddr="}) {
    if (util::starts_with_icase(text, key)) return true;
  }
  return false;
}

bool has_sqlite_extension(std::string_view path) {
  for (std::string_view ext : {".db", ".sqlite", ".sqlite3"}) {
    if (util::ends_with_icase(path, ext)) return true;
  }
  return false;
}

// Splits "path?key=value&key2=value2" into the path and its options.
Status split_options(std::string_view text, std::string& path, std::map<std::string, std::string>& options) {
  size_t q = text.find('?');
  path = std::string(text.substr(0, q));
  if (q == std::string_view::npos) return Status::ok();
  for (std::string_view pair : util::split(text.substr(q + 1), '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return invalid_argument("connection option '" + std::string(pair) + "' is not key=value");
    }
    options[util::to_lower(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
  }
  return Status::ok();
}

// "${NAME}": a reference to the environment, as csbridge.yaml is written
// before interpolation, names where the secret is without being it. A
// "${NAME:-default}" may hold one in its default and is not such a reference.
bool is_env_reference(std::string_view value) {
  if (value.size() < 4 || value.substr(0, 2) != "${" || value.back() != '}') return false;
  std::string_view name = value.substr(2, value.size() - 3);
  return std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

}  // namespace

const char* scheme_name(Scheme scheme) {
  switch (scheme) {
    case Scheme::kPostgres: return "postgres";
    case Scheme::kOdbc: return "odbc";
    case Scheme::kSqlite: return "sqlite";
    case Scheme::kCsv: return "csv";
    case Scheme::kJson: return "json";
    case Scheme::kJsonl: return "jsonl";
    case Scheme::kXml: return "xml";
  }
  return "unknown";
}

std::string ConnectionString::option(const std::string& key, const std::string& fallback) const {
  auto it = options.find(key);
  return it == options.end() ? fallback : it->second;
}

std::string ConnectionString::redacted() const { return redact_secrets(raw); }

Result<ConnectionString> parse_connection_string(std::string_view text) {
  std::string_view trimmed = util::trim(text);
  ConnectionString conn;
  conn.raw = std::string(trimmed);
  if (trimmed.empty()) return invalid_argument("empty connection string; expected one of: " + std::string(kAccepted));
  // A C library would read the string only up to the NUL: another file or server than the one named.
  if (size_t nul = trimmed.find('\0'); nul != std::string_view::npos) {
    return invalid_argument("connection string '" + redact_secrets(trimmed.substr(0, nul)) +
                            "\\0…' holds a NUL byte (at offset " + std::to_string(nul) + ")");
  }

  for (const Prefix& p : kPrefixes) {
    if (!util::starts_with_icase(trimmed, p.text)) continue;
    conn.scheme = p.scheme;
    std::string_view rest = trimmed.substr(p.text.size());
    if (util::trim(rest).empty()) {
      return invalid_argument("connection string '" + conn.redacted() + "' names no " +
                              (p.scheme == Scheme::kOdbc ? "DSN or driver" : p.scheme == Scheme::kPostgres ? "server" : "path"));
    }
    if (p.keep_prefix || p.scheme == Scheme::kOdbc || p.scheme == Scheme::kPostgres) {
      conn.target = p.keep_prefix ? conn.raw : std::string(rest);
      return conn;
    }
    CSB_RETURN_IF_ERROR(split_options(rest, conn.target, conn.options)
                            .with_context("connection string '" + conn.redacted() + "'"));
    return conn;
  }
  if (is_libpq_keyword_form(trimmed)) {
    conn.scheme = Scheme::kPostgres;
    conn.target = conn.raw;
    return conn;
  }
  std::string path;
  std::map<std::string, std::string> options;
  if (split_options(trimmed, path, options).is_ok() && has_sqlite_extension(path)) {
    conn.scheme = Scheme::kSqlite;
    conn.target = path;
    conn.options = std::move(options);
    return conn;
  }
  size_t colon = trimmed.find(':');
  std::string shown = conn.redacted();
  if (colon != std::string_view::npos && colon < 16) {
    return invalid_argument("unknown scheme '" + std::string(trimmed.substr(0, colon)) + "' in connection string '" +
                            shown + "'; expected one of: " + std::string(kAccepted));
  }
  return invalid_argument("cannot tell the kind of connection string '" + shown + "'; expected one of: " +
                          std::string(kAccepted));
}

std::string redact_secrets(std::string_view text) {
  std::string out(text);
  // URI user info: scheme://user:secret@host
  for (size_t pos = out.find("://"); pos != std::string::npos; pos = out.find("://", pos + 3)) {
    size_t start = pos + 3;
    size_t end = out.find_first_of("/?#", start);
    size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at == std::string::npos || at < start) continue;
    size_t colon = out.find(':', start);
    if (colon != std::string::npos && colon < at && !is_env_reference(std::string_view(out).substr(colon + 1, at - colon - 1))) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // key=value forms: libpq "password=x", URI query "password=x", ODBC "PWD=x;" or "PWD={x;y}".
  std::string lower = util::to_lower(out);
  for (std::string_view key : {"password", "pwd", "passwd"}) {
    size_t search = 0;
    while ((search = lower.find(key, search)) != std::string::npos) {
      size_t k = search;
      search += key.size();
      bool boundary = k == 0 || !std::isalnum(static_cast<unsigned char>(lower[k - 1]));
      size_t eq = search;
      while (eq < lower.size() && lower[eq] == ' ') ++eq;
      if (!boundary || eq >= lower.size() || lower[eq] != '=') continue;
      size_t vstart = eq + 1;
      while (vstart < lower.size() && lower[vstart] == ' ') ++vstart;
      size_t vend;
      if (vstart < out.size() && out[vstart] == '{') {
        vend = out.find('}', vstart);
        vend = vend == std::string::npos ? out.size() : vend + 1;
      } else if (vstart < out.size() && (out[vstart] == '\'' || out[vstart] == '"')) {
        vend = out.find(out[vstart], vstart + 1);
        vend = vend == std::string::npos ? out.size() : vend + 1;
      } else {
        vend = out.find_first_of(" ;&", vstart);
        if (vend == std::string::npos) vend = out.size();
      }
      if (is_env_reference(std::string_view(out).substr(vstart, vend - vstart))) continue;
      out.replace(vstart, vend - vstart, "***");
      lower.replace(vstart, vend - vstart, "***");
      search = vstart + 3;
    }
  }
  return out;
}

std::string redact_secrets_of(std::string_view text, std::string_view connection) {
  // The passwords are what redact_secrets replaced: walk the redacted form against the original.
  std::string redacted = redact_secrets(connection);
  std::string out(text);
  size_t r = 0, t = 0;
  for (size_t star = redacted.find("***"); star != std::string::npos; star = redacted.find("***", r)) {
    t += star - r;
    size_t next = redacted.find("***", star + 3);
    std::string_view tail = std::string_view(redacted).substr(star + 3, (next == std::string::npos ? redacted.size() : next) - star - 3);
    size_t end = tail.empty() ? connection.size() : connection.find(tail, t);
    if (end == std::string_view::npos || end < t) break;
    std::string secret(connection.substr(t, end - t));
    for (size_t at = secret.empty() ? std::string::npos : out.find(secret); at != std::string::npos;
         at = out.find(secret, at + 3)) {
      out.replace(at, secret.size(), "***");
    }
    t = end;
    r = star + 3;
  }
  return redact_secrets(out);
}

}  // namespace csbridge::connector
