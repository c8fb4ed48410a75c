// Logging: a process-wide verbosity threshold and a sink. Messages are
// single lines; callers strip anything that came from the network
// (StripControl) before passing it in.
//
// Thread-safe: lines from parallel workers never interleave.
#pragma once

#include <string>

namespace certpilot::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Lines below `level` are dropped. Default: kInfo.
void SetLevel(Level level);
Level GetLevel();

void Write(Level level, const std::string& message);
inline void Debug(const std::string& m) { Write(Level::kDebug, m); }
inline void Info(const std::string& m) { Write(Level::kInfo, m); }
inline void Warning(const std::string& m) { Write(Level::kWarning, m); }
inline void Error(const std::string& m) { Write(Level::kError, m); }

}  // namespace certpilot::log
