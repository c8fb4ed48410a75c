// Fault class "local misuse", end to end with the built binary and
// the real Pebble: concurrent runs and the lock, a lock left by a killed
// run, the umask, symlinks planted in the tree, corrupted lineages, and
// certificate names or domains that try to leave the configuration
// directory. Every wait polls with a deadline; nothing asserts a duration.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/cli_harness.h"
#include "support/pebble_fixture.h"
#include "support/run_binary.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"
#include "support/wait_for.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A FIFO that a hook blocks on (`read line < FIFO`) until Release(). The
// test keeps it open for reading and writing, so the hook's open never
// blocks and a Release() before the hook reads is not lost. Released at the
// latest by the destructor, so no run stays blocked after a failed ASSERT.
class Gate {
 public:
  explicit Gate(const std::string& path) : path_(path) {
    if (mkfifo(path.c_str(), 0600) == 0)
      fd_ = open(path.c_str(), O_RDWR | O_CLOEXEC);
  }
  ~Gate() {
    Release();
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  // Lets one waiting (or future) hook through.
  void Release() {
    if (fd_ >= 0 && !released_) released_ = write(fd_, "go\n", 3) == 3;
  }
  // A hook command that creates `mark`, then waits for Release().
  std::string HookCommand(const std::string& mark) const {
    return "echo started > " + mark + "; read line < " + path_;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool released_ = false;
};

// Every entry under `root`, symlinks not followed: relative path → type,
// mode and content (or link target).
std::map<std::string, std::string> Tree(const std::string& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st;
    if (lstat(it->path().c_str(), &st) != 0) continue;
    std::string entry = std::to_string(st.st_mode & 07777) + " ";
    if (S_ISLNK(st.st_mode)) {
      entry += "link " + fs::read_symlink(it->path()).string();
    } else if (S_ISDIR(st.st_mode)) {
      entry += "dir";
    } else if (S_ISFIFO(st.st_mode)) {
      entry += "fifo";
    } else {
      entry += "file " + ReadFileOrEmpty(it->path());
    }
    out[fs::relative(it->path(), root).string()] = entry;
  }
  return out;
}

// True if some line of `text` contains all of `parts`.
bool HasLine(const std::string& text, const std::vector<std::string>& parts) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    bool all = true;
    for (const std::string& p : parts)
      all = all && line.find(p) != std::string::npos;
    if (all) return true;
  }
  return false;
}

class LocalMisuseTest : public SharedPebbleTest<3600> {
 protected:
  void Issue(const std::string& name) {
    RunResult r = cli_.Certonly({"-d", name});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }
  RunResult Renew(std::vector<std::string> extra) {
    extra.push_back("--no-random-sleep-on-renew");
    extra.push_back("--force-renewal");
    return cli_.Run("renew", extra);
  }
  std::string LockPath(const std::string& lineage) {
    return cli_.config() + "/.certpilot.locks/" + lineage;
  }
  // The pid recorded in the lineage's lock file.
  std::string LockPid(const std::string& lineage) {
    return std::string(Trim(ReadFileOrEmpty(LockPath(lineage))));
  }
  // How many processes have the lineage's lock file open (/proc/*/fd).
  int LockFileOpeners(const std::string& lineage) {
    const fs::path target = fs::canonical(LockPath(lineage));
    int n = 0;
    std::error_code ec;
    for (const auto& p : fs::directory_iterator("/proc", ec)) {
      std::error_code fd_ec;
      for (const auto& fd : fs::directory_iterator(p.path() / "fd", fd_ec)) {
        std::error_code link_ec;
        if (fs::read_symlink(fd.path(), link_ec) == target) {
          ++n;
          break;
        }
      }
    }
    return n;
  }
  static std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
      s.remove_suffix(1);
    return s;
  }

  CliHarness cli_{*pebble_};
};

// Ten runs at once: one holds the lineage's lock (blocked in its pre-hook);
// the nine others skip that lineage — the holder renews it — naming the
// holder, exit 0, and do so while it still holds the lock (they did not
// wait). A certonly for the same name fails (exit 1) naming the holder and
// --lock-wait.
TEST_F(LocalMisuseTest, OneOfTenRunsHoldsTheLineageTheOthersSkipItAtOnce) {
  Issue("busy.example.com");
  std::future<RunResult> holder;
  std::vector<std::future<RunResult>> others;
  Gate gate(cli_.dir() / "gate");  // destroyed (released) before the futures
  ASSERT_TRUE(gate.ok());
  const std::string mark = cli_.dir() / "holding";
  holder = std::async(std::launch::async, [&] {
    return Renew({"--pre-hook", gate.HookCommand(mark)});
  });
  ASSERT_TRUE(WaitFor([&] { return fs::exists(mark); }, 60s))
      << "the first run never got going";
  const std::string pid = LockPid("busy.example.com");
  ASSERT_NE(pid, "");

  for (int i = 0; i < 9; ++i)
    others.push_back(
        std::async(std::launch::async, [&] { return Renew({"--json"}); }));
  for (auto& run : others) {
    ASSERT_EQ(run.wait_for(60s), std::future_status::ready)
        << "a second run waited for the lock";
    RunResult r = run.get();
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_TRUE(HasLine(r.err, {"busy.example.com",
                                "another certpilot is working on the "
                                "certificate busy.example.com (pid " +
                                    pid + " holds "}))
        << r.Describe();
    EXPECT_NE(r.out.find("\"busy\""), std::string::npos) << r.Describe();
  }
  RunResult certonly =
      cli_.Certonly({"-d", "busy.example.com", "--force-renewal"});
  EXPECT_EQ(certonly.exit_code, 1) << certonly.Describe();
  EXPECT_TRUE(
      HasLine(certonly.err, {"another certpilot is working on the certificate "
                             "busy.example.com (pid " +
                                 pid + " holds ",
                             "pass --lock-wait SECONDS to wait for it"}))
      << certonly.Describe();
  // The holder was still blocked in its pre-hook all along.
  EXPECT_EQ(holder.wait_for(0s), std::future_status::timeout);
  gate.Release();
  RunResult r = holder.get();
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.Version("busy.example.com"), 2);
  EXPECT_EQ(cli_.CheckLineage("busy.example.com"), "");
}

// A certonly for a new name proceeds while a renew holds other lineages.
TEST_F(LocalMisuseTest, CertonlyForANewNameProceedsWhileARenewRuns) {
  Issue("long.example.com");
  Gate gate(cli_.dir() / "gate");
  ASSERT_TRUE(gate.ok());
  const std::string mark = cli_.dir() / "holding";
  std::future<RunResult> renew = std::async(std::launch::async, [&] {
    return Renew({"--pre-hook", gate.HookCommand(mark)});
  });
  ASSERT_TRUE(WaitFor([&] { return fs::exists(mark); }, 60s));
  RunResult fresh = cli_.Certonly({"-d", "fresh.example.com"});
  EXPECT_EQ(fresh.exit_code, 0) << fresh.Describe();
  EXPECT_EQ(cli_.Version("fresh.example.com"), 1);
  EXPECT_EQ(renew.wait_for(0s), std::future_status::timeout);
  gate.Release();
  RunResult r = renew.get();
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.Version("long.example.com"), 2);
  // The renew planned before fresh.example.com existed: it is not renewed.
  EXPECT_EQ(cli_.Version("fresh.example.com"), 1);
}

// Two renews split the work: the first holds one lineage (blocked in its
// pre-hook), the second renews every other lineage, skips the held one and
// exits 0; the first then renews its own. Each lineage is renewed once.
TEST_F(LocalMisuseTest, TwoRenewsSplitTheWork) {
  const std::vector<std::string> names = {
      "split1.example.com", "split2.example.com", "split3.example.com"};
  for (const std::string& n : names) Issue(n);
  Gate gate(cli_.dir() / "gate");
  ASSERT_TRUE(gate.ok());
  const std::string mark = cli_.dir() / "holding";
  std::future<RunResult> first = std::async(std::launch::async, [&] {
    return Renew(
        {"--cert-name", names[0], "--pre-hook", gate.HookCommand(mark)});
  });
  ASSERT_TRUE(WaitFor([&] { return fs::exists(mark); }, 60s));
  RunResult second = Renew({});
  EXPECT_EQ(second.exit_code, 0) << second.Describe();
  EXPECT_NE(second.out.find("2 renewed"), std::string::npos)
      << second.Describe();
  EXPECT_NE(second.out.find("1 renewed by another run"), std::string::npos)
      << second.Describe();
  EXPECT_EQ(cli_.Version(names[0]), 1);
  EXPECT_EQ(cli_.Version(names[1]), 2);
  EXPECT_EQ(cli_.Version(names[2]), 2);
  gate.Release();
  RunResult r = first.get();
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  for (const std::string& n : names) {
    EXPECT_EQ(cli_.Version(n), 2) << n;
    EXPECT_EQ(cli_.CheckLineage(n), "") << n;
  }
}

// --lock-wait: a certonly for a busy lineage waits for the holder, then
// renews after it (so version 3 follows the holder's 2).
TEST_F(LocalMisuseTest, LockWaitWaitsForTheHolder) {
  Issue("wait.example.com");
  Gate gate(cli_.dir() / "gate");
  ASSERT_TRUE(gate.ok());
  const std::string mark = cli_.dir() / "holding";
  std::future<RunResult> holder = std::async(std::launch::async, [&] {
    return Renew({"--pre-hook", gate.HookCommand(mark)});
  });
  ASSERT_TRUE(WaitFor([&] { return fs::exists(mark); }, 60s));
  const std::string pid = LockPid("wait.example.com");
  std::future<RunResult> waiter = std::async(std::launch::async, [&] {
    return cli_.Certonly(
        {"-d", "wait.example.com", "--force-renewal", "--lock-wait", "600"});
  });
  // The waiter cannot finish while the holder holds the lineage; it is
  // waiting once a process other than the holder has the lock file open.
  ASSERT_TRUE(
      WaitFor([&] { return LockFileOpeners("wait.example.com") >= 2; }, 60s));
  EXPECT_EQ(waiter.wait_for(0s), std::future_status::timeout);
  EXPECT_EQ(cli_.Version("wait.example.com"), 1);
  gate.Release();
  RunResult h = holder.get();
  EXPECT_EQ(h.exit_code, 0) << h.Describe();
  RunResult w = waiter.get();
  EXPECT_EQ(w.exit_code, 0) << w.Describe();
  EXPECT_EQ(cli_.Version("wait.example.com"), 3);
  EXPECT_EQ(cli_.CheckLineage("wait.example.com"), "");
}

// SIGKILL a run while it holds the lock (its pre-hook, a child, is still
// running): the next run takes the lock and renews.
TEST_F(LocalMisuseTest, ALockLeftByAKilledRunDoesNotBlockTheNext) {
  Issue("stale.example.com");
  std::future<RunResult> killed;
  Gate gate(cli_.dir() / "gate");
  ASSERT_TRUE(gate.ok());
  const std::string mark = cli_.dir() / "holding";
  killed = std::async(std::launch::async, [&] {
    return Renew({"--pre-hook", gate.HookCommand(mark)});
  });
  ASSERT_TRUE(WaitFor([&] { return fs::exists(mark); }, 60s));
  const pid_t pid = std::stoi(LockPid("stale.example.com"));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  // Dead (a zombie until the test reaps it, once the orphaned hook ends).
  ASSERT_TRUE(WaitFor(
      [&] {
        std::string stat =
            ReadFileOrEmpty("/proc/" + std::to_string(pid) + "/stat");
        size_t paren = stat.rfind(')');
        return stat.empty() ||
               (paren != std::string::npos && stat.substr(paren + 2, 1) == "Z");
      },
      60s));
  // The orphaned pre-hook still runs: it must not have inherited the lock.
  RunResult next = Renew({});
  EXPECT_EQ(next.exit_code, 0) << next.Describe();
  EXPECT_EQ(cli_.Version("stale.example.com"), 2);
  EXPECT_EQ(cli_.CheckLineage("stale.example.com"), "");
  gate.Release();
  EXPECT_EQ(killed.get().exit_code, 128 + SIGKILL);
}

// The modes of everything certpilot creates do not depend on the umask:
// the same tree under umask 000 and 077, nothing group- or other-writable,
// no secret group- or other-readable, certificates readable by a web server.
TEST_F(LocalMisuseTest, ModesAreTheSameUnderUmask000And077) {
  std::map<mode_t, std::map<std::string, mode_t>> modes;
  for (mode_t mask : {mode_t{0}, mode_t{077}}) {
    SCOPED_TRACE("umask " + std::to_string(mask));
    CliHarness cli(*pebble_);
    const mode_t saved = umask(mask);
    RunResult issued = cli.Certonly({"-d", "umask.example.com"});
    RunResult renewed =
        cli.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew"});
    umask(saved);
    ASSERT_EQ(issued.exit_code, 0) << issued.Describe();
    ASSERT_EQ(renewed.exit_code, 0) << renewed.Describe();
    for (const auto& e : fs::recursive_directory_iterator(cli.config())) {
      struct stat st;
      ASSERT_EQ(lstat(e.path().c_str(), &st), 0);
      if (S_ISLNK(st.st_mode)) continue;
      std::string rel = fs::relative(e.path(), cli.config()).string();
      // accounts/SERVER/dir/ID/...: the account id differs between runs.
      if (rel.rfind("accounts/", 0) == 0) {
        size_t id = rel.find("/dir/");
        if (id != std::string::npos) {
          size_t end = rel.find('/', id + 5);
          rel = rel.substr(0, id + 5) + "ID" +
                (end == std::string::npos ? "" : rel.substr(end));
        }
      }
      const mode_t mode = st.st_mode & 07777;
      modes[mask][rel] = mode;
      EXPECT_EQ(mode & 022, 0u) << rel << " is writable by group or others";
      const std::string base = e.path().filename().string();
      if (base.find("privkey") != std::string::npos ||
          base == "private_key.json" || base == ".certpilot.lock") {
        EXPECT_EQ(mode & 077, 0u)
            << rel << " is a secret but has mode " << std::oct << mode;
      }
      if (base.rfind("cert", 0) == 0 || base.rfind("chain", 0) == 0 ||
          base.rfind("fullchain", 0) == 0) {
        EXPECT_EQ(mode, 0644u) << rel;
      }
    }
  }
  EXPECT_EQ(modes[0], modes[077]);
  EXPECT_FALSE(modes[0].empty());
}

// Symlinks planted where certpilot writes. A directory symlink
// (archive/NAME, live/NAME) is refused and that lineage reported; a managed
// link aimed outside the tree is replaced by the new version's link, never
// written through. Nothing is written where the links point; the other
// lineages renew.
TEST_F(LocalMisuseTest, PlantedSymlinksAreRefusedNeverWrittenThrough) {
  for (const char* n : {"ok.example.com", "archdir.example.com",
                        "livedir.example.com", "livelink.example.com"})
    Issue(n);
  const std::string config = cli_.config();
  // archive/NAME → a directory elsewhere holding the same files.
  const std::string arch_target = cli_.dir() / "elsewhere-archive";
  fs::rename(config + "/archive/archdir.example.com", arch_target);
  fs::create_directory_symlink(arch_target,
                               config + "/archive/archdir.example.com");
  // live/NAME → a directory elsewhere whose relative links still resolve.
  fs::create_directories(config + "/elsewhere");
  const std::string live_target = config + "/elsewhere/livedir.example.com";
  fs::rename(config + "/live/livedir.example.com", live_target);
  fs::create_directory_symlink(live_target,
                               config + "/live/livedir.example.com");
  // live/NAME/{cert,privkey}.pem → files outside the tree.
  std::map<std::string, std::string> victims;  // path → content
  for (const char* kind : {"cert", "privkey"}) {
    const std::string victim =
        cli_.dir() / (std::string("victim-") + kind + ".pem");
    const std::string link =
        config + "/live/livelink.example.com/" + kind + ".pem";
    std::ofstream(victim) << ReadFileOrEmpty(link);
    fs::permissions(victim, fs::perms(0644));
    fs::remove(link);
    fs::create_symlink(victim, link);
    victims[victim] = ReadFileOrEmpty(victim);
  }
  const auto arch_before = Tree(arch_target), live_before = Tree(live_target);

  RunResult r = Renew({});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.out.find("2 renewed, 0 not due, 2 failed"), std::string::npos)
      << r.Describe();
  EXPECT_EQ(cli_.Version("ok.example.com"), 2);
  EXPECT_TRUE(HasLine(r.err, {"error: renewal of archdir.example.com failed: ",
                              "/archive/archdir.example.com is a symlink"}))
      << r.err;
  EXPECT_TRUE(HasLine(r.err, {"error: renewal of livedir.example.com failed: ",
                              "/live/livedir.example.com is not a directory"}))
      << r.err;
  EXPECT_EQ(Tree(arch_target), arch_before);
  EXPECT_EQ(Tree(live_target), live_before);
  EXPECT_TRUE(fs::is_symlink(config + "/archive/archdir.example.com"));
  EXPECT_TRUE(fs::is_symlink(config + "/live/livedir.example.com"));
  for (const auto& [victim, content] : victims)
    EXPECT_EQ(ReadFileOrEmpty(victim), content);
  EXPECT_EQ(cli_.Version("livelink.example.com"), 2);
  EXPECT_EQ(cli_.CheckLineage("livelink.example.com"), "");
  // The planted privkey.pem pointed at a 0644 file: the new key must not
  // take its mode from there.
  struct stat st;
  ASSERT_EQ(
      stat((config + "/archive/livelink.example.com/privkey2.pem").c_str(),
           &st),
      0);
  EXPECT_EQ(st.st_mode & 077, 0u) << std::oct << (st.st_mode & 07777);
}

// A garbage renewal conf, a truncated PEM and a dangling cert.pem link:
// each of those lineages is reported by name and left as it was; the
// healthy one renews, and so does one whose chain.pem link dangles (renew
// reads only the certificate; the new version replaces the broken link).
TEST_F(LocalMisuseTest, CorruptedLineagesAreReportedAndTheRestRenew) {
  for (const char* n :
       {"fine.example.com", "garbage.example.com", "truncated.example.com",
        "dangling.example.com", "halfdangling.example.com"})
    Issue(n);
  const std::string config = cli_.config();
  std::ofstream(config + "/renewal/garbage.example.com.conf", std::ios::trunc)
      << "[[[ \x01 not a renewal conf\n";
  const std::string cert = config + "/archive/truncated.example.com/cert1.pem";
  const std::string pem = ReadFileOrEmpty(cert);
  std::ofstream(cert, std::ios::trunc) << pem.substr(0, pem.size() / 2);
  for (const auto& [name, kind] :
       {std::pair<std::string, std::string>{"dangling", "cert"},
        {"halfdangling", "chain"}}) {
    const std::string link =
        config + "/live/" + name + ".example.com/" + kind + ".pem";
    fs::remove(link);
    fs::create_symlink(
        "../../archive/" + name + ".example.com/" + kind + "7.pem", link);
  }
  std::map<std::string, std::map<std::string, std::string>> before;
  for (const char* n : {"garbage.example.com", "truncated.example.com",
                        "dangling.example.com", "halfdangling.example.com"})
    before[n] = Tree(config + "/archive/" + n);

  RunResult r = Renew({});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.out.find("2 renewed, 0 not due, 3 failed"), std::string::npos)
      << r.Describe();
  for (const char* n : {"fine.example.com", "halfdangling.example.com"}) {
    EXPECT_EQ(cli_.Version(n), 2) << n;
    EXPECT_EQ(cli_.CheckLineage(n), "") << n;
  }
  for (const auto& [name, tree] : before) {
    if (name != "halfdangling.example.com") {
      EXPECT_TRUE(HasLine(r.err, {"error: cannot renew " + name + ": "}))
          << name << " not reported: " << r.err;
      EXPECT_EQ(Tree(config + "/archive/" + name), tree) << name;
    } else {
      auto now = Tree(config + "/archive/" + name);
      for (const auto& [file, entry] : tree)
        EXPECT_EQ(now[file], entry) << name << "/" << file;
    }
  }
  EXPECT_EQ(r.err.find('\x01'), std::string::npos)
      << "control character echoed";
}

// Certificate names and domains that would lead out of the configuration
// directory (or onto another part of it) are usage errors before anything
// is touched. Without the checks, `delete --cert-name ../archive` would
// remove CONFIG/archive.
TEST_F(LocalMisuseTest, NamesThatLeaveTheConfigDirAreRefusedBeforeAnyChange) {
  Issue("keep.example.com");
  struct Case {
    std::vector<std::string> args;  // subcommand first
    std::string refused;            // the value the message must quote
  };
  const std::vector<std::string> certonly{"certonly", "--standalone",
                                          "--agree-tos", "-m", "a@example.com"};
  auto Certonly = [&](std::vector<std::string> more) {
    std::vector<std::string> args = certonly;
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  const std::vector<Case> cases = {
      {{"renew", "--cert-name", "../x"}, "../x"},
      {{"renew", "--cert-name", ".."}, "\"..\""},
      {{"renew", "--cert-name", "../renewal/keep.example.com"},
       "../renewal/keep.example.com"},
      {{"delete", "--cert-name", "../archive"}, "../archive"},
      {{"delete", "--cert-name", "../live"}, "../live"},
      {{"delete", "--cert-name", "/etc/passwd"}, "/etc/passwd"},
      {{"revoke", "--cert-name", "../archive"}, "../archive"},
      {{"certificates", "--cert-name", "../live"}, "../live"},
      {Certonly({"-d", "ok.example.com", "--cert-name", "../../escape"}),
       "../../escape"},
      {Certonly({"-d", "ok.example.com", "--cert-name", "a/../../escape"}),
       "a/../../escape"},
      {Certonly({"-d", "../../escape.example.com"}),
       "../../escape.example.com"},
      {Certonly({"-d", "a/b.example.com"}), "a/b.example.com"},
      {Certonly({"-d", ".."}), "\"..\""},
  };
  // The config and work dirs; logs/ records every refusal, as it should.
  auto Trees = [&] {
    return std::make_pair(Tree(cli_.dir() / "config"),
                          Tree(cli_.dir() / "work"));
  };
  const auto before = Trees();
  for (const Case& c : cases) {
    RunResult r = cli_.Run(
        c.args[0], std::vector<std::string>(c.args.begin() + 1, c.args.end()));
    EXPECT_EQ(r.exit_code, 2) << c.refused << ": " << r.Describe();
    // Refused for what it is, not as an unknown option.
    EXPECT_TRUE(HasLine(r.err, {"error: invalid ", c.refused})) << r.Describe();
  }
  EXPECT_EQ(Trees(), before);
}

}  // namespace
}  // namespace certpilot::testing
