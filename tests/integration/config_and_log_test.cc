// cli.ini and the log file, with the real binary (and the real Pebble where
// something is obtained): CONFIG/cli.ini and --config FILE settings and
// their precedence, errors that name the file and line, LOGS/certpilot.log
// (mode, debug ACME lines, no secrets), -q, and color only on a terminal.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_harness.h"
#include "support/pebble_fixture.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> CertonlyArgs(const PebbleFixture& ca,
                                      const std::string& name) {
  return {"--standalone",
          "-d",
          name,
          "--http-01-address",
          "127.0.0.1",
          "--http-01-port",
          std::to_string(ca.http_port())};
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : mode_t(-1);
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1))
    ++n;
  return n;
}

TEST(CliIniTest, CliIniAndConfigFileSettingsWithTheCommandLineWinning) {
  PebbleFixture ca;
  CliHarness cli(ca);
  fs::create_directories(cli.config());
  // Only in files: the account's email, agreement, the key. Overridden by
  // the command line (CliHarness passes --server and the port): a server
  // and a port that would fail.
  std::ofstream(cli.config() + "/cli.ini")
      << "# this machine's defaults\n"
      << "email = file@example.com\n"
      << "agree-tos\n"
      << "key-type = rsa\n"
      << "rsa-key-size = 3072\n"
      << "server = https://127.0.0.1:1/wrong\n"
      << "http-01-port = 1\n"
      << "jobs = 8   ; renew's, left out for certonly\n";
  // --config FILE wins over CONFIG/cli.ini.
  std::ofstream(cli.dir() / "extra.ini") << "rsa-key-size: 4096\n";

  std::vector<std::string> args = CertonlyArgs(ca, "ini.example.com");
  args.insert(args.end(), {"--config", cli.dir() / "extra.ini"});
  RunResult r = cli.Run("certonly", args);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();

  RunResult list = cli.Run("certificates", {"--json"});
  ASSERT_EQ(list.exit_code, 0) << list.Describe();
  nlohmann::json certs = nlohmann::json::parse(list.out);
  ASSERT_EQ(certs.size(), 1u) << list.out;
  EXPECT_EQ(certs[0]["key_type"], "rsa-4096");
  EXPECT_EQ(certs[0]["server"], ca.directory_url());

  RunResult account = cli.Run("show_account", {"--json"});
  ASSERT_EQ(account.exit_code, 0) << account.Describe();
  EXPECT_EQ(nlohmann::json::parse(account.out)["contact"],
            nlohmann::json::array({"mailto:file@example.com"}));
}

TEST(CliIniTest, BadSettingsAreUsageErrorsNamingFileAndLine) {
  TempDir tmp;
  const std::string config = tmp / "config";
  fs::create_directories(config);
  std::ofstream(config + "/cli.ini") << "agree-tos\nno-such-option = 1\n";
  const std::vector<std::string> common{"--config-dir", config, "--logs-dir",
                                        tmp / "logs"};

  std::vector<std::string> args{"certificates"};
  args.insert(args.end(), common.begin(), common.end());
  RunResult r = RunCertpilot(args);
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find(
                config +
                "/cli.ini:2: \"no-such-option\" is not an option of certpilot"),
            std::string::npos)
      << r.err;

  // --help still works: the files are read only for a run.
  RunResult help =
      RunCertpilot({"certificates", "--config-dir", config, "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.Describe();

  // A value the option refuses names the line it came from.
  std::ofstream(config + "/cli.ini", std::ios::trunc)
      << "\n\nmax-log-backups = many\n";
  r = RunCertpilot(args);
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find(config + "/cli.ini:3: "), std::string::npos) << r.err;

  // --config names a file that must exist.
  fs::remove(config + "/cli.ini");
  args.insert(args.end(), {"-c", tmp / "missing.ini"});
  r = RunCertpilot(args);
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("--config " + (tmp / "missing.ini") + ": no such file"),
            std::string::npos)
      << r.err;
}

TEST(LogFileOfARunTest, DebugLogOf0600WithTheAcmeExchangeAndNoSecrets) {
  const std::string key = kEabHmacKey;
  PebbleFixture ca(EabRequiredOptions());
  CliHarness cli(ca);
  std::vector<std::string> args = CertonlyArgs(ca, "log.example.com");
  // On the command line on purpose: the log records the command line.
  args.insert(args.end(), {"--agree-tos", "-m", "admin@example.com",
                           "--eab-kid", kEabKid, "--eab-hmac-key", key, "-q"});
  mode_t old_umask = ::umask(0);  // the binary inherits it
  RunResult r = cli.Run("certonly", args);
  ::umask(old_umask);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  // -q: nothing but errors on the terminal (the EAB warning is not one).
  EXPECT_EQ(r.err, "");

  const std::string logs = cli.dir() / "logs";
  const std::string log = logs + "/certpilot.log";
  ASSERT_TRUE(fs::exists(log));
  EXPECT_EQ(ModeOf(log), 0600u);
  EXPECT_EQ(ModeOf(logs), 0700u);
  std::string text = ReadFileOrEmpty(log);
  EXPECT_NE(text.find(" DEBUG "), std::string::npos) << text;
  EXPECT_NE(text.find("POST " + ca.directory_url().substr(
                                    0, ca.directory_url().rfind('/'))),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(": 201, "), std::string::npos) << text;
  EXPECT_NE(text.find(" INFO "), std::string::npos) << text;
  EXPECT_NE(text.find("--eab-hmac-key [redacted]"), std::string::npos) << text;
  EXPECT_EQ(text.find(key), std::string::npos);
  EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);

  // A second run appends to the same file.
  RunResult list = cli.Run("certificates", {});
  ASSERT_EQ(list.exit_code, 0) << list.Describe();
  std::string after = ReadFileOrEmpty(log);
  EXPECT_EQ(after.substr(0, text.size()), text);
  EXPECT_EQ(Count(after, " run: certpilot "), 2u) << after;
}

TEST(LogFileOfARunTest, AnUnwritableLogsDirIsOneWarningNotAFailure) {
  TempDir tmp;
  std::ofstream(tmp / "a-file") << "";
  RunResult r = RunCertpilot({"certificates", "--config-dir", tmp / "config",
                              "--logs-dir", tmp / "a-file/logs"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Count(r.err, "warning: no log file: "), 1u) << r.err;
  EXPECT_NE(r.err.find(tmp / "a-file"), std::string::npos) << r.err;
}

// Errors in red only on a terminal (script(1) gives the run one), never with
// NO_COLOR or TERM=dumb, and never into a pipe.
TEST(TerminalColorTest, ErrorsAreRedOnlyOnATerminalWithoutNoColor) {
  TempDir tmp;
  fs::create_directories(tmp / "config");
  std::ofstream(tmp / "config/cli.ini") << "no-such-option\n";
  const std::string command = std::string(CERTPILOT_BINARY) +
                              " certificates --config-dir " + (tmp / "config") +
                              " --logs-dir " + (tmp / "logs");
  auto on_terminal = [&](const std::map<std::string, std::string>& env) {
    RunResult r =
        RunProgram({"/usr/bin/script", "-qec", command, "/dev/null"}, env);
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_NE(r.out.find("no-such-option"), std::string::npos) << r.Describe();
    return r.out;
  };
  const std::string red = "\033[31merror: ";
  EXPECT_NE(on_terminal({{"TERM", "xterm"}}).find(red), std::string::npos);
  EXPECT_EQ(on_terminal({{"TERM", "xterm"}, {"NO_COLOR", "1"}}).find('\033'),
            std::string::npos);
  EXPECT_EQ(on_terminal({{"TERM", "dumb"}}).find('\033'), std::string::npos);

  RunResult piped = RunProgram({"/bin/sh", "-c", command}, {{"TERM", "xterm"}});
  EXPECT_EQ(piped.exit_code, 2);
  EXPECT_EQ(piped.err.find('\033'), std::string::npos) << piped.err;
}

}  // namespace
}  // namespace certpilot::testing
