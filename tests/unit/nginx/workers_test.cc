// Awaiting a reload (nginx/runtime/workers.h, NginxControl with a ReloadWait):
// the pid file from nginx.conf, nginx's workers read from a fake /proc, and a
// Reload that returns only once no old worker accepts connections.
#include "nginx/runtime/workers.h"

#include <gtest/gtest.h>

#include "nginx/config/parser.h"
#include "nginx/runtime/control.h"
#include "support/fake_clock.h"
#include "unit/nginx/fake_runner.h"
#include "unit/nginx/nginx_test_util.h"

namespace certpilot::nginx {
namespace {

using certpilot::testing::FakeClock;
using testing::FakeRunner;
using testing::MemFilesystem;

// A /proc whose listing can run a callback (the processes change while
// certpilot polls).
class FakeProc : public MemFilesystem {
 public:
  void AddProcess(int pid, int ppid, const std::string& title) {
    AddFile("/proc/" + std::to_string(pid) + "/stat",
            std::to_string(pid) + " (nginx) S " + std::to_string(ppid) +
                " 1 1 0 -1\n");
    AddFile("/proc/" + std::to_string(pid) + "/cmdline",
            title + std::string(8, '\0'));
  }
  std::vector<std::string> ListDir(const std::string& path) override {
    if (path == "/proc" && on_list) on_list(++lists);
    return MemFilesystem::ListDir(path);
  }
  std::function<void(int)> on_list;
  int lists = 0;
};

TEST(NginxWorkersTest, PidFileComesFromTheMainContext) {
  EXPECT_EQ(PidFileOf(ParseConfig("pid /run/x.pid;\nhttp {}\n", "n")),
            "/run/x.pid");
  EXPECT_EQ(PidFileOf(ParseConfig("pid logs/nginx.pid;\n", "n")),
            "/usr/share/nginx/logs/nginx.pid");
  EXPECT_EQ(PidFileOf(ParseConfig("http { pid /not/main; }\n", "n")),
            "/run/nginx.pid");
}

TEST(NginxWorkersTest, OnlyAcceptingWorkersOfThatMasterCount) {
  FakeProc proc;
  proc.AddProcess(100, 1, "nginx: master process /usr/sbin/nginx");
  proc.AddProcess(101, 100, "nginx: worker process");
  proc.AddProcess(102, 100, "nginx: worker process is shutting down");
  proc.AddProcess(103, 100, "nginx: cache manager process");
  proc.AddProcess(201, 200, "nginx: worker process");  // another nginx
  proc.AddFile("/run/nginx.pid", "100\n");
  EXPECT_EQ(ReadMasterPid(proc, "/run/nginx.pid"), 100);
  EXPECT_EQ(AcceptingWorkers(proc, 100), (std::set<int>{101}));
  proc.AddFile("/run/stale.pid", "4242\n");
  EXPECT_EQ(ReadMasterPid(proc, "/run/stale.pid"), std::nullopt);
  EXPECT_EQ(ReadMasterPid(proc, "/run/none.pid"), std::nullopt);
}

class NginxReloadWaitTest : public ::testing::Test {
 protected:
  NginxReloadWaitTest() {
    proc_.AddFile("/etc/nginx/nginx.conf", "pid /run/nginx.pid;\nevents {}\n");
    proc_.AddFile("/run/nginx.pid", "100\n");
    proc_.AddProcess(100, 1, "nginx: master process");
    proc_.AddProcess(101, 100, "nginx: worker process");
  }
  NginxControl Control() {
    ReloadWait wait;
    wait.fs = &proc_;
    wait.clock = &clock_;
    return NginxControl(runner_, "nginx", "/etc/nginx/nginx.conf", wait);
  }
  FakeProc proc_;
  FakeClock clock_;
  FakeRunner runner_;
};

TEST_F(NginxReloadWaitTest, ReloadReturnsOnceTheOldWorkersStoppedAccepting) {
  int lists_at_reload = -1;
  runner_.script = [&](const std::vector<std::string>&) {
    lists_at_reload = proc_.lists;
    proc_.AddProcess(102, 100, "nginx: worker process");  // the new generation
    return FakeRunner::Exit(0, "");
  };
  proc_.on_list = [&](int n) {  // the old worker gets QUIT a little later
    if (lists_at_reload >= 0 && n == lists_at_reload + 4)
      proc_.AddProcess(101, 100, "nginx: worker process is shutting down");
  };
  EXPECT_EQ(Control().Reload(), NginxControl::Reloaded::kReloaded);
  EXPECT_EQ(proc_.lists,
            lists_at_reload + 4);  // it polled until then, not longer
}

TEST_F(NginxReloadWaitTest, AMasterThatKeepsItsOldWorkersIsAnError) {
  try {
    Control().Reload();
    FAIL() << "no error";
  } catch (const NginxError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "still answers with its previous configuration"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(NginxReloadWaitTest, NothingToWaitForWithoutARunningMaster) {
  proc_.AddFile("/run/nginx.pid", "999\n");  // stale
  EXPECT_EQ(Control().Reload(), NginxControl::Reloaded::kReloaded);
  EXPECT_TRUE(clock_.sleeps().empty());
}

}  // namespace
}  // namespace certpilot::nginx
