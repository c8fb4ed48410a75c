// certpilot does not link libcurl (Debian's pulls some 27 more libraries into
// every start); a command loads it when it first talks to a CA
// (src/http/curl_api.h). Checked two ways: the binary has no DT_NEEDED entry
// for libcurl, and under LD_DEBUG=libs, where the dynamic loader reports
// every library it loads (dlopen()ed ones included), commands that stay
// local never load it while one that talks to the CA does.
//
// The command line adds the options of only the subcommand named among the
// arguments (src/cli/command_line.cc); the parse must not notice: a value
// that looks like another subcommand, and cli.ini settings that only other
// subcommands accept, behave as with every option added.
//
// How fast start-up is belongs to bench/, not here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/cli_harness.h"
#include "support/pebble_fixture.h"
#include "support/run_binary.h"
#include "support/temp_dir.h"
#include "sys/process_runner.h"

namespace certpilot::testing {
namespace {

const std::map<std::string, std::string> kLoaderReport = {{"LD_DEBUG", "libs"}};

TEST(StartupTest, BinaryDoesNotLinkLibcurl) {
  sys::ProcessSpec readelf;
  readelf.argv = {"readelf", "-d", "-W",
                  CERTPILOT_BINARY};  // looked up in PATH
  sys::ProcessResult r = sys::PosixProcessRunner().Run(readelf);
  ASSERT_TRUE(r.Succeeded())
      << r.Describe() << ": " << r.err << " -- readelf comes with binutils";
  // The parse works: the C library is needed by anything.
  EXPECT_NE(r.out.find("(NEEDED)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[libc.so.6]"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("libcurl"), std::string::npos) << r.out;
}

TEST(StartupTest, OnlyCommandsThatTalkToTheCaLoadLibcurl) {
  PebbleFixture pebble;
  CliHarness cli(pebble);
  auto with_dirs = [&](std::vector<std::string> args) {
    for (const std::string& a : cli.CommonArgs()) args.push_back(a);
    return args;
  };

  // certonly talks to the CA: libcurl shows up in the loader's report, which
  // also proves the report names it when it is loaded.
  const std::string name = "startup.example.com";
  std::vector<std::string> certonly = with_dirs(
      {"certonly", "--standalone", "--agree-tos", "-m", "admin@example.com",
       "--http-01-address", "127.0.0.1", "--http-01-port",
       std::to_string(pebble.http_port()), "-d", name});
  RunResult r = RunCertpilot(certonly, kLoaderReport);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.err.find("libcurl.so.4"), std::string::npos)
      << "the loader did not report libcurl for certonly: " << r.err;

  // Commands that only read or change local state do not load it.
  const std::vector<std::vector<std::string>> local = {
      {"--version"},
      {"--help"},
      {"certificates", "--help"},
      with_dirs({"certificates"}),
      with_dirs({"certificates", "--json", "--cert-name", name}),
      with_dirs({"delete", "--cert-name", name}),
  };
  for (const auto& args : local) {
    std::string command;
    for (const std::string& a : args) command += " " + a;
    r = RunCertpilot(args, kLoaderReport);
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.Describe();
    EXPECT_NE(r.err.find("find library=libc.so.6"), std::string::npos)
        << "no loader report for" << command << ": " << r.err;
    EXPECT_EQ(r.err.find("libcurl"), std::string::npos)
        << "certpilot" << command << " loaded libcurl";
  }
}

TEST(StartupTest, AddingOnlyTheNamedSubcommandsOptionsChangesNoParse) {
  TempDir tmp;
  const std::vector<std::string> dirs{"--config-dir", tmp / "config",
                                      "--work-dir",   tmp / "work",
                                      "--logs-dir",   tmp / "logs"};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), dirs.begin(), dirs.end());
    return RunCertpilot(args);
  };
  // Values that name other subcommands, before and after the one run.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--email", "renew", "certificates", "--json"},
           {"certificates", "--cert-name", "delete", "--json"},
           {"-m", "certificates", "certificates", "--json"}}) {
    RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 0)
        << args[0] << " " << args[1] << ": " << r.Describe();
    EXPECT_EQ(r.out, "[]\n") << args[0] << " " << args[1];
  }
  // Without a subcommand, or with an unknown option of the one named.
  RunResult r = run({"--email", "a@example.com"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  r = run({"certificates", "--rsa-key-size", "4096"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("--rsa-key-size"), std::string::npos) << r.err;

  // cli.ini: a setting of another subcommand is left out, one of no
  // subcommand is an error naming it.
  std::filesystem::create_directories(tmp / "config");
  std::ofstream(tmp / "config/cli.ini") << "rsa-key-size = 4096\njobs = 2\n";
  r = run({"certificates", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "[]\n");
  std::ofstream(tmp / "config/cli.ini", std::ios::app)
      << "no-such-option = 1\n";
  r = run({"certificates", "--json"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(
      r.err.find("cli.ini:3: \"no-such-option\" is not an option of certpilot"),
      std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace certpilot::testing
