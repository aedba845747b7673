#include "migrate/shard_plan.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <ctime>

#include "mapping/block_reader.h"
#include "mapping/check.h"
#include "util/sha256.h"
#include "util/strings.h"

namespace csbridge::migrate {
namespace {

using nlohmann::json;

json mark_json(const std::optional<Mark>& mark) { return mark ? json(*mark) : json(nullptr); }

Result<std::optional<Mark>> mark_of(const json& j, const std::string& where) {
  if (j.is_null()) return std::optional<Mark>();
  if (!j.is_array() || j.empty()) return invalid_argument("shard plan: " + where + ": a bound must be a list of values");
  Mark m;
  for (const auto& v : j) {
    if (!v.is_string()) return invalid_argument("shard plan: " + where + ": a bound holds text values only");
    m.push_back(v.get<std::string>());
  }
  return std::optional<Mark>(std::move(m));
}

std::optional<int64_t> to_int64(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

// What a block's key scan reads: the source (a table as the engine spells it, or the block's
// query), its key columns as spelled there, and the block's own filter.
struct KeySource {
  connector::ReadRequest request;  // table or query, key columns, the filter; no order
  std::vector<std::string> key;
  std::string filter;  // the block's where and filter ("" = none)
};

Result<KeySource> key_source(connector::Connector& db, const mapping::Block& block) {
  KeySource ks;
  ks.key = block.key;
  if (block.query.empty()) {
    mapping::SourceNames names(db);
    CSB_ASSIGN_OR_RETURN(const connector::TableInfo* info, names.table(block.table));
    ks.request.table = block.table_ref();
    ks.request.table.name = info->ref.name;
    for (auto& k : ks.key) {
      CSB_ASSIGN_OR_RETURN(k, names.column(block.table, k));
    }
  } else {
    ks.request.query = block.query;
  }
  CSB_ASSIGN_OR_RETURN(ks.filter, mapping::block_predicate(db, block));
  return ks;
}

std::string not_null(const connector::Connector& db, const std::vector<std::string>& key, bool negate) {
  std::vector<std::string> parts;
  for (const auto& k : key) parts.push_back(db.quote_name(k) + (negate ? " IS NULL" : " IS NOT NULL"));
  return util::join(parts, negate ? " OR " : " AND ");
}

// PostgreSQL's histogram of a one-column key of a table read whole: N-1 bounds of about equal
// rows without reading the table; nullopt when the statistics do not describe the key.
Result<std::optional<std::vector<Mark>>> statistics_bounds(connector::Connector& db, const KeySource& ks, int n,
                                                           int64_t& rows) {
  const std::optional<std::vector<Mark>> kNoStatistics;
  if (ks.key.size() != 1 || !ks.request.query.empty() || !ks.filter.empty() || n < 2) return kNoStatistics;
  CSB_ASSIGN_OR_RETURN(connector::SourceInfo info, db.info());
  if (util::to_lower(info.engine).find("postgres") == std::string::npos) return kNoStatistics;
  std::string table = ks.request.table.schema.empty()
                          ? db.quote_name(ks.request.table.name)
                          : db.quote_name(ks.request.table.schema) + "." + db.quote_name(ks.request.table.name);
  connector::ReadRequest r;
  r.query = "SELECT s.histogram_bounds::text AS bounds, c.reltuples::bigint AS estimate FROM pg_catalog.pg_stats s "
            "JOIN pg_catalog.pg_namespace ns ON ns.nspname = s.schemaname JOIN pg_catalog.pg_class c ON "
            "c.relnamespace = ns.oid AND c.relname = s.tablename WHERE c.oid = pg_catalog.to_regclass(" +
            db.quote_text(table) + ") AND s.attname = " + db.quote_text(ks.key[0]) +
            " AND s.most_common_vals IS NULL AND s.null_frac = 0 AND s.histogram_bounds IS NOT NULL";
  r.batch_rows = 1;
  CSB_ASSIGN_OR_RETURN(auto reader, db.read(r));
  connector::Batch b;
  CSB_ASSIGN_OR_RETURN(bool more, reader->next(b));
  if (!more || b.rows() == 0 || b.is_null(0, 0) || b.is_null(0, 1)) return kNoStatistics;
  // An array's text form: {a,b,"c d"} — elements quoted when they hold specials, \ escapes.
  std::string_view text = b.get(0, 0);
  std::vector<std::string> values;
  std::string cur;
  bool quoted = false, in_quotes = false;
  for (size_t i = 1; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '\\' && i + 1 < text.size()) cur += text[++i];
      else if (c == '"') in_quotes = false;
      else cur += c;
    } else if (c == '"') {
      in_quotes = quoted = true;
    } else if (c == ',' || c == '}') {
      if (!quoted && cur == "NULL") return kNoStatistics;
      values.push_back(std::move(cur));
      cur.clear();
      quoted = false;
    } else {
      cur += c;
    }
  }
  auto estimate = to_int64(b.get(0, 1));
  if (values.size() < static_cast<size_t>(n) + 1 || !estimate || *estimate <= 0) return kNoStatistics;
  rows = *estimate;
  std::vector<Mark> bounds;
  for (int i = 1; i < n; ++i) {
    size_t at = (values.size() - 1) * static_cast<size_t>(i) / static_cast<size_t>(n);
    bounds.push_back({values[at]});
  }
  return std::optional<std::vector<Mark>>(std::move(bounds));
}

// The rows of the block with a key (a count), then its keys in the source's order, keeping the
// key of every row that ends a shard: N-1 bounds of equal rows (the last shard takes the rest). A
// shard that ends before the first row (fewer rows than shards) has no bound (nullopt).
Result<std::vector<std::optional<Mark>>> scanned_bounds(connector::Connector& db, const KeySource& ks, int n,
                                                        size_t batch_rows, int64_t& rows) {
  std::string where = not_null(db, ks.key, false);
  if (!ks.filter.empty()) where = "(" + ks.filter + ") AND " + where;
  std::string from = ks.request.query.empty()
                         ? (ks.request.table.schema.empty() ? "" : db.quote_name(ks.request.table.schema) + ".") +
                               db.quote_name(ks.request.table.name)
                         : connector::derived_table(ks.request.query);
  connector::ReadRequest count;
  count.query = "SELECT count(*) AS n FROM " + from + " WHERE " + where;
  count.batch_rows = 1;
  CSB_ASSIGN_OR_RETURN(auto counter, db.read(count));
  connector::Batch b;
  CSB_ASSIGN_OR_RETURN(bool more, counter->next(b));
  auto total = more && b.rows() == 1 ? to_int64(b.get(0, 0)) : std::nullopt;
  if (!total) return Status(ErrorCode::kData, "counting the rows of the block gave no number");
  rows = *total;
  std::vector<int64_t> ends;  // the 1-based row that ends shard i
  for (int i = 1; i < n; ++i) ends.push_back(rows * i / n);
  std::vector<std::optional<Mark>> bounds(ends.size());
  size_t next = 0;
  while (next < ends.size() && ends[next] == 0) ++next;
  if (next == ends.size()) return bounds;
  connector::ReadRequest keys = ks.request;
  keys.columns = ks.key;
  keys.where = where;
  keys.order_by = ks.key;
  keys.batch_rows = batch_rows;
  CSB_ASSIGN_OR_RETURN(auto reader, db.read(keys));
  int64_t at = 0;
  while (next < ends.size()) {
    CSB_ASSIGN_OR_RETURN(more, reader->next(b));
    for (size_t r = 0; r < b.rows() && next < ends.size(); ++r) {
      ++at;
      while (next < ends.size() && ends[next] == at) {
        Mark m;
        for (size_t c = 0; c < b.columns(); ++c) m.emplace_back(b.get(r, c));
        bounds[next++] = std::move(m);
      }
    }
    if (!more) break;
  }
  return bounds;
}

}  // namespace

std::string mappings_hash(const mapping::MappingSet& mappings) {
  util::Sha256 sha;
  for (const auto& doc : mappings.documents) {
    sha.update(doc.text);
    sha.update(std::string_view("\0", 1));
  }
  return util::to_hex(sha.digest(), 8);
}

std::string ShardPlan::id() const {
  util::Sha256 sha;
  json j = json::parse(encode_plan(*this));
  j.erase("created_at");
  sha.update(j.dump());
  return util::to_hex(sha.digest(), 8);
}

const BlockShards* ShardPlan::block(std::string_view scope) const {
  for (const auto& b : blocks)
    if (b.scope == scope) return &b;
  return nullptr;
}

std::string encode_plan(const ShardPlan& plan) {
  json blocks = json::array();
  for (const auto& b : plan.blocks) {
    json shards = json::array();
    for (size_t k = 0; k < b.shards.size(); ++k) {
      shards.push_back({{"shard", k + 1}, {"after", mark_json(b.shards[k].lower)},
                        {"upto", mark_json(b.shards[k].upper)}, {"rows", b.shards[k].rows}});
      if (b.shards[k].empty) shards.back()["empty"] = true;
    }
    blocks.push_back({{"block", b.display}, {"scope", b.scope}, {"entity", b.entity}, {"key", b.key},
                      {"how", b.how}, {"rows", b.rows}, {"shards", shards}});
  }
  return json({{"shards", plan.shards}, {"mappings", plan.mappings}, {"created_at", plan.created_at},
               {"blocks", blocks}})
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ShardPlan> decode_plan(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("shards") || !j["shards"].is_number_integer() || !j.contains("blocks") ||
      !j["blocks"].is_array()) {
    return invalid_argument("shard plan: not a plan of csbridge plan-shards");
  }
  ShardPlan plan;
  plan.shards = j["shards"].get<int>();
  plan.mappings = j.value("mappings", "");
  plan.created_at = j.value("created_at", "");
  for (const auto& jb : j["blocks"]) {
    BlockShards b;
    b.display = jb.value("block", "");
    b.scope = jb.value("scope", "");
    b.entity = jb.value("entity", "");
    b.how = jb.value("how", "");
    b.rows = jb.value("rows", int64_t{0});
    if (jb.contains("key") && jb["key"].is_array())
      for (const auto& k : jb["key"]) b.key.push_back(k.is_string() ? k.get<std::string>() : "");
    if (!jb.contains("shards") || !jb["shards"].is_array() || jb["shards"].size() != static_cast<size_t>(plan.shards)) {
      return invalid_argument("shard plan: block " + b.display + " does not have " + std::to_string(plan.shards) +
                              " shards");
    }
    for (const auto& js : jb["shards"]) {
      ShardRange r;
      CSB_ASSIGN_OR_RETURN(r.lower, mark_of(js.value("after", json(nullptr)), b.display));
      CSB_ASSIGN_OR_RETURN(r.upper, mark_of(js.value("upto", json(nullptr)), b.display));
      r.rows = js.value("rows", int64_t{0});
      r.empty = js.value("empty", false);
      b.shards.push_back(std::move(r));
    }
    plan.blocks.push_back(std::move(b));
  }
  return plan;
}

Result<ShardPlan> plan_shards(const config::Config& config, const mapping::MappingSet& mappings,
                              const model::Model& model, const PlanShardsOptions& options) {
  if (options.shards < 1 || options.shards > kMaxShards) {
    return invalid_argument("--shards takes a number of shards from 1 to " + std::to_string(kMaxShards) + ", not " +
                            std::to_string(options.shards));
  }
  ShardPlan plan;
  plan.shards = options.shards;
  plan.mappings = mappings_hash(mappings);
  plan.created_at = utc_now();
  std::map<std::string, std::unique_ptr<connector::Connector>> sources;
  for (const mapping::Block* block : mapping::load_order(mappings, model)) {
    if (!options.entities.empty() &&
        std::find(options.entities.begin(), options.entities.end(), block->entity) == options.entities.end()) {
      continue;
    }
    const config::SourceConfig* source = config.source(block->source);
    if (!source) return config_error(block->display() + ": unknown source '" + block->source + "'");
    auto& db = sources[source->name];
    if (!db) {
      CSB_ASSIGN_OR_RETURN(db, options.open_source ? options.open_source(*source) : config::open_source(*source));
    }
    if (!db->runs_sql()) {
      return invalid_argument(block->display() + ": source '" + source->name + "' (" + db->backend() +
                              ") runs no SQL: its rows cannot be cut into key ranges; migrate it in one process, "
                              "or load the file into a database first");
    }
    if (options.progress) options.progress->step("shards of " + block->display());
    auto planned = [&]() -> Result<BlockShards> {
      CSB_ASSIGN_OR_RETURN(KeySource ks, key_source(*db, *block));
      BlockShards b;
      b.scope = block->scope();
      b.display = block->display();
      b.entity = block->entity;
      b.key = ks.key;
      CSB_ASSIGN_OR_RETURN(std::optional<std::vector<Mark>> stats, statistics_bounds(*db, ks, plan.shards, b.rows));
      std::vector<std::optional<Mark>> bounds;
      if (stats) {
        bounds.assign(stats->begin(), stats->end());
        b.how = "PostgreSQL statistics (pg_stats)";
      } else {
        CSB_ASSIGN_OR_RETURN(bounds, scanned_bounds(*db, ks, plan.shards, options.batch_rows, b.rows));
        b.how = "ordered key scan";
      }
      for (int k = 0; k < plan.shards; ++k) {
        ShardRange r;
        if (k > 0) r.lower = bounds[k - 1];
        if (k + 1 < plan.shards) {
          r.upper = bounds[k];
          r.empty = !bounds[k];  // ends before the first key
        }
        r.rows = b.rows * (k + 1) / plan.shards - b.rows * k / plan.shards;
        b.shards.push_back(std::move(r));
      }
      return b;
    };
    Result<BlockShards> b = planned();
    if (!b.is_ok()) {
      return b.status().message().starts_with(block->display()) ? b.status()
                                                                : b.status().with_context(block->display());
    }
    plan.blocks.push_back(std::move(*b));
  }
  if (plan.blocks.empty()) return invalid_argument("nothing to plan: no mapping blocks");
  return plan;
}

std::string range_predicate(const connector::Connector& db, const BlockShards& block, size_t k) {
  if (block.shards.size() < 2 || k >= block.shards.size()) return "";
  const ShardRange& r = block.shards[k];
  std::vector<std::string> parts;
  if (r.lower) parts.push_back(tuple_compare(db, block.key, *r.lower, ">", ">"));
  if (r.upper) parts.push_back(tuple_compare(db, block.key, *r.upper, "<", "<="));
  if (r.empty) parts = {"1 = 0"};
  std::string range = parts.empty() ? "1 = 1" : "(" + util::join(parts, ") AND (") + ")";
  // Rows with a NULL key column belong to the first shard; every other shard reads keyed rows only.
  if (k == 0) return "(" + not_null(db, block.key, true) + " OR " + range + ")";
  return "(" + not_null(db, block.key, false) + " AND " + range + ")";
}

Result<std::pair<int, int>> parse_shard(std::string_view text, const config::EnvLookup& env) {
  auto number = [](std::string_view s) -> std::optional<int> {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
  };
  const std::string usage = "--shard takes K/N (shard K of N, from 1) or N (K from JOB_COMPLETION_INDEX, "
                            "SLURM_ARRAY_TASK_ID or CLOUD_RUN_TASK_INDEX, counted from 0), not '" +
                            std::string(text) + "'";
  size_t slash = text.find('/');
  std::optional<int> n = number(slash == std::string_view::npos ? text : text.substr(slash + 1));
  if (!n || *n < 1 || *n > kMaxShards) return invalid_argument(usage);
  if (slash != std::string_view::npos) {
    std::optional<int> k = number(text.substr(0, slash));
    if (!k) return invalid_argument(usage);
    if (*k < 1 || *k > *n) {
      return invalid_argument("--shard " + std::string(text) + ": shard " + std::to_string(*k) +
                              " does not exist: shards of " + std::to_string(*n) + " are 1 to " + std::to_string(*n));
    }
    return std::make_pair(*k, *n);
  }
  for (const char* var : {"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "CLOUD_RUN_TASK_INDEX"}) {
    std::optional<std::string> value = env(var);
    if (!value || value->empty()) continue;
    std::optional<int> index = number(*value);
    if (!index || *index < 0 || *index >= *n) {
      return invalid_argument("--shard " + std::string(text) + ": " + var + "=" + *value +
                              " is no shard index from 0 to " + std::to_string(*n - 1) +
                              (std::string(var) == "SLURM_ARRAY_TASK_ID" ? " (run the array as --array=0-" +
                                                                               std::to_string(*n - 1) + ")"
                                                                         : ""));
    }
    return std::make_pair(*index + 1, *n);
  }
  return invalid_argument("--shard " + std::string(text) +
                          ": no shard index in the environment (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, "
                          "CLOUD_RUN_TASK_INDEX): give --shard K/" + std::to_string(*n));
}

}  // namespace csbridge::migrate
