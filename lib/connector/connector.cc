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
  // Order matters: "timestamp with time zone" before "timestamp", "interval" etc. stay text.
  if (has("with time zone") || starts("timestamptz") || has("datetimeoffset")) return ValueType::kTimestampTz;
  if (starts("timestamp") || starts("datetime") || starts("smalldatetime") || starts("datetime2"))
    return ValueType::kTimestamp;
  if (starts("date")) return ValueType::kDate;
  if (starts("time")) return ValueType::kTime;
  if (starts("bool") || t == "bit") return ValueType::kBoolean;
  if (has("int") || starts("serial") || starts("bigserial") || starts("smallserial") || starts("year"))
    return ValueType::kInteger;
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

Status Connector::execute(std::string_view) {
  return not_supported("the " + backend() + " backend cannot run SQL");
}

}  // namespace csbridge::connector
