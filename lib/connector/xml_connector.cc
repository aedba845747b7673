// Placeholder while the xml backend is being written.
#include "connector/xml_connector.h"

namespace csbridge::connector {

Result<std::unique_ptr<Connector>> open_xml(const ConnectionString& conn) {
  return not_supported("the xml backend is not built yet (" + conn.redacted() + ")");
}

}  // namespace csbridge::connector
