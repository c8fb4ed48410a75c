#include "solvers/apache_solver.h"

#include "apache/config/tree.h"
#include "nginx/patch/challenge_patch.h"
#include "solvers/self_check.h"
#include "sys/live_update.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::solvers {

ApacheSolver::ApacheSolver(ApacheSolverOptions options, sys::Filesystem& fs,
                           apache::ApacheControl& apache,
                           http::HttpClient& self_check, Clock& clock)
    : options_(std::move(options)),
      paths_(options_.state_dir),
      location_(options_.challenge_location.empty()
                    ? paths_.challenge_location
                    : options_.challenge_location),
      fs_(fs),
      apache_(apache),
      http_(self_check),
      clock_(clock) {}

ApacheSolver::~ApacheSolver() {
  // Obtain cleans up every task; this only matters if a caller did not.
  std::vector<issuance::ChallengeTask> left;
  for (const auto& [token, task] : tasks_) {
    issuance::ChallengeTask t;
    t.challenge.token = token;
    left.push_back(t);
  }
  for (const issuance::ChallengeTask& t : left) CleanUp(t);
}

std::string ApacheSolver::TokenPath(const std::string& token) const {
  return sys::JoinPath(location_.tokens, token);
}

void ApacheSolver::Present(const issuance::ChallengeTask& task) {
  Task t{task.identifier.value, task.challenge.token, task.key_authorization,
         std::nullopt, false};
  apache::Word::FromValue(t.name);  // throws UsageError when unsafe
  nginx::ValidateToken(t.token);    // RFC 8555 §8.3: base64url
  if (t.key_authorization.find_first_of("\r\n") != std::string::npos)
    throw UsageError("a key authorization with a line break");
  std::lock_guard<std::mutex> lock(mu_);
  if (tasks_.count(t.token))
    throw Error("challenge token " + t.token + " presented twice");
  tasks_.emplace(t.token, std::move(t));
}

void ApacheSolver::Wait() {
  std::lock_guard<std::mutex> lock(mu_);
  Publish();
  for (auto& [token, task] : tasks_) {
    if (!task.site || task.checked) continue;
    SelfCheck(task);
    task.checked = true;
  }
}

void ApacheSolver::Forget() {
  patch_.reset();
  tx_.reset();
  graph_.reset();
  written_.clear();
  for (auto& [token, task] : tasks_) task.site.reset();
}

void ApacheSolver::Publish() {
  bool pending = false;
  for (const auto& [token, task] : tasks_) pending = pending || !task.site;
  if (!pending) return;
  if (!graph_) {
    fs_.MakeDirs(paths_.dir, 0700);
    // Apache's user reads the tokens: the location is world-readable.
    fs_.MakeDirs(location_.tokens, 0755);
    // Tokens an interrupted run left behind.
    for (const std::string& f : fs_.ListDir(location_.tokens))
      if (!tasks_.count(f)) fs_.Unlink(TokenPath(f));
    tx_ = std::make_unique<sys::FileTransaction>(fs_, paths_.challenge_journal);
    graph_.emplace(apache::ConfigGraph::Load(fs_, options_.load));
    patch_ = std::make_unique<apache::ChallengePatch>(
        *graph_, options_.http_port, location_);
  }
  for (auto& [token, task] : tasks_) {
    if (task.site) continue;
    sys::WriteFileAtomic(fs_, TokenPath(token), task.key_authorization, 0644);
    task.site = patch_->Serve(task.name);
    log::Debug("challenge response for " + task.name + " is served by " +
               Join(task.site->vhosts, ", "));
  }
  std::vector<sys::FileState> files = patch_->Files();
  bool changed = files.size() != written_.size();
  for (size_t i = 0; !changed && i < files.size(); ++i)
    changed =
        files[i].path != written_[i].path || files[i].text != written_[i].text;
  if (!changed) return;  // new tokens of names already served: no reload
  try {
    tx_->Write(files);
    written_ = files;
    apache_.Test();
  } catch (const Error& e) {
    // Never leave Apache with a configuration it rejects: restore now.
    std::string story = "serving the challenge responses through Apache: ";
    story += e.what();
    try {
      sys::UndoLiveUpdate(*tx_, apache_, story, false);
    } catch (const sys::LiveUpdateError& undone) {
      Forget();
      throw Error(undone.what());
    }
  }
  if (apache_.Reload() == apache::ApacheControl::Reloaded::kStarted) {
    log::Info("Apache was not running: started it (" +
              apache_.Describe({"start"}) + ") to serve the challenges");
  }
}

void ApacheSolver::SelfCheck(const Task& task) {
  solvers::SelfCheck check;
  check.address = task.site->address;
  check.port = task.site->port;
  check.name = task.name;
  check.token = task.token;
  check.key_authorization = task.key_authorization;
  check.timeout = options_.self_check_timeout;
  check.interval = options_.self_check_interval;
  const std::optional<std::string> failed = AwaitServed(http_, clock_, check);
  if (!failed) {
    log::Debug("Apache serves the challenge response for " + task.name);
    return;
  }
  throw Error(
      "Apache does not serve the challenge response for " + task.name + ": " +
      *failed + "; the CA was not asked to validate. It is served by " +
      Join(task.site->vhosts, ", ") + " from " + location_.tokens +
      "; does that Apache listen on port " + std::to_string(task.site->port) +
      " (--http-01-port), and can its user read " + location_.dir +
      " (--apache-challenge-location)?");
}

void ApacheSolver::CleanUp(const issuance::ChallengeTask& task) noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(task.challenge.token);
  if (it == tasks_.end()) return;
  const std::string name = it->second.name;
  try {
    const std::string token_file = TokenPath(it->first);
    tasks_.erase(it);
    if (fs_.Exists(token_file)) fs_.Unlink(token_file);
    if (!tasks_.empty() || !tx_) return;
    // The last response: every file back to its bytes before certpilot.
    sys::RestoreReport report =
        tx_->Rollback(apache::StripChallengeLinesHandler());
    const bool changed = !report.restored.empty() || !report.rewritten.empty();
    if (!report.ok()) {
      log::Warning(
          "removing the challenge responses from the Apache configuration: " +
          report.Summary());
    } else if (changed) {
      log::Debug("Apache configuration: " + report.Summary());
    }
    Forget();
    if (changed) apache_.ReloadIfRunning();
  } catch (const std::exception& e) {
    log::Warning("could not remove the challenge response for " + name +
                 " from the Apache configuration: " + StripControl(e.what()) +
                 " (the next certpilot run restores the files from " +
                 paths_.challenge_journal + ")");
  }
}

}  // namespace certpilot::solvers
