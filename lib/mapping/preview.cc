#include "mapping/preview.h"

#include <set>

#include "mapping/block_reader.h"
#include "pii/detect.h"
#include "pii/mask.h"
#include "util/strings.h"

namespace csbridge::mapping {
namespace {

Result<BlockPreview> preview_block(connector::Connector& db, const Block& block, const config::Config& config,
                                   const PreviewOptions& options, const config::EnvLookup& env,
                                   const RelatedOpener& open_related) {
  BlockPreview preview;
  preview.block = block.display();
  preview.source = block.query.empty() ? block.source + "." + block.table : block.source + " (query)";
  connector::ReadRequest request;
  if (block.query.empty()) request.table = block.table_ref();
  request.query = block.query;
  request.columns = BlockMapper::columns_to_read(block);
  request.where = block.where;
  request.order_by = block.key;
  request.limit = options.limit;
  request.batch_rows = static_cast<size_t>(std::max<int64_t>(1, std::min<int64_t>(options.limit, 1000)));
  CSB_ASSIGN_OR_RETURN(auto reader, read_block(db, block, request, open_related));
  const auto& columns = reader->columns();
  for (const auto& c : columns) preview.source_columns.push_back(c.name);
  MapperSettings settings = settings_for(block, config, env);
  settings.todo_placeholders = true;
  CSB_ASSIGN_OR_RETURN(auto mapper, BlockMapper::bind(block, columns, settings));
  preview.outputs = mapper->outputs();
  std::vector<model::PiiClass> pii = BlockMapper::source_pii(block, columns);
  static const pii::Detector detector;

  connector::Batch batch, out(1 + mapper->outputs().size());
  while (true) {
    CSB_ASSIGN_OR_RETURN(bool more, reader->next(batch));
    for (connector::RejectedRecord& r : reader->take_rejects()) {  // undecodable bytes, a ragged row
      PreviewRow row;
      row.reject = RowError{"", "", "unreadable", r.location + ": " + r.reason};
      ++preview.rejected;
      preview.rows.push_back(std::move(row));
    }
    if (!more) break;
    for (size_t r = 0; r < batch.rows(); ++r) {
      PreviewRow row;
      for (size_t c = 0; c < columns.size(); ++c) {
        if (batch.is_null(r, c)) row.source.emplace_back(std::nullopt);
        else row.source.emplace_back(pii::mask_value(detector, pii[c], batch.get(r, c)));
      }
      RowError error;
      out.clear();
      if (mapper->map_row(batch, r, out, error)) {
        row.source_key = std::string(out.get(0, 0));
        for (size_t c = 1; c < out.columns(); ++c) {
          if (out.is_null(0, c)) row.mapped.emplace_back(std::nullopt);
          else row.mapped.emplace_back(std::string(out.get(0, c)));
        }
      } else {
        row.source_key = error.source_key;
        row.reject = error;
        ++preview.rejected;
      }
      preview.rows.push_back(std::move(row));
    }
  }
  return preview;
}

}  // namespace

Result<std::vector<BlockPreview>> preview_entity(const MappingSet& set, const config::Config& config,
                                                 const std::string& entity, const PreviewOptions& options,
                                                 const SourceOpener& open, const config::EnvLookup& env) {
  auto blocks = set.blocks_of(entity);
  if (blocks.empty()) {
    std::set<std::string> mapped;
    for (const auto& b : set.blocks) mapped.insert(b.entity);
    std::vector<std::string> names(mapped.begin(), mapped.end());
    std::string match = util::closest_match(entity, names);
    return not_found("no mapping block loads '" + entity + "'" +
                     (match.empty() ? "; mapped entities: " + util::join(names, ", ") : ", did you mean '" + match + "'?"));
  }
  std::vector<BlockPreview> out;
  for (const Block* block : blocks) {
    const config::SourceConfig* source = config.source(block->source);
    if (!source) return config_error(block->display() + ": unknown source '" + block->source + "'");
    CSB_ASSIGN_OR_RETURN(auto db, open(*source));
    auto preview = preview_block(*db, *block, config, options, env, [&] { return open(*source); });
    if (!preview.is_ok()) return preview.status().with_context(block->display());
    out.push_back(std::move(preview).value());
  }
  return out;
}

}  // namespace csbridge::mapping
