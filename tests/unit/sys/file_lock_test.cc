#include "sys/file_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "support/temp_dir.h"

namespace certpilot::sys {
namespace {

using namespace std::chrono_literals;
using testing::ModeOf;
using testing::ScopedUmask;
using testing::TempDir;

constexpr char kBusy[] = "another certpilot is already running";

FileLock Exclusive(const std::string& path,
                   std::chrono::milliseconds wait = 0ms) {
  return FileLock(path, LockMode::kExclusive, wait, kBusy);
}

std::string Contents(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(FileLockTest, SecondAcquireFailsNamingTheHolder) {
  TempDir tmp;
  const std::string path = tmp / "x.lock";
  FileLock first = Exclusive(path);
  EXPECT_EQ(first.path(), path);
  try {
    FileLock second(path, LockMode::kExclusive, 0ms, kBusy, "; advice");
    FAIL() << "expected LockBusyError";
  } catch (const LockBusyError& e) {
    EXPECT_EQ(e.holder_pid(), ::getpid());
    EXPECT_EQ(e.error_code(), EWOULDBLOCK);
    EXPECT_EQ(std::string(e.what()), std::string(kBusy) + " (pid " +
                                         std::to_string(::getpid()) +
                                         " holds " + path + "); advice");
  }
}

TEST(FileLockTest, AnotherProcessIsRefusedToo) {
  TempDir tmp;
  const std::string path = tmp / "x.lock";
  FileLock held = Exclusive(path);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 1;
    try {
      FileLock lock = Exclusive(path);
      code = 2;  // acquired: wrong
    } catch (const LockBusyError& e) {
      code = e.holder_pid() == ::getppid() ? 0 : 3;
    } catch (...) {
      code = 4;
    }
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(FileLockTest, SharedHoldersCoexistAndKeepExclusiveOut) {
  TempDir tmp;
  const std::string path = tmp / "tree.lock";
  {
    FileLock a(path, LockMode::kShared, 0ms, kBusy);
    FileLock b(path, LockMode::kShared, 0ms, kBusy);
    EXPECT_EQ(Contents(path), "");  // shared holders record no pid
    try {
      FileLock x = Exclusive(path);
      FAIL() << "expected LockBusyError";
    } catch (const LockBusyError& e) {
      EXPECT_EQ(e.holder_pid(), 0);
      EXPECT_NE(std::string(e.what()).find("(pid unknown holds "),
                std::string::npos);
    }
  }
  FileLock x = Exclusive(path);
  EXPECT_EQ(Contents(path), std::to_string(::getpid()) + "\n");
  EXPECT_THROW(FileLock(path, LockMode::kShared, 0ms, kBusy), LockBusyError);
}

// --lock-wait: a lock released while we wait is taken; one that stays held
// is reported after the wait. The holder releases on a signal from the
// waiter's side (a pipe), never after a guessed time.
TEST(FileLockTest, WaitsForALockReleasedMeanwhile) {
  TempDir tmp;
  const std::string path = tmp / "x.lock";
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  auto held = std::make_unique<FileLock>(Exclusive(path));
  std::thread releaser([&] {
    char c;
    if (::read(go[0], &c, 1) == 1) held.reset();
  });
  // Nothing is written yet: the first tries fail, then the release comes.
  std::thread starter([&] { (void)!::write(go[1], "x", 1); });
  FileLock waited = Exclusive(path, std::chrono::minutes(10));
  starter.join();
  releaser.join();
  EXPECT_EQ(Contents(path), std::to_string(::getpid()) + "\n");
  ::close(go[0]);
  ::close(go[1]);
}

TEST(FileLockTest, GivesUpAfterTheWait) {
  TempDir tmp;
  const std::string path = tmp / "x.lock";
  FileLock held = Exclusive(path);
  EXPECT_THROW(Exclusive(path, 120ms), LockBusyError);
}

TEST(FileLockTest, ReleasedOnDestructionAndMove) {
  TempDir tmp;
  const std::string path = tmp / "x.lock";
  {
    FileLock lock = Exclusive(path);
    FileLock moved(std::move(lock));
    EXPECT_THROW(Exclusive(path), LockBusyError);
  }
  FileLock again = Exclusive(path);  // free once both are gone
}

TEST(FileLockTest, LockFileIsCreated0600UnderAnyUmask) {
  TempDir tmp;
  ScopedUmask umask(0);
  FileLock lock = Exclusive(tmp / "x.lock");
  EXPECT_EQ(ModeOf(tmp / "x.lock"), 0600u);
}

TEST(FileLockTest, MissingDirectoryAndUnknownHolder) {
  TempDir tmp;
  EXPECT_THROW(Exclusive(tmp / "absent/x.lock"), SysError);
  LockBusyError e("/x/.certpilot.lock", 0, kBusy);
  EXPECT_EQ(std::string(e.what()),
            "another certpilot is already running (pid unknown holds "
            "/x/.certpilot.lock)");
}

}  // namespace
}  // namespace certpilot::sys
