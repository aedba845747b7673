#include "validate/source_stream.h"

#include "connector/prefetch_reader.h"
#include "migrate/migrate.h"

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

Status SourceStream::run(const std::vector<const mapping::Block*>& blocks, const std::vector<SourceSink*>& sinks,
                         SourceCounts& counts) {
  for (const mapping::Block* block : blocks) {
    auto db = connect(block->source);
    if (!db.is_ok()) return db.status().with_context(block->display());
    connector::ReadRequest request;
    if (block->query.empty()) request.table = {"", block->table};
    request.query = block->query;
    request.columns = mapping::BlockMapper::columns_to_read(*block);
    request.where = block->where;
    request.batch_rows = static_cast<size_t>(std::max(1, config_.options.batch_rows));
    auto inner = (*db)->read(request);
    if (!inner.is_ok()) return inner.status().with_context(block->display());
    const std::vector<connector::ColumnInfo> columns = (*inner)->columns();
    auto reader = connector::prefetch(std::move(inner).value());
    auto mapper = mapping::BlockMapper::bind(*block, columns, mapping::settings_for(*block, config_, env_));
    if (!mapper.is_ok()) return mapper.status();
    for (SourceSink* s : sinks) CSB_RETURN_IF_ERROR(s->begin_block(*block, **mapper));

    connector::Batch in, out(1 + (*mapper)->outputs().size());
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
          continue;
        }
        ++counts.mapped;
      }
      for (size_t r = 0; r < out.rows(); ++r) {
        for (SourceSink* s : sinks) CSB_RETURN_IF_ERROR(s->row(out, r));
      }
    }
  }
  return Status::ok();
}

}  // namespace csbridge::validate
