// Reads ahead on a background thread, so that fetching the next batch
// (network, parsing) overlaps with processing the current one: both cores
// busy, memory bounded by `depth` batches.
#pragma once

#include <memory>

#include "connector/connector.h"

namespace csbridge::connector {

// Wraps `inner`, which from now on is used only by the background thread.
// Destruction stops reading ahead and joins the thread.
std::unique_ptr<RowReader> prefetch(std::unique_ptr<RowReader> inner, size_t depth = 2);

}  // namespace csbridge::connector
