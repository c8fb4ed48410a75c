#include "solvers/nginx_solver.h"

#include "nginx/config/value_validation.h"
#include "solvers/self_check.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::solvers {

NginxSolver::NginxSolver(NginxSolverOptions options, sys::Filesystem& fs,
                         nginx::NginxControl& nginx,
                         http::HttpClient& self_check, Clock& clock)
    : options_(std::move(options)),
      paths_(options_.state_dir),
      fs_(fs),
      nginx_(nginx),
      http_(self_check),
      clock_(clock) {}

NginxSolver::~NginxSolver() {
  // Obtain cleans up every task; this only matters if a caller did not.
  std::vector<issuance::ChallengeTask> left;
  for (const auto& [token, task] : tasks_) {
    issuance::ChallengeTask t;
    t.challenge.token = token;
    left.push_back(t);
  }
  for (const issuance::ChallengeTask& t : left) CleanUp(t);
}

void NginxSolver::Present(const issuance::ChallengeTask& task) {
  nginx::ChallengeResponse r{task.identifier.value, task.challenge.token,
                             task.key_authorization};
  nginx::ValidateConfigValue(r.name);
  nginx::ValidateToken(r.token);
  nginx::ValidateConfigValue(r.key_authorization);
  std::lock_guard<std::mutex> lock(mu_);
  const std::string token = r.token;
  if (tasks_.count(token))
    throw Error("challenge token " + token + " presented twice");
  tasks_.emplace(token, Task{std::move(r), std::nullopt, false});
}

void NginxSolver::Wait() {
  std::lock_guard<std::mutex> lock(mu_);
  Publish();
  for (auto& [token, task] : tasks_) {
    if (!task.site || task.checked) continue;
    SelfCheck(task);
    task.checked = true;
  }
}

void NginxSolver::Publish() {
  bool pending = false;
  for (const auto& [token, task] : tasks_) pending = pending || !task.site;
  if (!pending) return;
  if (!graph_) {
    fs_.MakeDirs(paths_.dir, 0700);
    tx_ = std::make_unique<sys::FileTransaction>(fs_, paths_.challenge_journal);
    graph_.emplace(nginx::ConfigGraph::Load(fs_, options_.server_root));
    patch_ = std::make_unique<nginx::ChallengePatch>(
        *graph_, options_.http_port, paths_.own_server_file);
  }
  for (auto& [token, task] : tasks_) {
    if (task.site) continue;
    task.site = patch_->Add(task.response);
    log::Debug("challenge response for " + task.response.name + " goes into " +
               Join(task.site->blocks, ", "));
  }
  tx_->Write(patch_->Files());
  nginx_.Test();
  Reload("to serve the challenge responses");
}

void NginxSolver::SelfCheck(const Task& task) {
  const nginx::ChallengeResponse& r = task.response;
  solvers::SelfCheck check;
  check.address = task.site->address;
  check.port = task.site->port;
  check.name = r.name;
  check.token = r.token;
  check.key_authorization = r.key_authorization;
  check.timeout = options_.self_check_timeout;
  check.interval = options_.self_check_interval;
  const std::optional<std::string> failed = AwaitServed(http_, clock_, check);
  if (!failed) {
    log::Debug("nginx serves the challenge response for " + r.name);
    return;
  }
  throw Error(
      "nginx does not serve the challenge response for " + r.name + ": " +
      *failed + "; the CA was not asked to validate. The response went into " +
      Join(task.site->blocks, ", ") + "; does that nginx listen on port " +
      std::to_string(task.site->port) + " (--http-01-port)?");
}

void NginxSolver::Reload(const char* why) {
  if (nginx_.Reload() == nginx::NginxControl::Reloaded::kStarted) {
    log::Info("nginx was not running: started it (" + nginx_.program() +
              " -c " + nginx_.conf() + ") " + why);
  }
}

void NginxSolver::CleanUp(const issuance::ChallengeTask& task) noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(task.challenge.token);
  if (it == tasks_.end()) return;
  const bool was_published = it->second.site.has_value();
  const std::string name = it->second.response.name;
  try {
    if (was_published) patch_->Remove(it->first);
    tasks_.erase(it);
    if (!patch_) return;
    if (patch_->empty()) {
      // The last response: every file back to its bytes before certpilot.
      sys::RestoreReport report = tx_->Rollback(
          nginx::StripChallengeLinesHandler(paths_.own_server_file));
      const bool changed =
          !report.restored.empty() || !report.rewritten.empty();
      if (!report.ok()) {
        log::Warning(
            "removing the challenge responses from the nginx configuration: " +
            report.Summary());
      } else if (changed) {
        log::Debug("nginx configuration: " + report.Summary());
      }
      patch_.reset();
      tx_.reset();
      graph_.reset();
      if (changed) Reload("to remove the challenge responses");
    } else if (was_published) {
      tx_->Write(patch_->Files());
      Reload("to remove a challenge response");
    }
  } catch (const std::exception& e) {
    log::Warning("could not remove the challenge response for " + name +
                 " from the nginx configuration: " + StripControl(e.what()) +
                 " (the next certpilot run restores the files from " +
                 paths_.challenge_journal + ")");
  }
}

}  // namespace certpilot::solvers
