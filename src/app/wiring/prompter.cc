#include "app/wiring/prompter.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "util/strings.h"

namespace certpilot::app {

bool Prompter::Confirm(const std::string& question) {
  auto answer = Ask(question + " [y/N]");
  return answer && (ToLower(*answer) == "y" || ToLower(*answer) == "yes");
}

TerminalPrompter::TerminalPrompter(bool non_interactive)
    : interactive_(!non_interactive && isatty(STDIN_FILENO) &&
                   isatty(STDERR_FILENO)) {}

std::optional<std::string> TerminalPrompter::Ask(const std::string& question) {
  std::fprintf(stderr, "%s ", question.c_str());
  std::fflush(stderr);
  std::string line;
  if (!std::getline(std::cin, line)) return std::nullopt;
  return std::string(Trim(line));
}

}  // namespace certpilot::app
