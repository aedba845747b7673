// Open-addressing hash tables keyed by 64-bit hashes (the keys are already
// XXH3 hashes, so no further mixing is needed): several times faster and
// smaller than std::unordered_* for the millions of keys assess collects.
// Key 0 is reserved as "empty" and stored aside.
#pragma once

#include <cstdint>
#include <vector>

namespace csbridge::util {

// A map from 64-bit hashes to counts.
class FlatHashCount {
 public:
  // Adds `n` to the count of `key`; returns the new number of distinct keys.
  size_t add(uint64_t key, int64_t n = 1) {
    if (key == 0) {
      if (zero_ == 0) ++size_;
      zero_ += n;
      return size_;
    }
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = key & mask;; i = (i + 1) & mask) {
      if (slots_[i].key == key) {
        slots_[i].count += n;
        return size_;
      }
      if (slots_[i].key == 0) {
        slots_[i] = {key, n};
        return ++size_;
      }
    }
  }

  int64_t count(uint64_t key) const {
    if (key == 0) return zero_;
    if (slots_.empty()) return 0;
    size_t mask = slots_.size() - 1;
    for (size_t i = key & mask;; i = (i + 1) & mask) {
      if (slots_[i].key == key) return slots_[i].count;
      if (slots_[i].key == 0) return 0;
    }
  }

  bool contains(uint64_t key) const { return count(key) > 0; }
  size_t size() const { return size_; }
  void clear() {
    slots_.clear();
    slots_.shrink_to_fit();
    size_ = 0;
    zero_ = 0;
  }

  // Calls f(key, count) for every key.
  template <typename F>
  void for_each(F&& f) const {
    if (zero_ != 0) f(uint64_t{0}, zero_);
    for (const Slot& s : slots_) {
      if (s.key != 0) f(s.key, s.count);
    }
  }

 private:
  struct Slot {
    uint64_t key;
    int64_t count;
  };
  static constexpr size_t kInitialSlots = 1024;

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? kInitialSlots : old.size() * 2, Slot{0, 0});
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.key == 0) continue;
      size_t i = s.key & mask;
      while (slots_[i].key != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
  int64_t zero_ = 0;
};

}  // namespace csbridge::util
