// renew end to end: the built binary against the real Pebble CA issuing
// one-hour certificates. A lineage is made due by giving it
// renew_before_expiry = 2 hours in its renewal conf (certbot's syntax), so
// nothing waits for the clock.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "support/cli_harness.h"
#include "support/free_port.h"
#include "support/pebble_fixture.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

class RenewTest : public SharedPebbleTest<3600> {
 protected:
  void Issue(const std::string& name) { Issue(cli_, name); }
  static void Issue(const CliHarness& cli, const std::string& name) {
    RunResult r = cli.Certonly({"-d", name});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }
  void EditConf(const std::string& name, const std::string& from,
                const std::string& to) {
    EditConf(cli_, name, from, to);
  }
  static void EditConf(const CliHarness& cli, const std::string& name,
                       const std::string& from, const std::string& to) {
    std::string path = cli.config() + "/renewal/" + name + ".conf";
    std::string conf = ReadFileOrEmpty(path);
    size_t at = conf.find(from);
    ASSERT_NE(at, std::string::npos) << conf;
    conf.replace(at, from.size(), to);
    std::ofstream(path, std::ios::trunc) << conf;
  }
  void MakeDue(const std::string& name) { MakeDue(cli_, name); }
  static void MakeDue(const CliHarness& cli, const std::string& name) {
    EditConf(cli, name,
             "version = ", "renew_before_expiry = 2 hours\nversion = ");
  }
  std::vector<std::string> Lines(const std::string& path) {
    std::vector<std::string> out;
    std::ifstream in(path);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  RunResult Renew(std::vector<std::string> extra) {
    return Renew(cli_, std::move(extra));
  }
  static RunResult Renew(const CliHarness& cli,
                         std::vector<std::string> extra) {
    extra.push_back("--no-random-sleep-on-renew");
    return cli.Run("renew", extra);
  }

  CliHarness cli_{*pebble_};
  std::string log_ = cli_.dir() / "hooks.log";
};

TEST_F(RenewTest, DueLineagesRenewAndHooksRunWithTheirEnvironment) {
  for (const char* n :
       {"a.example.com", "b.example.com", "c.example.com", "fresh.example.com"})
    Issue(n);
  for (const char* n : {"a.example.com", "b.example.com", "c.example.com"})
    MakeDue(n);
  // A hook directory script, too.
  fs::create_directories(cli_.config() + "/renewal-hooks/deploy");
  std::string script = cli_.config() + "/renewal-hooks/deploy/50-record";
  std::ofstream(script) << "#!/bin/sh\necho \"dir-deploy $RENEWED_LINEAGE\" >> "
                        << log_ << "\n";
  fs::permissions(script, fs::perms::owner_all);

  RunResult r =
      Renew({"--jobs", "3", "--pre-hook", "echo pre >> " + log_, "--post-hook",
             "echo \"post [$RENEWED_DOMAINS] [$FAILED_DOMAINS]\" >> " + log_,
             "--deploy-hook",
             "echo \"deploy $RENEWED_LINEAGE [$RENEWED_DOMAINS]\" >> " + log_});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  for (const char* n : {"a.example.com", "b.example.com", "c.example.com"}) {
    EXPECT_EQ(cli_.Version(n), 2) << n;
    EXPECT_EQ(cli_.CheckLineage(n), "") << n;
  }
  EXPECT_EQ(cli_.Version("fresh.example.com"), 1);
  EXPECT_NE(r.out.find("3 renewed, 1 not due, 0 failed"), std::string::npos)
      << r.out;

  std::vector<std::string> lines = Lines(log_);
  ASSERT_EQ(lines.size(), 8u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines.front(), "pre");
  EXPECT_EQ(lines.back().substr(0, 6), "post [");
  for (const char* n : {"a.example.com", "b.example.com", "c.example.com"}) {
    std::string live = cli_.config() + "/live/" + n;
    EXPECT_NE(std::find(lines.begin(), lines.end(),
                        "deploy " + live + " [" + n + "]"),
              lines.end())
        << n;
    EXPECT_NE(std::find(lines.begin(), lines.end(), "dir-deploy " + live),
              lines.end())
        << n;
    EXPECT_NE(lines.back().find(n), std::string::npos);
  }
  EXPECT_NE(lines.back().find("] []"), std::string::npos) << lines.back();

  // Nothing due for the fresh one alone: no hooks at all.
  fs::remove(log_);
  r = Renew({"--cert-name", "fresh.example.com", "--pre-hook",
             "echo pre >> " + log_});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_FALSE(fs::exists(log_));
  EXPECT_EQ(cli_.Version("fresh.example.com"), 1);
}

TEST_F(RenewTest, BrokenLineagesAreIsolatedAndTheRunFails) {
  // Pebble hands out an earlier valid authorization 1% of the time even with
  // PEBBLE_AUTHZREUSE=0; then the CA asks nothing of unreachable.example.com
  // and it renews. Each attempt uses a fresh config dir and account; a new
  // attempt is made only in that case (three in a row: odds 1e-6).
  for (int attempt = 1; attempt <= 3; ++attempt) {
    CliHarness cli(*pebble_);
    for (const char* n :
         {"ok.example.com", "garbage.example.com", "unreachable.example.com"})
      Issue(cli, n);
    for (const char* n : {"ok.example.com", "unreachable.example.com"})
      MakeDue(cli, n);
    std::ofstream(cli.config() + "/renewal/garbage.example.com.conf",
                  std::ios::trunc)
        << "[[[ this is not a renewal conf\n";
    // Our responder will listen where Pebble does not look: validation fails.
    EditConf(cli, "unreachable.example.com",
             "http01_port = " + std::to_string(pebble_->http_port()),
             "http01_port = " + std::to_string(FreeLoopbackPort()));
    std::string before = ReadFileOrEmpty(
        cli.config() + "/live/unreachable.example.com/fullchain.pem");

    RunResult r = Renew(cli, {"--json"});
    nlohmann::json j = nlohmann::json::parse(r.out);
    if (attempt < 3 && cli.Version("unreachable.example.com") == 2) continue;
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    ASSERT_EQ(j["renewed"].size(), 1u) << j.dump();
    EXPECT_EQ(j["renewed"][0]["name"], "ok.example.com");
    ASSERT_EQ(j["failed"].size(), 2u) << j.dump();
    std::string failures = j["failed"].dump();
    EXPECT_NE(failures.find("validation of unreachable.example.com failed"),
              std::string::npos)
        << failures;
    EXPECT_NE(failures.find("garbage.example.com"), std::string::npos)
        << failures;
    EXPECT_EQ(cli.Version("ok.example.com"), 2);
    EXPECT_EQ(cli.Version("unreachable.example.com"), 1);
    EXPECT_EQ(ReadFileOrEmpty(cli.config() +
                              "/live/unreachable.example.com/fullchain.pem"),
              before);
    break;
  }
}

TEST_F(RenewTest, TwoRunsStartedTogetherLeaveEveryLineageConsistent) {
  std::vector<std::string> names;
  for (int i = 0; i < 4; ++i)
    names.push_back("together" + std::to_string(i) + ".example.com");
  for (const auto& n : names) {
    Issue(n);
    MakeDue(n);
  }
  auto first = std::async(std::launch::async, [&] { return Renew({}); });
  auto second = std::async(std::launch::async, [&] { return Renew({}); });
  RunResult a = first.get(), b = second.get();
  // Each lineage is locked by one of them at a time: both succeed, the
  // lineages split between them (or, if one started late, renewed again).
  EXPECT_EQ(a.exit_code, 0) << a.Describe();
  EXPECT_EQ(b.exit_code, 0) << b.Describe();
  for (const auto& n : names) {
    EXPECT_EQ(cli_.CheckLineage(n), "") << n;
    EXPECT_GE(cli_.Version(n), 2) << n;
  }
}

TEST_F(RenewTest, DryRunChangesNothing) {
  Issue("dry.example.com");
  MakeDue("dry.example.com");
  RunResult r = Renew({"--dry-run", "--deploy-hook", "echo deploy >> " + log_});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.Version("dry.example.com"), 1);
  EXPECT_FALSE(fs::exists(log_));
  EXPECT_FALSE(
      fs::exists(cli_.config() + "/archive/dry.example.com/cert2.pem"));
}

// certbot's dry run simulates every renewal, due or not: users run it to
// prove their setup. Pebble really validates each lineage; nothing changes.
TEST_F(RenewTest, DryRunOrdersEveryLineageWhenNothingIsDue) {
  Issue("sim1.example.com");
  Issue("sim2.example.com");
  RunResult r = Renew({"--dry-run", "--pre-hook", "echo pre >> " + log_,
                       "--post-hook", "echo post >> " + log_, "--deploy-hook",
                       "echo \"deploy $RENEWED_LINEAGE\" >> " + log_});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("dry run ok sim1.example.com"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("dry run ok sim2.example.com"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2 renewals simulated (dry run), 0 failed"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Lines(log_), (std::vector<std::string>{"pre", "post"}));
  for (const char* n : {"sim1.example.com", "sim2.example.com"}) {
    EXPECT_EQ(cli_.Version(n), 1) << n;
    EXPECT_FALSE(fs::exists(cli_.config() + "/archive/" + n + "/cert2.pem"));
  }

  // --run-deploy-hooks: the deploy hook runs on the current certificate.
  fs::remove(log_);
  r = Renew({"--dry-run", "--run-deploy-hooks", "--cert-name",
             "sim1.example.com", "--deploy-hook",
             "echo \"deploy $RENEWED_LINEAGE\" >> " + log_});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Lines(log_), (std::vector<std::string>{"deploy " + cli_.config() +
                                                   "/live/sim1.example.com"}));
  EXPECT_EQ(cli_.Version("sim1.example.com"), 1);
}

TEST_F(RenewTest, CertonlyDryRunSavesNothing) {
  RunResult r = cli_.Certonly({"-d", "trial.example.com", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("The dry run was successful"), std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(cli_.config() + "/live/trial.example.com"));
  EXPECT_FALSE(fs::exists(cli_.config() + "/renewal/trial.example.com.conf"));
}

// A lineage stored with --allow-subset-of-names renews with the names that
// still validate. The dropped name's A record points where nothing listens.
// Pebble reuses an earlier valid authorization of the same account 1% of
// the time; the renewal runs with a new account, for which the dropped name
// was never validated, so the CA must ask for it and it must fail.
TEST_F(RenewTest, AllowSubsetOfNamesRenewsWithTheNamesThatValidate) {
  const std::string kept = "subset.example.com",
                    gone = "gone-subset.example.com";
  RunResult r =
      cli_.Certonly({"-d", kept, "-d", gone, "--allow-subset-of-names"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(ReadFileOrEmpty(cli_.config() + "/renewal/" + kept + ".conf")
                .find("\nallow_subset_of_names = True\n"),
            std::string::npos);
  fs::remove_all(cli_.config() + "/accounts");
  r = cli_.Run("register", {"--agree-tos", "-m", "admin@example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  pebble_->AddA(gone, "127.0.0.2");  // our responder listens on 127.0.0.1

  r = Renew({"--force-renewal", "--cert-name", kept, "--json"});
  pebble_->ClearA(gone);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["renewed"].size(), 1u) << j.dump();
  EXPECT_EQ(j["renewed"][0]["dropped"], nlohmann::json::array({gone}))
      << j.dump();
  EXPECT_EQ(cli_.Version(kept), 2);
  EXPECT_EQ(cli_.CheckLineage(kept), "");
  RunResult list = cli_.Run("certificates", {"--json", "--cert-name", kept});
  EXPECT_EQ(nlohmann::json::parse(list.out)[0]["domains"],
            nlohmann::json::array({kept}))
      << list.out;
}

// certbot's lineage options, as scripts pass them: --no-autorenew (stored,
// then renew skips the lineage), --keep-until-expiring, --duplicate.
TEST_F(RenewTest, CertbotLineageOptionsOnTheCommandLine) {
  const std::string name = "keep.example.com";
  RunResult r = cli_.Certonly({"-d", name, "--no-autorenew"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(ReadFileOrEmpty(cli_.config() + "/renewal/" + name + ".conf")
                .find("\nautorenew = False\n"),
            std::string::npos);
  r = cli_.Certonly({"-d", name, "--keep-until-expiring"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("is not yet due for renewal"), std::string::npos)
      << r.out;
  r = cli_.Certonly({"-d", name, "--duplicate", "--no-autorenew"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.Version(name + "-0001"), 1);
  EXPECT_EQ(cli_.Version(name), 1);

  MakeDue(name);
  r = Renew({"--cert-name", name});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("0 renewed, 0 not due, 1 autorenew disabled, 0 failed"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(cli_.Version(name), 1);
}

TEST_F(RenewTest, ForceRenewalAndOverridesAreStored) {
  Issue("force.example.com");
  RunResult r = Renew({"--force-renewal", "--cert-name", "force.example.com",
                       "--key-type", "rsa", "--rsa-key-size", "2048"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.Version("force.example.com"), 2);
  std::string conf =
      ReadFileOrEmpty(cli_.config() + "/renewal/force.example.com.conf");
  EXPECT_NE(conf.find("key_type = rsa"), std::string::npos) << conf;
  RunResult list =
      cli_.Run("certificates", {"--json", "--cert-name", "force.example.com"});
  EXPECT_EQ(nlohmann::json::parse(list.out)[0]["key_type"], "rsa-2048");
}

}  // namespace
}  // namespace certpilot::testing
