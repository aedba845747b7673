#include "migrate/migrate.h"

#include <pwd.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include "connector/prefetch_reader.h"
#include "connector/registry.h"
#include "mapping/check.h"
#include "mapping/row_mapper.h"
#include "migrate/target_store.h"
#include "pii/detect.h"
#include "pii/mask.h"
#include "util/hyperloglog.h"
#include "util/sha256.h"
#include "util/strings.h"

namespace csbridge::migrate {
namespace {

using Clock = std::chrono::steady_clock;

// A dropped connection or a restarted server is retried this many times, waiting 1, 2, 4, … s.
constexpr int kRetries = 5;

std::string make_run_id() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(rd() & 0xffff));
  return std::string(stamp) + "-" + suffix;
}

std::string os_user() {
  if (const passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  const char* user = std::getenv("USER");
  return user ? user : "";
}

// SHA-256 over the config file and every mapping file, as they were read.
std::string config_hash(const config::Config& config, const mapping::MappingSet& mappings) {
  util::Sha256 sha;
  if (!config.file.empty()) {
    std::ifstream in(config.file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    sha.update(text);
  }
  for (const auto& doc : mappings.documents) {
    sha.update(doc.file);
    sha.update(doc.text);
  }
  return util::to_hex(sha.digest(), 8);
}

bool plain_identifier(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string sql_literal(std::string_view text) { return "'" + util::replace_all(text, "'", "''") + "'"; }

// The block's own filter, the run's --where, and --since on the block's watermark, ANDed.
Result<std::string> source_filter(const mapping::Block& block, const MigrateOptions& options) {
  std::vector<std::string> parts;
  if (!block.where.empty()) parts.push_back("(" + block.where + ")");
  if (!options.where.empty()) parts.push_back("(" + options.where + ")");
  if (!options.since.empty()) {
    if (block.watermark.empty()) {
      return invalid_argument("--since needs a 'watermark:' column in the mapping block");
    }
    std::string column = plain_identifier(block.watermark) ? block.watermark : "\"" + block.watermark + "\"";
    parts.push_back(column + " > " + sql_literal(options.since));
  }
  return util::join(parts, " AND ");
}

// Writes rejected rows as JSON lines, their values masked by the PII class of what they feed.
class RejectLog {
 public:
  Status open(const std::string& path) {
    if (path.empty()) return Status::ok();
    path_ = path;
    out_ = std::fopen(path.c_str(), "ab");
    if (!out_) return io_error("cannot write the reject file " + path + ": " + std::strerror(errno));
    return Status::ok();
  }
  ~RejectLog() {
    if (out_) std::fclose(out_);
  }

  Status write(const std::string& run_id, const mapping::Block& block, const std::string& source_key,
               const std::string& field, const std::string& code, const std::string& message,
               const connector::Batch& in, size_t row, const std::vector<connector::ColumnInfo>& columns,
               const std::vector<model::PiiClass>& pii) {
    if (!out_) return Status::ok();
    nlohmann::ordered_json values = nlohmann::ordered_json::object();
    for (size_t c = 0; c < columns.size() && c < in.columns(); ++c) {
      if (in.is_null(row, c)) values[columns[c].name] = nullptr;
      else values[columns[c].name] = pii::mask_value(detector(), pii[c], in.get(row, c));
    }
    nlohmann::ordered_json line = {{"run_id", run_id}, {"entity", block.entity}, {"block", block.display()},
                                   {"source_key", source_key}, {"field", field}, {"code", code},
                                   {"message", message}, {"values", values}};
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (std::fwrite(text.data(), 1, text.size(), out_) != text.size()) return io_error("cannot write " + path_);
    return Status::ok();
  }
  // Durable before the batch it belongs to commits: a crash never loses a reject.
  Status flush() {
    if (!out_) return Status::ok();
    if (std::fflush(out_) != 0 || ::fsync(::fileno(out_)) != 0) return io_error("cannot write " + path_);
    return Status::ok();
  }

 private:
  static const pii::Detector& detector() {
    static const pii::Detector d;
    return d;
  }
  std::string path_;
  FILE* out_ = nullptr;
};

class Migration {
 public:
  Migration(const config::Config& config, const model::Model& model, const MigrateOptions& options,
            ProgressSink* progress)
      : config_(config), model_(model), options_(options), progress_(progress) {}

  Status open_target() {
    if (options_.dry_run) return Status::ok();
    std::string connection = options_.target;
    if (connection.empty()) {
      if (!config_.target) return config_error("no target: set 'target:' in csbridge.yaml (or pass --target)");
      connection = config_.target->connection;
    }
    std::string schema = options_.schema.empty() && config_.target ? config_.target->schema : options_.schema;
    CSB_ASSIGN_OR_RETURN(store_, TargetStore::open(connection, schema, model_));
    return retry("preparing the target", [&] { return store_->prepare(); });
  }

  Status begin(const std::string& run_id, const std::string& hash) {
    run_id_ = run_id;
    CSB_RETURN_IF_ERROR(rejects_.open(options_.reject_file));
    if (!store_) return Status::ok();
    RunRecord run;
    run.run_id = run_id;
    run.os_user = os_user();
    run.command = options_.command_line;
    run.config_hash = hash;
    return store_->begin_run(run);
  }

  Status end(const MigrateSummary& summary) {
    if (!store_) return Status::ok();
    nlohmann::json counts = nlohmann::json::array();
    for (const auto& e : summary.entities) {
      counts.push_back({{"name", e.name}, {"read", e.read}, {"loaded", e.loaded}, {"unchanged", e.unchanged},
                        {"rejected", e.rejected}, {"filtered", e.filtered}, {"skipped", e.skipped}});
    }
    return store_->end_run(run_id_, summary.status, counts.dump());
  }

  Status fail_run(const Status& why) {
    if (store_) (void)store_->end_run(run_id_, "failed", nlohmann::json({{"error", why.message()}}).dump());
    return why;
  }

  Status run_block(const mapping::Block& block, EntityCounts& counts) {
    auto started = Clock::now();
    const config::SourceConfig* source = config_.source(block.source);
    if (!source) return config_error(block.display() + ": unknown source '" + block.source + "'");
    CSB_ASSIGN_OR_RETURN(connector::Connector * db, connect(*source));

    connector::ReadRequest request;
    if (block.query.empty()) request.table = {"", block.table};
    request.query = block.query;
    request.columns = mapping::BlockMapper::columns_to_read(block);
    CSB_ASSIGN_OR_RETURN(request.where, source_filter(block, options_));
    request.order_by = block.key;  // a stable order is what makes a checkpoint a position
    request.limit = options_.limit;
    request.batch_rows = static_cast<size_t>(config_.options.batch_rows);

    int64_t skip = 0;
    const std::string scope = block.scope();
    if (store_) {
      std::optional<std::string> position;
      CSB_RETURN_IF_ERROR(retry("reading the checkpoint", [&]() -> Status {
        CSB_ASSIGN_OR_RETURN(position, store_->checkpoint(scope));
        return Status::ok();
      }));
      if (position) skip = std::stoll(*position);
    }

    int64_t estimate = -1;
    if (block.query.empty() && block.where.empty() && options_.where.empty()) {
      if (auto n = db->count(request.table, true); n.is_ok()) estimate = n->rows;
    }
    if (progress_) progress_->block_started(block.display(), estimate);

    CSB_ASSIGN_OR_RETURN(auto inner, db->read(request));
    const std::vector<connector::ColumnInfo> columns = inner->columns();
    auto reader = connector::prefetch(std::move(inner));
    mapping::MapperSettings settings = mapping::settings_for(block, config_, options_.env);
    CSB_ASSIGN_OR_RETURN(auto mapper, mapping::BlockMapper::bind(block, columns, settings));
    const std::vector<model::PiiClass> pii = mapping::BlockMapper::source_pii(block, columns);

    LoadSpec spec;
    spec.entity = block.entity;
    spec.source_system = block.source;
    for (const auto& o : mapper->outputs()) {
      spec.columns.push_back(o.field);
      spec.lookups.push_back(o.lookup_entity);
      spec.lookup_systems.push_back(o.lookup_system);
      spec.orphans_to_null.push_back(o.lookup_orphans_to_null);
    }

    connector::Batch in, out(1 + mapper->outputs().size());
    std::vector<size_t> origin;  // out row → in row
    int64_t consumed = 0;
    while (true) {
      CSB_ASSIGN_OR_RETURN(bool more, reader->next(in));
      for (const auto& r : reader->take_rejects()) {
        ++counts.read;
        ++counts.rejected;
        CSB_RETURN_IF_ERROR(rejects_.write(run_id_, block, "", "", "unreadable", r.location + ": " + r.reason, in, 0,
                                           {}, {}));
      }
      if (!more) break;
      out.clear();
      origin.clear();
      for (size_t r = 0; r < in.rows(); ++r) {
        if (++consumed <= skip) {
          ++counts.skipped;
          continue;
        }
        ++counts.read;
        mapping::RowError error;
        size_t before = out.rows();
        bool ok = mapper->map_row(in, r, out, error);
        std::string key = ok ? std::string(out.get(before, 0)) : error.source_key;
        if (!in_sample(key, options_.sample_percent)) {
          if (ok) out.truncate_to_rows(before);
          ++counts.filtered;
          continue;
        }
        if (ok) {
          origin.push_back(r);
          continue;
        }
        ++counts.rejected;
        CSB_RETURN_IF_ERROR(
            rejects_.write(run_id_, block, error.source_key, error.field, error.code, error.message, in, r, columns, pii));
      }
      CSB_RETURN_IF_ERROR(rejects_.flush());
      if (consumed <= skip) continue;
      if (store_ && !out.empty()) {
        LoadOutcome outcome;
        CSB_RETURN_IF_ERROR(retry("loading " + block.display(), [&]() -> Status {
          CSB_ASSIGN_OR_RETURN(outcome, store_->load(spec, out, scope, std::to_string(consumed), run_id_));
          return Status::ok();
        }));
        counts.loaded += outcome.loaded + outcome.unchanged;
        counts.unchanged += outcome.unchanged;
        counts.rejected += static_cast<int64_t>(outcome.rejects.size());
        for (const auto& rr : outcome.rejects) {
          size_t r = origin[rr.row];
          CSB_RETURN_IF_ERROR(rejects_.write(run_id_, block, std::string(out.get(rr.row, 0)), "", rr.code, rr.message,
                                             in, r, columns, pii));
        }
        CSB_RETURN_IF_ERROR(rejects_.flush());
      } else {
        counts.loaded += static_cast<int64_t>(out.rows());
      }
      if (progress_) progress_->rows_done(consumed);
    }
    if (progress_) progress_->block_finished();
    counts.seconds += std::chrono::duration<double>(Clock::now() - started).count();
    return Status::ok();
  }

  Status finish(const std::vector<const mapping::Block*>& blocks) {
    if (!store_) return Status::ok();
    for (const auto* b : blocks) {
      CSB_RETURN_IF_ERROR(retry("clearing checkpoints", [&] { return store_->clear_checkpoints(b->scope()); }));
    }
    return Status::ok();
  }

 private:
  Result<connector::Connector*> connect(const config::SourceConfig& source) {
    auto it = sources_.find(source.name);
    if (it != sources_.end()) return it->second.get();
    CSB_ASSIGN_OR_RETURN(auto db, connector::open_connector(source.connection));
    connector::Connector* raw = db.get();
    sources_.emplace(source.name, std::move(db));
    return raw;
  }

  // Runs `op`, retrying a dropped connection with backoff (the store reconnects; loads are idempotent).
  template <typename Op>
  Status retry(const std::string& what, Op op) {
    Status s;
    for (int attempt = 0; attempt <= kRetries; ++attempt) {
      s = op();
      if (s.is_ok() || s.code() != ErrorCode::kUnreachable || attempt == kRetries) break;
      std::this_thread::sleep_for(std::chrono::seconds(1 << attempt));
    }
    if (!s.is_ok() && s.code() == ErrorCode::kUnreachable) {
      return s.with_context(what + " (after " + std::to_string(kRetries) + " retries)");
    }
    return s;
  }

  const config::Config& config_;
  const model::Model& model_;
  const MigrateOptions& options_;
  ProgressSink* progress_;
  std::unique_ptr<TargetStore> store_;
  std::map<std::string, std::unique_ptr<connector::Connector>> sources_;
  RejectLog rejects_;
  std::string run_id_;
};

}  // namespace

bool in_sample(std::string_view source_key, double percent) {
  if (percent >= 100) return true;
  return static_cast<double>(util::hash_bytes(source_key) % 10000) < percent * 100;
}

Result<MigrateSummary> run_migration(const config::Config& config, const mapping::MappingSet& mappings,
                                     const model::Model& model, const MigrateOptions& options,
                                     ProgressSink* progress) {
  if (!(options.sample_percent > 0 && options.sample_percent <= 100)) {
    return invalid_argument("--sample must be a percentage above 0 and at most 100");
  }
  std::vector<const mapping::Block*> blocks;
  for (const auto* b : mapping::load_order(mappings, model)) {
    if (options.entities.empty() ||
        std::find(options.entities.begin(), options.entities.end(), b->entity) != options.entities.end()) {
      blocks.push_back(b);
    }
  }
  for (const auto& e : options.entities) {
    if (mappings.blocks_of(e).empty()) return invalid_argument("--entities: no mapping block loads '" + e + "'");
  }
  if (blocks.empty()) return invalid_argument("nothing to migrate: no mapping blocks");

  MigrateSummary summary;
  summary.run_id = make_run_id();
  summary.reject_file = options.reject_file;
  Migration migration(config, model, options, progress);
  CSB_RETURN_IF_ERROR(migration.open_target());
  CSB_RETURN_IF_ERROR(migration.begin(summary.run_id, config_hash(config, mappings)));

  for (const auto* block : blocks) {
    auto it = std::find_if(summary.entities.begin(), summary.entities.end(),
                           [&](const EntityCounts& e) { return e.name == block->entity; });
    if (it == summary.entities.end()) {
      summary.entities.push_back({});
      summary.entities.back().name = block->entity;
      it = summary.entities.end() - 1;
    }
    Status s = migration.run_block(*block, *it);
    if (!s.is_ok()) return migration.fail_run(s.with_context(block->display()));
  }
  int64_t read = 0, rejected = 0;
  for (const auto& e : summary.entities) {
    read += e.read;
    rejected += e.rejected;
  }
  bool too_many = (options.max_rejects >= 0 && rejected > options.max_rejects) ||
                  (options.max_rejects_percent >= 0 && read > 0 &&
                   100.0 * static_cast<double>(rejected) / static_cast<double>(read) > options.max_rejects_percent);
  summary.status = options.dry_run ? "dry_run" : too_many ? "too_many_rejects" : "ok";
  if (options.dry_run && too_many) summary.status = "too_many_rejects";
  CSB_RETURN_IF_ERROR(migration.finish(blocks));
  CSB_RETURN_IF_ERROR(migration.end(summary));
  return summary;
}

}  // namespace csbridge::migrate
