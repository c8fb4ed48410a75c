#include "util/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "util/redact.h"

namespace certpilot::log {
namespace {

constexpr int kNoSink = int(Level::kError) + 1;

std::atomic<Level> g_level{Level::kInfo};
std::atomic<int> g_sink_level{kNoSink};  // kNoSink: no file sink
std::atomic<bool> g_color{false};

// What the lock guards: the sink, the secrets, and the order of lines.
struct Shared {
  std::mutex mu;
  std::unique_ptr<Sink> sink;
  std::vector<std::string> secrets;
};

Shared& TheShared() {
  static Shared shared;
  return shared;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarning:
      return "WARNING";
    case Level::kError:
      return "ERROR";
  }
  return "?";
}

// REQUIRES: the lock is held.
void PrintOnTerminal(Level level, const std::string& text) {
  const char* prefix = "";
  const char* color = nullptr;  // yellow warnings, red errors
  if (level == Level::kWarning) {
    prefix = "warning: ";
    color = "\033[33m";
  } else if (level == Level::kError) {
    prefix = "error: ";
    color = "\033[31m";
  }
  // Progress and diagnostics go to stderr; stdout carries results (JSON).
  if (color && g_color.load())
    std::fprintf(stderr, "%s%s%s\033[0m\n", color, prefix, text.c_str());
  else
    std::fprintf(stderr, "%s%s\n", prefix, text.c_str());
}

// REQUIRES: the lock is held and shared.sink is set.
void AppendToFile(Shared& shared, Level level, const std::string& text) {
  std::string error = shared.sink->Append(FormatFileLines(
      std::chrono::system_clock::now(), level, long(::getpid()), text));
  if (error.empty()) return;
  shared.sink.reset();
  g_sink_level = kNoSink;
  if (Level::kWarning >= g_level.load())
    PrintOnTerminal(Level::kWarning, "cannot write the log file (" + error +
                                         "); going on without it");
}

}  // namespace

void SetLevel(Level level) { g_level = level; }
Level GetLevel() { return g_level; }

void SetColor(bool on) { g_color = on; }

bool WantColor(bool stderr_is_terminal, const char* no_color,
               const char* term) {
  if (!stderr_is_terminal) return false;
  if (no_color != nullptr && no_color[0] != '\0') return false;
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

bool TerminalWantsColor() {
  return WantColor(::isatty(STDERR_FILENO) == 1, std::getenv("NO_COLOR"),
                   std::getenv("TERM"));
}

void SetFileSink(std::unique_ptr<Sink> sink, Level level) {
  Shared& shared = TheShared();
  std::lock_guard<std::mutex> lock(shared.mu);
  g_sink_level = sink ? int(level) : kNoSink;
  shared.sink = std::move(sink);
}

void AddSecret(std::string secret) {
  Shared& shared = TheShared();
  std::lock_guard<std::mutex> lock(shared.mu);
  shared.secrets.push_back(std::move(secret));
}

void Write(Level level, const std::string& message) {
  bool to_terminal = level >= g_level.load();
  if (!to_terminal && int(level) < g_sink_level.load()) return;
  Shared& shared = TheShared();
  std::lock_guard<std::mutex> lock(shared.mu);
  std::string text = RedactSecrets(message, shared.secrets);
  if (to_terminal) PrintOnTerminal(level, text);
  if (shared.sink && int(level) >= g_sink_level.load())
    AppendToFile(shared, level, text);
}

std::string FormatFileLines(TimePoint when, Level level, long pid,
                            std::string_view message) {
  const std::string prefix = FormatRfc3339(when) + " " + LevelName(level) +
                             " " + std::to_string(pid) + " ";
  std::string out;
  size_t start = 0;
  do {
    size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    out += prefix;
    out.append(message.substr(start, end - start));
    out += '\n';
    start = end + 1;
  } while (start < message.size());
  return out;
}

}  // namespace certpilot::log
