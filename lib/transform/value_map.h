// The vocabulary of a `map` step, for `map check` ("value map missing
// observed source values").
#pragma once

#include <string>
#include <vector>

#include "transform/step.h"

namespace csbridge::transform {

struct ValueMapInfo {
  std::vector<std::string> keys;  // source values as written in the mapping, in order
  bool has_else = false;          // unlisted values get the `else` value instead of rejecting the row
  bool ignore_case = false;       // keys match ASCII case-insensitively (util::equals_icase)
};

// The vocabulary of `step` when it is a map step, else nullptr. The pointer
// lives as long as the step.
const ValueMapInfo* value_map_info(const Step& step);

}  // namespace csbridge::transform
