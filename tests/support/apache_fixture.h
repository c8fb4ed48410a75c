// ApacheFixture: a real Apache httpd (Debian's apache2, /usr/sbin/apache2)
// with a Debian-layout configuration of its own in a temp dir, on free
// loopback ports, for the Apache authenticator/installer tests. Never reads
// or touches /etc/apache2 (but for copying mods-available once), port 80 or
// any system state directory: pid file, logs, lock and run dirs and
// a2enmod's state markers (APACHE_STATE_DIRECTORY) live in the temp dir.
//
// Layout (TMP = a fresh mkdtemp dir, mode 0755 so httpd's workers, running
// as www-data, can read what lies under it):
//   TMP/root/apache2.conf          Debian's shape: mods-enabled/*.load and
//                                  *.conf, ports.conf, conf-enabled,
//                                  sites-enabled/*.conf, all IncludeOptional
//   TMP/root/ports.conf            Listen 127.0.0.1:HTTP, and :HTTPS inside
//                                  <IfModule ssl_module>
//   TMP/root/envvars               APACHE_* pointing into TMP (what
//                                  apache2ctl and a2enmod source)
//   TMP/root/mods-available/       a copy of /etc/apache2/mods-available
//   TMP/root/mods-enabled/         links for a minimal module set
//   TMP/root/sites-available/000-default.conf  Debian's default site on
//                                  *:HTTP, linked from sites-enabled/
//   TMP/www/html/index.html  TMP/run/  TMP/log/  TMP/lock/  TMP/state/
// server_root() is TMP/root: pass it as --apache-server-root with
// --apache-ctl apache2ctl (which sources its envvars through
// APACHE_CONFDIR). Snapshot() reads every file and link under it, for
// byte-for-byte comparisons.
//
// Start() runs `apache2 -d ROOT -DFOREGROUND` (envvars sourced first) as a
// child (support/daemon.h; a crashed test leaks no httpd) and polls, with a
// deadline and no fixed sleep, until the pid file names it and its HTTP
// port answers. certpilot then reloads it with `apache2ctl graceful`, which
// signals that pid. Stop() (and the destructor) ends it — and an httpd that
// certpilot started itself from this configuration — and removes TMP unless
// CERTPILOT_KEEP_TEST_DIRS=1.
//
// Throws std::runtime_error, quoting httpd's error log, when apache2 is
// missing (install it: scripts/deps) or does not come up. Never skips. Must
// run as root (httpd switches to www-data). Use from one thread.
//
// Clients for the served pages and certificates: PlainGet/TlsGet in
// support/nginx_fixture.h.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "support/daemon.h"
#include "support/temp_dir.h"

namespace certpilot::testing {

class ApacheFixture {
 public:
  // `http_port`/`https_port`: 0 = a free loopback port each. `modules`:
  // what mods-enabled links besides the base set (mpm_event, authz_core,
  // authz_host, dir, mime, alias): "rewrite", "headers", "ssl" (with its
  // dependencies setenvif and socache_shmcb).
  explicit ApacheFixture(int http_port = 0, int https_port = 0,
                         const std::vector<std::string>& modules = {});
  ~ApacheFixture();
  ApacheFixture(const ApacheFixture&) = delete;
  ApacheFixture& operator=(const ApacheFixture&) = delete;

  static constexpr char kBinary[] = "/usr/sbin/apache2";
  static constexpr char kCtl[] = "/usr/sbin/apache2ctl";

  const std::string& dir() const { return dir_.path(); }
  const std::string& server_root() const { return root_; }
  std::string www() const { return dir_ / "www"; }
  std::string pid_path() const { return dir_ / "run/apache2.pid"; }
  std::string error_log_path() const { return dir_ / "log/error.log"; }
  int http_port() const { return http_port_; }
  int https_port() const { return https_port_; }

  // Writes ROOT/rel (directories created).
  void WriteFile(const std::string& rel, const std::string& content) const;
  // Writes ROOT/sites-available/NAME.conf and links it from sites-enabled
  // as a2ensite does.
  void AddSite(const std::string& name, const std::string& content) const;
  // Links mods-available/NAME.load (and .conf) from mods-enabled.
  void EnableModule(const std::string& name) const;
  // Rewrites sites-available/000-default.conf (Debian's default site on
  // *:HTTP, serving www()/html/index.html: "default site\n") with
  // `ServerName name` and `extra` lines in it.
  void NameTheDefaultSite(const std::string& name,
                          const std::string& extra = "") const;
  // Every file under ROOT by path relative to it: its bytes, or for a
  // symlink "-> TARGET".
  std::map<std::string, std::string> Snapshot() const;
  // The --apache-* arguments for this Apache: server root, apache2ctl (or
  // `ctl`), a challenge location under dir(), --http-01-port.
  std::vector<std::string> CliArgs(const std::string& ctl = kCtl) const;
  std::string challenge_dir() const { return dir_ / "challenge"; }
  // apache2ctl wrappers for --apache-ctl (in TMP/bin):
  //  - one whose configtest always fails, printing "failing on purpose";
  //  - one that, at the first `graceful`, lets Apache reload and then kills
  //    its parent (certpilot) with SIGKILL, leaving the file `mark`.
  // Anything else goes to the real apache2ctl.
  std::string FailingConfigtestCtl() const;
  std::string KillingCtl(const std::string& mark) const;

  void Start();
  // Ends every httpd of this configuration (ours, or one certpilot started),
  // waiting until it is gone. Idempotent.
  void Stop();
  // The pid in the pid file, if that process is alive; else -1.
  pid_t RunningPid() const;
  // How many graceful restarts httpd logged since Start().
  int GracefulRestarts() const;
  std::string ErrorLogTail(size_t max_bytes = 3000) const;

 private:
  TempDir dir_{"certpilot-apache"};
  std::string root_;
  int http_port_;
  int https_port_;
  Daemon httpd_;
};

}  // namespace certpilot::testing
