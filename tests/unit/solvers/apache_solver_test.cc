// The Apache authenticator (solvers/apache_solver.h) on a real temp dir with
// a scripted apache2ctl: responses go in (the Include first in the vhost
// that names the host, a temporary vhost for a name none does), Apache is
// tested and gracefully reloaded once, the self-check asks Apache before
// Wait returns, a further token of a served name needs no reload, and every
// trace goes away — also when configtest or the self-check fails.
#include "solvers/apache_solver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "support/fake_clock.h"
#include "support/temp_dir.h"
#include "unit/nginx/fake_runner.h"
#include "unit/nginx/nginx_test_util.h"
#include "unit/solvers/http01_task.h"
#include "util/error.h"

namespace certpilot::solvers {
namespace {

namespace fs = std::filesystem;
using certpilot::testing::FakeClock;
using certpilot::testing::TempDir;
using nginx::testing::FakeRunner;
using nginx::testing::ReadDiskFile;
using testing::Http01Task;

constexpr char kSite[] =
    "<VirtualHost *:80>\n"
    "\tServerName app.example.com\n"
    "\tRewriteEngine on\n"
    "\tRewriteRule ^ https://%{SERVER_NAME}%{REQUEST_URI} [END,NE,R=301]\n"
    "</VirtualHost>\n";

// Plays Apache on the HTTP port: answers a token with its response file
// once a graceful reload came after a vhost included certpilot's file.
class FakeApacheHttp : public http::HttpClient {
 public:
  FakeApacheHttp(const TempDir& dir, FakeRunner& runner)
      : dir_(dir), runner_(runner) {}
  http::Response Do(const http::Request& req) override {
    requests.push_back(req);
    http::Response r;
    r.status = 404;
    if (broken) return r;
    bool reloaded = false;
    for (const auto& argv : runner_.calls())
      reloaded = reloaded || FakeRunner::Has(argv, "graceful");
    const std::string token = req.url.substr(req.url.rfind('/') + 1);
    const std::string file = dir_ / ("challenge/tokens/" + token);
    bool included = false;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "root"))
      if (e.is_regular_file())
        included = included || ReadDiskFile(e.path()).find(
                                   "certpilot-challenge") != std::string::npos;
    if (reloaded && included && fs::exists(file)) {
      r.status = 200;
      r.body = ReadDiskFile(file);
    }
    return r;
  }
  std::vector<http::Request> requests;
  bool broken = false;

 private:
  const TempDir& dir_;
  FakeRunner& runner_;
};

class ApacheSolverTest : public ::testing::Test {
 protected:
  ApacheSolverTest() {
    fs_.MakeDirs(dir_ / "root/sites-enabled", 0755);
    fs_.CreateFileExclusive(dir_ / "root/apache2.conf", kMain, 0644,
                            std::nullopt);
    fs_.CreateFileExclusive(dir_ / "root/sites-enabled/app.conf", kSite, 0644,
                            std::nullopt);
    // This test process plays the running httpd: its pid in the pid file.
    fs_.CreateFileExclusive(dir_ / "apache2.pid",
                            std::to_string(::getpid()) + "\n", 0644,
                            std::nullopt);
    options_.load.server_root = dir_ / "root";
    options_.load.config_file = "apache2.conf";
    options_.state_dir = dir_ / "work/apache";
    options_.challenge_location = dir_ / "challenge";
    ScriptApache(0);
  }
  void ScriptApache(int configtest_exit) {
    const std::string pid_file = dir_ / "apache2.pid";
    runner_.script = [pid_file,
                      configtest_exit](const std::vector<std::string>& argv) {
      if (FakeRunner::Has(argv, "DUMP_RUN_CFG")) {
        sys::ProcessResult r;
        r.exit_code = 0;
        r.out = "PidFile: \"" + pid_file + "\"\n";
        return r;
      }
      if (FakeRunner::Has(argv, "configtest"))
        return FakeRunner::Exit(configtest_exit, configtest_exit == 0
                                                     ? "Syntax OK\n"
                                                     : "AH00526: refused\n");
      return FakeRunner::Exit(0, "");
    };
  }
  // The configuration and certpilot's state (not the pid file).
  std::map<std::string, std::string> Snapshot() {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_.path()))
      if (e.is_regular_file() && e.path().filename() != "apache2.pid")
        out[e.path().string()] = ReadDiskFile(e.path());
    return out;
  }
  std::unique_ptr<ApacheSolver> Solver() {
    return std::make_unique<ApacheSolver>(options_, fs_, apache_, http_,
                                          clock_);
  }
  // What Wait threw ("" when it did not).
  static std::string WaitError(ApacheSolver& solver) {
    try {
      solver.Wait();
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  int Count(const std::string& arg) {
    int n = 0;
    for (const auto& argv : runner_.calls()) n += FakeRunner::Has(argv, arg);
    return n;
  }

  static constexpr char kMain[] =
      "Listen 80\nIncludeOptional sites-enabled/*.conf\n";
  TempDir dir_;
  sys::PosixFilesystem fs_;
  FakeRunner runner_;
  apache::ApacheControl apache_{
      runner_, fs_, apache::ApacheCommand{"apache2ctl", dir_ / "root", ""}};
  FakeApacheHttp http_{dir_, runner_};
  FakeClock clock_;
  ApacheSolverOptions options_;
};

TEST_F(ApacheSolverTest, ServesThroughApacheThenLeavesNoTrace) {
  const auto before = Snapshot();
  auto solver = Solver();
  const auto app = Http01Task("app.example.com", "tok-1");
  const auto other =
      Http01Task("other.example.com", "tok-2");  // temporary vhost
  solver->Present(app);
  solver->Present(other);
  EXPECT_TRUE(runner_.calls().empty()) << "Present must not touch Apache";
  solver->Wait();

  // The Include comes first: the vhost's own RewriteRule [END] must not
  // answer the CA's request.
  const std::string conf = dir_ / "challenge/certpilot-challenge.conf";
  EXPECT_EQ(ReadDiskFile(dir_ / "root/sites-enabled/app.conf"),
            "<VirtualHost *:80>\n\tInclude " + conf + "\n" +
                std::string(kSite).substr(19));
  EXPECT_NE(ReadDiskFile(dir_ / "challenge/certpilot-challenge-vhosts.conf")
                .find("ServerName other.example.com"),
            std::string::npos);
  EXPECT_EQ(ReadDiskFile(dir_ / "challenge/tokens/tok-1"), "tok-1.thumbprint");
  EXPECT_TRUE(fs::exists(dir_ / "work/apache/challenge.journal/manifest"));
  EXPECT_EQ(Count("configtest"), 1);
  EXPECT_EQ(Count("graceful"), 1);
  // The self-check asked Apache itself, with the name in Host.
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(http_.requests[0].url,
            "http://127.0.0.1:80/.well-known/acme-challenge/tok-1");
  EXPECT_EQ(http_.requests[0].headers,
            (http::Headers{{"Host", "app.example.com"}}));
  EXPECT_EQ(http_.requests[1].headers,
            (http::Headers{{"Host", "other.example.com"}}));

  // A further token of a name already served: its file, no reload.
  const auto again = Http01Task("app.example.com", "tok-3");
  solver->Present(again);
  solver->Wait();
  EXPECT_EQ(Count("graceful"), 1);
  EXPECT_EQ(ReadDiskFile(dir_ / "challenge/tokens/tok-3"), "tok-3.thumbprint");

  solver->CleanUp(other);
  solver->CleanUp(app);
  EXPECT_NE(ReadDiskFile(dir_ / "root/sites-enabled/app.conf"), kSite);
  solver->CleanUp(again);         // the last one: everything goes back
  EXPECT_EQ(Snapshot(), before);  // byte for byte; the journal is gone too
  EXPECT_EQ(Count("graceful"), 2);
}

TEST_F(ApacheSolverTest, ARejectedConfigurationIsRestoredAtOnce) {
  const auto before = Snapshot();
  ScriptApache(1);
  auto solver = Solver();
  const auto app = Http01Task("app.example.com", "tok-1");
  solver->Present(app);
  const std::string what = WaitError(*solver);
  EXPECT_NE(what.find("AH00526: refused"), std::string::npos) << what;
  // Apache was reloaded once, after every file was back to its bytes
  // (apache_solver.h), and never asked to serve anything.
  EXPECT_EQ(Count("graceful"), 1);
  EXPECT_TRUE(http_.requests.empty());
  EXPECT_EQ(ReadDiskFile(dir_ / "root/sites-enabled/app.conf"), kSite);
  solver->CleanUp(app);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(ApacheSolverTest, NotServedMeansTheCaIsNeverAskedAndFilesAreRestored) {
  const auto before = Snapshot();
  http_.broken = true;
  auto solver = Solver();
  const auto app = Http01Task("app.example.com", "tok-1");
  solver->Present(app);
  const std::string what = WaitError(*solver);
  EXPECT_NE(
      what.find(
          "Apache does not serve the challenge response for app.example.com"),
      std::string::npos)
      << what;
  EXPECT_NE(what.find("the CA was not asked to validate"), std::string::npos)
      << what;
  EXPECT_NE(what.find("sites-enabled/app.conf:1"), std::string::npos) << what;
  EXPECT_GT(http_.requests.size(), 1u);  // it polled
  solver->CleanUp(app);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Count("graceful"), 2);
}

TEST_F(ApacheSolverTest, UnsafeValuesAreRefusedAtPresent) {
  auto solver = Solver();
  auto bad = Http01Task("app.example.com", "tok-1");
  bad.key_authorization = "tok-1.x\nInclude /etc/shadow";
  EXPECT_THROW(solver->Present(bad), UsageError);
  EXPECT_THROW(solver->Present(Http01Task("${APACHE_RUN_DIR}", "tok-2")),
               UsageError);
  solver->Wait();  // nothing queued: nothing happens
  EXPECT_TRUE(runner_.calls().empty());
}

}  // namespace
}  // namespace certpilot::solvers
