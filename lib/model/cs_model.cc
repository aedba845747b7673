// Placeholder while the CS model loader is being written.
#include "model/cs_model.h"
namespace csbridge::model {
Result<Model> load_model(std::string_view, const std::string& file_name) { return not_supported("model loader not built yet: " + file_name); }
Result<Model> builtin_model() { return load_model(embedded_cs_model_yaml(), "schemas/cs_model.yaml"); }
}  // namespace csbridge::model
