#include "connector/sorted_reader.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <queue>
#include <string>
#include <string_view>

namespace csbridge::connector {
namespace {

constexpr uint32_t kNullLength = 0xffffffffu;

// A row as one string: its key cells, then all its cells; each cell a 4-byte length (kNullLength
// for NULL) and its bytes. `seq` is its place in the input (ties keep the input's order).
struct Row {
  std::string bytes;
  uint64_t seq = 0;
};

void put_cell(std::string& out, std::optional<std::string_view> v) {
  uint32_t n = v ? static_cast<uint32_t>(v->size()) : kNullLength;
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  if (v) out.append(*v);
}

// The next cell of `p`, advancing it.
std::optional<std::string_view> take_cell(std::string_view& p) {
  uint32_t n = 0;
  std::memcpy(&n, p.data(), sizeof n);
  p.remove_prefix(sizeof n);
  if (n == kNullLength) return std::nullopt;
  std::string_view v = p.substr(0, n);
  p.remove_prefix(n);
  return v;
}

std::optional<int64_t> as_integer(std::string_view v) {
  size_t digits = v.size() - (!v.empty() && v[0] == '-' ? 1 : 0);
  if (digits == 0 || digits > 18) return std::nullopt;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return n;
}

int compare_values(std::optional<std::string_view> a, std::optional<std::string_view> b) {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  std::optional<int64_t> x = as_integer(*a), y = as_integer(*b);
  if (x && y && *x != *y) return *x < *y ? -1 : 1;
  if (x.has_value() != y.has_value()) return x ? -1 : 1;
  int c = a->compare(*b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

struct RowOrder {
  size_t keys = 0;
  // a before b
  bool operator()(const Row& a, const Row& b) const {
    std::string_view p = a.bytes, q = b.bytes;
    for (size_t k = 0; k < keys; ++k) {
      int c = compare_values(take_cell(p), take_cell(q));
      if (c != 0) return c < 0;
    }
    return a.seq < b.seq;
  }
};

// A sorted run written to a temporary file, read back one row at a time.
class RunFile {
 public:
  ~RunFile() {
    if (file_) std::fclose(file_);
  }
  Status write(const std::vector<Row>& rows) {
    file_ = std::tmpfile();
    if (!file_) return io_error(std::string("cannot create a temporary file to sort rows: ") + std::strerror(errno));
    for (const Row& r : rows) {
      uint32_t n = static_cast<uint32_t>(r.bytes.size());
      if (std::fwrite(&r.seq, sizeof r.seq, 1, file_) != 1 || std::fwrite(&n, sizeof n, 1, file_) != 1 ||
          std::fwrite(r.bytes.data(), 1, n, file_) != n) {
        return io_error(std::string("cannot write a temporary file to sort rows: ") + std::strerror(errno));
      }
    }
    if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) {
      return io_error(std::string("cannot write a temporary file to sort rows: ") + std::strerror(errno));
    }
    return Status::ok();
  }
  // The next row into `row`; false at the end.
  Result<bool> next(Row& row) {
    uint32_t n = 0;
    if (std::fread(&row.seq, sizeof row.seq, 1, file_) != 1) {
      if (std::feof(file_)) return false;
      return io_error("cannot read back a temporary file of sorted rows");
    }
    if (std::fread(&n, sizeof n, 1, file_) != 1) return io_error("a temporary file of sorted rows ends early");
    row.bytes.resize(n);
    if (n > 0 && std::fread(row.bytes.data(), 1, n, file_) != n) {
      return io_error("a temporary file of sorted rows ends early");
    }
    return true;
  }

 private:
  std::FILE* file_ = nullptr;
};

class SortedReader : public RowReader {
 public:
  SortedReader(std::unique_ptr<RowReader> inner, std::vector<size_t> keys, size_t batch_rows, int64_t limit,
               size_t memory_bytes)
      : inner_(std::move(inner)), keys_(std::move(keys)), batch_rows_(std::max<size_t>(batch_rows, 1)),
        limit_(limit), memory_bytes_(memory_bytes), order_{keys_.size()} {}

  const std::vector<ColumnInfo>& columns() const override { return inner_->columns(); }

  Result<bool> next(Batch& out) override {
    if (!sorted_) {
      CSB_RETURN_IF_ERROR(sort_all());
      sorted_ = true;
    }
    const size_t columns = inner_->columns().size();
    out.reset(columns);
    Row row;
    while (out.rows() < batch_rows_ && (limit_ < 0 || yielded_ < limit_)) {
      CSB_ASSIGN_OR_RETURN(bool more, pop(row));
      if (!more) break;
      std::string_view p = row.bytes;
      for (size_t k = 0; k < keys_.size(); ++k) take_cell(p);
      for (size_t c = 0; c < columns; ++c) {
        std::optional<std::string_view> v = take_cell(p);
        if (v) out.append(*v);
        else out.append_null();
      }
      ++yielded_;
    }
    return out.rows() > 0;
  }

 private:
  Status sort_all() {
    Batch batch;
    size_t bytes = 0;
    uint64_t seq = 0;
    for (;;) {
      CSB_ASSIGN_OR_RETURN(bool more, inner_->next(batch));
      for (auto& r : inner_->take_rejects()) rejects_.push_back(std::move(r));
      if (!more) break;
      for (size_t r = 0; r < batch.rows(); ++r) {
        Row row;
        row.seq = seq++;
        for (size_t k : keys_) put_cell(row.bytes, batch.value(r, k));
        for (size_t c = 0; c < batch.columns(); ++c) put_cell(row.bytes, batch.value(r, c));
        bytes += row.bytes.size() + sizeof(Row);
        memory_.push_back(std::move(row));
      }
      if (bytes > memory_bytes_) {
        CSB_RETURN_IF_ERROR(spill());
        bytes = 0;
      }
    }
    std::sort(memory_.begin(), memory_.end(), order_);
    if (runs_.empty()) return Status::ok();  // it all fitted: handed out from memory
    CSB_RETURN_IF_ERROR(spill());
    for (size_t i = 0; i < runs_.size(); ++i) CSB_RETURN_IF_ERROR(refill(i));
    return Status::ok();
  }

  Status spill() {
    std::sort(memory_.begin(), memory_.end(), order_);
    auto run = std::make_unique<RunFile>();
    CSB_RETURN_IF_ERROR(run->write(memory_));
    runs_.push_back(std::move(run));
    heads_.emplace_back();
    memory_.clear();
    memory_.shrink_to_fit();
    return Status::ok();
  }

  // Reads run i's next row into its head and queues it.
  Status refill(size_t i) {
    CSB_ASSIGN_OR_RETURN(bool more, runs_[i]->next(heads_[i]));
    if (more) queue_.push(i);
    return Status::ok();
  }

  Result<bool> pop(Row& row) {
    if (runs_.empty()) {
      if (next_ == memory_.size()) return false;
      row = std::move(memory_[next_++]);
      return true;
    }
    if (queue_.empty()) return false;
    size_t i = queue_.top();
    queue_.pop();
    row = std::move(heads_[i]);
    CSB_RETURN_IF_ERROR(refill(i));
    return true;
  }

  struct HeadAfter {
    const SortedReader* self;
    bool operator()(size_t a, size_t b) const { return self->order_(self->heads_[b], self->heads_[a]); }
  };

  std::unique_ptr<RowReader> inner_;
  std::vector<size_t> keys_;
  size_t batch_rows_;
  int64_t limit_, yielded_ = 0;
  size_t memory_bytes_;
  RowOrder order_;
  bool sorted_ = false;
  std::vector<Row> memory_;  // the rows, or the run being gathered
  size_t next_ = 0;          // the next of memory_ to hand out (no runs)
  std::vector<std::unique_ptr<RunFile>> runs_;
  std::vector<Row> heads_;  // each run's next row
  std::priority_queue<size_t, std::vector<size_t>, HeadAfter> queue_{HeadAfter{this}};
};

}  // namespace

Result<std::unique_ptr<RowReader>> sort_rows(std::unique_ptr<RowReader> inner, const std::vector<std::string>& keys,
                                             size_t batch_rows, int64_t limit, size_t memory_bytes) {
  std::vector<size_t> indexes;
  const auto& columns = inner->columns();
  for (const std::string& k : keys) {
    auto it = std::find_if(columns.begin(), columns.end(), [&](const ColumnInfo& c) { return c.name == k; });
    if (it == columns.end()) return invalid_argument("cannot sort rows by '" + k + "': not a column read");
    indexes.push_back(static_cast<size_t>(it - columns.begin()));
  }
  return std::unique_ptr<RowReader>(
      std::make_unique<SortedReader>(std::move(inner), std::move(indexes), batch_rows, limit, memory_bytes));
}

}  // namespace csbridge::connector
