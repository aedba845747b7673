#include "migrate/reject_log.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "pii/detect.h"
#include "pii/mask.h"

namespace csbridge::migrate {
namespace {

const pii::Detector& detector() {
  static const pii::Detector d;
  return d;
}

// A row is named by its block and key; a record without a key (unreadable) by its message.
std::string line_key(const std::string& block, const std::string& source_key, const std::string& message) {
  return block + '\x1f' + source_key + '\x1f' + (source_key.empty() ? message : "");
}

}  // namespace

RejectLog::~RejectLog() {
  if (out_) std::fclose(out_);
}

void RejectLog::skip_lines_of(const std::set<std::string>& runs) { skip_lines_of(runs, path_); }

void RejectLog::skip_lines_of(const std::set<std::string>& runs, const std::string& file) {
  std::ifstream in(file);
  std::string text;
  while (std::getline(in, text)) {
    auto line = nlohmann::json::parse(text, nullptr, false);
    if (!line.is_object() || !line.contains("run_id") || !line["run_id"].is_string() ||
        !runs.count(line["run_id"].get<std::string>()))
      continue;
    auto str = [&](const char* k) { return line.contains(k) && line[k].is_string() ? line[k].get<std::string>() : ""; };
    written_.insert(line_key(str("block"), str("source_key"), str("message")));
  }
}

Status RejectLog::write(const std::string& run_id, const mapping::Block& block, const mapping::RowError& error,
                        const connector::Batch* in, size_t row, const std::vector<connector::ColumnInfo>& columns,
                        const std::vector<model::PiiClass>& pii, const std::vector<TargetValue>& target) {
  if (path_.empty()) return Status::ok();
  if (!written_.empty() && written_.count(line_key(block.display(), error.source_key, error.message))) {
    return Status::ok();
  }
  if (!out_) {
    out_ = std::fopen(path_.c_str(), "ab");
    if (!out_) return io_error("cannot write the reject file " + path_ + ": " + std::strerror(errno));
  }
  nlohmann::ordered_json values = nlohmann::ordered_json::object();
  for (size_t c = 0; in && c < columns.size() && c < in->columns(); ++c) {
    if (in->is_null(row, c)) values[columns[c].name] = nullptr;
    else values[columns[c].name] = pii::mask_value(detector(), pii[c], in->get(row, c));
  }
  nlohmann::ordered_json line = {{"run_id", run_id}, {"entity", block.entity}, {"block", block.display()},
                                 {"source_key", error.source_key}, {"field", error.field}, {"code", error.code},
                                 {"message", error.message}};
  if (!error.also.empty()) {
    nlohmann::ordered_json reasons = nlohmann::ordered_json::array();
    reasons.push_back({{"field", error.field}, {"code", error.code}, {"message", error.message}});
    for (const auto& r : error.also) reasons.push_back({{"field", r.field}, {"code", r.code}, {"message", r.message}});
    line["reasons"] = std::move(reasons);
  }
  line["values"] = std::move(values);
  if (!target.empty()) {
    nlohmann::ordered_json now = nlohmann::ordered_json::object();
    for (const TargetValue& t : target) {
      if (!t.value) now[t.field] = nullptr;
      else now[t.field] = pii::mask_value(detector(), t.pii, *t.value);
    }
    line["target"] = std::move(now);
  }
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (std::fwrite(text.data(), 1, text.size(), out_) != text.size()) return io_error("cannot write " + path_);
  return Status::ok();
}

std::vector<RejectLog::TargetValue> RejectLog::target_version(const model::Entity* entity, const RowReject& reject) {
  std::vector<TargetValue> out;
  for (const auto& [name, value] : reject.target_values) {
    model::PiiClass pii = model::PiiClass::kNone;
    const model::Field* f = entity ? entity->field(name) : nullptr;
    for (model::PiiClass c : f ? f->pii_classes() : std::vector<model::PiiClass>{}) {
      if (c != model::PiiClass::kNone) {
        pii = c;
        break;
      }
    }
    out.push_back({name, value, pii});
  }
  return out;
}

Status RejectLog::flush() {
  if (!out_) return Status::ok();
  if (std::fflush(out_) != 0 || ::fsync(::fileno(out_)) != 0) return io_error("cannot write " + path_);
  return Status::ok();
}

}  // namespace csbridge::migrate
