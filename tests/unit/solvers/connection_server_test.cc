// ConnectionServer, the core both challenge responders run on, with a line
// echo protocol on 127.0.0.1 port 0: what it does the same for every
// protocol (eviction at the cap, deadlines, SIGPIPE-safe writes, refusing a
// connection). No sleeps: every wait is a blocking read with a deadline.
#include "solvers/connection_server.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>

#include "support/raw_client.h"

namespace certpilot::solvers {
namespace {

using namespace std::chrono_literals;
using testing::RawClient;

// Answers each line with itself, "big" followed by kBig bytes more, and
// "bye" followed by a close.
constexpr size_t kBig = 32 << 20;  // far beyond any socket buffer
class EchoHandler : public ConnectionHandler {
 public:
  Step OnInput(std::string_view input, std::string& output) override {
    size_t nl = input.find('\n');
    if (nl == std::string_view::npos) return {};
    std::string_view line = input.substr(0, nl + 1);
    output += line;
    if (line == "big\n") output.append(kBig, 'x');
    return {line.size(), line == "bye\n"};
  }
};

ConnectionServerOptions Options() {
  ConnectionServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.idle_timeout = 600s;  // only what a test sets may close
  options.request_timeout = 600s;
  return options;
}

std::unique_ptr<ConnectionHandler> Echo() {
  return std::make_unique<EchoHandler>();
}

TEST(ConnectionServerTest, EchoesAndClosesWhenTheHandlerSaysSo) {
  ConnectionServer server(Options(), Echo);
  server.Start();
  RawClient client(server.port());
  client.Send("one\ntw");
  EXPECT_EQ(client.ReadLine(), "one\n");
  client.Send("o\nbye\nnever answered\n");
  EXPECT_EQ(client.ReadLine(), "two\n");
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(client.buffered(), "bye\n");
}

// At the cap the connection that has made no progress for longest goes,
// not the oldest one: a client that keeps talking keeps its connection.
TEST(ConnectionServerTest, AtTheCapTheStalestConnectionIsEvicted) {
  ConnectionServerOptions options = Options();
  options.max_connections = 2;
  ConnectionServer server(options, Echo);
  server.Start();
  RawClient oldest(server.port());
  oldest.Send("a\n");
  ASSERT_EQ(oldest.ReadLine(), "a\n");
  RawClient stalest(server.port());
  stalest.Send("b\n");
  ASSERT_EQ(stalest.ReadLine(), "b\n");
  oldest.Send("a again\n");  // now the oldest has made progress last
  ASSERT_EQ(oldest.ReadLine(), "a again\n");

  RawClient fresh(server.port());
  fresh.Send("c\n");
  EXPECT_EQ(fresh.ReadLine(), "c\n");
  EXPECT_TRUE(stalest.WaitForClose());
  oldest.Send("still here\n");
  EXPECT_EQ(oldest.ReadLine(), "still here\n");
}

// A peer that resets the connection while a large reply is being written:
// the server's next send() fails with EPIPE, which must not raise SIGPIPE
// (its default action, restored here, would kill this test binary), and
// the server goes on serving.
TEST(ConnectionServerTest, APeerThatClosesMidWriteCostsNoSigpipe) {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  struct sigaction saved {};
  ASSERT_EQ(sigaction(SIGPIPE, &default_action, &saved), 0);
  struct Restore {
    struct sigaction action;
    ~Restore() { sigaction(SIGPIPE, &action, nullptr); }
  } restore{saved};

  ConnectionServer server(Options(), Echo);
  server.Start();
  {
    RawClient reader(server.port());
    reader.Send("big\n");
    // FIN first: the server's socket is then in CLOSE_WAIT, where a reset
    // turns its next send() into EPIPE (not ECONNRESET, which never
    // signals), and recv() keeps reporting the FIN rather than the error.
    reader.ShutdownWrite();
    ASSERT_EQ(reader.ReadLine(), "big\n");  // the write is under way
    reader.Reset();
  }
  RawClient next(server.port());
  next.Send("after\n");
  EXPECT_EQ(next.ReadLine(), "after\n");
}

TEST(ConnectionServerTest, TheConnectionDeadlineHoldsEvenForABusyClient) {
  ConnectionServerOptions options = Options();
  options.connection_timeout = 100ms;
  ConnectionServer server(options, Echo);
  server.Start();
  RawClient client(server.port());
  // Progress does not extend it: talk until the server hangs up (bounded
  // by the client's own 10 s read deadline if it never does).
  bool closed = false;
  for (int i = 0; i < 100'000 && !closed; ++i) {
    closed = !client.Send("ping\n") || client.ReadLine() != "ping\n";
  }
  EXPECT_TRUE(closed);
  EXPECT_TRUE(client.WaitForClose());
}

TEST(ConnectionServerTest, AFactoryThatRefusesClosesTheConnection) {
  ConnectionServer server(Options(), [] { return nullptr; });
  server.Start();
  RawClient refused(server.port());
  EXPECT_TRUE(refused.WaitForClose());
  EXPECT_EQ(refused.buffered(), "");
}

TEST(ConnectionServerTest, StartWhileRunningIsAResponderError) {
  ConnectionServerOptions options = Options();
  options.server_name = "echo server";
  ConnectionServer server(options, Echo);
  EXPECT_FALSE(server.running());
  server.Start();
  EXPECT_TRUE(server.running());
  try {
    server.Start();
    FAIL() << "a second Start succeeded";
  } catch (const ResponderError& e) {
    EXPECT_EQ(std::string(e.what()), "the echo server is already running");
    EXPECT_EQ(e.port(), server.port());
  }
  server.Stop();
  EXPECT_FALSE(server.running());
}

}  // namespace
}  // namespace certpilot::solvers
