// PosixProcessRunner against real programs (/bin/sh, /usr/bin/printf,
// /usr/bin/env, ...). No test asserts a duration or sleeps: waiting for
// something is polling with a deadline (pidfd + poll).
#include "sys/process_runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace certpilot::sys {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// {"/bin/sh", "-c", script, "sh", args...}: the script sees args as "$@".
ProcessSpec Sh(const std::string& script,
               const std::vector<std::string>& args = {}) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script, "sh"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  return spec;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> SplitNul(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t nul; (nul = text.find('\0', start)) != std::string::npos;
       start = nul + 1) {
    parts.push_back(text.substr(start, nul - start));
  }
  return parts;
}

void WriteExecutable(const std::string& path, const std::string& content,
                     mode_t mode = 0755) {
  std::ofstream(path, std::ios::binary) << content;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

// True once `pid` has terminated (gone, or a zombie nobody reaped yet),
// false if it is still running when `within` has passed. No sleeping: a
// pidfd becomes readable when its process exits.
bool TerminatesWithin(pid_t pid, std::chrono::milliseconds within) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd p{fd, POLLIN, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, static_cast<int>(within.count()));
  } while (rc < 0 && errno == EINTR);
  ::close(fd);
  return rc == 1;
}

// Sets (or unsets) an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Sets a signal's disposition for one test.
class ScopedSignal {
 public:
  ScopedSignal(int sig, void (*handler)(int)) : sig_(sig) {
    struct sigaction sa = {};
    sa.sa_handler = handler;
    ::sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, &old_);
  }
  ~ScopedSignal() { ::sigaction(sig_, &old_, nullptr); }
  ScopedSignal(const ScopedSignal&) = delete;
  ScopedSignal& operator=(const ScopedSignal&) = delete;

 private:
  int sig_;
  struct sigaction old_;
};

// Runs `make_spec(timeout)` with timeouts 200 ms, 400 ms, ... until the
// output shows `ready` (the script reached the point the test is about
// before the timeout hit), so a slow machine makes the test slower, never
// wrong. Fails if even 12.8 s was not enough.
ProcessResult RunUntilReady(
    const std::function<ProcessSpec(std::chrono::milliseconds)>& make_spec,
    const std::string& ready) {
  PosixProcessRunner runner;
  ProcessResult result;
  for (auto timeout = 200ms; timeout <= 12800ms; timeout *= 2) {
    result = runner.Run(make_spec(timeout));
    if (result.out.find(ready) != std::string::npos) return result;
  }
  ADD_FAILURE() << "the script never got to print " << ready << "; "
                << result.Describe() << "; stderr: " << result.err;
  return result;
}

pid_t FirstLineAsPid(const std::string& out) {
  std::vector<std::string> lines = Lines(out);
  return lines.empty() ? -1 : static_cast<pid_t>(std::stol(lines[0]));
}

TEST(ProcessRunnerTest, ArgvArrivesVerbatimWithoutAShell) {
  TempDir tmp;
  const std::string sentinel = tmp / "pwned";
  const std::vector<std::string> args = {
      "two words",
      "'single quoted'",
      "\"double quoted\"",
      "$(reboot)",
      "$(touch " + sentinel + ")",
      "`touch " + sentinel + "`",
      "; touch " + sentinel,
      "line one\nline two",
      "*",
      "~",
      "back\\slash",
      "",
      "-n",
      "tab\there",
      "$HOME ${PATH}",
      "\xc3\xbcml\xc3\xa4ut",
  };
  ProcessSpec spec;
  spec.argv = {"/usr/bin/printf", "%s\\0"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  ProcessResult r = PosixProcessRunner().Run(spec);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(SplitNul(r.out), args);
  EXPECT_FALSE(std::filesystem::exists(sentinel));
}

TEST(ProcessRunnerTest, ShellCommandGetsDataOnlyThroughTheEnvironment) {
  TempDir tmp;
  const std::string sentinel = tmp / "pwned";
  const std::string hostile = "a b; touch " + sentinel + " $(touch " +
                              sentinel + ") `touch " + sentinel +
                              "` \"q\" 'q'\nnext line";
  const std::string command = "printf '%s' \"$CERTPILOT_TEST_VALUE\"";
  ProcessSpec spec = ShellCommand(command);
  EXPECT_EQ(spec.argv, (std::vector<std::string>{"/bin/sh", "-c", command}));
  spec.env_add["CERTPILOT_TEST_VALUE"] = hostile;
  ProcessResult r = PosixProcessRunner().Run(spec);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, hostile);
  EXPECT_FALSE(std::filesystem::exists(sentinel));
}

TEST(ProcessRunnerTest, EnvironmentIsInheritedAndEdited) {
  ScopedEnv keep("CERTPILOT_TEST_KEEP", "kept value");
  ScopedEnv drop("CERTPILOT_TEST_DROP", "must vanish");
  ScopedEnv over("CERTPILOT_TEST_OVERRIDE", "old");
  ScopedEnv both("CERTPILOT_TEST_BOTH", "old");
  ProcessSpec spec;
  spec.argv = {"/usr/bin/env"};
  spec.env_add = {{"CERTPILOT_TEST_ADDED", "x y=z\"'$"},
                  {"CERTPILOT_TEST_OVERRIDE", "new"},
                  {"CERTPILOT_TEST_BOTH", "added wins"},
                  {"CERTPILOT_TEST_EMPTY", ""}};
  spec.env_remove = {"CERTPILOT_TEST_DROP", "CERTPILOT_TEST_BOTH",
                     "CERTPILOT_TEST_NEVER_SET"};
  ProcessResult r = PosixProcessRunner().Run(spec);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::multiset<std::string> ours;
  for (const std::string& line : Lines(r.out)) {
    if (line.rfind("CERTPILOT_TEST_", 0) == 0) ours.insert(line);
  }
  EXPECT_EQ(ours, (std::multiset<std::string>{
                      "CERTPILOT_TEST_KEEP=kept value",
                      "CERTPILOT_TEST_ADDED=x y=z\"'$",
                      "CERTPILOT_TEST_OVERRIDE=new",
                      "CERTPILOT_TEST_BOTH=added wins",
                      "CERTPILOT_TEST_EMPTY=",
                  }));
}

// Secrets: the EAB HMAC key certpilot may read from its own
// environment never reaches a hook.
TEST(ProcessRunnerTest, SecretVariablesAreNeverInherited) {
  ScopedEnv secret("CERTPILOT_EAB_HMAC_KEY", "hmac-secret-value");
  ProcessSpec spec;
  spec.argv = {"/usr/bin/env"};
  ProcessResult r = PosixProcessRunner().Run(spec);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("hmac-secret-value"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PATH="), std::string::npos) << "the rest is inherited";
  // Passed on only when the caller says so explicitly.
  spec.env_add = {{"CERTPILOT_EAB_HMAC_KEY", "explicit"}};
  r = PosixProcessRunner().Run(spec);
  EXPECT_NE(r.out.find("CERTPILOT_EAB_HMAC_KEY=explicit"), std::string::npos)
      << r.out;
}

TEST(ProcessRunnerTest, ProgramIsFoundInTheChildsPath) {
  TempDir tmp;
  WriteExecutable(tmp / "certpilot-test-tool",
                  "#!/bin/sh\necho \"found $1\"\n");
  ProcessSpec spec;
  spec.argv = {"certpilot-test-tool", "it"};
  spec.env_add["PATH"] = "/nonexistent:" + tmp.path() + ":/usr/bin:/bin";
  ProcessResult r = PosixProcessRunner().Run(spec);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "found it\n");

  spec.env_add["PATH"] = "/usr/bin:/bin";
  EXPECT_THROW(PosixProcessRunner().Run(spec), ProcessError);
}

TEST(ProcessRunnerTest, ExitCodes) {
  PosixProcessRunner runner;
  ProcessResult ok = runner.Run(Sh("exit 0"));
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.signal, 0);
  EXPECT_TRUE(ok.Succeeded());
  EXPECT_EQ(ok.Describe(), "exited with status 0");

  ProcessResult fail = runner.Run(Sh("echo to out; echo to err >&2; exit 42"));
  EXPECT_EQ(fail.exit_code, 42);
  EXPECT_EQ(fail.signal, 0);
  EXPECT_FALSE(fail.timed_out);
  EXPECT_FALSE(fail.Succeeded());
  EXPECT_EQ(fail.out, "to out\n");
  EXPECT_EQ(fail.err, "to err\n");
  EXPECT_EQ(fail.Describe(), "exited with status 42");

  // 127 from the shell is the shell's own verdict, not ours: the program
  // (/bin/sh) did start.
  ProcessResult missing = runner.Run(Sh("certpilot-no-such-command"));
  EXPECT_EQ(missing.exit_code, 127);
}

TEST(ProcessRunnerTest, KilledBySignal) {
  ProcessResult r = PosixProcessRunner().Run(Sh("kill -USR1 $$"));
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.signal, SIGUSR1);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.Succeeded());
  EXPECT_EQ(r.Describe(), "killed by SIGUSR1");
}

// spec.cancel (the fleet agent stopping its renew child): once it is true
// the child is ended as on a timeout, long before its own end or timeout.
TEST(ProcessRunnerTest, CancelEndsTheChildAsATimeoutDoes) {
  std::atomic<bool> cancel{true};
  ProcessSpec spec = Sh("exec sleep 600");
  spec.timeout = std::chrono::milliseconds::max();
  spec.cancel = &cancel;
  ProcessResult r = PosixProcessRunner().Run(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_FALSE(r.Succeeded());

  std::atomic<bool> keep{false};
  spec = Sh("exit 3");
  spec.cancel = &keep;
  r = PosixProcessRunner().Run(spec);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 3);
}

TEST(ProcessRunnerTest, ChildStartsWithDefaultSignalsAndAnEmptyMask) {
  // certpilot (or a library in it) ignoring SIGPIPE/SIGUSR1 or blocking
  // SIGUSR1 must not leak into hooks: a non-interactive sh cannot undo an
  // inherited SIG_IGN.
  ScopedSignal ignore_pipe(SIGPIPE, SIG_IGN);
  ScopedSignal ignore_usr1(SIGUSR1, SIG_IGN);
  sigset_t usr1, old;
  ::sigemptyset(&usr1);
  ::sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &usr1, &old), 0);
  PosixProcessRunner runner;
  ProcessResult pipe = runner.Run(Sh("kill -PIPE $$; exit 3"));
  ProcessResult user = runner.Run(Sh("kill -USR1 $$; exit 3"));
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_EQ(pipe.signal, SIGPIPE) << pipe.Describe();
  EXPECT_EQ(user.signal, SIGUSR1) << user.Describe();
}

TEST(ProcessRunnerTest, TimeoutKillsTheWholeProcessGroup) {
  // The grandchild (sleep) is what a naive kill(pid) would leave behind.
  ProcessResult r = RunUntilReady(
      [](std::chrono::milliseconds timeout) {
        ProcessSpec spec = Sh("sleep 3600 & echo $!; wait");
        spec.timeout = timeout;
        return spec;
      },
      "\n");
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_FALSE(r.Succeeded());
  EXPECT_EQ(r.Describe(), "timed out and was killed by SIGTERM");
  pid_t grandchild = FirstLineAsPid(r.out);
  ASSERT_GT(grandchild, 0) << r.out;
  EXPECT_TRUE(TerminatesWithin(grandchild, 30s))
      << "grandchild " << grandchild << " survived the timeout";
}

TEST(ProcessRunnerTest, TimeoutEscalatesToSigkillForWhatIgnoresSigterm) {
  // The shell ignores SIGTERM (and so does its sleep): only SIGKILL, after
  // kill_grace, ends them.
  ProcessResult r = RunUntilReady(
      [](std::chrono::milliseconds timeout) {
        ProcessSpec spec = Sh("trap '' TERM; sleep 3600 & echo $!; wait");
        spec.timeout = timeout;
        spec.kill_grace = 100ms;
        return spec;
      },
      "\n");
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.Describe(), "timed out and was killed by SIGKILL");
  pid_t grandchild = FirstLineAsPid(r.out);
  ASSERT_GT(grandchild, 0) << r.out;
  EXPECT_TRUE(TerminatesWithin(grandchild, 30s));
}

TEST(ProcessRunnerTest, TimeoutKillsGroupMembersThatOutliveTheLeader) {
  // The shell obeys SIGTERM at once; its background sleep ignores it. The
  // group must still be SIGKILLed, without waiting out kill_grace.
  ProcessResult r = RunUntilReady(
      [](std::chrono::milliseconds timeout) {
        ProcessSpec spec =
            Sh("(trap '' TERM; exec sleep 3600) & echo $!; wait");
        spec.timeout = timeout;
        spec.kill_grace = std::chrono::milliseconds::max();
        return spec;
      },
      "\n");
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGTERM);
  pid_t grandchild = FirstLineAsPid(r.out);
  ASSERT_GT(grandchild, 0) << r.out;
  EXPECT_TRUE(TerminatesWithin(grandchild, 30s));
}

TEST(ProcessRunnerTest, BackgroundProcessDoesNotHoldUpTheRun) {
  // The shell exits at once; its background sleep keeps stdout open. Run
  // must end with the shell, not wait for the pipe's EOF (which would only
  // come with the timeout).
  ProcessSpec spec = Sh("sleep 3600 & echo $!; echo done >&2");
  spec.timeout = 60s;
  ProcessResult r = PosixProcessRunner().Run(spec);
  pid_t background = FirstLineAsPid(r.out);
  if (background > 0) ::kill(background, SIGKILL);  // not the runner's job
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_GT(background, 0);
  EXPECT_EQ(r.err, "done\n");
}

TEST(ProcessRunnerTest, LargeOutputOnBothStreamsDoesNotDeadlock) {
  // stderr is written first and stdin is echoed to stdout afterwards: a
  // runner that reads the streams one after another, or writes all of
  // stdin before reading, blocks forever (until the timeout).
  constexpr std::size_t k5MiB = 5 << 20;
  std::string input(k5MiB, '\0');
  for (std::size_t i = 0; i < input.size(); ++i) {
    input[i] = static_cast<char>('a' + i % 23);
  }
  ProcessSpec spec = Sh("head -c 5242880 /dev/zero >&2; cat");
  spec.stdin_data = input;
  spec.max_output_bytes = 8 << 20;
  spec.timeout = 120s;
  ProcessResult r = PosixProcessRunner().Run(spec);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.err.size(), k5MiB);
  EXPECT_EQ(r.err.find_first_not_of('\0'), std::string::npos);
  EXPECT_TRUE(r.out == input)
      << "stdout differs from stdin (" << r.out.size() << " bytes)";
}

TEST(ProcessRunnerTest, OutputBeyondTheLimitIsDrainedAndDiscarded) {
  constexpr std::size_t k5MiB = 5 << 20;
  std::string input(k5MiB, 'x');
  input[0] = 'F';
  ProcessSpec spec = Sh("cat; head -c 5242880 /dev/zero >&2; echo end");
  spec.stdin_data = input;
  spec.timeout = 120s;  // the default max_output_bytes: 1 MiB per stream
  ProcessResult r = PosixProcessRunner().Run(spec);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);  // the child was never stuck on a full pipe
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.out.size(), std::size_t{1} << 20);
  EXPECT_EQ(r.err.size(), std::size_t{1} << 20);
  EXPECT_TRUE(r.out == input.substr(0, r.out.size()));
}

TEST(ProcessRunnerTest, OutputWithinTheLimitIsNotTruncated) {
  ProcessSpec spec = Sh("printf abcd");
  spec.max_output_bytes = 4;
  ProcessResult r = PosixProcessRunner().Run(spec);
  EXPECT_EQ(r.out, "abcd");
  EXPECT_FALSE(r.truncated);
  spec.max_output_bytes = 3;
  r = PosixProcessRunner().Run(spec);
  EXPECT_EQ(r.out, "abc");
  EXPECT_TRUE(r.truncated);
}

TEST(ProcessRunnerTest, StdinDataIsDeliveredThenClosed) {
  ProcessSpec spec;
  spec.argv = {"/bin/cat"};
  spec.stdin_data = std::string("line one\nline two\n\0binary\xff", 27);
  ProcessResult r = PosixProcessRunner().Run(spec);
  EXPECT_EQ(r.exit_code, 0);  // cat saw EOF
  EXPECT_EQ(r.out, spec.stdin_data);
}

TEST(ProcessRunnerTest, EmptyStdinIsDevNull) {
  ProcessSpec spec;
  spec.argv = {"/bin/readlink", "/proc/self/fd/0"};
  ProcessResult r = PosixProcessRunner().Run(spec);
  EXPECT_EQ(r.out, "/dev/null\n");
}

TEST(ProcessRunnerTest, ChildThatIgnoresStdinCannotKillUsWithSigpipe) {
  // SIGPIPE has its default action here (death), so an unguarded write to
  // the closed pipe would end the test binary.
  ScopedSignal default_pipe(SIGPIPE, SIG_DFL);
  ProcessSpec spec;
  spec.argv = {"/bin/true"};
  spec.stdin_data = std::string(5 << 20, 'x');
  ProcessResult r = PosixProcessRunner().Run(spec);
  EXPECT_EQ(r.exit_code, 0);

  ProcessSpec head = Sh("head -c 3");
  head.stdin_data = std::string(5 << 20, 'y');
  r = PosixProcessRunner().Run(head);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "yyy");

  // Nothing left behind in this thread: SIGPIPE unblocked, none pending.
  sigset_t mask, pending;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  ::sigpending(&pending);
  EXPECT_FALSE(::sigismember(&mask, SIGPIPE));
  EXPECT_FALSE(::sigismember(&pending, SIGPIPE));
}

TEST(ProcessRunnerTest, MissingExecutableIsAProcessErrorNotExit127) {
  ProcessSpec spec;
  spec.argv = {"certpilot-no-such-program", "arg"};
  try {
    PosixProcessRunner().Run(spec);
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_STREQ(e.what(),
                 "cannot run certpilot-no-such-program: No such file or "
                 "directory");
    EXPECT_EQ(e.program(), "certpilot-no-such-program");
    EXPECT_EQ(e.error_code(), ENOENT);
  }
  spec.argv = {"/nonexistent/nginx", "-t"};
  try {
    PosixProcessRunner().Run(spec);
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_STREQ(e.what(),
                 "cannot run /nonexistent/nginx: No such file or directory");
  }
}

TEST(ProcessRunnerTest, NotExecutableIsAProcessError) {
  TempDir tmp;
  WriteExecutable(tmp / "plain", "#!/bin/sh\necho hi\n", 0644);
  ProcessSpec spec;
  spec.argv = {tmp / "plain"};
  try {
    PosixProcessRunner().Run(spec);
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_EQ(e.error_code(), EACCES);
    EXPECT_EQ(std::string(e.what()),
              "cannot run " + tmp / "plain" + ": Permission denied");
  }
  spec.argv = {tmp.path()};  // a directory
  EXPECT_THROW(PosixProcessRunner().Run(spec), ProcessError);
}

TEST(ProcessRunnerTest, ExecFailureItselfIsAProcessError) {
  // These pass every check before exec; only execve(2) fails. With
  // fork+exec done naively they would look like "exit 127".
  TempDir tmp;
  WriteExecutable(tmp / "bad-interpreter", "#!/nonexistent/interpreter\n");
  WriteExecutable(tmp / "garbage", std::string("\177ELF garbage\0\0", 14));
  ProcessSpec spec;
  spec.argv = {tmp / "bad-interpreter"};
  try {
    PosixProcessRunner().Run(spec);
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_EQ(e.error_code(), ENOENT);
    EXPECT_EQ(e.program(), tmp / "bad-interpreter");
  }
  spec.argv = {tmp / "garbage"};
  try {
    PosixProcessRunner().Run(spec);
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_EQ(e.error_code(), ENOEXEC);
    EXPECT_EQ(std::string(e.what()),
              "cannot run " + tmp / "garbage" + ": Exec format error");
  }
}

TEST(ProcessRunnerTest, MalformedSpecIsAProcessError) {
  PosixProcessRunner runner;
  EXPECT_THROW(runner.Run(ProcessSpec{}), ProcessError);
  ProcessSpec nul;
  nul.argv = {"/bin/echo", std::string("a\0b", 3)};
  try {
    runner.Run(nul);
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_EQ(e.error_code(), EINVAL);
    EXPECT_STREQ(e.what(),
                 "cannot run /bin/echo: argument 1 contains a NUL byte");
  }
  ProcessSpec bad_env;
  bad_env.argv = {"/bin/true"};
  bad_env.env_add["A=B"] = "c";
  EXPECT_THROW(runner.Run(bad_env), ProcessError);
}

TEST(ProcessRunnerTest, OnlyStdioDescriptorsReachTheChild) {
  // Descriptors opened without O_CLOEXEC (as a careless library would) must
  // not leak into hooks.
  int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 0);
  int leaky_pipe[2];
  ASSERT_EQ(::pipe(leaky_pipe), 0);
  // The shell lists its own descriptors; ls is a separate process.
  ProcessSpec spec = Sh("ls /proc/$$/fd");
  spec.stdin_data = "something";  // stdin a pipe too
  ProcessResult r = PosixProcessRunner().Run(spec);
  ::close(leaky);
  ::close(leaky_pipe[0]);
  ::close(leaky_pipe[1]);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out), (std::vector<std::string>{"0", "1", "2"}));
}

TEST(ProcessRunnerTest, WorkingDirectory) {
  TempDir tmp;
  ProcessSpec spec;
  spec.argv = {"/bin/pwd", "-P"};
  spec.working_dir = tmp.path();
  ProcessResult r = PosixProcessRunner().Run(spec);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::filesystem::canonical(tmp.path()).string() + "\n");

  // A relative program path is relative to the working directory.
  WriteExecutable(tmp / "tool", "#!/bin/sh\necho local tool\n");
  spec.argv = {"./tool"};
  r = PosixProcessRunner().Run(spec);
  EXPECT_EQ(r.out, "local tool\n");

  // Our own working directory is untouched.
  EXPECT_NE(std::filesystem::current_path(),
            std::filesystem::canonical(tmp.path()));
}

TEST(ProcessRunnerTest, MissingWorkingDirectoryIsAProcessError) {
  TempDir tmp;
  ProcessSpec spec;
  spec.argv = {"/bin/pwd"};
  spec.working_dir = tmp / "missing";
  try {
    PosixProcessRunner().Run(spec);
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_EQ(e.error_code(), ENOENT);
    EXPECT_EQ(std::string(e.what()), "cannot run /bin/pwd: working directory " +
                                         tmp / "missing" +
                                         ": No such file or directory");
  }
}

TEST(ProcessRunnerTest, ConcurrentRunsStayApart) {
  // Each child must get its own stdin and output and none of the other
  // runs' pipe ends (which would also keep their stdin from reaching EOF).
  PosixProcessRunner runner;
  constexpr int kThreads = 8, kRuns = 6;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&runner, &failures, t] {
      for (int i = 0; i < kRuns; ++i) {
        std::string tag =
            "thread " + std::to_string(t) + " run " + std::to_string(i) + "\n";
        ProcessSpec spec = Sh("ls /proc/$$/fd; cat; echo \"$TAG\" >&2");
        spec.stdin_data = tag;
        spec.env_add["TAG"] = tag;
        spec.timeout = 120s;
        ProcessResult r = runner.Run(spec);
        if (r.out != "0\n1\n2\n" + tag || r.err != tag + "\n" ||
            r.exit_code != 0) {
          failures[t] += r.Describe() + ": out=" + r.out + " err=" + r.err;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << t;
}

TEST(ProcessRunnerTest, DescribeNamesHowItEnded) {
  ProcessResult r;
  r.exit_code = 143;
  r.timed_out = true;
  EXPECT_EQ(r.Describe(), "timed out, then exited with status 143");
  r = ProcessResult{};
  r.signal = SIGSEGV;
  EXPECT_EQ(r.Describe(), "killed by SIGSEGV");
}

}  // namespace
}  // namespace certpilot::sys
