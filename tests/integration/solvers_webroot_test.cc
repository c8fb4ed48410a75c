// Webroot against the real Pebble CA: certpilot writes the challenge files
// into a directory that a small HTTP server serves on Pebble's validation
// port, as a site's web server would; afterwards nothing of ours is left,
// whether validation succeeded or not.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "integration/solvers_test_util.h"
#include "solvers/webroot_solver.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class SolversWebrootTest : public PebbleSuite {};

TEST_F(SolversWebrootTest, IssuesForTwoNamesServedFromTheWebroot) {
  const std::string webroot = dir_ / "www";
  fs::create_directory(webroot);
  std::ofstream(webroot + "/index.html") << "hello";
  StaticHttpServer server(webroot, pebble_->http_port());
  solvers::WebrootSolver webroot_solver(
      {{"webroot.example.com", webroot}, {"www.webroot.example.com", webroot}});
  AcmeSession session(*pebble_);
  issuance::ObtainResult result = session.Obtain(
      {"webroot.example.com", "www.webroot.example.com"}, {&webroot_solver});
  EXPECT_THAT(CertNames(result.cert_pem),
              ElementsAre("webroot.example.com", "www.webroot.example.com"));
  // The CA fetched our files; they and the directories we made are gone.
  std::vector<std::string> asked = server.requests();
  ASSERT_FALSE(asked.empty());
  for (const std::string& path : asked)
    EXPECT_THAT(path, StartsWith("/.well-known/acme-challenge/"));
  EXPECT_FALSE(fs::exists(webroot + "/.well-known"));
  EXPECT_TRUE(fs::exists(webroot + "/index.html"));
}

TEST_F(SolversWebrootTest, CleansUpWhenValidationFails) {
  const std::string webroot = dir_ / "www";
  const std::string elsewhere =
      dir_ / "served";  // the server serves another dir
  fs::create_directory(webroot);
  fs::create_directory(elsewhere);
  fs::create_directory(webroot + "/.well-known");  // exists before: stays
  StaticHttpServer server(elsewhere, pebble_->http_port());
  solvers::WebrootSolver webroot_solver({{"wrong-root.example.com", webroot}});
  AcmeSession session(*pebble_);
  try {
    session.Obtain({"wrong-root.example.com"}, {&webroot_solver});
    FAIL() << "validation should have failed";
  } catch (const issuance::ValidationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("wrong-root.example.com"));
  }
  EXPECT_TRUE(fs::is_directory(webroot + "/.well-known"));
  EXPECT_TRUE(fs::is_empty(webroot + "/.well-known"));
}

}  // namespace
}  // namespace certpilot::testing
