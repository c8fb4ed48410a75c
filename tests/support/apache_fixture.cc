#include "support/apache_fixture.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "support/free_port.h"
#include "support/wait_for.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kSystemModules[] = "/etc/apache2/mods-available";

[[noreturn]] void Fail(const std::string& what) {
  throw std::runtime_error("ApacheFixture: " + what);
}

int CountOccurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + what.size()))
    ++n;
  return n;
}

}  // namespace

ApacheFixture::ApacheFixture(int http_port, int https_port,
                             const std::vector<std::string>& modules)
    : root_(dir_ / "root"),
      http_port_(http_port ? http_port : FreeLoopbackPort()),
      https_port_(https_port ? https_port : FreeLoopbackPort()) {
  RequirePrograms("ApacheFixture", {kBinary, kCtl},
                  "Debian's apache2 is not installed (scripts/deps); these "
                  "tests need a real Apache and are never skipped");
  if (!fs::is_directory(kSystemModules))
    Fail(std::string(kSystemModules) +
         " is missing: install Debian's apache2 (scripts/deps)");
  if (::chmod(dir().c_str(), 0755) != 0) Fail("cannot chmod " + dir());
  for (const char* sub :
       {"root/mods-enabled", "root/sites-available", "root/sites-enabled",
        "root/conf-available", "root/conf-enabled", "www/html", "run", "log",
        "lock", "state"})
    fs::create_directories(dir_ / sub);
  fs::copy(kSystemModules, root_ + "/mods-available",
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);

  const std::string d = dir();
  WriteFile("envvars",
            "# Written by ApacheFixture: Debian's envvars, every path in " + d +
                ".\n"
                "unset HOME\n"
                "export APACHE_RUN_USER=www-data\n"
                "export APACHE_RUN_GROUP=www-data\n"
                "export APACHE_PID_FILE=" +
                pid_path() +
                "\n"
                "export APACHE_RUN_DIR=" +
                d +
                "/run\n"
                "export APACHE_LOCK_DIR=" +
                d +
                "/lock\n"
                "export APACHE_LOG_DIR=" +
                d +
                "/log\n"
                "export APACHE_STATE_DIRECTORY=" +
                d +
                "/state\n"
                "export LANG=C\n");
  // Debian's apache2.conf, shortened: the same includes in the same order.
  WriteFile("apache2.conf",
            "# Written by ApacheFixture (Debian's layout).\n"
            "DefaultRuntimeDir ${APACHE_RUN_DIR}\n"
            "PidFile ${APACHE_PID_FILE}\n"
            "Timeout 30\n"
            "KeepAlive Off\n"
            "User ${APACHE_RUN_USER}\n"
            "Group ${APACHE_RUN_GROUP}\n"
            "HostnameLookups Off\n"
            "ServerName fixture.invalid\n"
            "ErrorLog ${APACHE_LOG_DIR}/error.log\n"
            "LogLevel notice\n"
            "IncludeOptional mods-enabled/*.load\n"
            "IncludeOptional mods-enabled/*.conf\n"
            "Include ports.conf\n"
            "<Directory />\n"
            "\tOptions FollowSymLinks\n"
            "\tAllowOverride None\n"
            "\tRequire all denied\n"
            "</Directory>\n"
            "<Directory " +
                www() +
                "/>\n"
                "\tOptions Indexes FollowSymLinks\n"
                "\tAllowOverride None\n"
                "\tRequire all granted\n"
                "</Directory>\n"
                "AccessFileName .htaccess\n"
                "LogFormat \"%h %l %u %t \\\"%r\\\" %>s %O\" common\n"
                "IncludeOptional conf-enabled/*.conf\n"
                "IncludeOptional sites-enabled/*.conf\n");
  WriteFile("ports.conf", "Listen 127.0.0.1:" + std::to_string(http_port_) +
                              "\n\n<IfModule ssl_module>\n\tListen 127.0.0.1:" +
                              std::to_string(https_port_) + "\n</IfModule>\n");
  NameTheDefaultSite("");
  std::ofstream(www() + "/html/index.html") << "default site\n";
  for (const char* m :
       {"mpm_event", "authz_core", "authz_host", "dir", "mime", "alias"})
    EnableModule(m);
  for (const std::string& m : modules) {
    if (m == "ssl") {
      EnableModule("setenvif");
      EnableModule("socache_shmcb");
    }
    EnableModule(m);
  }
}

ApacheFixture::~ApacheFixture() {
  try {
    Stop();
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
  }
}

void ApacheFixture::WriteFile(const std::string& rel,
                              const std::string& content) const {
  const fs::path path = fs::path(root_) / rel;
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) Fail("cannot write " + path.string());
}

void ApacheFixture::AddSite(const std::string& name,
                            const std::string& content) const {
  WriteFile("sites-available/" + name + ".conf", content);
  const fs::path link = fs::path(root_) / "sites-enabled" / (name + ".conf");
  if (!fs::is_symlink(link))
    fs::create_symlink("../sites-available/" + name + ".conf", link);
}

void ApacheFixture::EnableModule(const std::string& name) const {
  for (const char* ext : {".load", ".conf"}) {
    const std::string file = name + ext;
    const fs::path link = fs::path(root_) / "mods-enabled" / file;
    if (fs::exists(fs::path(root_) / "mods-available" / file) &&
        !fs::is_symlink(link))
      fs::create_symlink("../mods-available/" + file, link);
  }
}

void ApacheFixture::NameTheDefaultSite(const std::string& name,
                                       const std::string& extra) const {
  AddSite("000-default",
          "<VirtualHost *:" + std::to_string(http_port_) + ">\n" +
              (name.empty() ? "" : "\tServerName " + name + "\n") +
              "\tServerAdmin webmaster@localhost\n"
              "\tDocumentRoot " +
              www() +
              "/html\n"
              "\tErrorLog ${APACHE_LOG_DIR}/error.log\n"
              "\tCustomLog ${APACHE_LOG_DIR}/access.log common\n" +
              extra + "</VirtualHost>\n");
}

std::vector<std::string> ApacheFixture::CliArgs(const std::string& ctl) const {
  return {"--apache-server-root",
          root_,
          "--apache-ctl",
          ctl,
          "--apache-challenge-location",
          challenge_dir(),
          "--http-01-port",
          std::to_string(http_port_)};
}

namespace {

std::string WriteScript(const std::string& path, const std::string& body) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << "#!/bin/sh\n" << body;
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

}  // namespace

std::string ApacheFixture::FailingConfigtestCtl() const {
  return WriteScript(
      dir_ / "bin/apache2ctl-fails-configtest",
      "if [ \"$1\" = configtest ]; then\n"
      "  echo 'AH00526: Syntax error: failing on purpose' >&2; exit 1\n"
      "fi\n"
      "exec " +
          std::string(kCtl) + " \"$@\"\n");
}

std::string ApacheFixture::KillingCtl(const std::string& mark) const {
  return WriteScript(dir_ / "bin/apache2ctl-kills-its-caller",
                     "if [ \"$1\" = graceful ] && [ ! -e '" + mark +
                         "' ]; then\n"
                         "  touch '" +
                         mark + "'; " + kCtl +
                         " graceful; kill -9 $PPID; exit 1\n"
                         "fi\n"
                         "exec " +
                         kCtl + " \"$@\"\n");
}

std::map<std::string, std::string> ApacheFixture::Snapshot() const {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    // Lexically: fs::relative would resolve the links.
    const std::string rel = e.path().lexically_relative(root_).string();
    if (e.is_symlink())
      files[rel] = "-> " + fs::read_symlink(e.path()).string();
    else if (e.is_regular_file())
      files[rel] = ReadFileOrEmpty(e.path());
  }
  return files;
}

pid_t ApacheFixture::RunningPid() const { return LivePidInFile(pid_path()); }

int ApacheFixture::GracefulRestarts() const {
  // AH00493, logged at notice by the parent for each `-k graceful`.
  return CountOccurrences(ReadFileOrEmpty(error_log_path()),
                          "SIGUSR1 received.  Doing graceful restart");
}

std::string ApacheFixture::ErrorLogTail(size_t max_bytes) const {
  return "--- " + error_log_path() + " ---\n" +
         ReadTail(error_log_path(), max_bytes) +
         "\n--- apache2 stdout/stderr ---\n" +
         ReadFileOrEmpty(dir_ / "log/apache2.out");
}

void ApacheFixture::Start() {
  if (httpd_.started()) return;
  // Through sh only to source envvars, as apache2ctl does; exec leaves
  // httpd itself as the child.
  httpd_.Start({.name = "apache2",
                .argv = {"/bin/sh", "-c",
                         ". \"$0\"/envvars && exec " + std::string(kBinary) +
                             " -d \"$0\" -DFOREGROUND",
                         root_},
                .log_path = dir_ / "log/apache2.out",
                .append_log = true,
                .stop_timeout = std::chrono::seconds(10)});
  Readiness readiness;
  readiness.owner = "ApacheFixture";
  readiness.ready = [this] {
    return RunningPid() == httpd_.pid() && TcpConnects(http_port_);
  };
  readiness.missing = [] {
    return "no pid file naming httpd, or its HTTP port does not answer";
  };
  readiness.logs = [this] { return ErrorLogTail(); };
  readiness.port_taken.clear();  // a site's port taken is the test's failure
  AwaitReady({&httpd_}, readiness);
}

void ApacheFixture::Stop() {
  httpd_.Stop();
  // An httpd certpilot started (`apache2ctl start`) from this configuration.
  EndStrayServer(RunningPid());
}

}  // namespace certpilot::testing
