#include "sys/dir_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "support/temp_dir.h"

namespace certpilot::sys {
namespace {

using testing::ModeOf;
using testing::ScopedUmask;
using testing::TempDir;

TEST(DirLockTest, SecondAcquireFailsNamingTheHolder) {
  TempDir tmp;
  DirLock first(tmp.path());
  const std::string lock_path = tmp / ".certpilot.lock";
  EXPECT_EQ(first.path(), lock_path);
  try {
    DirLock second(tmp.path());  // a second open file description
    FAIL() << "expected LockBusyError";
  } catch (const LockBusyError& e) {
    EXPECT_EQ(e.holder_pid(), ::getpid());
    EXPECT_EQ(e.error_code(), EWOULDBLOCK);
    EXPECT_EQ(std::string(e.what()),
              "another certpilot is already running (pid " +
                  std::to_string(::getpid()) + " holds " + lock_path + ")");
  }
}

TEST(DirLockTest, AnotherProcessIsRefusedToo) {
  TempDir tmp;
  DirLock held(tmp.path());
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 1;
    try {
      DirLock lock(tmp.path());
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

TEST(DirLockTest, ReleasedOnDestructionAndMove) {
  TempDir tmp;
  {
    DirLock lock(tmp.path());
    DirLock moved(std::move(lock));
    EXPECT_THROW(DirLock again(tmp.path()), LockBusyError);
  }
  DirLock again(tmp.path());  // free once both are gone
  std::ifstream in(tmp / ".certpilot.lock");
  pid_t pid = 0;
  in >> pid;
  EXPECT_EQ(pid, ::getpid());
}

TEST(DirLockTest, LockFileIsCreated0600UnderAnyUmask) {
  TempDir tmp;
  ScopedUmask umask(0);
  DirLock lock(tmp.path());
  EXPECT_EQ(ModeOf(tmp / ".certpilot.lock"), 0600u);
}

TEST(DirLockTest, UnknownHolderAndMissingDirectory) {
  TempDir tmp;
  EXPECT_THROW(DirLock(tmp / "absent"), SysError);
  LockBusyError e("/x/.certpilot.lock", 0);
  EXPECT_EQ(std::string(e.what()),
            "another certpilot is already running (pid unknown holds "
            "/x/.certpilot.lock)");
}

}  // namespace
}  // namespace certpilot::sys
