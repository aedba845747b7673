#include "validate/source_stream.h"

#include "mapping/block_reader.h"

#include <cctype>

#include "connector/prefetch_reader.h"
#include "migrate/deletes.h"
#include "migrate/migrate.h"
#include "util/strings.h"

namespace csbridge::validate {

Result<connector::Connector*> SourceStream::connect(const std::string& name) {
  auto it = sources_.find(name);
  if (it != sources_.end()) return it->second.get();
  const config::SourceConfig* source = config_.source(name);
  if (source == nullptr) return config_error("unknown source '" + name + "'");
  CSB_ASSIGN_OR_RETURN(auto db, open_(*source));
  connector::Connector* raw = db.get();
  sources_.emplace(name, std::move(db));
  return raw;
}

std::optional<connector::TableRef> driving_table(std::string_view query) {
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < query.size(); ++i) {
    char c = query[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'') quote = c;
    else if (c == '(') ++depth;
    else if (c == ')') --depth;
    if (depth != 0 || (i > 0 && is_word(query[i - 1])) || query.size() - i < 5) continue;
    if (!util::equals_icase(query.substr(i, 4), "from") || is_word(query[i + 4])) continue;
    size_t p = i + 4;
    while (p < query.size() && std::isspace(static_cast<unsigned char>(query[p]))) ++p;
    std::vector<std::string> parts(1);
    while (p < query.size()) {
      char q = query[p];
      if (q == '"' || q == '`' || q == '[') {
        char close = q == '[' ? ']' : q;
        size_t end = query.find(close, p + 1);
        if (end == std::string_view::npos) return std::nullopt;
        parts.back() += query.substr(p + 1, end - p - 1);
        p = end + 1;
      } else if (is_word(q)) {
        parts.back() += q;
        ++p;
      } else if (q == '.') {
        parts.emplace_back();
        ++p;
      } else {
        break;
      }
    }
    size_t after = p;
    while (after < query.size() && std::isspace(static_cast<unsigned char>(query[after]))) ++after;
    if (parts.back().empty() || parts.size() > 2 || (after < query.size() && query[after] == '(')) return std::nullopt;
    if (parts.size() == 1) return connector::TableRef{"", parts[0]};
    return connector::TableRef{parts[0], parts[1]};
  }
  return std::nullopt;
}

Status SourceStream::run(const std::vector<const mapping::Block*>& blocks, const std::vector<SourceSink*>& sinks,
                         SourceCounts& counts) {
  for (const mapping::Block* block : blocks) {
    auto db = connect(block->source);
    if (!db.is_ok()) return db.status().with_context(block->display());
    connector::ReadRequest request;
    if (block->query.empty()) request.table = block->table_ref();
    request.query = block->query;
    request.columns = mapping::BlockMapper::columns_to_read(*block);
    request.where = block->where;
    if (narrow_) {
      auto extra = narrow_(*block, **db);
      if (!extra.is_ok()) return extra.status().with_context(block->display());
      if (!extra->empty()) request.where = request.where.empty() ? *extra : "(" + request.where + ") AND (" + *extra + ")";
    }
    request.batch_rows = static_cast<size_t>(std::max(1, config_.options.batch_rows));
    const config::SourceConfig* source_config = config_.source(block->source);
    auto open_related = [&]() -> Result<std::unique_ptr<connector::Connector>> {
      if (!source_config) return not_found("unknown source '" + block->source + "'");
      return open_(*source_config);
    };
    auto inner = mapping::read_block(**db, *block, request, open_related);
    if (!inner.is_ok()) return inner.status().with_context(block->display());
    const std::vector<connector::ColumnInfo> columns = (*inner)->columns();
    auto reader = connector::prefetch(std::move(inner).value());
    auto mapper = mapping::BlockMapper::bind(*block, columns, mapping::settings_for(*block, config_, env_));
    if (!mapper.is_ok()) return mapper.status();
    for (SourceSink* s : sinks) CSB_RETURN_IF_ERROR(s->begin_block(*block, **mapper));

    connector::Batch in, out(1 + (*mapper)->outputs().size());
    const int64_t read_before = counts.read;
    while (true) {
      auto more = reader->next(in);
      if (!more.is_ok()) return more.status().with_context(block->display());
      const auto unreadable = static_cast<int64_t>(reader->take_rejects().size());
      counts.read += unreadable;
      counts.rejected += unreadable;
      if (!*more) break;
      out.clear();
      for (size_t r = 0; r < in.rows(); ++r) {
        ++counts.read;
        mapping::RowError error;
        size_t before = out.rows();
        bool ok = (*mapper)->map_row(in, r, out, error);
        std::string_view key = ok ? out.get(before, 0) : std::string_view(error.source_key);
        if (!migrate::in_sample(key, sample_percent_)) {
          if (ok) out.truncate_to_rows(before);
          ++counts.filtered;
          continue;
        }
        if (!ok) {
          ++counts.rejected;
          if (!key.empty()) {
            for (SourceSink* s : sinks) CSB_RETURN_IF_ERROR(s->refused(key));
          }
          continue;
        }
        ++counts.mapped;
      }
      std::optional<connector::Batch> resolved;
      if (known_) {
        auto r = migrate::resolve_shared_keys((*mapper)->outputs(), block->source, out, known_);
        if (!r.is_ok()) return r.status().with_context(block->display());
        resolved = std::move(r).value();
      }
      const connector::Batch& rows = resolved ? *resolved : out;
      for (size_t r = 0; r < rows.rows(); ++r) {
        for (SourceSink* s : sinks) CSB_RETURN_IF_ERROR(s->row(rows, r));
      }
    }
    if (!block->query.empty()) {
      QueryBlockCounts q{block->display(), "", -1, counts.read - read_before};
      if (auto table = driving_table(block->query)) {
        q.driving_table = table->display();
        if (auto n = (*db)->count(*table); n.is_ok()) q.table_rows = n->rows;
      }
      counts.queries.push_back(std::move(q));
    }
  }
  return Status::ok();
}

Status SourceStream::keys(const mapping::Block& block, const std::function<Status(std::string)>& key,
                          int64_t& unreadable) {
  auto db = connect(block.source);
  if (!db.is_ok()) return db.status().with_context(block.display());
  const config::SourceConfig* source_config = config_.source(block.source);
  auto open_related = [&]() -> Result<std::unique_ptr<connector::Connector>> {
    if (!source_config) return not_found("unknown source '" + block.source + "'");
    return open_(*source_config);
  };
  size_t batch_rows = static_cast<size_t>(std::max(1, config_.options.batch_rows));
  return migrate::read_legacy_keys(**db, block, block.filter, block.where, open_related, batch_rows, key, unreadable)
      .with_context(block.display());
}

}  // namespace csbridge::validate
