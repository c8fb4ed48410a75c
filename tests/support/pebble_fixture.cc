#include "support/pebble_fixture.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/free_port.h"

extern char** environ;

namespace certpilot::testing {
namespace {

constexpr const char* kPebbleBin = "/usr/bin/pebble";
constexpr const char* kChalltestsrvBin = "/usr/bin/pebble-challtestsrv";
constexpr const char* kNotInstalled =
    "pebble is not installed: run ./scripts/test (it apt-get installs pebble)";
constexpr int kStartAttempts = 3;

using Clock = std::chrono::steady_clock;

[[noreturn]] void Fail(const std::string& message) {
  throw std::runtime_error("PebbleFixture: " + message);
}

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// ---------------------------------------------------------------------------
// Throwaway TLS certificates for Pebble's listener (OpenSSL 3 API).

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

[[noreturn]] void FailSsl(const std::string& what) {
  std::string message = what;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    message += std::string(": ") + buf;
  }
  Fail(message);
}

PkeyPtr NewKey() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) FailSsl("generating a P-256 key");
  return key;
}

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtFree> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    FailSsl(std::string("adding extension ") + OBJ_nid2sn(nid) + "=" + value);
  }
}

// issuer == nullptr: self-signed CA. Otherwise a TLS server certificate.
X509Ptr MakeCert(EVP_PKEY* key, const char* common_name, X509* issuer,
                 EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    FailSsl("X509_new");
  }
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) FailSsl("RAND_bytes");
  serial_bytes[0] &= 0x7f;
  std::unique_ptr<BIGNUM, BnFree> serial(
      BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  if (!serial ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    FailSsl("setting the serial number");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn = common_name;
  if (X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_ASC,
          reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) != 1) {
    FailSsl("setting the subject");
  }
  if (X509_set_issuer_name(
          cert.get(), issuer ? X509_get_subject_name(issuer) : name) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600) ||
      X509_set_pubkey(cert.get(), key) != 1) {
    FailSsl("filling the certificate");
  }
  X509* signer = issuer ? issuer : cert.get();
  AddExt(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer == nullptr) {
    AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExt(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExt(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExt(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    AddExt(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    AddExt(cert.get(), signer, NID_subject_alt_name,
           "DNS:localhost,IP:127.0.0.1,IP:::1");
  }
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) <= 0) {
    FailSsl("signing the certificate");
  }
  return cert;
}

void WriteFile(const std::string& path, const std::string& content,
               mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) Fail(Errno("creating " + path));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      Fail(Errno("writing " + path));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) Fail(Errno("closing " + path));
}

std::string ToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) FailSsl("PEM of cert");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string ToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0,
                                       nullptr, nullptr) != 1) {
    FailSsl("PEM of key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// ---------------------------------------------------------------------------
// Ports.

// A socket bound to a leased loopback port (support/free_port.h) and held
// open until Release(), just before the daemon binds the port.
class PortReservation {
 public:
  PortReservation() = default;
  ~PortReservation() { Release(); }
  PortReservation(const PortReservation&) = delete;
  PortReservation& operator=(const PortReservation&) = delete;

  // Binds a TCP socket to an ephemeral port; with `also_udp`, retries until
  // the same port is free for UDP too (the DNS server needs both).
  int Reserve(bool also_udp) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      Release();
      int port = 0;
      tcp_fd_ = Bind(SOCK_STREAM, FreeLoopbackPort(also_udp), &port);
      if (tcp_fd_ < 0) continue;
      if (!also_udp) return port;
      udp_fd_ = Bind(SOCK_DGRAM, port, nullptr);
      if (udp_fd_ >= 0) return port;
    }
    Fail("no leased port could be bound on 127.0.0.1");
  }

  void Release() {
    if (tcp_fd_ >= 0) ::close(tcp_fd_);
    if (udp_fd_ >= 0) ::close(udp_fd_);
    tcp_fd_ = udp_fd_ = -1;
  }

 private:
  static int Bind(int type, int port, int* bound_port) {
    int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return -1;
    }
    if (bound_port != nullptr) {
      socklen_t len = sizeof addr;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        return -1;
      }
      *bound_port = ntohs(addr.sin_port);
    }
    return fd;
  }

  int tcp_fd_ = -1;
  int udp_fd_ = -1;
};

bool TcpConnects(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// ---------------------------------------------------------------------------
// HTTP over loopback with libcurl.

struct HttpResult {
  long status = 0;  // 0: transport failure, see `error`
  std::string body;
  std::string error;
};

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// `ca_path` empty: plain HTTP. A POST sends `body` as application/json.
HttpResult HttpRequest(const std::string& url, const std::string& ca_path,
                       const std::string* post_body,
                       std::chrono::milliseconds timeout) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

  HttpResult result;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                           curl_easy_cleanup);
  if (!curl) {
    result.error = "curl_easy_init failed";
    return result;
  }
  char errbuf[CURL_ERROR_SIZE] = {};
  struct curl_slist* headers = nullptr;
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");  // loopback only, never a proxy
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &result.body);
  if (!ca_path.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, ca_path.c_str());
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  }
  if (post_body != nullptr) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, post_body->c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(post_body->size()));
  }
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &result.status);
  } else {
    result.error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  }
  curl_slist_free_all(headers);
  return result;
}

// ---------------------------------------------------------------------------
// Processes.

bool EnvIsProxyOrPebble(const std::string& entry) {
  std::string name = entry.substr(0, entry.find('='));
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return name.rfind("PEBBLE_", 0) == 0 || lower == "http_proxy" ||
         lower == "https_proxy" || lower == "all_proxy" || lower == "no_proxy";
}

// Starts `argv` with `env` (full environment), stdin from /dev/null, stdout
// and stderr appended to `log_path`. The child gets SIGTERM when this thread
// dies and sits in its own process group.
pid_t Spawn(const std::vector<std::string>& argv,
            const std::vector<std::string>& env, const std::string& log_path) {
  std::vector<char*> c_argv;
  for (const auto& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  std::vector<char*> c_env;
  for (const auto& e : env) c_env.push_back(const_cast<char*>(e.c_str()));
  c_env.push_back(nullptr);

  int log_fd =
      ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) Fail(Errno("creating " + log_path));
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(log_fd);
    Fail(Errno("opening /dev/null"));
  }
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(126);
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT}) {
      ::signal(sig, SIG_DFL);
    }
    if (::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 ||
        ::dup2(log_fd, 2) < 0) {
      ::_exit(126);
    }
    ::close_range(3, ~0U, 0);
    ::execve(c_argv[0], c_argv.data(), c_env.data());
    const char msg[] = "PebbleFixture: execve failed\n";
    [[maybe_unused]] ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    errno = fork_errno;
    Fail(Errno("fork"));
  }
  return pid;
}

// Reaps `pid` if it has exited; returns true then (and sets *status).
bool Exited(pid_t pid, int* status) {
  if (pid <= 0) return true;
  pid_t r;
  do {
    r = ::waitpid(pid, status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  return r == pid || (r < 0 && errno == ECHILD);
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return "stopped";
}

std::string ReadTail(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "(no log at " + path + ")";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  if (all.size() > max_bytes) all = "..." + all.substr(all.size() - max_bytes);
  return all;
}

std::string NormalizeSerial(const std::string& serial_hex) {
  std::string s;
  for (char c : serial_hex) {
    if (c == ':' || std::isspace(static_cast<unsigned char>(c))) continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      Fail("not a hex serial: \"" + serial_hex + "\"");
    }
    s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  size_t first = s.find_first_not_of('0');
  if (first == std::string::npos) return s.empty() ? s : "0";
  return s.substr(first);
}

std::string Fqdn(const std::string& host) {
  if (host.empty()) Fail("empty DNS name");
  return host.back() == '.' ? host : host + ".";
}

}  // namespace

// ---------------------------------------------------------------------------

PebbleFixture::PebbleFixture(PebbleOptions options)
    : options_(std::move(options)) {
  try {
    Start();
  } catch (...) {
    Stop();
    throw;
  }
}

PebbleFixture::~PebbleFixture() { Stop(); }

void PebbleFixture::Start() {
  for (const char* bin : {kPebbleBin, kChalltestsrvBin}) {
    if (::access(bin, X_OK) != 0) {
      Fail(std::string(kNotInstalled) + " (" + bin + " not found)");
    }
  }

  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp && *tmp ? tmp : "/tmp") + "/certpilot-pebble-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) Fail(Errno("mkdtemp " + pattern));
  temp_dir_ = buf.data();

  PkeyPtr ca_key = NewKey();
  X509Ptr ca =
      MakeCert(ca_key.get(), "certpilot test listener CA", nullptr, nullptr);
  PkeyPtr server_key = NewKey();
  X509Ptr server =
      MakeCert(server_key.get(), "localhost", ca.get(), ca_key.get());
  ca_bundle_path_ = temp_dir_ + "/listener-ca.pem";
  server_cert_path_ = temp_dir_ + "/listener-cert.pem";
  server_key_path_ = temp_dir_ + "/listener-key.pem";
  config_path_ = temp_dir_ + "/pebble-config.json";
  WriteFile(ca_bundle_path_, ToPem(ca.get()), 0644);
  WriteFile(server_cert_path_, ToPem(server.get()), 0644);
  WriteFile(server_key_path_, ToPem(server_key.get()), 0600);

  std::string failures;
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    std::string failure;
    if (TryStart(&failure)) return;
    failures += "\n  attempt " + std::to_string(attempt) + ": " + failure;
  }
  Fail("could not start pebble (lost port races):" + failures + "\n" +
       LogTail());
}

bool PebbleFixture::TryStart(std::string* failure) {
  PortReservation acme, management, http, tls, dns, challtest_management;
  const int acme_port = acme.Reserve(false);
  const int management_port = management.Reserve(false);
  http_port_ = http.Reserve(false);
  tls_port_ = tls.Reserve(false);
  const int dns_port = dns.Reserve(true);
  const int challtest_port = challtest_management.Reserve(false);

  const std::string host = "127.0.0.1";
  auto addr = [&](int port) { return host + ":" + std::to_string(port); };
  directory_url_ = "https://" + addr(acme_port) + "/dir";
  management_url_ = "https://" + addr(management_port);
  challtestsrv_management_url_ = "http://" + addr(challtest_port);
  dns_address_ = addr(dns_port);

  // Pebble 2.4.0 config keys (see /usr/share/doc/pebble/examples).
  nlohmann::json config = {
      {"listenAddress", addr(acme_port)},
      {"managementListenAddress", addr(management_port)},
      {"certificate", server_cert_path_},
      {"privateKey", server_key_path_},
      {"httpPort", http_port_},
      {"tlsPort", tls_port_},
      {"ocspResponderURL", ""},
      {"externalAccountBindingRequired", options_.eab_required},
  };
  if (!options_.eab_keys.empty()) {
    config["externalAccountMACKeys"] = options_.eab_keys;
  }
  if (!options_.domain_blocklist.empty()) {
    config["domainBlocklist"] = options_.domain_blocklist;
  }
  if (options_.certificate_validity_seconds) {
    config["certificateValidityPeriod"] =
        *options_.certificate_validity_seconds;
  }
  WriteFile(config_path_, nlohmann::json{{"pebble", config}}.dump(2) + "\n",
            0644);

  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (!EnvIsProxyOrPebble(*e)) env.emplace_back(*e);
  }
  std::map<std::string, std::string> knobs = {
      {"PEBBLE_VA_NOSLEEP", options_.va_nosleep ? "1" : "0"},
      {"PEBBLE_WFE_NONCEREJECT", std::to_string(options_.nonce_reject_percent)},
      {"PEBBLE_AUTHZREUSE", std::to_string(options_.authz_reuse_percent)},
  };
  for (const auto& [k, v] : options_.extra_env) knobs[k] = v;
  for (const auto& [k, v] : knobs) env.push_back(k + "=" + v);

  // Free the ports only now, just before the daemons bind them.
  acme.Release();
  management.Release();
  http.Release();
  tls.Release();
  dns.Release();
  challtest_management.Release();

  challtestsrv_pid_ =
      Spawn({kChalltestsrvBin, "-dns01", dns_address_, "-http01", "",
             "-https01", "", "-tlsalpn01", "", "-defaultIPv4", host,
             "-defaultIPv6", "", "-management", addr(challtest_port)},
            env, challtestsrv_log_path());
  pebble_pid_ =
      Spawn({kPebbleBin, "-config", config_path_, "-dnsserver",
             options_.dns_server.empty() ? dns_address_ : options_.dns_server,
             std::string("-strict=") + (options_.strict ? "true" : "false")},
            env, pebble_log_path());

  const auto deadline = Clock::now() + options_.startup_timeout;
  bool directory_ok = false, management_ok = false, challtest_ok = false;
  std::string last_error = "nothing answered yet";
  while (true) {
    int status = 0;
    for (auto [pid, name] : {std::pair{&pebble_pid_, "pebble"},
                             std::pair{&challtestsrv_pid_, "challtestsrv"}}) {
      if (Exited(*pid, &status)) {
        *pid = -1;
        std::string logs = LogTail();
        StopChildren();
        if (logs.find("address already in use") != std::string::npos) {
          *failure = std::string(name) + " " + DescribeStatus(status) +
                     ": address already in use";
          return false;
        }
        Fail(std::string(name) + " " + DescribeStatus(status) +
             " during startup\n" + logs);
      }
    }
    if (!directory_ok) {
      HttpResult r = HttpRequest(directory_url_, ca_bundle_path_, nullptr,
                                 std::chrono::milliseconds(2000));
      if (r.status == 200 && r.body.find("newNonce") != std::string::npos) {
        directory_ok = true;
      } else {
        last_error = "GET " + directory_url_ + ": " +
                     (r.status ? "HTTP " + std::to_string(r.status) : r.error);
      }
    }
    if (!management_ok) {
      management_ok = HttpRequest(management_url_ + "/roots/0", ca_bundle_path_,
                                  nullptr, std::chrono::milliseconds(2000))
                          .status == 200;
    }
    if (!challtest_ok) {
      challtest_ok = TcpConnects(challtest_port) && TcpConnects(dns_port);
    }
    if (directory_ok && management_ok && challtest_ok) return true;
    if (Clock::now() >= deadline) {
      std::string logs = LogTail();
      StopChildren();
      Fail("pebble did not come up within " +
           std::to_string(options_.startup_timeout.count()) +
           " ms (directory " + (directory_ok ? "ok" : last_error) +
           ", management " + (management_ok ? "ok" : "not listening") +
           ", challtestsrv " + (challtest_ok ? "ok" : "not listening") + ")\n" +
           logs);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll
  }
}

void PebbleFixture::StopChildren() {
  for (pid_t pid : {pebble_pid_, challtestsrv_pid_}) {
    if (pid > 0) ::kill(pid, SIGTERM);
  }
  const auto deadline = Clock::now() + options_.stop_timeout;
  for (pid_t* pid : {&pebble_pid_, &challtestsrv_pid_}) {
    int status = 0;
    while (*pid > 0) {
      if (Exited(*pid, &status)) {
        *pid = -1;
      } else if (Clock::now() >= deadline) {
        ::kill(*pid, SIGKILL);
        while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
        }
        *pid = -1;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll
      }
    }
  }
}

void PebbleFixture::Stop() {
  if (stopped_) return;
  stopped_ = true;
  StopChildren();
  if (temp_dir_.empty()) return;
  const char* keep = std::getenv("CERTPILOT_KEEP_TEST_DIRS");
  if (keep != nullptr && std::string(keep) == "1") {
    std::cerr << "PebbleFixture: keeping " << temp_dir_
              << " (CERTPILOT_KEEP_TEST_DIRS=1)\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(temp_dir_, ec);
  if (ec) {
    std::cerr << "PebbleFixture: could not remove " << temp_dir_ << ": "
              << ec.message() << "\n";
  }
}

std::string PebbleFixture::LogTail(std::size_t max_bytes) const {
  return "--- " + pebble_log_path() + " ---\n" +
         ReadTail(pebble_log_path(), max_bytes) + "\n--- " +
         challtestsrv_log_path() + " ---\n" +
         ReadTail(challtestsrv_log_path(), max_bytes);
}

std::string PebbleFixture::ManagementGet(const std::string& path) const {
  const std::string url = management_url_ + path;
  HttpResult r = HttpRequest(url, ca_bundle_path_, nullptr,
                             std::chrono::milliseconds(10000));
  if (r.status != 200) {
    Fail("GET " + url + ": " +
         (r.status ? "HTTP " + std::to_string(r.status) + ": " + r.body
                   : r.error));
  }
  return r.body;
}

void PebbleFixture::ChalltestsrvPost(const std::string& path,
                                     const std::string& json_body) const {
  const std::string url = challtestsrv_management_url_ + path;
  HttpResult r =
      HttpRequest(url, "", &json_body, std::chrono::milliseconds(10000));
  if (r.status != 200) {
    Fail("POST " + url + " " + json_body + ": " +
         (r.status ? "HTTP " + std::to_string(r.status) + ": " + r.body
                   : r.error));
  }
}

std::string PebbleFixture::RootsPem(int index) const {
  return ManagementGet("/roots/" + std::to_string(index));
}

std::string PebbleFixture::IntermediatePem() const {
  return ManagementGet("/intermediates/0");
}

std::string PebbleFixture::CertStatusJson(const std::string& serial_hex) const {
  return ManagementGet("/cert-status-by-serial/" + NormalizeSerial(serial_hex));
}

std::string PebbleFixture::CertStatus(const std::string& serial_hex) const {
  const std::string body = CertStatusJson(serial_hex);
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("Status") || !j["Status"].is_string()) {
    Fail("unexpected cert-status answer for " + serial_hex + ": " + body);
  }
  return j["Status"].get<std::string>();
}

void PebbleFixture::SetTxt(const std::string& host,
                           const std::string& value) const {
  ChalltestsrvPost(
      "/set-txt",
      nlohmann::json{{"host", Fqdn(host)}, {"value", value}}.dump());
}

void PebbleFixture::ClearTxt(const std::string& host) const {
  ChalltestsrvPost("/clear-txt", nlohmann::json{{"host", Fqdn(host)}}.dump());
}

void PebbleFixture::AddA(const std::string& host, const std::string& ip) const {
  ChalltestsrvPost("/add-a",
                   nlohmann::json{{"host", Fqdn(host)},
                                  {"addresses", nlohmann::json::array({ip})}}
                       .dump());
}

void PebbleFixture::ClearA(const std::string& host) const {
  ChalltestsrvPost("/clear-a", nlohmann::json{{"host", Fqdn(host)}}.dump());
}

}  // namespace certpilot::testing
