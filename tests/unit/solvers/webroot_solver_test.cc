// The webroot solver on a real temporary directory: what it writes (content,
// modes whatever the umask), what it removes (only what it created), and
// symlink attacks at every component below the webroot — before Present and
// between Present and CleanUp.
#include "solvers/webroot_solver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.h"
#include "util/error.h"

namespace certpilot::solvers {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::ModeOf;
using testing::ScopedUmask;

constexpr char kToken[] = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
constexpr char kToken2[] = "Ohm6dae0ieng4aeH5thohBaiv6aixeeXo2ueh1ie8ve";

issuance::ChallengeTask Task(const std::string& name,
                             const std::string& token = kToken) {
  issuance::ChallengeTask t;
  t.identifier = {"dns", name};
  t.challenge.type = "http-01";
  t.challenge.url = "https://ca.example/chall/" + token;
  t.challenge.token = token;
  t.key_authorization = token + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
  return t;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

class WebrootSolverTest : public ::testing::Test {
 protected:
  WebrootSolverTest() {
    fs::create_directory(webroot_);
    fs::create_directory(outside_);
  }
  std::string Challenge(const std::string& token = kToken) const {
    return webroot_ + "/.well-known/acme-challenge/" + token;
  }

  testing::TempDir dir_;
  const std::string webroot_ = dir_ / "www";
  const std::string outside_ = dir_ / "outside";
};

TEST_F(WebrootSolverTest,
       WritesTheKeyAuthorizationWithFixedModesAndRemovesEverything) {
  ScopedUmask umask(077);
  WebrootSolver solver({{"example.com", webroot_}});
  EXPECT_EQ(solver.Type(), "http-01");
  auto task = Task("example.com");
  EXPECT_EQ(solver.ChallengeFilePath(task), Challenge());
  solver.Present(task);
  EXPECT_EQ(Read(Challenge()), task.key_authorization);
  EXPECT_EQ(ModeOf(Challenge()), 0644u);
  EXPECT_EQ(ModeOf(webroot_ + "/.well-known"), 0755u);
  EXPECT_EQ(ModeOf(webroot_ + "/.well-known/acme-challenge"), 0755u);
  solver.CleanUp(task);
  EXPECT_FALSE(fs::exists(webroot_ + "/.well-known"));
  EXPECT_TRUE(fs::is_empty(webroot_));
}

TEST_F(WebrootSolverTest, KeepsDirectoriesThatExistedAndTheirContents) {
  fs::create_directories(webroot_ + "/.well-known/acme-challenge");
  ::chmod((webroot_ + "/.well-known").c_str(), 0711);
  std::ofstream(webroot_ + "/.well-known/security.txt") << "contact";
  std::ofstream(webroot_ + "/.well-known/acme-challenge/other") << "x";
  WebrootSolver solver({{"example.com", webroot_}});
  auto task = Task("example.com");
  solver.Present(task);
  solver.CleanUp(task);
  EXPECT_FALSE(fs::exists(Challenge()));
  EXPECT_TRUE(fs::exists(webroot_ + "/.well-known/acme-challenge/other"));
  EXPECT_TRUE(fs::exists(webroot_ + "/.well-known/security.txt"));
  EXPECT_EQ(ModeOf(webroot_ + "/.well-known"), 0711u);
}

TEST_F(WebrootSolverTest, RemovesOnlyTheLevelItCreated) {
  fs::create_directory(webroot_ + "/.well-known");
  WebrootSolver solver({{"example.com", webroot_}});
  auto task = Task("example.com");
  solver.Present(task);
  solver.CleanUp(task);
  EXPECT_TRUE(fs::is_directory(webroot_ + "/.well-known"));
  EXPECT_FALSE(fs::exists(webroot_ + "/.well-known/acme-challenge"));
}

TEST_F(WebrootSolverTest, SharedDirectoriesGoOnlyAfterTheLastCleanUp) {
  const std::string other = dir_ / "other";
  fs::create_directory(other);
  WebrootSolver solver({{"a.example.com", webroot_},
                        {"B.Example.com.", webroot_},
                        {"c.example.com", other}});
  auto a = Task("a.example.com", kToken);
  auto b = Task("b.example.com", kToken2);
  auto c = Task("C.EXAMPLE.COM", kToken);
  c.challenge.url += "-c";  // another order, the same token by chance
  solver.Present(a);
  solver.Present(b);
  solver.Present(c);
  EXPECT_TRUE(fs::exists(Challenge(kToken)));
  EXPECT_TRUE(fs::exists(Challenge(kToken2)));
  EXPECT_TRUE(fs::exists(other + "/.well-known/acme-challenge/" + kToken));
  solver.CleanUp(a);
  EXPECT_FALSE(fs::exists(Challenge(kToken)));
  EXPECT_TRUE(fs::exists(Challenge(kToken2)));
  solver.CleanUp(b);
  solver.CleanUp(c);
  EXPECT_TRUE(fs::is_empty(webroot_));
  EXPECT_TRUE(fs::is_empty(other));
}

TEST_F(WebrootSolverTest, AWebrootGivenThroughASymlinkIsFine) {
  fs::create_directory_symlink(webroot_, dir_ / "www-link");
  WebrootSolver solver({{"example.com", dir_ / "www-link"}});
  auto task = Task("example.com");
  solver.Present(task);
  EXPECT_TRUE(fs::exists(Challenge()));
  solver.CleanUp(task);
  EXPECT_TRUE(fs::is_empty(webroot_));
}

TEST_F(WebrootSolverTest, RefusesASymlinkedWellKnown) {
  fs::create_directory_symlink(outside_, webroot_ + "/.well-known");
  WebrootSolver solver({{"example.com", webroot_}});
  auto task = Task("example.com");
  std::string message = ErrorOf([&] { solver.Present(task); });
  EXPECT_THAT(message, HasSubstr(".well-known is a symlink"));
  solver.CleanUp(task);
  EXPECT_TRUE(fs::is_empty(outside_));
  EXPECT_TRUE(fs::is_symlink(webroot_ + "/.well-known"));
}

TEST_F(WebrootSolverTest, RefusesASymlinkedAcmeChallenge) {
  fs::create_directory(webroot_ + "/.well-known");
  fs::create_directory_symlink(outside_,
                               webroot_ + "/.well-known/acme-challenge");
  WebrootSolver solver({{"example.com", webroot_}});
  auto task = Task("example.com");
  EXPECT_THAT(ErrorOf([&] { solver.Present(task); }),
              HasSubstr("acme-challenge is a symlink"));
  solver.CleanUp(task);
  EXPECT_TRUE(fs::is_empty(outside_));
  EXPECT_TRUE(fs::is_directory(webroot_ + "/.well-known"));  // was there before
}

TEST_F(WebrootSolverTest, RefusesAPlantedFileOrSymlinkAtTheTokenName) {
  fs::create_directories(webroot_ + "/.well-known/acme-challenge");
  fs::create_symlink(outside_ + "/target", Challenge());  // dangling
  WebrootSolver solver({{"example.com", webroot_}});
  auto task = Task("example.com");
  EXPECT_THAT(ErrorOf([&] { solver.Present(task); }),
              HasSubstr("exists already"));
  solver.CleanUp(task);
  EXPECT_FALSE(fs::exists(outside_ + "/target"));
  EXPECT_TRUE(fs::is_symlink(Challenge()));  // not ours: left alone
}

TEST_F(WebrootSolverTest, ASymlinkSwappedInAfterPresentIsNotFollowedByCleanUp) {
  WebrootSolver solver({{"example.com", webroot_}});
  auto task = Task("example.com");
  solver.Present(task);
  // The attacker moves our directory away and points the name at a
  // directory holding a file they want deleted, with the token's name.
  fs::rename(webroot_ + "/.well-known/acme-challenge",
             webroot_ + "/.well-known/moved");
  std::ofstream(outside_ + "/" + kToken) << "precious";
  fs::create_directory_symlink(outside_,
                               webroot_ + "/.well-known/acme-challenge");
  solver.CleanUp(task);
  EXPECT_EQ(Read(outside_ + "/" + kToken), "precious");
  EXPECT_TRUE(fs::is_symlink(webroot_ + "/.well-known/acme-challenge"));
  // Our own file, wherever it went, is gone.
  EXPECT_FALSE(fs::exists(webroot_ + "/.well-known/moved/" + kToken));
}

TEST_F(WebrootSolverTest, AReplacedChallengeFileIsLeftAlone) {
  WebrootSolver solver({{"example.com", webroot_}});
  auto task = Task("example.com");
  solver.Present(task);
  // Same name, likely the same inode number again, and the same size.
  fs::remove(Challenge());
  std::ofstream(Challenge()) << std::string(task.key_authorization.size(), 'x');
  solver.CleanUp(task);
  EXPECT_EQ(Read(Challenge()), std::string(task.key_authorization.size(), 'x'));
}

TEST_F(WebrootSolverTest, RefusesWhatIsNotADirectory) {
  std::ofstream(webroot_ + "/.well-known") << "a file";
  WebrootSolver solver({{"example.com", webroot_}});
  EXPECT_THAT(ErrorOf([&] { solver.Present(Task("example.com")); }),
              HasSubstr(".well-known is not a directory"));
}

TEST_F(WebrootSolverTest, UnknownNamesMissingWebrootsAndOddTokensAreRefused) {
  WebrootSolver solver(
      {{"example.com", webroot_}, {"gone.example.com", dir_ / "missing"}});
  EXPECT_THAT(ErrorOf([&] { solver.Present(Task("www.example.com")); }),
              HasSubstr("no webroot path for www.example.com"));
  EXPECT_THAT(ErrorOf([&] { solver.Present(Task("gone.example.com")); }),
              HasSubstr("is not an existing directory"));
  EXPECT_THAT(ErrorOf([&] { solver.Present(Task("example.com", "..")); }),
              HasSubstr("not base64url"));
  EXPECT_THAT(ErrorOf([&] { solver.Present(Task("example.com", "a/b")); }),
              HasSubstr("not base64url"));
  EXPECT_TRUE(fs::is_empty(webroot_));
}

TEST_F(WebrootSolverTest, PresentTwiceIsHarmless) {
  WebrootSolver solver({{"example.com", webroot_}});
  auto task = Task("example.com");
  solver.Present(task);
  solver.Present(task);
  solver.CleanUp(task);
  EXPECT_TRUE(fs::is_empty(webroot_));
}

}  // namespace
}  // namespace certpilot::solvers
