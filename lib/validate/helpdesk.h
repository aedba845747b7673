// Check "helpdesk": per ticket, the number of messages and the times of the
// first and last message in the target equal what the source gives through
// the mapping (ticket_message blocks: their ticket lookup and created_at).
// Tickets the target does not hold are the rows check's business and are
// skipped here; a target ticket with messages the source does not give fails.
// Memory: bounded, by key-hash partitions on disk (spill.h).
#pragma once

#include <memory>
#include <string>

#include "validate/checks.h"
#include "validate/source_stream.h"
#include "validate/spill.h"
#include "validate/target.h"

namespace csbridge::validate {

class HelpdeskCheck : public SourceSink {
 public:
  explicit HelpdeskCheck(size_t failure_cap) : failure_cap_(failure_cap) {}
  Status open();

  // Fed with the ticket_message blocks.
  Status begin_block(const mapping::Block& block, const mapping::BlockMapper& mapper) override;
  Status row(const connector::Batch& mapped, size_t row) override;

  Status read_target(Target& target);
  Result<CheckResult> compare();

 private:
  size_t failure_cap_;
  std::unique_ptr<Spill> source_, target_;
  int ticket_col_ = -1, time_col_ = -1;
  std::string ticket_system_;
  std::string key_, payload_;
};

}  // namespace csbridge::validate
