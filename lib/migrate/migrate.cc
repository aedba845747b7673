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
#include <filesystem>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "connector/prefetch_reader.h"
#include "connector/registry.h"
#include "connector/snapshot.h"
#include "mapping/block_reader.h"
#include "mapping/check.h"
#include "mapping/row_mapper.h"
#include "migrate/checkpoints.h"
#include "migrate/deletes.h"
#include "migrate/delta.h"
#include "migrate/reject_log.h"
#include "migrate/shared_keys.h"
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
Result<std::string> source_filter(const mapping::Block& block, const MigrateOptions& options, bool sql) {
  std::vector<std::string> parts;
  if (!block.where.empty()) parts.push_back("(" + block.where + ")");
  if (!options.where.empty()) parts.push_back("(" + options.where + ")");
  if (!options.since.empty()) {
    if (block.watermark.empty()) {
      return invalid_argument("--since needs a 'watermark:' column in the mapping block");
    }
    // A source without SQL (an API) is asked for the changed rows itself (ReadRequest::changed_since).
    std::string column = plain_identifier(block.watermark) ? block.watermark : "\"" + block.watermark + "\"";
    if (sql) parts.push_back(column + " > " + sql_literal(options.since));
  }
  return util::join(parts, " AND ");
}


class Migration {
 public:
  Migration(const config::Config& config, const model::Model& model, const MigrateOptions& options,
            util::Progress* progress)
      : config_(config), model_(model), options_(options), progress_(progress) {}

  Result<std::unique_ptr<TargetStore>> open_store(const std::string& connection, const std::string& schema,
                                                  const model::Model& model) const {
    return options_.open_target ? options_.open_target(connection, schema, model)
                                : TargetStore::open(connection, schema, model);
  }

  Status open_target() {
    if (options_.dry_run) return Status::ok();
    CSB_ASSIGN_OR_RETURN(target_, config::resolve_target(config_, options_.target, options_.schema));
    const std::string& connection = target_.connection;
    const std::string& schema = target_.schema;
    CSB_ASSIGN_OR_RETURN(store_, open_store(connection, schema, model_));
    // One migration at a time: a second one touches nothing, not even the tables' definitions.
    CSB_RETURN_IF_ERROR(retry("locking the target", [&] { return store_->lock_target(); }));
    CSB_RETURN_IF_ERROR(retry("preparing the target", [&] { return store_->prepare(); }));
    // SQLite takes one writer at a time: a second connection would only wait for the first.
    int loaders = store_->backend() == "postgres" ? config_.options.load_connections : 1;
    // The first connection fails fast (a wrong target is better told at once); the others are
    // retried like a dropped connection, as the server answered a moment ago.
    for (int i = 1; i < loaders; ++i) {
      CSB_RETURN_IF_ERROR(retry("opening loader connection " + std::to_string(i + 1), [&]() -> Status {
        CSB_ASSIGN_OR_RETURN(auto extra, open_store(connection, schema, model_));
        extra_stores_.push_back(std::move(extra));
        return Status::ok();
      }));
    }
    return Status::ok();
  }

  // --resume: some block of this run must hold checkpoints an interrupted run left.
  Status require_interrupted(const std::vector<const mapping::Block*>& blocks) {
    for (const auto* b : blocks) {
      std::vector<std::pair<std::string, std::string>> positions;
      CSB_RETURN_IF_ERROR(retry("reading the checkpoints", [&]() -> Status {
        CSB_ASSIGN_OR_RETURN(positions, store_->checkpoints(b->scope()));
        return Status::ok();
      }));
      if (!positions.empty()) return Status::ok();
    }
    return invalid_argument("--resume: nothing to resume: no interrupted run left checkpoints in the target for "
                            "these mapping blocks (run without --resume to start)");
  }

  Status begin(const std::string& run_id, const std::string& hash) {
    run_id_ = run_id;
    rejects_.open(options_.reject_file);
    if (!store_) return Status::ok();
    RunRecord run;
    run.run_id = run_id;
    run.os_user = os_user();
    run.command = options_.command_line;
    run.config_hash = hash;
    bool lost = false;  // a lost connection may have lost the reply to a committed insert
    CSB_RETURN_IF_ERROR(retry("recording the run", [&]() -> Status {
      Status s = store_->begin_run(run);
      if (lost && s.code() == ErrorCode::kInvalidArgument) return Status::ok();  // our own record, from before
      lost = s.code() == ErrorCode::kUnreachable;
      return s;
    }));
    // The chain this run continues: the runs since the last one that completed (begin_run has
    // marked dead ones interrupted).
    constexpr int kRunsConsidered = 1000;
    std::vector<RunRecord> runs;
    CSB_RETURN_IF_ERROR(retry("reading the runs", [&]() -> Status {
      CSB_ASSIGN_OR_RETURN(runs, store_->list_runs(kRunsConsidered));
      return Status::ok();
    }));
    std::set<std::string> chain;
    for (const RunRecord& r : runs) {  // newest first
      if (r.run_id == run_id) continue;
      if (r.status == "ok" || r.status == "too_many_rejects" || r.status == "too_many_deletes") break;
      chain.insert(r.run_id);
    }
    if (!chain.empty() && !rejects_.path().empty()) {
      rejects_.skip_lines_of(chain);
      // A run of the chain may have written into another reject file (run with another
      // --rejects): lines it synced for a batch that did not commit are not written again.
      const std::string here = absolute_path(rejects_.path());
      for (const std::string& earlier : chain) {
        std::optional<std::string> file;
        CSB_RETURN_IF_ERROR(retry("reading the runs' reject files", [&]() -> Status {
          CSB_ASSIGN_OR_RETURN(file, store_->checkpoint(std::string(kRunRejectsPrefix) + earlier));
          return Status::ok();
        }));
        if (file && !file->empty() && *file != here) rejects_.skip_lines_of(chain, *file);
      }
    }
    // This run's reject file, for the runs that continue its chain (cleared when one completes).
    if (!rejects_.path().empty()) {
      const std::string scope = std::string(kRunRejectsPrefix) + run_id;
      CSB_RETURN_IF_ERROR(retry("recording the reject file", [&] {
        return store_->reset_checkpoints(scope, {scope}, absolute_path(rejects_.path()), run_id);
      }));
    }
    return Status::ok();
  }

  // The checkpoint of the reject file each run of an unfinished chain writes (+ its run id).
  static constexpr std::string_view kRunRejectsPrefix = "rejects:";
  static std::string absolute_path(const std::string& path) {
    std::error_code ec;
    std::string where = std::filesystem::absolute(path, ec).lexically_normal().string();
    return ec ? path : where;
  }

  Status end(const MigrateSummary& summary) {
    if (!store_) return Status::ok();
    nlohmann::json counts = nlohmann::json::array();
    for (const auto& e : summary.entities) {
      counts.push_back({{"name", e.name}, {"read", e.read}, {"loaded", e.loaded}, {"unchanged", e.unchanged},
                        {"rejected", e.rejected}, {"filtered", e.filtered}, {"skipped", e.skipped},
                        {"nulled_references", e.nulled_references}, {"conflicts", e.conflicts},
                        {"kept_target_edits", e.kept_target_edits}, {"delta", e.delta}, {"snapshot", e.snapshot},
                        {"deletes", e.deletes}, {"deleted", e.deleted}, {"removed", e.removed},
                        {"mark", e.mark.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(e.mark, nullptr, false)},
                        {"chain", {{"in_target", e.chain_in_target()}, {"rejected", e.chain_rejected()},
                                   {"filtered", e.chain_filtered()}}}});
    }
    // A chain that ends: its runs' reject files are no longer needed (every batch has committed,
    // so a run that still continues the chain, should the record fail, writes no line again).
    if (summary.status == "ok" || summary.status == "too_many_rejects" || summary.status == "too_many_deletes") {
      CSB_RETURN_IF_ERROR(
          retry("forgetting the runs' reject files", [&] { return store_->clear_checkpoints(kRunRejectsPrefix); }));
    }
    return retry("recording the end of the run", [&] { return store_->end_run(run_id_, summary.status, counts.dump()); });
  }

  Status fail_run(const Status& why) {
    // The message may quote bytes of the input that are not UTF-8 (a column name in a mapping file):
    // replaced, never thrown (nlohmann::json refuses to write them).
    if (store_) {
      (void)store_->end_run(run_id_, "failed",
                            nlohmann::json({{"error", why.message()}})
                                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return why;
  }

  // Opens the block's source read (no rows) and binds its mapper, as run_block will: run for every
  // block before the target is touched, so that a mapping naming a column its source lacks (or a
  // source that cannot be read so) fails with nothing written. An API source is left to run_block:
  // opening its read costs requests.
  // What a block reads: its table or query, the columns its mapping needs, its filter, --where
  // and --since (asked of the source itself where it runs no SQL), by its key.
  Result<connector::ReadRequest> block_request(const mapping::Block& block, connector::Connector& db) const {
    connector::ReadRequest request;
    if (block.query.empty()) request.table = block.table_ref();
    request.query = block.query;
    request.columns = mapping::BlockMapper::columns_to_read(block);
    CSB_ASSIGN_OR_RETURN(request.where, source_filter(block, options_, db.runs_sql()));
    if (!db.runs_sql() && !options_.since.empty()) request.changed_since = {block.watermark, options_.since};
    request.order_by = block.key;  // a stable order is what makes a checkpoint a position
    if (options_.key_range) {
      CSB_ASSIGN_OR_RETURN(std::string range, options_.key_range(block, db));
      if (!range.empty()) request.where = request.where.empty() ? range : "(" + request.where + ") AND " + range;
    }
    return request;
  }

  Status preflight(const mapping::Block& block) {
    const config::SourceConfig* source = config_.source(block.source);
    if (!source) return config_error(block.display() + ": unknown source '" + block.source + "'");
    if (source->api) return Status::ok();
    CSB_ASSIGN_OR_RETURN(connector::Connector * db, connect(*source));
    CSB_ASSIGN_OR_RETURN(connector::ReadRequest request, block_request(block, *db));
    request.limit = 0;
    request.batch_rows = static_cast<size_t>(config_.options.batch_rows);
    mapping::RelatedOpener open_related = related_opener(*source, *db);
    CSB_ASSIGN_OR_RETURN(auto reader, mapping::read_block(*db, block, request, open_related));
    mapping::MapperSettings settings = mapping::settings_for(block, config_, options_.env);
    return mapping::BlockMapper::bind(block, reader->columns(), settings).status();
  }

  Status run_block(const mapping::Block& block, EntityCounts& counts) {
    auto started = Clock::now();
    const config::SourceConfig* source = config_.source(block.source);
    if (!source) return config_error(block.display() + ": unknown source '" + block.source + "'");

    Committed committed;
    std::vector<std::string> loader_scopes;
    if (store_) {
      // A delta's positions do not survive a moving source (an updated row leaves the window):
      // a resumed delta reads its window again, identical rows write nothing.
      bool positions = !(options_.delta && !block.watermark.empty());
      CSB_ASSIGN_OR_RETURN(bool done, start_checkpoints(block.scope(), committed, loader_scopes, positions));
      committed.add_to(counts);
      if (done) {  // an interrupted run finished this block: not read again
        counts.skipped += committed.records_read();
        return Status::ok();
      }
      // A first load of the entity builds its secondary indexes after its rows (at the block's end).
      CSB_RETURN_IF_ERROR(retry("deferring the indexes of " + block.entity,
                                [&] { return store_->defer_indexes(block.entity).status(); }));
    }
    CSB_ASSIGN_OR_RETURN(connector::Connector * db, connect(*source));
    counts.snapshot = snapshots_[source->name];

    std::set<std::string> in_conflict;
    if (store_) {
      bool from_start = committed.upto() == 0 && committed.records_read() == 0;
      CSB_ASSIGN_OR_RETURN(in_conflict, conflict_list(block, from_start));
    }
    CSB_ASSIGN_OR_RETURN(connector::ReadRequest request, block_request(block, *db));
    CSB_ASSIGN_OR_RETURN(std::string window, delta_window(block, *db, counts, in_conflict));
    if (!window.empty()) request.where = request.where.empty() ? window : "(" + request.where + ") AND " + window;
    request.limit = options_.limit;
    request.batch_rows = static_cast<size_t>(config_.options.batch_rows);
    request.chunk_rows = options_.source_chunk_rows;
    request.skip_rows = committed.resume_rows();  // a backend that can start past them does (API pages)
    request.resume_position = committed.resume_position();

    int64_t estimate = -1;
    if (block.query.empty() && block.where.empty() && block.filter.empty() && options_.where.empty() &&
        !options_.key_range) {
      if (auto n = db->count(request.table, true); n.is_ok()) estimate = n->rows;
    }
    if (progress_) progress_->started("migrating", block.display(), estimate, false);

    mapping::RelatedOpener open_related = related_opener(*source, *db);
    CSB_ASSIGN_OR_RETURN(auto inner, mapping::read_block(*db, block, request, open_related));
    const std::vector<connector::ColumnInfo> columns = inner->columns();
    auto reader = connector::prefetch(std::move(inner));
    mapping::MapperSettings settings = mapping::settings_for(block, config_, options_.env);
    CSB_ASSIGN_OR_RETURN(auto mapper, mapping::BlockMapper::bind(block, columns, settings));
    BlockRun run{block, columns, mapping::BlockMapper::source_pii(block, columns), {}, loader_scopes, counts, {}, {}};
    run.outputs = mapper->outputs();
    run.in_conflict = std::move(in_conflict);
    run.key_columns = mapper->key_columns();
    for (const auto& o : mapper->outputs()) {
      run.spec.columns.push_back(o.field);
      run.spec.lookups.push_back(o.lookup_entity);
      run.spec.lookup_systems.push_back(o.lookup_system);
      run.spec.orphans_to_null.push_back(o.lookup_orphans_to_null);
    }
    run.spec.entity = block.entity;
    run.spec.source_system = block.source;
    run.spec.conflicts = conflict_policy();

    // Batches go to the loaders (one thread and connection each) through a short queue, so that
    // reading and mapping the next batches overlap with loading this one.
    size_t loader_count = store_ ? 1 + extra_stores_.size() : 0;
    util::WorkQueue<LoadJob> queue(std::max<size_t>(loader_count, 1));
    std::vector<std::thread> loaders;
    for (size_t i = 0; i < loader_count; ++i) loaders.emplace_back([&, i] { load_jobs(run, queue, i); });
    Status mapped = map_batches(run, *reader, *mapper, committed, loader_count > 0 ? &queue : nullptr);
    queue.close();
    for (auto& t : loaders) t.join();
    if (!mapped.is_ok()) return mapped;
    if (!run.failure.is_ok()) return run.failure;
    if (interrupted_) return Status::ok();  // not done: the next run resumes it
    if (store_) {
      const std::string done = done_scope(block.scope());
      CSB_RETURN_IF_ERROR(retry("recording the end of " + block.display(),
                                [&] { return store_->reset_checkpoints(done, {done}, "done", run_id_); }));
      CSB_RETURN_IF_ERROR(build_indexes());
    }
    if (progress_) progress_->finished();
    counts.seconds += std::chrono::duration<double>(Clock::now() - started).count();
    return Status::ok();
  }

  // The indexes first loads deferred (TargetStore::defer_indexes), built.
  Status build_indexes() {
    if (progress_) progress_->step("building deferred indexes");
    return retry("building deferred indexes", [&] { return store_->restore_indexes(); });
  }

  Status finish(const std::vector<const mapping::Block*>& blocks) {
    if (!store_) return Status::ok();
    CSB_RETURN_IF_ERROR(build_indexes());  // any a killed run left
    // Self-references (a ticket merged into another) resolve once their entity's rows are in;
    // keys recorded by an interrupted run resolve here too.
    CSB_RETURN_IF_ERROR(retry("resolving self-references", [&]() -> Status {
      CSB_ASSIGN_OR_RETURN(int64_t written, store_->resolve_deferred());
      (void)written;
      return Status::ok();
    }));
    for (const auto* b : blocks) {
      // The block's upper bound becomes its mark in the transaction that closes its checkpoints.
      CSB_RETURN_IF_ERROR(close_block(*store_, b->scope(), run_id_, retrier()));
      CSB_RETURN_IF_ERROR(settle_conflict_list(*b));
    }
    return Status::ok();
  }

  bool interrupted() const { return interrupted_; }

  // Whether this run reads every block whole (not a subset: --where, --sample, --limit, --since,
  // a shard's range): only such runs see deletes, move delta marks and begin conflict lists anew.
  bool reads_whole_blocks() const {
    return options_.where.empty() && options_.sample_percent >= 100 && options_.limit < 0 && options_.since.empty() &&
           !options_.key_range;
  }

  // Drops the entries of rows settled since they joined the block's conflict list, in one
  // transaction (a run killed first leaves them: they are read as settled).
  Status settle_conflict_list(const mapping::Block& block) {
    const std::string prefix = conflict_scope(block.scope());
    return retry("settling the list of rows in conflict", [&]() -> Status {
      CSB_ASSIGN_OR_RETURN(auto entries, store_->checkpoints(prefix));
      std::vector<std::string> pending;
      for (auto& [scope, value] : entries) {
        if (value == kConflictPending) pending.push_back(std::move(scope));
      }
      if (pending.size() == entries.size()) return Status::ok();
      return store_->reset_checkpoints(prefix, pending, kConflictPending, run_id_);
    });
  }

  // The blocks' deletes (migrate/deletes.h), once every block is loaded: all found first, then the
  // guard, then applied. Only runs that read whole blocks into a target see deletes. Returns the
  // guard's refusal ("" when none).
  Result<std::string> deletes(const std::vector<const mapping::Block*>& blocks, MigrateSummary& summary) {
    const bool whole = reads_whole_blocks();
    DeleteOptions o;
    o.hard = options_.hard_deletes;
    o.max_percent = config_.delta.max_delete_percent;
    if (options_.delete_sort_run_keys > 0) o.sort_run_keys = options_.delete_sort_run_keys;
    DeletePass pass(*store_, o);
    auto counts_of = [&](const mapping::Block& b) -> EntityCounts& {
      return *std::find_if(summary.entities.begin(), summary.entities.end(),
                           [&](const EntityCounts& e) { return e.name == b.entity; });
    };
    for (const auto* b : blocks) {
      if (b->deletes.mode == mapping::Deletes::Mode::kNone) continue;
      if (!whole) {
        counts_of(*b).deletes = deletes_how(*b) + " (not applied: a subset: --where, --sample, --limit, --since)";
        continue;
      }
      const config::SourceConfig* source = config_.source(b->source);
      CSB_ASSIGN_OR_RETURN(connector::Connector * db, connect(*source));
      mapping::RelatedOpener open_related = related_opener(*source, *db);
      Status s = retry("finding the deletes of " + b->display(), [&] { return pass.detect(*db, *b, open_related); });
      if (!s.is_ok()) return s.message().starts_with(b->display()) ? s : s.with_context(b->display());
    }
    Status guard = pass.guard();
    if (guard.is_ok()) CSB_RETURN_IF_ERROR(pass.apply(retrier()));
    for (const BlockDeletes& d : pass.blocks()) {
      EntityCounts& c = counts_of(*d.block);
      c.deletes = c.deletes.empty() ? d.how : c.deletes + "; " + d.how;
      c.deletes_found += d.found;
      c.deleted += d.applied;
      c.removed += d.removed;
    }
    return guard.is_ok() ? std::string() : guard.message();
  }

  // The predicate of what a block with a watermark reads in this run ("" = everything) and the
  // bounds recorded for its mark: taken once per chain of runs (a resumed run keeps them) and
  // only by runs that read the whole block into a target.
  // A delta also reads the rows still in conflict (`in_conflict`, delta.h conflict_scope) by key,
  // or, past kMaxConflictRereads of them, the block whole.
  Result<std::string> delta_window(const mapping::Block& block, connector::Connector& db, EntityCounts& counts,
                                   const std::set<std::string>& in_conflict) {
    const bool whole = reads_whole_blocks();
    if (!store_ || block.watermark.empty() || !whole || !db.runs_sql()) {
      if (options_.delta) {
        counts.delta = block.watermark.empty() ? "full comparison (no watermark)"
                       : !db.runs_sql()        ? "full comparison (" + db.backend() + ": no SQL to bound a delta)"
                       : !store_               ? "full (a dry run keeps no mark)"
                                               : "full (a subset: --where, --sample, --limit)";
      }
      return std::string();
    }
    CSB_ASSIGN_OR_RETURN(DeltaBounds bounds,
                         run_bounds(*store_, db, block, config_.delta.settle_seconds, run_id_, retrier()));
    counts.mark = bounds.upper ? encode_mark(*bounds.upper) : "";
    if (!options_.delta) {
      counts.delta = "full";
      return std::string();
    }
    counts.delta = (bounds.lower ? "delta past the mark, to " : "delta from the start (no mark yet), to ") + bounds.clock;
    CSB_ASSIGN_OR_RETURN(std::string window, delta_predicate(db, block, bounds, config_.delta.lookback_seconds));
    if (window.empty() || in_conflict.empty()) return window;
    const std::string n = std::to_string(in_conflict.size()) + (in_conflict.size() == 1 ? " row" : " rows");
    size_t most = options_.max_conflict_rereads > 0 ? options_.max_conflict_rereads : kMaxConflictRereads;
    if (in_conflict.size() > most) {
      counts.delta = "full comparison (" + n + " in conflict, over " + std::to_string(most) + " to read by key)";
      return std::string();
    }
    const std::string prefix = conflict_scope(block.scope());
    std::vector<Mark> keys;
    for (const std::string& scope : in_conflict) {
      Result<Mark> key = decode_mark(std::string_view(scope).substr(prefix.size()));
      if (key.is_ok() && key->size() == block.key.size()) keys.push_back(std::move(*key));
    }
    counts.delta += ", and the " + n + " in conflict";
    return "(" + window + " OR " + keys_predicate(db, block.key, keys) + ")";
  }

 private:
  // The connection a block's related rows (`from:` fields) are read on: the source's own connector
  // where its held snapshot is shared by reads at once (the rows as of the run's moment, like the
  // block's own), else a connection of their own.
  mapping::RelatedOpener related_opener(const config::SourceConfig& source, connector::Connector& db) {
    return [this, &source, &db]() -> Result<std::unique_ptr<connector::Connector>> {
      // In the run's snapshot where the source can share it (connector/snapshot.h), else on a
      // connection of its own (said in the summary's snapshot line).
      if (held_.count(source.name) != 0) {
        auto related = dynamic_cast<connector::SnapshotSource&>(db).related_reader();
        if (related.is_ok() || related.status().code() != ErrorCode::kNotSupported) return related;
      }
      return options_.open_source ? options_.open_source(source) : config::open_source(source);
    };
  }

  Result<connector::Connector*> connect(const config::SourceConfig& source) {
    auto it = sources_.find(source.name);
    if (it != sources_.end()) return it->second.get();
    CSB_ASSIGN_OR_RETURN(auto db, options_.open_source ? options_.open_source(source) : config::open_source(source));
    // One snapshot per run and source: every block reads the source as of one moment.
    auto* holder = dynamic_cast<connector::SnapshotSource*>(db.get());
    Result<std::string> how = holder ? holder->hold_snapshot() : not_supported(db->backend());
    if (!how.is_ok() && how.status().code() == ErrorCode::kUnreachable) return how.status();
    snapshots_[source.name] = how.is_ok() ? *how : "no snapshot (" + db->backend() + "): each block reads on its own";
    if (how.is_ok()) held_.insert(source.name);
    connector::Connector* raw = db.get();
    sources_.emplace(source.name, std::move(db));
    return raw;
  }

  // A batch on its way to a loader: the mapped rows, the source rows they came from (for the
  // values of reject lines), the rows the mapping rejected (written when the batch commits), the
  // positions it covers and what the mapping made of its rows.
  struct LoadJob {
    connector::Batch in, out;
    std::vector<size_t> origin;  // out row → in row
    struct Reject {
      mapping::RowError error;
      size_t row = 0;  // in row; SIZE_MAX for a record the reader could not read
    };
    std::vector<Reject> rejects;
    int64_t consumed = 0;  // rows of the block consumed once this batch is loaded
    std::string position;  // the reader's position after them (RowReader::position()), "" when none
    int64_t first = 0, last = 0;  // positions of the first and last row it processed
    EntityCounts counts;          // read, rejected and filtered by the mapping
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
    std::vector<mapping::OutputColumn> outputs = {};  // the mapper's (shared key spaces)
    std::set<std::string> in_conflict = {};  // the block's list of rows in conflict (delta.h conflict_scope)
    std::vector<size_t> key_columns = {};    // the legacy key's columns among `columns`
  };

  // The block's rows in conflict from earlier runs (delta.h conflict_scope), as their checkpoint
  // scopes. A full run that reads the block from its start begins the list anew: every row in
  // conflict is then rejected again, and joins it again, in its batch.
  Result<std::set<std::string>> conflict_list(const mapping::Block& block, bool from_start) {
    const std::string prefix = conflict_scope(block.scope());
    const bool whole = reads_whole_blocks();
    std::set<std::string> list;
    if (whole && from_start && !options_.delta) {
      CSB_RETURN_IF_ERROR(retry("beginning the list of rows in conflict", [&] { return store_->clear_checkpoints(prefix); }));
      return list;
    }
    CSB_RETURN_IF_ERROR(retry("reading the rows in conflict", [&]() -> Status {
      CSB_ASSIGN_OR_RETURN(auto entries, store_->checkpoints(prefix));
      list.clear();
      for (auto& [scope, value] : entries) {
        if (value == kConflictPending) list.insert(std::move(scope));
      }
      return Status::ok();
    }));
    return list;
  }

  // The entries of the conflict list a loaded batch changes, written in its transaction: its rows
  // rejected as conflicts join the list; rows of the list it wrote, kept or rejected otherwise
  // (the mapping's rejects too) leave it ("").
  static void conflict_entries(const BlockRun& run, const LoadJob& job, const LoadOutcome& outcome,
                               std::vector<std::pair<std::string, std::string>>& entries) {
    bool any = !run.in_conflict.empty();
    for (const auto& r : outcome.rejects) any = any || r.code == "conflict";
    if (!any || run.key_columns.empty()) return;
    const std::string prefix = conflict_scope(run.block.scope());
    auto scope_of = [&](size_t in_row) -> std::optional<std::string> {
      Mark key;
      for (size_t c : run.key_columns) {
        if (job.in.is_null(in_row, c)) return std::nullopt;
        key.emplace_back(job.in.get(in_row, c));
      }
      return prefix + encode_mark(key);
    };
    size_t next = 0;  // outcome.rejects are ordered by row
    for (size_t row = 0; row < job.out.rows(); ++row) {
      while (next < outcome.rejects.size() && outcome.rejects[next].row < row) ++next;
      bool conflict = next < outcome.rejects.size() && outcome.rejects[next].row == row &&
                      outcome.rejects[next].code == "conflict";
      if (!conflict && run.in_conflict.empty()) continue;
      std::optional<std::string> scope = scope_of(job.origin[row]);
      if (!scope) continue;
      if (conflict) entries.emplace_back(std::move(*scope), std::string(kConflictPending));
      else if (run.in_conflict.count(*scope) != 0) entries.emplace_back(std::move(*scope), "");
    }
    for (const auto& r : job.rejects) {
      if (r.row == SIZE_MAX || run.in_conflict.empty()) continue;
      std::optional<std::string> scope = scope_of(r.row);
      if (scope && run.in_conflict.count(*scope) != 0) entries.emplace_back(std::move(*scope), "");
    }
  }

  // Checkpoints of a block. Each loader commits its position ("<scope>/<n>") with its batches;
  // every batch also commits a record of the rows it covers ("<scope>@<last>"). A loader takes
  // batches in order and commits them in order, so every row up to the smallest loader position
  // is committed; the records add the batches past it that another loader committed. Every
  // loader's scope is set to the smallest position before any batch loads. Fills `committed`;
  // true when an interrupted run finished the block ("<scope>!done").
  Result<bool> start_checkpoints(const std::string& scope, Committed& committed,
                                 std::vector<std::string>& loader_scopes, bool trust_positions) {
    std::vector<std::pair<std::string, std::string>> positions;
    CSB_RETURN_IF_ERROR(retry("reading the checkpoint", [&]() -> Status {
      CSB_ASSIGN_OR_RETURN(positions, store_->checkpoints(scope));
      return Status::ok();
    }));
    int64_t skip = -1;
    std::string resume_at;  // the reader's position at `skip`, when the loader that holds it recorded one
    bool done = false;
    const std::string loader_prefix = scope + "/";
    for (const auto& [name, position] : positions) {
      std::string_view rest = std::string_view(name).substr(scope.size());
      if (!trust_positions && name != done_scope(scope)) continue;
      if (rest.empty() || rest[0] == '/') {  // "<scope>" alone: a checkpoint of an older version
        auto [rows, at] = parse_loader_position(position);
        if (skip < 0 || rows < skip) {
          skip = rows;
          resume_at = at;
        } else if (rows == skip && resume_at.empty()) {
          resume_at = at;
        }
      } else if (rest[0] == '@') {
        committed.add_record(position);
      } else if (name == done_scope(scope)) {
        done = true;
      }
    }
    skip = std::max<int64_t>(skip, 0);
    if (skip == 0) resume_at.clear();
    committed.set_upto(skip);
    committed.set_resume_position(resume_at);
    committed.sort();
    if (done) return true;
    for (size_t i = 0; i <= extra_stores_.size(); ++i) loader_scopes.push_back(loader_prefix + std::to_string(i));
    CSB_RETURN_IF_ERROR(retry("setting the checkpoints", [&] {
      return store_->reset_checkpoints(loader_prefix, loader_scopes, loader_position(skip, resume_at), run_id_);
    }));
    return false;
  }

  // The mapping thread: reads the block's rows, skips those an earlier run committed, maps the
  // rest and hands each batch to the loaders (or, without a target, only counts it).
  Status map_batches(BlockRun& run, connector::RowReader& reader, mapping::BlockMapper& mapper, Committed& committed,
                     util::WorkQueue<LoadJob>* queue) {
    const mapping::Block& block = run.block;
    int64_t consumed = reader.skipped();  // rows an earlier run committed that the reader did not even fetch
    int64_t unread = consumed;
    std::string previous_key;  // rows come ordered by the legacy key: a repeated key follows its first row
    bool have_previous = false;
    connector::Batch scratch(1 + mapper.outputs().size());
    for (;;) {
      if (options_.interrupt && options_.interrupt->load() != 0) {
        interrupted_ = true;  // the batches read so far load and commit; no more are read
        break;
      }
      LoadJob job;
      job.out.reset(1 + mapper.outputs().size());
      CSB_ASSIGN_OR_RETURN(bool more, reader.next(job.in));
      EntityCounts& local = job.counts;
      local.skipped += std::exchange(unread, 0);
      // A record the reader could not read belongs to the rows after it: committed with them.
      bool unreadable_committed = committed.skipped(consumed + 1);
      for (const auto& r : reader.take_rejects()) {
        if (unreadable_committed) {
          ++local.skipped;
          continue;
        }
        ++local.read;
        ++local.rejected;
        job.rejects.push_back({{"", "", "unreadable", r.location + ": " + r.reason, {}}, SIZE_MAX});
      }
      const connector::Batch& in = job.in;
      for (size_t r = 0; more && r < in.rows(); ++r) {
        int64_t position = ++consumed;
        if (committed.skipped(position)) {
          ++local.skipped;
          if (!committed.skipped(position + 1)) {  // the last committed row: its key may repeat in the next one
            mapping::RowError ignored;
            scratch.clear();
            have_previous = mapper.map_row(in, r, scratch, ignored);
            if (have_previous) previous_key = std::string(scratch.get(0, 0));
          }
          continue;
        }
        if (job.first == 0) job.first = position;
        job.last = position;
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
                       "': the source_key repeats the row before it (a key loads once: its first row)",
                   {}};
          job.out.truncate_to_rows(before);
        }
        if (ok) {
          previous_key.assign(key);
          have_previous = true;
          job.origin.push_back(r);
          continue;
        }
        ++local.rejected;
        CSB_RETURN_IF_ERROR(explain_reject(run, error));
        job.rejects.push_back({std::move(error), r});
      }
      add_counts(run, local);
      job.consumed = consumed;
      job.position = reader.position();
      if (local.read > 0) {
        if (!queue) {
          CSB_RETURN_IF_ERROR(write_rejects(run, job));
          EntityCounts mapped;
          mapped.loaded = static_cast<int64_t>(job.out.rows());
          add_counts(run, mapped);
        } else if (!queue->push(job)) {
          return Status::ok();  // a loader failed: run.failure says why
        }
      }
      if (progress_) {
        progress_->note(reader.progress_note());
        progress_->advanced(consumed);
      }
      if (!more) break;
    }
    return Status::ok();
  }

  // A row the mapping rejected may also refer to a row that does not exist: the more
  // fundamental reason, so it is named first (an orphan transaction is rejected as an orphan,
  // not for its empty body). Asked on a connection of its own, opened by the first such row.
  Status explain_reject(BlockRun& run, mapping::RowError& error) {
    if (!store_ || error.lookups.empty()) return Status::ok();
    if (!checker_) {
      CSB_RETURN_IF_ERROR(retry("opening a connection for lookups", [&]() -> Status {
        CSB_ASSIGN_OR_RETURN(checker_, open_store(target_.connection, target_.schema, model_));
        return Status::ok();
      }));
    }
    std::vector<mapping::RowReason> orphans;
    for (const auto& [output, legacy_key] : error.lookups) {
      const LoadSpec& spec = run.spec;
      if (spec.orphans_to_null[output]) continue;
      const std::string& system = spec.lookup_systems[output].empty() ? spec.source_system : spec.lookup_systems[output];
      // A shared key space: an orphan only when none of its entities holds the key.
      std::vector<std::string> entities = run.outputs[output].lookup_shared;
      if (entities.empty()) entities.push_back(spec.lookups[output]);
      std::optional<int64_t> id;
      for (size_t e = 0; e < entities.size() && !id; ++e) {
        CSB_RETURN_IF_ERROR(retry("looking up a reference", [&]() -> Status {
          CSB_ASSIGN_OR_RETURN(id, checker_->lookup(entities[e], system, legacy_key));
          return Status::ok();
        }));
      }
      if (!id) {
        orphans.push_back({spec.columns[output], "orphan_reference",
                           run.block.entity + "." + spec.columns[output] + ": refers to no " + spec.lookups[output] +
                               " (legacy key not loaded)"});
      }
    }
    if (orphans.empty()) return Status::ok();
    std::vector<mapping::RowReason> rest = std::move(orphans);
    rest.push_back({error.field, error.code, error.message});
    rest.insert(rest.end(), error.also.begin(), error.also.end());
    error.field = rest.front().field;
    error.code = rest.front().code;
    error.message = rest.front().message;
    error.also.assign(rest.begin() + 1, rest.end());
    return Status::ok();
  }

  // Writes the rejects the mapping found in `job` (under run.mutex, or from the only thread).
  Status write_rejects(BlockRun& run, const LoadJob& job) {
    for (const auto& r : job.rejects) {
      bool unreadable = r.row == SIZE_MAX;
      CSB_RETURN_IF_ERROR(rejects_.write(run_id_, run.block, r.error, unreadable ? nullptr : &job.in,
                                         unreadable ? 0 : r.row, run.columns, run.pii));
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
      // The batch's rejects (the mapping's and the load's) are synced to the reject file before
      // it commits: a crash may write them twice, never lose them; and a resumed run skips the
      // committed batch, so they are written once per chain of runs.
      auto record_rejects = [&](const LoadOutcome& outcome) -> Status {
        std::lock_guard<std::mutex> lock(run.mutex);
        CSB_RETURN_IF_ERROR(write_rejects(run, *job));
        for (const auto& rr : outcome.rejects) {
          mapping::RowError error{std::string(job->out.get(rr.row, 0)), "", rr.code, rr.message, {}};
          CSB_RETURN_IF_ERROR(rejects_.write(run_id_, run.block, error, &job->in, job->origin[rr.row], run.columns,
                                             run.pii, RejectLog::target_version(model_.entity(run.block.entity), rr)));
        }
        return job->rejects.empty() && outcome.rejects.empty() ? Status::ok() : rejects_.flush();
      };
      auto record = [&](const LoadOutcome& outcome) {
        const EntityCounts& c = job->counts;
        char text[256];
        std::snprintf(text, sizeof text, "%lld %lld %lld %lld %lld %lld %lld %lld",
                      static_cast<long long>(job->first), static_cast<long long>(job->last),
                      static_cast<long long>(c.read), static_cast<long long>(outcome.loaded),
                      static_cast<long long>(outcome.unchanged),
                      static_cast<long long>(c.rejected + static_cast<int64_t>(outcome.rejects.size())),
                      static_cast<long long>(c.filtered), static_cast<long long>(outcome.nulled_references));
        std::string value = text;
        if (!job->position.empty()) value += " " + loader_position(job->consumed, job->position);
        std::vector entries{std::make_pair(record_scope(run.block.scope(), job->last), std::move(value))};
        conflict_entries(run, *job, outcome, entries);
        return entries;
      };
      LoadOutcome outcome;
      Status s = retry("loading a batch", [&]() -> Status {
        CSB_ASSIGN_OR_RETURN(std::optional<connector::Batch> resolved,
                             resolve_shared_keys(run.outputs, run.block.source, job->out,
                                                 [&](const std::string& e, const std::string& sys,
                                                     const std::vector<std::string>& keys) {
                                                   return store.known_keys(e, sys, keys);
                                                 }));
        CSB_ASSIGN_OR_RETURN(outcome, store.load(run.spec, resolved ? *resolved : job->out, scope,
                                                 loader_position(job->consumed, job->position), run_id_,
                                                 record_rejects, record));
        return Status::ok();
      });
      std::lock_guard<std::mutex> lock(run.mutex);
      if (s.is_ok()) {
        run.counts.loaded += outcome.loaded;
        run.counts.unchanged += outcome.unchanged;
        run.counts.rejected += static_cast<int64_t>(outcome.rejects.size());
        run.counts.nulled_references += outcome.nulled_references;
        run.counts.conflicts += outcome.conflicts;
        run.counts.kept_target_edits += outcome.kept_target_edits;
        for (const auto& [field, n] : outcome.nulled_by_field) run.counts.nulled_by_field[field] += n;
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

  // delta.conflicts, or --conflicts for this run.
  ConflictPolicy conflict_policy() const {
    return parse_conflict_policy(options_.conflicts.empty() ? config_.delta.conflicts : options_.conflicts);
  }

  Retry retrier() {
    return [this](const std::string& what, const std::function<Status()>& op) { return retry(what, op); };
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
  util::Progress* progress_;
  config::Target target_;                            // connection and schema (not for a dry run)
  std::unique_ptr<TargetStore> store_;               // the first loader's too
  std::vector<std::unique_ptr<TargetStore>> extra_stores_;  // the other loaders' connections
  std::unique_ptr<TargetStore> checker_;                    // the mapping thread's lookups (explain_reject)
  std::map<std::string, std::unique_ptr<connector::Connector>> sources_;
  std::map<std::string, std::string> snapshots_;  // per source: how its reads share one moment
  std::set<std::string> held_;                    // sources whose reads share one snapshot
  RejectLog rejects_;
  std::string run_id_;
  bool interrupted_ = false;
};

}  // namespace

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

bool in_sample(std::string_view source_key, double percent) {
  if (percent >= 100) return true;
  return static_cast<double>(util::hash_bytes(source_key) % 10000) < percent * 100;
}

Result<MigrateSummary> run_migration(const config::Config& config, const mapping::MappingSet& mappings,
                                     const model::Model& model, const MigrateOptions& options,
                                     util::Progress* progress) {
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
  summary.conflicts = options.conflicts.empty() ? config.delta.conflicts : options.conflicts;
  if (summary.conflicts != "reject" && summary.conflicts != "source_wins" && summary.conflicts != "target_wins") {
    return invalid_argument("--conflicts must be reject, source_wins or target_wins, not '" + summary.conflicts + "'");
  }
  Migration migration(config, model, options, progress);
  if (options.resume_only && options.dry_run) return invalid_argument("--resume and --dry-run do not go together");
  if (options.delta && !options.since.empty()) return invalid_argument("--delta and --since do not go together");
  CSB_RETURN_IF_ERROR(check_deletes(blocks));
  for (const auto* block : blocks) {
    Status s = migration.preflight(*block);
    if (!s.is_ok()) return s.message().starts_with(block->display()) ? s : s.with_context(block->display());
  }
  CSB_RETURN_IF_ERROR(migration.open_target());
  if (options.resume_only) CSB_RETURN_IF_ERROR(migration.require_interrupted(blocks));
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
    // An error that names its block already (the row mapper's) is not prefixed with it twice.
    if (!s.is_ok()) {
      return migration.fail_run(s.message().starts_with(block->display()) ? s : s.with_context(block->display()));
    }
    if (migration.interrupted()) break;
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
  if (migration.interrupted()) {
    summary.status = "interrupted";  // checkpoints kept: the next run resumes
    CSB_RETURN_IF_ERROR(migration.end(summary));
    return summary;
  }
  CSB_RETURN_IF_ERROR(migration.finish(blocks));
  if (!options.dry_run) {
    Result<std::string> refused = migration.deletes(blocks, summary);
    if (!refused.is_ok()) return migration.fail_run(refused.status());
    if (!refused->empty()) {
      summary.status = "too_many_deletes";
      summary.deletes_error = *refused;
    }
  }
  CSB_RETURN_IF_ERROR(migration.end(summary));
  return summary;
}

}  // namespace csbridge::migrate
