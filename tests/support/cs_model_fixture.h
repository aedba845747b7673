// The built-in CS model, loaded once for the tests that need one.
#pragma once

#include <doctest/doctest.h>

#include "model/cs_model.h"

namespace csbridge::test {

inline const model::Model& cs_model() {
  static const model::Model m = [] {
    auto r = model::builtin_model();
    REQUIRE(r.is_ok());
    return *r;
  }();
  return m;
}

}  // namespace csbridge::test
