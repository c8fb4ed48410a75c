// NginxFixture: a real nginx (Debian's nginx-light, /usr/sbin/nginx) with a
// configuration of its own in a temp dir, on free loopback ports, for the
// nginx authenticator/installer tests. Never touches /etc/nginx, port 80 or
// any root-owned path: pid file, error and access logs and every *_temp_path
// live in the temp dir.
//
// Layout (TMP = a fresh mkdtemp dir):
//   TMP/root/nginx.conf            MainConf(): pid, error_log, temp paths,
//                                  `http { … include sites-enabled/*.conf; }`
//   TMP/root/sites-enabled/…       what the test writes (WriteFile)
//   TMP/run/nginx.pid  TMP/logs/  TMP/tmp/
// server_root() is TMP/root: pass it as --nginx-server-root. Snapshot()
// reads every file under it, for byte-for-byte comparisons.
//
// Start() runs `nginx -c ROOT/nginx.conf -g "daemon off;"` as a child
// (support/daemon.h; PR_SET_PDEATHSIG: a crashed test leaks no nginx) and
// polls, with a deadline and no fixed sleep, until the master has written
// its pid file (it binds its sockets before that). certpilot then reloads it
// with `nginx -c ROOT/nginx.conf -s reload` through that pid file, like a
// system nginx. Stop() (and the destructor) ends it — and an nginx that
// certpilot started itself from this configuration — and removes TMP
// unless CERTPILOT_KEEP_TEST_DIRS=1.
//
// Throws std::runtime_error, quoting nginx's error log, when nginx is
// missing (install it: scripts/deps) or does not come up. It never skips.
// Use from one thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>

#include "support/daemon.h"
#include "support/temp_dir.h"
#include "support/wait_for.h"

namespace certpilot::testing {

class NginxFixture {
 public:
  // `http_port`/`https_port`: 0 = a free loopback port each. The fixture
  // itself listens on nothing: the sites the test writes do.
  explicit NginxFixture(int http_port = 0, int https_port = 0);
  ~NginxFixture();
  NginxFixture(const NginxFixture&) = delete;
  NginxFixture& operator=(const NginxFixture&) = delete;

  // The nginx binary (PATH, else /usr/sbin/nginx).
  const std::string& binary() const { return binary_; }
  const std::string& dir() const { return dir_.path(); }
  const std::string& server_root() const { return root_; }
  std::string conf_path() const { return root_ + "/nginx.conf"; }
  std::string pid_path() const { return dir_ / "run/nginx.pid"; }
  std::string error_log_path() const { return dir_ / "logs/error.log"; }
  int http_port() const { return http_port_; }
  int https_port() const { return https_port_; }

  // The main nginx.conf the fixture writes; `http_extra` goes inside the
  // http block before the sites-enabled include.
  std::string MainConf(const std::string& http_extra = "") const;
  // Writes ROOT/rel (directories created).
  void WriteFile(const std::string& rel, const std::string& content) const;
  // Every regular file under ROOT, by path relative to it.
  std::map<std::string, std::string> Snapshot() const;

  void Start();
  // Ends every nginx master of this configuration (ours, or one certpilot
  // started), waiting until it is gone. Idempotent.
  void Stop();
  // The pid in the pid file, if that process is alive; else -1.
  pid_t RunningMasterPid() const;
  std::string ErrorLogTail(size_t max_bytes = 3000) const;

 private:
  std::string binary_;
  TempDir dir_{"certpilot-nginx"};
  std::string root_;
  int http_port_;
  int https_port_;
  Daemon nginx_;
};

// The answer to a plain HTTP/1.0 request.
struct HttpReply {
  int status = 0;                              // 0: no answer (see error)
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string error;
};

// GET http://ADDRESS:port/path with `Host: host`, over a raw socket.
HttpReply PlainGet(int port, const std::string& host, const std::string& path,
                   const std::string& address = "127.0.0.1");

// A TLS handshake with ADDRESS:port sending SNI `sni` (no verification),
// then optionally one GET over it.
struct TlsReply {
  std::string serial_hex;  // of the certificate served ("" on failure)
  HttpReply http;          // when a path was given
  std::string error;
};
TlsReply TlsGet(int port, const std::string& sni, const std::string& path = "",
                const std::string& address = "127.0.0.1");

// The serial of the first certificate in `pem`, as TlsReply::serial_hex.
std::string CertSerialHex(const std::string& pem);

// A tiny HTTP app on 127.0.0.1:port() (the "application server" behind
// nginx): every request gets 200 and body(). Runs on its own thread.
class LoopbackApp {
 public:
  explicit LoopbackApp(std::string body = "hello from the app\n");
  ~LoopbackApp();
  int port() const { return port_; }
  const std::string& body() const { return body_; }
  int requests() const { return requests_; }

 private:
  void Serve();
  std::string body_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace certpilot::testing
