// Fault class "abusive clients on the responder", end to end: the
// standalone HTTP-01 responder of `certpilot certonly` must let the real
// Pebble validate while hundreds of idle and slowloris connections, opened
// the moment its port listens, sit in front of Pebble's request.
//
// No race decides the order: certpilot runs under strace, which sends it
// SIGSTOP at its first listen(2) — the responder's, before the challenge is
// posted; the signal is taken once the call has returned, so the port
// listens. (Not at the responder thread's clone3: certonly starts a thread
// earlier, to load libcurl.) While it is stopped the kernel completes our
// connections into the listen backlog; then the test continues it, and they
// are queued ahead of Pebble's connection.
// (The unit tests in tests/unit/solvers cover the protocol edge cases, the
// eviction and the fd bound on the responder alone.)
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/cli_harness.h"
#include "support/pebble_fixture.h"
#include "support/strace_inject.h"

namespace certpilot::testing {
namespace {

using namespace std::chrono_literals;

// A connected TCP socket to 127.0.0.1:port, or -1.
int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

class Sockets {
 public:
  ~Sockets() {
    for (int fd : fds_) close(fd);
  }
  void Add(int fd) { fds_.push_back(fd); }
  size_t size() const { return fds_.size(); }
  int operator[](size_t i) const { return fds_[i]; }

 private:
  std::vector<int> fds_;
};

TEST(ResponderAbuseTest,
     ValidationSucceedsBehind500IdleAndSlowlorisConnections) {
  constexpr int kIdle = 250, kSlowloris = 250;
  PebbleFixture pebble;
  CliHarness cli(pebble);
  std::vector<std::string> argv{CERTPILOT_BINARY, "certonly"};
  for (const std::string& a : cli.CommonArgs()) argv.push_back(a);
  for (const char* a : {"--standalone", "--agree-tos", "-m",
                        "admin@example.com", "--http-01-address", "127.0.0.1",
                        "-d", "flooded.example.com", "--http-01-port"})
    argv.push_back(a);
  argv.push_back(std::to_string(pebble.http_port()));

  StraceProcess run(argv, {"listen", "signal=SIGSTOP", 1});
  const std::string stopped =
      run.WaitForTrace("--- stopped by SIGSTOP ---", 60s);
  ASSERT_NE(stopped, "") << "certpilot never reached its responder thread:\n"
                         << run.Wait().result.Describe();
  const pid_t pid = StraceProcess::PidOf(stopped);
  ASSERT_GT(pid, 0) << stopped;

  // certpilot is stopped with its port listening: every connect completes.
  Sockets clients;
  for (int i = 0; i < kIdle + kSlowloris; ++i) {
    int fd = Connect(pebble.http_port());
    ASSERT_GE(fd, 0) << "connection " << i << ": " << strerror(errno);
    clients.Add(fd);
  }
  for (int i = kIdle; i < kIdle + kSlowloris; ++i) {
    // Headers that never end, in two dribbles.
    const std::string part =
        "GET /.well-known/acme-challenge/x HTTP/1.1\r\nHost: a\r\nX-";
    ASSERT_EQ(send(clients[i], part.data(), part.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(part.size()));
    ASSERT_EQ(send(clients[i], "Y", 1, MSG_NOSIGNAL), 1);
  }
  ASSERT_EQ(kill(pid, SIGCONT), 0);

  StraceRun done = run.Wait();
  ASSERT_FALSE(done.timed_out) << done.result.Describe();
  EXPECT_EQ(done.result.exit_code, 0) << done.result.Describe();
  EXPECT_EQ(cli.CheckLineage("flooded.example.com"), "");
  EXPECT_EQ(clients.size(), static_cast<size_t>(kIdle + kSlowloris));
}

}  // namespace
}  // namespace certpilot::testing
