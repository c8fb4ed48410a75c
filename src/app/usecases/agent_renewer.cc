#include "app/usecases/agent_renewer.h"

#include <utility>

#include "util/log.h"

namespace certpilot::app {

AgentRenewer::AgentRenewer(AgentRenewOptions o, sys::ProcessRunner& runner,
                           Clock& clock, std::function<double()> random)
    : o_(std::move(o)),
      runner_(runner),
      clock_(clock),
      random_(std::move(random)) {
  next_ = Jittered(clock_.Now());
}

AgentRenewer::~AgentRenewer() { Stop(); }

TimePoint AgentRenewer::Jittered(TimePoint from) const {
  const auto jitter = std::chrono::duration_cast<Duration>(o_.jitter);
  return from + Duration(static_cast<Duration::rep>(
                    static_cast<double>(jitter.count()) * random_()));
}

void AgentRenewer::Tick() {
  if (!o_.enabled || running_.load()) return;
  const TimePoint now = clock_.Now();
  if (now < next_) return;
  next_ = Jittered(now + o_.interval);
  if (worker_.joinable()) worker_.join();  // the previous run, ended
  running_ = true;
  worker_ = std::thread([this] { Run(); });
}

void AgentRenewer::Run() {
  sys::ProcessSpec spec;
  spec.argv = o_.argv;
  spec.timeout = o_.interval;
  spec.cancel = &cancel_;
  log::Info("fleet agent: renewing what is due (certpilot renew)");
  try {
    const sys::ProcessResult r = runner_.Run(spec);
    const std::string output = sys::PrintedOutput(r);
    const std::string text = "fleet agent: renew " + r.Describe() +
                             (output.empty() ? std::string() : ":\n" + output);
    if (r.Succeeded())
      log::Info(text);
    else
      log::Error(cancel_.load() ? text + " (the agent is stopping)" : text);
  } catch (const sys::ProcessError& e) {
    log::Error(std::string("fleet agent: renew not started: ") + e.what());
  }
  running_ = false;
}

void AgentRenewer::Stop() {
  cancel_ = true;
  if (worker_.joinable()) worker_.join();
}

}  // namespace certpilot::app
