#include "util/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace certpilot::log {
namespace {
std::atomic<Level> g_level{Level::kInfo};
std::mutex g_mu;
}  // namespace

void SetLevel(Level level) { g_level = level; }
Level GetLevel() { return g_level; }

void Write(Level level, const std::string& message) {
  if (level < g_level.load()) return;
  const char* prefix = "";
  if (level == Level::kWarning) prefix = "warning: ";
  if (level == Level::kError) prefix = "error: ";
  std::lock_guard<std::mutex> lock(g_mu);
  // Progress and diagnostics go to stderr; stdout carries results (JSON).
  std::fprintf(stderr, "%s%s\n", prefix, message.c_str());
}

}  // namespace certpilot::log
