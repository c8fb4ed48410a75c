#include "support/https_fake_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "support/temp_dir.h"
#include "util/strings.h"

namespace certpilot::testing {
namespace {

// The server's identity: a self-signed P-256 certificate for IP:127.0.0.1
// and DNS:localhost.
struct Identity {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::string pem;
  ~Identity() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

void MakeIdentity(Identity& id) {
  id.key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  id.cert = X509_new();
  if (!id.key || !id.cert)
    throw std::runtime_error("HttpsFakeServer: key generation failed");
  X509_set_version(id.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(id.cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(id.cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(id.cert), 24 * 3600);
  X509_set_pubkey(id.cert, id.key);
  X509_NAME* name = X509_get_subject_name(id.cert);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("certpilot test server"), -1, -1,
      0);
  X509_set_issuer_name(id.cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, id.cert, id.cert, nullptr, nullptr, 0);
  for (auto [nid, value] :
       {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
        std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(id.cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(id.cert, id.key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, id.cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  id.pem.assign(data, static_cast<size_t>(len));
  BIO_free(bio);
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

std::optional<std::string> HttpsRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (ToLower(n) == ToLower(name)) return v;
  return std::nullopt;
}

std::string HttpsRequest::Path() const {
  return target.substr(0, target.find('?'));
}

std::string HttpsRequest::Query() const {
  size_t q = target.find('?');
  return q == std::string::npos ? "" : target.substr(q + 1);
}

namespace {

// "a=1&b=x%2Ey" -> {a, 1}, {b, x.y} ('+' stays '+').
std::vector<std::pair<std::string, std::string>> DecodeParams(
    const std::string& text) {
  auto decode = [](const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& part : Split(text, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    out.emplace_back(
        decode(part.substr(0, eq)),
        eq == std::string::npos ? "" : decode(part.substr(eq + 1)));
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> HttpsRequest::QueryParams()
    const {
  return DecodeParams(Query());
}

std::vector<std::pair<std::string, std::string>> HttpsRequest::FormParams()
    const {
  return DecodeParams(body);
}

struct HttpsFakeServer::Impl {
  HttpsFakeServer& owner;
  TempDir dir;
  Identity identity;
  SSL_CTX* ctx = nullptr;
  int listener = -1;
  int port = 0;
  int wake[2] = {-1, -1};
  std::thread acceptor;

  mutable std::mutex mu;
  std::condition_variable stopping_cv;
  bool stopping = false;
  std::set<int> open_fds;  // shut down on stop, so blocked reads return
  std::vector<std::thread> connections;
  std::vector<HttpsRequest> seen;

  explicit Impl(HttpsFakeServer& o) : owner(o) {
    MakeIdentity(identity);
    ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || SSL_CTX_use_certificate(ctx, identity.cert) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, identity.key) != 1)
      throw std::runtime_error("HttpsFakeServer: TLS set-up failed");
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener < 0 ||
        bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener, 64) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        pipe2(wake, O_CLOEXEC) != 0)
      throw std::runtime_error("HttpsFakeServer: cannot listen on 127.0.0.1");
    port = ntohs(addr.sin_port);
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> l(mu);
      stopping = true;
      for (int fd : open_fds) shutdown(fd, SHUT_RDWR);
    }
    stopping_cv.notify_all();
    if (wake[1] >= 0) (void)!write(wake[1], "x", 1);
    if (acceptor.joinable()) acceptor.join();
    for (std::thread& t : connections) t.join();
    for (int fd : {listener, wake[0], wake[1]})
      if (fd >= 0) close(fd);
    SSL_CTX_free(ctx);
  }

  void Accept() {
    while (true) {
      pollfd fds[2] = {{wake[0], POLLIN, 0}, {listener, POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) continue;
      if (fds[0].revents) return;
      int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> l(mu);
      if (stopping) {
        close(fd);
        return;
      }
      open_fds.insert(fd);
      connections.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    // SSL_write on a connection the client dropped must give EPIPE, not kill
    // the test binary (SIGPIPE goes to the writing thread).
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      std::string buffered;
      while (ServeOne(ssl, buffered)) {
      }
    }
    SSL_free(ssl);
    std::lock_guard<std::mutex> l(mu);
    open_fds.erase(fd);
    close(fd);
  }

  bool Send(SSL* ssl, const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      int n = SSL_write(ssl, bytes.data() + done,
                        static_cast<int>(bytes.size() - done));
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads one request, answers it; false when the connection is done.
  bool ServeOne(SSL* ssl, std::string& buffered) {
    char buf[16384];
    size_t head_end;
    while ((head_end = buffered.find("\r\n\r\n")) == std::string::npos) {
      if (buffered.size() > 65536) return false;
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) return false;
      buffered.append(buf, static_cast<size_t>(n));
    }
    HttpsRequest request;
    std::string head = buffered.substr(0, head_end);
    buffered.erase(0, head_end + 4);
    std::vector<std::string> lines;
    for (size_t pos = 0; pos <= head.size();) {
      size_t eol = head.find("\r\n", pos);
      if (eol == std::string::npos) eol = head.size();
      lines.push_back(head.substr(pos, eol - pos));
      pos = eol + 2;
    }
    size_t sp1 = lines[0].find(' '), sp2 = lines[0].rfind(' ');
    if (sp1 == std::string::npos || sp2 <= sp1) return false;
    request.method = lines[0].substr(0, sp1);
    request.target = lines[0].substr(sp1 + 1, sp2 - sp1 - 1);
    size_t content_length = 0;
    bool close_requested = false;
    for (size_t i = 1; i < lines.size(); ++i) {
      size_t colon = lines[i].find(':');
      if (colon == std::string::npos) continue;
      std::string name = lines[i].substr(0, colon);
      std::string value(Trim(lines[i].substr(colon + 1)));
      if (ToLower(name) == "content-length") content_length = std::stoul(value);
      if (ToLower(name) == "connection" && ToLower(value) == "close")
        close_requested = true;
      request.headers.push_back({name, value});
    }
    while (buffered.size() < content_length) {
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) return false;
      buffered.append(buf, static_cast<size_t>(n));
    }
    request.body = buffered.substr(0, content_length);
    buffered.erase(0, content_length);
    {
      std::lock_guard<std::mutex> l(mu);
      seen.push_back(request);
    }

    if (owner.wire_)
      if (std::optional<WireReply> reply = owner.wire_(request))
        return SendWire(ssl, *reply) && !reply->close_after;

    http::Response response;
    try {
      response = owner.handler_(request);
    } catch (const std::exception& e) {
      response = {500, {{"Content-Type", "text/plain"}}, e.what()};
    }
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                      Reason(response.status) + "\r\n";
    for (const auto& [name, value] : response.headers)
      out += name + ": " + value + "\r\n";
    out +=
        "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n";
    out += response.body;
    return Send(ssl, out) && !close_requested;
  }

  bool SendWire(SSL* ssl, const WireReply& reply) {
    if (!Send(ssl, reply.head)) return false;
    if (reply.drip.count() > 0) {
      for (uint64_t i = 0; i < reply.stream_bytes; ++i) {
        if (!Send(ssl, "x")) return false;
        owner.bytes_streamed_ += 1;
        std::unique_lock<std::mutex> l(mu);
        if (stopping_cv.wait_for(l, reply.drip, [this] { return stopping; }))
          return false;
      }
      return true;
    }
    const std::string chunk(1 << 16, 'x');
    for (uint64_t left = reply.stream_bytes; left > 0;) {
      size_t n = left < chunk.size() ? static_cast<size_t>(left) : chunk.size();
      if (!Send(ssl, chunk.substr(0, n))) return false;
      owner.bytes_streamed_ += n;
      left -= n;
    }
    return true;
  }
};

HttpsFakeServer::HttpsFakeServer(Handler handler, Wire wire)
    : handler_(std::move(handler)),
      wire_(std::move(wire)),
      impl_(std::make_unique<Impl>(*this)) {
  ca_bundle_ = impl_->dir / "https-fake-server.pem";
  FILE* f = std::fopen(ca_bundle_.c_str(), "w");
  if (!f)
    throw std::runtime_error("HttpsFakeServer: cannot write " + ca_bundle_);
  std::fwrite(impl_->identity.pem.data(), 1, impl_->identity.pem.size(), f);
  std::fclose(f);
  // The thread gets the Impl itself: impl_ is already null while the
  // destructor's reset() joins it.
  Impl* impl = impl_.get();
  impl_->acceptor = std::thread([impl] { impl->Accept(); });
}

// impl_ goes first: it joins the threads that call the handler.
HttpsFakeServer::~HttpsFakeServer() { impl_.reset(); }

int HttpsFakeServer::port() const { return impl_->port; }

std::string HttpsFakeServer::base() const {
  return "https://127.0.0.1:" + std::to_string(impl_->port);
}

std::vector<HttpsRequest> HttpsFakeServer::requests() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->seen;
}

}  // namespace certpilot::testing
