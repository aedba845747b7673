// A TargetStore that forwards to a real one and fails where a test says (leveldb's EnvWrapper
// for the target side): the Nth load — before it writes, inside its transaction (after its rows,
// crosswalk entries and checkpoints are written, where migrate's reject-file flush runs, before
// COMMIT), or after its COMMIT (the reply was lost) — or the Nth call of any other operation
// (prepare, lock, checkpoint reads and writes, run records, lookups), with a transient error (a
// dropped connection, which migrate retries) or a permanent one (which stops the run). Every store
// opened through one FaultyTargets shares its counters, so "the 7th load" counts the loads of every
// loader.
#pragma once

#include <atomic>
#include <mutex>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "migrate/migrate.h"
#include "migrate/target_store.h"

namespace csbridge::test {

struct Faults {
  int fail_load = 0;                           // 1-based load call to fail; 0: none
  ErrorCode code = ErrorCode::kUnreachable;    // kUnreachable is retried by migrate; others stop the run
  bool once = true;                            // fail only that call (else every call from it on)
  bool after_commit = false;                   // fail after the load committed (the reply was lost)
  bool in_transaction = false;                 // fail in before_commit, after the reject file's flush
  int fail_call = 0;                           // 1-based call of the other operations; 0: none
  std::atomic<int> loads{0};
  std::atomic<int> calls{0};
  std::atomic<int> failed{0};
  std::mutex mutex;
  std::string failed_call;                     // the operation fail_call hit
};

class FaultyTargetStore final : public migrate::TargetStore {
 public:
  FaultyTargetStore(std::unique_ptr<migrate::TargetStore> inner, std::shared_ptr<Faults> faults)
      : inner_(std::move(inner)), faults_(std::move(faults)) {}

  Status prepare() override { return call("prepare", [&] { return inner_->prepare(); }); }
  Result<std::optional<std::string>> checkpoint(std::string_view scope) override {
    return call("checkpoint", [&] { return inner_->checkpoint(scope); });
  }
  Result<migrate::LoadOutcome> load(const migrate::LoadSpec& spec, const connector::Batch& rows, std::string_view scope,
                                    std::string_view position, std::string_view run_id,
                                    const migrate::BeforeCommit& before_commit,
                                    const migrate::BatchRecord& record) override {
    int n = ++faults_->loads;
    bool hit = faults_->fail_load > 0 && (faults_->once ? n == faults_->fail_load : n >= faults_->fail_load);
    if (hit && faults_->in_transaction) {
      auto failing = [&](const migrate::LoadOutcome& outcome) -> Status {
        if (before_commit) CSB_RETURN_IF_ERROR(before_commit(outcome));
        return fail(n);
      };
      return inner_->load(spec, rows, scope, position, run_id, failing, record);
    }
    if (hit && !faults_->after_commit) return fail(n);
    auto out = inner_->load(spec, rows, scope, position, run_id, before_commit, record);
    if (hit && out.is_ok()) return fail(n);
    return out;
  }
  Result<int64_t> resolve_deferred() override {
    return call("resolve_deferred", [&] { return inner_->resolve_deferred(); });
  }
  Result<std::vector<std::pair<std::string, std::string>>> checkpoints(std::string_view prefix) override {
    return call("checkpoints", [&] { return inner_->checkpoints(prefix); });
  }
  Status reset_checkpoints(std::string_view prefix, const std::vector<std::string>& scopes, std::string_view position,
                           std::string_view run_id) override {
    return call("reset_checkpoints", [&] { return inner_->reset_checkpoints(prefix, scopes, position, run_id); });
  }
  Status clear_checkpoints(std::string_view prefix) override {
    return call("clear_checkpoints", [&] { return inner_->clear_checkpoints(prefix); });
  }
  Status lock_target() override { return call("lock_target", [&] { return inner_->lock_target(); }); }
  Status lock_lane(std::string_view lane) override {
    return call("lock_lane", [&] { return inner_->lock_lane(lane); });
  }
  Status begin_run(const migrate::RunRecord& run) override {
    return call("begin_run", [&] { return inner_->begin_run(run); });
  }
  Status end_run(std::string_view run_id, std::string_view status, std::string_view counts) override {
    return call("end_run", [&] { return inner_->end_run(run_id, status, counts); });
  }
  Status set_run_counts(std::string_view run_id, std::string_view counts) override {
    return call("set_run_counts", [&] { return inner_->set_run_counts(run_id, counts); });
  }
  Result<std::vector<migrate::RunRecord>> list_runs(int limit) override {
    return call("list_runs", [&] { return inner_->list_runs(limit); });
  }
  Result<std::optional<int64_t>> lookup(std::string_view entity, std::string_view system,
                                        std::string_view key) override {
    return call("lookup", [&] { return inner_->lookup(entity, system, key); });
  }
  Result<std::set<std::string>> known_keys(std::string_view entity, std::string_view system,
                                           const std::vector<std::string>& keys) override {
    return call("known_keys", [&] { return inner_->known_keys(entity, system, keys); });
  }
  Result<std::vector<std::string>> keys_after(std::string_view entity, std::string_view system,
                                              const std::optional<std::string>& after, size_t limit,
                                              bool tombstoned) override {
    return call("keys_after", [&] { return inner_->keys_after(entity, system, after, limit, tombstoned); });
  }
  Result<int64_t> live_rows(std::string_view entity) override {
    return call("live_rows", [&] { return inner_->live_rows(entity); });
  }
  Result<migrate::DeleteOutcome> delete_rows(std::string_view entity, std::string_view system,
                                             const std::vector<std::string>& keys, bool hard, bool apply) override {
    return call("delete_rows", [&] { return inner_->delete_rows(entity, system, keys, hard, apply); });
  }
  std::string backend() const override { return inner_->backend(); }

 private:
  Status fail(int n) {
    ++faults_->failed;
    return Status(faults_->code, "injected fault at load " + std::to_string(n));
  }
  // Runs `op` unless it is the call fail_call names; that one fails before reaching the target.
  template <typename Op>
  auto call(const char* name, Op op) -> decltype(op()) {
    int n = ++faults_->calls;
    if (faults_->fail_call > 0 && n == faults_->fail_call) {
      ++faults_->failed;
      std::lock_guard<std::mutex> lock(faults_->mutex);
      faults_->failed_call = name;
      return Status(faults_->code, std::string("injected fault at ") + name + " (call " + std::to_string(n) + ")");
    }
    return op();
  }
  std::unique_ptr<migrate::TargetStore> inner_;
  std::shared_ptr<Faults> faults_;
};

// A TargetOpener for MigrateOptions::open_target whose stores fail as `faults` says.
inline migrate::TargetOpener faulty_targets(std::shared_ptr<Faults> faults) {
  return [faults](const std::string& connection, const std::string& schema,
                  const model::Model& model) -> Result<std::unique_ptr<migrate::TargetStore>> {
    auto inner = migrate::TargetStore::open(connection, schema, model);
    if (!inner.is_ok()) return inner.status();
    return std::unique_ptr<migrate::TargetStore>(std::make_unique<FaultyTargetStore>(std::move(inner).value(), faults));
  };
}

}  // namespace csbridge::test
