#include "connector/prefetch_reader.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace csbridge::connector {
namespace {

class PrefetchReader final : public RowReader {
 public:
  PrefetchReader(std::unique_ptr<RowReader> inner, size_t depth)
      : inner_(std::move(inner)), columns_(inner_->columns()), depth_(depth == 0 ? 1 : depth) {
    thread_ = std::thread([this] { run(); });
  }

  ~PrefetchReader() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  const std::vector<ColumnInfo>& columns() const override { return columns_; }
  int64_t skipped() const override { return inner_->skipped(); }
  std::string position() const override { return position_; }
  std::string progress_note() const override { return note_; }

  Result<bool> next(Batch& out) override {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return !queue_.empty(); });
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    changed_.notify_all();
    for (RejectedRecord& r : item.rejects) rejects_.push_back(std::move(r));
    if (!item.status.is_ok()) return item.status;
    position_ = std::move(item.position);
    note_ = std::move(item.note);
    std::swap(out, item.batch);
    return item.more;
  }

 private:
  struct Item {
    Status status;
    bool more = false;
    Batch batch;
    std::vector<RejectedRecord> rejects;
    std::string position;  // the inner reader's, after this batch
    std::string note;      // the inner reader's progress_note(), after this batch
  };

  void run() {
    for (;;) {
      Item item;
      auto more = inner_->next(item.batch);
      item.rejects = inner_->take_rejects();
      item.position = inner_->position();
      item.note = inner_->progress_note();
      bool last = !more.is_ok() || !*more;
      if (more.is_ok()) item.more = *more;
      else item.status = more.status();
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return stop_ || queue_.size() < depth_; });
      if (stop_) return;
      queue_.push_back(std::move(item));
      lock.unlock();
      changed_.notify_all();
      if (last) return;
    }
  }

  std::unique_ptr<RowReader> inner_;
  std::vector<ColumnInfo> columns_;
  size_t depth_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> queue_;
  bool stop_ = false;
  std::thread thread_;
  std::string position_, note_;  // of the batch last handed out (the caller's thread only)
};

}  // namespace

std::unique_ptr<RowReader> prefetch(std::unique_ptr<RowReader> inner, size_t depth) {
  return std::make_unique<PrefetchReader>(std::move(inner), depth);
}

}  // namespace csbridge::connector
