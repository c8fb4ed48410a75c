// What certpilot runs to test, reload and start Apache
// (apache/runtime/control.h), in both dialects (apachectl, httpd), and how
// it reads Apache's answers.
#include "apache/runtime/control.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "support/temp_dir.h"
#include "unit/nginx/fake_runner.h"

namespace certpilot::apache {
namespace {

using certpilot::testing::TempDir;
using nginx::testing::FakeRunner;

constexpr char kRunCfg[] =
    "ServerRoot: \"/srv/apache\"\n"
    "Main DocumentRoot: \"/var/www/html\"\n"
    "PidFile: \"run/apache2.pid\"\n"
    "Define: DUMP_RUN_CFG\n"
    "Define: FOREGROUND\n"
    "Define: PORT=8080\n"
    "User: name=\"www-data\" id=33\n";

// A runner that answers DUMP_RUN_CFG with a pid file in `dir`.
void ScriptRunConfig(FakeRunner& runner, const std::string& dir,
                     int configtest_exit = 0) {
  runner.script = [dir, configtest_exit](const std::vector<std::string>& argv) {
    if (FakeRunner::Has(argv, "DUMP_RUN_CFG")) {
      sys::ProcessResult r;
      r.exit_code = 0;
      r.out =
          "ServerRoot: \"" + dir + "\"\nPidFile: \"" + dir + "/apache2.pid\"\n";
      return r;
    }
    if (FakeRunner::Has(argv, "configtest") || FakeRunner::Has(argv, "-t"))
      return FakeRunner::Exit(configtest_exit,
                              configtest_exit == 0
                                  ? "Syntax OK\n"
                                  : "AH00526: Syntax error on line 3 of "
                                    "/srv/apache/sites-enabled/a.conf:\n"
                                    "Invalid command 'Bogus'\n");
    return FakeRunner::Exit(0, "");
  };
}

TEST(ApacheControlTest, ParsesRunConfigAndModules) {
  const RunConfig rc = ParseRunConfig(kRunCfg);
  EXPECT_EQ(rc.server_root, "/srv/apache");
  EXPECT_EQ(rc.pid_file, "/srv/apache/run/apache2.pid");
  EXPECT_EQ(rc.defines,
            (std::vector<std::string>{"DUMP_RUN_CFG", "FOREGROUND", "PORT"}));
  EXPECT_EQ(
      ParseModules("Loaded Modules:\n core_module (static)\n "
                   "ssl_module (shared)\n rewrite_module (shared)\n"),
      (std::set<std::string>{"core_module", "ssl_module", "rewrite_module"}));
  EXPECT_TRUE(ParseModules("Syntax OK\n").empty());
}

TEST(ApacheControlTest, ApachectlIsToldTheServerRootThroughItsEnvironment) {
  TempDir dir;
  FakeRunner runner;
  ScriptRunConfig(runner, dir.path());
  sys::PosixFilesystem fs;
  ApacheControl apache(runner, fs, {"/usr/sbin/apache2ctl", "/srv/apache", ""});
  apache.Test();
  // No pid file: not running, so a reload starts it.
  EXPECT_EQ(apache.Reload(), ApacheControl::Reloaded::kStarted);
  EXPECT_EQ(
      runner.Commands(),
      (std::vector<std::string>{"configtest", "-t -D DUMP_RUN_CFG", "start"}));
  for (const sys::ProcessSpec& spec : runner.specs()) {
    EXPECT_EQ(spec.argv[0], "/usr/sbin/apache2ctl");
    EXPECT_EQ(spec.env_add.at("APACHE_CONFDIR"), "/srv/apache");
  }
}

TEST(ApacheControlTest, HttpdIsGivenServerRootAndConfigFile) {
  TempDir dir;
  dir.Write("apache2.pid", std::to_string(::getpid()) + "\n");  // alive
  FakeRunner runner;
  ScriptRunConfig(runner, dir.path());
  sys::PosixFilesystem fs;
  ApacheControl apache(runner, fs, {"httpd", "/srv/h", "conf/httpd.conf"});
  apache.Test();
  EXPECT_EQ(apache.Reload(), ApacheControl::Reloaded::kReloaded);
  EXPECT_EQ(runner.Commands(),
            (std::vector<std::string>{
                "-d /srv/h -f conf/httpd.conf -t",
                "-d /srv/h -f conf/httpd.conf -t -D DUMP_RUN_CFG",
                "-d /srv/h -f conf/httpd.conf -k graceful"}));
  EXPECT_TRUE(runner.specs()[0].env_add.empty());
}

TEST(ApacheControlTest, AStalePidFileIsNotRunning) {
  TempDir dir;
  dir.Write("apache2.pid", "999999999\n");
  FakeRunner runner;
  ScriptRunConfig(runner, dir.path());
  sys::PosixFilesystem fs;
  ApacheControl apache(runner, fs, {"apache2ctl", "/srv/apache", ""});
  EXPECT_FALSE(apache.RunningPid().has_value());
  EXPECT_FALSE(apache.ReloadIfRunning());
  for (const std::string& c : runner.Commands()) EXPECT_NE(c, "graceful");
}

TEST(ApacheControlTest, ARejectedConfigurationQuotesApache) {
  TempDir dir;
  FakeRunner runner;
  ScriptRunConfig(runner, dir.path(), 1);
  sys::PosixFilesystem fs;
  ApacheControl apache(runner, fs, {"apache2ctl", "/srv/apache", ""});
  try {
    apache.Test();
    FAIL() << "no error";
  } catch (const ApacheError& e) {
    EXPECT_NE(std::string(e.what()).find("Apache rejected the configuration"),
              std::string::npos)
        << e.what();
    EXPECT_NE(e.output().find("Invalid command 'Bogus'"), std::string::npos);
    EXPECT_NE(e.output().find("\n"), std::string::npos);  // lines kept apart
  }
}

TEST(ApacheControlTest, AMissingProgramIsAnApacheError) {
  sys::PosixProcessRunner runner;
  sys::PosixFilesystem fs;
  ApacheControl apache(runner, fs, {"/nonexistent/apache2ctl", "/srv", ""});
  try {
    apache.Test();
    FAIL() << "no error";
  } catch (const ApacheError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/apache2ctl"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace certpilot::apache
