// Relationships between legacy tables: the declared foreign keys, and the
// ones real helpdesks never declare, inferred in two steps. From the schema,
// candidates by name (`customer_id` → customers.id, `order_no` → the unique
// orders.order_no, persons in roles like `assignee_id`/`Creator`/
// `LastUpdatedBy`/操作人 → every table of people, `EffectiveId`/`parent_id` →
// the own table, a key shared with a supertype table (Users.id →
// Principals.id), 工单ID → the ticket table, `object_type`+`object_id` or
// `Domain`+`Instance` pairs as polymorphic references whose type values name
// a table or, as codes, hold the keys of exactly one). Then from the data,
// value containment: the share of child values without a parent decides the
// confidence, and 0 where the parent has no key 0 means none.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "util/flat_hash.h"
#include <vector>

#include "assess/assessment.h"
#include "connector/connector.h"

namespace csbridge::assess {

struct Candidate {
  size_t child = 0;                 // index into the tables
  std::string column;               // child column (the id column of a polymorphic pair)
  size_t parent = 0;                // index into the tables (unused when polymorphic)
  std::string parent_column;
  double name_score = 0;            // 0..1, from names alone
  std::vector<std::string> reasons;
  bool polymorphic = false;
  std::string type_column;          // polymorphic: the column naming the parent kind
  bool declared = false;            // a foreign key the source declares
  std::vector<std::string> declared_columns, declared_ref_columns;  // multi-column declared keys
};

// Candidates from names and keys. `entities[i]` is the guess for `tables[i]`.
std::vector<Candidate> find_candidates(const std::vector<connector::TableInfo>& tables,
                                       const std::vector<EntityGuess>& entities);

// Value sets gathered during the one pass over the data, bounded in memory:
// past kMaxKeys distinct values a set stops growing and says it overflowed.
class KeyCollector {
 public:
  static constexpr size_t kMaxKeys = 2'000'000;

  // Parent side: the distinct values of one key column.
  void add_key(std::string_view value);
  bool contains(std::string_view value) const;
  bool contains_hash(uint64_t hash) const { return keys_.contains(hash); }
  bool overflowed() const { return overflowed_; }
  size_t size() const { return keys_.size(); }

 private:
  util::FlatHashCount keys_;
  bool overflowed_ = false;
};

class ValueCounter {
 public:
  // Child side: how many rows hold each distinct value (NULL and "" are not counted).
  void add(std::string_view value);
  // Polymorphic child: the same, per value of the type column.
  void add_typed(std::string_view type, std::string_view value);

  bool overflowed() const { return overflowed_; }
  // Rows whose value is missing from `parent`; `rows` gets the rows looked
  // at, `none` those holding 0 where the parent has no key 0 ("none", not an
  // orphan, and not among `rows`).
  int64_t orphans(const KeyCollector& parent, int64_t& rows, int64_t& none) const;
  int64_t orphans(const std::string& type, const KeyCollector& parent, int64_t& rows, int64_t& none) const;
  // The distinct type values seen (polymorphic), with row counts.
  std::vector<std::pair<std::string, int64_t>> types() const;

 private:
  util::FlatHashCount counts_;
  std::map<std::string, util::FlatHashCount, std::less<>> typed_;  // few: one per parent kind
  bool overflowed_ = false;
};

uint64_t hash_value(std::string_view value);

// Turns candidates plus the gathered values into relationships with
// confidence and orphan ratios; drops those the data contradicts.
// `keys[t][column]` are the parent key sets, `values[i]` the child counter of candidates[i].
std::vector<Relationship> resolve(const std::vector<connector::TableInfo>& tables,
                                  const std::vector<Candidate>& candidates,
                                  const std::vector<std::unordered_map<std::string, KeyCollector>>& keys,
                                  const std::vector<ValueCounter>& values, std::vector<size_t>& child_of);

// The key a table without a declared one most likely has: its column named
// `id` (RT's SQLite schema declares none on Users and Groups, whose ids come
// from Principals); empty when none. Relationships use it like a declared key.
std::vector<std::string> implied_primary_key(const connector::TableInfo& table);

// The table (index) whose name reads as `kind` ("ticket" → tickets, "reply" → ticket_replies), or npos.
size_t table_for_kind(const std::vector<connector::TableInfo>& tables, std::string_view kind);

}  // namespace csbridge::assess
