#include "validate/rows.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <unordered_set>

#include "migrate/conflicts.h"
#include "model/ddl.h"
#include "util/strings.h"

namespace csbridge::validate {
namespace {

constexpr char kSep = '\x1f';

bool compared(const model::Field& f) {
  return f.name != "id" && f.name != "source_system" && f.name != "source_key" && f.name != "migrated_at" &&
         f.name != "deleted_at";
}

void put_u32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

struct Payload {
  uint64_t hash = 0;
  int64_t incoming = 0;  // the source side with tell_edits(): what a load would fingerprint
  std::vector<std::optional<std::string>> refs;
};

bool decode(std::string_view p, Payload& out, bool with_incoming = false) {
  if (p.size() < sizeof(uint64_t)) return false;
  std::memcpy(&out.hash, p.data(), sizeof(uint64_t));
  p.remove_prefix(sizeof(uint64_t));
  if (with_incoming) {
    if (p.size() < sizeof(int64_t)) return false;
    std::memcpy(&out.incoming, p.data(), sizeof(int64_t));
    p.remove_prefix(sizeof(int64_t));
  }
  out.refs.clear();
  while (!p.empty()) {
    char tag = p[0];
    p.remove_prefix(1);
    if (tag == 0) {
      out.refs.emplace_back(std::nullopt);
      continue;
    }
    uint32_t n;
    if (p.size() < sizeof n) return false;
    std::memcpy(&n, p.data(), sizeof n);
    p.remove_prefix(sizeof n);
    if (p.size() < n) return false;
    out.refs.emplace_back(std::string(p.substr(0, n)));
    p.remove_prefix(n);
  }
  return true;
}

// "system\x1fkey" → key, and the system.
std::pair<std::string_view, std::string_view> split_key(std::string_view k) {
  size_t s = k.find(kSep);
  if (s == std::string_view::npos) return {"", k};
  return {k.substr(0, s), k.substr(s + 1)};
}

// A JSON object without the members `names`; "" when nothing is left (migrate writes no
// custom then). Text that is not an object is returned as it is.
std::string without_members(std::string_view json, const std::vector<std::string>& names) {
  auto object = nlohmann::ordered_json::parse(json, nullptr, false);
  if (!object.is_object()) return std::string(json);
  for (const auto& n : names) object.erase(n);
  return object.empty() ? std::string() : object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

RowsCheck::RowsCheck(const model::Entity& entity, std::vector<const mapping::Block*> blocks, size_t failure_cap)
    : entity_(entity), blocks_(std::move(blocks)), failure_cap_(failure_cap) {
  for (const auto* b : blocks_) systems_.insert(b->source);
  for (const auto& f : entity_.fields) {
    if (!compared(f)) continue;
    Column c;
    c.name = f.name;
    c.field = &f;
    c.reference = !f.references.empty();
    for (const auto* b : blocks_) {
      const mapping::FieldMapping* fm = b->field(f.name);
      if (fm && fm->lookup && fm->lookup->orphans_to_null) c.soft = true;
    }
    columns_.push_back(c);
  }
}

Status RowsCheck::open() {
  source_ = std::make_unique<Spill>();
  target_ = std::make_unique<Spill>();
  CSB_RETURN_IF_ERROR(source_->open());
  return target_->open();
}

Status RowsCheck::begin_block(const mapping::Block& block, const mapping::BlockMapper& mapper) {
  system_ = block.source;
  output_of_.assign(columns_.size(), -1);
  lookup_system_of_.assign(columns_.size(), "");
  const auto& outputs = mapper.outputs();
  for (size_t c = 0; c < columns_.size(); ++c) {
    for (size_t o = 0; o < outputs.size(); ++o) {
      if (outputs[o].field == columns_[c].name) {
        output_of_[c] = static_cast<int>(o) + 1;  // batch column: after the source_key
        lookup_system_of_[c] = outputs[o].lookup_system.empty() ? block.source : outputs[o].lookup_system;
      }
    }
  }
  spec_ = nullptr;
  if (edits_model_) {
    // The spec migrate loads the block with (migrate.cc builds it from the same outputs).
    migrate::LoadSpec spec;
    spec.entity = block.entity;
    spec.source_system = block.source;
    for (const auto& o : outputs) {
      spec.columns.push_back(o.field);
      spec.lookups.push_back(o.lookup_entity);
      spec.lookup_systems.push_back(o.lookup_system);
      spec.orphans_to_null.push_back(o.lookup_orphans_to_null);
    }
    // A block migrate would refuse has no edits to tell: its differing rows stay `differs`.
    if (auto resolved = migrate::resolve_spec(*edits_model_, spec); resolved.is_ok()) {
      spec_ = &(specs_[block.source] = std::move(*resolved));
    } else {
      specs_.erase(block.source);
    }
  }
  return Status::ok();
}

std::string RowsCheck::encode_payload(uint64_t hash, const std::optional<int64_t>& incoming,
                                      const std::vector<std::optional<std::string>>& refs) const {
  std::string p(reinterpret_cast<const char*>(&hash), sizeof hash);
  if (incoming) p.append(reinterpret_cast<const char*>(&*incoming), sizeof(int64_t));
  for (const auto& r : refs) {
    if (!r) {
      p += '\0';
      continue;
    }
    p += '\1';
    put_u32(p, static_cast<uint32_t>(r->size()));
    p += *r;
  }
  return p;
}

Status RowsCheck::row(const connector::Batch& mapped, size_t r) {
  fp_.clear();
  refs_.clear();
  for (size_t c = 0; c < columns_.size(); ++c) {
    const int o = output_of_[c];
    std::optional<std::string_view> v;
    if (o >= 0) v = mapped.value(r, static_cast<size_t>(o));
    if (columns_[c].reference) {
      if (v) refs_.emplace_back(lookup_system_of_[c] + kSep + std::string(*v));
      else refs_.emplace_back(std::nullopt);
    } else {
      fp_.add(columns_[c].field->type, v);
    }
  }
  key_ = system_;
  key_ += kSep;
  key_ += mapped.get(r, 0);
  if (keep_keys_) source_keys_[system_].emplace_back(mapped.get(r, 0));
  std::optional<int64_t> incoming;
  if (edits_model_) incoming = spec_ ? migrate::written_fingerprint(*spec_, mapped, r) : 0;
  return source_->add(key_, encode_payload(fp_.digest(), incoming, refs_));
}

Status RowsCheck::refused(std::string_view source_key) {
  if (keep_keys_) source_keys_[system_].emplace_back(source_key);
  return Status::ok();
}

Status RowsCheck::read_target(Target& target) { return read_target_where(target, ""); }

Status RowsCheck::open_whole() {
  if (whole_) return Status::ok();
  whole_ = std::make_unique<Spill>();
  return whole_->open();
}

Status RowsCheck::whole_source_key(std::string_view system, std::string_view key) {
  CSB_RETURN_IF_ERROR(open_whole());
  key_.assign(system);
  key_ += kSep;
  key_ += key;
  return whole_->add(key_, "");
}

Result<int64_t> RowsCheck::read_target_outside(Target& target) {
  CSB_RETURN_IF_ERROR(open_whole());  // no key given: the source holds none
  // The target's keys, partitioned as the source's (no order to agree on across engines).
  Spill keys;
  CSB_RETURN_IF_ERROR(keys.open());
  std::string in;
  for (const auto& s : systems_) in += (in.empty() ? "" : ", ") + Target::literal(s);
  CSB_ASSIGN_OR_RETURN(std::string live, target.live(entity_.name, "t"));
  Status failed;
  std::string key;
  CSB_RETURN_IF_ERROR(target.each_row("SELECT t.\"source_system\", t.\"source_key\" FROM " + target.table(entity_.name) +
                                          " t WHERE t.\"source_system\" IN (" + in + ") AND " + live,
                                      [&](const connector::Batch& b, size_t r) {
                                        key.assign(b.get(r, 0));
                                        key += kSep;
                                        key += b.get(r, 1);
                                        failed = keys.add(key, "");
                                        return failed.is_ok();
                                      }));
  CSB_RETURN_IF_ERROR(failed);
  CSB_RETURN_IF_ERROR(keys.finish());
  CSB_RETURN_IF_ERROR(whole_->finish());
  // The keys no source row gives, read a chunk at a time (by system) once the key query is done.
  constexpr size_t kChunk = 5000;
  std::map<std::string, std::vector<std::string>> outside;
  int64_t found = 0;
  auto read = [&](const std::string& system, std::vector<std::string>& chunk) -> Status {
    std::string list;
    for (const std::string& k : chunk) list += (list.empty() ? "" : ", ") + Target::literal(k);
    chunk.clear();
    return read_target_where(target, "t.\"source_system\" = " + Target::literal(system) + " AND t.\"source_key\" IN (" +
                                         list + ")");
  };
  for (size_t p = 0; p < keys.partitions(); ++p) {
    CSB_ASSIGN_OR_RETURN(auto held, whole_->read(p));
    std::unordered_set<std::string> source;
    for (auto& r : held) source.insert(std::move(r.key));
    held.clear();
    CSB_ASSIGN_OR_RETURN(auto targets, keys.read(p));
    for (const SpilledRecord& t : targets) {
      if (source.count(t.key)) continue;
      auto [system, k] = split_key(t.key);
      const auto streamed = source_keys_.find(std::string(system));  // sorted by read_target_of_source
      if (streamed != source_keys_.end() && std::binary_search(streamed->second.begin(), streamed->second.end(), k)) {
        continue;  // the source gave it to this shard meanwhile: read already
      }
      std::vector<std::string>& chunk = outside[std::string(system)];
      chunk.emplace_back(k);
      ++found;
      if (chunk.size() >= kChunk) CSB_RETURN_IF_ERROR(read(std::string(system), chunk));
    }
  }
  for (auto& [system, chunk] : outside) {
    if (!chunk.empty()) CSB_RETURN_IF_ERROR(read(system, chunk));
  }
  return found;
}

Status RowsCheck::read_target_of_source(Target& target) {
  constexpr size_t kChunk = 5000;  // keys a query (fewer queries: each joins the referenced tables)
  for (auto& [system, keys] : source_keys_) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (size_t at = 0; at < keys.size(); at += kChunk) {
      std::string in;
      for (size_t k = at; k < keys.size() && k < at + kChunk; ++k) in += (k > at ? ", " : "") + Target::literal(keys[k]);
      CSB_RETURN_IF_ERROR(read_target_where(
          target, "t.\"source_system\" = " + Target::literal(system) + " AND t.\"source_key\" IN (" + in + ")"));
    }
  }
  return Status::ok();
}

Status RowsCheck::read_target_where(Target& target, const std::string& where) {
  // Result columns need distinct names (the query is read as a derived table): c0, c1, …
  std::vector<std::string> exprs = {"t.\"source_system\"", "t.\"source_key\""};
  std::string joins;
  int n = 0;
  for (const auto& c : columns_) {
    std::string col = "t." + model::quote_identifier(c.name);
    if (c.reference) {
      std::string alias = "r" + std::to_string(n++);
      exprs.push_back(alias + ".\"source_system\"");
      exprs.push_back(alias + ".\"source_key\"");
      joins += " LEFT JOIN " + target.table(c.field->references) + " " + alias + " ON " + alias + ".\"id\" = " + col;
    } else {
      exprs.push_back(col);
    }
  }
  std::string select = "SELECT ";
  for (size_t i = 0; i < exprs.size(); ++i) select += (i ? ", " : "") + exprs[i] + " AS c" + std::to_string(i);
  // A tombstoned row is one the source deleted (gone or soft-deleted, so not among the source's
  // rows): not a difference.
  CSB_ASSIGN_OR_RETURN(std::string live, target.live(entity_.name, "t"));
  std::string sql = select + " FROM " + target.table(entity_.name) + " t" + joins + " WHERE " + live;
  if (!where.empty()) sql += " AND (" + where + ")";
  model::Fingerprint fp;
  std::vector<std::optional<std::string>> refs;
  std::string key;
  Status failed;
  CSB_RETURN_IF_ERROR(target.each_row(sql, [&](const connector::Batch& b, size_t r) {
    std::string_view system = b.get(r, 0);
    if (!systems_.count(std::string(system))) {
      ++other_systems_;
      return true;
    }
    ++target_rows_;
    fp.clear();
    refs.clear();
    // migrate keeps the legacy key of a reference `orphans: null` set to NULL in custom as
    // "<field>_orphan"; the source side, mapped without the crosswalk, has no such member.
    std::vector<std::string> orphan_members;
    for (size_t col = 2, k = 0; k < columns_.size(); ++k) {
      const Column& c = columns_[k];
      if (c.reference && c.soft && b.is_null(r, col + 1)) orphan_members.push_back(c.name + "_orphan");
      col += c.reference ? 2 : 1;
    }
    size_t col = 2;
    for (const auto& c : columns_) {
      if (c.reference) {
        if (b.is_null(r, col + 1)) refs.emplace_back(std::nullopt);
        else refs.emplace_back(std::string(b.get(r, col)) + kSep + std::string(b.get(r, col + 1)));
        col += 2;
      } else if (c.name == "custom" && !orphan_members.empty() && !b.is_null(r, col)) {
        std::string custom = without_members(b.get(r, col), orphan_members);
        fp.add(c.field->type, custom.empty() ? std::nullopt : std::optional<std::string_view>(custom));
        ++col;
      } else {
        fp.add(c.field->type, b.value(r, col));
        ++col;
      }
    }
    key.assign(system);
    key += kSep;
    key += b.get(r, 1);
    failed = target_->add(key, encode_payload(fp.digest(), std::nullopt, refs));
    return failed.is_ok();
  }));
  return failed;
}

Result<CheckResult> RowsCheck::compare(Target& target) {
  CheckResult result;
  result.name = "rows";
  result.entity = entity_.name;
  CSB_RETURN_IF_ERROR(source_->finish());
  CSB_RETURN_IF_ERROR(target_->finish());
  int64_t matched = 0, differing = 0, missing = 0, extra = 0, orphan_rejects = 0, orphan_nulls = 0, duplicates = 0;
  const bool several_systems = systems_.size() > 1;
  auto name = [&](std::string_view spilled) {
    auto [system, key] = split_key(spilled);
    return several_systems ? std::string(system) + ":" + std::string(key) : std::string(key);
  };
  // tell_edits(): a crosswalk from before fingerprints were kept has no edits to tell (a load
  // writes its rows as before).
  bool edits = edits_model_ != nullptr;
  if (edits) {
    CSB_ASSIGN_OR_RETURN(edits, target.has_column(migrate::kCrosswalkTable, "fingerprint"));
  }
  std::vector<Differing> differing_rows;
  int64_t kept = 0, conflicts = 0;
  constexpr size_t kTellChunk = 5000;  // differing rows read back a query

  for (size_t p = 0; p < source_->partitions(); ++p) {
    CSB_ASSIGN_OR_RETURN(auto src, source_->read(p));
    CSB_ASSIGN_OR_RETURN(auto dst, target_->read(p));
    auto by_key = [](const SpilledRecord& a, const SpilledRecord& b) { return a.key < b.key; };
    std::stable_sort(src.begin(), src.end(), by_key);
    std::sort(dst.begin(), dst.end(), by_key);
    size_t i = 0, j = 0;
    Payload a, b;
    while (i < src.size() || j < dst.size()) {
      if (j == dst.size() || (i < src.size() && src[i].key < dst[j].key)) {
        // In the source, not in the target: rejected at load as an orphan, or missing.
        decode(src[i].payload, a, edits_model_ != nullptr);
        CSB_ASSIGN_OR_RETURN(bool rejected, rejected_as_orphan(target, a.refs));
        if (rejected) {
          ++orphan_rejects;
        } else {
          ++missing;
          result.fail({name(src[i].key), "missing", "in the source, not in the target"}, failure_cap_);
        }
        ++i;
        continue;
      }
      if (i == src.size() || dst[j].key < src[i].key) {
        if (past_.count(dst[j].key)) {  // changed in the source since the mark: the next run's
          ++past_mark_rows_;
          ++j;
          continue;
        }
        ++extra;
        result.fail({name(dst[j].key), "extra", "in the target, not given by the source through the mapping"},
                    failure_cap_);
        ++j;
        continue;
      }
      // The same key on both sides; a key the source gives twice is one target row for two source rows.
      size_t first = i;
      while (i + 1 < src.size() && src[i + 1].key == src[first].key) ++i;
      if (i != first) {
        ++duplicates;
        result.fail({name(src[first].key), "duplicate_key",
                     std::to_string(i - first + 1) + " source rows map to this legacy key"},
                    failure_cap_);
      }
      decode(src[i].payload, a, edits_model_ != nullptr);
      decode(dst[j].payload, b);
      CSB_ASSIGN_OR_RETURN(std::string what, difference(target, a.hash != b.hash, a.refs, b.refs, orphan_nulls));
      if (what.empty()) {
        ++matched;
      } else {
        ++differing;
        if (edits && specs_.count(std::string(split_key(src[i].key).first))) {
          differing_rows.push_back({src[i].key, what, a.incoming});
          if (differing_rows.size() >= kTellChunk) {
            CSB_RETURN_IF_ERROR(tell(target, differing_rows, result, kept, conflicts, name));
          }
        } else {
          result.fail({name(src[i].key), "differs", what}, failure_cap_);
        }
      }
      ++i;
      ++j;
    }
  }
  if (!differing_rows.empty()) CSB_RETURN_IF_ERROR(tell(target, differing_rows, result, kept, conflicts, name));
  result.set("source_rows", source_->records());
  result.set("target_rows", target_->records());
  result.set("matched", matched);
  result.set("differing", differing);
  result.set("missing", missing);
  result.set("extra", extra);
  if (duplicates) result.set("duplicate_keys", duplicates);
  result.set("rejected_as_orphans", orphan_rejects);
  result.set("orphans_kept_as_null", orphan_nulls);
  if (other_systems_) result.set("other_systems", other_systems_);
  if (as_of_) result.set("past_mark", past_mark_rows_);
  if (edits_model_) {
    result.set("kept_target_edits", kept);
    result.set("conflicts", conflicts);
  }
  result.sort_failures();
  return result;
}

Result<bool> RowsCheck::orphan(Target& target, const std::string& value, const std::string& entity) {
  auto [system, key] = split_key(value);
  CSB_ASSIGN_OR_RETURN(auto id, target.store().lookup(entity, system, key));
  return !id.has_value();
}

Result<bool> RowsCheck::rejected_as_orphan(Target& target, const std::vector<std::optional<std::string>>& refs) {
  for (size_t c = 0, k = 0; c < columns_.size(); ++c) {
    if (!columns_[c].reference) continue;
    const std::optional<std::string>& ref = refs[k++];
    if (!ref || columns_[c].soft) continue;
    CSB_ASSIGN_OR_RETURN(bool gone, orphan(target, *ref, columns_[c].field->references));
    if (gone) return true;
  }
  return false;
}

Result<std::string> RowsCheck::difference(Target& target, bool values, const std::vector<std::optional<std::string>>& a,
                                          const std::vector<std::optional<std::string>>& b, int64_t& orphan_nulls) {
  std::vector<std::string> refs;
  for (size_t c = 0, k = 0; c < columns_.size(); ++c) {
    if (!columns_[c].reference) continue;
    const size_t at = k++;
    if (a[at] == b[at]) continue;
    if (columns_[c].soft && a[at] && !b[at]) {
      CSB_ASSIGN_OR_RETURN(bool gone, orphan(target, *a[at], columns_[c].field->references));
      if (gone) {
        ++orphan_nulls;
        continue;
      }
    }
    refs.push_back(columns_[c].name);
  }
  if (!values) return refs.empty() ? std::string() : "reference differs: " + util::join(refs, ", ");
  return "values differ" + (refs.empty() ? std::string() : "; references: " + util::join(refs, ", "));
}

Status RowsCheck::tell(Target& target, std::vector<Differing>& rows, CheckResult& result, int64_t& kept,
                       int64_t& conflicts, const std::function<std::string(std::string_view)>& name) {
  // By system: (key → its row), then what the crosswalk and the target hold of those keys.
  std::map<std::string, std::map<std::string, const Differing*>> by_system;
  for (const Differing& d : rows) {
    auto [system, key] = split_key(d.key);
    by_system[std::string(system)][std::string(key)] = &d;
  }
  CSB_ASSIGN_OR_RETURN(std::string live, target.live(entity_.name, "t"));
  std::map<const Differing*, migrate::Verdict> verdicts;
  for (const auto& [system, keys] : by_system) {
    const migrate::ResolvedSpec& spec = specs_.at(system);
    std::string in;
    for (const auto& [key, d] : keys) in += (in.empty() ? "" : ", ") + Target::literal(key);
    std::string sql =
        "SELECT x.\"source_key\", x.\"fingerprint\", " +
        migrate::readback_columns(spec, [&](std::string_view t) { return target.table(t); }) + " FROM " +
        target.table(migrate::kCrosswalkTable) + " x JOIN " + target.table(entity_.name) +
        " t ON t.\"id\" = x.\"new_id\" WHERE x.\"entity\" = " + Target::literal(entity_.name) +
        " AND x.\"source_system\" = " + Target::literal(system) + " AND x.\"fingerprint\" IS NOT NULL AND " + live +
        " AND x.\"source_key\" IN (" + in + ")";
    migrate::Cells cells;
    Status bad;
    CSB_RETURN_IF_ERROR(target.each_row(sql, [&](const connector::Batch& b, size_t r) {
      auto it = keys.find(std::string(b.get(r, 0)));
      if (it == keys.end()) return true;
      int64_t base = 0;
      std::string_view text = b.get(r, 1);
      if (std::from_chars(text.data(), text.data() + text.size(), base).ec != std::errc()) {
        bad = internal_error("the crosswalk's fingerprint of " + entity_.name + " '" + it->first +
                             "' is not an integer");
        return false;
      }
      cells.clear();
      for (size_t c = 2; c < b.columns(); ++c) cells.push_back(b.value(r, c));
      verdicts[it->second] = migrate::decide(base, migrate::current_fingerprint(spec, cells), it->second->incoming);
      return true;
    }));
    CSB_RETURN_IF_ERROR(bad);
  }
  for (const Differing& d : rows) {
    auto v = verdicts.find(&d);
    if (v == verdicts.end() || v->second == migrate::Verdict::kWrite) {
      result.fail({name(d.key), "differs", d.what}, failure_cap_);
    } else if (v->second == migrate::Verdict::kKeepTargetEdit) {
      ++kept;
      result.fail({name(d.key), "kept_target_edit",
                   "changed in the target since csbridge wrote it, not in the source: a load keeps the target's version"},
                  failure_cap_);
    } else {
      ++conflicts;
      result.fail({name(d.key), "conflict",
                   "changed in the target since csbridge wrote it, and in the source since (" + d.what + ")"},
                  failure_cap_);
    }
  }
  rows.clear();
  return Status::ok();
}

}  // namespace csbridge::validate
