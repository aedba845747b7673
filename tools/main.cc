// csbridge: the executable is a thin layer over lib/ (see tools/cli.h).
#include <exception>
#include <iostream>

#include "cli.h"

int main(int argc, char** argv) {
  try {
    return csbridge::cli::run(argc, argv);
  } catch (const std::exception& e) {
    // lib/ returns errors as values; reaching here is a bug.
    std::cerr << "csbridge: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "csbridge: internal error\n";
  }
  return static_cast<int>(csbridge::ExitStatus::kInternal);
}
