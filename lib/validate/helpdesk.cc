#include "validate/helpdesk.h"

#include <algorithm>
#include <unordered_map>

#include "model/canonical.h"

namespace csbridge::validate {
namespace {

constexpr char kSep = '\x1f';

struct Aggregate {
  int64_t count = 0;
  std::string first, last;  // canonical UTC timestamps ("" = none)

  void add(std::string_view t) {
    ++count;
    if (t.empty()) return;
    if (first.empty() || t < first) first = t;
    if (last.empty() || t > last) last = t;
  }
  bool operator==(const Aggregate&) const = default;
  std::string describe() const {
    return std::to_string(count) + " messages" + (count ? ", first " + first + ", last " + last : "");
  }
};

}  // namespace

Status HelpdeskCheck::open() {
  source_ = std::make_unique<Spill>();
  target_ = std::make_unique<Spill>();
  CSB_RETURN_IF_ERROR(source_->open());
  return target_->open();
}

Status HelpdeskCheck::begin_block(const mapping::Block& block, const mapping::BlockMapper& mapper) {
  ticket_col_ = time_col_ = -1;
  const auto& outputs = mapper.outputs();
  for (size_t o = 0; o < outputs.size(); ++o) {
    if (outputs[o].field == "ticket_id" && outputs[o].lookup_entity == "ticket") {
      ticket_col_ = static_cast<int>(o) + 1;
      ticket_system_ = outputs[o].lookup_system.empty() ? block.source : outputs[o].lookup_system;
    }
    if (outputs[o].field == "created_at") time_col_ = static_cast<int>(o) + 1;
  }
  return Status::ok();
}

Status HelpdeskCheck::row(const connector::Batch& mapped, size_t r) {
  if (ticket_col_ < 0 || mapped.is_null(r, static_cast<size_t>(ticket_col_))) return Status::ok();
  key_ = ticket_system_;
  key_ += kSep;
  key_ += mapped.get(r, static_cast<size_t>(ticket_col_));
  payload_.clear();
  if (time_col_ >= 0 && !mapped.is_null(r, static_cast<size_t>(time_col_))) {
    model::append_canonical(model::FieldType::kTimestamp, mapped.get(r, static_cast<size_t>(time_col_)), payload_);
  }
  return source_->add(key_, payload_);
}

Status HelpdeskCheck::read_target(Target& target) {
  // One row per message (and one with NULLs per ticket without any), so that the
  // times are canonicalised here like the source's, whatever the engine prints.
  // Tombstoned tickets and messages are deleted in the source: not compared.
  CSB_ASSIGN_OR_RETURN(std::string live_ticket, target.live("ticket", "t"));
  CSB_ASSIGN_OR_RETURN(std::string live_message, target.live("ticket_message", "m"));
  std::string sql = "SELECT t.\"source_system\", t.\"source_key\", m.\"id\", m.\"created_at\" FROM " +
                    target.table("ticket") + " t LEFT JOIN " + target.table("ticket_message") +
                    " m ON m.\"ticket_id\" = t.\"id\" AND " + live_message + " WHERE " + live_ticket;
  Status failed;
  std::string key, payload;
  CSB_RETURN_IF_ERROR(target.each_row(sql, [&](const connector::Batch& b, size_t r) {
    key.assign(b.get(r, 0));
    key += kSep;
    key += b.get(r, 1);
    payload.clear();
    if (b.is_null(r, 2)) {
      payload.assign(1, '\x01');  // a ticket without messages (not = "\x01": a GCC 12 -Wrestrict false positive)
    } else if (!b.is_null(r, 3)) {
      model::append_canonical(model::FieldType::kTimestamp, b.get(r, 3), payload);
    }
    failed = target_->add(key, payload);
    return failed.is_ok();
  }));
  return failed;
}

Result<CheckResult> HelpdeskCheck::compare() {
  CheckResult result;
  result.name = "helpdesk";
  result.entity = "ticket";
  CSB_RETURN_IF_ERROR(source_->finish());
  CSB_RETURN_IF_ERROR(target_->finish());
  int64_t tickets = 0, equal = 0, differing = 0, not_in_target = 0;
  for (size_t p = 0; p < source_->partitions(); ++p) {
    CSB_ASSIGN_OR_RETURN(auto src, source_->read(p));
    CSB_ASSIGN_OR_RETURN(auto dst, target_->read(p));
    std::unordered_map<std::string, Aggregate> expected, actual;
    for (const auto& r : src) expected[r.key].add(r.payload);
    for (const auto& r : dst) {
      Aggregate& a = actual[r.key];
      if (r.payload != "\x01") a.add(r.payload);
    }
    for (const auto& [key, got] : actual) {
      ++tickets;
      auto it = expected.find(key);
      Aggregate want = it == expected.end() ? Aggregate{} : it->second;
      if (want == got) {
        ++equal;
        continue;
      }
      ++differing;
      std::string legacy = key.substr(key.find(kSep) + 1);
      result.fail({legacy, want.count != got.count ? "message_count" : "message_times",
                   "source: " + want.describe() + "; target: " + got.describe()},
                  failure_cap_);
    }
    for (const auto& [key, want] : expected) {
      if (!actual.count(key)) not_in_target += want.count;
    }
  }
  result.set("tickets", tickets);
  result.set("equal", equal);
  result.set("differing", differing);
  result.set("messages_of_tickets_not_in_target", not_in_target);
  result.sort_failures();
  return result;
}

}  // namespace csbridge::validate
