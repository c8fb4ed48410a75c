#include "support/strace_renewal.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/keystore_reader.h"
#include "support/strace_inject.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kKinds[] = {"cert", "chain", "fullchain", "privkey"};

// "fullchain12.pem" → 12; -1 for anything else. (No std::regex: GCC 12
// warns about its internals under -fsanitize, and CI builds with -Werror.)
int ArchiveVersion(const std::string& file) {
  for (const char* kind : kKinds) {
    const std::string k = kind;
    if (file.size() <= k.size() + 4 || file.compare(0, k.size(), k) != 0 ||
        file.compare(file.size() - 4, 4, ".pem") != 0)
      continue;
    const std::string digits =
        file.substr(k.size(), file.size() - k.size() - 4);
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    return std::stoi(digits);
  }
  return -1;
}

}  // namespace

FaultyRenewal::FaultyRenewal(const PebbleFixture& ca, std::string name,
                             Keystore keystore)
    : cli_(ca),
      name_(std::move(name)),
      hook_log_(cli_.dir() / "deploy-hook.log"),
      keystore_(keystore == Keystore::kYes),
      keystore_path_(cli_.dir() / "tomcat/keystore.p12"),
      password_file_(cli_.dir() / "keystore.pass") {}

std::string FaultyRenewal::archive_dir() const {
  return cli_.config() + "/archive/" + name_;
}
std::string FaultyRenewal::live_dir() const {
  return cli_.config() + "/live/" + name_;
}

std::string FaultyRenewal::Issue() {
  std::vector<std::string> args{"-d", name_};
  if (keystore_) {
    fs::create_directories(fs::path(keystore_path_).parent_path());
    std::ofstream(password_file_) << "changeit\n";
    args.insert(args.end(), {"--pkcs12-path", keystore_path_,
                             "--pkcs12-password-file", password_file_});
  }
  RunResult r = cli_.Certonly(args);
  if (r.exit_code != 0) return "certonly failed: " + r.Describe();
  return cli_.CheckLineage(name_);
}

std::vector<std::string> FaultyRenewal::RenewArgv() const {
  std::vector<std::string> argv{CERTPILOT_BINARY, "renew"};
  for (const std::string& a : cli_.CommonArgs()) argv.push_back(a);
  for (const char* a :
       {"--force-renewal", "--no-random-sleep-on-renew", "--cert-name"})
    argv.push_back(a);
  argv.push_back(name_);
  argv.push_back("--deploy-hook");
  argv.push_back("echo \"$CERTPILOT_TEST_RUN\" >> " + hook_log_);
  return argv;
}

std::map<std::string, std::string> FaultyRenewal::RenewEnv(
    const std::string& tag) const {
  return {{"CERTPILOT_TEST_RUN", tag}};
}

FaultyRenewal::Snapshot FaultyRenewal::Take() const {
  Snapshot s;
  s.version = cli_.Version(name_);
  for (const char* kind : kKinds) {
    std::string file = std::string(kind) + std::to_string(s.version) + ".pem";
    s.files[file] = ReadFileOrEmpty(archive_dir() + "/" + file);
  }
  return s;
}

std::string FaultyRenewal::CheckInvariant(const Snapshot& before,
                                          Links links) const {
  std::string problems;
  auto add = [&](const std::string& p) {
    problems += (problems.empty() ? "" : "; ") + p;
  };
  // (a)
  if (links == Links::kOneVersion) {
    if (std::string lineage = cli_.CheckLineage(name_); !lineage.empty())
      add("live: " + lineage);
  } else {
    const std::set<int> incomplete = IncompleteVersions();
    for (const char* kind : kKinds) {
      const std::string link = live_dir() + "/" + kind + ".pem";
      std::error_code ec;
      const std::string target = fs::read_symlink(link, ec).string();
      const int v = ArchiveVersion(fs::path(target).filename().string());
      if (ec || !fs::exists(link) || v < 0 || incomplete.count(v))
        add("live/" + name_ + "/" + kind +
            ".pem does not name a complete version: " + target);
    }
  }
  int now = cli_.Version(name_);
  if (now < before.version)
    add("live went back from version " + std::to_string(before.version) +
        " to " + std::to_string(now));
  // (b)
  for (const auto& [file, bytes] : before.files) {
    if (bytes.empty()) add("snapshot of " + file + " is empty");
    if (ReadFileOrEmpty(archive_dir() + "/" + file) != bytes)
      add("archive/" + name_ + "/" + file + " changed or vanished");
  }
  // (c)
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(cli_.config(), ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    const std::string file = it->path().filename().string();
    if (file.find("privkey") == std::string::npos &&
        file.find("private_key") == std::string::npos)
      continue;
    struct stat st;
    if (lstat(it->path().c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      std::ostringstream mode;
      mode << std::oct << (st.st_mode & 07777);
      add(it->path().string() + " has mode " + mode.str());
    }
  }
  // (d)
  if (std::string keystore = CheckKeystore(before, false); !keystore.empty())
    add(keystore);
  return problems;
}

std::string FaultyRenewal::CheckKeystore(const Snapshot& before,
                                         bool after_next_run) const {
  if (!keystore_) return "";
  const KeystoreRead ks = ReadKeystore(keystore_path_, password_file_);
  if (!ks.error.empty()) return "the keystore does not load: " + ks.error;
  const std::string live = ReadFileOrEmpty(live_dir() + "/cert.pem");
  const std::string old =
      before.files.at("cert" + std::to_string(before.version) + ".pem");
  if (ks.cert_pem != live && (after_next_run || ks.cert_pem != old))
    return after_next_run ? "the keystore does not hold the live certificate"
                          : "the keystore holds neither the old nor the live "
                            "certificate";
  struct stat st;
  if (lstat(keystore_path_.c_str(), &st) != 0 || (st.st_mode & 07777) != 0600)
    return "the keystore is not mode 0600";
  if (after_next_run)
    for (const auto& e :
         fs::directory_iterator(fs::path(keystore_path_).parent_path()))
      if (e.path() != keystore_path_)
        return "left beside the keystore: " + e.path().string();
  return "";
}

std::set<int> FaultyRenewal::IncompleteVersions() const {
  std::map<int, int> complete_files;  // version → files of it present
  std::set<int> versions;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(archive_dir(), ec)) {
    int v = ArchiveVersion(e.path().filename().string());
    if (v < 0) continue;
    versions.insert(v);
    if (e.file_size(ec) > 0) ++complete_files[v];
  }
  std::set<int> incomplete;
  for (int v : versions) {
    std::string dir = archive_dir() + "/";
    std::string n = std::to_string(v);
    std::string cert = ReadFileOrEmpty(dir + "cert" + n + ".pem");
    std::string chain = ReadFileOrEmpty(dir + "chain" + n + ".pem");
    std::string full = ReadFileOrEmpty(dir + "fullchain" + n + ".pem");
    if (complete_files[v] != 4 || full != cert + chain) incomplete.insert(v);
  }
  return incomplete;
}

int FaultyRenewal::HookRuns(const std::string& tag) const {
  std::ifstream in(hook_log_);
  int n = 0;
  for (std::string line; std::getline(in, line);) n += line == tag;
  return n;
}

std::string FaultyRenewal::RecoverAndCheck(
    const Snapshot& before, const std::string& tag,
    const std::vector<std::string>& inject) {
  const std::set<int> incomplete = IncompleteVersions();
  int highest = 0;
  for (const auto& e : fs::directory_iterator(archive_dir()))
    highest = std::max(highest, ArchiveVersion(e.path().filename().string()));
  RunResult r =
      inject.empty()
          ? RunProgram(RenewArgv(), RenewEnv(tag))
          : RunUnderStrace(RenewArgv(), {"", "", 1, {}, inject}, RenewEnv(tag))
                .result;
  std::string problems;
  auto add = [&](const std::string& p) {
    problems += (problems.empty() ? "" : "; ") + p;
  };
  if (r.exit_code != 0) add("the next run failed: " + r.Describe());
  if (r.out.find("1 renewed, 0 not due, 0 failed") == std::string::npos)
    add("the next run did not report one renewal: " + r.Describe());
  if (std::string lineage = cli_.CheckLineage(name_); !lineage.empty())
    add("after the next run: " + lineage);
  int now = cli_.Version(name_);
  if (now <= before.version || now <= highest)
    add("the next run left version " + std::to_string(now) +
        " live (before: " + std::to_string(before.version) +
        ", highest in archive: " + std::to_string(highest) + ")");
  if (incomplete.count(now))
    add("a partial version was promoted: " + std::to_string(now));
  for (const auto& [file, bytes] : before.files)
    if (ReadFileOrEmpty(archive_dir() + "/" + file) != bytes)
      add("archive/" + name_ + "/" + file + " changed by the next run");
  if (fs::exists(cli_.config() + "/live/." + name_ + ".new"))
    add("live/." + name_ + ".new is still there after a successful run");
  if (int hooks = HookRuns(tag); hooks != 1)
    add("the deploy hook ran " + std::to_string(hooks) +
        " times in the next run");
  if (std::string keystore = CheckKeystore(before, true); !keystore.empty())
    add("after the next run: " + keystore);
  return problems;
}

}  // namespace certpilot::testing
