#include "solvers/tls_alpn_responder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "crypto/crypto_error.h"
#include "crypto/digest.h"
#include "crypto/private_key.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::solvers {
namespace {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

constexpr char kAcmeIdentifierOid[] = "1.3.6.1.5.5.7.1.31";  // RFC 8737 §6.1
constexpr int kMaxAcceptsPerWakeup = 64;
constexpr std::chrono::milliseconds kAcceptBackoff{100};
// After the handshake (or its refusal) we half-close and discard what the
// client still sends, for at most this long, so that closing never turns into
// a reset that destroys the alert or close_notify in flight.
constexpr std::chrono::milliseconds kLinger{2000};

template <typename T, auto Free>
struct OsslDeleter {
  void operator()(T* p) const { Free(p); }
};
template <typename T, auto Free>
using OsslPtr = std::unique_ptr<T, OsslDeleter<T, Free>>;
using X509Ptr = OsslPtr<X509, X509_free>;
using PkeyPtr = OsslPtr<EVP_PKEY, EVP_PKEY_free>;
using SslPtr = OsslPtr<SSL, SSL_free>;
using SslCtxPtr = OsslPtr<SSL_CTX, SSL_CTX_free>;
using BioPtr = OsslPtr<BIO, BIO_free_all>;
using Asn1ObjectPtr = OsslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using OctetPtr = OsslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using ExtensionPtr = OsslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using GeneralNamesPtr = OsslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using BignumPtr = OsslPtr<BIGNUM, BN_free>;

std::string ErrnoText(int err) { return std::system_category().message(err); }

std::string NameKey(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return ToLower(name);
}

struct Cert {
  X509Ptr cert;
  PkeyPtr key;
};

Cert BuildCertificate(const acme::Identifier& identifier,
                      const std::string& key_authorization) {
  const bool ip = identifier.type == "ip";
  if (!ip && identifier.type != "dns") {
    throw UsageError("tls-alpn-01 cannot validate the " +
                     StripControl(identifier.type) + " identifier " +
                     StripControl(identifier.value));
  }
  Cert out;
  out.key.reset(EVP_EC_gen("P-256"));
  if (!out.key)
    crypto::ThrowOpenSslError("tls-alpn-01: generating a P-256 key");
  out.cert.reset(X509_new());
  X509* x = out.cert.get();
  if (!x || X509_set_version(x, X509_VERSION_3) != 1)
    crypto::ThrowOpenSslError("tls-alpn-01: X509_new");

  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1)
    crypto::ThrowOpenSslError("tls-alpn-01: RAND_bytes");
  serial_bytes[0] &= 0x7f;
  BignumPtr serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x)))
    crypto::ThrowOpenSslError("tls-alpn-01: setting the serial number");

  X509_NAME* subject = X509_get_subject_name(x);
  static const unsigned char kCn[] = "certpilot tls-alpn-01 challenge";
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, kCn, -1, -1, 0) !=
          1 ||
      X509_set_issuer_name(x, subject) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(x), 7L * 24 * 3600) ||
      X509_set_pubkey(x, out.key.get()) != 1) {
    crypto::ThrowOpenSslError("tls-alpn-01: filling the certificate");
  }

  // subjectAltName: exactly the identifier (RFC 8737 §3, RFC 8738 §6).
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  GENERAL_NAME* gn = GENERAL_NAME_new();
  if (!names || !gn) {
    GENERAL_NAME_free(gn);
    crypto::ThrowOpenSslError("tls-alpn-01: subjectAltName");
  }
  if (ip) {
    ASN1_OCTET_STRING* address = a2i_IPADDRESS(identifier.value.c_str());
    if (!address) {
      GENERAL_NAME_free(gn);
      throw UsageError("tls-alpn-01: not an IP address: " +
                       StripControl(identifier.value));
    }
    GENERAL_NAME_set0_value(gn, GEN_IPADD, address);
  } else {
    const std::string name = NameKey(identifier.value);
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    if (!ia5 ||
        ASN1_STRING_set(ia5, name.data(), static_cast<int>(name.size())) != 1) {
      ASN1_IA5STRING_free(ia5);
      GENERAL_NAME_free(gn);
      crypto::ThrowOpenSslError("tls-alpn-01: subjectAltName");
    }
    GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
  }
  if (sk_GENERAL_NAME_push(names.get(), gn) <= 0) {
    GENERAL_NAME_free(gn);
    crypto::ThrowOpenSslError("tls-alpn-01: subjectAltName");
  }
  if (X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), 0,
                        X509V3_ADD_DEFAULT) != 1) {
    crypto::ThrowOpenSslError("tls-alpn-01: adding subjectAltName");
  }

  // acmeIdentifier (RFC 8737 §3): critical; extnValue is the DER of
  // Authorization ::= OCTET STRING (SIZE (32)), the SHA-256 digest of the key
  // authorization.
  const std::string digest = crypto::Sha256(key_authorization);
  OctetPtr inner(ASN1_OCTET_STRING_new());
  if (!inner ||
      ASN1_OCTET_STRING_set(
          inner.get(), reinterpret_cast<const unsigned char*>(digest.data()),
          static_cast<int>(digest.size())) != 1) {
    crypto::ThrowOpenSslError("tls-alpn-01: acmeIdentifier value");
  }
  unsigned char* der = nullptr;
  int der_len = i2d_ASN1_OCTET_STRING(inner.get(), &der);
  if (der_len <= 0)
    crypto::ThrowOpenSslError("tls-alpn-01: encoding acmeIdentifier");
  OctetPtr value(ASN1_OCTET_STRING_new());
  bool ok = value && ASN1_OCTET_STRING_set(value.get(), der, der_len) == 1;
  OPENSSL_free(der);
  Asn1ObjectPtr oid(OBJ_txt2obj(kAcmeIdentifierOid, 1));
  if (!ok || !oid) crypto::ThrowOpenSslError("tls-alpn-01: acmeIdentifier");
  ExtensionPtr ext(
      X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 1, value.get()));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1)
    crypto::ThrowOpenSslError("tls-alpn-01: adding acmeIdentifier");

  if (X509_sign(x, out.key.get(), EVP_sha256()) <= 0)
    crypto::ThrowOpenSslError("tls-alpn-01: signing the certificate");
  return out;
}

// Finds `want` in a TLS ALPN ProtocolNameList body (RFC 7301 §3.1: u8 length
// + name, repeated). Returns its offset, or nullopt.
std::optional<size_t> FindProtocol(const unsigned char* list, size_t len,
                                   std::string_view want) {
  size_t pos = 0;
  while (pos < len) {
    size_t n = list[pos];
    if (n == 0 || pos + 1 + n > len) return std::nullopt;
    if (std::string_view(reinterpret_cast<const char*>(list + pos + 1), n) ==
        want)
      return pos;
    pos += 1 + n;
  }
  return std::nullopt;
}

// The host_name of a server_name extension body (RFC 6066 §3).
std::optional<std::string> ParseSni(const unsigned char* ext, size_t len) {
  if (len < 2) return std::nullopt;
  size_t list_len = (size_t{ext[0]} << 8) | ext[1];
  if (list_len + 2 != len) return std::nullopt;
  size_t pos = 2;
  while (pos + 3 <= len) {
    unsigned type = ext[pos];
    size_t n = (size_t{ext[pos + 1]} << 8) | ext[pos + 2];
    if (pos + 3 + n > len) return std::nullopt;
    if (type == 0)  // host_name
      return std::string(reinterpret_cast<const char*>(ext + pos + 3), n);
    pos += 3 + n;
  }
  return std::nullopt;
}

}  // namespace

std::string TlsAlpnServerName(const acme::Identifier& identifier) {
  if (identifier.type != "ip") return NameKey(identifier.value);
  unsigned char bytes[16];
  if (inet_pton(AF_INET, identifier.value.c_str(), bytes) == 1) {
    return std::to_string(bytes[3]) + "." + std::to_string(bytes[2]) + "." +
           std::to_string(bytes[1]) + "." + std::to_string(bytes[0]) +
           ".in-addr.arpa";
  }
  if (inet_pton(AF_INET6, identifier.value.c_str(), bytes) == 1) {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 15; i >= 0; --i) {
      out += kHex[bytes[i] & 0xf];
      out += '.';
      out += kHex[bytes[i] >> 4];
      out += '.';
    }
    return out + "ip6.arpa";
  }
  throw UsageError("tls-alpn-01: not an IP address: " +
                   StripControl(identifier.value));
}

TlsAlpnCertificate MakeTlsAlpnCertificate(
    const acme::Identifier& identifier, const std::string& key_authorization) {
  Cert c = BuildCertificate(identifier, key_authorization);
  TlsAlpnCertificate out;
  unsigned char* der = nullptr;
  int len = i2d_X509(c.cert.get(), &der);
  if (len <= 0)
    crypto::ThrowOpenSslError("tls-alpn-01: encoding the certificate");
  out.der.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), c.key.get(), nullptr, nullptr,
                                       0, nullptr, nullptr) != 1) {
    crypto::ThrowOpenSslError("tls-alpn-01: encoding the key");
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  out.key_pem.assign(data, static_cast<size_t>(n));
  return out;
}

// ---------------------------------------------------------------------------

struct TlsAlpnResponder::Impl {
  struct Entry {
    std::string key_authorization;
    Cert cert;
  };
  struct Connection {
    int fd = -1;
    SslPtr ssl;
    SteadyTime deadline;
    short events = POLLIN;
    bool lingering = false;
  };

  explicit Impl(TlsAlpnResponderOptions o) : options(std::move(o)) {}

  TlsAlpnResponderOptions options;
  mutable std::mutex entries_mu;
  std::map<std::string, std::shared_ptr<const Entry>> entries;  // by SNI
  std::atomic<uint64_t> completed{0};
  int bound_port = 0;

  SslCtxPtr ctx;
  int listen_fd = -1;
  int wake_read = -1;
  int wake_write = -1;
  std::atomic<bool> stopping{false};
  std::thread thread;
  std::vector<std::unique_ptr<Connection>> conns;  // loop thread only
  SteadyTime accept_resume{};

  std::shared_ptr<const Entry> Lookup(const std::string& sni) const {
    std::lock_guard<std::mutex> lock(entries_mu);
    auto it = entries.find(NameKey(sni));
    return it == entries.end() ? nullptr : it->second;
  }

  void MakeContext();
  void Listen();
  void CloseFds();
  void Loop();
  void AcceptNew(SteadyTime now);
  void Drive(Connection& c, SteadyTime now);
  static void Linger(Connection& c, SteadyTime now);
  static void Discard(Connection& c);

  static void Close(Connection& c) {
    c.ssl.reset();
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
  }

  static int OnClientHello(SSL* ssl, int* alert, void* arg);
  static int OnAlpn(SSL* ssl, const unsigned char** out, unsigned char* outlen,
                    const unsigned char* in, unsigned int inlen, void* arg);
};

// Everything is decided here, before the server sends anything: ALPN must
// offer acme-tls/1, SNI must name an entry; then that entry's certificate
// is the one presented.
int TlsAlpnResponder::Impl::OnClientHello(SSL* ssl, int* alert, void* arg) {
  auto* self = static_cast<Impl*>(arg);
  const unsigned char* ext = nullptr;
  size_t len = 0;
  if (SSL_client_hello_get0_ext(
          ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext,
          &len) != 1 ||
      len < 2 || ((size_t{ext[0]} << 8) | ext[1]) + 2 != len ||
      !FindProtocol(ext + 2, len - 2, kAcmeTlsAlpn)) {
    *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
    return SSL_CLIENT_HELLO_ERROR;
  }
  std::optional<std::string> sni;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &len) == 1)
    sni = ParseSni(ext, len);
  std::shared_ptr<const Entry> entry = sni ? self->Lookup(*sni) : nullptr;
  if (!entry) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_CLIENT_HELLO_ERROR;
  }
  if (SSL_use_certificate(ssl, entry->cert.cert.get()) != 1 ||
      SSL_use_PrivateKey(ssl, entry->cert.key.get()) != 1) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

int TlsAlpnResponder::Impl::OnAlpn(SSL*, const unsigned char** out,
                                   unsigned char* outlen,
                                   const unsigned char* in, unsigned int inlen,
                                   void*) {
  std::optional<size_t> at = FindProtocol(in, inlen, kAcmeTlsAlpn);
  if (!at) return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = in + *at + 1;
  *outlen = in[*at];
  return SSL_TLSEXT_ERR_OK;
}

void TlsAlpnResponder::Impl::MakeContext() {
  ctx.reset(SSL_CTX_new(TLS_server_method()));
  if (!ctx) crypto::ThrowOpenSslError("tls-alpn-01: SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_client_hello_cb(ctx.get(), &Impl::OnClientHello, this);
  SSL_CTX_set_alpn_select_cb(ctx.get(), &Impl::OnAlpn, this);
}

void TlsAlpnResponder::Impl::Listen() {
  const int port = options.port;
  std::string address = options.address;
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  const std::string shown =
      address.empty() ? "all addresses" : StripControl(address);
  auto fail = [&](int err) {
    std::string message = "cannot listen on port " + std::to_string(port) +
                          " (" + shown + "): " + ErrnoText(err);
    if (err == EADDRINUSE) {
      message += "; stop the process using it or use another authenticator";
    } else if (err == EACCES) {
      message += "; run as root or grant CAP_NET_BIND_SERVICE";
    }
    return ResponderError(port, message);
  };
  if (port < 0 || port > 65535) {
    throw ResponderError(port, "cannot listen on port " + std::to_string(port) +
                                   ": not a valid port number");
  }
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  const bool dual_stack = address.empty();
  if (dual_stack) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_addr = in6addr_any;
    addr_len = sizeof(sockaddr_in6);
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    addrinfo* found = nullptr;
    if (getaddrinfo(address.c_str(), nullptr, &hints, &found) != 0 || !found) {
      throw ResponderError(port, "cannot listen on port " +
                                     std::to_string(port) + " (" + shown +
                                     "): not an IP address");
    }
    std::memcpy(&addr, found->ai_addr, found->ai_addrlen);
    addr_len = found->ai_addrlen;
    freeaddrinfo(found);
  }
  auto set_port = [port](sockaddr_storage& a) {
    if (a.ss_family == AF_INET6) {
      reinterpret_cast<sockaddr_in6*>(&a)->sin6_port =
          htons(static_cast<uint16_t>(port));
    } else {
      reinterpret_cast<sockaddr_in*>(&a)->sin_port =
          htons(static_cast<uint16_t>(port));
    }
  };
  set_port(addr);
  auto try_bind = [](const sockaddr_storage& a, socklen_t len, bool v6only_off,
                     int* err) -> int {
    int fd =
        ::socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      *err = errno;
      return -1;
    }
    int one = 1, zero = 0;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if ((v6only_off && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
                                    sizeof zero) != 0) ||
        ::bind(fd, reinterpret_cast<const sockaddr*>(&a), len) != 0 ||
        ::listen(fd, SOMAXCONN) != 0) {
      *err = errno;
      ::close(fd);
      return -1;
    }
    return fd;
  };
  int err = 0;
  int fd = try_bind(addr, addr_len, dual_stack, &err);
  if (fd < 0 && dual_stack &&
      (err == EAFNOSUPPORT || err == EPROTONOSUPPORT || err == EADDRNOTAVAIL ||
       err == ENOPROTOOPT)) {
    sockaddr_storage v4{};
    auto* a4 = reinterpret_cast<sockaddr_in*>(&v4);
    a4->sin_family = AF_INET;
    a4->sin_addr.s_addr = htonl(INADDR_ANY);
    set_port(v4);
    fd = try_bind(v4, sizeof(sockaddr_in), false, &err);
  }
  if (fd < 0) throw fail(err);
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  bound_port = ntohs(bound.ss_family == AF_INET6
                         ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                         : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  listen_fd = fd;
}

void TlsAlpnResponder::Impl::CloseFds() {
  for (int* fd : {&listen_fd, &wake_read, &wake_write}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void TlsAlpnResponder::Impl::AcceptNew(SteadyTime now) {
  const size_t max_conns =
      static_cast<size_t>(std::max(1, options.max_connections));
  for (int i = 0; i < kMaxAcceptsPerWakeup; ++i) {
    int fd =
        ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        if (!conns.empty()) {
          Close(*conns.front());  // the oldest
          conns.erase(conns.begin());
        } else {
          accept_resume = now + kAcceptBackoff;
        }
      }
      return;  // EAGAIN, or a connection that died before we took it
    }
    // Full: the oldest handshake (the nearest deadline) makes room.
    while (conns.size() >= max_conns) {
      Close(*conns.front());
      conns.erase(conns.begin());
    }
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    c->deadline = now + options.handshake_timeout;
    c->ssl.reset(SSL_new(ctx.get()));
    if (!c->ssl || SSL_set_fd(c->ssl.get(), fd) != 1) {
      ERR_clear_error();
      Close(*c);
      continue;
    }
    SSL_set_accept_state(c->ssl.get());
    conns.push_back(std::move(c));
  }
}

void TlsAlpnResponder::Impl::Linger(Connection& c, SteadyTime now) {
  c.ssl.reset();
  ERR_clear_error();
  ::shutdown(c.fd, SHUT_WR);
  c.lingering = true;
  c.events = POLLIN;
  c.deadline = std::min(c.deadline, now + kLinger);
}

void TlsAlpnResponder::Impl::Discard(Connection& c) {
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    Close(c);  // EOF or error: done
    return;
  }
}

void TlsAlpnResponder::Impl::Drive(Connection& c, SteadyTime now) {
  if (c.lingering) {
    Discard(c);
    return;
  }
  ERR_clear_error();
  int r = SSL_do_handshake(c.ssl.get());
  if (r == 1) {
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(c.ssl.get(), &alpn, &alpn_len);
    if (std::string_view(reinterpret_cast<const char*>(alpn), alpn_len) ==
        kAcmeTlsAlpn) {
      ++completed;
    }
    SSL_shutdown(c.ssl.get());  // close_notify, best effort
    Linger(c, now);
    return;
  }
  switch (SSL_get_error(c.ssl.get(), r)) {
    case SSL_ERROR_WANT_READ:
      c.events = POLLIN;
      break;
    case SSL_ERROR_WANT_WRITE:
      c.events = POLLOUT;
      break;
    case SSL_ERROR_SYSCALL:  // the peer went away
      ERR_clear_error();
      Close(c);
      break;
    default:  // refused: OpenSSL has written the alert
      Linger(c, now);
  }
}

void TlsAlpnResponder::Impl::Loop() {
  // OpenSSL writes to sockets with write(2): a peer that reset the
  // connection must not kill the process with SIGPIPE. Blocked here, the
  // signal stays pending on this thread and write returns EPIPE.
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);

  std::vector<pollfd> fds;
  std::vector<Connection*> polled;
  while (true) {
    SteadyTime now = SteadyClock::now();
    std::optional<SteadyTime> next;
    for (auto& c : conns) {
      if (c->deadline <= now) {
        Close(*c);
      } else if (!next || c->deadline < *next) {
        next = c->deadline;
      }
    }
    std::erase_if(conns, [](const auto& c) { return c->fd < 0; });

    fds.clear();
    polled.clear();
    fds.push_back({wake_read, POLLIN, 0});
    const bool accepting = accept_resume <= now;
    if (accepting) {
      fds.push_back({listen_fd, POLLIN, 0});
    } else if (!next || accept_resume < *next) {
      next = accept_resume;
    }
    for (auto& c : conns) {
      fds.push_back({c->fd, c->events, 0});
      polled.push_back(c.get());
    }
    int timeout_ms = -1;
    if (next) {
      auto wait =
          std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(wait, 0, 60'000));
    }
    int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready <= 0) continue;  // EINTR, or a deadline passed
    if (fds[0].revents != 0) {
      char drain[64];
      while (::read(wake_read, drain, sizeof drain) > 0) {
      }
      if (stopping.load()) break;
    }
    now = SteadyClock::now();
    const size_t first_conn = accepting ? 2 : 1;
    for (size_t i = first_conn; i < fds.size(); ++i) {
      Connection& c = *polled[i - first_conn];
      if (fds[i].revents != 0 && c.fd >= 0) Drive(c, now);
    }
    std::erase_if(conns, [](const auto& c) { return c->fd < 0; });
    if (accepting && (fds[1].revents & POLLIN)) AcceptNew(now);
  }
  for (auto& c : conns) Close(*c);
  conns.clear();
}

// ---------------------------------------------------------------------------

TlsAlpnResponder::TlsAlpnResponder(TlsAlpnResponderOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

TlsAlpnResponder::~TlsAlpnResponder() { Stop(); }

void TlsAlpnResponder::Start() {
  Impl& s = *impl_;
  if (s.thread.joinable())
    throw ResponderError(s.bound_port,
                         "the TLS-ALPN-01 responder is already running");
  s.MakeContext();
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    throw ResponderError(
        s.options.port,
        "cannot start the TLS-ALPN-01 responder: " + ErrnoText(errno));
  }
  s.wake_read = pipe_fds[0];
  s.wake_write = pipe_fds[1];
  try {
    s.Listen();
    s.stopping = false;
    s.accept_resume = {};
    s.thread = std::thread([&s] { s.Loop(); });
  } catch (const std::system_error& e) {
    s.CloseFds();
    throw ResponderError(
        s.options.port,
        std::string("cannot start the TLS-ALPN-01 responder: ") + e.what());
  } catch (...) {
    s.CloseFds();
    throw;
  }
}

void TlsAlpnResponder::Stop() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  s.stopping = true;
  while (::write(s.wake_write, "x", 1) < 0 && errno == EINTR) {
  }
  s.thread.join();
  s.CloseFds();
}

int TlsAlpnResponder::port() const { return impl_->bound_port; }

void TlsAlpnResponder::Add(const acme::Identifier& identifier,
                           const std::string& key_authorization) {
  auto entry = std::make_shared<Impl::Entry>();
  entry->key_authorization = key_authorization;
  entry->cert = BuildCertificate(identifier, key_authorization);
  const std::string sni = TlsAlpnServerName(identifier);
  std::lock_guard<std::mutex> lock(impl_->entries_mu);
  impl_->entries[sni] = std::move(entry);
}

void TlsAlpnResponder::Remove(const acme::Identifier& identifier,
                              const std::string& key_authorization) {
  std::string sni;
  try {
    sni = TlsAlpnServerName(identifier);
  } catch (const UsageError&) {
    return;  // never added
  }
  std::lock_guard<std::mutex> lock(impl_->entries_mu);
  auto it = impl_->entries.find(sni);
  if (it != impl_->entries.end() &&
      it->second->key_authorization == key_authorization)
    impl_->entries.erase(it);
}

uint64_t TlsAlpnResponder::handshakes_completed() const {
  return impl_->completed;
}

}  // namespace certpilot::solvers
