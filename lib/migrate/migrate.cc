#include "migrate/migrate.h"

#include <pwd.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cctype>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
#include "util/work_queue.h"

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
    // One migration at a time: a second one touches nothing, not even the tables' definitions.
    CSB_RETURN_IF_ERROR(retry("locking the target", [&] { return store_->lock_target(); }));
    CSB_RETURN_IF_ERROR(retry("preparing the target", [&] { return store_->prepare(); }));
    // SQLite takes one writer at a time: a second connection would only wait for the first.
    int loaders = store_->backend() == "postgres" ? config_.options.load_connections : 1;
    // The first connection fails fast (a wrong target is better told at once); the others are
    // retried like a dropped connection, as the server answered a moment ago.
    for (int i = 1; i < loaders; ++i) {
      CSB_RETURN_IF_ERROR(retry("opening loader connection " + std::to_string(i + 1), [&]() -> Status {
        CSB_ASSIGN_OR_RETURN(auto extra, TargetStore::open(connection, schema, model_));
        extra_stores_.push_back(std::move(extra));
        return Status::ok();
      }));
    }
    return Status::ok();
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
    bool lost = false;  // a lost connection may have lost the reply to a committed insert
    return retry("recording the run", [&]() -> Status {
      Status s = store_->begin_run(run);
      if (lost && s.code() == ErrorCode::kInvalidArgument) return Status::ok();  // our own record, from before
      lost = s.code() == ErrorCode::kUnreachable;
      return s;
    });
  }

  Status end(const MigrateSummary& summary) {
    if (!store_) return Status::ok();
    nlohmann::json counts = nlohmann::json::array();
    for (const auto& e : summary.entities) {
      counts.push_back({{"name", e.name}, {"read", e.read}, {"loaded", e.loaded}, {"unchanged", e.unchanged},
                        {"rejected", e.rejected}, {"filtered", e.filtered}, {"skipped", e.skipped}});
    }
    return retry("recording the end of the run", [&] { return store_->end_run(run_id_, summary.status, counts.dump()); });
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
    std::vector<std::string> loader_scopes;
    if (store_) {
      CSB_ASSIGN_OR_RETURN(skip, start_checkpoints(block.scope(), loader_scopes));
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
    BlockRun run{block, columns, mapping::BlockMapper::source_pii(block, columns), {}, loader_scopes, counts, {}, {}};
    for (const auto& o : mapper->outputs()) {
      run.spec.columns.push_back(o.field);
      run.spec.lookups.push_back(o.lookup_entity);
      run.spec.lookup_systems.push_back(o.lookup_system);
      run.spec.orphans_to_null.push_back(o.lookup_orphans_to_null);
    }
    run.spec.entity = block.entity;
    run.spec.source_system = block.source;

    // Batches go to the loaders (one thread and connection each) through a short queue, so that
    // reading and mapping the next batches overlap with loading this one.
    size_t loader_count = store_ ? 1 + extra_stores_.size() : 0;
    util::WorkQueue<LoadJob> queue(std::max<size_t>(loader_count, 1));
    std::vector<std::thread> loaders;
    for (size_t i = 0; i < loader_count; ++i) loaders.emplace_back([&, i] { load_jobs(run, queue, i); });
    Status mapped = map_batches(run, *reader, *mapper, skip, loader_count > 0 ? &queue : nullptr);
    queue.close();
    for (auto& t : loaders) t.join();
    if (!mapped.is_ok()) return mapped;
    if (!run.failure.is_ok()) return run.failure;
    if (progress_) progress_->block_finished();
    counts.seconds += std::chrono::duration<double>(Clock::now() - started).count();
    return Status::ok();
  }

  Status finish(const std::vector<const mapping::Block*>& blocks) {
    if (!store_) return Status::ok();
    // Self-references (a ticket merged into another) resolve once their entity's rows are in;
    // keys recorded by an interrupted run resolve here too.
    CSB_RETURN_IF_ERROR(retry("resolving self-references", [&]() -> Status {
      CSB_ASSIGN_OR_RETURN(int64_t written, store_->resolve_deferred());
      (void)written;
      return Status::ok();
    }));
    for (const auto* b : blocks) {
      CSB_RETURN_IF_ERROR(retry("clearing checkpoints", [&] { return store_->clear_checkpoints(b->scope()); }));
    }
    return Status::ok();
  }

 private:
  Result<connector::Connector*> connect(const config::SourceConfig& source) {
    auto it = sources_.find(source.name);
    if (it != sources_.end()) return it->second.get();
    CSB_ASSIGN_OR_RETURN(auto db, config::open_source(source));
    connector::Connector* raw = db.get();
    sources_.emplace(source.name, std::move(db));
    return raw;
  }

  // A batch on its way to a loader: the mapped rows, the source rows they came from (for the
  // values of reject lines) and the checkpoint position after it.
  struct LoadJob {
    connector::Batch in, out;
    std::vector<size_t> origin;  // out row → in row
    int64_t consumed = 0;        // rows of the block consumed once this batch is loaded
  };

  // What the mapping thread and the loaders of one block share. `counts`, the reject log and
  // `failure` are touched under `mutex` only.
  struct BlockRun {
    const mapping::Block& block;
    const std::vector<connector::ColumnInfo> columns;
    const std::vector<model::PiiClass> pii;
    LoadSpec spec;
    const std::vector<std::string> loader_scopes;  // checkpoint scope of each loader
    EntityCounts& counts;
    std::mutex mutex;
    Status failure;                  // the first loader failure; the others stop
    std::atomic<bool> stop{false};
  };

  // Checkpoints of a block: each loader commits its own ("<scope>/<n>") with its batches. A loader
  // takes batches in order and commits them in order, and each holds at most one uncommitted
  // batch; so every batch up to the smallest position of all loaders is committed, and a resumed
  // run starts there (batches past it that did commit load again, unchanged). Every loader's
  // scope is set to that start before any batch loads, so that a loader that never commits still
  // holds the others back. Returns the rows to skip.
  Result<int64_t> start_checkpoints(const std::string& scope, std::vector<std::string>& loader_scopes) {
    std::vector<std::pair<std::string, std::string>> positions;
    CSB_RETURN_IF_ERROR(retry("reading the checkpoint", [&]() -> Status {
      CSB_ASSIGN_OR_RETURN(positions, store_->checkpoints(scope));
      return Status::ok();
    }));
    int64_t skip = -1;
    for (const auto& [name, position] : positions) {
      int64_t rows = 0;
      auto [end, ec] = std::from_chars(position.data(), position.data() + position.size(), rows);
      if (ec != std::errc() || end != position.data() + position.size() || rows < 0) rows = 0;  // start over: loads are idempotent
      skip = skip < 0 ? rows : std::min(skip, rows);
    }
    skip = std::max<int64_t>(skip, 0);
    for (size_t i = 0; i <= extra_stores_.size(); ++i) loader_scopes.push_back(scope + "/" + std::to_string(i));
    CSB_RETURN_IF_ERROR(retry("setting the checkpoints", [&] {
      return store_->reset_checkpoints(scope, loader_scopes, std::to_string(skip), run_id_);
    }));
    return skip;
  }

  // The mapping thread: reads the block's rows, skips the `skip` committed ones, maps the rest
  // and hands each batch to the loaders (or, without a target, only counts it).
  Status map_batches(BlockRun& run, connector::RowReader& reader, mapping::BlockMapper& mapper, int64_t skip,
                     util::WorkQueue<LoadJob>* queue) {
    const mapping::Block& block = run.block;
    int64_t consumed = 0;
    std::string previous_key;  // rows come ordered by the legacy key: a repeated key follows its first row
    bool have_previous = false;
    connector::Batch scratch(1 + mapper.outputs().size());
    for (;;) {
      LoadJob job;
      job.out.reset(1 + mapper.outputs().size());
      CSB_ASSIGN_OR_RETURN(bool more, reader.next(job.in));
      EntityCounts local;
      std::unique_lock<std::mutex> lock(run.mutex, std::defer_lock);
      for (const auto& r : reader.take_rejects()) {
        ++local.read;
        ++local.rejected;
        lock.lock();
        Status s = rejects_.write(run_id_, block, "", "", "unreadable", r.location + ": " + r.reason, job.in, 0, {}, {});
        lock.unlock();
        CSB_RETURN_IF_ERROR(s);
      }
      if (!more) {
        add_counts(run, local);
        break;
      }
      const connector::Batch& in = job.in;
      for (size_t r = 0; r < in.rows(); ++r) {
        if (++consumed <= skip) {
          ++local.skipped;
          if (consumed == skip) {  // the last committed row: its key may repeat in the next one
            mapping::RowError ignored;
            scratch.clear();
            have_previous = mapper.map_row(in, r, scratch, ignored);
            if (have_previous) previous_key = std::string(scratch.get(0, 0));
          }
          continue;
        }
        ++local.read;
        mapping::RowError error;
        size_t before = job.out.rows();
        bool ok = mapper.map_row(in, r, job.out, error);
        std::string_view key = ok ? job.out.get(before, 0) : std::string_view(error.source_key);
        if (!in_sample(key, options_.sample_percent)) {
          if (ok) job.out.truncate_to_rows(before);
          ++local.filtered;
          continue;
        }
        if (ok && have_previous && key == previous_key) {
          ok = false;
          error = {std::string(key), "", "duplicate_key",
                   block.entity + " '" + std::string(key) +
                       "': the source_key repeats the row before it (a key loads once: its first row)"};
          job.out.truncate_to_rows(before);
        }
        if (ok) {
          previous_key.assign(key);
          have_previous = true;
          job.origin.push_back(r);
          continue;
        }
        ++local.rejected;
        lock.lock();
        Status s = rejects_.write(run_id_, block, error.source_key, error.field, error.code, error.message, in, r,
                                  run.columns, run.pii);
        lock.unlock();
        CSB_RETURN_IF_ERROR(s);
      }
      lock.lock();
      Status flushed = rejects_.flush();
      lock.unlock();
      CSB_RETURN_IF_ERROR(flushed);
      add_counts(run, local);
      if (consumed <= skip) continue;
      job.consumed = consumed;
      if (!queue) {
        EntityCounts mapped;
        mapped.loaded = static_cast<int64_t>(job.out.rows());
        add_counts(run, mapped);
      } else if (!job.out.empty() && !queue->push(job)) {
        return Status::ok();  // a loader failed: run.failure says why
      }
      if (progress_) progress_->rows_done(consumed);
    }
    return Status::ok();
  }

  // A loader: loads the batches it takes off the queue on its own connection, with its own
  // checkpoint scope, and records the outcome.
  void load_jobs(BlockRun& run, util::WorkQueue<LoadJob>& queue, size_t loader) {
    TargetStore& store = loader == 0 ? *store_ : *extra_stores_[loader - 1];
    const std::string& scope = run.loader_scopes[loader];
    while (std::optional<LoadJob> job = queue.pop()) {
      if (run.stop) continue;  // drain: another loader failed
      // The batch's rejects are synced to the reject file before it commits (a crash may write
      // them twice, never lose them).
      auto record_rejects = [&](const LoadOutcome& outcome) -> Status {
        std::lock_guard<std::mutex> lock(run.mutex);
        for (const auto& rr : outcome.rejects) {
          CSB_RETURN_IF_ERROR(rejects_.write(run_id_, run.block, std::string(job->out.get(rr.row, 0)), "", rr.code,
                                             rr.message, job->in, job->origin[rr.row], run.columns, run.pii));
        }
        return outcome.rejects.empty() ? Status::ok() : rejects_.flush();
      };
      LoadOutcome outcome;
      Status s = retry("loading a batch", [&]() -> Status {
        CSB_ASSIGN_OR_RETURN(outcome, store.load(run.spec, job->out, scope, std::to_string(job->consumed), run_id_,
                                                 record_rejects));
        return Status::ok();
      });
      std::lock_guard<std::mutex> lock(run.mutex);
      if (s.is_ok()) {
        run.counts.loaded += outcome.loaded + outcome.unchanged;
        run.counts.unchanged += outcome.unchanged;
        run.counts.rejected += static_cast<int64_t>(outcome.rejects.size());
      }
      if (!s.is_ok()) {
        if (run.failure.is_ok()) run.failure = s;
        run.stop = true;
        queue.close();
      }
    }
  }

  static void add_counts(BlockRun& run, const EntityCounts& add) {
    std::lock_guard<std::mutex> lock(run.mutex);
    run.counts.read += add.read;
    run.counts.loaded += add.loaded;
    run.counts.rejected += add.rejected;
    run.counts.filtered += add.filtered;
    run.counts.skipped += add.skipped;
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
  std::unique_ptr<TargetStore> store_;               // the first loader's too
  std::vector<std::unique_ptr<TargetStore>> extra_stores_;  // the other loaders' connections
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
