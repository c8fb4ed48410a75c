// The nginx authenticator (solvers/nginx_solver.h) on a real temp dir with a
// scripted nginx: responses go in, nginx is tested and reloaded, the
// self-check happens before Wait returns, and every trace goes away —
// also after a crash, recovered by the next run.
#include "solvers/nginx_solver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "app/wiring/nginx_setup.h"
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
    "server {\n"
    "    listen 80;\n"
    "    server_name app.example.com;\n"
    "    location / { proxy_pass http://127.0.0.1:8080; }\n"
    "}\n";

// Plays nginx on the HTTP port: serves a token's key authorization when the
// files on disk hold it and nginx was reloaded since they changed.
class FakeNginxHttp : public http::HttpClient {
 public:
  FakeNginxHttp(const TempDir& dir, FakeRunner& runner)
      : dir_(dir), runner_(runner) {}
  http::Response Do(const http::Request& req) override {
    requests.push_back(req);
    http::Response r;
    r.status = 404;
    if (broken) return r;
    bool reloaded = false;
    for (const auto& argv : runner_.calls())
      reloaded = reloaded || FakeRunner::Has(argv, "reload");
    const std::string token = req.url.substr(req.url.rfind('/') + 1);
    std::string all;
    for (const auto& e : fs::recursive_directory_iterator(dir_.path()))
      if (e.is_regular_file() && e.path().extension() == ".conf")
        all += ReadDiskFile(e.path());
    const size_t at = all.find("acme-challenge/" + token + " {");
    if (reloaded && at != std::string::npos) {
      const size_t q = all.find("return 200 \"", at) + 12;
      r.status = 200;
      r.body = all.substr(q, all.find('"', q) - q);
    }
    return r;
  }
  std::vector<http::Request> requests;
  bool broken = false;

 private:
  const TempDir& dir_;
  FakeRunner& runner_;
};

class NginxSolverTest : public ::testing::Test {
 protected:
  NginxSolverTest() {
    fs_.MakeDirs(dir_ / "root/sites-enabled", 0755);
    fs_.CreateFileExclusive(dir_ / "root/nginx.conf", kMain, 0644,
                            std::nullopt);
    fs_.CreateFileExclusive(dir_ / "root/sites-enabled/app.conf", kSite, 0644,
                            std::nullopt);
    options_.server_root = dir_ / "root";
    options_.state_dir = dir_ / "work/nginx";
  }
  std::map<std::string, std::string> Snapshot() {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_.path()))
      if (e.is_regular_file()) out[e.path().string()] = ReadDiskFile(e.path());
    return out;
  }
  std::unique_ptr<NginxSolver> Solver() {
    return std::make_unique<NginxSolver>(options_, fs_, nginx_, http_, clock_);
  }
  int Reloads() {
    int n = 0;
    for (const auto& argv : runner_.calls())
      n += FakeRunner::Has(argv, "reload");
    return n;
  }

  // `pid` names no file: no real nginx in /proc is ever waited for.
  static constexpr char kMain[] =
      "pid /nonexistent/certpilot-test.pid;\nevents {}\nhttp {\n    include "
      "sites-enabled/*.conf;\n}\n";
  TempDir dir_;
  sys::PosixFilesystem fs_;
  FakeRunner runner_;
  nginx::NginxControl nginx_{runner_, "nginx", dir_ / "root/nginx.conf"};
  FakeNginxHttp http_{dir_, runner_};
  FakeClock clock_;
  NginxSolverOptions options_;
};

TEST_F(NginxSolverTest, ServesThroughNginxThenLeavesNoTrace) {
  const auto before = Snapshot();
  auto solver = Solver();
  const auto app = Http01Task("app.example.com", "tok-1");
  const auto other =
      Http01Task("other.example.com", "tok-2");  // no block: temporary server
  solver->Present(app);
  solver->Present(other);
  EXPECT_TRUE(runner_.calls().empty()) << "Present must not touch nginx";
  solver->Wait();

  const std::string site = ReadDiskFile(dir_ / "root/sites-enabled/app.conf");
  EXPECT_NE(site.find("location = /.well-known/acme-challenge/tok-1 {"),
            std::string::npos)
      << site;
  EXPECT_NE(ReadDiskFile(dir_ / "root/nginx.conf")
                .find("challenge-servers.conf; # managed by certpilot"),
            std::string::npos);
  EXPECT_NE(ReadDiskFile(dir_ / "work/nginx/challenge-servers.conf")
                .find("server_name other.example.com;"),
            std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ / "work/nginx/challenge.journal/manifest"));
  const std::string conf = dir_ / "root/nginx.conf";
  EXPECT_EQ(
      runner_.Commands(),
      (std::vector<std::string>{"-t -c " + conf, "-c " + conf + " -s reload"}));
  // The self-check asked nginx itself, with the name in Host.
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(http_.requests[0].url,
            "http://127.0.0.1:80/.well-known/acme-challenge/tok-1");
  EXPECT_EQ(http_.requests[0].headers,
            (http::Headers{{"Host", "app.example.com"}}));
  EXPECT_EQ(http_.requests[1].headers,
            (http::Headers{{"Host", "other.example.com"}}));

  solver->CleanUp(other);
  EXPECT_EQ(ReadDiskFile(dir_ / "root/nginx.conf"), kMain);
  EXPECT_FALSE(fs::exists(dir_ / "work/nginx/challenge-servers.conf"));
  EXPECT_NE(ReadDiskFile(dir_ / "root/sites-enabled/app.conf").find("tok-1"),
            std::string::npos);
  solver->CleanUp(app);
  EXPECT_EQ(Snapshot(), before);  // byte for byte; the journal is gone too
  EXPECT_EQ(Reloads(), 3);
}

TEST_F(NginxSolverTest, NotServedMeansTheCaIsNeverAskedAndFilesAreRestored) {
  const auto before = Snapshot();
  http_.broken = true;
  auto solver = Solver();
  const auto app = Http01Task("app.example.com", "tok-1");
  solver->Present(app);
  try {
    solver->Wait();
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(
        what.find(
            "nginx does not serve the challenge response for app.example.com"),
        std::string::npos)
        << what;
    EXPECT_NE(what.find("answered 404"), std::string::npos) << what;
    EXPECT_NE(what.find("the CA was not asked to validate"), std::string::npos)
        << what;
    EXPECT_NE(what.find("sites-enabled/app.conf:1"), std::string::npos) << what;
  }
  EXPECT_GT(http_.requests.size(), 1u);  // it polled
  solver->CleanUp(app);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(NginxSolverTest, RejectedConfigurationIsNeverReloaded) {
  const auto before = Snapshot();
  runner_.script = [](const std::vector<std::string>& argv) {
    return FakeRunner::Has(argv, "-t")
               ? FakeRunner::Exit(1, "nginx: [emerg] nope\n")
               : FakeRunner::Exit(0, "");
  };
  auto solver = Solver();
  const auto app = Http01Task("app.example.com", "tok-1");
  solver->Present(app);
  EXPECT_THROW(solver->Wait(), nginx::NginxError);
  EXPECT_EQ(Reloads(), 0);
  EXPECT_TRUE(http_.requests.empty());
  solver->CleanUp(app);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(NginxSolverTest, UnsafeValuesAreRefusedAtPresent) {
  auto solver = Solver();
  auto bad = Http01Task("app.example.com", "tok-1");
  bad.key_authorization = "tok-1.x\"; return 200 \"pwned";
  EXPECT_THROW(solver->Present(bad), UsageError);
  EXPECT_THROW(solver->Present(Http01Task("app.example.com;", "tok-2")),
               UsageError);
  EXPECT_THROW(solver->Present(Http01Task("app.example.com", "tok/3")),
               UsageError);
  solver->Wait();  // nothing queued: nothing happens
  EXPECT_TRUE(runner_.calls().empty());
}

TEST_F(NginxSolverTest, AnInterruptedRunIsRecoveredByTheNextOne) {
  const auto before = Snapshot();
  std::map<std::string, std::string> crashed;
  {
    auto solver = Solver();
    const auto app = Http01Task("app.example.com", "tok-1");
    solver->Present(app);
    solver->Present(Http01Task("other.example.com", "tok-2"));
    solver->Wait();
    crashed = Snapshot();  // what a kill -9 right now would leave
  }
  for (const auto& [path, text] : crashed) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }
  ASSERT_NE(Snapshot(), before);
  const int reloads = Reloads();

  storage::Layout layout;
  layout.work_dir = dir_ / "work";
  app::RecoverNginxState(fs_, nginx_, layout);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Reloads(), reloads + 1);
}

TEST_F(NginxSolverTest, RecoveryKeepsAnAdminsLaterEditAndDropsOnlyOurLines) {
  std::map<std::string, std::string> crashed;
  {
    auto solver = Solver();
    solver->Present(Http01Task("app.example.com", "tok-1"));
    solver->Wait();
    crashed = Snapshot();
  }
  for (const auto& [path, text] : crashed) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }
  const std::string site = dir_ / "root/sites-enabled/app.conf";
  std::string edited = ReadDiskFile(site);
  edited.replace(edited.find("listen 80;"), 10,
                 "listen 80; # edited after the crash");
  std::ofstream(site, std::ios::binary | std::ios::trunc) << edited;

  storage::Layout layout;
  layout.work_dir = dir_ / "work";
  app::RecoverNginxState(fs_, nginx_, layout);
  std::string want = kSite;
  want.replace(want.find("listen 80;"), 10,
               "listen 80; # edited after the crash");
  EXPECT_EQ(ReadDiskFile(site), want);
  EXPECT_FALSE(fs::exists(dir_ / "work/nginx/challenge.journal"));
}

}  // namespace
}  // namespace certpilot::solvers
