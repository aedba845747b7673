// Placeholder while the DDL generator is being written.
#include "model/ddl.h"
namespace csbridge::model {
std::string generate_ddl(const Model&, Dialect, const DdlOptions&) { return ""; }
}  // namespace csbridge::model
