// The manual authenticator: hook environment (certbot's names and ours),
// ordering (every auth hook before any answer, cleanup also on failure),
// interactive prompts, DNS propagation after the hooks. A recording
// ProcessRunner for the details, the real one with shell scripts for the
// end-to-end order.
#include "solvers/manual_solver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "solvers/dns01.h"
#include "solvers/dns_cname.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"
#include "unit/solvers/fake_dns_client.h"
#include "util/error.h"

namespace certpilot::solvers {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using namespace std::chrono_literals;
using testing::FakeClock;
using testing::FakeDnsClient;

// Records every spec; answers with `next` (default: exit 0, no output).
class RecordingRunner : public sys::ProcessRunner {
 public:
  sys::ProcessResult Run(const sys::ProcessSpec& spec) override {
    specs.push_back(spec);
    if (log)
      log->push_back(
          "run " + spec.env_add.at("CERTBOT_DOMAIN") + " " +
          (spec.env_add.count("CERTBOT_AUTH_OUTPUT") ? "cleanup" : "auth"));
    if (next) return next(spec);
    sys::ProcessResult r;
    r.exit_code = 0;
    return r;
  }
  std::vector<sys::ProcessSpec> specs;
  std::function<sys::ProcessResult(const sys::ProcessSpec&)> next;
  std::vector<std::string>* log = nullptr;
};

issuance::ChallengeTask Task(const std::string& type, const std::string& name,
                             bool wildcard, const std::string& token) {
  issuance::ChallengeTask t;
  t.identifier = {"dns", name};
  t.wildcard = wildcard;
  t.challenge.type = type;
  t.challenge.url = "https://ca.example/chall/" + token;
  t.challenge.token = token;
  t.key_authorization = token + ".thumbprint";
  return t;
}

ManualOptions Hooks() {
  ManualOptions o;
  o.auth_hook = "/usr/local/bin/auth.sh";
  o.cleanup_hook = "/usr/local/bin/cleanup.sh";
  return o;
}

// Every solver here runs its hooks through the recording runner, on the
// fake clock.
class ManualSolverTest : public ::testing::Test {
 protected:
  RecordingRunner runner_;
  FakeClock clock_;
};

TEST_F(ManualSolverTest, PresentRunsNothingWaitRunsEveryAuthHookInOrder) {
  ManualSolver manual(Hooks(), runner_, clock_);
  auto a = Task("http-01", "a.example.com", false, "tokenA");
  auto b = Task("http-01", "b.example.com", false, "tokenB");
  manual.Http01().Present(a);
  manual.Http01().Present(b);
  EXPECT_THAT(runner_.specs, IsEmpty());
  manual.Http01().Wait();
  ASSERT_EQ(runner_.specs.size(), 2u);
  const sys::ProcessSpec& first = runner_.specs[0];
  EXPECT_THAT(first.argv,
              ElementsAre("/bin/sh", "-c", "/usr/local/bin/auth.sh"));
  for (const char* prefix : {"CERTBOT_", "CERTPILOT_"}) {
    const std::string p = prefix;
    EXPECT_THAT(first.env_add, Contains(Pair(p + "DOMAIN", "a.example.com")));
    EXPECT_THAT(first.env_add,
                Contains(Pair(p + "VALIDATION", "tokenA.thumbprint")));
    EXPECT_THAT(first.env_add, Contains(Pair(p + "TOKEN", "tokenA")));
    EXPECT_THAT(first.env_add, Contains(Pair(p + "REMAINING_CHALLENGES", "1")));
    EXPECT_THAT(first.env_add, Contains(Pair(p + "ALL_DOMAINS",
                                             "a.example.com,b.example.com")));
    EXPECT_EQ(first.env_add.count(p + "AUTH_OUTPUT"), 0u);
  }
  EXPECT_THAT(first.env_remove, Contains("CERTBOT_AUTH_OUTPUT"));
  EXPECT_THAT(runner_.specs[1].env_add,
              Contains(Pair("CERTBOT_DOMAIN", "b.example.com")));
  EXPECT_THAT(runner_.specs[1].env_add,
              Contains(Pair("CERTBOT_REMAINING_CHALLENGES", "0")));
  manual.Http01().Wait();  // a second Wait of the same order does nothing
  EXPECT_EQ(runner_.specs.size(), 2u);
}

TEST_F(ManualSolverTest, DnsWildcardAndBaseGetTheBaseDomainAndTheDigest) {
  ManualSolver manual(Hooks(), runner_, clock_);
  auto wild = Task("dns-01", "example.com", true, "tokenW");
  auto base = Task("dns-01", "example.com", false, "tokenB");
  manual.Dns01().Present(wild);
  manual.Dns01().Present(base);
  manual.Dns01().Wait();
  ASSERT_EQ(runner_.specs.size(), 2u);
  EXPECT_THAT(runner_.specs[0].env_add,
              Contains(Pair("CERTBOT_DOMAIN", "example.com")));
  EXPECT_THAT(
      runner_.specs[0].env_add,
      Contains(Pair("CERTBOT_VALIDATION", Dns01TxtValue("tokenW.thumbprint"))));
  EXPECT_THAT(runner_.specs[1].env_add,
              Contains(Pair("CERTPILOT_VALIDATION",
                            Dns01TxtValue("tokenB.thumbprint"))));
  EXPECT_THAT(runner_.specs[0].env_add,
              Contains(Pair("CERTBOT_ALL_DOMAINS", "example.com,example.com")));
  EXPECT_EQ(runner_.specs[0].env_add.count("CERTBOT_TOKEN"), 0u);
  EXPECT_THAT(runner_.specs[0].env_remove, Contains("CERTBOT_TOKEN"));
  EXPECT_THAT(runner_.specs[0].env_remove, Contains("CERTPILOT_TOKEN"));
}

// CNAME delegation: the hooks learn where the record goes
// (CERTPILOT_DNS_RECORD_NAME), the propagation poll and the prompt look there;
// CERTBOT_DOMAIN and CERTBOT_VALIDATION stay what certbot's hooks expect.
TEST_F(ManualSolverTest, DnsHooksGetTheEndOfTheCnameChain) {
  FakeDnsClient resolver;
  resolver.cnames["_acme-challenge.example.com."] = "Ex.Acme.Example.NET.";
  ManualOptions options = Hooks();
  options.cname_resolver = &resolver;
  options.dns_propagation.resolver = &resolver;
  auto d = Task("dns-01", "example.com", false, "tD");
  const std::string v = Dns01TxtValue(d.key_authorization);
  resolver.txt["ex.acme.example.net."] = {v};
  ManualSolver manual(options, runner_, clock_);
  manual.Dns01().Present(d);
  manual.Dns01().Wait();
  manual.Dns01().CleanUp(d);
  ASSERT_EQ(runner_.specs.size(), 2u);
  for (const sys::ProcessSpec& spec : runner_.specs) {
    EXPECT_THAT(spec.env_add, Contains(Pair("CERTPILOT_DNS_RECORD_NAME",
                                            "ex.acme.example.net")));
    EXPECT_THAT(spec.env_add, Contains(Pair("CERTBOT_DOMAIN", "example.com")));
    EXPECT_THAT(spec.env_add, Contains(Pair("CERTBOT_VALIDATION", v)));
  }
  EXPECT_EQ(resolver.calls.back(), "query ex.acme.example.net.");

  std::vector<std::string> shown;
  ManualOptions no_hooks;
  no_hooks.cname_resolver = &resolver;
  ManualSolver asking(no_hooks, runner_, clock_, [&](const std::string& text) {
    shown.push_back(text);
    return true;
  });
  asking.Dns01().Present(d);
  asking.Dns01().Wait();
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_THAT(shown[0], HasSubstr("dig +short TXT ex.acme.example.net."));
}

TEST_F(ManualSolverTest, WithoutAResolverOrWhenOffNoCnameIsFollowed) {
  FakeDnsClient resolver;
  resolver.cnames["_acme-challenge.example.com."] = "x.example.net.";
  ManualOptions options = Hooks();
  options.cname_resolver = &resolver;
  options.follow_cname = false;
  ManualSolver manual(options, runner_, clock_);
  manual.Dns01().Present(Task("dns-01", "example.com", false, "tD"));
  manual.Dns01().Wait();
  ManualSolver none(Hooks(), runner_, clock_);
  none.Dns01().Present(Task("dns-01", "example.com", false, "tE"));
  none.Dns01().Wait();
  EXPECT_TRUE(resolver.calls.empty());
  ASSERT_EQ(runner_.specs.size(), 2u);
  for (const sys::ProcessSpec& spec : runner_.specs)
    EXPECT_THAT(spec.env_add, Contains(Pair("CERTPILOT_DNS_RECORD_NAME",
                                            "_acme-challenge.example.com")));
}

TEST_F(ManualSolverTest, ACnameLoopFailsPresentAndRunsNoHook) {
  FakeDnsClient resolver;
  resolver.cnames["_acme-challenge.example.com."] =
      "_acme-challenge.example.com.";
  ManualOptions options = Hooks();
  options.cname_resolver = &resolver;
  ManualSolver manual(options, runner_, clock_);
  auto d = Task("dns-01", "example.com", false, "tD");
  EXPECT_THROW(manual.Dns01().Present(d), DnsCnameError);
  manual.Dns01().Wait();
  manual.Dns01().CleanUp(d);
  EXPECT_THAT(runner_.specs, IsEmpty());
}

TEST_F(ManualSolverTest, CleanupGetsTheSameEnvironmentPlusItsAuthHooksOutput) {
  runner_.next = [](const sys::ProcessSpec& spec) {
    sys::ProcessResult r;
    r.exit_code = 0;
    r.out = "  id-of-" + spec.env_add.at("CERTBOT_TOKEN") +
            std::string("\0", 1) + "\n\n";
    return r;
  };
  ManualSolver manual(Hooks(), runner_, clock_);
  auto a = Task("http-01", "a.example.com", false, "tokenA");
  auto b = Task("http-01", "b.example.com", false, "tokenB");
  manual.Http01().Present(a);
  manual.Http01().Present(b);
  manual.Http01().Wait();
  manual.Http01().CleanUp(b);
  manual.Http01().CleanUp(a);
  ASSERT_EQ(runner_.specs.size(), 4u);
  const sys::ProcessSpec& cleanup_b = runner_.specs[2];
  EXPECT_THAT(cleanup_b.argv,
              ElementsAre("/bin/sh", "-c", "/usr/local/bin/cleanup.sh"));
  EXPECT_THAT(cleanup_b.env_add,
              Contains(Pair("CERTBOT_AUTH_OUTPUT", "id-of-tokenB")));
  EXPECT_THAT(cleanup_b.env_add,
              Contains(Pair("CERTPILOT_AUTH_OUTPUT", "id-of-tokenB")));
  EXPECT_THAT(cleanup_b.env_add,
              Contains(Pair("CERTBOT_VALIDATION", "tokenB.thumbprint")));
  EXPECT_THAT(cleanup_b.env_add,
              Contains(Pair("CERTBOT_REMAINING_CHALLENGES", "0")));
  EXPECT_THAT(runner_.specs[3].env_add,
              Contains(Pair("CERTBOT_AUTH_OUTPUT", "id-of-tokenA")));
  manual.Http01().CleanUp(a);  // once only
  EXPECT_EQ(runner_.specs.size(), 4u);
}

TEST_F(ManualSolverTest, AFailingAuthHookStopsTheBatchAndNamesHookAndStatus) {
  runner_.next = [](const sys::ProcessSpec& spec) {
    sys::ProcessResult r;
    r.exit_code = spec.env_add.at("CERTBOT_DOMAIN") == "b.example.com" ? 3 : 0;
    r.err = r.exit_code ? "no API token\n" : "";
    return r;
  };
  ManualSolver manual(Hooks(), runner_, clock_);
  std::vector<issuance::ChallengeTask> tasks = {
      Task("http-01", "a.example.com", false, "tA"),
      Task("http-01", "b.example.com", false, "tB"),
      Task("http-01", "c.example.com", false, "tC")};
  for (auto& t : tasks) manual.Http01().Present(t);
  try {
    manual.Http01().Wait();
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("--manual-auth-hook \"/usr/local/bin/auth.sh\""));
    EXPECT_THAT(e.what(), HasSubstr("b.example.com"));
    EXPECT_THAT(e.what(), HasSubstr("exited with status 3"));
    EXPECT_THAT(e.what(), HasSubstr("no API token"));
  }
  EXPECT_EQ(runner_.specs.size(), 2u);  // c's hook never ran
  for (auto& t : tasks) manual.Http01().CleanUp(t);
  // Cleanup for a (succeeded) and b (failed, maybe half done), not for c.
  ASSERT_EQ(runner_.specs.size(), 4u);
  EXPECT_THAT(runner_.specs[2].env_add,
              Contains(Pair("CERTBOT_DOMAIN", "a.example.com")));
  EXPECT_THAT(runner_.specs[3].env_add,
              Contains(Pair("CERTBOT_DOMAIN", "b.example.com")));
}

TEST_F(ManualSolverTest, NoHooksRunWhenWaitNeverCame) {
  ManualSolver manual(Hooks(), runner_, clock_);
  auto a = Task("http-01", "a.example.com", false, "tA");
  manual.Http01().Present(a);
  manual.Http01().CleanUp(a);
  EXPECT_THAT(runner_.specs, IsEmpty());
}

TEST_F(ManualSolverTest, CleanupFailuresAreLoggedNotThrown) {
  ManualSolver manual(Hooks(), runner_, clock_);
  auto a = Task("dns-01", "a.example.com", false, "tA");
  manual.Dns01().Present(a);
  manual.Dns01().Wait();
  runner_.next = [](const sys::ProcessSpec&) -> sys::ProcessResult {
    throw sys::ProcessError("/bin/sh", "No such file or directory", ENOENT);
  };
  manual.Dns01().CleanUp(a);  // noexcept: must not terminate
  EXPECT_EQ(runner_.specs.size(), 2u);
}

TEST_F(ManualSolverTest, AMixedOrderCountsItsChallengesTogether) {
  ManualSolver manual(Hooks(), runner_, clock_);
  auto h = Task("http-01", "www.example.com", false, "tH");
  auto d = Task("dns-01", "example.com", true, "tD");
  manual.Http01().Present(h);
  manual.Dns01().Present(d);
  manual.Http01().Wait();
  manual.Dns01().Wait();
  ASSERT_EQ(runner_.specs.size(), 2u);
  EXPECT_THAT(runner_.specs[0].env_add,
              Contains(Pair("CERTBOT_REMAINING_CHALLENGES", "1")));
  EXPECT_THAT(runner_.specs[1].env_add,
              Contains(Pair("CERTBOT_REMAINING_CHALLENGES", "0")));
  EXPECT_THAT(
      runner_.specs[1].env_add,
      Contains(Pair("CERTBOT_ALL_DOMAINS", "www.example.com,example.com")));
  EXPECT_EQ(manual.Http01().Type(), "http-01");
  EXPECT_EQ(manual.Dns01().Type(), "dns-01");
  EXPECT_THROW(
      manual.Http01().Present(Task("dns-01", "x.example.com", false, "tX")),
      Error);
}

TEST_F(ManualSolverTest, HookTimeoutAndOutputCapReachTheRunner) {
  ManualOptions options = Hooks();
  options.hook_timeout = 42s;
  ManualSolver manual(options, runner_, clock_);
  auto a = Task("http-01", "a.example.com", false, "tA");
  manual.Http01().Present(a);
  manual.Http01().Wait();
  manual.Http01().CleanUp(a);
  ASSERT_EQ(runner_.specs.size(), 2u);
  EXPECT_EQ(runner_.specs[0].timeout, 42s);
  EXPECT_EQ(runner_.specs[1].timeout, 42s);
  EXPECT_LE(runner_.specs[0].max_output_bytes, 64u * 1024);
}

TEST_F(ManualSolverTest, DnsPropagationIsCheckedAfterEveryAuthHook) {
  std::vector<std::string> log;
  runner_.log = &log;
  FakeDnsClient resolver;
  ManualOptions options = Hooks();
  options.dns_propagation.resolver = &resolver;
  auto wild = Task("dns-01", "example.com", true, "tW");
  auto base = Task("dns-01", "example.com", false, "tB");
  // The hook "publishes" the record in the fake DNS.
  runner_.next = [&](const sys::ProcessSpec& spec) {
    if (!spec.env_add.count("CERTBOT_AUTH_OUTPUT")) {
      resolver.txt["_acme-challenge.example.com."].push_back(
          spec.env_add.at("CERTBOT_VALIDATION"));
    }
    sys::ProcessResult r;
    r.exit_code = 0;
    return r;
  };
  resolver.hidden_until_query[Dns01TxtValue(base.key_authorization)] = 2;
  ManualSolver manual(options, runner_, clock_);
  manual.Dns01().Present(wild);
  manual.Dns01().Present(base);
  manual.Dns01().Wait();
  EXPECT_THAT(log, ElementsAre("run example.com auth", "run example.com auth"));
  EXPECT_EQ(resolver.queries, 2);  // polled after both hooks, until both show
  EXPECT_EQ(clock_.sleeps().size(), 1u);
}

TEST_F(ManualSolverTest, DnsPropagationFailureFailsTheWait) {
  FakeDnsClient resolver;  // never shows anything
  ManualOptions options = Hooks();
  options.dns_propagation.resolver = &resolver;
  options.dns_propagation.poll.timeout = 3s;
  ManualSolver manual(options, runner_, clock_);
  auto d = Task("dns-01", "example.com", false, "tD");
  manual.Dns01().Present(d);
  EXPECT_THROW(manual.Dns01().Wait(), DnsPropagationError);
  manual.Dns01().CleanUp(d);
  EXPECT_EQ(runner_.specs.size(), 2u);  // auth + cleanup
}

TEST_F(ManualSolverTest,
       InteractiveShowsInstructionsAndWaitsForEachConfirmation) {
  std::vector<std::string> shown;
  ManualOptions options;  // no hooks
  ManualSolver manual(options, runner_, clock_, [&](const std::string& text) {
    shown.push_back(text);
    return true;
  });
  auto h = Task("http-01", "www.example.com", false, "tokenH");
  auto d1 = Task("dns-01", "example.com", true, "tokenD1");
  auto d2 = Task("dns-01", "example.com", false, "tokenD2");
  manual.Http01().Present(h);
  manual.Dns01().Present(d1);
  manual.Dns01().Present(d2);
  manual.Dns01().Wait();
  ASSERT_EQ(shown.size(), 3u);
  EXPECT_THAT(shown[0], HasSubstr("tokenH.thumbprint"));
  EXPECT_THAT(
      shown[0],
      HasSubstr("http://www.example.com/.well-known/acme-challenge/tokenH"));
  EXPECT_THAT(shown[0], Not(HasSubstr("in addition")));
  EXPECT_THAT(shown[1], HasSubstr("_acme-challenge.example.com."));
  EXPECT_THAT(shown[1], HasSubstr(Dns01TxtValue("tokenD1.thumbprint")));
  EXPECT_THAT(shown[1], HasSubstr("in addition to the previous challenges"));
  EXPECT_THAT(shown[2],
              HasSubstr("dig +short TXT _acme-challenge.example.com."));
  EXPECT_THAT(shown[2], HasSubstr("Press Enter to Continue"));
  EXPECT_THAT(runner_.specs, IsEmpty());
}

TEST_F(ManualSolverTest, InteractiveEofAborts) {
  ManualOptions options;
  options.cleanup_hook = "/usr/local/bin/cleanup.sh";
  ManualSolver manual(options, runner_, clock_,
                      [](const std::string&) { return false; });
  auto h = Task("http-01", "www.example.com", false, "tokenH");
  manual.Http01().Present(h);
  EXPECT_THROW(manual.Http01().Wait(), Error);
  manual.Http01().CleanUp(h);
  ASSERT_EQ(runner_.specs.size(), 1u);  // the cleanup hook still runs
  EXPECT_THAT(runner_.specs[0].env_add,
              Contains(Pair("CERTBOT_AUTH_OUTPUT", "")));
}

TEST_F(ManualSolverTest, ValidationHelperRefusesNonInteractiveWithoutHook) {
  ManualOptions none;
  EXPECT_THROW(ValidateManualOptions(none, false), UsageError);
  EXPECT_NO_THROW(ValidateManualOptions(none, true));
  EXPECT_NO_THROW(ValidateManualOptions(Hooks(), false));
  try {
    ValidateManualOptions(none, false);
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--manual-auth-hook"));
  }
  EXPECT_THROW(ManualSolver(none, runner_, clock_), UsageError);
}

TEST_F(ManualSolverTest, RefusesTokensThatCouldBePathsAndIpsForDns) {
  ManualSolver manual(Hooks(), runner_, clock_);
  EXPECT_THROW(manual.Http01().Present(
                   Task("http-01", "a.example.com", false, "../../etc")),
               Error);
  auto ip = Task("dns-01", "192.0.2.1", false, "tok");
  ip.identifier.type = "ip";
  EXPECT_THROW(manual.Dns01().Present(ip), UsageError);
}

// ---------------------------------------------------------------------------
// Real shell hooks through the real ProcessRunner.

TEST(ManualSolverRealHooksTest, ScriptsSeeTheEnvironmentInOrder) {
  testing::TempDir dir;
  const std::string log = dir / "hooks.log";
  // Values travel only in the environment: a validation with shell syntax in
  // it must arrive verbatim and never be executed.
  const std::string auth =
      "echo \"auth $CERTBOT_DOMAIN $CERTPILOT_REMAINING_CHALLENGES "
      "[$CERTBOT_VALIDATION] $CERTBOT_ALL_DOMAINS\" >> '" +
      log + "'; echo \"out-$CERTBOT_TOKEN\"";
  const std::string cleanup =
      "echo \"cleanup $CERTBOT_DOMAIN [$CERTBOT_AUTH_OUTPUT]\" >> '" + log +
      "'";
  ManualOptions options;
  options.auth_hook = auth;
  options.cleanup_hook = cleanup;
  sys::PosixProcessRunner runner;
  FakeClock clock;
  ManualSolver manual(options, runner, clock);
  auto a = Task("http-01", "a.example.com", false, "tA");
  auto b = Task("http-01", "b.example.com", false, "tB");
  b.key_authorization = "$(touch " + (dir / "pwned") + ")";
  manual.Http01().Present(a);
  manual.Http01().Present(b);
  manual.Http01().Wait();
  manual.Http01().CleanUp(a);
  manual.Http01().CleanUp(b);
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(),
            "auth a.example.com 1 [tA.thumbprint] a.example.com,b.example.com\n"
            "auth b.example.com 0 [$(touch " +
                (dir / "pwned") +
                ")] a.example.com,b.example.com\n"
                "cleanup a.example.com [out-tA]\n"
                "cleanup b.example.com [out-tB]\n");
  EXPECT_NE(::access((dir / "pwned").c_str(), F_OK), 0);
}

TEST(ManualSolverRealHooksTest, AFailingScriptReportsItsExitStatus) {
  ManualOptions options;
  options.auth_hook = "echo 'DNS API said no' >&2; exit 7";
  sys::PosixProcessRunner runner;
  FakeClock clock;
  ManualSolver manual(options, runner, clock);
  auto a = Task("dns-01", "example.com", false, "tA");
  manual.Dns01().Present(a);
  try {
    manual.Dns01().Wait();
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("exited with status 7"));
    EXPECT_THAT(e.what(), HasSubstr("DNS API said no"));
  }
  manual.Dns01().CleanUp(a);
}

}  // namespace
}  // namespace certpilot::solvers
