#include "apache/runtime/control.h"

#include <charconv>
#include <chrono>

#include "util/strings.h"

namespace certpilot::apache {
namespace {

constexpr std::chrono::minutes kTimeout{2};

// The value after `key` on a DUMP_RUN_CFG line, without its quotes.
std::optional<std::string> RunConfigValue(std::string_view line,
                                          std::string_view key) {
  if (!StartsWith(line, key)) return std::nullopt;
  std::string_view v = Trim(line.substr(key.size()));
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
    v = v.substr(1, v.size() - 2);
  return std::string(v);
}

}  // namespace

bool ApacheCommand::IsCtlScript() const {
  return sys::BaseName(ctl).find("ctl") != std::string::npos;
}

RunConfig ParseRunConfig(const std::string& output) {
  RunConfig rc;
  for (const std::string& raw : Split(output, '\n')) {
    const std::string_view line = Trim(raw);
    if (auto v = RunConfigValue(line, "ServerRoot:")) rc.server_root = *v;
    if (auto v = RunConfigValue(line, "PidFile:")) rc.pid_file = *v;
    if (auto v = RunConfigValue(line, "Define:")) {
      // "Define: NAME" or "Define: NAME=VALUE"
      rc.defines.push_back(v->substr(0, v->find('=')));
    }
  }
  if (!rc.pid_file.empty() && rc.pid_file.front() != '/' &&
      !rc.server_root.empty())
    rc.pid_file = sys::JoinPath(rc.server_root, rc.pid_file);
  return rc;
}

std::set<std::string> ParseModules(const std::string& output) {
  // " ssl_module (shared)" after "Loaded Modules:".
  std::set<std::string> modules;
  for (const std::string& raw : Split(output, '\n')) {
    const std::string_view line = Trim(raw);
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, space);
    const std::string_view kind = Trim(line.substr(space));
    if (EndsWith(name, "_module") && StartsWith(kind, "(")) {
      modules.insert(std::string(name));
    }
  }
  return modules;
}

ApacheControl::ApacheControl(sys::ProcessRunner& runner, sys::Filesystem& fs,
                             ApacheCommand command)
    : runner_(runner), fs_(fs), command_(std::move(command)) {}

std::vector<std::string> ApacheControl::Argv(
    const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {command_.ctl};
  if (!command_.IsCtlScript()) {
    argv.push_back("-d");
    argv.push_back(command_.server_root);
    if (!command_.config_file.empty()) {
      argv.push_back("-f");
      argv.push_back(command_.config_file);
    }
  }
  for (const std::string& a : args) argv.push_back(a);
  return argv;
}

std::string ApacheControl::Describe(
    const std::vector<std::string>& args) const {
  return Join(Argv(args), " ");
}

sys::ProcessResult ApacheControl::Run(const std::vector<std::string>& args,
                                      bool must_succeed) {
  sys::ProcessSpec spec;
  spec.argv = Argv(args);
  if (command_.IsCtlScript())
    spec.env_add["APACHE_CONFDIR"] = command_.server_root;
  spec.timeout = kTimeout;
  sys::ProcessResult r;
  try {
    r = runner_.Run(spec);
  } catch (const sys::ProcessError& e) {
    throw ApacheError(Describe(args) + " failed: " + e.what(), "");
  }
  if (must_succeed && !r.Succeeded()) {
    const std::string out = sys::PrintedOutput(r);
    throw ApacheError(Describe(args) + " " + r.Describe() + ":\n" + out, out);
  }
  return r;
}

void ApacheControl::Test() {
  const std::vector<std::string> args =
      command_.IsCtlScript() ? std::vector<std::string>{"configtest"}
                             : std::vector<std::string>{"-t"};
  sys::ProcessResult r = Run(args, false);
  if (r.Succeeded()) return;
  const std::string out = sys::PrintedOutput(r);
  throw ApacheError("Apache rejected the configuration in " +
                        command_.server_root + " (" + Describe(args) + " " +
                        r.Describe() + "):\n" + out,
                    out);
}

RunConfig ApacheControl::ReadRunConfig() {
  return ParseRunConfig(Run({"-t", "-D", "DUMP_RUN_CFG"}, true).out);
}

std::set<std::string> ApacheControl::LoadedModules() {
  return ParseModules(Run({"-M"}, true).out);
}

std::optional<int> ApacheControl::RunningPid() {
  const RunConfig rc = ReadRunConfig();
  if (rc.pid_file.empty() || !fs_.Exists(rc.pid_file)) return std::nullopt;
  const std::string text(Trim(fs_.ReadFile(rc.pid_file)));
  int pid = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || end != text.data() + text.size() || pid <= 0)
    return std::nullopt;
  if (!fs_.Exists("/proc/" + std::to_string(pid))) return std::nullopt;
  return pid;
}

bool ApacheControl::ReloadIfRunning() {
  if (!RunningPid()) return false;
  Run(command_.IsCtlScript() ? std::vector<std::string>{"graceful"}
                             : std::vector<std::string>{"-k", "graceful"},
      true);
  return true;
}

ApacheControl::Reloaded ApacheControl::Reload() {
  if (ReloadIfRunning()) return Reloaded::kReloaded;
  Run(command_.IsCtlScript() ? std::vector<std::string>{"start"}
                             : std::vector<std::string>{"-k", "start"},
      true);
  return Reloaded::kStarted;
}

}  // namespace certpilot::apache
