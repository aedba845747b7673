#include "validate/spill.h"

#include <xxhash.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace csbridge::validate {
namespace {

constexpr size_t kFileBuffer = 32 * 1024;  // per partition: 128 partitions → 4 MiB of buffers per side

bool write_all(FILE* f, const void* data, size_t n) { return std::fwrite(data, 1, n, f) == n; }

}  // namespace

Spill::Spill(size_t partitions, std::filesystem::path parent, size_t memory_limit)
    : parent_(parent.empty() ? std::filesystem::temp_directory_path() : std::move(parent)),
      memory_limit_(memory_limit),
      memory_(partitions == 0 ? 1 : partitions) {}

Spill::~Spill() {
  for (FILE* f : files_) {
    if (f) std::fclose(f);
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Status Spill::open() {
  std::string templ = (parent_ / "csbridge-validate-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    return io_error("cannot create a temporary directory in " + parent_.string() + ": " + std::strerror(errno));
  }
  dir_ = templ;
  return Status::ok();
}

Status Spill::spill_all() {
  files_.assign(memory_.size(), nullptr);
  for (size_t p = 0; p < files_.size(); ++p) {
    std::string path = (dir_ / std::to_string(p)).string();
    files_[p] = std::fopen(path.c_str(), "w+b");
    if (files_[p] == nullptr) return io_error("cannot create " + path + ": " + std::strerror(errno));
    std::setvbuf(files_[p], nullptr, _IOFBF, kFileBuffer);
    for (const SpilledRecord& r : memory_[p]) CSB_RETURN_IF_ERROR(write(files_[p], r.key, r.payload));
    std::vector<SpilledRecord>().swap(memory_[p]);
  }
  memory_bytes_ = 0;
  return Status::ok();
}

Status Spill::write(FILE* f, std::string_view key, std::string_view payload) {
  uint32_t lengths[2] = {static_cast<uint32_t>(key.size()), static_cast<uint32_t>(payload.size())};
  if (!write_all(f, lengths, sizeof lengths) || !write_all(f, key.data(), key.size()) ||
      !write_all(f, payload.data(), payload.size())) {
    return io_error("cannot write to " + dir_.string() + ": " + std::strerror(errno));
  }
  return Status::ok();
}

size_t Spill::partition_of(std::string_view key, size_t partitions) {
  return static_cast<size_t>(XXH3_64bits(key.data(), key.size()) % partitions);
}

Status Spill::add(std::string_view key, std::string_view payload) {
  size_t p = partition_of(key, memory_.size());
  ++records_;
  if (files_.empty()) {
    memory_[p].push_back({std::string(key), std::string(payload)});
    memory_bytes_ += key.size() + payload.size() + 2 * sizeof(std::string);
    return memory_bytes_ > memory_limit_ ? spill_all() : Status::ok();
  }
  return write(files_[p], key, payload);
}

Status Spill::finish() {
  for (FILE* f : files_) {
    if (std::fflush(f) != 0) return io_error("cannot write to " + dir_.string() + ": " + std::strerror(errno));
  }
  return Status::ok();
}

Result<std::vector<SpilledRecord>> Spill::read(size_t p) {
  if (files_.empty()) return memory_.at(p);
  FILE* f = files_.at(p);
  std::vector<SpilledRecord> out;
  std::rewind(f);
  uint32_t lengths[2];
  while (std::fread(lengths, sizeof lengths, 1, f) == 1) {
    SpilledRecord r;
    r.key.resize(lengths[0]);
    r.payload.resize(lengths[1]);
    if (std::fread(r.key.data(), 1, lengths[0], f) != lengths[0] ||
        std::fread(r.payload.data(), 1, lengths[1], f) != lengths[1]) {
      return io_error("truncated temporary file in " + dir_.string());
    }
    out.push_back(std::move(r));
  }
  if (std::ferror(f)) return io_error("cannot read " + dir_.string() + ": " + std::strerror(errno));
  // Later adds append: leave the file positioned at its end.
  std::fseek(f, 0, SEEK_END);
  return out;
}

}  // namespace csbridge::validate
