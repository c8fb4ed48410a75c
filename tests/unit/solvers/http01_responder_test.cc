// The HTTP-01 responder: the pure protocol function, then the server on
// 127.0.0.1 port 0 driven by raw sockets. No sleeps: every wait is a
// blocking read with a deadline.
#include "solvers/http01_responder.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/raw_client.h"

namespace certpilot::solvers {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

constexpr char kToken[] = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
constexpr char kKeyAuth[] =
    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-"
    "EBXdN7cBkH1WOu0tA3M9fm21mqTI";

// ---------------------------------------------------------------------------
// Http01Respond: the protocol as a pure function.

std::optional<std::string> Lookup(std::string_view token) {
  if (token == kToken) return std::string(kKeyAuth);
  return std::nullopt;
}

Http01Exchange Respond(std::string_view input, size_t max = 8192) {
  return Http01Respond(input, max, Lookup);
}

std::string Get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: example.com\r\n" +
         std::string(extra) + "\r\n";
}

std::string ChallengePath(std::string_view token = kToken) {
  return "/.well-known/acme-challenge/" + std::string(token);
}

TEST(Http01RespondTest, KnownTokenIs200WithKeyAuthorization) {
  std::string request = Get(ChallengePath());
  Http01Exchange ex = Respond(request);
  ASSERT_TRUE(ex.complete);
  EXPECT_EQ(ex.status, 200);
  EXPECT_EQ(ex.consumed, request.size());
  EXPECT_FALSE(ex.close);
  EXPECT_EQ(ex.response, std::string("HTTP/1.1 200 OK\r\n"
                                     "Content-Type: text/plain\r\n"
                                     "Content-Length: 87\r\n\r\n") +
                             kKeyAuth);
}

TEST(Http01RespondTest, HeadHasNoBody) {
  Http01Exchange ex =
      Respond("HEAD " + ChallengePath() + " HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(ex.status, 200);
  EXPECT_THAT(ex.response, HasSubstr("Content-Length: 87\r\n"));
  EXPECT_EQ(ex.response.substr(ex.response.size() - 4), "\r\n\r\n");
}

TEST(Http01RespondTest, UnknownTokensAndPathsAre404) {
  for (const std::string& path :
       {ChallengePath("unknown"), ChallengePath(""), ChallengePath("a/b"),
        ChallengePath(std::string(kToken) + "/"), std::string("/"),
        std::string("/.well-known/acme-challenge"), std::string("/index.html"),
        std::string("/../.well-known/acme-challenge/") + kToken,
        ChallengePath("%65vaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA")}) {
    Http01Exchange ex = Respond(Get(path));
    EXPECT_EQ(ex.status, 404) << path;
    EXPECT_FALSE(ex.close) << path;
  }
}

TEST(Http01RespondTest, AbsoluteFormAndQueryAreAccepted) {
  EXPECT_EQ(Respond(Get("http://example.com" + ChallengePath())).status, 200);
  EXPECT_EQ(Respond(Get("HTTP://example.com:80" + ChallengePath())).status,
            200);
  EXPECT_EQ(Respond(Get(ChallengePath() + "?x=1")).status, 200);
  EXPECT_EQ(Respond(Get("ftp://example.com" + ChallengePath())).status, 400);
}

TEST(Http01RespondTest, OtherMethodsAre405) {
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "get"}) {
    Http01Exchange ex = Respond(std::string(method) + " " + ChallengePath() +
                                " HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_EQ(ex.status, 405) << method;
    EXPECT_THAT(ex.response, HasSubstr("\r\nAllow: GET, HEAD\r\n"));
  }
}

TEST(Http01RespondTest, MalformedRequestsAre400AndClose) {
  for (const std::string& request : {
           std::string("GET\r\n\r\n"),
           std::string("GET /\r\n\r\n"),
           std::string("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"),
           std::string("GET / HTTP/1.1 x\r\nHost: a\r\n\r\n"),
           std::string("GET / HTTX/1.1\r\nHost: a\r\n\r\n"),
           std::string("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\n\r\n"),  // no Host
           std::string("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"),
           std::string(
               "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
                       "Content-Length: 2\r\n\r\n"),
           std::string("GET *\x01 HTTP/1.1\r\nHost: a\r\n\r\n"),
           std::string("GET example.com/ HTTP/1.1\r\nHost: a\r\n\r\n"),
       }) {
    Http01Exchange ex = Respond(request);
    ASSERT_TRUE(ex.complete) << request;
    EXPECT_EQ(ex.status, 400) << request;
    EXPECT_TRUE(ex.close) << request;
    EXPECT_THAT(ex.response, HasSubstr("Connection: close\r\n"));
  }
  EXPECT_EQ(Respond("GET / HTTP/2.0\r\nHost: a\r\n\r\n").status, 505);
}

TEST(Http01RespondTest, IncompleteRequestAsksForMore) {
  std::string request = Get(ChallengePath());
  for (size_t n = 0; n < request.size(); ++n) {
    EXPECT_FALSE(Respond(request.substr(0, n)).complete) << n;
  }
}

TEST(Http01RespondTest, OversizeRequestsAre414Or431) {
  std::string long_line = "GET /" + std::string(200, 'a');
  Http01Exchange ex = Respond(long_line, 100);
  EXPECT_EQ(ex.status, 414);
  EXPECT_TRUE(ex.close);
  std::string big_headers =
      "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(200, 'b');
  ex = Respond(big_headers, 100);
  EXPECT_EQ(ex.status, 431);
  EXPECT_TRUE(ex.close);
  // Complete, but over the cap, is still refused.
  ex = Respond(big_headers + "\r\n\r\n", 100);
  EXPECT_EQ(ex.status, 431);
  // Exactly at the cap is fine.
  std::string fits = Get(ChallengePath());
  EXPECT_EQ(Respond(fits, fits.size()).status, 200);
  EXPECT_EQ(Respond(fits, fits.size() - 1).status, 431);
}

TEST(Http01RespondTest, ConnectionSemantics) {
  EXPECT_TRUE(Respond(Get("/", "Connection: close\r\n")).close);
  EXPECT_TRUE(Respond(Get("/", "Connection: Keep-Alive, CLOSE\r\n")).close);
  Http01Exchange http10 = Respond("GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(http10.status, 404);
  EXPECT_TRUE(http10.close);
  Http01Exchange http10_ka =
      Respond("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_FALSE(http10_ka.close);
  EXPECT_THAT(http10_ka.response, HasSubstr("Connection: keep-alive\r\n"));
  // A request body is never parsed as the next request: answer and close.
  Http01Exchange with_body =
      Respond(Get(ChallengePath(), "Content-Length: 5\r\n"));
  EXPECT_EQ(with_body.status, 200);
  EXPECT_TRUE(with_body.close);
  EXPECT_TRUE(Respond(Get("/", "Transfer-Encoding: chunked\r\n")).close);
  EXPECT_FALSE(Respond(Get("/", "Content-Length: 0\r\n")).close);
}

TEST(Http01RespondTest, PipelinedRequestsAreConsumedOneAtATime) {
  std::string first = Get(ChallengePath());
  std::string second = Get("/other");
  std::string both = first + second;
  Http01Exchange ex = Respond(both);
  EXPECT_EQ(ex.status, 200);
  EXPECT_EQ(ex.consumed, first.size());
  ex = Respond(std::string_view(both).substr(ex.consumed));
  EXPECT_EQ(ex.status, 404);
  EXPECT_EQ(ex.consumed, second.size());
}

TEST(Http01RespondTest, LeadingBlankLinesAndBareLfAreTolerated) {
  EXPECT_EQ(Respond("\r\n\r\n" + Get(ChallengePath())).status, 200);
  EXPECT_EQ(Respond("GET " + ChallengePath() + " HTTP/1.1\nHost: a\n\n").status,
            200);
}

// Abusive clients: path tricks. The responder serves exactly
// /.well-known/acme-challenge/<token>; nothing is decoded or normalised, so
// no spelling of another path can reach a token (and none reaches a file:
// it never touches the filesystem).
TEST(Http01RespondTest, PathTricksNeverReachAToken) {
  const std::string t = kToken;
  const std::string w = "/.well-known/acme-challenge/";
  for (const std::string& target : {
           w + "x/../" + t,
           w + "./" + t,
           "/.well-known/x/../acme-challenge/" + t,
           "/x/../.well-known/acme-challenge/" + t,
           w + "%2e%2e/acme-challenge/" + t,
           w + "%2E%2E/" + t,
           w + ".%2e/" + t,
           "/.well-known%2facme-challenge%2f" + t,
           "/.well-known/acme-challenge%2F" + t,
           w + "%2f" + t,
           w + "%2F" + t,
           "/.well-known\\acme-challenge\\" + t,
           "\\.well-known\\acme-challenge\\" + t,
           "/.well-known/acme-challenge\\" + t,
           "//.well-known/acme-challenge/" + t,
           "/.well-known//acme-challenge/" + t,
           w + "/" + t,
           "/.WELL-KNOWN/acme-challenge/" + t,
           w + t + "%00",
           w + t + "/..",
           w + t + "/.",
           w + t + "%20",
           "http://example.com/x/../.well-known/acme-challenge/" + t,
           "http://example.com/../.well-known/acme-challenge/" + t,
           "http://example.com%2f.well-known/acme-challenge/" + t,
           std::string("*"),
       }) {
    Http01Exchange ex = Respond(Get(target));
    ASSERT_TRUE(ex.complete) << target;
    EXPECT_NE(ex.status, 200) << target;
    EXPECT_EQ(ex.response.find(kKeyAuth), std::string::npos) << target;
  }
  // An 8 KB path is refused as too long, not served or buffered further.
  Http01Exchange ex = Respond(Get(w + std::string(8192, 'a')));
  EXPECT_EQ(ex.status, 414);
  EXPECT_TRUE(ex.close);
}

// ---------------------------------------------------------------------------
// The server, over real loopback sockets.

using testing::RawClient;

Http01ResponderOptions LoopbackOptions() {
  Http01ResponderOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  return options;
}

std::string Body(const std::string& response) {
  size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

TEST(Http01ResponderTest, ServesAKnownTokenOnAnEphemeralPort) {
  Http01Responder responder(LoopbackOptions());
  responder.Add(kToken, kKeyAuth);
  responder.Start();
  ASSERT_GT(responder.port(), 0);
  RawClient client(responder.port());
  ASSERT_TRUE(client.Send(Get(ChallengePath())));
  std::string response = client.ReadResponse();
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(response, HasSubstr("\r\nContent-Type: text/plain\r\n"));
  EXPECT_EQ(Body(response), kKeyAuth);
  EXPECT_EQ(responder.requests_served(), 1u);
}

TEST(Http01ResponderTest, UnknownTokenIs404AndRemoveWorks) {
  Http01Responder responder(LoopbackOptions());
  responder.Start();
  responder.Add(kToken, kKeyAuth);  // after Start: seen by the server
  responder.Add("other-token", "other-token.thumb");
  RawClient client(responder.port());
  client.Send(Get(ChallengePath("nope")));
  EXPECT_THAT(client.ReadResponse(), StartsWith("HTTP/1.1 404 Not Found\r\n"));
  client.Send(Get(ChallengePath()));
  EXPECT_EQ(Body(client.ReadResponse()), kKeyAuth);
  responder.Remove(kToken);
  responder.Remove("never-added");
  client.Send(Get(ChallengePath()));
  EXPECT_THAT(client.ReadResponse(), StartsWith("HTTP/1.1 404 "));
  client.Send(Get(ChallengePath("other-token")));
  EXPECT_EQ(Body(client.ReadResponse()), "other-token.thumb");
}

TEST(Http01ResponderTest, KeepAliveAndPipelining) {
  Http01Responder responder(LoopbackOptions());
  responder.Add(kToken, kKeyAuth);
  responder.Start();
  RawClient client(responder.port());
  // Two requests one after the other on one connection...
  client.Send(Get(ChallengePath()));
  EXPECT_EQ(Body(client.ReadResponse()), kKeyAuth);
  client.Send(Get(ChallengePath()));
  EXPECT_EQ(Body(client.ReadResponse()), kKeyAuth);
  // ...then three pipelined in one write, answered in order.
  client.Send(Get("/missing") + "HEAD " + ChallengePath() +
              " HTTP/1.1\r\nHost: a\r\n\r\n" + Get(ChallengePath()));
  EXPECT_THAT(client.ReadResponse(), StartsWith("HTTP/1.1 404 "));
  std::string head = client.ReadResponse(/*head=*/true);
  EXPECT_THAT(head, StartsWith("HTTP/1.1 200 "));
  EXPECT_EQ(Body(head), "");
  EXPECT_EQ(Body(client.ReadResponse()), kKeyAuth);
  EXPECT_EQ(responder.requests_served(), 5u);
}

TEST(Http01ResponderTest, ConnectionCloseIsHonoured) {
  Http01Responder responder(LoopbackOptions());
  responder.Add(kToken, kKeyAuth);
  responder.Start();
  RawClient client(responder.port());
  client.Send(Get(ChallengePath(), "Connection: close\r\n") +
              Get(ChallengePath()));
  EXPECT_TRUE(client.WaitForClose());
  // Exactly one response: the pipelined second request was not answered.
  EXPECT_EQ(Body(client.buffered()), kKeyAuth);
  EXPECT_THAT(client.buffered(), HasSubstr("Connection: close\r\n"));
}

TEST(Http01ResponderTest, HalfClosedClientStillGetsItsAnswer) {
  Http01Responder responder(LoopbackOptions());
  responder.Add(kToken, kKeyAuth);
  responder.Start();
  RawClient client(responder.port());
  client.Send(Get(ChallengePath()));
  client.ShutdownWrite();  // like `nc -N`: request sent, then EOF
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(Body(client.buffered()), kKeyAuth);
}

TEST(Http01ResponderTest, MalformedAndOversizeRequestsGetAnErrorAndAClose) {
  Http01ResponderOptions options = LoopbackOptions();
  options.max_request_bytes = 512;
  Http01Responder responder(options);
  responder.Start();
  {
    RawClient client(responder.port());
    client.Send("BLAH\r\n\r\n");
    EXPECT_TRUE(client.WaitForClose());
    EXPECT_THAT(client.buffered(), StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  }
  {
    RawClient client(responder.port());
    client.Send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " +
                std::string(4096, 'x'));
    EXPECT_TRUE(client.WaitForClose());
    EXPECT_THAT(client.buffered(), StartsWith("HTTP/1.1 431 "));
  }
  {
    RawClient client(responder.port());
    client.Send("POST " + ChallengePath() + " HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_THAT(client.ReadResponse(), StartsWith("HTTP/1.1 405 "));
  }
}

TEST(Http01ResponderTest, IdleAndSlowlorisConnectionsDoNotStallIt) {
  Http01Responder responder(LoopbackOptions());
  responder.Add(kToken, kKeyAuth);
  responder.Start();
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(std::make_unique<RawClient>(responder.port()));
  }
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(std::make_unique<RawClient>(responder.port()));
    slow.back()->Send("GET " + ChallengePath() + " HTTP/1.1\r\nHost: a\r\nX-");
  }
  // Accept order is FIFO, so this is served after the 250 were taken.
  RawClient fresh(responder.port());
  ASSERT_TRUE(fresh.Send(Get(ChallengePath())));
  EXPECT_EQ(Body(fresh.ReadResponse()), kKeyAuth);
  // The slow ones finish their requests and are answered too.
  slow[7]->Send("Y: 1\r\n\r\n");
  EXPECT_EQ(Body(slow[7]->ReadResponse()), kKeyAuth);
  EXPECT_EQ(responder.requests_served(), 2u);
}

TEST(Http01ResponderTest, BeyondMaxConnectionsTheStalestIsEvicted) {
  Http01ResponderOptions options = LoopbackOptions();
  options.max_connections = 8;
  options.idle_timeout = 600s;  // so only eviction can close them here
  Http01Responder responder(options);
  responder.Add(kToken, kKeyAuth);
  responder.Start();
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<RawClient>(responder.port()));
  }
  RawClient fresh(responder.port());
  fresh.Send(Get(ChallengePath()));
  EXPECT_EQ(Body(fresh.ReadResponse()), kKeyAuth);
  // The first connections were closed to make room.
  EXPECT_TRUE(idle[0]->WaitForClose());
  EXPECT_TRUE(idle[11]->WaitForClose());
}

TEST(Http01ResponderTest, IdleConnectionsTimeOut) {
  Http01ResponderOptions options = LoopbackOptions();
  options.idle_timeout = 50ms;
  Http01Responder responder(options);
  responder.Add(kToken, kKeyAuth);
  responder.Start();
  RawClient client(responder.port());
  client.Send(Get(ChallengePath()));
  EXPECT_EQ(Body(client.ReadResponse()), kKeyAuth);
  EXPECT_TRUE(client.WaitForClose());  // keep-alive, but idle
}

TEST(Http01ResponderTest, TricklingHeadersHitTheHeaderDeadline) {
  Http01ResponderOptions options = LoopbackOptions();
  options.idle_timeout = 600s;  // never reached within this test
  options.header_timeout = 50ms;
  Http01Responder responder(options);
  responder.Start();
  RawClient client(responder.port());
  client.Send("GET / HTTP/1.1\r\n");
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(client.buffered(), "");
}

TEST(Http01ResponderTest, PortInUseNamesThePortAndSuggestsWebroot) {
  Http01Responder first(LoopbackOptions());
  first.Start();
  Http01ResponderOptions options = LoopbackOptions();
  options.port = first.port();
  Http01Responder second(options);
  try {
    second.Start();
    FAIL() << "Start on a used port succeeded";
  } catch (const ResponderError& e) {
    EXPECT_EQ(e.port(), first.port());
    EXPECT_EQ(std::string(e.what()),
              "cannot listen on port " + std::to_string(first.port()) +
                  " (127.0.0.1): Address already in use; stop the process "
                  "using it or use --webroot");
  }
  second.Stop();  // never started: a no-op
}

TEST(Http01ResponderTest, InvalidAddressIsAResponderError) {
  Http01ResponderOptions options = LoopbackOptions();
  options.address = "localhost";  // names are not resolved
  Http01Responder responder(options);
  EXPECT_THROW(responder.Start(), ResponderError);
}

TEST(Http01ResponderTest, ServesOnIpv6Loopback) {
  Http01ResponderOptions options = LoopbackOptions();
  options.address = "[::1]";
  Http01Responder responder(options);
  try {
    responder.Start();
  } catch (const ResponderError& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  responder.Add(kToken, kKeyAuth);
  RawClient client(responder.port(), "::1");
  client.Send(Get(ChallengePath()));
  EXPECT_EQ(Body(client.ReadResponse()), kKeyAuth);
}

TEST(Http01ResponderTest, StopWithOpenConnectionsReturnsAndClosesThem) {
  Http01Responder responder(LoopbackOptions());
  responder.Add(kToken, kKeyAuth);
  responder.Start();
  const int port = responder.port();
  RawClient idle(port);
  RawClient partial(port);
  partial.Send("GET / HTTP/1.1\r\n");
  RawClient served(port);
  served.Send(Get(ChallengePath()));
  EXPECT_EQ(Body(served.ReadResponse()), kKeyAuth);
  responder.Stop();
  responder.Stop();  // idempotent
  EXPECT_TRUE(idle.WaitForClose());
  EXPECT_TRUE(partial.WaitForClose());
  EXPECT_TRUE(served.WaitForClose());
  // Restartable; the served count carries over.
  responder.Start();
  RawClient again(responder.port());
  again.Send(Get(ChallengePath()));
  EXPECT_EQ(Body(again.ReadResponse()), kKeyAuth);
  EXPECT_EQ(responder.requests_served(), 2u);
  EXPECT_THROW(responder.Start(), ResponderError);  // already running
}

TEST(Http01ResponderTest, TokensCanChangeWhileServing) {
  Http01Responder responder(LoopbackOptions());
  responder.Start();
  // Parallel orders add and remove their tokens from their own threads.
  std::vector<std::thread> orders;
  for (int t = 0; t < 4; ++t) {
    orders.emplace_back([&responder, t] {
      for (int i = 0; i < 200; ++i) {
        std::string token = "t" + std::to_string(t) + "-" + std::to_string(i);
        responder.Add(token, token + ".k");
        if (i % 2 == 0) responder.Remove(token);
      }
    });
  }
  RawClient client(responder.port());
  for (int i = 0; i < 20; ++i) {
    client.Send(Get(ChallengePath("t0-" + std::to_string(2 * i + 1))));
    std::string response = client.ReadResponse();
    EXPECT_THAT(response, StartsWith("HTTP/1.1 "));  // 200 or 404, never junk
  }
  for (auto& order : orders) order.join();
  client.Send(Get(ChallengePath("t3-199")));
  EXPECT_EQ(Body(client.ReadResponse()), "t3-199.k");
  client.Send(Get(ChallengePath("t3-198")));
  EXPECT_THAT(client.ReadResponse(), StartsWith("HTTP/1.1 404 "));
}

// Abusive clients: 1 MB of headers on one connection. The responder
// answers 431 at its cap and closes; it keeps serving others.
TEST(Http01ResponderTest, OneMegabyteOfHeadersIsCutOffAtTheCap) {
  Http01Responder responder(LoopbackOptions());  // cap: 8192 bytes
  responder.Add(kToken, kKeyAuth);
  responder.Start();
  RawClient flood(responder.port());
  // Sent from another thread: the responder stops reading at the cap, so
  // the sender may block until the connection is closed under it.
  std::thread sender([&flood] {
    std::string headers = "GET " + ChallengePath() + " HTTP/1.1\r\nHost: a\r\n";
    while (headers.size() < (1u << 20))
      headers += "X-Padding: " + std::string(100, 'p') + "\r\n";
    flood.Send(headers + "\r\n");  // fails (EPIPE/ECONNRESET) once closed
  });
  EXPECT_TRUE(flood.WaitForClose());
  sender.join();
  EXPECT_THAT(flood.buffered(), StartsWith("HTTP/1.1 431 "));
  EXPECT_EQ(flood.buffered().find(kKeyAuth), std::string::npos);
  RawClient next(responder.port());
  next.Send(Get(ChallengePath()));
  EXPECT_EQ(Body(next.ReadResponse()), kKeyAuth);
}

// Descriptors open in this process.
int OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return -1;
  int n = 0;
  while (readdir(dir)) ++n;
  closedir(dir);
  return n - 3;  // ".", ".." and the directory's own descriptor
}

// Abusive clients: 5,000 connection attempts that are never closed by the
// client (half of them slowloris). The responder holds at most
// max_connections of them (plus, for an instant, the one it has just
// accepted), evicting the stalest, and still answers a fresh request.
TEST(Http01ResponderTest, FiveThousandConnectionsKeepItsDescriptorsBounded) {
  constexpr int kAttempts = 5000;
  constexpr int kMax = 64;
  // The client side holds all 5,000: raise this process's soft limit.
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  const rlim_t need = kAttempts + 512;
  rlimit raised = saved;
  if (raised.rlim_cur < need) raised.rlim_cur = std::min(need, raised.rlim_max);
  ASSERT_GE(raised.rlim_cur, need)
      << "this test needs RLIMIT_NOFILE of at least " << need << " (ulimit -n)";
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &raised), 0);
  struct Restore {
    rlimit limit;
    ~Restore() { setrlimit(RLIMIT_NOFILE, &limit); }
  } restore{saved};

  Http01ResponderOptions options = LoopbackOptions();
  options.max_connections = kMax;
  options.idle_timeout = 600s;  // only the cap may close them here
  options.header_timeout = 600s;
  Http01Responder responder(options);
  responder.Add(kToken, kKeyAuth);
  responder.Start();
  const int baseline = OpenFds();
  ASSERT_GT(baseline, 0);

  std::vector<std::unique_ptr<RawClient>> clients;
  int most = 0;  // the most descriptors the responder was seen to hold
  for (int i = 0; i < kAttempts; ++i) {
    clients.push_back(std::make_unique<RawClient>(responder.port()));
    ASSERT_TRUE(clients.back()->connected()) << "attempt " << i;
    if (i % 2) clients.back()->Send("GET / HTTP/1.1\r\nHost: a\r\nX-");
    if (i % 250 == 249) {
      most = std::max(most,
                      OpenFds() - baseline - static_cast<int>(clients.size()));
    }
  }
  // Accepts are FIFO: once this one is answered, all 5,000 were taken.
  RawClient fresh(responder.port());
  ASSERT_TRUE(fresh.Send(Get(ChallengePath())));
  EXPECT_EQ(Body(fresh.ReadResponse()), kKeyAuth);
  most = std::max(most,
                  OpenFds() - baseline - static_cast<int>(clients.size()) - 1);
  EXPECT_LE(most, kMax + 1);
  // The evicted connections were really closed, not just forgotten.
  EXPECT_TRUE(clients.front()->WaitForClose());
  EXPECT_TRUE(clients[kAttempts / 2]->WaitForClose());
}

}  // namespace
}  // namespace certpilot::solvers
