// Runs the tasks of one step on the calling thread plus helper threads that
// live as long as the gang: a fork-join for small steps repeated many times
// (e.g. profiling the columns of each batch), without a thread per step.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace csbridge::util {

class TaskGang {
 public:
  // `helpers` extra threads; 0 runs everything on the caller.
  explicit TaskGang(size_t helpers);
  ~TaskGang();
  TaskGang(const TaskGang&) = delete;
  TaskGang& operator=(const TaskGang&) = delete;

  // Calls task(i) once for every i in [0, count), spread over the threads;
  // returns when all have returned. Tasks must touch disjoint state.
  void run(size_t count, const std::function<void(size_t)>& task);

  // One helper per core beyond the first (at least 0).
  static size_t default_helpers();

 private:
  void work();
  void drain();

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(size_t)>* task_ = nullptr;
  size_t count_ = 0;
  std::atomic<size_t> next_{0};
  size_t busy_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace csbridge::util
