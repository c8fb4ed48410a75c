// What certpilot runs to test, reload and start nginx
// (nginx/runtime/control.h), and how it reads nginx's answers.
#include "nginx/runtime/control.h"

#include <gtest/gtest.h>

#include "unit/nginx/fake_runner.h"

namespace certpilot::nginx {
namespace {

using testing::FakeRunner;

TEST(NginxControlTest, TestAndReloadUseTheGivenBinaryAndConf) {
  FakeRunner runner;
  NginxControl nginx(runner, "/opt/nginx/sbin/nginx", "/srv/nginx/nginx.conf");
  nginx.Test();
  EXPECT_EQ(nginx.Reload(), NginxControl::Reloaded::kReloaded);
  ASSERT_EQ(runner.calls().size(), 2u);
  EXPECT_EQ(runner.calls()[0],
            (std::vector<std::string>{"/opt/nginx/sbin/nginx", "-t", "-c",
                                      "/srv/nginx/nginx.conf"}));
  EXPECT_EQ(runner.calls()[1], (std::vector<std::string>{
                                   "/opt/nginx/sbin/nginx", "-c",
                                   "/srv/nginx/nginx.conf", "-s", "reload"}));
}

TEST(NginxControlTest, ARejectedConfigurationQuotesNginx) {
  FakeRunner runner;
  runner.script = [](const std::vector<std::string>&) {
    return FakeRunner::Exit(
        1,
        "nginx: [emerg] unknown directive \"bogus\" in "
        "/srv/nginx/nginx.conf:3\n"
        "nginx: configuration file /srv/nginx/nginx.conf test failed\n");
  };
  NginxControl nginx(runner, "nginx", "/srv/nginx/nginx.conf");
  try {
    nginx.Test();
    FAIL() << "no error";
  } catch (const NginxError& e) {
    EXPECT_NE(std::string(e.what()).find("nginx -t rejected the configuration"),
              std::string::npos);
    EXPECT_NE(e.output().find("unknown directive \"bogus\""), std::string::npos)
        << e.output();
    EXPECT_NE(e.output().find("\n"),
              std::string::npos);  // nginx's lines kept apart
  }
}

TEST(NginxControlTest, ANginxThatIsNotRunningIsStarted) {
  for (const std::string says :
       {"nginx: [error] open() \"/run/nginx.pid\" failed (2: No such file or "
        "directory)\n",
        "nginx: [error] invalid PID number \"\" in \"/run/nginx.pid\"\n",
        "nginx: [alert] kill(4242, 1) failed (3: No such process)\n"}) {
    FakeRunner runner;
    runner.script = [&](const std::vector<std::string>& argv) {
      return FakeRunner::Has(argv, "-s") ? FakeRunner::Exit(1, says)
                                         : FakeRunner::Exit(0, "");
    };
    NginxControl nginx(runner, "nginx", "/c/nginx.conf");
    EXPECT_EQ(nginx.Reload(), NginxControl::Reloaded::kStarted) << says;
    EXPECT_EQ(runner.Commands(),
              (std::vector<std::string>{"-c /c/nginx.conf -s reload",
                                        "-c /c/nginx.conf"}));
    FakeRunner again;
    again.script = runner.script;
    NginxControl only_reload(again, "nginx", "/c/nginx.conf");
    EXPECT_FALSE(only_reload.ReloadIfRunning()) << says;
    EXPECT_EQ(again.calls().size(), 1u);  // nothing started
  }
}

TEST(NginxControlTest, OtherReloadFailuresAreErrorsAndStartNothing) {
  FakeRunner runner;
  runner.script = [](const std::vector<std::string>&) {
    return FakeRunner::Exit(
        1,
        "nginx: [alert] kill(4242, 1) failed (1: Operation not permitted)\n");
  };
  NginxControl nginx(runner, "nginx", "/c/nginx.conf");
  EXPECT_THROW(nginx.Reload(), NginxError);
  EXPECT_EQ(runner.calls().size(), 1u);
}

TEST(NginxControlTest, AMissingBinaryIsAnNginxError) {
  sys::PosixProcessRunner runner;
  NginxControl nginx(runner, "/nonexistent/nginx", "/c/nginx.conf");
  try {
    nginx.Test();
    FAIL() << "no error";
  } catch (const NginxError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/nginx"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace certpilot::nginx
