#include "support/nginx_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "support/free_port.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

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

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Alive(pid_t pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

// Reaps `pid` if it is our child and has exited.
bool ChildExited(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  return r == pid || (r < 0 && errno == ECHILD);
}

int ConnectLoopback(int port, std::string* error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = "connect 127.0.0.1:" + std::to_string(port) + ": " +
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
      http_port_(http_port ? http_port : FreeLoopbackPort()),
      https_port_(https_port ? https_port : FreeLoopbackPort()) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base && *base ? base : "/tmp") + "/certpilot-nginx-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    Fail("mkdtemp " + tmpl + ": " + std::strerror(errno));
  dir_ = tmpl;
  root_ = dir_ + "/root";
  for (const char* sub : {"root/sites-enabled", "run", "logs", "tmp"})
    fs::create_directories(dir_ + "/" + sub);
  WriteFile("nginx.conf", MainConf());
}

NginxFixture::~NginxFixture() {
  try {
    Stop();
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
  }
  const char* keep = std::getenv("CERTPILOT_KEEP_TEST_DIRS");
  if (keep != nullptr && std::string(keep) == "1") {
    std::cerr << "NginxFixture: keeping " << dir_
              << " (CERTPILOT_KEEP_TEST_DIRS=1)\n";
    return;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string NginxFixture::MainConf(const std::string& http_extra) const {
  const std::string t = dir_ + "/tmp/";
  return "# Written by NginxFixture: nothing outside " + dir_ +
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
         dir_ +
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
      files[fs::relative(e.path(), root_).string()] = ReadAll(e.path());
  }
  return files;
}

pid_t NginxFixture::RunningMasterPid() const {
  const pid_t pid = static_cast<pid_t>(std::atol(ReadAll(pid_path()).c_str()));
  return Alive(pid) ? pid : -1;
}

std::string NginxFixture::ErrorLogTail(size_t max_bytes) const {
  std::string all = ReadAll(error_log_path());
  if (all.size() > max_bytes) all = "..." + all.substr(all.size() - max_bytes);
  return "--- " + error_log_path() + " ---\n" + all +
         "\n--- nginx stdout/stderr ---\n" + ReadAll(dir_ + "/logs/nginx.out");
}

void NginxFixture::Start() {
  if (child_ > 0) return;
  const std::vector<std::string> argv{binary_, "-c", conf_path(), "-g",
                                      "daemon off;"};
  std::vector<char*> c_argv;
  for (const std::string& a : argv)
    c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  const std::string out_path = dir_ + "/logs/nginx.out";
  int out_fd =
      ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || null_fd < 0) Fail("cannot open " + out_path);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(126);
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT})
      ::signal(sig, SIG_DFL);
    if (::dup2(null_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 ||
        ::dup2(out_fd, 2) < 0)
      ::_exit(126);
    ::close_range(3, ~0U, 0);
    ::execv(c_argv[0], c_argv.data());
    ::_exit(127);
  }
  ::close(out_fd);
  ::close(null_fd);
  if (pid < 0) Fail(std::string("fork: ") + std::strerror(errno));
  child_ = pid;
  // The master writes its pid file once its sockets are bound.
  const auto deadline = SteadyClock::now() + std::chrono::seconds(20);
  while (RunningMasterPid() != child_) {
    if (ChildExited(child_)) {
      child_ = -1;
      Fail("nginx exited at start:\n" + ErrorLogTail());
    }
    if (SteadyClock::now() >= deadline) {
      Stop();
      Fail("nginx did not write its pid file within 20 s:\n" + ErrorLogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll
  }
}

void NginxFixture::Stop() {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  if (child_ > 0) {
    ::kill(child_, SIGTERM);
    while (!ChildExited(child_)) {
      if (SteadyClock::now() >= deadline) {
        ::kill(child_, SIGKILL);
        int status;
        while (::waitpid(child_, &status, 0) < 0 && errno == EINTR) {
        }
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll
    }
    child_ = -1;
  }
  // An nginx certpilot started (as a daemon) from this configuration.
  const pid_t other = RunningMasterPid();
  if (other > 0) {
    ::kill(other, SIGTERM);
    while (Alive(other) && SteadyClock::now() < deadline) {
      ChildExited(other);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll
    }
    if (Alive(other)) ::kill(other, SIGKILL);
  }
}

// ---- clients ----

HttpReply PlainGet(int port, const std::string& host, const std::string& path) {
  HttpReply r;
  const int fd = ConnectLoopback(port, &r.error);
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

TlsReply TlsGet(int port, const std::string& sni, const std::string& path) {
  TlsReply r;
  const int fd = ConnectLoopback(port, &r.error);
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

bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  auto pause = std::chrono::milliseconds(5);
  while (true) {
    if (done()) return true;
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);  // back-off between polls
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
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
