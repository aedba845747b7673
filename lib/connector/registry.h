// Scheme → backend factory: the single place that knows every connector.
#pragma once

#include <memory>
#include <string_view>

#include "connector/connector.h"
#include "connector/decoding_connector.h"

namespace csbridge::connector {

// Opens the backend for `conn`. Unreachable servers, wrong passwords, missing
// drivers and missing files fail with kUnreachable; the message names the
// connection by conn.redacted() and never carries the password.
Result<std::unique_ptr<Connector>> open_connector(const ConnectionString& conn);

// parse_connection_string + open_connector.
Result<std::unique_ptr<Connector>> open_connector(std::string_view text);

// A source with its declared text encodings: the backend reads stored bytes
// (ConnectionString::stored_bytes) and its reads are decoded
// (decoding_connector). With nothing declared, the plain open_connector.
Result<std::unique_ptr<Connector>> open_connector(std::string_view text, const TextEncodings& encodings,
                                                  Undecodable undecodable);

}  // namespace csbridge::connector
