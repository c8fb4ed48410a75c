#include "nginx/runtime/workers.h"

#include <cstdlib>

#include "util/strings.h"

namespace certpilot::nginx {
namespace {

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// The parent pid from /proc/PID/stat ("pid (comm) state ppid …"; comm may
// hold spaces and parentheses, so read after the last ')').
int ParentOf(const std::string& stat) {
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::vector<std::string> fields = Split(Trim(stat.substr(close + 1)), ' ');
  return fields.size() >= 2 && AllDigits(fields[1])
             ? std::atoi(fields[1].c_str())
             : -1;
}

}  // namespace

std::string PidFileOf(const Config& main) {
  for (const Directive& d : main.root().children()) {
    if (d.name() == "pid" && d.args().size() == 1) {
      const std::string& path = d.arg(0);
      return StartsWith(path, "/") ? path : sys::JoinPath(kDefaultPrefix, path);
    }
  }
  return kDefaultPidFile;
}

std::optional<int> ReadMasterPid(sys::Filesystem& fs,
                                 const std::string& pid_file) {
  try {
    if (!fs.Exists(pid_file)) return std::nullopt;
    const std::string text(Trim(fs.ReadFile(pid_file)));
    if (!AllDigits(text) || text.size() > 9) return std::nullopt;
    if (!fs.Exists("/proc/" + text)) return std::nullopt;
    return std::atoi(text.c_str());
  } catch (const sys::SysError&) {
    return std::nullopt;
  }
}

std::set<int> AcceptingWorkers(sys::Filesystem& fs, int master) {
  std::set<int> out;
  std::vector<std::string> pids;
  try {
    pids = fs.ListDir("/proc");
  } catch (const sys::SysError&) {
    return out;
  }
  for (const std::string& pid : pids) {
    if (!AllDigits(pid)) continue;
    try {  // processes come and go while we look
      if (ParentOf(fs.ReadFile("/proc/" + pid + "/stat")) != master) continue;
      const std::string title = fs.ReadFile("/proc/" + pid + "/cmdline");
      if (StartsWith(title, "nginx: worker process") &&
          title.find("shutting down") == std::string::npos) {
        out.insert(std::atoi(pid.c_str()));
      }
    } catch (const sys::SysError&) {
    }
  }
  return out;
}

}  // namespace certpilot::nginx
