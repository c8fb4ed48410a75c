#include "support/nginx_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "support/free_port.h"
#include "util/clock.h"
#include "util/poll.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void Fail(const std::string& what) {
  throw std::runtime_error("NginxFixture: " + what);
}

std::string FindNginx() {
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    for (std::string dir; std::getline(ss, dir, ':');) {
      if (dir.empty()) continue;
      const std::string candidate = dir + "/nginx";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  for (const char* candidate : {"/usr/sbin/nginx", "/sbin/nginx"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  Fail(
      "nginx is not installed (looked in PATH and /usr/sbin); install Debian's "
      "nginx-light "
      "(scripts/deps) — these tests need a real nginx and are never skipped");
}

int ConnectLoopback(int port, std::string* error,
                    const std::string& address = "127.0.0.1") {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1)
    throw std::invalid_argument("not an IPv4 address: " + address);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = "connect " + address + ":" + std::to_string(port) + ": " +
             std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string Request(const std::string& host, const std::string& path) {
  return "GET " + path + " HTTP/1.0\r\nHost: " + host +
         "\r\nConnection: close\r\n\r\n";
}

HttpReply ParseReply(const std::string& raw) {
  HttpReply r;
  const size_t end = raw.find("\r\n\r\n");
  if (raw.compare(0, 5, "HTTP/") != 0 || end == std::string::npos) {
    r.error = "not an HTTP response: " + raw.substr(0, 200);
    return r;
  }
  std::stringstream head(raw.substr(0, end));
  std::string line;
  std::getline(head, line);
  const size_t sp = line.find(' ');
  r.status = std::atoi(line.c_str() + sp + 1);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t v = colon + 1;
    while (v < line.size() && line[v] == ' ') ++v;
    r.headers[name] = line.substr(v);
  }
  r.body = raw.substr(end + 4);
  return r;
}

std::string SerialOf(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

std::string OpenSslError() {
  char buf[256];
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown TLS error";
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

}  // namespace

// ---- NginxFixture ----

NginxFixture::NginxFixture(int http_port, int https_port)
    : binary_(FindNginx()),
      root_(dir_ / "root"),
      http_port_(http_port ? http_port : FreeLoopbackPort()),
      https_port_(https_port ? https_port : FreeLoopbackPort()) {
  for (const char* sub : {"root/sites-enabled", "run", "logs", "tmp"})
    fs::create_directories(dir_ / sub);
  WriteFile("nginx.conf", MainConf());
}

NginxFixture::~NginxFixture() {
  try {
    Stop();
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
  }
}

std::string NginxFixture::MainConf(const std::string& http_extra) const {
  const std::string t = dir() + "/tmp/";
  return "# Written by NginxFixture: nothing outside " + dir() +
         ".\n"
         "worker_processes 1;\n"
         "pid " +
         pid_path() +
         ";\n"
         "error_log " +
         error_log_path() +
         " info;\n"
         "\n"
         "events {\n"
         "    worker_connections 64;\n"
         "}\n"
         "\n"
         "http {\n"
         "    access_log " +
         dir() +
         "/logs/access.log;\n"
         "    client_body_temp_path " +
         t +
         "body;\n"
         "    proxy_temp_path " +
         t +
         "proxy;\n"
         "    fastcgi_temp_path " +
         t +
         "fastcgi;\n"
         "    uwsgi_temp_path " +
         t +
         "uwsgi;\n"
         "    scgi_temp_path " +
         t +
         "scgi;\n"
         "    default_type application/octet-stream;\n" +
         http_extra +
         "    include sites-enabled/*.conf;\n"
         "}\n";
}

void NginxFixture::WriteFile(const std::string& rel,
                             const std::string& content) const {
  const fs::path path = fs::path(root_) / rel;
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) Fail("cannot write " + path.string());
}

std::map<std::string, std::string> NginxFixture::Snapshot() const {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    if (e.is_regular_file())
      files[fs::relative(e.path(), root_).string()] = ReadFileOrEmpty(e.path());
  }
  return files;
}

pid_t NginxFixture::RunningMasterPid() const {
  return LivePidInFile(pid_path());
}

std::string NginxFixture::ErrorLogTail(size_t max_bytes) const {
  return "--- " + error_log_path() + " ---\n" +
         ReadTail(error_log_path(), max_bytes) +
         "\n--- nginx stdout/stderr ---\n" +
         ReadFileOrEmpty(dir_ / "logs/nginx.out");
}

void NginxFixture::Start() {
  if (nginx_.started()) return;
  nginx_.Start({.name = "nginx",
                .argv = {binary_, "-c", conf_path(), "-g", "daemon off;"},
                .log_path = dir_ / "logs/nginx.out",
                .append_log = true,
                .stop_timeout = std::chrono::seconds(10)});
  // The master writes its pid file once its sockets are bound.
  Readiness readiness;
  readiness.owner = "NginxFixture";
  readiness.ready = [this] { return RunningMasterPid() == nginx_.pid(); };
  readiness.missing = [] { return "no pid file naming the master yet"; };
  readiness.logs = [this] { return ErrorLogTail(); };
  readiness.interval = std::chrono::milliseconds(10);
  readiness.port_taken.clear();  // a site's port taken is the test's failure
  AwaitReady({&nginx_}, readiness);
}

void NginxFixture::Stop() {
  nginx_.Stop();
  // An nginx certpilot started (as a daemon) from this configuration.
  EndStrayServer(RunningMasterPid());
}

// ---- clients ----

HttpReply PlainGet(int port, const std::string& host, const std::string& path,
                   const std::string& address) {
  HttpReply r;
  const int fd = ConnectLoopback(port, &r.error, address);
  if (fd < 0) return r;
  const std::string req = Request(host, path);
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(req.size())) {
    r.error = std::string("send: ") + std::strerror(errno);
    ::close(fd);
    return r;
  }
  std::string raw;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    raw.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return ParseReply(raw);
}

TlsReply TlsGet(int port, const std::string& sni, const std::string& path,
                const std::string& address) {
  TlsReply r;
  const int fd = ConnectLoopback(port, &r.error, address);
  if (fd < 0) return r;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set_tlsext_host_name(ssl, sni.c_str());
  if (SSL_connect(ssl) != 1) {
    r.error = "TLS handshake with 127.0.0.1:" + std::to_string(port) + ": " +
              OpenSslError();
  } else {
    if (X509* cert = SSL_get1_peer_certificate(ssl)) {
      r.serial_hex = SerialOf(cert);
      X509_free(cert);
    }
    if (!path.empty()) {
      const std::string req = Request(sni, path);
      SSL_write(ssl, req.data(), static_cast<int>(req.size()));
      std::string raw;
      char buf[4096];
      for (int n; (n = SSL_read(ssl, buf, sizeof buf)) > 0;)
        raw.append(buf, static_cast<size_t>(n));
      r.http = ParseReply(raw);
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return r;
}

std::string CertSerialHex(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!cert) return "";
  std::string serial = SerialOf(cert);
  X509_free(cert);
  return serial;
}

// ---- LoopbackApp ----

LoopbackApp::LoopbackApp(std::string body) : body_(std::move(body)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) !=
          0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) !=
          0) {
    throw std::runtime_error(std::string("LoopbackApp: ") +
                             std::strerror(errno));
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

LoopbackApp::~LoopbackApp() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void LoopbackApp::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      req.append(buf, static_cast<size_t>(n));
    }
    ++requests_;
    const std::string reply =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
        std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
    [[maybe_unused]] ssize_t sent =
        ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(fd);
  }
}

}  // namespace certpilot::testing
