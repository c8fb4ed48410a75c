// The renew use case against the fake CA: which lineages are due (local rule,
// forced, ARI), isolation of failures, hooks and their environment, the
// random sleep, and the JSON summary.
#include "app/usecases/renew.h"

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/usecases/certonly.h"
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

TEST_F(RenewUseCase, ShortLivedCertificateRenewsAfterTwoThirds) {
  ca_.validity = hours(6 * 24);
  Issue("short.example");
  clock_.Advance(hours(24 * 3));  // half-way: not due
  EXPECT_EQ(RunRenew(Options(), 0)["not_due"].size(), 1u);
  clock_.Advance(hours(24 * 1 + 1));  // past two thirds
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
