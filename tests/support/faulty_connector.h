// A Connector that forwards to a real one and fails where a test says (the source side of
// leveldb's EnvWrapper): the Nth batch any of its readers hands out fails with a given code
// (a dropped connection, a permission error, unreadable data). Every connector opened through one
// faulty_sources shares the counters.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "config/config.h"
#include "connector/connector.h"

namespace csbridge::test {

struct SourceFaults {
  int fail_batch = 0;                        // 1-based next() call, over every reader; 0: none
  ErrorCode code = ErrorCode::kUnreachable;
  std::atomic<int> batches{0};
  std::atomic<int> failed{0};
};

class FaultyConnector final : public connector::Connector {
 public:
  FaultyConnector(std::unique_ptr<connector::Connector> inner, std::shared_ptr<SourceFaults> faults)
      : inner_(std::move(inner)), faults_(std::move(faults)) {}

  Result<connector::SourceInfo> info() override { return inner_->info(); }
  Result<std::vector<connector::TableRef>> list_tables() override { return inner_->list_tables(); }
  Result<connector::TableInfo> describe(const connector::TableRef& t) override { return inner_->describe(t); }
  Result<connector::RowCount> count(const connector::TableRef& t, bool estimate) override {
    return inner_->count(t, estimate);
  }
  Result<connector::TableInfo> describe_query(std::string_view sql) override { return inner_->describe_query(sql); }
  Status execute(std::string_view sql) override { return inner_->execute(sql); }
  std::string backend() const override { return inner_->backend(); }
  Result<std::unique_ptr<connector::RowReader>> read(const connector::ReadRequest& request) override {
    auto inner = inner_->read(request);
    if (!inner.is_ok()) return inner.status();
    return std::unique_ptr<connector::RowReader>(std::make_unique<Reader>(std::move(inner).value(), faults_));
  }

 private:
  class Reader final : public connector::RowReader {
   public:
    Reader(std::unique_ptr<connector::RowReader> inner, std::shared_ptr<SourceFaults> faults)
        : inner_(std::move(inner)), faults_(std::move(faults)) {}
    const std::vector<connector::ColumnInfo>& columns() const override { return inner_->columns(); }
    Result<bool> next(connector::Batch& out) override {
      int n = ++faults_->batches;
      if (faults_->fail_batch > 0 && n == faults_->fail_batch) {
        ++faults_->failed;
        return Status(faults_->code, "injected fault at source batch " + std::to_string(n));
      }
      auto more = inner_->next(out);
      for (auto& r : inner_->take_rejects()) rejects_.push_back(std::move(r));
      return more;
    }

   private:
    std::unique_ptr<connector::RowReader> inner_;
    std::shared_ptr<SourceFaults> faults_;
  };
  std::unique_ptr<connector::Connector> inner_;
  std::shared_ptr<SourceFaults> faults_;
};

// An opener (MigrateOptions::open_source, ValidateOptions::open_source) whose sources fail as
// `faults` says.
inline std::function<Result<std::unique_ptr<connector::Connector>>(const config::SourceConfig&)> faulty_sources(
    std::shared_ptr<SourceFaults> faults) {
  return [faults](const config::SourceConfig& source) -> Result<std::unique_ptr<connector::Connector>> {
    auto inner = config::open_source(source);
    if (!inner.is_ok()) return inner.status();
    return std::unique_ptr<connector::Connector>(std::make_unique<FaultyConnector>(std::move(inner).value(), faults));
  };
}

}  // namespace csbridge::test
