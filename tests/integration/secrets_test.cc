// Fault class "secrets", end to end: with Pebble requiring External
// Account Binding, a verbose certonly and a verbose forced renew, with pre,
// post and deploy hooks that record their environment and arguments. The
// certificate keys, the account key and the EAB HMAC key must then appear
// nowhere but in their own files: not on stdout or stderr, not in a hook's
// environment or arguments, not in any other file under the config, work or
// logs directories; and any log file is 0600.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_harness.h"
#include "support/pebble_fixture.h"
#include "support/run_binary.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

// Needles for a PEM private key: its whole base64 body on one line, and
// each base64 line that holds private material, i.e. is not also in the
// certificate `public_pem` (an EC key's last line can be all public key).
std::vector<std::string> KeyNeedles(const std::string& pem,
                                    const std::string& public_pem) {
  std::vector<std::string> out;
  std::string body;
  std::istringstream lines(pem);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("-----", 0) == 0) continue;
    body += line;
    if (line.size() >= 16 && public_pem.find(line) == std::string::npos)
      out.push_back(line);
  }
  out.push_back(body);
  return out;
}

TEST(SecretsTest, KeysNeverLeaveTheirOwnFiles) {
  PebbleOptions o = EabRequiredOptions();
  o.certificate_validity_seconds = 3600;
  PebbleFixture ca(o);
  CliHarness cli(ca);
  const std::string dumps = cli.dir() / "hook-dumps";
  fs::create_directories(dumps);
  auto dump = [&](const std::string& hook) {
    return "{ env; echo \"args: $*\"; } > " + dumps + "/" + hook + ".$$";
  };
  // The HMAC key reaches certpilot through its environment, as from a
  // systemd unit's Environment=: hooks must not inherit it.
  const std::map<std::string, std::string> env{
      {"CERTPILOT_EAB_HMAC_KEY", kEabHmacKey}};
  std::vector<RunResult> runs;
  runs.push_back(cli.Certonly(
      {"-v", "-v", "--eab-kid", kEabKid, "-d", "secret.example.com",
       "--deploy-hook", dump("certonly-deploy")},
      env));
  ASSERT_EQ(runs.back().exit_code, 0) << runs.back().Describe();
  runs.push_back(
      cli.Run("renew",
              {"-v", "-v", "--force-renewal", "--no-random-sleep-on-renew",
               "--pre-hook", dump("pre"), "--post-hook", dump("post"),
               "--deploy-hook", dump("deploy")},
              env));
  ASSERT_EQ(runs.back().exit_code, 0) << runs.back().Describe();
  runs.push_back(cli.Run("certificates", {"-v", "-v"}));
  runs.push_back(cli.Run("show_account", {"-v", "-v"}));
  for (const RunResult& r : runs) ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_EQ(cli.Version("secret.example.com"), 2);

  // The secrets, and the one file each may be in.
  std::map<std::string, std::string> owner;  // needle → its own file
  const std::string archive = cli.config() + "/archive/secret.example.com";
  for (int v : {1, 2}) {
    const std::string n = std::to_string(v);
    const std::string key = archive + "/privkey" + n + ".pem";
    for (const std::string& needle :
         KeyNeedles(ReadFileOrEmpty(key),
                    ReadFileOrEmpty(archive + "/fullchain" + n + ".pem")))
      owner[needle] = key;
  }
  std::string account_key;
  for (const auto& e :
       fs::recursive_directory_iterator(cli.config() + "/accounts"))
    if (e.path().filename() == "private_key.json") account_key = e.path();
  ASSERT_NE(account_key, "");
  const nlohmann::json jwk =
      nlohmann::json::parse(ReadFileOrEmpty(account_key));
  for (const char* member : {"d", "p", "q", "dp", "dq", "qi"})
    if (jwk.contains(member))
      owner[jwk[member].get<std::string>()] = account_key;
  ASSERT_TRUE(jwk.contains("d")) << jwk.dump();
  owner[kEabHmacKey] = "";  // in no file at all
  ASSERT_GE(owner.size(), 4u);

  // Where they must not be.
  std::map<std::string, std::string> places;  // description → text
  for (size_t i = 0; i < runs.size(); ++i) {
    places["stdout of run " + std::to_string(i)] = runs[i].out;
    places["stderr of run " + std::to_string(i)] = runs[i].err;
  }
  int hooks = 0;
  for (const auto& e : fs::directory_iterator(dumps)) {
    places[e.path().filename().string()] = ReadFileOrEmpty(e.path());
    ++hooks;
  }
  EXPECT_GE(hooks, 4) << "the hooks did not all run";
  for (const char* sub : {"config", "work", "logs"}) {
    const std::string root = cli.dir() / sub;
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_symlink() || !e.is_regular_file()) continue;
      places[e.path().string()] = ReadFileOrEmpty(e.path());
    }
  }
  for (const auto& [needle, own] : owner) {
    for (const auto& [where, text] : places) {
      if (where == own) continue;
      EXPECT_EQ(text.find(needle), std::string::npos)
          << "a secret (" << (own.empty() ? "the EAB key" : own) << ") is in "
          << where;
    }
  }
  // Log files, if certpilot writes any, are for root only.
  if (fs::exists(cli.dir() / "logs")) {
    for (const auto& e : fs::recursive_directory_iterator(cli.dir() / "logs")) {
      struct stat st;
      ASSERT_EQ(lstat(e.path().c_str(), &st), 0);
      if (S_ISREG(st.st_mode)) {
        EXPECT_EQ(st.st_mode & 07777, 0600u) << e.path();
      }
    }
  }
}

}  // namespace
}  // namespace certpilot::testing
