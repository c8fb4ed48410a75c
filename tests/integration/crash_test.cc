// Fault class "crash at every step": `certpilot renew
// --force-renewal` against the real Pebble, SIGKILLed by strace at the k-th
// call of a syscall, for every k the run reaches (the sweep ends at the
// first k at which no tracee gets that far). After each kill the invariant
// of support/strace_renewal.h must hold, and the next run must complete
// the renewal and run the deploy hook exactly once.
//
// The syscalls are those a renew makes that change something on disk
// (checked with strace -f -c: the archive files are openat(O_CREAT|O_EXCL)
// + fchmod + write + fsync; the switch is mkdir, symlink, link, fsync,
// renameat2(RENAME_EXCHANGE); the clean-up unlink + rmdir; the renewal conf
// write + fsync + rename; the lock file ftruncate + pwrite64), plus every
// write (stdout, stderr, sockets) and every openat.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "support/pebble_fixture.h"
#include "support/shared_pebble.h"
#include "support/strace_inject.h"
#include "support/strace_renewal.h"

namespace certpilot::testing {
namespace {

// A renew makes a few dozen calls of each; far more means the sweep is not
// converging (a run that loops), which is a failure of its own.
constexpr int kMaxCalls = 400;

class CrashTest : public SharedPebbleTest<3600> {
 protected:
  // The sweep: renews `lineage` under strace, killed at call k of `syscall`
  // for k = 1, 2, ... until a run no longer reaches call k, checking the
  // invariant and the next run after each kill. Adds the number of kills to
  // *kills.
  static void KillAtEveryCall(FaultyRenewal& lineage,
                              const std::string& syscall, int* kills) {
    for (int k = 1;; ++k) {
      ASSERT_LE(k, kMaxCalls) << syscall << " is still reached at call " << k;
      SCOPED_TRACE(syscall + " call " + std::to_string(k));
      const FaultyRenewal::Snapshot before = lineage.Take();
      const std::string tag =
          lineage.name() + "-" + syscall + "-" + std::to_string(k);
      StraceRun run = RunUnderStrace(lineage.RenewArgv(),
                                     {syscall, "signal=SIGKILL", k, {}},
                                     lineage.RenewEnv(tag));
      ASSERT_FALSE(run.timed_out) << run.result.Describe();
      if (!run.injected()) {
        // Past the last call: the run must have been a normal, complete one.
        EXPECT_EQ(run.result.exit_code, 0) << run.result.Describe();
        EXPECT_EQ(lineage.CheckInvariant(before), "");
        EXPECT_GT(lineage.cli().Version(lineage.name()), before.version);
        EXPECT_EQ(lineage.HookRuns(tag), 1);
        return;
      }
      ++*kills;
      // certpilot itself (128 + SIGKILL) or, for calls its hook makes, only
      // the hook: then certpilot reports the failed hook.
      EXPECT_TRUE(run.result.exit_code == 137 || run.result.exit_code == 1)
          << run.result.Describe() << "\n"
          << run.trace;
      ASSERT_EQ(lineage.CheckInvariant(before), "") << run.trace;
      EXPECT_LE(lineage.HookRuns(tag), 1);
      ASSERT_EQ(lineage.RecoverAndCheck(before, tag + "-next"), "")
          << run.trace;
    }
  }
};

class KillAtEveryCallTest : public CrashTest,
                            public ::testing::WithParamInterface<std::string> {
};

TEST_P(KillAtEveryCallTest, KeepsTheLineageAndTheNextRunCompletes) {
  const std::string syscall = GetParam();
  FaultyRenewal lineage(*pebble_, "crash.example.com");
  ASSERT_EQ(lineage.Issue(), "");
  int kills = 0;
  KillAtEveryCall(lineage, syscall, &kills);
  // The sweep really killed something: a renew that never makes this call
  // means the list above is stale.
  EXPECT_GT(kills, 0) << "a renew never calls " << syscall;
  RecordProperty("calls", kills);
  std::printf("%s: killed at each of %d calls\n", syscall.c_str(), kills);
}

// LineageStore's fallback for filesystems without RENAME_EXCHANGE (NFS,
// older ZFS): the four links are renamed over the old ones one by one. A
// kill between two renames may leave them at different versions, but each
// names a complete, verified file, and the next run (on the same kind of
// filesystem) repairs the lineage.
TEST_F(CrashTest, WithoutRenameExchangeEachLinkStaysValidAndTheNextRunRepairs) {
  const std::vector<std::string> no_exchange{"renameat2:error=EINVAL"};
  FaultyRenewal lineage(*pebble_, "fallback.example.com");
  ASSERT_EQ(lineage.Issue(), "");
  int kills = 0;
  for (int k = 1;; ++k) {
    ASSERT_LE(k, kMaxCalls);
    SCOPED_TRACE("rename call " + std::to_string(k));
    const FaultyRenewal::Snapshot before = lineage.Take();
    const std::string tag = "fallback-" + std::to_string(k);
    StraceRun run = RunUnderStrace(
        lineage.RenewArgv(), {"rename", "signal=SIGKILL", k, {}, no_exchange},
        lineage.RenewEnv(tag));
    ASSERT_FALSE(run.timed_out) << run.result.Describe();
    ASSERT_GT(run.errors_injected, 0) << "renameat2 was never tried\n"
                                      << run.trace;
    if (run.killed == 0) {
      EXPECT_EQ(run.result.exit_code, 0) << run.result.Describe();
      EXPECT_EQ(lineage.CheckInvariant(before), "");
      break;
    }
    ++kills;
    ASSERT_EQ(
        lineage.CheckInvariant(before, FaultyRenewal::Links::kEachLinkComplete),
        "")
        << run.trace;
    ASSERT_EQ(lineage.RecoverAndCheck(before, tag + "-next", no_exchange), "")
        << run.trace;
  }
  // Four link renames and the renewal conf's.
  EXPECT_GE(kills, 4);
  std::printf("rename without RENAME_EXCHANGE: killed at each of %d calls\n",
              kills);
}

// The same sweep for a lineage with a PKCS#12 keystore (--pkcs12-path),
// over the calls that write it: its temporary file is created (openat,
// fchown, fchmod), written, fsynced and renamed over the old one, the
// directory fsynced, a crash's leftover unlinked. After each kill the
// keystore loads and holds the old or the new certificate; the next run
// leaves it holding the live one.
class KeystoreKillAtEveryCallTest
    : public CrashTest,
      public ::testing::WithParamInterface<std::string> {};

TEST_P(KeystoreKillAtEveryCallTest, KeepsTheOldOrTheNewKeystore) {
  const std::string syscall = GetParam();
  FaultyRenewal lineage(*pebble_, "keystore.example.com",
                        FaultyRenewal::Keystore::kYes);
  ASSERT_EQ(lineage.Issue(), "");
  int kills = 0;
  KillAtEveryCall(lineage, syscall, &kills);
  EXPECT_GT(kills, 0) << "a renew never calls " << syscall;
  std::printf("%s with a keystore: killed at each of %d calls\n",
              syscall.c_str(), kills);
}

INSTANTIATE_TEST_SUITE_P(Syscalls, KeystoreKillAtEveryCallTest,
                         ::testing::Values("openat", "fchown", "fchmod",
                                           "write", "fsync", "rename",
                                           "unlink"),
                         [](const auto& p) { return p.param; });

INSTANTIATE_TEST_SUITE_P(Syscalls, KillAtEveryCallTest,
                         ::testing::Values("write", "pwrite64", "fsync",
                                           "rename", "renameat2", "symlink",
                                           "link", "unlink", "mkdir", "rmdir",
                                           "openat", "fchmod", "ftruncate"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace certpilot::testing
