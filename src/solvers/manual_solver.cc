#include "solvers/manual_solver.h"

#include <algorithm>
#include <utility>

#include "solvers/dns01.h"
#include "solvers/dns_cname.h"
#include "util/base64url.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::solvers {
namespace {

constexpr size_t kMaxAuthOutput = 64 * 1024;  // one env var; far below E2BIG
constexpr size_t kMaxQuotedStderr = 1000;

bool IsDns01(const issuance::ChallengeTask& task) {
  return task.challenge.type == "dns-01";
}

std::string Shorten(std::string_view text, size_t max) {
  std::string out = StripControl(Trim(text));
  if (out.size() > max) out = "..." + out.substr(out.size() - max);
  return out;
}

// Hook output as an environment value: no NUL (it cannot travel in the
// environment), trimmed like certbot's out.strip().
std::string AuthOutputValue(const std::string& out) {
  std::string s;
  s.reserve(out.size());
  for (char c : out)
    if (c != '\0') s += c;
  return std::string(Trim(s));
}

std::string HttpUrl(const issuance::ChallengeTask& task) {
  std::string host = task.identifier.value;
  if (task.identifier.type == "ip" && host.find(':') != std::string::npos)
    host = "[" + host + "]";
  return "http://" + host + "/.well-known/acme-challenge/" +
         task.challenge.token;
}

void LogOutput(const std::string& what, const sys::ProcessResult& r) {
  if (!Trim(r.out).empty())
    log::Debug(what + " printed: " + Shorten(r.out, kMaxQuotedStderr));
  if (!Trim(r.err).empty())
    log::Info(what + " printed on stderr: " + Shorten(r.err, kMaxQuotedStderr));
}

}  // namespace

// One challenge type's face of the shared solver.
class ManualSolver::Face : public issuance::ChallengeSolver {
 public:
  Face(ManualSolver& owner, std::string type)
      : owner_(owner), type_(std::move(type)) {}
  std::string Type() const override { return type_; }
  void Present(const issuance::ChallengeTask& task) override {
    if (task.challenge.type != type_) {
      throw Error("the manual " + type_ + " solver was handed a " +
                  StripControl(task.challenge.type) + " challenge");
    }
    owner_.Present(task);
  }
  void Wait() override { owner_.Wait(); }
  void CleanUp(const issuance::ChallengeTask& task) noexcept override {
    owner_.CleanUp(task);
  }

 private:
  ManualSolver& owner_;
  std::string type_;
};

void ValidateManualOptions(const ManualOptions& options, bool interactive) {
  if (options.auth_hook.empty() && !interactive) {
    throw UsageError(
        "the manual authenticator needs --manual-auth-hook when it runs "
        "non-interactively (-n, or no terminal): nobody is there to set up "
        "the challenges by hand");
  }
}

std::map<std::string, std::string> ManualHookEnvironment(
    const issuance::ChallengeTask& task, const std::string& validation,
    int remaining, const std::string& all_domains,
    const std::string& dns_record_name) {
  std::map<std::string, std::string> env;
  auto set = [&](const std::string& name, const std::string& value) {
    env["CERTBOT_" + name] = value;
    env["CERTPILOT_" + name] = value;
  };
  set("DOMAIN", task.identifier.value);
  set("VALIDATION", validation);
  if (!IsDns01(task)) set("TOKEN", task.challenge.token);
  set("REMAINING_CHALLENGES", std::to_string(remaining));
  set("ALL_DOMAINS", all_domains);
  if (IsDns01(task) && !dns_record_name.empty())
    env["CERTPILOT_DNS_RECORD_NAME"] = dns_record_name;
  return env;
}

ManualSolver::ManualSolver(ManualOptions options, sys::ProcessRunner& runner,
                           Clock& clock, ManualPrompt prompt)
    : options_(std::move(options)),
      runner_(runner),
      clock_(clock),
      prompt_(std::move(prompt)),
      http01_(std::make_unique<Face>(*this, "http-01")),
      dns01_(std::make_unique<Face>(*this, "dns-01")) {
  if (options_.auth_hook.empty() && !prompt_) {
    throw UsageError(
        "the manual authenticator needs --manual-auth-hook or a terminal");
  }
}

ManualSolver::~ManualSolver() = default;

issuance::ChallengeSolver& ManualSolver::Http01() { return *http01_; }
issuance::ChallengeSolver& ManualSolver::Dns01() { return *dns01_; }

void ManualSolver::Present(const issuance::ChallengeTask& task) {
  Entry entry;
  entry.task = task;
  if (IsDns01(task)) {
    entry.record_name = Dns01RecordName(task.identifier);  // throws for IPs
    if (options_.follow_cname && options_.cname_resolver)
      entry.record_name =
          FollowCnameChain(*options_.cname_resolver, entry.record_name);
    entry.validation = Dns01TxtValue(task.key_authorization);
  } else {
    // The token names a file in the user's scripts: base64url only, never a
    // path (RFC 8555 §8.1; acme/ checks it too).
    if (!IsBase64Url(task.challenge.token))
      throw Error("refusing an http-01 token that is not base64url");
    entry.validation = task.key_authorization;
  }
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back(std::move(entry));
}

void ManualSolver::Wait() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Entry*> batch;
  for (Entry& e : entries_)
    if (!e.started) batch.push_back(&e);
  if (batch.empty()) return;

  std::vector<std::string> domains;
  for (const Entry* e : batch) domains.push_back(e->task.identifier.value);
  const std::string all_domains = Join(domains, ",");
  std::vector<TxtRecord> records;
  for (size_t i = 0; i < batch.size(); ++i) {
    Entry& e = *batch[i];
    e.env = ManualHookEnvironment(e.task, e.validation,
                                  static_cast<int>(batch.size() - i - 1),
                                  all_domains, e.record_name);
    e.started = true;  // from here on CleanUp runs the cleanup hook
    if (options_.auth_hook.empty()) {
      Prompt(e, i, batch.size());
    } else {
      RunAuthHook(e);
    }
    if (IsDns01(e.task)) records.push_back({e.record_name, e.validation});
  }
  WaitForPropagation(clock_, options_.dns_propagation, records);
}

void ManualSolver::RunAuthHook(Entry& e) {
  const std::string what = "--manual-auth-hook \"" +
                           Shorten(options_.auth_hook, 200) + "\" for " +
                           StripControl(e.task.identifier.value) + " (" +
                           e.task.challenge.type + ")";
  log::Info("Running " + what);
  sys::ProcessSpec spec = sys::ShellCommand(options_.auth_hook);
  spec.env_add = e.env;
  spec.env_remove = {"CERTBOT_AUTH_OUTPUT", "CERTPILOT_AUTH_OUTPUT"};
  if (IsDns01(e.task)) {
    spec.env_remove.push_back("CERTBOT_TOKEN");
    spec.env_remove.push_back("CERTPILOT_TOKEN");
  }
  spec.timeout = options_.hook_timeout;
  spec.max_output_bytes = kMaxAuthOutput;
  sys::ProcessResult r = runner_.Run(spec);
  LogOutput(what, r);
  e.auth_output = AuthOutputValue(r.out);
  if (!r.Succeeded()) {
    std::string message = what + " " + r.Describe();
    if (!Trim(r.err).empty())
      message += ": " + Shorten(r.err, kMaxQuotedStderr);
    throw Error(message);
  }
}

void ManualSolver::Prompt(const Entry& e, size_t index, size_t count) {
  const bool dns = IsDns01(e.task);
  std::string text;
  if (dns) {
    text = "Please deploy a DNS TXT record under the name:\n\n" +
           Fqdn(e.record_name) + "\n\nwith the following value:\n\n" +
           e.validation + "\n";
  } else {
    text = "Create a file containing just this data:\n\n" + e.validation +
           "\n\nAnd make it available on your web server at this URL:\n\n" +
           HttpUrl(e.task) + "\n";
  }
  if (index > 0) {
    text +=
        "\n(This must be set up in addition to the previous challenges; do "
        "not remove, replace, or undo the previous challenge tasks yet.";
    if (dns) {
      text +=
          " You may be asked to create several TXT records with the same "
          "name: DNS allows that.";
    }
    text += ")\n";
  }
  if (dns && index + 1 == count) {
    text +=
        "\nBefore continuing, check that the TXT record is visible, "
        "e.g. with: dig +short TXT " +
        Fqdn(e.record_name) + "\n";
  }
  text += "\nPress Enter to Continue";
  if (!prompt_(text)) {
    throw Error("manual authentication of " +
                StripControl(e.task.identifier.value) +
                " aborted: no answer at the prompt");
  }
}

void ManualSolver::CleanUp(const issuance::ChallengeTask& task) noexcept {
  Entry entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it =
        std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) {
          return e.task.challenge.url == task.challenge.url;
        });
    if (it == entries_.end()) return;
    entry = std::move(*it);
    entries_.erase(it);
  }
  if (!entry.started || options_.cleanup_hook.empty()) return;
  const std::string what = "--manual-cleanup-hook \"" +
                           Shorten(options_.cleanup_hook, 200) + "\" for " +
                           StripControl(entry.task.identifier.value) + " (" +
                           entry.task.challenge.type + ")";
  try {
    log::Info("Running " + what);
    sys::ProcessSpec spec = sys::ShellCommand(options_.cleanup_hook);
    spec.env_add = entry.env;
    spec.env_add["CERTBOT_AUTH_OUTPUT"] = entry.auth_output;
    spec.env_add["CERTPILOT_AUTH_OUTPUT"] = entry.auth_output;
    if (IsDns01(entry.task))
      spec.env_remove = {"CERTBOT_TOKEN", "CERTPILOT_TOKEN"};
    spec.timeout = options_.hook_timeout;
    sys::ProcessResult r = runner_.Run(spec);
    LogOutput(what, r);
    if (!r.Succeeded()) log::Warning(what + " " + r.Describe());
  } catch (const std::exception& e) {
    log::Warning(what + " could not run: " + StripControl(e.what()));
  }
}

}  // namespace certpilot::solvers
