// The command line: CLI11 wiring only. Fills an options struct, calls the
// use case in app/, maps errors to exit codes (0 success, 1 failure, 2 usage
// or bad input).
#pragma once

namespace certpilot::cli {

int Run(int argc, char** argv);

}  // namespace certpilot::cli
