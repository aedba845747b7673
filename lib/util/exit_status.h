// The process exit codes of csbridge (README.md "Exit codes").
// This is the only place that maps outcomes to numbers.
#pragma once

#include "util/status.h"

namespace csbridge {

enum class ExitStatus : int {
  kSuccess = 0,      // the command ran and everything passed
  kFailures = 1,     // the command ran and found failures (checks, rejects over threshold)
  kUsage = 2,        // usage or config error; nothing was written
  kUnreachable = 3,  // a source or target could not be reached
  kInternal = 70,    // a bug (EX_SOFTWARE); the last-resort catch in main
};

inline ExitStatus exit_status_for(const Status& s) {
  switch (s.code()) {
    case ErrorCode::kOk: return ExitStatus::kSuccess;
    case ErrorCode::kUnreachable: return ExitStatus::kUnreachable;
    case ErrorCode::kPermissionDenied: return ExitStatus::kUnreachable;  // reached, but may not use it
    case ErrorCode::kInternal: return ExitStatus::kInternal;
    case ErrorCode::kData: return ExitStatus::kFailures;
    default: return ExitStatus::kUsage;
  }
}

// A run stopped by a signal it caught (SIGINT, SIGTERM) after committing what it had read:
// 128 + the signal's number, as a shell reports a process the signal ended (130, 143).
inline int interrupted_exit_code(int signal_number) { return 128 + signal_number; }

}  // namespace csbridge
