#include "migrate/shard_store.h"

#include <nlohmann/json.hpp>

#include <set>
#include <utility>

#include "migrate/shard_plan.h"

namespace csbridge::migrate {
namespace {

using nlohmann::json;

json spec_json(const LoadSpec& spec) {
  return {{"entity", spec.entity},   {"source_system", spec.source_system},   {"columns", spec.columns},
          {"lookups", spec.lookups}, {"lookup_systems", spec.lookup_systems}, {"orphans_to_null", spec.orphans_to_null}};
}

// The rows of `rows` whose mask is set, as JSON arrays of text (null for NULL).
json rows_json(const connector::Batch& rows, const std::vector<char>& held) {
  json out = json::array();
  for (size_t r = 0; r < rows.rows(); ++r) {
    if (!held[r]) continue;
    json row = json::array();
    for (size_t c = 0; c < rows.columns(); ++c) row.push_back(rows.is_null(r, c) ? json(nullptr) : json(rows.get(r, c)));
    out.push_back(std::move(row));
  }
  return out;
}

class ShardStore final : public TargetStore {
 public:
  ShardStore(std::unique_ptr<TargetStore> inner, std::string lane, std::shared_ptr<HeldRows> held)
      : inner_(std::move(inner)), lane_(std::move(lane)), tag_(std::string(kShardScopePrefix) + lane_ + ":"),
        held_(std::move(held)) {}

  Status prepare() override { return inner_->prepare(); }
  Result<std::optional<std::string>> checkpoint(std::string_view scope) override { return inner_->checkpoint(tag(scope)); }

  Result<LoadOutcome> load(const LoadSpec& spec, const connector::Batch& rows, std::string_view scope,
                           std::string_view position, std::string_view run_id, const BeforeCommit& before_commit,
                           const BatchRecord& record) override {
    std::vector<char> held(rows.rows(), 0);
    CSB_ASSIGN_OR_RETURN(size_t holding, unresolved(spec, rows, held));
    std::vector<size_t> origin;  // row of the loaded batch → row of `rows`
    connector::Batch kept(rows.columns());
    for (size_t r = 0; r < rows.rows(); ++r) {
      if (held[r]) continue;
      origin.push_back(r);
      for (size_t c = 0; c < rows.columns(); ++c) {
        if (rows.is_null(r, c)) kept.append_null();
        else kept.append(rows.get(r, c));
      }
    }
    // The caller sees the outcome of its own batch: rejects by its rows, held rows as loaded.
    auto as_caller_sees = [&](LoadOutcome out) {
      for (RowReject& rr : out.rejects) rr.row = origin[rr.row];
      out.loaded += static_cast<int64_t>(holding);
      return out;
    };
    std::string pending;
    if (holding > 0) pending = json({{"spec", spec_json(spec)}, {"rows", rows_json(rows, held)}}).dump(-1, ' ', false, json::error_handler_t::replace);
    BeforeCommit before = before_commit ? BeforeCommit([&](const LoadOutcome& o) { return before_commit(as_caller_sees(o)); })
                                        : BeforeCommit();
    BatchRecord records = [&](const LoadOutcome& o) {
      std::vector<std::pair<std::string, std::string>> out;
      if (record) {
        for (auto& [s, p] : record(as_caller_sees(o))) {
          if (holding > 0) out.emplace_back(std::string(kPendingPrefix) + s + "#" + lane_, pending);
          out.emplace_back(tag(s), std::move(p));
        }
      }
      return out;
    };
    const std::string own_scope = scope.empty() ? std::string() : tag(scope);
    CSB_ASSIGN_OR_RETURN(LoadOutcome outcome, inner_->load(spec, kept, own_scope, position, run_id_of(run_id), before, records));
    if (holding > 0) {
      std::lock_guard<std::mutex> lock(held_->mutex);
      held_->by_entity[spec.entity] += static_cast<int64_t>(holding);
    }
    return as_caller_sees(std::move(outcome));
  }

  Result<int64_t> resolve_deferred() override { return int64_t{0}; }  // the finish resolves them

  Result<std::vector<std::pair<std::string, std::string>>> checkpoints(std::string_view prefix) override {
    CSB_ASSIGN_OR_RETURN(auto all, inner_->checkpoints(tag(prefix)));
    for (auto& [scope, position] : all) scope.erase(0, tag_.size());
    return all;
  }
  Status reset_checkpoints(std::string_view prefix, const std::vector<std::string>& scopes, std::string_view position,
                           std::string_view run_id) override {
    std::vector<std::string> tagged;
    for (const auto& s : scopes) tagged.push_back(tag(s));
    return inner_->reset_checkpoints(tag(prefix), tagged, position, run_id_of(run_id));
  }
  Status clear_checkpoints(std::string_view prefix) override { return inner_->clear_checkpoints(tag(prefix)); }

  Status lock_target() override { return inner_->lock_lane(lane_); }
  Status lock_lane(std::string_view lane) override { return inner_->lock_lane(lane); }

  Status begin_run(const RunRecord& run) override {
    RunRecord own = run;
    own.run_id = run_id_of(run.run_id);
    return inner_->begin_run(own);
  }
  Status end_run(std::string_view run_id, std::string_view status, std::string_view counts_json) override {
    json counts = json::parse(counts_json, nullptr, false);
    if (counts.is_array()) {
      std::lock_guard<std::mutex> lock(held_->mutex);
      for (auto& e : counts) {
        if (!e.is_object()) continue;
        auto it = held_->by_entity.find(e.value("name", ""));
        e["held"] = it == held_->by_entity.end() ? 0 : it->second;
      }
    }
    return inner_->end_run(run_id_of(run_id), status,
                           counts.is_discarded() ? std::string(counts_json) : counts.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  Status set_run_counts(std::string_view run_id, std::string_view counts_json) override {
    return inner_->set_run_counts(run_id_of(run_id), counts_json);
  }
  // Its own runs (without their lane) and the unsharded ones: the chain a resumed shard continues.
  Result<std::vector<RunRecord>> list_runs(int limit) override {
    CSB_ASSIGN_OR_RETURN(auto runs, inner_->list_runs(limit));
    std::vector<RunRecord> out;
    const std::string suffix = "." + lane_;
    for (RunRecord& r : runs) {
      if (r.run_id.ends_with(suffix)) {
        r.run_id.resize(r.run_id.size() - suffix.size());
        out.push_back(std::move(r));
      } else if (r.run_id.find('.') == std::string::npos) {
        out.push_back(std::move(r));
      }
    }
    return out;
  }

  Result<std::optional<int64_t>> lookup(std::string_view entity, std::string_view source_system,
                                        std::string_view source_key) override {
    return inner_->lookup(entity, source_system, source_key);
  }
  Result<std::set<std::string>> known_keys(std::string_view entity, std::string_view source_system,
                                           const std::vector<std::string>& keys) override {
    return inner_->known_keys(entity, source_system, keys);
  }
  Result<bool> defer_indexes(const std::string&) override { return false; }  // unsharded runs only
  Status restore_indexes() override { return inner_->restore_indexes(); }
  Result<std::vector<std::string>> keys_after(std::string_view entity, std::string_view source_system,
                                              const std::optional<std::string>& after, size_t limit,
                                              bool tombstoned) override {
    return inner_->keys_after(entity, source_system, after, limit, tombstoned);
  }
  Result<int64_t> live_rows(std::string_view entity) override { return inner_->live_rows(entity); }
  Result<DeleteOutcome> delete_rows(std::string_view entity, std::string_view source_system,
                                    const std::vector<std::string>& keys, bool hard, bool apply) override {
    return inner_->delete_rows(entity, source_system, keys, hard, apply);
  }
  std::string backend() const override { return inner_->backend(); }

 private:
  std::string tag(std::string_view scope) const { return tag_ + std::string(scope); }
  std::string run_id_of(std::string_view run_id) const { return std::string(run_id) + "." + lane_; }

  // Marks the rows with a lookup into another entity whose legacy key the crosswalk does not
  // hold yet (one read per lookup column); returns how many. Self-references are left to
  // resolve_deferred, NULLs are no reference.
  Result<size_t> unresolved(const LoadSpec& spec, const connector::Batch& rows, std::vector<char>& held) {
    size_t n = 0;
    for (size_t c = 0; c < spec.lookups.size(); ++c) {
      const std::string& entity = spec.lookups[c];
      if (entity.empty() || entity == spec.entity) continue;
      const std::string& system =
          c < spec.lookup_systems.size() && !spec.lookup_systems[c].empty() ? spec.lookup_systems[c] : spec.source_system;
      std::set<std::string> wanted;
      for (size_t r = 0; r < rows.rows(); ++r)
        if (!rows.is_null(r, c + 1)) wanted.emplace(rows.get(r, c + 1));
      if (wanted.empty()) continue;
      CSB_ASSIGN_OR_RETURN(std::set<std::string> known,
                           inner_->known_keys(entity, system, std::vector<std::string>(wanted.begin(), wanted.end())));
      if (known.size() == wanted.size()) continue;
      for (size_t r = 0; r < rows.rows(); ++r) {
        if (held[r] || rows.is_null(r, c + 1) || known.count(std::string(rows.get(r, c + 1)))) continue;
        held[r] = 1;
        ++n;
      }
    }
    return n;
  }

  std::unique_ptr<TargetStore> inner_;
  std::string lane_;
  std::string tag_;
  std::shared_ptr<HeldRows> held_;
};

}  // namespace

std::string shard_lane(int k, int n) { return "shard-" + std::to_string(k) + "-of-" + std::to_string(n); }

std::unique_ptr<TargetStore> shard_store(std::unique_ptr<TargetStore> inner, const std::string& lane,
                                         std::shared_ptr<HeldRows> held) {
  return std::make_unique<ShardStore>(std::move(inner), lane, std::move(held));
}

Result<HeldBatch> decode_held(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("spec") || !j.contains("rows") || !j["rows"].is_array()) {
    return invalid_argument("held rows: not a batch a shard held");
  }
  HeldBatch h;
  const json& s = j["spec"];
  try {
    h.spec.entity = s.at("entity").get<std::string>();
    h.spec.source_system = s.at("source_system").get<std::string>();
    h.spec.columns = s.at("columns").get<std::vector<std::string>>();
    h.spec.lookups = s.at("lookups").get<std::vector<std::string>>();
    h.spec.lookup_systems = s.at("lookup_systems").get<std::vector<std::string>>();
    h.spec.orphans_to_null = s.at("orphans_to_null").get<std::vector<bool>>();
    h.rows.reset(1 + h.spec.columns.size());
    for (const json& row : j["rows"]) {
      if (!row.is_array() || row.size() != h.rows.columns()) return invalid_argument("held rows: a row of the wrong width");
      for (const json& cell : row) {
        if (cell.is_null()) h.rows.append_null();
        else h.rows.append(cell.get<std::string>());
      }
    }
  } catch (const json::exception& e) {
    return invalid_argument(std::string("held rows: ") + e.what());
  }
  return h;
}

}  // namespace csbridge::migrate
