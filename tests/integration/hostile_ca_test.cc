// Fault class "hostile or broken CA", end to end: the real binary
// against TlsStubCa, an ACME CA over TLS on 127.0.0.1 that says what a
// broken or malicious CA could say — on the wire (redirects, 256 MiB
// bodies, bodies dripped a byte at a time) and in ACME (plain-http URLs,
// malformed JSON, hostile tokens, names nobody ordered, odd Retry-After,
// rate limits, badNonce storms, certificates for another key or other
// names, a PRIVATE KEY in the chain, a chain that does not link, problem
// documents full of control characters).
//
// Each case checks what the user sees (exit 1, a message naming what was
// wrong), that nothing was done on the CA's word (no file in the webroot,
// no hook, no request over plain http, no re-POST), and, where a lineage
// exists, the "nothing lost" invariant: the previous version stays live
// and whole.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/cli_harness.h"
#include "support/fake_acme_server.h"
#include "support/free_port.h"
#include "support/run_binary.h"
#include "support/temp_dir.h"
#include "support/tls_stub_ca.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// A plain-TCP listener on 127.0.0.1 that nothing may ever reach: a client
// that connects waits in its backlog, so Reached() tells afterwards whether
// anything tried (a JWS over plain http, a followed redirect).
class Tripwire {
 public:
  Tripwire() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~Tripwire() { close(fd_); }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  bool Reached() const {
    int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return false;
    close(conn);
    return true;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

bool IsPath(const http::Request& r, const std::string& prefix) {
  size_t at = r.url.find('/', std::string("https://").size());
  return at != std::string::npos &&
         r.url.compare(at, prefix.size(), prefix) == 0;
}

// Everything under `dir`, relative ("" entries when empty).
std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out.push_back(fs::relative(e.path(), dir).string());
  return out;
}

class HostileCaTest : public ::testing::Test {
 protected:
  RunResult Issue(const std::string& name,
                  std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"-d", name});
    return cli_.Certonly(extra);
  }
  // certonly through the webroot, so that a file written on the CA's word
  // would show up in webroot().
  RunResult IssueWebroot(const std::string& name) {
    return cli_.Run("certonly",
                    {"--webroot", "-w", webroot(), "-d", name, "--agree-tos",
                     "--register-unsafely-without-email"});
  }
  RunResult Renew(std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(),
                 {"--force-renewal", "--no-random-sleep-on-renew"});
    return cli_.Run("renew", extra);
  }
  std::string webroot() {
    const std::string dir = cli_.dir() / "webroot";
    fs::create_directories(dir);
    return dir;
  }
  // Issues NAME (version 1) for a renewal to fail on.
  void IssueFirstVersion(const std::string& name) {
    RunResult r = Issue(name);
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    ASSERT_EQ(cli_.Version(name), 1);
  }
  // The renewal failed and changed nothing: exit 1, `version` still live
  // and whole, the deploy hook not run.
  void ExpectRenewalRefused(const RunResult& r, const std::string& name,
                            int version = 1) {
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_EQ(cli_.Version(name), version);
    EXPECT_EQ(cli_.CheckLineage(name), "");
    EXPECT_FALSE(fs::exists(cli_.dir() / "deployed")) << "the deploy hook ran";
  }
  std::vector<std::string> DeployHook() {
    return {"--deploy-hook", "touch " + (cli_.dir() / "deployed")};
  }

  TlsStubCa stub_;
  CliHarness cli_{stub_.directory_url(), stub_.ca_bundle(), FreeLoopbackPort()};
};

// The stub is a CA certpilot can work with: without a fault, issuance and
// renewal succeed and the fake records no protocol violation. (Every other
// case here fails because of its fault, not because of the stub.)
TEST_F(HostileCaTest, WithoutAFaultTheStubIssuesAndRenews) {
  IssueFirstVersion("a.test");
  RunResult r = Renew();
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.Version("a.test"), 2);
  EXPECT_EQ(cli_.CheckLineage("a.test"), "");
  EXPECT_THAT(stub_.ca().violations(), ::testing::IsEmpty());
}

// --- URLs that are not https, redirects ---

struct DirectoryCase {
  const char* field;
  bool plain_http;  // else file://
};

class DirectoryUrls : public HostileCaTest,
                      public ::testing::WithParamInterface<DirectoryCase> {};

TEST_P(DirectoryUrls, AreRefusedBeforeAnySignedRequest) {
  Tripwire trip;
  const std::string bad =
      GetParam().plain_http ? trip.Url("/x") : "file:///etc/passwd";
  stub_.ca().tamper = [&](const http::Request& req, http::Response& resp) {
    if (!IsPath(req, "/directory")) return;
    json d = json::parse(resp.body);
    d[GetParam().field] = bad;
    resp.body = d.dump();
  };
  RunResult r = Issue("a.test");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr(GetParam().field));
  EXPECT_FALSE(trip.Reached()) << "certpilot connected to " << bad;
  for (const RecordedRequest& req : stub_.ca().requests())
    EXPECT_NE(req.method, "POST") << "a JWS was sent: " << req.url;
}

INSTANTIATE_TEST_SUITE_P(HostileCa, DirectoryUrls,
                         ::testing::Values(DirectoryCase{"newNonce", true},
                                           DirectoryCase{"newAccount", true},
                                           DirectoryCase{"newOrder", false}),
                         [](const auto& p) {
                           return std::string(p.param.field) +
                                  (p.param.plain_http ? "Http" : "File");
                         });

TEST_F(HostileCaTest, PlainHttpUrlsInAnOrderAreNeverPostedTo) {
  Tripwire trip;
  for (const char* what : {"Location", "finalize", "authorizations"}) {
    SCOPED_TRACE(what);
    stub_.ca().tamper = [&](const http::Request& req, http::Response& resp) {
      if (!IsPath(req, "/new-order")) return;
      if (std::string(what) == "Location") {
        for (auto& [name, value] : resp.headers)
          if (name == "Location") value = trip.Url("/order/1");
        return;
      }
      json o = json::parse(resp.body);
      if (std::string(what) == "finalize")
        o["finalize"] = trip.Url("/finalize/1");
      else
        o["authorizations"][0] = trip.Url("/authz/1");
      resp.body = o.dump();
    };
    RunResult r = IssueWebroot("a.test");
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_THAT(r.err, HasSubstr("https"));
    EXPECT_FALSE(trip.Reached());
    EXPECT_THAT(Listing(webroot()), ::testing::IsEmpty());
  }
}

TEST_F(HostileCaTest, RedirectsAreNeverFollowedNorRePosted) {
  Tripwire trip;
  std::atomic<int> elsewhere{0};
  // A POST redirected with 307 (which asks for the same method again) to
  // another path of the same server, and a GET redirected to plain http.
  for (const bool post : {true, false}) {
    SCOPED_TRACE(post ? "POST newOrder, 307" : "GET directory, 301");
    stub_.wire = [&](const http::Request& req) -> std::optional<WireReply> {
      if (IsPath(req, "/elsewhere")) ++elsewhere;
      const bool hit = post ? req.method == "POST" && IsPath(req, "/new-order")
                            : IsPath(req, "/directory");
      if (!hit) return std::nullopt;
      const std::string target =
          post ? stub_.base() + "/elsewhere" : trip.Url("/directory");
      return WireReply{std::string(post ? "HTTP/1.1 307 Temporary Redirect"
                                        : "HTTP/1.1 301 Moved Permanently") +
                       "\r\nLocation: " + target +
                       "\r\nContent-Length: 0\r\n\r\n"};
    };
    RunResult r = Issue("a.test");
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_THAT(r.err, HasSubstr(post ? "307" : "301"));
  }
  EXPECT_EQ(elsewhere.load(), 0);
  EXPECT_FALSE(trip.Reached());
}

// --- Bodies: huge, slow ---

TEST_F(HostileCaTest, A256MiBBodyIsCutAtTheCapWithFlatMemory) {
  IssueFirstVersion("a.test");
  // What a normal run needs (ASan builds need much more than plain ones).
  RunResult normal = Renew();
  ASSERT_EQ(normal.exit_code, 0) << normal.Describe();
  ASSERT_GT(normal.max_rss_kib, 0);
  constexpr uint64_t k256MiB = 256ull << 20;
  for (const bool announced : {false, true}) {
    SCOPED_TRACE(announced ? "Content-Length: 256 MiB" : "no Content-Length");
    // The certificate download of the renewal.
    stub_.wire = [&](const http::Request& req) -> std::optional<WireReply> {
      if (!IsPath(req, "/cert/")) return std::nullopt;
      WireReply reply;
      reply.head =
          "HTTP/1.1 200 OK\r\nContent-Type: "
          "application/pem-certificate-chain\r\n" +
          (announced ? "Content-Length: " + std::to_string(k256MiB) + "\r\n"
                     : std::string("Connection: close\r\n")) +
          "\r\n";
      reply.stream_bytes = k256MiB;
      return reply;
    };
    const uint64_t streamed_before = stub_.bytes_streamed();
    RunResult r = Renew(DeployHook());
    ExpectRenewalRefused(r, "a.test", 2);
    EXPECT_THAT(r.err, HasSubstr("exceeds the limit"));
    // Flat: within 32 MiB of a normal renewal's peak, while a buffered body
    // would be 256 MiB (and the CA never got to send most of it).
    EXPECT_LT(r.max_rss_kib, normal.max_rss_kib + 32 * 1024)
        << "normal run: " << normal.max_rss_kib << " KiB";
    EXPECT_LT(stub_.bytes_streamed() - streamed_before, k256MiB / 4);
  }
}

TEST_F(HostileCaTest,
       ABodyDrippedSlowlyHitsTheDeadlineAndTheOldCertificateStays) {
  IssueFirstVersion("a.test");
  stub_.wire = [&](const http::Request& req) -> std::optional<WireReply> {
    if (!IsPath(req, "/cert/")) return std::nullopt;
    WireReply reply;
    reply.head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
    reply.stream_bytes = 100000;  // one byte each 20 ms: over half an hour
    reply.drip = std::chrono::milliseconds(20);
    return reply;
  };
  std::vector<std::string> args = DeployHook();
  args.insert(args.end(), {"--http-timeout", "1"});
  RunResult r = Renew(args);
  ExpectRenewalRefused(r, "a.test");
  EXPECT_THAT(r.err, HasSubstr("timed out"));
}

// --- Malformed ACME JSON ---

struct MalformedCase {
  const char* name;
  std::function<std::string(const std::string&)> mutate;  // the order's body
  const char* expected;                                   // in the message
};

class MalformedOrders : public HostileCaTest,
                        public ::testing::WithParamInterface<MalformedCase> {};

TEST_P(MalformedOrders, AreATypedErrorNamingTheField) {
  stub_.ca().tamper = [&](const http::Request& req, http::Response& resp) {
    if (IsPath(req, "/new-order")) resp.body = GetParam().mutate(resp.body);
  };
  RunResult r = IssueWebroot("a.test");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();  // not a crash (134, 139)
  EXPECT_THAT(r.err, HasSubstr("the CA sent an invalid response"));
  EXPECT_THAT(r.err, HasSubstr(GetParam().expected));
  EXPECT_THAT(Listing(webroot()), ::testing::IsEmpty());
}

std::string WithField(const std::string& body, const char* key,
                      const json& value) {
  json o = json::parse(body);
  if (value.is_discarded())
    o.erase(key);
  else
    o[key] = value;
  return o.dump();
}

INSTANTIATE_TEST_SUITE_P(
    HostileCa, MalformedOrders,
    ::testing::Values(MalformedCase{"NotJson",
                                    [](const std::string&) {
                                      return std::string("<html>busy");
                                    },
                                    "order"},
                      MalformedCase{"StatusIsANumber",
                                    [](const std::string& b) {
                                      return WithField(b, "status", 7);
                                    },
                                    "status"},
                      MalformedCase{"AuthorizationsIsAString",
                                    [](const std::string& b) {
                                      return WithField(b, "authorizations",
                                                       "x");
                                    },
                                    "authorizations"},
                      MalformedCase{"FinalizeMissing",
                                    [](const std::string& b) {
                                      return WithField(
                                          b, "finalize",
                                          json(json::value_t::discarded));
                                    },
                                    "finalize"},
                      MalformedCase{"DeepNesting",
                                    [](const std::string&) {
                                      return std::string(100000, '[');
                                    },
                                    "order: JSON nested too deeply"},
                      MalformedCase{"InvalidUtf8",
                                    [](const std::string& b) {
                                      std::string out = b;
                                      out.replace(out.find("\"pending\""), 9,
                                                  "\"pend\xff\xfeing\"");
                                      return out;
                                    },
                                    "order"}),
    [](const auto& p) { return std::string(p.param.name); });

// --- Tokens and authorizations ---

std::string TokenCaseName(const ::testing::TestParamInfo<std::string>& p) {
  static const char* const kNames[] = {
      "Slash",   "DotDot",   "Hash",    "CommandSubstitution",
      "Newline", "TooShort", "TooLong", "Empty"};
  return kNames[p.index];
}

class HostileTokens : public HostileCaTest,
                      public ::testing::WithParamInterface<std::string> {};

TEST_P(HostileTokens, AreRefusedBeforeAnyFileOrHook) {
  stub_.ca().tamper = [&](const http::Request& req, http::Response& resp) {
    if (!IsPath(req, "/authz/")) return;
    json a = json::parse(resp.body);
    for (json& c : a["challenges"]) c["token"] = GetParam();
    resp.body = a.dump();
  };
  RunResult r = IssueWebroot("a.test");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("token"));
  EXPECT_THAT(Listing(webroot()), ::testing::IsEmpty());

  const std::string marker = cli_.dir() / "hook-ran";
  r = cli_.Run("certonly",
               {"--manual", "--manual-auth-hook", "touch " + marker,
                "--manual-cleanup-hook", "touch " + marker, "-d", "a.test",
                "--agree-tos", "--register-unsafely-without-email"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_FALSE(fs::exists(marker)) << "a hook ran with a hostile token";
  EXPECT_FALSE(fs::exists(cli_.dir() / "PWNED"));
}

INSTANTIATE_TEST_SUITE_P(
    HostileCa, HostileTokens,
    ::testing::Values("aaaaaaaaaaaaaaaaaaaaaa/../../../../etc/passwd",
                      "../../../../../../../x",
                      "aaaaaaaaaaaaaaaaaaaaaa#fragment",
                      "aaaaaaaaaaaaaaaaaaaaaa$(touch PWNED)",
                      "aaaaaaaaaaaaaaaaaaaaaa\nX: y", "short",
                      std::string(4096, 'a'), ""),
    TokenCaseName);

TEST_F(HostileCaTest, AnAuthorizationForANameNotOrderedIsRefused) {
  stub_.ca().tamper = [&](const http::Request& req, http::Response& resp) {
    if (!IsPath(req, "/authz/")) return;
    json a = json::parse(resp.body);
    a["identifier"]["value"] = "evil.test";
    resp.body = a.dump();
  };
  RunResult r = IssueWebroot("a.test");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("evil.test"));
  EXPECT_THAT(Listing(webroot()), ::testing::IsEmpty());
}

// --- Retry-After, rate limits, badNonce ---

// Unusable Retry-After values on authorization polls fall back to the
// client's own schedule. (86400 is clamped to a minute: the unit tests of
// acme/retry_policy check that against a fake clock rather than wait here.)
TEST_F(HostileCaTest, OddRetryAfterValuesFallBackToThePollSchedule) {
  int n = 0;
  for (const char* value :
       {"-5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "0", "1e9"}) {
    SCOPED_TRACE(value);
    stub_.ca().retry_after = value;
    stub_.ca().pending_polls = 2;
    const std::string name = "r" + std::to_string(n++) + ".test";
    RunResult r = Issue(name);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(cli_.CheckLineage(name), "");
  }
}

TEST_F(HostileCaTest, ARateLimitStopsThatLineageOnlyAndSaysWhenToRetry) {
  IssueFirstVersion("limited.test");
  IssueFirstVersion("fine.test");
  stub_.ca().tamper = [&](const http::Request& req, http::Response& resp) {
    if (!IsPath(req, "/new-order") ||
        resp.body.find("\"limited.test\"") == std::string::npos)
      return;
    resp.status = 429;
    resp.body =
        R"({"type":"urn:ietf:params:acme:error:rateLimited",)"
        R"("detail":"too many certificates already issued for limited.test","status":429})";
    for (auto& [name, value] : resp.headers)
      if (name == "Content-Type") value = "application/problem+json";
    resp.headers.push_back({"Retry-After", "7200"});
  };
  RunResult r = Renew(DeployHook());
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(cli_.Version("fine.test"), 2);
  EXPECT_EQ(cli_.Version("limited.test"), 1);
  EXPECT_EQ(cli_.CheckLineage("limited.test"), "");
  EXPECT_THAT(r.err, HasSubstr("limited.test"));
  EXPECT_THAT(r.err, HasSubstr("rateLimited"));
  EXPECT_THAT(r.err, HasSubstr("wait 2 h before trying again"));
}

TEST_F(HostileCaTest, ABadNonceStormEndsInAClearFailureAfterBoundedRetries) {
  stub_.ca().bad_nonce_next = 1000;
  RunResult r = Issue("a.test");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("badNonce"));
  // The first signed request and its ten retries (RetryPolicy), no more.
  EXPECT_EQ(stub_.ca().CountRequests("/new-account"), 11);
  EXPECT_EQ(stub_.ca().CountRequests("/new-order"), 0);
}

// --- Certificates that are not what was ordered ---

struct WrongCertificateCase {
  const char* name;
  std::function<void(FakeAcmeServer&)> arm;
  const char* expected;
};

class WrongCertificates
    : public HostileCaTest,
      public ::testing::WithParamInterface<WrongCertificateCase> {};

TEST_P(WrongCertificates, AreRejectedAndThePreviousVersionStaysLive) {
  IssueFirstVersion("a.test");
  GetParam().arm(stub_.ca());
  RunResult r = Renew(DeployHook());
  ExpectRenewalRefused(r, "a.test");
  EXPECT_THAT(r.err, HasSubstr(GetParam().expected));
  EXPECT_THAT(r.err, Not(HasSubstr("MC4CAQAw")));  // the key's text
  // Nothing of the refused version was kept.
  EXPECT_FALSE(fs::exists(cli_.config() + "/archive/a.test/cert2.pem"));
}

void AppendToCertificate(FakeAcmeServer& ca,
                         std::function<std::string(std::string)> edit) {
  ca.tamper = [edit](const http::Request& req, http::Response& resp) {
    if (IsPath(req, "/cert/")) resp.body = edit(resp.body);
  };
}

INSTANTIATE_TEST_SUITE_P(
    HostileCa, WrongCertificates,
    ::testing::Values(
        WrongCertificateCase{"AnotherKey",
                             [](FakeAcmeServer& ca) {
                               ca.edit_issued = [](X509* cert) {
                                 EVP_PKEY* other = EVP_PKEY_Q_keygen(
                                     nullptr, nullptr, "EC", "P-256");
                                 X509_set_pubkey(cert, other);
                                 EVP_PKEY_free(other);
                               };
                             },
                             "not for the key"},
        WrongCertificateCase{"OtherNames",
                             [](FakeAcmeServer& ca) {
                               ca.edit_issued = [](X509* cert) {
                                 int at = X509_get_ext_by_NID(
                                     cert, NID_subject_alt_name, -1);
                                 X509_EXTENSION_free(X509_delete_ext(cert, at));
                                 X509_EXTENSION* san = X509V3_EXT_conf_nid(
                                     nullptr, nullptr, NID_subject_alt_name,
                                     "DNS:a.test,DNS:bank.example");
                                 X509_add_ext(cert, san, -1);
                                 X509_EXTENSION_free(san);
                               };
                             },
                             "names differ"},
        WrongCertificateCase{"PrivateKeyInTheChain",
                             [](FakeAcmeServer& ca) {
                               AppendToCertificate(ca, [](std::string body) {
                                 return body +
                                        "-----BEGIN PRIVATE KEY-----\n"
                                        "MC4CAQAwBQYDK2VwBCIEIFmFbNYFQrwGoFf0m8"
                                        "RUr0i08QrsHPb0ohLDKFGw/1e7\n"
                                        "-----END PRIVATE KEY-----\n";
                               });
                             },
                             "certificate"},
        WrongCertificateCase{
            "ChainThatDoesNotLink",
            [](FakeAcmeServer& ca) {
              // Same issuer name, another key.
              const std::string stranger = FakeAcmeServer().CaCertificatePem();
              AppendToCertificate(ca, [stranger](std::string body) {
                const std::string end = "-----END CERTIFICATE-----\n";
                return body.substr(0, body.find(end) + end.size()) + stranger;
              });
            },
            "the chain does not link"}),
    [](const auto& p) { return std::string(p.param.name); });

// --- Problem documents ---

TEST_F(HostileCaTest, ProblemDocumentsArePrintedWithoutControlsAndBounded) {
  const std::string detail =
      "\x1b]0;owned\x07\x1b[2J\r\nX-Injected: yes " +
      std::string(1000000, 'A');  // 1 MB, under the 1 MiB body cap
  stub_.ca().tamper = [&](const http::Request& req, http::Response& resp) {
    if (!IsPath(req, "/new-order")) return;
    resp.status = 400;
    resp.body = json{
        {"type", "urn:ietf:params:acme:error:rejectedIdentifier"},
        {"detail", detail},
        {"status",
         400}}.dump();
  };
  RunResult r = Issue("a.test");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("rejectedIdentifier"));
  EXPECT_THAT(r.err, HasSubstr("AAAAAAAA"));
  for (char c : std::string("\x1b\x07\r"))
    EXPECT_EQ(r.err.find(c), std::string::npos);
  EXPECT_LT(r.err.size(), 16u * 1024);
  // The log file gets the same treatment.
  for (const auto& e : fs::directory_iterator(cli_.dir() / "logs")) {
    const std::string log = ReadFileOrEmpty(e.path().string());
    EXPECT_EQ(log.find('\x1b'), std::string::npos) << e.path();
    EXPECT_LT(log.size(), 256u * 1024) << e.path();
  }
}

}  // namespace
}  // namespace certpilot::testing
