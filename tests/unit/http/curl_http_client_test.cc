// CurlHttpClient against tiny servers on 127.0.0.1, port 0: a plain-HTTP
// server for the mechanics (https_only = false) and a TLS server for
// certificate verification. No sleeps: the servers run on their own thread
// and are joined; clients block on real responses.
#include "http/curl_http_client.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace certpilot::http {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::TempDir;

// ---------------------------------------------------------------------------
// Socket helpers.

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// A listening socket on 127.0.0.1 with an ephemeral port.
Fd ListenLoopback(int* port) {
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_GE(fd.get(), 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(listen(fd.get(), 64), 0);
  socklen_t len = sizeof addr;
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

// A safety net so a broken client can never hang a server thread forever.
void SetIoTimeouts(int fd) {
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// A self-pipe that tells a server thread to stop.
class Waker {
 public:
  Waker() { EXPECT_EQ(pipe2(fds_, O_CLOEXEC), 0); }
  ~Waker() {
    close(fds_[0]);
    close(fds_[1]);
  }
  void Wake() { (void)!write(fds_[1], "x", 1); }
  int read_fd() const { return fds_[0]; }

 private:
  int fds_[2];
};

// ---------------------------------------------------------------------------
// Plain-HTTP loopback server.

struct ReceivedRequest {
  int connection = 0;  // 1-based accept order
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::vector<std::string> raw_header_lines;
  std::string body;
};

struct Reply {
  std::string raw;            // sent verbatim
  uint64_t stream_bytes = 0;  // then this many filler bytes
  bool close_after = false;   // then close the connection
  bool no_reply = false;      // send nothing, keep the connection open
};

class LoopbackServer {
 public:
  using Handler = std::function<Reply(const ReceivedRequest&)>;

  explicit LoopbackServer(Handler handler)
      : handler_(std::move(handler)), listener_(ListenLoopback(&port_)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~LoopbackServer() { Stop(); }

  // Wakes the server thread and joins it. Idempotent.
  void Stop() {
    if (!thread_.joinable()) return;
    waker_.Wake();
    thread_.join();
  }

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int connections_accepted() const { return accepted_.load(); }
  uint64_t streamed_bytes() const { return streamed_.load(); }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  struct Connection {
    Fd fd;
    int id = 0;
    std::string in;
  };

  void Run() {
    std::vector<std::unique_ptr<Connection>> conns;
    while (true) {
      std::vector<pollfd> fds = {{waker_.read_fd(), POLLIN, 0},
                                 {listener_.get(), POLLIN, 0}};
      for (auto& c : conns) fds.push_back({c->fd.get(), POLLIN, 0});
      if (poll(fds.data(), fds.size(), -1) < 0) continue;
      if (fds[0].revents) return;
      if (fds[1].revents & POLLIN) {
        auto c = std::make_unique<Connection>();
        c->fd = Fd(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (c->fd.get() >= 0) {
          SetIoTimeouts(c->fd.get());
          c->id = ++accepted_;
          conns.push_back(std::move(c));
        }
      }
      for (size_t i = 2; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        Connection& c = *conns[i - 2];
        char buf[16384];
        ssize_t n = recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) {
          if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
          c.fd.Reset();
          continue;
        }
        c.in.append(buf, static_cast<size_t>(n));
        ServeBuffered(c);
      }
      std::erase_if(conns, [](const auto& c) { return c->fd.get() < 0; });
    }
  }

  // Answers every complete request in c.in, in order.
  void ServeBuffered(Connection& c) {
    while (c.fd.get() >= 0) {
      size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      ReceivedRequest request;
      request.connection = c.id;
      std::string head = c.in.substr(0, end);
      size_t line_start = 0;
      bool first = true;
      while (line_start <= head.size()) {
        size_t line_end = head.find("\r\n", line_start);
        if (line_end == std::string::npos) line_end = head.size();
        std::string line = head.substr(line_start, line_end - line_start);
        line_start = line_end + 2;
        if (first) {
          first = false;
          size_t sp1 = line.find(' ');
          size_t sp2 = line.find(' ', sp1 + 1);
          request.method = line.substr(0, sp1);
          request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
          continue;
        }
        request.raw_header_lines.push_back(line);
        size_t colon = line.find(':');
        std::string name = line.substr(0, colon);
        for (char& ch : name) ch = static_cast<char>(std::tolower(ch));
        size_t v = line.find_first_not_of(' ', colon + 1);
        request.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      size_t body_len = 0;
      if (auto it = request.headers.find("content-length");
          it != request.headers.end()) {
        body_len = std::stoul(it->second);
      }
      if (c.in.size() < end + 4 + body_len) return;
      request.body = c.in.substr(end + 4, body_len);
      c.in.erase(0, end + 4 + body_len);
      Reply reply = handler_(request);
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(request);
      }
      if (reply.no_reply) continue;
      bool ok = SendAll(c.fd.get(), reply.raw);
      const std::string chunk(64 * 1024, 'x');
      for (uint64_t left = reply.stream_bytes; ok && left > 0;) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
        ok = SendAll(c.fd.get(), std::string_view(chunk).substr(0, n));
        if (ok) {
          streamed_ += n;
          left -= n;
        }
      }
      if (!ok || reply.close_after) c.fd.Reset();
    }
  }

  Handler handler_;
  int port_ = 0;
  Fd listener_;
  Waker waker_;
  std::atomic<int> accepted_{0};
  std::atomic<uint64_t> streamed_{0};
  mutable std::mutex mu_;
  std::vector<ReceivedRequest> requests_;
  std::thread thread_;
};

Reply Ok(const std::string& body, const std::string& extra_headers = "") {
  return {"HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n" + extra_headers + "\r\n" + body};
}

CurlOptions PlainHttpOptions() {
  CurlOptions options;
  options.https_only = false;
  options.connect_timeout = std::chrono::seconds(5);
  options.total_timeout = std::chrono::seconds(20);
  options.user_agent = "certpilot-test/1";
  return options;
}

Request Get(const std::string& url) {
  Request request;
  request.url = url;
  return request;
}

// Runs `request` and returns the TransportError message; fails the test if
// no TransportError is thrown.
std::string TransportErrorOf(CurlHttpClient& client, const Request& request) {
  try {
    Response response = client.Do(request);
    ADD_FAILURE() << "expected TransportError, got HTTP " << response.status;
  } catch (const TransportError& e) {
    EXPECT_EQ(e.url(), request.url);
    return e.what();
  }
  return "";
}

// ---------------------------------------------------------------------------
// Scheme checks.

TEST(CurlHttpClientTest, HttpsOnlyRefusesPlainHttpWithoutConnecting) {
  LoopbackServer server([](const ReceivedRequest&) { return Ok("hi"); });
  CurlOptions options = PlainHttpOptions();
  options.https_only = true;
  CurlHttpClient strict(options);
  const std::string url = server.Url("/directory");
  EXPECT_EQ(TransportErrorOf(strict, Get(url)),
            "GET " + url + ": refusing a non-https URL");
  Request post = Get(server.Url("/new-order"));
  post.method = "POST";
  EXPECT_THAT(TransportErrorOf(strict, post), StartsWith("POST http://"));

  // A later request from another client is the server's first connection:
  // the refused ones never reached it (accept order is FIFO).
  CurlHttpClient lax(PlainHttpOptions());
  EXPECT_EQ(lax.Do(Get(server.Url("/ok"))).body, "hi");
  EXPECT_EQ(server.connections_accepted(), 1);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/ok");
}

TEST(CurlHttpClientTest, RefusesOtherSchemesAndMethods) {
  CurlHttpClient client(PlainHttpOptions());
  EXPECT_THAT(TransportErrorOf(client, Get("ftp://127.0.0.1/x")),
              HasSubstr("only http:// and https://"));
  EXPECT_THAT(TransportErrorOf(client, Get("file:///etc/passwd")),
              StartsWith("GET file:///etc/passwd: "));
  EXPECT_THAT(TransportErrorOf(client, Get("127.0.0.1/x")),
              StartsWith("GET 127.0.0.1/x: "));
  EXPECT_THAT(
      TransportErrorOf(client, Get(std::string("https://a.test/\0x", 17))),
      HasSubstr("invalid URL"));
  Request trace = Get("http://127.0.0.1:1/x");
  trace.method = "TRACE";
  EXPECT_THAT(TransportErrorOf(client, trace), HasSubstr("unsupported method"));
}

TEST(CurlHttpClientTest, RejectsHeaderInjection) {
  CurlHttpClient client(PlainHttpOptions());
  Request request = Get("http://127.0.0.1:1/x");
  request.headers = {{"X-A", "1\r\nX-Injected: 2"}};
  EXPECT_THAT(TransportErrorOf(client, request),
              HasSubstr("invalid request header"));
}

// ---------------------------------------------------------------------------
// Request and response mechanics over plain HTTP.

TEST(CurlHttpClientTest, GetCollectsStatusHeadersAndBody) {
  LoopbackServer server([](const ReceivedRequest&) {
    return Reply{
        "HTTP/1.1 201 Created\r\n"
        "Content-Type: application/json\r\n"
        "Link: <http://x/1>;rel=\"up\"\r\n"
        "X-Mixed-Case:   spaced value \t\r\n"
        "Link: <http://x/2>;rel=\"alternate\"\r\n"
        "Content-Length: 7\r\n"
        "\r\n"
        "{\"a\":1}"};
  });
  CurlHttpClient client(PlainHttpOptions());
  Response response = client.Do(Get(server.Url("/dir")));
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "{\"a\":1}");
  EXPECT_EQ(response.Header("content-type"), "application/json");
  EXPECT_EQ(response.AllHeaders("link"),
            (std::vector<std::string>{"<http://x/1>;rel=\"up\"",
                                      "<http://x/2>;rel=\"alternate\""}));
  // Names as received, values trimmed, order kept.
  ASSERT_EQ(response.headers.size(), 5u);
  EXPECT_EQ(response.headers[2].first, "X-Mixed-Case");
  EXPECT_EQ(response.headers[2].second, "spaced value");
  EXPECT_EQ(response.headers[4].first, "Content-Length");

  ASSERT_EQ(server.requests().size(), 1u);
  const ReceivedRequest seen = server.requests()[0];
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/dir");
  EXPECT_EQ(seen.headers.at("user-agent"), "certpilot-test/1");
}

TEST(CurlHttpClientTest, InterimResponsesAreNotMixedIn) {
  LoopbackServer server([](const ReceivedRequest&) {
    return Reply{
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        "HTTP/1.1 200 OK\r\nLink: <http://x/final>;rel=\"up\"\r\n"
        "Content-Length: 2\r\n\r\nok"};
  });
  CurlHttpClient client(PlainHttpOptions());
  Response response = client.Do(Get(server.Url("/")));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.AllHeaders("Link"),
            std::vector<std::string>{"<http://x/final>;rel=\"up\""});
}

TEST(CurlHttpClientTest, ErrorStatusesAreResponses) {
  LoopbackServer server([](const ReceivedRequest&) {
    return Reply{
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\n"
        "Content-Length: 4\r\n\r\nbusy"};
  });
  CurlHttpClient client(PlainHttpOptions());
  Response response = client.Do(Get(server.Url("/")));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.Header("retry-after"), "3");
  EXPECT_EQ(response.body, "busy");
}

TEST(CurlHttpClientTest, DefaultUserAgentNamesCertpilot) {
  LoopbackServer server([](const ReceivedRequest&) { return Ok(""); });
  CurlOptions options = PlainHttpOptions();
  options.user_agent.clear();
  CurlHttpClient client(options);
  client.Do(Get(server.Url("/")));
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_THAT(server.requests()[0].headers.at("user-agent"),
              StartsWith("certpilot/"));
}

TEST(CurlHttpClientTest, PostSendsTheBodyExactly) {
  LoopbackServer server([](const ReceivedRequest&) { return Ok("done"); });
  CurlHttpClient client(PlainHttpOptions());
  Request request = Get(server.Url("/new-account"));
  request.method = "POST";
  request.body = std::string("{\"payload\":\"\"}\0\x01\xff", 17);
  request.body += std::string(5000, 'b');  // large enough for Expect: 100
  request.headers = {{"Content-Type", "application/jose+json"},
                     {"X-Empty", ""}};
  Response response = client.Do(request);
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(server.requests().size(), 1u);
  const ReceivedRequest seen = server.requests()[0];
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.body, request.body);
  EXPECT_EQ(seen.headers.at("content-type"), "application/jose+json");
  EXPECT_EQ(seen.headers.at("x-empty"), "");
  EXPECT_EQ(seen.headers.count("expect"), 0u);

  // Without a caller Content-Type, none is invented.
  Request bare = Get(server.Url("/bare"));
  bare.method = "POST";
  bare.body = "a=b";
  client.Do(bare);
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[1].headers.count("content-type"), 0u);
  EXPECT_EQ(server.requests()[1].body, "a=b");
}

// DNS provider APIs (PowerDNS's PATCH): the method is sent as asked, with
// the body exactly as for POST.
TEST(CurlHttpClientTest, PatchPutAndDeleteSendTheirBody) {
  LoopbackServer server([](const ReceivedRequest&) { return Ok("done"); });
  CurlHttpClient client(PlainHttpOptions());
  for (const char* method : {"PATCH", "PUT", "DELETE"}) {
    Request request = Get(server.Url("/zones/example.com."));
    request.method = method;
    request.body = R"({"rrsets":[]})";
    request.headers = {{"Content-Type", "application/json"}};
    EXPECT_EQ(client.Do(request).status, 200);
    const ReceivedRequest seen = server.requests().back();
    EXPECT_EQ(seen.method, method);
    EXPECT_EQ(seen.body, request.body);
    EXPECT_EQ(seen.headers.count("expect"), 0u);
  }
}

TEST(CurlHttpClientTest, HeadUsesNoBody) {
  LoopbackServer server([](const ReceivedRequest& request) {
    EXPECT_EQ(request.method, "HEAD");
    // A HEAD response announces the GET body's length but sends none.
    return Reply{
        "HTTP/1.1 200 OK\r\nReplay-Nonce: n1\r\n"
        "Content-Length: 50000000\r\n\r\n"};
  });
  CurlHttpClient client(PlainHttpOptions());
  Request head = Get(server.Url("/new-nonce"));
  head.method = "HEAD";
  Response response = client.Do(head);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("Replay-Nonce"), "n1");
  EXPECT_TRUE(response.body.empty());
  // The connection is still usable afterwards: a GET on it works.
  LoopbackServer other([](const ReceivedRequest&) { return Ok("g"); });
  EXPECT_EQ(client.Do(Get(other.Url("/"))).body, "g");
}

TEST(CurlHttpClientTest, RedirectsAreNotFollowed) {
  LoopbackServer server([](const ReceivedRequest& request) {
    if (request.target == "/old") {
      return Reply{
          "HTTP/1.1 302 Found\r\nLocation: /new\r\n"
          "Content-Length: 0\r\n\r\n"};
    }
    return Ok("followed");
  });
  CurlHttpClient client(PlainHttpOptions());
  Response response = client.Do(Get(server.Url("/old")));
  EXPECT_EQ(response.status, 302);
  EXPECT_EQ(response.Header("Location"), "/new");
  EXPECT_EQ(response.body, "");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/old");
}

TEST(CurlHttpClientTest, KeepAliveReusesOneConnection) {
  LoopbackServer server([](const ReceivedRequest& request) {
    return Ok("body of " + request.target);
  });
  CurlHttpClient client(PlainHttpOptions());
  EXPECT_EQ(client.Do(Get(server.Url("/a"))).body, "body of /a");
  Request head = Get(server.Url("/b"));
  head.method = "HEAD";
  EXPECT_EQ(client.Do(head).status, 200);
  Request post = Get(server.Url("/c"));
  post.method = "POST";
  post.body = "x";
  EXPECT_EQ(client.Do(post).body, "body of /c");
  EXPECT_EQ(client.Do(Get(server.Url("/d"))).body, "body of /d");

  EXPECT_EQ(server.connections_accepted(), 1);
  std::vector<ReceivedRequest> seen = server.requests();
  ASSERT_EQ(seen.size(), 4u);
  for (const auto& request : seen) EXPECT_EQ(request.connection, 1);
}

// A batch: every request answered, in request order, on connections the
// next request reuses (this server speaks HTTP/1.1, so the batch runs on
// parallel connections rather than HTTP/2 streams).
TEST(CurlHttpClientTest, DoAllAnswersEachRequestInOrder) {
  LoopbackServer server([](const ReceivedRequest& request) {
    return Ok("body of " + request.target);
  });
  CurlHttpClient client(PlainHttpOptions());
  std::vector<Request> batch;
  for (const char* path : {"/a", "/b", "/c", "/d"})
    batch.push_back(Get(server.Url(path)));
  std::vector<Response> responses = client.DoAll(batch);
  ASSERT_EQ(responses.size(), 4u);
  EXPECT_EQ(responses[0].body, "body of /a");
  EXPECT_EQ(responses[3].body, "body of /d");
  for (const Response& r : responses) EXPECT_EQ(r.status, 200);
  const int connections = server.connections_accepted();
  EXPECT_LE(connections, 4);
  EXPECT_EQ(client.Do(Get(server.Url("/e"))).body, "body of /e");
  EXPECT_EQ(server.connections_accepted(), connections);
  EXPECT_TRUE(client.DoAll({}).empty());
}

TEST(CurlHttpClientTest, DoAllTriesEveryRequestThenThrowsTheFirstFailure) {
  LoopbackServer server([](const ReceivedRequest&) { return Ok("ok"); });
  int port = 0;
  { Fd closed = ListenLoopback(&port); }  // bound, then released
  const std::string refused = "http://127.0.0.1:" + std::to_string(port) + "/";
  CurlHttpClient client(PlainHttpOptions());
  try {
    client.DoAll({Get(server.Url("/fine")), Get(refused)});
    FAIL() << "expected a TransportError";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.url(), refused);
  }
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/fine");
}

TEST(CurlHttpClientTest, DoAllRefusesABadRequestBeforeSendingAny) {
  LoopbackServer server([](const ReceivedRequest&) { return Ok("ok"); });
  CurlHttpClient client(PlainHttpOptions());
  Request bad = Get(server.Url("/x"));
  bad.method = "TRACE";
  EXPECT_THROW(client.DoAll({Get(server.Url("/fine")), bad}), TransportError);
  EXPECT_EQ(server.connections_accepted(), 0);
}

TEST(CurlHttpClientTest, ConnectionCloseForcesANewConnection) {
  LoopbackServer server([](const ReceivedRequest&) {
    Reply reply = Ok("x", "Connection: close\r\n");
    reply.close_after = true;
    return reply;
  });
  CurlHttpClient client(PlainHttpOptions());
  client.Do(Get(server.Url("/1")));
  client.Do(Get(server.Url("/2")));
  EXPECT_EQ(server.connections_accepted(), 2);
}

// ---------------------------------------------------------------------------
// Size cap.

constexpr uint64_t k256MiB = 256ull << 20;

TEST(CurlHttpClientTest, BodyAtTheCapIsAcceptedOneMoreByteIsNot) {
  LoopbackServer server([](const ReceivedRequest& request) {
    return Ok(std::string(request.target == "/big" ? 1001 : 1000, 'a'));
  });
  CurlHttpClient client(PlainHttpOptions());
  Request request = Get(server.Url("/exact"));
  request.max_body_bytes = 1000;
  EXPECT_EQ(client.Do(request).body.size(), 1000u);
  request.url = server.Url("/big");
  EXPECT_EQ(
      TransportErrorOf(client, request),
      "GET " + request.url + ": response body exceeds the limit of 1000 bytes");
}

TEST(CurlHttpClientTest, AnnouncedOversizeBodyIsRefusedBeforeReadingIt) {
  LoopbackServer server([](const ReceivedRequest&) {
    // Announces 256 MiB, sends a little, then stalls: only a Content-Length
    // check can fail this before the total timeout.
    Reply reply{"HTTP/1.1 200 OK\r\nContent-Length: " +
                std::to_string(k256MiB) + "\r\n\r\n" + std::string(100, 'x')};
    return reply;
  });
  CurlHttpClient client(PlainHttpOptions());
  EXPECT_THAT(TransportErrorOf(client, Get(server.Url("/huge"))),
              HasSubstr("exceeds the limit of 1048576 bytes"));
}

TEST(CurlHttpClientTest, AnnouncedOversizeBodyStreamIsNotBuffered) {
  LoopbackServer server([](const ReceivedRequest&) {
    Reply reply{"HTTP/1.1 200 OK\r\nContent-Length: " +
                std::to_string(k256MiB) + "\r\n\r\n"};
    reply.stream_bytes = k256MiB;
    return reply;
  });
  CurlHttpClient client(PlainHttpOptions());
  EXPECT_THAT(TransportErrorOf(client, Get(server.Url("/huge"))),
              HasSubstr("exceeds the limit of 1048576 bytes"));
  // The client dropped the connection, so the server's send fails and it
  // stops; only what fit in the socket buffers was ever sent.
  server.Stop();
  EXPECT_LT(server.streamed_bytes(), k256MiB / 4);
}

TEST(CurlHttpClientTest, UnannouncedOversizeBodyIsCountedAndAborted) {
  LoopbackServer server([](const ReceivedRequest&) {
    // No Content-Length: the body runs until the connection closes.
    Reply reply{"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"};
    reply.stream_bytes = k256MiB;
    reply.close_after = true;
    return reply;
  });
  CurlHttpClient client(PlainHttpOptions());
  Request request = Get(server.Url("/stream"));
  request.max_body_bytes = 4 << 20;
  EXPECT_THAT(TransportErrorOf(client, request),
              HasSubstr("exceeds the limit of 4194304 bytes"));
  server.Stop();
  EXPECT_GE(server.streamed_bytes(), 4u << 20);
  EXPECT_LT(server.streamed_bytes(), k256MiB / 4);
}

// ---------------------------------------------------------------------------
// Failures that produce no response.

TEST(CurlHttpClientTest, ConnectionRefusedIsATransportError) {
  int port = 0;
  { Fd closed = ListenLoopback(&port); }  // bound, then released
  CurlHttpClient client(PlainHttpOptions());
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  EXPECT_THAT(TransportErrorOf(client, Get(url)),
              StartsWith("GET " + url + ": "));
}

TEST(CurlHttpClientTest, TotalTimeoutIsATransportError) {
  LoopbackServer server([](const ReceivedRequest&) {
    Reply reply;
    reply.no_reply = true;
    return reply;
  });
  CurlOptions options = PlainHttpOptions();
  options.total_timeout = std::chrono::milliseconds(200);
  CurlHttpClient client(options);
  EXPECT_THAT(TransportErrorOf(client, Get(server.Url("/slow"))),
              HasSubstr("timed out"));
}

// ---------------------------------------------------------------------------
// TLS: a one-connection-at-a-time server using OpenSSL, with a self-signed
// certificate made here.
//
// unit_http links libcrypto but not libssl (tests/CMakeLists.txt), so the
// handful of libssl server calls are looked up at run time from the libssl
// that libcurl already loaded. The declarations come from <openssl/ssl.h>.

class LibSsl {
 public:
  static const LibSsl& Get() {
    static const LibSsl lib;
    return lib;
  }
  bool ok() const { return ok_; }

  decltype(&TLS_server_method) server_method = nullptr;
  decltype(&SSL_CTX_new) ctx_new = nullptr;
  decltype(&SSL_CTX_free) ctx_free = nullptr;
  decltype(&SSL_CTX_use_certificate) use_certificate = nullptr;
  decltype(&SSL_CTX_use_PrivateKey) use_private_key = nullptr;
  decltype(&SSL_new) ssl_new = nullptr;
  decltype(&SSL_free) ssl_free = nullptr;
  decltype(&SSL_set_fd) set_fd = nullptr;
  decltype(&SSL_accept) accept = nullptr;
  decltype(&SSL_read) read = nullptr;
  decltype(&SSL_write) write = nullptr;
  decltype(&SSL_shutdown) shutdown = nullptr;

 private:
  LibSsl() {
    void* handle = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) return;
    ok_ = Load(handle, "TLS_server_method", &server_method) &&
          Load(handle, "SSL_CTX_new", &ctx_new) &&
          Load(handle, "SSL_CTX_free", &ctx_free) &&
          Load(handle, "SSL_CTX_use_certificate", &use_certificate) &&
          Load(handle, "SSL_CTX_use_PrivateKey", &use_private_key) &&
          Load(handle, "SSL_new", &ssl_new) &&
          Load(handle, "SSL_free", &ssl_free) &&
          Load(handle, "SSL_set_fd", &set_fd) &&
          Load(handle, "SSL_accept", &accept) &&
          Load(handle, "SSL_read", &read) &&
          Load(handle, "SSL_write", &write) &&
          Load(handle, "SSL_shutdown", &shutdown);
  }
  template <typename F>
  static bool Load(void* handle, const char* name, F* out) {
    *out = reinterpret_cast<F>(dlsym(handle, name));
    return *out != nullptr;
  }
  bool ok_ = false;
};

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};

// A self-signed certificate whose subjectAltName is `san`
// (OpenSSL config syntax, e.g. "IP:127.0.0.1").
struct SelfSigned {
  std::unique_ptr<EVP_PKEY, KeyDeleter> key;
  std::unique_ptr<X509, X509Deleter> cert;
  std::string pem;
};

SelfSigned MakeSelfSigned(const std::string& san) {
  SelfSigned out;
  out.key.reset(EVP_EC_gen("P-256"));
  EXPECT_NE(out.key, nullptr);
  out.cert.reset(X509_new());
  X509* x = out.cert.get();
  X509_set_version(x, 2);
  static std::atomic<long> serial{1};
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, out.key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("certpilot test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] :
       {std::pair{NID_subject_alt_name, san.c_str()},
        std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    EXPECT_NE(ext, nullptr);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  EXPECT_GT(X509_sign(x, out.key.get(), EVP_sha256()), 0);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  out.pem.assign(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

// Serves "HTTP/1.1 200" with body "secure" over TLS to each connection whose
// handshake succeeds; counts handshakes.
class TlsServer {
 public:
  explicit TlsServer(const SelfSigned& identity)
      : ssl_(LibSsl::Get()), listener_(ListenLoopback(&port_)) {
    ctx_ = ssl_.ctx_new(ssl_.server_method());
    EXPECT_NE(ctx_, nullptr);
    EXPECT_EQ(ssl_.use_certificate(ctx_, identity.cert.get()), 1);
    EXPECT_EQ(ssl_.use_private_key(ctx_, identity.key.get()), 1);
    thread_ = std::thread([this] { Run(); });
  }
  ~TlsServer() {
    waker_.Wake();
    thread_.join();
    ssl_.ctx_free(ctx_);
  }
  std::string Url() const {
    return "https://127.0.0.1:" + std::to_string(port_) + "/tls";
  }
  int handshakes_ok() const { return handshakes_ok_.load(); }

 private:
  void Run() {
    // OpenSSL's socket BIO uses write(): a client that hangs up must give
    // EPIPE, not kill the test binary. SIGPIPE from write() is sent to the
    // writing thread, so blocking it here is enough.
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
    while (true) {
      pollfd fds[2] = {{waker_.read_fd(), POLLIN, 0},
                       {listener_.get(), POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) continue;
      if (fds[0].revents) return;
      Fd conn(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn.get() < 0) continue;
      SetIoTimeouts(conn.get());
      SSL* ssl = ssl_.ssl_new(ctx_);
      ssl_.set_fd(ssl, conn.get());
      if (ssl_.accept(ssl) == 1) {
        ++handshakes_ok_;
        std::string in;
        char buf[4096];
        while (in.find("\r\n\r\n") == std::string::npos) {
          int n = ssl_.read(ssl, buf, sizeof buf);
          if (n <= 0) break;
          in.append(buf, static_cast<size_t>(n));
        }
        const std::string reply =
            "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\n"
            "secure";
        ssl_.write(ssl, reply.data(), static_cast<int>(reply.size()));
        ssl_.shutdown(ssl);
      }
      ssl_.ssl_free(ssl);
    }
  }

  const LibSsl& ssl_;
  int port_ = 0;
  Fd listener_;
  SSL_CTX* ctx_ = nullptr;
  Waker waker_;
  std::atomic<int> handshakes_ok_{0};
  std::thread thread_;
};

class CurlTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(LibSsl::Get().ok())
        << "libssl.so.3 not loadable: " << dlerror();
  }
  CurlOptions Options(const std::string& ca_bundle) {
    CurlOptions options;  // https_only stays on
    options.ca_bundle = ca_bundle;
    options.connect_timeout = std::chrono::seconds(5);
    options.total_timeout = std::chrono::seconds(20);
    return options;
  }
  TempDir dir_;
};

TEST_F(CurlTlsTest, TrustedCertificateIsAccepted) {
  SelfSigned server_id = MakeSelfSigned("IP:127.0.0.1");
  TlsServer server(server_id);
  CurlHttpClient client(Options(dir_.Write("ca.pem", server_id.pem)));
  Response response = client.Do(Get(server.Url()));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "secure");
  EXPECT_EQ(server.handshakes_ok(), 1);
}

TEST_F(CurlTlsTest, CertificateNotInTheBundleIsRejected) {
  SelfSigned server_id = MakeSelfSigned("IP:127.0.0.1");
  SelfSigned other = MakeSelfSigned("IP:127.0.0.1");
  TlsServer server(server_id);
  CurlHttpClient client(Options(dir_.Write("other.pem", other.pem)));
  const std::string url = server.Url();
  std::string message = TransportErrorOf(client, Get(url));
  EXPECT_THAT(message, StartsWith("GET " + url + ": "));
  EXPECT_THAT(message, HasSubstr("certificate"));
  EXPECT_EQ(server.handshakes_ok(), 0);
}

TEST_F(CurlTlsTest, SelfSignedCertificateFailsAgainstTheSystemStore) {
  SelfSigned server_id = MakeSelfSigned("IP:127.0.0.1");
  TlsServer server(server_id);
  CurlHttpClient client(Options(""));
  TransportErrorOf(client, Get(server.Url()));
  EXPECT_EQ(server.handshakes_ok(), 0);
}

TEST_F(CurlTlsTest, HostNameMismatchIsRejected) {
  // Trusted, but issued for another name: host verification must fail.
  SelfSigned server_id = MakeSelfSigned("DNS:other.invalid");
  TlsServer server(server_id);
  CurlHttpClient client(Options(dir_.Write("ca.pem", server_id.pem)));
  std::string message = TransportErrorOf(client, Get(server.Url()));
  EXPECT_THAT(message, HasSubstr("target host name"));
}

}  // namespace
}  // namespace certpilot::http
