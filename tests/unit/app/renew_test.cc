// The renew use case against the fake CA: which lineages are due (local rule,
// forced, ARI), isolation of failures, hooks and their environment, the
// random sleep, and the JSON summary.
#include "app/usecases/renew.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/usecases/certonly.h"
#include "app/wiring/run_context.h"
#include "crypto/certificate.h"
#include "storage/account_store.h"
#include "support/app_fakes.h"
#include "support/fake_acme_server.h"
#include "support/fake_clock.h"
#include "support/free_port.h"
#include "support/temp_dir.h"
#include "support/use_case_fixture.h"
#include "sys/filesystem.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

using std::chrono::hours;

// Records every process it is asked to run; runs nothing.
class RecordingRunner : public sys::ProcessRunner {
 public:
  sys::ProcessResult Run(const sys::ProcessSpec& spec) override {
    std::lock_guard<std::mutex> l(mu);
    specs.push_back(spec);
    sys::ProcessResult r;
    r.exit_code =
        fail_containing.empty() ||
                spec.argv.back().find(fail_containing) == std::string::npos
            ? 0
            : 3;
    return r;
  }
  std::vector<std::string> Commands() {
    std::vector<std::string> out;
    for (auto& s : specs) out.push_back(s.argv.back());
    return out;
  }
  std::mutex mu;
  std::vector<sys::ProcessSpec> specs;
  std::string fail_containing;
};

class RenewUseCase : public testing::UseCaseTest<RecordingRunner> {
 protected:
  void Issue(const std::string& name, const std::string& deploy_hook = "") {
    CertonlyOptions o = StandaloneCertonly({name});
    o.deploy_hook = deploy_hook;
    ASSERT_EQ(Certonly(o, services_), 0);
  }
  // PREFIX0.example … for 90 days, with the CA's ARI window 10 to 12 days
  // ahead: none due.
  void IssueNotDueUnderAri(const std::string& prefix, int count) {
    ca_.validity = hours(24 * 90);
    for (int i = 0; i < count; ++i)
      Issue(prefix + std::to_string(i) + ".example");
    ca_.renewal_window = {clock_.Now() + hours(24 * 10),
                          clock_.Now() + hours(24 * 12)};
  }
  int Version(const std::string& name) {
    std::string link =
        fs_.ReadLink(dir_ / ("config/live/" + name + "/cert.pem"));
    return std::stoi(link.substr(link.rfind("cert") + 4));
  }
  RenewOptions Options() {
    RenewOptions o;
    o.common = common_;
    o.no_random_sleep = true;
    o.json = true;
    return o;
  }
  nlohmann::json RunRenew(const RenewOptions& o, int expected_rc) {
    out_.str("");
    runner_.specs.clear();
    EXPECT_EQ(Renew(o, services_), expected_rc);
    return nlohmann::json::parse(out_.str());
  }
};

TEST_F(RenewUseCase, DueRuleAndForce) {
  ca_.validity = hours(24 * 90);
  Issue("a.example");
  nlohmann::json j = RunRenew(Options(), 0);
  EXPECT_EQ(j["not_due"].size(), 1u) << j.dump();
  EXPECT_EQ(Version("a.example"), 1);
  EXPECT_TRUE(runner_.specs.empty());  // nothing attempted: no pre/post hooks

  clock_.Advance(hours(24 * 71));  // 19 days left
  j = RunRenew(Options(), 0);
  ASSERT_EQ(j["renewed"].size(), 1u) << j.dump();
  EXPECT_EQ(Version("a.example"), 2);

  RenewOptions forced = Options();
  forced.force_renewal = true;
  j = RunRenew(forced, 0);
  EXPECT_EQ(j["renewed"].size(), 1u);
  EXPECT_EQ(Version("a.example"), 3);
}

TEST_F(RenewUseCase, ShortLivedCertificateRenewsAtHalfItsLifetime) {
  ca_.validity = hours(160);
  Issue("short.example");
  clock_.Advance(hours(79));  // not yet half-way
  EXPECT_EQ(RunRenew(Options(), 0)["not_due"].size(), 1u);
  clock_.Advance(hours(2));  // past half its lifetime
  EXPECT_EQ(RunRenew(Options(), 0)["renewed"].size(), 1u);
}

TEST_F(RenewUseCase, ExplicitRenewBeforeExpiry) {
  ca_.validity = hours(24 * 90);
  Issue("a.example");
  std::string path = dir_ / "config/renewal/a.example.conf";
  std::string conf = fs_.ReadFile(path);
  fs_.Unlink(path);
  fs_.CreateFileExclusive(path, "renew_before_expiry = 100 days\n" + conf, 0644,
                          std::nullopt);
  EXPECT_EQ(RunRenew(Options(), 0)["renewed"].size(), 1u);
}

// A pass plans a batch of lineages at a time (sorted by name) and keeps
// only the due ones whole: with batches of two, the due lineages of the
// first batch are renewed once, with one pre and one post hook for the
// run, and every other lineage is reported, whichever batch it was in.
TEST_F(RenewUseCase, PlanningInBatchesReportsEveryLineageAndRenewsTheDueOnce) {
  ca_.validity = hours(24 * 90);
  for (const char* name : {"a.example", "b.example", "c.example", "d.example",
                           "e.example", "f.example"})
    Issue(name);
  for (const char* name : {"a.example", "b.example"}) {  // due
    const std::string path =
        dir_ / ("config/renewal/" + std::string(name) + ".conf");
    const std::string conf = fs_.ReadFile(path);
    fs_.Unlink(path);
    fs_.CreateFileExclusive(path, "renew_before_expiry = 100 days\n" + conf,
                            0644, std::nullopt);
  }
  fs_.Unlink(dir_ / "config/renewal/d.example.conf");
  fs_.CreateFileExclusive(dir_ / "config/renewal/d.example.conf",
                          "[[[ garbage\n", 0644, std::nullopt);
  RenewOptions o = Options();
  o.plan_batch = 2;
  o.pre_hook = "pre";
  o.post_hook = "post";
  nlohmann::json j = RunRenew(o, 1);
  ASSERT_EQ(j["renewed"].size(), 2u) << j.dump();
  EXPECT_EQ(j["renewed"][0]["name"], "a.example");
  EXPECT_EQ(j["renewed"][1]["name"], "b.example");
  ASSERT_EQ(j["not_due"].size(), 3u) << j.dump();
  EXPECT_EQ(j["not_due"][0]["name"], "c.example");
  EXPECT_EQ(j["not_due"][2]["name"], "f.example");
  ASSERT_EQ(j["failed"].size(), 1u) << j.dump();
  EXPECT_EQ(j["failed"][0]["name"], "d.example");
  EXPECT_EQ(Version("a.example"), 2);
  EXPECT_EQ(Version("b.example"), 2);
  EXPECT_EQ(Version("c.example"), 1);
  EXPECT_EQ(runner_.Commands(), (std::vector<std::string>{"pre", "post"}));
}

TEST_F(RenewUseCase, FailuresAreIsolated) {
  Issue("good.example");
  Issue("bad.example");
  Issue("broken.example");
  fs_.Unlink(dir_ / "config/renewal/broken.example.conf");
  fs_.CreateFileExclusive(dir_ / "config/renewal/broken.example.conf",
                          "[[[ garbage\n", 0644, std::nullopt);
  std::string bad_before =
      fs_.ReadFile(dir_ / "config/live/bad.example/fullchain.pem");
  ca_.failing_names = {"bad.example"};
  RenewOptions o = Options();
  o.force_renewal = true;
  o.post_hook = "post";
  nlohmann::json j = RunRenew(o, 1);
  ASSERT_EQ(j["renewed"].size(), 1u) << j.dump();
  EXPECT_EQ(j["renewed"][0]["name"], "good.example");
  ASSERT_EQ(j["failed"].size(), 2u) << j.dump();
  EXPECT_EQ(Version("good.example"), 2);
  EXPECT_EQ(Version("bad.example"), 1);
  EXPECT_EQ(fs_.ReadFile(dir_ / "config/live/bad.example/fullchain.pem"),
            bad_before);
  std::string failed_errors = j["failed"].dump();
  EXPECT_NE(failed_errors.find("validation of bad.example failed"),
            std::string::npos);
  EXPECT_NE(failed_errors.find("broken.example"), std::string::npos);
  // The post hook hears about both.
  ASSERT_EQ(runner_.specs.size(), 1u);
  EXPECT_EQ(runner_.specs[0].env_add.at("RENEWED_DOMAINS"), "good.example");
  EXPECT_EQ(runner_.specs[0].env_add.at("FAILED_DOMAINS"), "bad.example");
}

TEST_F(RenewUseCase, HooksRunOnceWithTheirEnvironment) {
  for (const char* n : {"a.example", "b.example", "c.example"})
    Issue(n, "stored-deploy");
  RenewOptions o = Options();
  o.force_renewal = true;
  o.jobs = 3;
  o.pre_hook = "pre";
  o.post_hook = "post";
  RunRenew(o, 0);
  std::vector<std::string> cmds = runner_.Commands();
  ASSERT_EQ(cmds.size(), 5u) << ::testing::PrintToString(cmds);
  EXPECT_EQ(cmds.front(), "pre");
  EXPECT_EQ(cmds.back(), "post");
  std::set<std::string> lineages;
  for (auto& s : runner_.specs)
    if (s.argv.back() == "stored-deploy") {
      lineages.insert(s.env_add.at("RENEWED_LINEAGE"));
      EXPECT_EQ(s.argv,
                (std::vector<std::string>{"/bin/sh", "-c", "stored-deploy"}));
    }
  EXPECT_EQ(lineages, (std::set<std::string>{dir_ / "config/live/a.example",
                                             dir_ / "config/live/b.example",
                                             dir_ / "config/live/c.example"}));
  EXPECT_EQ(runner_.specs.back().env_add.at("RENEWED_DOMAINS").size(),
            std::string("a.example b.example c.example").size());
}

TEST_F(RenewUseCase, HookDirectoriesRunInNameOrder) {
  Issue("a.example");
  for (const char* stage : {"pre", "deploy", "post"}) {
    fs_.MakeDirs(dir_ / (std::string("config/renewal-hooks/") + stage), 0755);
    for (const char* f : {"20-second", "10-first"})
      fs_.CreateFileExclusive(
          dir_ / (std::string("config/renewal-hooks/") + stage + "/" + f),
          "#!/bin/sh\n", 0755, std::nullopt);
    fs_.CreateFileExclusive(
        dir_ / (std::string("config/renewal-hooks/") + stage + "/README"),
        "not executable", 0644, std::nullopt);
  }
  RenewOptions o = Options();
  o.force_renewal = true;
  RunRenew(o, 0);
  std::vector<std::string> cmds = runner_.Commands();
  ASSERT_EQ(cmds.size(), 6u) << ::testing::PrintToString(cmds);
  EXPECT_EQ(cmds[0], dir_ / "config/renewal-hooks/pre/10-first");
  EXPECT_EQ(cmds[1], dir_ / "config/renewal-hooks/pre/20-second");
  EXPECT_EQ(cmds[2], dir_ / "config/renewal-hooks/deploy/10-first");
  EXPECT_EQ(cmds[5], dir_ / "config/renewal-hooks/post/20-second");
}

TEST_F(RenewUseCase, FailingDeployHookKeepsTheCertificateButFailsTheRun) {
  Issue("a.example", "will-fail");
  runner_.fail_containing = "will-fail";
  RenewOptions o = Options();
  o.force_renewal = true;
  nlohmann::json j = RunRenew(o, 1);
  EXPECT_EQ(j["renewed"].size(), 1u);
  EXPECT_EQ(j["hook_failures"], 1);
  EXPECT_EQ(Version("a.example"), 2);
}

TEST_F(RenewUseCase, DryRunWritesNothingAndRunsNoDeployHook) {
  Issue("a.example", "deploy");
  RenewOptions o = Options();
  o.force_renewal = true;
  o.dry_run = true;
  nlohmann::json j = RunRenew(o, 0);
  EXPECT_EQ(j["renewed"].size(), 1u);
  EXPECT_EQ(j["dry_run"], true);
  EXPECT_EQ(Version("a.example"), 1);
  EXPECT_TRUE(runner_.specs.empty());
  EXPECT_GE(ca_.CountRequests("/finalize/"),
            2);  // it really went through the CA
}

TEST_F(RenewUseCase, SleepsRandomlyOnlyOffATerminal) {
  Issue("a.example");
  RenewOptions o = Options();
  o.force_renewal = true;
  o.no_random_sleep = false;
  size_t before = clock_.sleeps().size();
  RunRenew(o, 0);
  auto sleeps = clock_.sleeps();
  ASSERT_GT(sleeps.size(), before);
  EXPECT_EQ(sleeps[before],
            std::chrono::milliseconds(1000 + 479'000 / 2));  // random() = 0.5

  services_.on_terminal = true;
  before = clock_.sleeps().size();
  RunRenew(o, 0);
  for (size_t i = before; i < clock_.sleeps().size(); ++i)
    EXPECT_LT(clock_.sleeps()[i], std::chrono::seconds(1));
}

TEST_F(RenewUseCase, AriWindowDecidesAndReplacesIsSent) {
  ca_.validity = hours(24 * 90);
  Issue("a.example");
  // The CA wants it renewed early: a window that started yesterday.
  ca_.renewal_window = {clock_.Now() - hours(24), clock_.Now() + hours(24)};
  ca_.renewal_retry_after = "3600";
  nlohmann::json j = RunRenew(Options(), 0);
  // random() = 0.5 → the chosen moment is the middle of the window: now.
  ASSERT_EQ(j["renewed"].size(), 1u) << j.dump();
  bool replaces = false;
  for (auto& r : ca_.requests())
    if (r.payload.find("\"replaces\"") != std::string::npos) replaces = true;
  EXPECT_TRUE(replaces);
}

TEST_F(RenewUseCase, AriWindowInTheFutureWaitsAndRetryAfterIsHonoured) {
  ca_.validity = hours(24 * 90);
  Issue("a.example");
  ca_.renewal_window = {clock_.Now() + hours(24 * 10),
                        clock_.Now() + hours(24 * 12)};
  ca_.renewal_retry_after = "21600";
  EXPECT_EQ(RunRenew(Options(), 0)["not_due"].size(), 1u);
  int asked = ca_.CountRequests("/renewal-info/");
  EXPECT_EQ(asked, 1);
  clock_.Advance(hours(1));
  EXPECT_EQ(RunRenew(Options(), 0)["not_due"].size(), 1u);
  EXPECT_EQ(ca_.CountRequests("/renewal-info/"),
            asked);  // within Retry-After: not asked
  clock_.Advance(hours(6));
  RunRenew(Options(), 0);
  EXPECT_EQ(ca_.CountRequests("/renewal-info/"), asked + 1);
  clock_.Advance(
      hours(24 * 11));  // the chosen moment (middle of the window) passed
  EXPECT_EQ(RunRenew(Options(), 0)["renewed"].size(), 1u);
}

// A pass over many lineages asks the CA once per certificate, concurrently
// (app/wiring/ari_check.h), and a pass while every answer holds sends no
// request at all, not even for the directory. A problem about one
// certificate does not stop the others.
TEST_F(RenewUseCase, AriAsksOncePerCertificateThenNothingWhileAnswersHold) {
  constexpr int kLineages = 40;
  IssueNotDueUnderAri("ari", kLineages);
  ca_.renewal_retry_after = "21600";
  std::atomic<bool> refused_one{false};
  ca_.intercept =
      [&](const http::Request& req) -> std::optional<http::Response> {
    if (req.url.find("/renewal-info/") == std::string::npos ||
        refused_one.exchange(true))
      return std::nullopt;
    return testing::ProblemResponse(404, "malformed", "no such certificate");
  };
  const size_t before = ca_.requests().size();
  nlohmann::json j = RunRenew(Options(), 0);
  EXPECT_EQ(j["not_due"].size(), size_t(kLineages));
  // One request per certificate (the refused one included).
  EXPECT_EQ(ca_.CountRequests("/renewal-info/"), kLineages);
  ca_.intercept = nullptr;
  clock_.Advance(hours(1));
  const size_t after_first = ca_.requests().size();
  EXPECT_GT(after_first, before);
  j = RunRenew(Options(), 0);
  EXPECT_EQ(j["not_due"].size(), size_t(kLineages));
  // Only the refused certificate, which has no stored answer, is asked.
  EXPECT_EQ(ca_.CountRequests("/renewal-info/"), kLineages + 1);
  clock_.Advance(hours(1));
  const size_t after_second = ca_.requests().size();
  RunRenew(Options(), 0);
  EXPECT_EQ(ca_.requests().size(), after_second);
}

// A pass asks ARI a batch at a time on the same connections: the
// directory once, and no more HTTP clients than one batch's workers.
TEST_F(RenewUseCase, AriBatchesShareTheDirectoryAndConnections) {
  constexpr int kLineages = 40;
  IssueNotDueUnderAri("pool", kLineages);
  int clients = 0;
  auto make_http = services_.make_http;
  services_.make_http = [&](const CommonOptions& c) {
    ++clients;
    return make_http(c);
  };
  const int directories = ca_.CountRequests("/directory");
  RenewOptions o = Options();
  o.plan_batch = 8;
  nlohmann::json j = RunRenew(o, 0);
  EXPECT_EQ(j["not_due"].size(), size_t(kLineages)) << j.dump();
  EXPECT_EQ(ca_.CountRequests("/renewal-info/"), kLineages);
  EXPECT_EQ(ca_.CountRequests("/directory"), directories + 1);
  EXPECT_LE(clients, 8);
}

TEST_F(RenewUseCase, BadOptionsAreUsageErrors) {
  RenewOptions o = Options();
  o.jobs = 0;
  EXPECT_THROW(Renew(o, services_), UsageError);
  o = Options();
  o.cert_name = "../etc";
  EXPECT_THROW(Renew(o, services_), UsageError);
  o = Options();
  o.cert_name = "missing";
  EXPECT_THROW(Renew(o, services_), UsageError);
  o = Options();
  o.key_type = "dsa";
  EXPECT_THROW(Renew(o, services_), UsageError);
}

}  // namespace
}  // namespace certpilot::app

namespace certpilot::app {
namespace {

// certbot's dry run simulates every selected renewal, due or not: the CA
// really orders and validates, the pre and post hooks run, nothing is saved
// and no deploy hook runs.
TEST_F(RenewUseCase, DryRunOrdersEveryLineageEvenWhenNoneIsDue) {
  ca_.validity = hours(24 * 90);
  Issue("a.example", "deploy");
  Issue("b.example", "deploy");
  const int finalized = ca_.CountRequests("/finalize/");
  RenewOptions o = Options();
  o.dry_run = true;
  o.pre_hook = "pre";
  o.post_hook = "post";
  nlohmann::json j = RunRenew(o, 0);
  EXPECT_EQ(j["renewed"].size(), 2u) << j.dump();
  EXPECT_EQ(j["not_due"].size(), 0u) << j.dump();
  EXPECT_EQ(ca_.CountRequests("/finalize/"), finalized + 2);
  EXPECT_EQ(Version("a.example"), 1);
  EXPECT_EQ(Version("b.example"), 1);
  EXPECT_EQ(runner_.Commands(), (std::vector<std::string>{"pre", "post"}));

  o.json = false;
  out_.str("");
  EXPECT_EQ(Renew(o, services_), 0);
  EXPECT_NE(out_.str().find("2 renewals simulated (dry run), 0 failed\n"),
            std::string::npos)
      << out_.str();
}

// Sends each request to the fake CA whose base URL it starts with.
class TwoCas : public http::HttpClient {
 public:
  TwoCas(testing::FakeAcmeServer& a, testing::FakeAcmeServer& b)
      : a_(a), b_(b) {}
  http::Response Do(const http::Request& r) override {
    const std::string b_base = b_.directory_url().substr(
        0, b_.directory_url().size() - std::string("/directory").size());
    return r.url.rfind(b_base, 0) == 0 ? b_.Do(r) : a_.Do(r);
  }

 private:
  testing::FakeAcmeServer &a_, &b_;
};

TEST_F(RenewUseCase, DryRunOfALetsEncryptLineageUsesItsStagingServer) {
  testing::FakeAcmeServer production("https://acme-v02.api.letsencrypt.org");
  testing::FakeAcmeServer staging(
      "https://acme-staging-v02.api.letsencrypt.org");
  ASSERT_EQ(production.directory_url(), kLetsEncryptProduction);
  ASSERT_EQ(staging.directory_url(), kLetsEncryptStaging);
  Services services{fs_,
                    clock_,
                    prompter_,
                    [&](const CommonOptions&) {
                      return std::make_unique<TwoCas>(production, staging);
                    },
                    out_,
                    runner_,
                    [] { return 0.5; },
                    false};
  CertonlyOptions c = StandaloneCertonly({"le.example"});
  c.common.server = kLetsEncryptProduction;
  ASSERT_EQ(Certonly(c, services), 0);

  RenewOptions o = Options();
  o.dry_run = true;
  out_.str("");
  ASSERT_EQ(Renew(o, services), 0) << out_.str();
  nlohmann::json j = nlohmann::json::parse(out_.str());
  EXPECT_EQ(j["renewed"].size(), 1u) << j.dump();
  EXPECT_EQ(production.CountRequests("/finalize/"), 1);  // certonly's
  EXPECT_EQ(staging.CountRequests("/finalize/"), 1);
  // A staging account was registered for the dry run, with the contact of
  // the production one.
  EXPECT_EQ(staging.accounts(), 1u);

  // certonly --dry-run uses it, and needs no registration flags.
  CertonlyOptions trial = c;
  trial.dry_run = true;
  trial.common.agree_tos = false;
  trial.common.email.clear();
  ASSERT_EQ(Certonly(trial, services), 0);
  EXPECT_EQ(staging.CountRequests("/finalize/"), 2);
  EXPECT_EQ(staging.accounts(), 1u);
  bool contact = false;
  for (const testing::RecordedRequest& r : staging.requests())
    if (r.url.find("/new-account") != std::string::npos)
      contact |=
          r.payload.find("mailto:admin@example.com") != std::string::npos;
  EXPECT_TRUE(contact);
  EXPECT_EQ(Version("le.example"), 1);
  EXPECT_TRUE(production.violations().empty());
  EXPECT_TRUE(staging.violations().empty());
}

TEST_F(RenewUseCase, DryRunAsksNoAriAndSendsNoReplaces) {
  ca_.validity = hours(24 * 90);
  const auto now = std::chrono::system_clock::now();
  ca_.renewal_window = {now + hours(24 * 60), now + hours(24 * 61)};
  Issue("a.example");
  RenewOptions o = Options();
  o.dry_run = true;
  EXPECT_EQ(RunRenew(o, 0)["renewed"].size(), 1u);
  EXPECT_EQ(ca_.CountRequests("/renewal-info"), 0);
  for (const testing::RecordedRequest& r : ca_.requests())
    EXPECT_EQ(r.payload.find("replaces"), std::string::npos) << r.payload;
}

TEST_F(RenewUseCase, RunDeployHooksRunsThemOnTheCurrentCertificate) {
  Issue("a.example", "deploy");
  RenewOptions o = Options();
  o.dry_run = true;
  o.run_deploy_hooks = true;
  RunRenew(o, 0);
  ASSERT_EQ(runner_.Commands(), (std::vector<std::string>{"deploy"}));
  EXPECT_EQ(runner_.specs[0].env_add.at("RENEWED_LINEAGE"),
            dir_ / "config/live/a.example");
  EXPECT_EQ(Version("a.example"), 1);
}

TEST_F(RenewUseCase, NoDirectoryHooksSkipsTheHookDirectories) {
  Issue("a.example");
  fs_.MakeDirs(dir_ / "config/renewal-hooks/pre", 0755);
  fs_.CreateFileExclusive(dir_ / "config/renewal-hooks/pre/10-stop",
                          "#!/bin/sh\n", 0755, std::nullopt);
  RenewOptions o = Options();
  o.force_renewal = true;
  RunRenew(o, 0);
  EXPECT_EQ(
      runner_.Commands(),
      (std::vector<std::string>{dir_ / "config/renewal-hooks/pre/10-stop"}));
  o.directory_hooks = false;
  RunRenew(o, 0);
  EXPECT_TRUE(runner_.specs.empty());
  EXPECT_EQ(Version("a.example"), 3);
}

TEST_F(RenewUseCase, AutorenewFalseIsSkippedUnlessForced) {
  ca_.validity = hours(24 * 90);
  CertonlyOptions c = StandaloneCertonly({"off.example"});
  c.autorenew = false;
  ASSERT_EQ(Certonly(c, services_), 0);
  Issue("on.example");
  EXPECT_NE(fs_.ReadFile(dir_ / "config/renewal/off.example.conf")
                .find("\nautorenew = False\n"),
            std::string::npos);
  clock_.Advance(hours(24 * 80));  // both due
  nlohmann::json j = RunRenew(Options(), 0);
  ASSERT_EQ(j["renewed"].size(), 1u) << j.dump();
  EXPECT_EQ(j["renewed"][0]["name"], "on.example");
  EXPECT_EQ(j["autorenew_disabled"], nlohmann::json::array({"off.example"}));
  EXPECT_EQ(Version("off.example"), 1);

  RenewOptions text = Options();
  text.json = false;
  out_.str("");
  EXPECT_EQ(Renew(text, services_), 0);
  // (on.example renews again: the fake CA dates certificates by the real
  // clock, so after the advance every new one is due at once.)
  EXPECT_NE(out_.str().find("1 renewed, 0 not due, 1 autorenew disabled, "
                            "0 failed\n"),
            std::string::npos)
      << out_.str();

  RenewOptions forced = Options();
  forced.force_renewal = true;
  forced.cert_name = "off.example";
  EXPECT_EQ(RunRenew(forced, 0)["renewed"].size(), 1u);
  EXPECT_EQ(Version("off.example"), 2);
  // Still off: the renewal kept the setting.
  EXPECT_EQ(RunRenew(Options(), 0)["autorenew_disabled"].size(), 1u);

  // renew --autorenew turns it back on (and it is stored).
  RenewOptions on = Options();
  on.autorenew = true;
  on.force_renewal = true;
  RunRenew(on, 0);
  EXPECT_EQ(
      fs_.ReadFile(dir_ / "config/renewal/off.example.conf").find("autorenew"),
      std::string::npos);
}

TEST_F(RenewUseCase, AllowSubsetOfNamesIsStoredAndUsedAtRenewal) {
  CertonlyOptions c = StandaloneCertonly({"a.example", "b.example"});
  c.allow_subset_of_names = true;
  ASSERT_EQ(Certonly(c, services_), 0);
  EXPECT_NE(fs_.ReadFile(dir_ / "config/renewal/a.example.conf")
                .find("\nallow_subset_of_names = True\n"),
            std::string::npos);
  ca_.failing_names = {"b.example"};
  RenewOptions o = Options();
  o.force_renewal = true;
  nlohmann::json j = RunRenew(o, 0);
  ASSERT_EQ(j["renewed"].size(), 1u) << j.dump();
  EXPECT_EQ(j["renewed"][0]["dropped"], nlohmann::json::array({"b.example"}));
  EXPECT_EQ(Version("a.example"), 2);
  std::string cert = fs_.ReadFile(dir_ / "config/live/a.example/cert.pem");
  EXPECT_EQ(crypto::Certificate::FromPem(cert).DnsNames(),
            std::vector<std::string>{"a.example"});

  o.json = false;
  out_.str("");
  EXPECT_EQ(Renew(o, services_), 0);
  // Only a.example is left in the lineage now; the next renewal asks for
  // it alone.
  EXPECT_EQ(out_.str().find("without"), std::string::npos) << out_.str();
}

TEST_F(RenewUseCase, WithoutAllowSubsetOneFailingNameFailsTheLineage) {
  Issue("a.example");
  CertonlyOptions c = StandaloneCertonly({"c.example", "d.example"});
  ASSERT_EQ(Certonly(c, services_), 0);
  ca_.failing_names = {"d.example"};
  RenewOptions o = Options();
  o.force_renewal = true;
  o.cert_name = "c.example";
  EXPECT_EQ(RunRenew(o, 1)["failed"].size(), 1u);
  EXPECT_EQ(Version("c.example"), 1);
}

TEST_F(RenewUseCase, AnAccountTheCaForgotIsNamedWithTheFix) {
  Issue("a.example");
  RunContext ctx(common_, services_, TreeLock::kNone);
  const storage::StoredAccount account =
      ctx.accounts().List(ca_.directory_url()).front();
  ca_.ForgetAccounts();
  RenewOptions o = Options();
  o.force_renewal = true;
  nlohmann::json j = RunRenew(o, 1);
  ASSERT_EQ(j["failed"].size(), 1u) << j.dump();
  const std::string error = j["failed"][0]["error"];
  EXPECT_NE(error.find("no longer knows account " + account.id + " (" +
                       account.url + ")"),
            std::string::npos)
      << error;
  EXPECT_NE(
      error.find("remove " + ctx.layout().accounts_dir(ca_.directory_url()) +
                 "/" + account.id),
      std::string::npos)
      << error;
  EXPECT_NE(error.find("certpilot register --config-dir " +
                       dir_ / "config --server " + ca_.directory_url() +
                       " --agree-tos -m admin@example.com"),
            std::string::npos)
      << error;
}

TEST(RenewOverrides, MustStapleIsDroppedForLetsEncryptAndKeptElsewhere) {
  RenewalSettings s;
  s.server = kLetsEncryptProduction;
  s.order.must_staple = true;
  ApplyRenewOverrides(RenewOptions(), {"a.example"}, s);
  EXPECT_FALSE(s.order.must_staple);

  RenewOptions asked;
  asked.must_staple = true;
  s.server = kLetsEncryptStaging;
  EXPECT_THROW(ApplyRenewOverrides(asked, {"a.example"}, s), UsageError);

  s.server = "https://ca.test/directory";
  s.order.must_staple = true;
  ApplyRenewOverrides(RenewOptions(), {"a.example"}, s);
  EXPECT_TRUE(s.order.must_staple);
  ApplyRenewOverrides(asked, {"a.example"}, s);
  EXPECT_TRUE(s.order.must_staple);
}

}  // namespace
}  // namespace certpilot::app
