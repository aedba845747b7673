#include "connector/connector.h"

#include "util/strings.h"

namespace csbridge::connector {

const char* value_type_name(ValueType type) {
  switch (type) {
    case ValueType::kUnknown: return "unknown";
    case ValueType::kText: return "text";
    case ValueType::kInteger: return "integer";
    case ValueType::kReal: return "real";
    case ValueType::kDecimal: return "decimal";
    case ValueType::kBoolean: return "boolean";
    case ValueType::kDate: return "date";
    case ValueType::kTime: return "time";
    case ValueType::kTimestamp: return "timestamp";
    case ValueType::kTimestampTz: return "timestamptz";
    case ValueType::kBinary: return "binary";
    case ValueType::kJson: return "json";
  }
  return "unknown";
}

ValueType value_type_from_declared(std::string_view declared) {
  std::string t = util::to_lower(util::trim(declared));
  auto has = [&t](std::string_view part) { return t.find(part) != std::string::npos; };
  auto starts = [&t](std::string_view part) { return t.rfind(part, 0) == 0; };
  if (t.empty()) return ValueType::kUnknown;
  // Order matters: "time with time zone" is a time, "timestamp with time zone" a timestamptz,
  // and "interval"/"point" merely contain "int".
  if (starts("interval") || starts("point")) return ValueType::kText;
  if (starts("timetz") || (starts("time") && !starts("timestamp"))) return ValueType::kTime;
  if (has("with time zone") || starts("timestamptz") || has("datetimeoffset")) return ValueType::kTimestampTz;
  if (starts("timestamp") || starts("datetime") || starts("smalldatetime")) return ValueType::kTimestamp;
  if (starts("date")) return ValueType::kDate;
  if (starts("bool") || t == "bit" || t == "bit(1)") return ValueType::kBoolean;
  for (std::string_view integer : {"int", "bigint", "smallint", "tinyint", "mediumint", "serial", "bigserial",
                                   "smallserial", "year", "unsigned"}) {
    if (starts(integer)) return ValueType::kInteger;
  }
  if (starts("numeric") || starts("decimal") || starts("number") || starts("money") || starts("smallmoney"))
    return ValueType::kDecimal;
  if (starts("real") || starts("float") || starts("double")) return ValueType::kReal;
  if (has("char") || has("text") || has("clob") || starts("string") || starts("enum") || starts("set(") ||
      starts("uuid") || starts("uniqueidentifier") || starts("xml") || starts("citext") || starts("name"))
    return ValueType::kText;
  if (starts("json")) return ValueType::kJson;
  if (has("blob") || starts("bytea") || has("binary") || starts("image") || starts("raw") || starts("long raw"))
    return ValueType::kBinary;
  return ValueType::kUnknown;
}

Result<std::unique_ptr<RowWriter>> Connector::write(const WriteRequest& request) {
  return not_supported("the " + backend() + " backend cannot write (table " + request.table.display() + ")");
}

TableRef parse_table_ref(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return {"", std::string(text)};
  return {std::string(text.substr(0, dot)), std::string(text.substr(dot + 1))};
}

std::string derived_table(std::string_view sql) {
  size_t end = sql.find_last_not_of(" \t\r\n;");
  return "(\n" + std::string(sql.substr(0, end == std::string_view::npos ? 0 : end + 1)) + "\n) AS q";
}

Result<TableInfo> Connector::describe_query(std::string_view) {
  return not_supported("the " + backend() + " backend cannot run SQL queries");
}

std::string Connector::quote_name(std::string_view name) const {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Connector::quote_text(std::string_view text) const {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string sqlite_match(std::string_view text, const std::string& quoted) {
  // Digits with an optional sign (no leading zeros: "007" stays text), or such digits with a
  // fraction: SQLite compares them as numbers where a column keeps numbers.
  size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  size_t digits = 0, dots = 0;
  for (size_t j = i; j < text.size(); ++j) {
    if (text[j] >= '0' && text[j] <= '9') ++digits;
    else if (text[j] == '.' && dots == 0 && digits > 0 && j + 1 < text.size()) ++dots;
    else return quoted;
  }
  if (digits == 0 || digits > 18 || (text.size() - i > 1 && text[i] == '0' && text[i + 1] != '.')) return quoted;
  return quoted + ", " + std::string(text);
}

bool Connector::runs_sql() const {
  std::string b = backend();
  return b == "postgres" || b == "sqlite" || b == "odbc";
}

Status Connector::execute(std::string_view) {
  return not_supported("the " + backend() + " backend cannot run SQL");
}

namespace {

class Borrowed final : public Connector {
 public:
  explicit Borrowed(Connector& inner) : inner_(inner) {}
  Result<SourceInfo> info() override { return inner_.info(); }
  Result<std::vector<TableRef>> list_tables() override { return inner_.list_tables(); }
  Result<TableInfo> describe(const TableRef& table) override { return inner_.describe(table); }
  Result<RowCount> count(const TableRef& table, bool estimate) override { return inner_.count(table, estimate); }
  Result<std::unique_ptr<RowReader>> read(const ReadRequest& request) override { return inner_.read(request); }
  Result<TableInfo> describe_query(std::string_view sql) override { return inner_.describe_query(sql); }
  Result<std::unique_ptr<RowWriter>> write(const WriteRequest& request) override { return inner_.write(request); }
  Status execute(std::string_view sql) override { return inner_.execute(sql); }
  std::string backend() const override { return inner_.backend(); }
  std::string quote_name(std::string_view name) const override { return inner_.quote_name(name); }
  std::string quote_text(std::string_view text) const override { return inner_.quote_text(text); }
  std::string quote_match(std::string_view text) const override { return inner_.quote_match(text); }

 private:
  Connector& inner_;
};

}  // namespace

std::unique_ptr<Connector> borrow(Connector& inner) { return std::make_unique<Borrowed>(inner); }

}  // namespace csbridge::connector
