// Runs the built certpilot binary (or any program) and captures its output,
// for integration tests. No shell is involved: argv goes to execve as is.
#pragma once

#include <map>
#include <string>
#include <vector>

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

}  // namespace certpilot::testing
