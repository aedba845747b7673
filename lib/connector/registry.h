// Scheme → backend factory: the single place that knows every connector.
#pragma once

#include <memory>
#include <string_view>

#include "connector/connector.h"

namespace csbridge::connector {

// Opens the backend for `conn`. Unreachable servers, wrong passwords, missing
// drivers and missing files fail with kUnreachable; the message names the
// connection by conn.redacted() and never carries the password.
Result<std::unique_ptr<Connector>> open_connector(const ConnectionString& conn);

// parse_connection_string + open_connector.
Result<std::unique_ptr<Connector>> open_connector(std::string_view text);

}  // namespace csbridge::connector
