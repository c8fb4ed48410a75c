#include "support/dns_server_fixture.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/free_port.h"
#include "sys/process_runner.h"
#include "util/base64url.h"

extern char** environ;

namespace certpilot::testing {
namespace {

constexpr const char* kKnotd = "/usr/sbin/knotd";
constexpr const char* kKnotc = "/usr/sbin/knotc";
constexpr const char* kNotInstalled =
    "Knot DNS is not installed: run ./scripts/deps (it apt-get installs knot)";
constexpr int kStartAttempts = 3;

using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void Fail(const std::string& message) {
  throw std::runtime_error("DnsServerFixture: " + message);
}

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
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
      ::close(fd);
      Fail(Errno("writing " + path));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
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

std::string RandomSecret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) Fail("RAND_bytes failed");
  return Base64Encode(
      std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
}

std::string Fqdn(std::string name) {
  if (name.empty() || name.back() != '.') name += '.';
  return name;
}

// A leased loopback port (support/free_port.h), free for both TCP and UDP,
// held bound until Release().
class PortReservation {
 public:
  ~PortReservation() { Release(); }
  int Reserve() {
    for (int attempt = 0; attempt < 50; ++attempt) {
      Release();
      int port = 0;
      tcp_ = Bind(SOCK_STREAM, FreeLoopbackPort(true), &port);
      if (tcp_ < 0) continue;
      udp_ = Bind(SOCK_DGRAM, port, nullptr);
      if (udp_ >= 0) return port;
    }
    Fail("no leased port could be bound for both TCP and UDP on 127.0.0.1");
  }
  void Release() {
    if (tcp_ >= 0) ::close(tcp_);
    if (udp_ >= 0) ::close(udp_);
    tcp_ = udp_ = -1;
  }

 private:
  static int Bind(int type, int port, int* bound) {
    int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        (bound &&
         ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)) {
      ::close(fd);
      return -1;
    }
    if (bound) *bound = ntohs(addr.sin_port);
    return fd;
  }
  int tcp_ = -1;
  int udp_ = -1;
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

// Starts argv with stdin from /dev/null and stdout/stderr appended to
// `log_path`, in its own process group, with SIGTERM on parent death.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> c_argv;
  for (const auto& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
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
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(126);
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT})
      ::signal(sig, SIG_DFL);
    if (::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 ||
        ::dup2(log_fd, 2) < 0)
      ::_exit(126);
    ::close_range(3, ~0U, 0);
    ::execve(c_argv[0], c_argv.data(), environ);
    const char msg[] = "DnsServerFixture: execve failed\n";
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

bool Exited(pid_t pid, int* status) {
  if (pid <= 0) return true;
  pid_t r;
  do {
    r = ::waitpid(pid, status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  return r == pid || (r < 0 && errno == ECHILD);
}

std::string CertbotAlgorithm(std::string knot) {
  for (char& c : knot)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return knot;
}

// The strings of the TXT records in `knotc zone-read` output:
//   [zone.] owner. 60 TXT "a" "b"
std::vector<std::string> ParseZoneReadTxt(const std::string& out) {
  std::vector<std::string> values;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    size_t at = line.find(" TXT ");
    if (at == std::string::npos) continue;
    std::string value;
    bool quoted = false;
    for (size_t i = at + 5; i < line.size(); ++i) {
      char c = line[i];
      if (c == '"') {
        quoted = !quoted;
      } else if (quoted && c == '\\' && i + 1 < line.size()) {
        value += line[++i];
      } else if (quoted) {
        value += c;
      }
    }
    values.push_back(value);
  }
  return values;
}

}  // namespace

DnsServerFixture::DnsServerFixture(DnsServerOptions options)
    : options_(std::move(options)) {
  try {
    Start();
  } catch (...) {
    Stop();
    throw;
  }
}

DnsServerFixture::~DnsServerFixture() { Stop(); }

void DnsServerFixture::Start() {
  for (const char* bin : {kKnotd, kKnotc}) {
    if (::access(bin, X_OK) != 0)
      Fail(std::string(kNotInstalled) + " (" + bin + " not found)");
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp && *tmp ? tmp : "/tmp") + "/certpilot-knot-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) Fail(Errno("mkdtemp " + pattern));
  temp_dir_ = pattern;
  for (const char* sub : {"/run", "/db", "/zones"}) {
    if (::mkdir((temp_dir_ + sub).c_str(), 0700) != 0)
      Fail(Errno("mkdir " + temp_dir_ + sub));
  }
  for (DnsTsigKey& key : options_.keys) {
    key.name = Fqdn(key.name);
    if (key.secret.empty()) key.secret = RandomSecret();
  }

  const std::string origin = Fqdn(options_.zone);
  std::string zone = "$ORIGIN " + origin + "\n$TTL 60\n@ SOA ns." + origin +
                     " hostmaster." + origin +
                     " 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1\n";
  for (const std::string& r : options_.records) zone += r + "\n";
  WriteFile(temp_dir_ + "/zones/" + origin + "zone", zone, 0644);

  std::string failures;
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    std::string failure;
    if (TryStart(&failure)) return;
    failures += "\n  attempt " + std::to_string(attempt) + ": " + failure;
  }
  Fail("could not start knotd (lost port races):" + failures + "\n" +
       LogTail());
}

bool DnsServerFixture::TryStart(std::string* failure) {
  PortReservation reservation;
  port_ = reservation.Reserve();
  address_ = "127.0.0.1:" + std::to_string(port_);

  const std::string dir = temp_dir_;
  std::string conf =
      "server:\n"
      "    rundir: \"" +
      dir +
      "/run\"\n"
      "    pidfile: \"" +
      dir +
      "/run/knotd.pid\"\n"
      "    listen: 127.0.0.1@" +
      std::to_string(port_) +
      "\n"
      "    udp-workers: 1\n"
      "    tcp-workers: 1\n"
      "    background-workers: 1\n"
      "log:\n"
      "  - target: stderr\n"
      "    any: info\n"
      "database:\n"
      "    storage: \"" +
      dir + "/db\"\n";
  if (!options_.keys.empty()) {
    conf += "key:\n";
    for (const DnsTsigKey& k : options_.keys) {
      conf += "  - id: " + k.name + "\n    algorithm: " + k.algorithm +
              "\n    secret: " + k.secret + "\n";
    }
    conf += "acl:\n  - id: certpilot-update\n    action: update\n    key: [";
    for (size_t i = 0; i < options_.keys.size(); ++i)
      conf += (i ? ", " : "") + options_.keys[i].name;
    conf += "]\n";
  }
  conf +=
      "template:\n"
      "  - id: default\n"
      "    storage: \"" +
      dir +
      "/zones\"\n"
      "    file: \"%s.zone\"\n"
      "    zonefile-sync: -1\n"
      "    journal-content: none\n"
      "zone:\n"
      "  - domain: " +
      Fqdn(options_.zone) + "\n";
  if (!options_.keys.empty()) conf += "    acl: certpilot-update\n";
  WriteFile(dir + "/knot.conf", conf, 0600);

  reservation.Release();  // just before knotd binds it
  pid_ = Spawn({kKnotd, "-c", dir + "/knot.conf"}, log_path());

  const auto deadline = SteadyClock::now() + options_.startup_timeout;
  while (true) {
    int status = 0;
    if (Exited(pid_, &status)) {
      pid_ = -1;
      std::string logs = LogTail();
      if (logs.find("in use") != std::string::npos) {
        *failure = "knotd: address already in use";
        return false;
      }
      Fail("knotd exited during startup (status " + std::to_string(status) +
           ")\n" + logs);
    }
    if (TcpConnects(port_) &&
        KnotcOk({"zone-read", Fqdn(options_.zone), "@", "SOA"})) {
      return true;
    }
    const std::string logs = ReadTail(log_path(), 100000);
    if (logs.find("Address already in use") != std::string::npos) {
      StopChild();
      *failure = "knotd: address already in use";
      return false;
    }
    if (SteadyClock::now() >= deadline) {
      StopChild();
      Fail("knotd did not come up within " +
           std::to_string(options_.startup_timeout.count()) + " ms on " +
           address_ + "\n" + LogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll
  }
}

std::string DnsServerFixture::Knotc(
    const std::vector<std::string>& args) const {
  sys::ProcessSpec spec;
  spec.argv = {kKnotc, "-s", temp_dir_ + "/run/knot.sock", "-t", "5"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.timeout = std::chrono::seconds(15);
  sys::PosixProcessRunner runner;
  sys::ProcessResult r = runner.Run(spec);
  if (!r.Succeeded()) {
    std::string cmd;
    for (const std::string& a : spec.argv) cmd += a + " ";
    Fail(cmd + r.Describe() + ": " + r.err + r.out);
  }
  return r.out;
}

bool DnsServerFixture::KnotcOk(const std::vector<std::string>& args) const {
  try {
    Knotc(args);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

std::string DnsServerFixture::CredentialsIni(std::size_t key_index) const {
  const DnsTsigKey& k = options_.keys.at(key_index);
  return "# certbot dns-rfc2136 credentials for the test server\n"
         "dns_rfc2136_server = 127.0.0.1\n"
         "dns_rfc2136_port = " +
         std::to_string(port_) +
         "\n"
         "dns_rfc2136_name = " +
         k.name +
         "\n"
         "dns_rfc2136_secret = " +
         k.secret +
         "\n"
         "dns_rfc2136_algorithm = " +
         CertbotAlgorithm(k.algorithm) + "\n";
}

std::vector<std::string> DnsServerFixture::ReadTxt(
    const std::string& name) const {
  // zone-read of a name without records fails ("no such record in zone").
  sys::ProcessSpec spec;
  spec.argv = {kKnotc, "-s",        temp_dir_ + "/run/knot.sock", "-t",
               "5",    "zone-read", Fqdn(options_.zone),          Fqdn(name),
               "TXT"};
  spec.timeout = std::chrono::seconds(15);
  sys::PosixProcessRunner runner;
  sys::ProcessResult r = runner.Run(spec);
  if (!r.Succeeded()) {
    if ((r.err + r.out).find("no such") != std::string::npos) return {};
    Fail("knotc zone-read " + name + " " + r.Describe() + ": " + r.err + r.out);
  }
  return ParseZoneReadTxt(r.out);
}

void DnsServerFixture::AddTxt(const std::string& name,
                              const std::string& value) const {
  const std::string zone = Fqdn(options_.zone);
  Knotc({"zone-begin", zone});
  try {
    Knotc({"zone-set", zone, Fqdn(name), "60", "TXT", "\"" + value + "\""});
    Knotc({"zone-commit", zone});
  } catch (...) {
    KnotcOk({"zone-abort", zone});
    throw;
  }
}

std::string DnsServerFixture::LogTail(std::size_t max_bytes) const {
  return "--- " + log_path() + " ---\n" + ReadTail(log_path(), max_bytes);
}

void DnsServerFixture::StopChild() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = SteadyClock::now() + options_.stop_timeout;
  int status = 0;
  while (!Exited(pid_, &status)) {
    if (SteadyClock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll
  }
  pid_ = -1;
}

void DnsServerFixture::Stop() {
  if (stopped_) return;
  stopped_ = true;
  StopChild();
  if (temp_dir_.empty()) return;
  const char* keep = std::getenv("CERTPILOT_KEEP_TEST_DIRS");
  if (keep != nullptr && std::string(keep) == "1") {
    std::cerr << "DnsServerFixture: keeping " << temp_dir_
              << " (CERTPILOT_KEEP_TEST_DIRS=1)\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(temp_dir_, ec);
}

}  // namespace certpilot::testing
