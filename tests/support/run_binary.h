// Runs the built certpilot binary (or any program) and captures its output,
// for integration tests. No shell is involved: argv goes to execve as is.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "sys/process_runner.h"

namespace certpilot::testing {

struct RunResult {
  int exit_code = -1;  // 128 + N when killed by signal N
  std::string out, err;
  long max_rss_kib = 0;  // the process's peak resident set (wait4's ru_maxrss)
  // "exit 1; stderr: ..." for assertion messages.
  std::string Describe() const;
};

// Runs `argv` (argv[0] is the program path) with the current environment
// plus `env`, stdin from /dev/null. Waits for it to finish.
RunResult RunProgram(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env = {});

// RunProgram with CERTPILOT_BINARY prepended.
RunResult RunCertpilot(const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env = {});

// Runs a tool the tests need (man, cmake, dpkg-deb, bash, ...) through
// sys::PosixProcessRunner with `env` added to the environment, and returns
// its result whatever its exit status. When it cannot run at all (not
// installed, or over `timeout`), adds a test failure with the error and
// `hint` (say, which package to install) and rethrows the sys::ProcessError.
sys::ProcessResult RunTool(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& env = {},
    const std::string& hint = "",
    std::chrono::seconds timeout = std::chrono::seconds(120));

}  // namespace certpilot::testing
