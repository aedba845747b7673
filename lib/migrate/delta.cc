#include "migrate/delta.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "migrate/target_store.h"
#include "util/strings.h"

namespace csbridge::migrate {
namespace {

using nlohmann::json;

json mark_json(const std::optional<Mark>& mark) { return mark ? json(*mark) : json(nullptr); }

Result<std::optional<Mark>> mark_from(const json& j) {
  if (j.is_null()) return std::optional<Mark>();
  if (!j.is_array() || j.empty()) return invalid_argument("a delta mark must be a list of values");
  Mark mark;
  for (const auto& v : j) {
    if (!v.is_string()) return invalid_argument("a delta mark holds text values only");
    mark.push_back(v.get<std::string>());
  }
  return std::optional<Mark>(std::move(mark));
}

// The block's columns of a mark, in order: the watermark, then the key.
std::vector<std::string> mark_columns(const mapping::Block& block) {
  std::vector<std::string> columns{block.watermark};
  columns.insert(columns.end(), block.key.begin(), block.key.end());
  return columns;
}

std::string source_of(const connector::Connector& db, const mapping::Block& block) {
  if (!block.query.empty()) return connector::derived_table(block.query);
  connector::TableRef t = block.table_ref();
  return t.schema.empty() ? db.quote_name(t.name) : db.quote_name(t.schema) + "." + db.quote_name(t.name);
}

bool numeric_watermark(connector::Connector& db, const mapping::Block& block) {
  if (!block.query.empty()) return false;
  Result<connector::TableInfo> info = db.describe(block.table_ref());
  if (!info.is_ok()) return false;
  for (const auto& c : info->columns) {
    if (util::to_lower(c.name) != util::to_lower(block.watermark)) continue;
    return c.type == connector::ValueType::kInteger || c.type == connector::ValueType::kDecimal ||
           c.type == connector::ValueType::kReal;
  }
  return false;
}

// The watermark's bound by the source's own clock, in its SQL; "" for an engine without one here.
std::string settle_bound(const std::string& engine, const std::string& column, double settle) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.6f", settle);
  std::string e = util::to_lower(engine);
  if (e.find("postgres") != std::string::npos) {
    return column + " <= now() - interval '" + seconds + " seconds'";
  }
  if (e.find("mariadb") != std::string::npos || e.find("mysql") != std::string::npos) {
    return column + " <= NOW(6) - INTERVAL " + std::to_string(std::llround(settle * 1e6)) + " MICROSECOND";
  }
  if (e.find("sqlite") != std::string::npos) {  // timestamps kept as text, UTC, in canonical form
    return column + " <= strftime('%Y-%m-%d %H:%M:%f', 'now', '-" + seconds + " seconds')";
  }
  return "";
}

}  // namespace

// The constant that compares with a column holding canonical `text` as the engine compares
// values of its type: SQLite keeps integers apart from text, so a number is written bare there.
std::string constant(const connector::Connector& db, std::string_view text) {
  std::string quoted = db.quote_text(text);
  std::string match = db.quote_match(text);
  if (match == quoted) return quoted;
  return match.substr(match.rfind(", ") + 2);
}

// (c0, c1, …) compared with (v0, v1, …) lexicographically: `strict` for every column but the
// last, `last` for the last one ("> ", ">" gives >, "<", "<=" gives <=).
std::string tuple_compare(const connector::Connector& db, const std::vector<std::string>& columns, const Mark& mark,
                          const std::string& strict, const std::string& last, size_t i) {
  std::string c = db.quote_name(columns[i]), v = constant(db, mark[i]);
  if (i + 1 == columns.size()) return c + " " + last + " " + v;
  return "(" + c + " " + strict + " " + v + " OR (" + c + " = " + v + " AND " +
         tuple_compare(db, columns, mark, strict, last, i + 1) + "))";
}

std::string encode_mark(const Mark& mark) { return json(mark).dump(); }

Result<Mark> decode_mark(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  CSB_ASSIGN_OR_RETURN(std::optional<Mark> mark, mark_from(j));
  if (!mark) return invalid_argument("a delta mark must be a list of values");
  return *mark;
}

std::string encode_bounds(const DeltaBounds& bounds) {
  return json({{"lower", mark_json(bounds.lower)}, {"upper", mark_json(bounds.upper)}, {"clock", bounds.clock}})
      .dump();
}

Result<DeltaBounds> decode_bounds(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return invalid_argument("delta bounds must be a JSON object");
  DeltaBounds b;
  CSB_ASSIGN_OR_RETURN(b.lower, mark_from(j.value("lower", json(nullptr))));
  CSB_ASSIGN_OR_RETURN(b.upper, mark_from(j.value("upper", json(nullptr))));
  if (j.contains("clock") && j["clock"].is_string()) b.clock = j["clock"].get<std::string>();
  return b;
}

std::string mark_scope(const std::string& block_scope) { return "mark:" + block_scope; }
std::string bounds_scope(const std::string& block_scope) { return block_scope + "~bounds"; }
std::string window_scope(const std::string& block_scope) { return "window:" + block_scope; }
std::string conflict_scope(const std::string& block_scope) { return "conflict:" + block_scope + ":"; }

std::string keys_predicate(const connector::Connector& db, const std::vector<std::string>& columns,
                           const std::vector<Mark>& keys) {
  std::string sql;
  if (columns.size() == 1) {
    for (const Mark& k : keys) sql += (sql.empty() ? "" : ", ") + constant(db, k.front());
    return sql.empty() ? "1 = 0" : db.quote_name(columns.front()) + " IN (" + sql + ")";
  }
  for (const Mark& k : keys) {
    std::string term;
    for (size_t i = 0; i < columns.size() && i < k.size(); ++i) {
      term += (i ? " AND " : "") + db.quote_name(columns[i]) + " = " + constant(db, k[i]);
    }
    sql += (sql.empty() ? "(" : " OR (") + term + ")";
  }
  return sql.empty() ? "1 = 0" : sql;
}

std::string random_sample_predicate(const std::string& engine, double fraction) {
  if (!(fraction < 1)) return "";
  char p[32];
  std::snprintf(p, sizeof p, "%.9f", std::max(0.0, fraction));
  std::string e = util::to_lower(engine);
  if (e.find("postgres") != std::string::npos) return std::string("random() < ") + p;
  if (e.find("mariadb") != std::string::npos || e.find("mysql") != std::string::npos) return std::string("RAND() < ") + p;
  if (e.find("sqlite") != std::string::npos) {  // random(): a 64-bit signed integer
    return "(random() % 1000000000 + 1000000000) % 1000000000 < " +
           std::to_string(std::llround(std::max(0.0, fraction) * 1e9));
  }
  return "";
}

Result<DeltaBounds> take_upper_bound(connector::Connector& db, const mapping::Block& block, double settle_seconds) {
  if (block.watermark.empty()) return invalid_argument(block.display() + ": a delta needs a 'watermark:' column");
  std::vector<std::string> columns = mark_columns(block);
  std::string watermark = db.quote_name(block.watermark);
  DeltaBounds bounds;
  std::string where = watermark + " IS NOT NULL";
  if (numeric_watermark(db, block)) {
    bounds.clock = "greatest watermark (a number: no clock)";
  } else {
    CSB_ASSIGN_OR_RETURN(connector::SourceInfo info, db.info());
    std::string settle = settle_bound(info.engine, watermark, settle_seconds);
    char text[64];
    std::snprintf(text, sizeof text, "source clock - %gs", settle_seconds);
    bounds.clock = settle.empty() ? "greatest watermark (" + info.engine + ": no source clock read)" : text;
    if (!settle.empty()) where += " AND " + settle;
  }
  std::string select, order;
  for (const auto& c : columns) {
    select += (select.empty() ? "" : ", ") + db.quote_name(c);
    order += (order.empty() ? "" : ", ") + db.quote_name(c) + " DESC";
  }
  connector::ReadRequest request;
  request.query = "SELECT " + select + " FROM " + source_of(db, block) + " WHERE " + where + " ORDER BY " + order +
                  " LIMIT 1";
  request.batch_rows = 1;
  CSB_ASSIGN_OR_RETURN(auto reader, db.read(request));
  connector::Batch batch;
  CSB_ASSIGN_OR_RETURN(bool more, reader->next(batch));
  if (!more || batch.rows() == 0) return bounds;
  Mark upper;
  for (size_t c = 0; c < batch.columns(); ++c) {
    if (batch.is_null(0, c)) return bounds;  // a NULL key: nothing to bound by
    upper.emplace_back(batch.get(0, c));
  }
  bounds.upper = std::move(upper);
  return bounds;
}

Result<std::string> delta_predicate(const connector::Connector& db, const mapping::Block& block,
                                    const DeltaBounds& bounds, double lookback_seconds) {
  std::vector<std::string> columns = mark_columns(block);
  std::vector<std::string> parts;
  if (bounds.lower) {
    if (bounds.lower->size() != columns.size()) {
      return invalid_argument(block.display() + ": the delta mark does not fit the block's watermark and key");
    }
    if (lookback_seconds > 0) {
      std::optional<std::string> from = shift_timestamp(bounds.lower->front(), -lookback_seconds);
      if (!from) {
        return invalid_argument(block.display() + ": delta.lookback needs a timestamp watermark ('" +
                                block.watermark + "' holds no timestamp)");
      }
      parts.push_back(db.quote_name(block.watermark) + " >= " + constant(db, *from));
    } else {
      // The watermark alone first: a range an index on it can serve (the tuple's OR cannot).
      parts.push_back(db.quote_name(block.watermark) + " >= " + constant(db, bounds.lower->front()));
      parts.push_back(tuple_compare(db, columns, *bounds.lower, ">", ">"));
    }
  }
  if (bounds.upper) {
    if (bounds.upper->size() != columns.size()) {
      return invalid_argument(block.display() + ": the delta bound does not fit the block's watermark and key");
    }
    parts.push_back(db.quote_name(block.watermark) + " <= " + constant(db, bounds.upper->front()));
    parts.push_back(tuple_compare(db, columns, *bounds.upper, "<", "<="));
  } else {
    parts.push_back("1 = 0");  // nothing at or below the settle bound yet
  }
  return "(" + util::join(parts, ") AND (") + ")";
}

Result<DeltaBounds> run_bounds(TargetStore& store, connector::Connector& db, const mapping::Block& block,
                               double settle_seconds, const std::string& run_id, const Retry& retry) {
  const std::string scope = bounds_scope(block.scope());
  std::optional<std::string> kept, mark;
  CSB_RETURN_IF_ERROR(retry("reading the delta mark", [&]() -> Status {
    CSB_ASSIGN_OR_RETURN(kept, store.checkpoint(scope));
    CSB_ASSIGN_OR_RETURN(mark, store.checkpoint(mark_scope(block.scope())));
    return Status::ok();
  }));
  if (kept) return decode_bounds(*kept);
  CSB_ASSIGN_OR_RETURN(DeltaBounds bounds, take_upper_bound(db, block, settle_seconds));
  if (mark) {
    CSB_ASSIGN_OR_RETURN(Mark lower, decode_mark(*mark));
    bounds.lower = lower;
  }
  CSB_RETURN_IF_ERROR(retry("recording the delta bounds",
                            [&] { return store.reset_checkpoints(scope, {scope}, encode_bounds(bounds), run_id); }));
  return bounds;
}

Status close_block(TargetStore& store, const std::string& block_scope, const std::string& run_id, const Retry& retry) {
  std::optional<std::string> bounds;
  CSB_RETURN_IF_ERROR(retry("reading the delta bounds", [&]() -> Status {
    CSB_ASSIGN_OR_RETURN(bounds, store.checkpoint(bounds_scope(block_scope)));
    return Status::ok();
  }));
  std::optional<Mark> upper;
  if (bounds) {
    CSB_ASSIGN_OR_RETURN(DeltaBounds decoded, decode_bounds(*bounds));
    upper = decoded.upper;
    const std::string window = window_scope(block_scope);
    CSB_RETURN_IF_ERROR(retry("recording the delta window",
                              [&] { return store.reset_checkpoints(window, {window}, *bounds, run_id); }));
  }
  return retry("clearing checkpoints", [&] {
    return upper ? store.reset_checkpoints(block_scope, {mark_scope(block_scope)}, encode_mark(*upper), run_id)
                 : store.clear_checkpoints(block_scope);
  });
}

std::optional<std::string> shift_timestamp(std::string_view text, double seconds) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, n = 0;
  std::string str(text);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return std::nullopt;
  size_t pos = 10;
  bool has_time = false;
  if (pos < str.size() && (str[pos] == ' ' || str[pos] == 'T')) {
    int m = 0;
    if (std::sscanf(str.c_str() + pos + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &m) != 3 || m != 8) return std::nullopt;
    pos += 9;
    has_time = true;
  }
  size_t digits = 0;
  int64_t fraction = 0;  // in units of 10^-digits s
  if (has_time && pos < str.size() && str[pos] == '.') {
    while (pos + 1 + digits < str.size() && std::isdigit(static_cast<unsigned char>(str[pos + 1 + digits])) &&
           digits < 9) {
      fraction = fraction * 10 + (str[pos + 1 + digits] - '0');
      ++digits;
    }
    pos += 1 + digits;
  }
  std::string zone = str.substr(pos);
  if (!has_time && !zone.empty()) return std::nullopt;
  size_t read_digits = digits;
  if (seconds != std::floor(seconds)) digits = std::max<size_t>(digits, 6);
  int64_t scale = 1;
  for (size_t i = 0; i < digits; ++i) scale *= 10;
  for (size_t i = read_digits; i < digits; ++i) fraction *= 10;
  std::tm tm{};
  tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s;
  // Everything in units of 10^-digits s; floor keeps a shifted lower bound at or before the exact one.
  int64_t units = static_cast<int64_t>(timegm(&tm)) * scale + fraction +
                  static_cast<int64_t>(std::floor(seconds * static_cast<double>(scale)));
  int64_t whole = units >= 0 ? units / scale : -((-units + scale - 1) / scale);
  int64_t rest = units - whole * scale;
  std::time_t t = static_cast<std::time_t>(whole);
  std::tm out{};
  gmtime_r(&t, &out);
  char buf[64];
  std::strftime(buf, sizeof buf, has_time || seconds != std::floor(seconds) ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d", &out);
  std::string result = buf;
  if (digits > 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%0*lld", static_cast<int>(digits), static_cast<long long>(rest));
    result += frac;
  }
  if (has_time && str[10] == 'T') result[10] = 'T';
  return result + zone;
}

}  // namespace csbridge::migrate
