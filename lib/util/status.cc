#include "util/status.h"

namespace csbridge {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kConfig: return "config";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kNotSupported: return "not_supported";
    case ErrorCode::kUnreachable: return "unreachable";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kData: return "data";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace csbridge
