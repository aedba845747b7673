// Canonical serialisation (validate): every field type over any value, and
// the row fingerprint. Input: a type selector byte, then the value.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "model/cs_model.h"
#include "model/canonical.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace csbridge;
  if (size < 1) return 0;
  constexpr int kTypes = static_cast<int>(model::FieldType::kEnum) + 1;
  auto type = static_cast<model::FieldType>(data[0] % kTypes);
  std::string_view value(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string once = model::canonical(type, value);
  model::Fingerprint f;
  f.add(type, value);
  f.add_null();
  f.add(type, std::string_view(once));
  (void)f.digest();
  return 0;
}
