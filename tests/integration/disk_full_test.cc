// Fault class "full disk and I/O errors": `certpilot renew
// --force-renewal` against the real Pebble when the disk fills up or fails.
//  - ENOSPC or EIO, injected by strace, on the write, fsync or creation of
//    each archive file: exit 1 naming the cause and the file, nothing of
//    the new version left behind, the invariant of support/strace_renewal.h
//    holds, and the next run renews with a complete version;
//  - ENOSPC (EIO for fsync too) at every call of every syscall that
//    changes the disk, for every call the run reaches: the run fails
//    cleanly or succeeds, the invariant holds, the next run completes and
//    never promotes a partial version. Not write(2): most of a renew's
//    writes go to pipes and sockets, where ENOSPC and EIO cannot happen
//    (and the HTTP-01 responder's wake-up pipe is not built for them);
//    writes to files are covered by path above and, with a real ENOSPC on
//    every one of them, by the tmpfs below;
//  - a genuinely full tmpfs as the config dir, with 0, 1, 2, ... pages
//    free until the renewal fits: the same.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <tuple>

#include "support/pebble_fixture.h"
#include "support/shared_pebble.h"
#include "support/strace_inject.h"
#include "support/strace_renewal.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxCalls = 400;

std::string ErrnoText(const std::string& name) {
  return name == "ENOSPC" ? "No space left on device" : "Input/output error";
}

// True if some line of `text` contains `first` and, after it, `then`.
bool HasLine(const std::string& text, const std::string& first,
             const std::string& then) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    size_t at = line.find(first);
    if (at != std::string::npos &&
        line.find(then, at + first.size()) != std::string::npos)
      return true;
  }
  return false;
}

class DiskFullTest : public SharedPebbleTest<3600> {
 protected:
};

// ---- the archive files, one by one -----------------------------------------

class ArchiveFileFaultTest
    : public DiskFullTest,
      public ::testing::WithParamInterface<
          std::tuple<std::string, std::string, std::string>> {};

TEST_P(ArchiveFileFaultTest, FailsNamingTheFileAndLeavesNothingBehind) {
  const auto [kind, syscall, error] = GetParam();
  FaultyRenewal lineage(*pebble_, "archive.example.com");
  ASSERT_EQ(lineage.Issue(), "");
  const FaultyRenewal::Snapshot before = lineage.Take();
  const std::string file = kind + std::to_string(before.version + 1) + ".pem";
  const std::string path =
      fs::canonical(lineage.archive_dir()).string() + "/" + file;

  StraceRun run = RunUnderStrace(lineage.RenewArgv(),
                                 {syscall, "error=" + error, 1, {path}},
                                 lineage.RenewEnv("faulted"));
  ASSERT_FALSE(run.timed_out) << run.result.Describe();
  ASSERT_TRUE(run.injected()) << "no " << syscall << " on " << path << "\n"
                              << run.result.Describe();
  EXPECT_EQ(run.result.exit_code, 1) << run.result.Describe();
  // One line on stderr names the lineage, the step, the file and the cause:
  // "error: renewal of NAME failed: saving version 2 of NAME: writing
  // …/archive/NAME/cert2.pem: No space left on device".
  const std::string step = syscall == "write"   ? "writing "
                           : syscall == "fsync" ? "syncing "
                                                : "creating ";
  EXPECT_TRUE(HasLine(run.result.err,
                      "renewal of " + lineage.name() + " failed: ",
                      step + path + ": " + ErrnoText(error)))
      << run.result.Describe();
  EXPECT_EQ(run.result.out.find(ErrnoText(error)), std::string::npos)
      << "the error belongs on stderr: " << run.result.Describe();
  EXPECT_EQ(lineage.CheckInvariant(before), "");
  EXPECT_EQ(lineage.cli().Version(lineage.name()), before.version);
  EXPECT_EQ(lineage.HookRuns("faulted"), 0);
  for (const char* k : {"cert", "chain", "fullchain", "privkey"}) {
    std::string leftover = lineage.archive_dir() + "/" + k +
                           std::to_string(before.version + 1) + ".pem";
    EXPECT_FALSE(fs::exists(leftover)) << leftover << " was left behind";
  }
  EXPECT_EQ(lineage.RecoverAndCheck(before, "next"), "");
}

INSTANTIATE_TEST_SUITE_P(
    Files, ArchiveFileFaultTest,
    ::testing::Combine(::testing::Values("cert", "chain", "fullchain",
                                         "privkey"),
                       ::testing::Values("write", "fsync", "openat"),
                       ::testing::Values("ENOSPC", "EIO")),
    [](const auto& p) {
      return std::get<0>(p.param) + "_" + std::get<1>(p.param) + "_" +
             std::get<2>(p.param);
    });

// ---- every call of every mutating syscall
// ------------------------------------

std::tuple<std::string, std::string> Pair(const char* syscall,
                                          const char* error) {
  return {syscall, error};
}

class ErrorAtEveryCallTest : public DiskFullTest,
                             public ::testing::WithParamInterface<
                                 std::tuple<std::string, std::string>> {};

TEST_P(ErrorAtEveryCallTest, TheRunFailsCleanlyAndTheNextCompletes) {
  const auto [syscall, error] = GetParam();
  FaultyRenewal lineage(*pebble_, "enospc.example.com");
  ASSERT_EQ(lineage.Issue(), "");
  int failures = 0, injected = 0;
  for (int k = 1;; ++k) {
    ASSERT_LE(k, kMaxCalls) << syscall << " is still reached at call " << k;
    SCOPED_TRACE(syscall + " call " + std::to_string(k) + " → " + error);
    const FaultyRenewal::Snapshot before = lineage.Take();
    const std::string tag = syscall + "-" + std::to_string(k);
    StraceRun run =
        RunUnderStrace(lineage.RenewArgv(), {syscall, "error=" + error, k, {}},
                       lineage.RenewEnv(tag));
    ASSERT_FALSE(run.timed_out) << run.result.Describe();
    if (!run.injected()) {
      EXPECT_EQ(run.result.exit_code, 0) << run.result.Describe();
      EXPECT_EQ(lineage.HookRuns(tag), 1);
      EXPECT_EQ(lineage.CheckInvariant(before), "");
      break;
    }
    ++injected;
    const RunResult& r = run.result;
    // The dynamic loader opening a library fails before certpilot runs.
    const bool loader =
        r.exit_code == 127 &&
        r.err.find("error while loading shared libraries") != std::string::npos;
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1 || loader) << r.Describe();
    ASSERT_EQ(lineage.CheckInvariant(before), "") << r.Describe() << "\n"
                                                  << run.trace;
    if (r.exit_code == 0) {
      // The failed call did not matter (a library's optional file, a
      // clean-up after the commit): then the renewal really happened.
      EXPECT_GT(lineage.cli().Version(lineage.name()), before.version)
          << run.trace;
      EXPECT_EQ(lineage.HookRuns(tag), 1) << run.trace;
    } else {
      ++failures;
      EXPECT_LE(lineage.HookRuns(tag), 1);
      // (d): the message says what failed — with the errno text, except for
      // openat: libcurl reports a CA bundle it could not open as "error
      // setting certificate file: PATH" without the cause.
      if (syscall != "openat") {
        EXPECT_TRUE(HasLine(r.err, "error: ", ": " + ErrnoText(error)))
            << r.Describe() << "\n"
            << run.trace;
      } else {
        EXPECT_TRUE(HasLine(r.err, "error: ", "")) << r.Describe() << "\n"
                                                   << run.trace;
      }
    }
    ASSERT_EQ(lineage.RecoverAndCheck(before, tag + "-next"), "") << run.trace;
  }
  EXPECT_GT(injected, 0) << "a renew never calls " << syscall;
  std::printf("%s → %s: injected at each of %d calls, %d runs failed\n",
              syscall.c_str(), error.c_str(), injected, failures);
}

INSTANTIATE_TEST_SUITE_P(
    Syscalls, ErrorAtEveryCallTest,
    ::testing::Values(Pair("fsync", "ENOSPC"), Pair("fsync", "EIO"),
                      Pair("rename", "ENOSPC"), Pair("renameat2", "ENOSPC"),
                      Pair("symlink", "ENOSPC"), Pair("link", "ENOSPC"),
                      Pair("mkdir", "ENOSPC"), Pair("openat", "ENOSPC"),
                      Pair("pwrite64", "ENOSPC"), Pair("ftruncate", "EIO"),
                      Pair("unlink", "EIO"), Pair("rmdir", "EIO")),
    [](const auto& p) {
      return std::get<0>(p.param) + "_" + std::get<1>(p.param);
    });

// A due lineage whose preparation fails (the solver, or LoadAccount: the
// account files cannot be read) says why on stderr.
TEST_F(DiskFullTest, AnUnreadableAccountIsReported) {
  FaultyRenewal lineage(*pebble_, "account.example.com");
  ASSERT_EQ(lineage.Issue(), "");
  std::string key;
  for (const auto& e :
       fs::recursive_directory_iterator(lineage.cli().config() + "/accounts"))
    if (e.path().filename() == "private_key.json")
      key = fs::canonical(e.path()).string();
  ASSERT_NE(key, "");
  StraceRun run =
      RunUnderStrace(lineage.RenewArgv(), {"openat", "error=EIO", 1, {key}},
                     lineage.RenewEnv("faulted"));
  ASSERT_TRUE(run.injected()) << run.result.Describe();
  EXPECT_EQ(run.result.exit_code, 1) << run.result.Describe();
  EXPECT_TRUE(HasLine(run.result.err, "account.example.com",
                      key + ": Input/output error"))
      << run.result.Describe();
}

// ---- a genuinely full tmpfs
// ---------------------------------------------------

// A tmpfs mounted at `dir` in a mount namespace private to this thread (and
// the processes it starts): nothing is visible to, or left behind for, the
// rest of the system. Needs CAP_SYS_ADMIN (root, or a container that has it).
// In a chroot whose root is not a mount point (debootstrap), propagation
// cannot be changed from inside (EINVAL): there the mount may also be seen
// outside while the test runs, and the destructor's unmount removes it there
// too.
class PrivateTmpfs {
 public:
  PrivateTmpfs(const std::string& dir, size_t bytes) : dir_(dir) {
    if (unshare(CLONE_NEWNS) != 0) {
      error_ = std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
    } else if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) !=
                   0 &&
               errno != EINVAL) {
      error_ = std::string("making / private: ") + std::strerror(errno);
    } else if (mount(
                   "tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                   ("size=" + std::to_string(bytes) + ",mode=0755").c_str()) !=
               0) {
      error_ = "mounting a tmpfs at " + dir + ": " + std::strerror(errno);
    } else {
      mounted_ = true;
    }
  }
  ~PrivateTmpfs() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  }
  // "" when mounted.
  const std::string& error() const { return error_; }

 private:
  std::string dir_, error_;
  bool mounted_ = false;
};

// Fills the filesystem of `dir` with `dir`/filler until exactly
// `free_pages` pages are free; "" or what went wrong.
std::string FillLeaving(const std::string& dir, int free_pages) {
  const std::string filler = dir + "/filler";
  unlink(filler.c_str());
  int fd = open(filler.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return std::string("creating the filler: ") + std::strerror(errno);
  static const std::string chunk(4096, 'x');
  off_t size = 0;
  for (;;) {
    ssize_t n = write(fd, chunk.data(), chunk.size());
    if (n <= 0) break;
    size += n;
  }
  const off_t page = 4096;
  size = size / page * page - free_pages * page;
  if (size < 0 || ftruncate(fd, size) != 0) {
    close(fd);
    return "the filesystem is too small to leave " +
           std::to_string(free_pages) + " pages";
  }
  close(fd);
  struct statvfs st;
  if (statvfs(dir.c_str(), &st) != 0)
    return std::string("statvfs: ") + std::strerror(errno);
  const unsigned long long free_bytes = st.f_bavail * st.f_frsize;
  if (free_bytes != static_cast<unsigned long long>(free_pages * page))
    return std::to_string(free_bytes) + " bytes free, wanted " +
           std::to_string(free_pages * page);
  return "";
}

TEST_F(DiskFullTest, AFullTmpfsConfigDirFailsCleanlyUntilTheRenewalFits) {
  FaultyRenewal lineage(*pebble_, "tmpfs.example.com");
  const std::string config = lineage.cli().config();
  fs::create_directories(config);
  PrivateTmpfs tmpfs(config, 1 << 20);
  ASSERT_EQ(tmpfs.error(), "")
      << "this test needs CAP_SYS_ADMIN (root) to mount a tmpfs";
  ASSERT_EQ(lineage.Issue(), "");

  int free_pages = 0;
  for (;; ++free_pages) {
    ASSERT_LE(free_pages, 64) << "the renewal never fit";
    SCOPED_TRACE(std::to_string(free_pages) + " pages free");
    ASSERT_EQ(FillLeaving(config, free_pages), "");
    const FaultyRenewal::Snapshot before = lineage.Take();
    const std::string tag = "free-" + std::to_string(free_pages);
    RunResult r = RunProgram(lineage.RenewArgv(), lineage.RenewEnv(tag));
    if (r.exit_code == 0) {
      EXPECT_EQ(lineage.CheckInvariant(before), "");
      EXPECT_EQ(lineage.HookRuns(tag), 1);
      break;
    }
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_NE((r.out + r.err).find(": No space left on device"),
              std::string::npos)
        << r.Describe();
    ASSERT_EQ(lineage.CheckInvariant(before), "") << r.Describe();
    EXPECT_EQ(lineage.HookRuns(tag), 0);
    ASSERT_EQ(unlink((config + "/filler").c_str()), 0);
    ASSERT_EQ(lineage.RecoverAndCheck(before, tag + "-next"), "")
        << r.Describe();
  }
  // Each of the four archive files needs a page of its own.
  EXPECT_GE(free_pages, 4);
  std::printf("the renewal failed cleanly with 0 to %d pages free\n",
              free_pages - 1);
}

}  // namespace
}  // namespace certpilot::testing
