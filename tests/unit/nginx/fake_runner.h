// A ProcessRunner that runs nothing: it records every argv and answers from
// a script, for tests of what certpilot asks nginx (or Apache) to do.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "sys/process_runner.h"

namespace certpilot::nginx::testing {

class FakeRunner : public sys::ProcessRunner {
 public:
  // Decides the result of one run; the default succeeds silently.
  std::function<sys::ProcessResult(const std::vector<std::string>& argv)>
      script = Succeed;

  static sys::ProcessResult Succeed(const std::vector<std::string>&) {
    sys::ProcessResult r;
    r.exit_code = 0;
    return r;
  }
  // Forgets the calls and restores the default script.
  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.clear();
    specs_.clear();
    script = Succeed;
  }

  sys::ProcessResult Run(const sys::ProcessSpec& spec) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(spec.argv);
    specs_.push_back(spec);
    return script(spec.argv);
  }
  std::vector<std::vector<std::string>> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  // The whole specs (environment too), in order.
  std::vector<sys::ProcessSpec> specs() const {
    std::lock_guard<std::mutex> lock(mu_);
    return specs_;
  }
  // The arguments after argv[0] of every call, joined by spaces.
  std::vector<std::string> Commands() const {
    std::vector<std::string> out;
    for (const auto& argv : calls()) {
      std::string line;
      for (size_t i = 1; i < argv.size(); ++i)
        line += (i > 1 ? " " : "") + argv[i];
      out.push_back(line);
    }
    return out;
  }

  static sys::ProcessResult Exit(int code, const std::string& err) {
    sys::ProcessResult r;
    r.exit_code = code;
    r.err = err;
    return r;
  }
  static bool Has(const std::vector<std::string>& argv,
                  const std::string& arg) {
    for (const std::string& a : argv)
      if (a == arg) return true;
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::vector<std::string>> calls_;
  std::vector<sys::ProcessSpec> specs_;
};

}  // namespace certpilot::nginx::testing
