// The TLS-ALPN-01 responder (RFC 8737): the SNI names, then real TLS
// handshakes against the server on 127.0.0.1 port 0 — with acme-tls/1,
// without it, with unknown or missing SNI — and idle clients that must not
// stall it. (The certificate itself: tests/unit/crypto/.) No sleeps: waits are
// blocking reads with deadlines or polls of a counter with a deadline.
#include "solvers/tls_alpn_responder.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "crypto/digest.h"
#include "crypto/private_key.h"
#include "solvers/tls_alpn_solver.h"
#include "support/wait_for.h"
#include "unit/crypto/crypto_test_util.h"
#include "util/error.h"

namespace certpilot::solvers {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr char kKeyAuth[] =
    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-"
    "EBXdN7cBkH1WOu0tA3M9fm21mqTI";

using crypto::test_util::AcmeIdentifierExtension;
using crypto::test_util::SubjectAltNames;
using X509Ptr = crypto::test_util::X509Owner;

std::string ExpectedExtnValue() {
  // DER OCTET STRING (tag 0x04, length 32) of SHA-256(key authorization).
  return std::string("\x04\x20", 2) + crypto::Sha256(kKeyAuth);
}

TEST(TlsAlpnServerNameTest, IpIdentifiersGetAReverseNameSni) {
  EXPECT_EQ(TlsAlpnServerName({"ip", "192.0.2.7"}), "7.2.0.192.in-addr.arpa");
  EXPECT_EQ(TlsAlpnServerName({"ip", "2001:db8::1"}),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
            "ip6.arpa");
  EXPECT_EQ(TlsAlpnServerName({"dns", "Example.COM."}), "example.com");
  TlsAlpnResponder responder(TlsAlpnResponderOptions{});  // no I/O
  EXPECT_THROW(responder.Add({"ip", "not-an-ip"}, kKeyAuth), UsageError);
  EXPECT_THROW(responder.Add({"email", "a@b"}, kKeyAuth), UsageError);
}

// ---------------------------------------------------------------------------
// Handshakes.

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{10, 0};  // a deadline, not a delay: a broken server fails the test
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

struct HandshakeResult {
  bool ok = false;
  std::string error;  // OpenSSL's reason on failure
  std::string alpn;
  X509Ptr peer;
};

// sni/alpn empty: not sent.
HandshakeResult Handshake(int port, const std::string& sni,
                          const std::string& alpn, int max_version = 0) {
  HandshakeResult out;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(
      SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  if (max_version) SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  int fd = Connect(port);
  SSL_set_fd(ssl.get(), fd);
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl.get(), sni.c_str());
  if (!alpn.empty()) {
    std::string wire(1, static_cast<char>(alpn.size()));
    wire += alpn;
    SSL_set_alpn_protos(ssl.get(),
                        reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned>(wire.size()));
  }
  ERR_clear_error();
  if (SSL_connect(ssl.get()) == 1) {
    out.ok = true;
    const unsigned char* p = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(ssl.get(), &p, &len);
    out.alpn.assign(reinterpret_cast<const char*>(p), len);
    out.peer.reset(SSL_get1_peer_certificate(ssl.get()));
  } else {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    out.error = buf;
  }
  ERR_clear_error();
  ::close(fd);
  return out;
}

// Reads until the server closes the connection: EOF, or a reset (a
// connection still queued in the kernel when the listener closes is reset).
// False when the 10 s receive deadline passes first.
bool ReadsToEof(int fd) {
  char buf[256];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    return n == 0 || errno == ECONNRESET;
  }
}

class TlsAlpnResponderTest : public ::testing::Test {
 protected:
  TlsAlpnResponderTest() : responder_(Options()) { responder_.Start(); }
  static TlsAlpnResponderOptions Options() {
    TlsAlpnResponderOptions o;
    o.address = "127.0.0.1";
    o.port = 0;
    return o;
  }
  TlsAlpnResponder responder_;
};

TEST_F(TlsAlpnResponderTest, PresentsTheChallengeCertificateForAcmeTls1) {
  responder_.Add({"dns", "www.example.com"}, kKeyAuth);
  for (int version : {0, TLS1_2_VERSION}) {
    HandshakeResult r =
        Handshake(responder_.port(), "www.example.com", "acme-tls/1", version);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.alpn, "acme-tls/1");
    ASSERT_TRUE(r.peer);
    EXPECT_EQ(SubjectAltNames(r.peer.get()),
              std::vector<std::string>{"DNS:www.example.com"});
    auto ext = AcmeIdentifierExtension(r.peer.get());
    ASSERT_TRUE(ext);
    EXPECT_TRUE(ext->first);
    EXPECT_EQ(ext->second, ExpectedExtnValue());
  }
  EXPECT_TRUE(testing::WaitFor(
      [&] { return responder_.handshakes_completed() == 2; }, 10s));
}

TEST_F(TlsAlpnResponderTest, NamesAreNormalisedAndIpsAnsweredByReverseName) {
  responder_.Add({"dns", "WWW.Example.com."}, kKeyAuth);
  responder_.Add({"ip", "192.0.2.7"}, kKeyAuth);
  responder_.Add({"ip", "2001:db8::1"}, kKeyAuth);
  for (const auto& [sni, san] :
       std::vector<std::pair<std::string, std::string>>{
           {"www.example.com", "DNS:www.example.com"},
           {"7.2.0.192.in-addr.arpa", "IP:192.0.2.7"},
           {TlsAlpnServerName({"ip", "2001:db8::1"}), "IP:2001:db8::1"},
       }) {
    HandshakeResult r = Handshake(responder_.port(), sni, "acme-tls/1");
    ASSERT_TRUE(r.ok) << sni << ": " << r.error;
    EXPECT_EQ(SubjectAltNames(r.peer.get()), std::vector<std::string>{san});
    EXPECT_EQ(AcmeIdentifierExtension(r.peer.get())->second,
              ExpectedExtnValue());
  }
}

TEST_F(TlsAlpnResponderTest, AcceptsAcmeTls1AmongOtherProtocols) {
  responder_.Add({"dns", "www.example.com"}, kKeyAuth);
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(
      SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  int fd = Connect(responder_.port());
  SSL_set_fd(ssl.get(), fd);
  SSL_set_tlsext_host_name(ssl.get(), "www.example.com");
  static const unsigned char kProtos[] =
      "\x02h2\x0a"
      "acme-tls/1";
  SSL_set_alpn_protos(ssl.get(), kProtos, sizeof kProtos - 1);
  EXPECT_EQ(SSL_connect(ssl.get()), 1);
  const unsigned char* p = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl.get(), &p, &len);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(p), len), "acme-tls/1");
  ERR_clear_error();
  ::close(fd);
}

TEST_F(TlsAlpnResponderTest, RefusesHandshakesWithoutAcmeTls1) {
  responder_.Add({"dns", "www.example.com"}, kKeyAuth);
  HandshakeResult none = Handshake(responder_.port(), "www.example.com", "");
  EXPECT_FALSE(none.ok);
  EXPECT_THAT(none.error, HasSubstr("no application protocol"));
  HandshakeResult h2 = Handshake(responder_.port(), "www.example.com", "h2");
  EXPECT_FALSE(h2.ok);
  EXPECT_THAT(h2.error, HasSubstr("no application protocol"));
  EXPECT_EQ(responder_.handshakes_completed(), 0u);
}

TEST_F(TlsAlpnResponderTest, RefusesUnknownOrMissingNames) {
  responder_.Add({"dns", "www.example.com"}, kKeyAuth);
  HandshakeResult unknown =
      Handshake(responder_.port(), "other.example.com", "acme-tls/1");
  EXPECT_FALSE(unknown.ok);
  EXPECT_THAT(unknown.error, HasSubstr("unrecognized name"));
  HandshakeResult no_sni = Handshake(responder_.port(), "", "acme-tls/1");
  EXPECT_FALSE(no_sni.ok);
  EXPECT_THAT(no_sni.error, HasSubstr("unrecognized name"));
}

TEST_F(TlsAlpnResponderTest, RemoveWithdrawsOnlyTheMatchingEntry) {
  acme::Identifier id{"dns", "www.example.com"};
  responder_.Add(id, kKeyAuth);
  responder_.Add(id, "newer.keyauth");  // a newer order for the same name
  responder_.Remove(id, kKeyAuth);      // the older order's cleanup
  HandshakeResult r =
      Handshake(responder_.port(), "www.example.com", "acme-tls/1");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(AcmeIdentifierExtension(r.peer.get())->second,
            std::string("\x04\x20", 2) + crypto::Sha256("newer.keyauth"));
  responder_.Remove(id, "newer.keyauth");
  EXPECT_FALSE(
      Handshake(responder_.port(), "www.example.com", "acme-tls/1").ok);
}

TEST_F(TlsAlpnResponderTest, IdleAndGarbageClientsDoNotStallIt) {
  responder_.Add({"dns", "www.example.com"}, kKeyAuth);
  std::vector<int> idle;
  for (int i = 0; i < 5; ++i) idle.push_back(Connect(responder_.port()));
  int garbage = Connect(responder_.port());
  ASSERT_EQ(::send(garbage, "GET / HTTP/1.1\r\n\r\n", 18, MSG_NOSIGNAL), 18);
  HandshakeResult r =
      Handshake(responder_.port(), "www.example.com", "acme-tls/1");
  EXPECT_TRUE(r.ok) << r.error;
  // The garbage connection is answered with an alert and closed.
  EXPECT_TRUE(ReadsToEof(garbage));
  ::close(garbage);
  for (int fd : idle) ::close(fd);
}

TEST(TlsAlpnResponderLimitsTest, SlowHandshakesAreClosedAtTheDeadline) {
  TlsAlpnResponderOptions o;
  o.address = "127.0.0.1";
  o.port = 0;
  o.handshake_timeout = 200ms;
  TlsAlpnResponder responder(o);
  responder.Start();
  int fd = Connect(responder.port());
  EXPECT_TRUE(ReadsToEof(fd));  // well before the 10 s socket deadline
  ::close(fd);
}

TEST(TlsAlpnResponderLimitsTest, AFullServerEvictsTheOldestConnection) {
  TlsAlpnResponderOptions o;
  o.address = "127.0.0.1";
  o.port = 0;
  o.max_connections = 2;
  TlsAlpnResponder responder(o);
  responder.Start();
  responder.Add({"dns", "a.example"}, kKeyAuth);
  int first = Connect(responder.port());
  int second = Connect(responder.port());
  HandshakeResult r = Handshake(responder.port(), "a.example", "acme-tls/1");
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(ReadsToEof(first));  // evicted
  ::close(first);
  ::close(second);
}

TEST(TlsAlpnResponderLimitsTest, StopIsPromptAndRestartable) {
  TlsAlpnResponderOptions o;
  o.address = "127.0.0.1";
  o.port = 0;
  TlsAlpnResponder responder(o);
  responder.Start();
  int idle = Connect(responder.port());
  responder.Stop();
  responder.Stop();
  EXPECT_TRUE(ReadsToEof(idle));
  ::close(idle);
  responder.Start();
  responder.Add({"dns", "a.example"}, kKeyAuth);
  EXPECT_TRUE(Handshake(responder.port(), "a.example", "acme-tls/1").ok);
}

TEST(TlsAlpnResponderLimitsTest, APortInUseIsAResponderError) {
  TlsAlpnResponderOptions o;
  o.address = "127.0.0.1";
  o.port = 0;
  TlsAlpnResponder first(o);
  first.Start();
  o.port = first.port();
  TlsAlpnResponder second(o);
  try {
    second.Start();
    FAIL();
  } catch (const ResponderError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Address already in use"));
    EXPECT_EQ(e.port(), first.port());
  }
}

TEST(TlsAlpnSolverTest, PresentAndCleanUpGoThroughTheResponder) {
  TlsAlpnResponderOptions o;
  o.address = "127.0.0.1";
  o.port = 0;
  TlsAlpnResponder responder(o);
  responder.Start();
  TlsAlpnSolver solver(responder);
  EXPECT_EQ(solver.Type(), "tls-alpn-01");
  issuance::ChallengeTask task;
  task.identifier = {"dns", "www.example.com"};
  task.challenge.type = "tls-alpn-01";
  task.key_authorization = kKeyAuth;
  solver.Present(task);
  EXPECT_TRUE(Handshake(responder.port(), "www.example.com", "acme-tls/1").ok);
  solver.CleanUp(task);
  EXPECT_FALSE(Handshake(responder.port(), "www.example.com", "acme-tls/1").ok);
  task.wildcard = true;
  EXPECT_THROW(solver.Present(task), UsageError);
}

}  // namespace
}  // namespace certpilot::solvers
