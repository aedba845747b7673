#include "migrate/deletes.h"

#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <map>
#include <queue>
#include <utility>

#include "mapping/row_mapper.h"
#include "migrate/target_store.h"
#include "util/strings.h"

namespace csbridge::migrate {
namespace {

using mapping::Block;
using mapping::Deletes;

std::string location(const mapping::Location& at) {
  return at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.col) + ": ";
}

// Keys in a temporary file, each as a 32-bit length and its bytes.
class KeyFile {
 public:
  KeyFile() : file_(std::tmpfile()) {}
  ~KeyFile() {
    if (file_) std::fclose(file_);
  }
  KeyFile(const KeyFile&) = delete;
  KeyFile& operator=(const KeyFile&) = delete;
  std::FILE* release() { return std::exchange(file_, nullptr); }
  bool ok() const { return file_ != nullptr; }
  std::FILE* get() const { return file_; }

  static bool put(std::FILE* f, const std::string& key) {
    auto n = static_cast<uint32_t>(key.size());
    return std::fwrite(&n, sizeof n, 1, f) == 1 && (n == 0 || std::fwrite(key.data(), n, 1, f) == 1);
  }
  static bool get(std::FILE* f, std::string& key) {
    uint32_t n = 0;
    if (std::fread(&n, sizeof n, 1, f) != 1) return false;
    key.resize(n);
    return n == 0 || std::fread(key.data(), n, 1, f) == 1;
  }

 private:
  std::FILE* file_;
};

// The source's keys in byte order, without repeats, in bounded memory: sorted runs of at most
// `run_keys` keys, spilled to temporary files when there is more than one, then merged.
class SortedKeys {
 public:
  SortedKeys(size_t run_keys, DeleteStats& stats) : run_keys_(std::max<size_t>(run_keys, 1)), stats_(stats) {}

  Status add(std::string key) {
    buffer_.push_back(std::move(key));
    stats_.max_source_keys_held = std::max(stats_.max_source_keys_held, buffer_.size());
    return buffer_.size() >= run_keys_ ? spill() : Status::ok();
  }

  // After the last add(): the runs are read from their start.
  Status finish() {
    if (!runs_.empty() && !buffer_.empty()) CSB_RETURN_IF_ERROR(spill());
    if (runs_.empty()) {
      std::sort(buffer_.begin(), buffer_.end());
      return Status::ok();
    }
    for (size_t i = 0; i < runs_.size(); ++i) {
      std::rewind(runs_[i]->get());
      std::string key;
      if (KeyFile::get(runs_[i]->get(), key)) heap_.push({std::move(key), i});
    }
    return Status::ok();
  }

  // The next key in byte order, repeats skipped; false at the end.
  bool next(std::string& key) {
    for (;;) {
      if (!next_any(key)) return false;
      if (!have_last_ || key != last_) {
        last_ = key;
        have_last_ = true;
        return true;
      }
    }
  }

 private:
  bool next_any(std::string& key) {
    if (runs_.empty()) {
      if (pos_ >= buffer_.size()) return false;
      key = std::move(buffer_[pos_++]);
      return true;
    }
    if (heap_.empty()) return false;
    Head head = heap_.top();
    heap_.pop();
    key = std::move(head.key);
    std::string following;
    if (KeyFile::get(runs_[head.run]->get(), following)) heap_.push({std::move(following), head.run});
    return true;
  }

  Status spill() {
    std::sort(buffer_.begin(), buffer_.end());
    auto run = std::make_unique<KeyFile>();
    if (!run->ok()) return io_error("deletes: cannot create a temporary file for sorting keys: " + std::string(std::strerror(errno)));
    for (const std::string& k : buffer_) {
      if (!KeyFile::put(run->get(), k)) return io_error("deletes: cannot write a temporary file of keys");
    }
    runs_.push_back(std::move(run));
    ++stats_.sorted_runs;
    buffer_.clear();
    return Status::ok();
  }

  struct Head {
    std::string key;
    size_t run;
    bool operator<(const Head& o) const { return key > o.key; }  // a min-heap by key
  };
  size_t run_keys_;
  DeleteStats& stats_;
  std::vector<std::string> buffer_;
  size_t pos_ = 0;
  std::vector<std::unique_ptr<KeyFile>> runs_;
  std::priority_queue<Head> heap_;
  std::string last_;
  bool have_last_ = false;
};

}  // namespace

Status read_legacy_keys(connector::Connector& db, const Block& block, const mapping::Condition& filter,
                        const std::string& where, const mapping::RelatedOpener& open_related, size_t batch_rows,
                        const std::function<Status(std::string)>& key, int64_t& unreadable) {
  // The block without its fields (a Block holds bound steps: built, not copied).
  Block keys_only;
  keys_only.entity = block.entity;
  keys_only.cs = block.cs;
  keys_only.source = block.source;
  keys_only.table = block.table;
  keys_only.query = block.query;
  keys_only.key = block.key;
  keys_only.key_prefix = block.key_prefix;
  keys_only.where = block.where;
  keys_only.custom = mapping::CustomMode::kNone;
  keys_only.at = block.at;
  keys_only.index = block.index;
  keys_only.filter = filter;
  connector::ReadRequest request;
  if (keys_only.query.empty()) request.table = keys_only.table_ref();
  request.query = keys_only.query;
  request.columns = mapping::BlockMapper::columns_to_read(keys_only);
  request.where = where;
  request.order_by = block.key;
  request.batch_rows = batch_rows;
  CSB_ASSIGN_OR_RETURN(auto reader, mapping::read_block(db, keys_only, request, open_related));
  std::vector<size_t> at;
  for (const std::string& k : block.key) {
    const auto& columns = reader->columns();
    auto it = std::find_if(columns.begin(), columns.end(),
                           [&](const connector::ColumnInfo& c) { return util::to_lower(c.name) == util::to_lower(k); });
    if (it == columns.end()) return not_found(block.display() + ": the source gives no key column '" + k + "'");
    at.push_back(static_cast<size_t>(it - columns.begin()));
  }
  connector::Batch batch;
  for (;;) {
    CSB_ASSIGN_OR_RETURN(bool more, reader->next(batch));
    unreadable += static_cast<int64_t>(reader->take_rejects().size());
    for (size_t r = 0; more && r < batch.rows(); ++r) {
      std::string k = block.key_prefix;
      bool null_key = false;
      for (size_t i = 0; i < at.size(); ++i) {
        null_key = null_key || batch.is_null(r, at[i]);
        if (i) k += '|';
        k += batch.get(r, at[i]);
      }
      if (null_key) continue;  // never loaded (rejected no_key): nothing of it in the target
      CSB_RETURN_IF_ERROR(key(std::move(k)));
    }
    if (!more) return Status::ok();
  }
}

std::string deletes_how(const Block& block) {
  switch (block.deletes.mode) {
    case Deletes::Mode::kNone:
      return "not detected (no 'deletes:')";
    case Deletes::Mode::kKeys:
      return "keys: the source's keys against the crosswalk";
    case Deletes::Mode::kSoft: {
      std::vector<std::string> values = block.deletes.deleted.values;
      if (block.deletes.deleted.null_listed) values.push_back("null");
      return "soft: " + block.deletes.deleted.column + " in [" + util::join(values, ", ") + "]";
    }
  }
  return "";
}

Status check_deletes(const std::vector<const Block*>& blocks) {
  for (const Block* b : blocks) {
    if (b->deletes.mode != Deletes::Mode::kKeys) continue;
    for (const Block* other : blocks) {
      if (other == b || other->entity != b->entity || other->source != b->source) continue;
      return config_error(location(b->deletes.at) + "'deletes: keys' compares the keys of " + b->display() +
                          " with every " + b->entity + " of source '" + b->source + "' in the crosswalk, and " +
                          other->display() + " loads them too: use a soft-delete column, {column: C, values: [V]}");
    }
  }
  return Status::ok();
}

DeletePass::~DeletePass() {
  for (std::FILE* f : files_) {
    if (f) std::fclose(f);
  }
}

Status DeletePass::detect(connector::Connector& db, const Block& block, const mapping::RelatedOpener& open_related) {
  if (block.deletes.mode == Deletes::Mode::kNone) return Status::ok();
  BlockDeletes counts;
  counts.block = &block;
  counts.how = deletes_how(block);
  KeyFile out;
  if (!out.ok()) return io_error("deletes: cannot create a temporary file of keys: " + std::string(std::strerror(errno)));
  CSB_ASSIGN_OR_RETURN(counts.live_rows, store_.live_rows(block.entity));

  // Counts the target rows of a page of keys to delete and keeps the keys for apply().
  std::vector<std::string> page;
  auto flush = [&]() -> Status {
    if (page.empty()) return Status::ok();
    CSB_ASSIGN_OR_RETURN(DeleteOutcome n, store_.delete_rows(block.entity, block.source, page, options_.hard, false));
    counts.found += n.matched;
    for (const std::string& k : page) {
      if (!KeyFile::put(out.get(), k)) return io_error("deletes: cannot write a temporary file of keys");
    }
    page.clear();
    return Status::ok();
  };
  auto add = [&](std::string key) -> Status {
    page.push_back(std::move(key));
    return page.size() >= options_.page_keys ? flush() : Status::ok();
  };
  int64_t unreadable = 0;
  size_t batch_rows = std::max<size_t>(options_.page_keys, 1);

  if (block.deletes.mode == Deletes::Mode::kSoft) {
    mapping::Condition deleted = block.filter;
    deleted.tests.pop_back();  // the live test the loader added
    deleted.tests.push_back(block.deletes.deleted);
    CSB_RETURN_IF_ERROR(read_legacy_keys(db, block, deleted, "", open_related, batch_rows, add, unreadable));
  } else {
    SortedKeys source(options_.sort_run_keys, stats_);
    CSB_RETURN_IF_ERROR(read_legacy_keys(db, block, block.filter, "", open_related, batch_rows,
                                         [&](std::string k) { return source.add(std::move(k)); }, unreadable));
    if (unreadable > 0) {
      // A record whose key is unknown would look deleted: the block's deletes wait for a clean read.
      counts.how += " (not applied: " + std::to_string(unreadable) + " source records unreadable)";
      blocks_.push_back(counts);
      files_.push_back(out.release());
      return Status::ok();
    }
    CSB_RETURN_IF_ERROR(source.finish());
    // Merge: the target's live keys missing from the source are its deletes.
    std::string s;
    bool have_s = source.next(s);
    std::optional<std::string> after;
    for (;;) {
      CSB_ASSIGN_OR_RETURN(std::vector<std::string> keys,
                           store_.keys_after(block.entity, block.source, after, options_.page_keys, options_.hard));
      ++stats_.target_pages;
      stats_.max_target_keys_held = std::max(stats_.max_target_keys_held, keys.size());
      for (std::string& t : keys) {
        if (after && !(*after < t)) stats_.target_in_order = false;
        while (have_s && s < t) have_s = source.next(s);
        if (!have_s || t < s) CSB_RETURN_IF_ERROR(add(t));
        after = std::move(t);
      }
      if (keys.size() < options_.page_keys) break;
    }
  }
  CSB_RETURN_IF_ERROR(flush());
  blocks_.push_back(counts);
  files_.push_back(out.release());
  return Status::ok();
}

Status DeletePass::guard() const {
  for (const BlockDeletes& b : blocks_) {
    if (b.found == 0 || b.percent() <= options_.max_percent) continue;
    char ratio[64];
    std::snprintf(ratio, sizeof ratio, "%.1f%%", b.percent());
    char limit[64];
    std::snprintf(limit, sizeof limit, "%g%%", options_.max_percent);
    return data_error(b.block->display() + ": " + std::to_string(b.found) + " deletes of " +
                      std::to_string(b.live_rows) + " live " + b.block->entity + " rows in the target (" + ratio +
                      ") exceed delta.max_delete_ratio " + limit + " (" + b.how +
                      "): no delete applied; check the source, or raise delta.max_delete_ratio");
  }
  return Status::ok();
}

Status DeletePass::apply(const Retry& retry) {
  for (size_t i = blocks_.size(); i-- > 0;) {
    BlockDeletes& b = blocks_[i];
    std::FILE* f = files_[i];
    if (b.found == 0 || !f) continue;
    std::rewind(f);
    std::vector<std::string> page;
    std::string key;
    bool more = true;
    while (more) {
      more = KeyFile::get(f, key);
      if (more) page.push_back(key);
      if (page.empty() || (more && page.size() < options_.page_keys)) continue;
      DeleteOutcome done;
      CSB_RETURN_IF_ERROR(retry("deleting rows of " + b.block->display(), [&]() -> Status {
        CSB_ASSIGN_OR_RETURN(done, store_.delete_rows(b.block->entity, b.block->source, page, options_.hard, true));
        return Status::ok();
      }));
      b.applied += done.matched;
      b.removed += done.removed;
      page.clear();
    }
  }
  return Status::ok();
}

}  // namespace csbridge::migrate
