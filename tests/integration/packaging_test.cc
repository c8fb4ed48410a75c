// What a sysadmin installs: `cmake --install` into a DESTDIR gives exactly
// the binary, the man pages, the bash completion and the systemd units (with
// ExecStart naming the installed binary), nothing under /etc; `cpack -G DEB`
// gives a .deb with the same files under /usr, a stripped binary, Depends
// from dpkg-shlibdeps (libssl3, ...) plus libcurl4 (dlopen()ed, so not seen
// by shlibdeps and named explicitly), Section admin, and maintainer
// scripts that enable the timer on installation and disable it on removal
// (run here against a fake systemctl).
//
// Works on the build tree that holds CERTPILOT_BINARY (its CMakeCache.txt,
// cmake_install.cmake and CPackConfig.cmake). Needs cmake/cpack, dpkg-dev
// (dpkg-shlibdeps), man-db + groff-base and bash-completion: it fails, never
// skips, when one is missing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/run_binary.h"
#include "support/temp_dir.h"
#include "sys/process_runner.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kBuildDir = fs::path(CERTPILOT_BINARY).parent_path().string();
const std::string kSourceDir = CERTPILOT_SOURCE_DIR;
const std::string kExecStartArgs = " -q renew --no-random-sleep-on-renew";
// For RunTool: cmake --install and cpack take their time on a loaded machine.
constexpr std::chrono::seconds kToolTimeout = 300s;

// Runs and requires success; returns stdout.
std::string MustRun(const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env = {},
                    const std::string& hint = "") {
  sys::ProcessResult r = RunTool(argv, env, hint, kToolTimeout);
  std::string cmd;
  for (const std::string& a : argv) cmd += a + " ";
  EXPECT_EQ(r.exit_code, 0) << cmd << r.Describe() << "\n"
                            << r.out << "\n"
                            << r.err << hint;
  return r.out;
}

std::string Version() {
  std::string out = MustRun({CERTPILOT_BINARY, "--version"});
  EXPECT_EQ(out.rfind("certpilot ", 0), 0u) << out;
  return out.substr(10, out.find_first_of("\n ", 10) - 10);
}

// Installs from the build tree one at a time, across test processes (ctest
// -j runs these tests in parallel): the systemd install step writes the unit
// with the prefix filled in into the build tree before copying it, so two
// installs with different prefixes at once would mix their ExecStart lines.
class InstallLock {
 public:
  InstallLock()
      : fd_(open((kBuildDir + "/.packaging-test.lock").c_str(),
                 O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    EXPECT_GE(fd_, 0) << "cannot open the lock file in " << kBuildDir;
    if (fd_ >= 0) {
      EXPECT_EQ(flock(fd_, LOCK_EX), 0);
    }
  }
  ~InstallLock() {
    if (fd_ >= 0) close(fd_);
  }
  InstallLock(const InstallLock&) = delete;
  InstallLock& operator=(const InstallLock&) = delete;

 private:
  int fd_;
};

void RequireBuildTree() {
  ASSERT_TRUE(fs::exists(kBuildDir + "/CMakeCache.txt"))
      << "the build tree is expected beside the binary: " << kBuildDir;
}

// path relative to `root` -> permission bits, for every file, link and
// directory under it.
std::map<std::string, unsigned> Tree(const std::string& root) {
  std::map<std::string, unsigned> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    struct stat st;
    EXPECT_EQ(lstat(e.path().c_str(), &st), 0) << e.path();
    std::string rel = fs::relative(e.path(), root).string();
    if (S_ISDIR(st.st_mode)) rel += "/";
    out[rel] = st.st_mode & 07777;
  }
  return out;
}

std::string Describe(const std::map<std::string, unsigned>& tree) {
  std::ostringstream s;
  for (const auto& [path, mode] : tree)
    s << std::oct << mode << " " << path << "\n";
  return s.str();
}

// The line "Key=value" of a unit, value only ("" if absent).
std::string UnitValue(const std::string& unit_text, const std::string& key) {
  std::istringstream in(unit_text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  return "";
}

std::string Gunzip(const std::string& path) {
  return MustRun({"gzip", "-dc", path});
}

// The files a certpilot installation consists of, relative to the root,
// given where the prefix is and where the units went.
std::map<std::string, unsigned> ExpectedFiles(const std::string& prefix,
                                              const std::string& unitdir) {
  return {{prefix + "bin/certpilot", 0755},
          {prefix + "share/man/man1/certpilot.1.gz", 0644},
          {prefix + "share/man/man5/certpilot.conf.5.gz", 0644},
          {prefix + "share/bash-completion/completions/certpilot", 0644},
          {unitdir + "certpilot.service", 0644},
          {unitdir + "certpilot-agent.service", 0644},
          {unitdir + "certpilot.timer", 0644}};
}

// Checks an installed tree under `root` whose prefix is `prefix` ("usr/"):
// exactly the expected files (directories 0755), the unit's ExecStart, the
// man pages render, the completion loads through bash-completion.
void CheckInstalledTree(const std::string& root, const std::string& prefix) {
  std::map<std::string, unsigned> tree = Tree(root);
  // The units go to the prefix's lib/systemd/system, or to systemd's own
  // directory (/lib/systemd/system on Debian 12) for a /usr install.
  std::string unitdir;
  for (const auto& [path, mode] : tree)
    if (fs::path(path).filename() == "certpilot.service")
      unitdir = fs::path(path).parent_path().string() + "/";
  ASSERT_TRUE(unitdir == prefix + "lib/systemd/system/" ||
              unitdir == "lib/systemd/system/")
      << "certpilot.service in " << unitdir << "\n"
      << Describe(tree);

  std::map<std::string, unsigned> files, dirs;
  for (const auto& [path, mode] : tree)
    (path.back() == '/' ? dirs : files)[path] = mode;
  EXPECT_EQ(Describe(files), Describe(ExpectedFiles(prefix, unitdir)))
      << "installed files (a new one? add it here, and to the man page's "
         "FILES)";
  for (const auto& [dir, mode] : dirs) {
    EXPECT_EQ(mode, 0755u) << dir;
    EXPECT_NE(dir.rfind("etc/", 0), 0u)
        << "installs something under /etc: " << dir;
  }

  std::ifstream unit(root + "/" + unitdir + "certpilot.service");
  std::string service((std::istreambuf_iterator<char>(unit)), {});
  EXPECT_EQ(UnitValue(service, "ExecStart"),
            "/" + prefix + "bin/certpilot" + kExecStartArgs);

  // The installed binary runs.
  EXPECT_NE(MustRun({root + "/" + prefix + "bin/certpilot", "--version"})
                .find(Version()),
            std::string::npos);

  // The man pages: version filled in, render without warnings.
  for (const char* page : {"man1/certpilot.1.gz", "man5/certpilot.conf.5.gz"}) {
    std::string gz = root + "/" + prefix + "share/man/" + page;
    std::string roff = Gunzip(gz);
    EXPECT_EQ(roff.find("@PROJECT_VERSION@"), std::string::npos) << page;
    EXPECT_NE(roff.find("\"certpilot " + Version() + "\""), std::string::npos)
        << page;
    sys::ProcessResult r = RunTool(
        {"man", "--warnings", "-l", gz},
        {{"MANPAGER", "cat"}, {"PAGER", "cat"}, {"MANWIDTH", "80"}},
        " -- install the Debian packages man-db and groff-base", kToolTimeout);
    EXPECT_EQ(r.exit_code, 0) << page << ": " << r.err;
    EXPECT_EQ(r.err, "") << page;
  }

  // bash-completion's on-demand loader finds the completion where it was
  // installed (share/bash-completion/completions under an XDG data dir).
  const std::string loader = "/usr/share/bash-completion/bash_completion";
  ASSERT_TRUE(fs::exists(loader))
      << "install the Debian package bash-completion";
  sys::ProcessResult r =
      RunTool({"bash", "--norc", "--noprofile", "-c",
               // The loader returns 124 ("loaded, retry") when it found a file.
               "source " + loader +
                   " || exit 1; complete -p certpilot 2>/dev/null && exit 1\n"
                   "_completion_loader certpilot; complete -p certpilot"},
              {{"XDG_DATA_DIRS", root + "/" + prefix + "share"},
               {"BASH_COMPLETION_USER_DIR", root + "/nonexistent"}},
              "", kToolTimeout);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "complete -F _certpilot certpilot\n") << r.err;
}

TEST(PackagingTest, CmakeInstallIntoDestdir) {
  RequireBuildTree();
  TempDir tmp;
  const std::string root = tmp / "root", opt = tmp / "opt-root";
  {
    InstallLock lock;
    MustRun({"cmake", "--install", kBuildDir, "--prefix", "/usr"},
            {{"DESTDIR", root}});
    // Another prefix: everything follows it, ExecStart included.
    MustRun({"cmake", "--install", kBuildDir, "--prefix", "/opt/certpilot"},
            {{"DESTDIR", opt}});
  }
  CheckInstalledTree(root, "usr/");
  CheckInstalledTree(opt, "opt/certpilot/");
}

// ---------------------------------------------------------------------------

struct Deb {
  TempDir dir;
  std::string path;
};

// cpack -G DEB once for all the tests below, into a temp dir (the build tree
// gets no package and no _CPack_Packages).
const Deb& TheDeb() {
  static Deb* deb = [] {
    auto* d = new Deb;
    std::string config = kBuildDir + "/CPackConfig.cmake";
    EXPECT_TRUE(fs::exists(config))
        << config
        << " is missing: the top-level CMakeLists.txt needs "
           "add_subdirectory(packaging)";
    InstallLock lock;
    MustRun(
        {"cpack", "-G", "DEB", "--config", config, "-B", d->dir.path()}, {},
        " -- cpack needs dpkg-shlibdeps: install the Debian package dpkg-dev");
    for (const auto& e : fs::directory_iterator(d->dir.path()))
      if (e.path().extension() == ".deb") {
        EXPECT_TRUE(d->path.empty())
            << "two packages: " << d->path << " " << e.path();
        d->path = e.path().string();
      }
    return d;
  }();
  return *deb;
}

std::string Field(const std::string& deb, const std::string& field) {
  std::string v = MustRun({"dpkg-deb", "-f", deb, field});
  while (!v.empty() && v.back() == '\n') v.pop_back();
  return v;
}

TEST(PackagingTest, DebControlFields) {
  RequireBuildTree();
  const Deb& deb = TheDeb();
  ASSERT_FALSE(deb.path.empty()) << "cpack made no .deb";
  std::string arch = MustRun({"dpkg", "--print-architecture"});
  arch.pop_back();
  EXPECT_EQ(fs::path(deb.path).filename().string(),
            "certpilot_" + Version() + "_" + arch + ".deb");

  std::string info = MustRun({"dpkg-deb", "-I", deb.path});
  EXPECT_EQ(Field(deb.path, "Package"), "certpilot") << info;
  EXPECT_EQ(Field(deb.path, "Version"), Version());
  EXPECT_EQ(Field(deb.path, "Architecture"), arch);
  EXPECT_EQ(Field(deb.path, "Section"), "admin");
  EXPECT_EQ(Field(deb.path, "Priority"), "optional");
  EXPECT_NE(Field(deb.path, "Maintainer"), "");
  EXPECT_EQ(Field(deb.path, "Recommends"), "ca-certificates");

  // From dpkg-shlibdeps: the libraries the binary links, with versions.
  std::string depends = Field(deb.path, "Depends");
  for (const char* lib : {"libc6 (>=", "libssl3 (>=", "libstdc++6 (>="})
    EXPECT_NE(depends.find(lib), std::string::npos)
        << lib << " in Depends: " << depends;
  // libcurl is loaded with dlopen() on the first request to a CA, which
  // shlibdeps cannot see: it is named once, explicitly, with a version.
  const std::string curl = "libcurl4 (>= 7.88)";
  EXPECT_NE(depends.find(curl), std::string::npos)
      << curl << " in Depends: " << depends;
  EXPECT_EQ(depends.find("libcurl4"), depends.rfind("libcurl4"))
      << "libcurl4 named twice in Depends: " << depends;

  // A synopsis and a long description (dpkg formats the continuation lines).
  std::string description = Field(deb.path, "Description");
  EXPECT_EQ(description.rfind("ACME client: get and renew TLS certificates", 0),
            0u)
      << description;
  EXPECT_EQ(description.find("\n certpilot obtains TLS certificates"),
            description.find('\n'))
      << "the long description starts on the second line: " << description;
  EXPECT_EQ(description.find("ACME client: get and renew", 1),
            std::string::npos)
      << "the synopsis is repeated: " << description;
  EXPECT_NE(description.find("\n .\n"), std::string::npos) << description;
}

TEST(PackagingTest, DebContents) {
  RequireBuildTree();
  const Deb& deb = TheDeb();
  ASSERT_FALSE(deb.path.empty());

  // dpkg-deb -c: owned by root, the expected modes and paths, no /etc.
  std::string listing = MustRun({"dpkg-deb", "-c", deb.path});
  std::istringstream in(listing);
  std::set<std::string> files;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string mode, owner, size, date, time, path;
    words >> mode >> owner >> size >> date >> time >> path;
    EXPECT_EQ(owner, "root/root") << line;
    EXPECT_NE(path.rfind("./etc/", 0), 0u)
        << "ships a file under /etc: " << line;
    if (mode[0] == '-') files.insert(mode + " " + path);
  }
  std::set<std::string> unit_files;
  for (const std::string& f : files)
    if (f.find("/systemd/system/") != std::string::npos) unit_files.insert(f);
  ASSERT_EQ(unit_files.size(), 3u) << listing;
  std::string unitdir = unit_files.begin()->substr(11);
  unitdir = unitdir.substr(0, unitdir.rfind('/') + 1);
  EXPECT_TRUE(unitdir == "./usr/lib/systemd/system/" ||
              unitdir == "./lib/systemd/system/")
      << unitdir;
  std::set<std::string> expected = {
      "-rwxr-xr-x ./usr/bin/certpilot",
      "-rw-r--r-- ./usr/share/man/man1/certpilot.1.gz",
      "-rw-r--r-- ./usr/share/man/man5/certpilot.conf.5.gz",
      "-rw-r--r-- ./usr/share/bash-completion/completions/certpilot",
      "-rw-r--r-- " + unitdir + "certpilot.service",
      "-rw-r--r-- " + unitdir + "certpilot-agent.service",
      "-rw-r--r-- " + unitdir + "certpilot.timer"};
  EXPECT_EQ(files, expected) << listing;

  // Unpacked: ExecStart names /usr/bin/certpilot (not cpack's staging
  // directory), the binary is stripped and runs.
  TempDir x;
  MustRun({"dpkg-deb", "-x", deb.path, x.path()});
  std::ifstream unit(x.path() + "/" + unitdir.substr(2) + "certpilot.service");
  std::string service((std::istreambuf_iterator<char>(unit)), {});
  EXPECT_EQ(UnitValue(service, "ExecStart"),
            "/usr/bin/certpilot" + kExecStartArgs);
  std::string sections =
      MustRun({"readelf", "-S", "-W", x / "usr/bin/certpilot"});
  EXPECT_EQ(sections.find(".debug_info"), std::string::npos)
      << "the packaged binary is not stripped";
  EXPECT_EQ(sections.find(".symtab"), std::string::npos)
      << "the packaged binary is not stripped";
  // Why Depends names libcurl4 itself: the binary does not link it.
  std::string dynamic =
      MustRun({"readelf", "-d", "-W", x / "usr/bin/certpilot"});
  EXPECT_NE(dynamic.find("(NEEDED)"), std::string::npos) << dynamic;
  EXPECT_EQ(dynamic.find("libcurl"), std::string::npos) << dynamic;
  EXPECT_NE(MustRun({x / "usr/bin/certpilot", "--version"}).find(Version()),
            std::string::npos);
}

// ---------------------------------------------------------------------------
// Maintainer scripts: present, executable, `sh -n` clean, and doing the
// right thing when dpkg calls them, against a fake systemctl that records
// its arguments. Whether systemd "is running" is [ -d /run/systemd/system ]
// on this machine; the expectations follow it.

class MaintainerScriptsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RequireBuildTree();
    const Deb& deb = TheDeb();
    ASSERT_FALSE(deb.path.empty());
    MustRun({"dpkg-deb", "-e", deb.path, control_});
    fs::create_directories(bin_);
    std::ofstream(bin_ + "/systemctl")
        << "#!/bin/sh\necho \"$*\" >> " << log_ << "\n";
    fs::permissions(bin_ + "/systemctl", fs::perms::owner_all);
    systemd_running_ = fs::is_directory("/run/systemd/system");
  }

  // Runs the packaged script with dpkg's arguments; returns what systemctl
  // was asked to do, one call per line.
  std::string RunScript(const std::string& script,
                        const std::vector<std::string>& args,
                        bool with_systemctl = true) {
    fs::remove(log_);
    std::vector<std::string> argv{"/bin/sh", control_ + "/" + script};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string path =
        with_systemctl ? bin_ + ":/usr/bin:/bin" : tmp_ / "empty";
    sys::ProcessResult r = RunTool(argv, {{"PATH", path}}, "", kToolTimeout);
    EXPECT_EQ(r.exit_code, 0) << script << ": " << r.Describe() << "\n"
                              << r.err;
    EXPECT_EQ(r.out + r.err, "") << script << " printed something";
    std::ifstream in(log_);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }

  TempDir tmp_;
  std::string control_ = tmp_ / "DEBIAN";
  std::string bin_ = tmp_ / "bin";
  std::string log_ = tmp_ / "systemctl.log";
  bool systemd_running_ = false;
};

TEST_F(MaintainerScriptsTest, PresentExecutableAndSyntacticallyValid) {
  for (const char* script : {"postinst", "prerm", "postrm"}) {
    std::string path = control_ + "/" + script;
    ASSERT_TRUE(fs::exists(path)) << script << " is not in the package";
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
              fs::perms::owner_all | fs::perms::group_read |
                  fs::perms::group_exec | fs::perms::others_read |
                  fs::perms::others_exec)
        << script;
    std::ifstream in(path);
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first, "#!/bin/sh") << script;
    sys::ProcessResult r = RunTool({"sh", "-n", path}, {}, "", kToolTimeout);
    EXPECT_EQ(r.exit_code, 0) << script << ": " << r.err;
    EXPECT_EQ(r.err, "") << script;
  }
}

TEST_F(MaintainerScriptsTest, PostinstEnablesTheTimerOnInstallationOnly) {
  // A new installation: enabled (systemctl enable works offline too), and
  // started when systemd runs.
  std::string expected = "enable certpilot.timer\n";
  if (systemd_running_) expected += "daemon-reload\nstart certpilot.timer\n";
  EXPECT_EQ(RunScript("postinst", {"configure", ""}), expected);
  EXPECT_EQ(RunScript("postinst", {"configure"}), expected);

  // An upgrade keeps the administrator's choice; a running timer restarts.
  EXPECT_EQ(
      RunScript("postinst", {"configure", "0.0.1"}),
      systemd_running_ ? "daemon-reload\ntry-restart certpilot.timer\n" : "");

  // Without systemctl (a container without systemd): nothing, and no error.
  EXPECT_EQ(RunScript("postinst", {"configure", ""}, /*with_systemctl=*/false),
            "");
}

TEST_F(MaintainerScriptsTest, PrermDisablesTheTimerOnRemovalOnly) {
  EXPECT_EQ(RunScript("prerm", {"remove"}),
            std::string(systemd_running_ ? "stop certpilot.timer\n" : "") +
                "disable certpilot.timer\n");
  EXPECT_EQ(RunScript("prerm", {"upgrade", "0.2.0"}), "");
  EXPECT_EQ(RunScript("prerm", {"remove"}, /*with_systemctl=*/false), "");
  EXPECT_EQ(RunScript("postrm", {"remove"}),
            systemd_running_ ? "daemon-reload\n" : "");
  EXPECT_EQ(RunScript("postrm", {"upgrade", "0.2.0"}), "");
}

// The real dpkg installs, upgrades and removes the package: into a private
// root with its own database (--instdir, --admindir; dependencies are not
// there, hence --force-depends), the maintainer scripts run outside a chroot
// (--force-script-chrootless) against the fake systemctl.
TEST_F(MaintainerScriptsTest, DpkgInstallsUpgradesAndRemovesIt) {
  const std::string inst = tmp_ / "inst", admin = tmp_ / "admin";
  for (const char* d : {"info", "updates", "triggers"})
    fs::create_directories(admin + "/" + d);
  std::ofstream(admin + "/status");
  std::ofstream(admin + "/available");
  fs::create_directories(inst);
  auto dpkg = [&](const std::vector<std::string>& action) {
    std::vector<std::string> argv{"dpkg",
                                  "--instdir=" + inst,
                                  "--admindir=" + admin,
                                  "--force-script-chrootless",
                                  "--force-depends",
                                  "--force-not-root"};
    argv.insert(argv.end(), action.begin(), action.end());
    fs::remove(log_);
    // dpkg wants ldconfig and start-stop-daemon on its PATH.
    sys::ProcessResult r =
        RunTool(argv, {{"PATH", bin_ + ":/usr/sbin:/usr/bin:/sbin:/bin"}}, "",
                kToolTimeout);
    EXPECT_EQ(r.exit_code, 0) << r.Describe() << "\n" << r.out << r.err;
    std::ifstream in(log_);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  };
  const std::string deb = TheDeb().path;
  const std::string start =
      systemd_running_ ? "daemon-reload\nstart certpilot.timer\n" : "";

  EXPECT_EQ(dpkg({"-i", deb}), "enable certpilot.timer\n" + start);
  EXPECT_TRUE(fs::exists(inst + "/usr/bin/certpilot"));
  EXPECT_EQ(
      MustRun({"dpkg", "--admindir=" + admin, "-L", "certpilot"}).find("/etc/"),
      std::string::npos);
  // Reinstalling is an upgrade: the administrator's choice stands.
  EXPECT_EQ(
      dpkg({"-i", deb}),
      systemd_running_ ? "daemon-reload\ntry-restart certpilot.timer\n" : "");
  EXPECT_EQ(dpkg({"--purge", "certpilot"}),
            std::string(systemd_running_ ? "stop certpilot.timer\n" : "") +
                "disable certpilot.timer\n" +
                (systemd_running_ ? "daemon-reload\ndaemon-reload\n" : ""));
  EXPECT_FALSE(fs::exists(inst + "/usr/bin/certpilot"));
}

}  // namespace
}  // namespace certpilot::testing
