// Asking the person at the terminal. Use cases ask only when interactive()
// (a terminal and no -n); otherwise they fail with a UsageError saying which
// option to pass.
#pragma once

#include <optional>
#include <string>

namespace certpilot::app {

class Prompter {
 public:
  virtual ~Prompter() = default;
  virtual bool interactive() const = 0;
  // Shows `question`, returns the line typed (trimmed); nullopt on EOF.
  virtual std::optional<std::string> Ask(const std::string& question) = 0;
  // Yes/no question; EOF means no.
  bool Confirm(const std::string& question);
};

// stdin/stderr. Interactive when stdin and stderr are terminals and
// `non_interactive` is false.
class TerminalPrompter : public Prompter {
 public:
  explicit TerminalPrompter(bool non_interactive);
  bool interactive() const override { return interactive_; }
  std::optional<std::string> Ask(const std::string& question) override;

 private:
  bool interactive_;
};

}  // namespace certpilot::app
