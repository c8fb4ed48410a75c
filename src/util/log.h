// Logging: process-wide, with two destinations.
//  - The terminal (stderr): concise; lines below SetLevel's threshold are
//    dropped; "warning: " / "error: " prefixes, in color when SetColor(true).
//  - A file sink (optional, SetFileSink): every line at or above its own
//    threshold, as FormatFileLine formats it (time, level, pid, message).
// Every message passes through RedactSecrets (util/redact.h), with the
// literals given to AddSecret, before it reaches either.
//
// Messages are single lines; callers strip anything that came from the
// network (StripControl) before passing it in.
//
// Thread-safe: lines from parallel workers never interleave.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "util/clock.h"

namespace certpilot::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// The terminal's threshold. Default: kInfo.
void SetLevel(Level level);
Level GetLevel();

// Warnings (yellow) and errors (red) on the terminal in ANSI color or not.
// Default: off.
void SetColor(bool on);
// Whether a program should color its stderr (https://no-color.org): only
// when it is a terminal, $NO_COLOR is unset or empty, and $TERM is not
// "dumb". `no_color` and `term` are the variables' values (nullptr: unset).
bool WantColor(bool stderr_is_terminal, const char* no_color, const char* term);
// WantColor for this process's stderr and environment.
bool TerminalWantsColor();

// Where file lines go (implemented in sys/log_file.h).
class Sink {
 public:
  virtual ~Sink() = default;
  // Appends `lines` (one or more whole lines, each ending in '\n').
  // Returns "" on success, else what went wrong (it must not throw).
  virtual std::string Append(std::string_view lines) = 0;
};

// From now on also sends every message at or above `level` to `sink`
// (replacing any previous sink; nullptr removes it). When Append fails,
// a warning saying why is printed once on the terminal and the sink is
// dropped: a log file never makes a run fail.
void SetFileSink(std::unique_ptr<Sink> sink, Level level);

// Redacts `secret` (e.g. the EAB HMAC key) from every later message.
void AddSecret(std::string secret);

void Write(Level level, const std::string& message);
inline void Debug(const std::string& m) { Write(Level::kDebug, m); }
inline void Info(const std::string& m) { Write(Level::kInfo, m); }
inline void Warning(const std::string& m) { Write(Level::kWarning, m); }
inline void Error(const std::string& m) { Write(Level::kError, m); }

// "2026-11-26T09:25:17Z DEBUG 4242 message\n" (UTC): one such line for
// each line of `message`.
std::string FormatFileLines(TimePoint when, Level level, long pid,
                            std::string_view message);

}  // namespace certpilot::log
