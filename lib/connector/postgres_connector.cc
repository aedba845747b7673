// Placeholder while the postgres backend is being written.
#include "connector/postgres_connector.h"

namespace csbridge::connector {

Result<std::unique_ptr<Connector>> open_postgres(const ConnectionString& conn) {
  return not_supported("the postgres backend is not built yet (" + conn.redacted() + ")");
}

}  // namespace csbridge::connector
