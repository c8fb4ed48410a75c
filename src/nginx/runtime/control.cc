#include "nginx/runtime/control.h"

#include <chrono>

#include "nginx/config/parser.h"
#include "nginx/runtime/workers.h"
#include "util/poll.h"
#include "util/strings.h"

namespace certpilot::nginx {
namespace {

constexpr std::chrono::minutes kTimeout{2};

}  // namespace

bool SaysNotRunning(const std::string& output) {
  // ngx_signal_process: the pid file is missing or empty, or the pid in it
  // names no process.
  return output.find(".pid\" failed (2:") != std::string::npos ||
         output.find("invalid PID number") != std::string::npos ||
         output.find("failed (3: No such process)") != std::string::npos;
}

NginxControl::NginxControl(sys::ProcessRunner& runner, std::string program,
                           std::string conf, std::optional<ReloadWait> wait)
    : runner_(runner),
      program_(std::move(program)),
      conf_(std::move(conf)),
      wait_(wait) {}

std::optional<std::pair<int, std::set<int>>> NginxControl::Generation() {
  if (!wait_ || wait_->fs == nullptr || wait_->clock == nullptr)
    return std::nullopt;
  try {
    const Config main = ParseConfig(wait_->fs->ReadFile(conf_), conf_);
    const std::optional<int> master =
        ReadMasterPid(*wait_->fs, PidFileOf(main));
    if (!master) return std::nullopt;
    return std::make_pair(*master, AcceptingWorkers(*wait_->fs, *master));
  } catch (const Error&) {  // unreadable or unparsable: nginx -t will say
    return std::nullopt;
  }
}

void NginxControl::AwaitNewGeneration(int master, const std::set<int>& old) {
  auto old_workers_gone = [&] {
    std::set<int> accepting = AcceptingWorkers(*wait_->fs, master);
    bool old_left = false;
    for (int pid : accepting) old_left = old_left || old.count(pid) != 0;
    if (!old_left) return true;
    // A master that is gone leaves nothing to wait for.
    return !wait_->fs->Exists("/proc/" + std::to_string(master));
  };
  const bool done =
      PollUntil(*wait_->clock, wait_->clock->Now() + wait_->timeout,
                {wait_->interval}, old_workers_gone);
  if (!done) {
    throw NginxError(
        "nginx (master " + std::to_string(master) + ") was told to reload " +
            conf_ +
            " but still answers with its previous configuration after " +
            std::to_string(wait_->timeout.count() / 1000) +
            " s; its error log says why (a port it cannot bind?)",
        "");
  }
}

sys::ProcessResult NginxControl::Run(std::vector<std::string> args,
                                     const std::string& what) {
  sys::ProcessSpec spec;
  spec.argv = {program_};
  for (std::string& a : args) spec.argv.push_back(std::move(a));
  spec.timeout = kTimeout;
  try {
    return runner_.Run(spec);
  } catch (const sys::ProcessError& e) {
    throw NginxError(what + " failed: " + e.what(), "");
  }
}

void NginxControl::Test() {
  sys::ProcessResult r = Run({"-t", "-c", conf_}, "nginx -t -c " + conf_);
  if (r.Succeeded()) return;
  const std::string out = sys::PrintedOutput(r);
  throw NginxError("nginx -t rejected the configuration " + conf_ + " (" +
                       r.Describe() + "):\n" + out,
                   out);
}

bool NginxControl::ReloadIfRunning() {
  const auto before = Generation();
  sys::ProcessResult r = Run({"-c", conf_, "-s", "reload"}, "nginx -s reload");
  if (r.Succeeded()) {
    if (before && !before->second.empty())
      AwaitNewGeneration(before->first, before->second);
    return true;
  }
  const std::string out = sys::PrintedOutput(r);
  if (SaysNotRunning(out)) return false;
  throw NginxError(
      "nginx -c " + conf_ + " -s reload " + r.Describe() + ":\n" + out, out);
}

NginxControl::Reloaded NginxControl::Reload() {
  if (ReloadIfRunning()) return Reloaded::kReloaded;
  sys::ProcessResult s = Run({"-c", conf_}, "starting nginx");
  if (s.Succeeded()) return Reloaded::kStarted;
  const std::string start_out = sys::PrintedOutput(s);
  throw NginxError("nginx is not running and starting it (nginx -c " + conf_ +
                       ") " + s.Describe() + ":\n" + start_out,
                   start_out);
}

}  // namespace certpilot::nginx
