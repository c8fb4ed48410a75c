#include "solvers/tls_alpn_responder.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "crypto/crypto_error.h"
#include "crypto/tls_alpn_certificate.h"
#include "util/c_ptr.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::solvers {
namespace {

using SslPtr = CPtr<SSL, SSL_free>;
using SslCtxPtr = CPtr<SSL_CTX, SSL_CTX_free>;

std::string NameKey(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return ToLower(name);
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

// One connection's handshake. OpenSSL reads from and writes to memory BIOs;
// the bytes travel through ConnectionServer, which does all socket I/O.
class Handshake : public ConnectionHandler {
 public:
  Handshake(SslPtr ssl, BIO* in, BIO* out, std::atomic<uint64_t>& completed)
      : ssl_(std::move(ssl)), in_(in), out_(out), completed_(completed) {}

  Step OnInput(std::string_view input, std::string& output) override {
    const int n = static_cast<int>(std::min<size_t>(input.size(), INT_MAX / 2));
    if (BIO_write(in_, input.data(), n) != n) return {0, true};
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_.get());
    bool close = true;
    if (r == 1) {
      const unsigned char* alpn = nullptr;
      unsigned int alpn_len = 0;
      SSL_get0_alpn_selected(ssl_.get(), &alpn, &alpn_len);
      if (std::string_view(reinterpret_cast<const char*>(alpn), alpn_len) ==
          kAcmeTlsAlpn) {
        ++completed_;
      }
      SSL_shutdown(ssl_.get());  // close_notify; §3: no application data
    } else if (SSL_get_error(ssl_.get(), r) == SSL_ERROR_WANT_READ) {
      close = false;
    }  // else refused: OpenSSL has written the alert
    ERR_clear_error();
    char* data = nullptr;
    const long pending = BIO_get_mem_data(out_, &data);
    if (pending > 0) output.append(data, static_cast<size_t>(pending));
    (void)BIO_reset(out_);
    return {static_cast<size_t>(n), close};
  }

 private:
  SslPtr ssl_;
  BIO* in_;   // owned by ssl_
  BIO* out_;  // owned by ssl_
  std::atomic<uint64_t>& completed_;
};

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

// ---------------------------------------------------------------------------

struct TlsAlpnResponder::Impl {
  struct Entry {
    std::string key_authorization;
    crypto::TlsAlpnCertificate cert;
  };

  explicit Impl(const TlsAlpnResponderOptions& o)
      : server(
            ConnectionServerOptions{
                .address = o.address,
                .port = o.port,
                .max_connections = o.max_connections,
                .idle_timeout = o.handshake_timeout,
                .request_timeout = o.handshake_timeout,
                .connection_timeout = o.handshake_timeout,
                .server_name = "TLS-ALPN-01 responder",
                .address_in_use_hint = "; stop the process using it or use "
                                       "another authenticator",
                .permission_hint = "; run as root or grant "
                                   "CAP_NET_BIND_SERVICE",
            },
            [this] { return NewHandshake(); }) {}

  std::shared_ptr<const Entry> Lookup(const std::string& sni) const {
    std::lock_guard<std::mutex> lock(entries_mu);
    auto it = entries.find(NameKey(sni));
    return it == entries.end() ? nullptr : it->second;
  }

  void MakeContext();
  std::unique_ptr<ConnectionHandler> NewHandshake();
  static int OnClientHello(SSL* ssl, int* alert, void* arg);
  static int OnAlpn(SSL* ssl, const unsigned char** out, unsigned char* outlen,
                    const unsigned char* in, unsigned int inlen, void* arg);

  mutable std::mutex entries_mu;
  std::map<std::string, std::shared_ptr<const Entry>> entries;  // by SNI
  std::atomic<uint64_t> completed{0};
  SslCtxPtr ctx;            // made by Start, before the loop runs
  ConnectionServer server;  // last: stopped before the rest goes
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
  if (SSL_use_certificate(ssl, entry->cert.certificate.get()) != 1 ||
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

std::unique_ptr<ConnectionHandler> TlsAlpnResponder::Impl::NewHandshake() {
  SslPtr ssl(SSL_new(ctx.get()));
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (!ssl || !in || !out) {
    BIO_free(in);
    BIO_free(out);
    ERR_clear_error();
    return nullptr;
  }
  SSL_set_bio(ssl.get(), in, out);  // ssl owns both now
  SSL_set_accept_state(ssl.get());
  return std::make_unique<Handshake>(std::move(ssl), in, out, completed);
}

// ---------------------------------------------------------------------------

TlsAlpnResponder::TlsAlpnResponder(TlsAlpnResponderOptions options)
    : impl_(std::make_unique<Impl>(options)) {}

TlsAlpnResponder::~TlsAlpnResponder() { Stop(); }

void TlsAlpnResponder::Start() {
  // Never replace the context under a running loop; Start then throws.
  if (!impl_->server.running()) impl_->MakeContext();
  impl_->server.Start();
}

void TlsAlpnResponder::Stop() { impl_->server.Stop(); }

int TlsAlpnResponder::port() const { return impl_->server.port(); }

void TlsAlpnResponder::Add(const acme::Identifier& identifier,
                           const std::string& key_authorization) {
  if (identifier.type != "ip" && identifier.type != "dns") {
    throw UsageError("tls-alpn-01 cannot validate the " +
                     StripControl(identifier.type) + " identifier " +
                     StripControl(identifier.value));
  }
  const std::string sni = TlsAlpnServerName(identifier);  // validates an IP
  auto entry = std::make_shared<Impl::Entry>(Impl::Entry{
      key_authorization,
      crypto::MakeTlsAlpnCertificate(
          identifier.type == "ip" ? identifier.value : sni, key_authorization),
  });
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
