// (being written)
#include "connector/sqlite_connector.h"
namespace csbridge::connector {
Result<std::unique_ptr<Connector>> open_sqlite(const ConnectionString& conn) { return not_supported("sqlite not built yet " + conn.redacted()); }
}  // namespace csbridge::connector
