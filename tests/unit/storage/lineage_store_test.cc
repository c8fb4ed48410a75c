#include "storage/lineage_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "crypto/certificate.h"
#include "crypto/private_key.h"
#include "support/fault_filesystem.h"
#include "support/temp_dir.h"
#include "unit/storage/test_certs.h"
#include "util/error.h"

namespace certpilot::storage {
namespace {

using certpilot::testing::CertFactory;
using certpilot::testing::FaultFilesystem;
using certpilot::testing::ModeOf;
using certpilot::testing::ScopedUmask;
using certpilot::testing::TempDir;

constexpr char kName[] = "a.example.com";
constexpr const char* kKinds[] = {"cert", "chain", "fullchain", "privkey"};

using testing::ReadFileOrEmpty;

void Spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

const std::string& Member(const CertificateFiles& f, const std::string& kind) {
  if (kind == "cert") return f.cert_pem;
  if (kind == "chain") return f.chain_pem;
  if (kind == "fullchain") return f.fullchain_pem;
  return f.privkey_pem;
}

// Everything under `root`: path → type, mode, content or link target.
std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  if (!PathExists(root)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    std::string rel = std::filesystem::relative(e.path(), root).string();
    std::string mode = std::to_string(ModeOf(e.path().string()));
    if (e.is_symlink()) {
      out[rel] = "link " + std::filesystem::read_symlink(e.path()).string();
    } else if (e.is_directory()) {
      out[rel] = "dir " + mode;
    } else {
      out[rel] = "file " + mode + " " + ReadFileOrEmpty(e.path().string());
    }
  }
  return out;
}

Layout LayoutIn(const TempDir& tmp) {
  return Layout{tmp / "etc", tmp / "var", tmp / "log"};
}

// One link of live/NAME: a relative symlink to archive/NAME/<kind>N.pem whose
// content is that of a known version N. Sets *version.
::testing::AssertionResult LinkIsKnown(
    const Layout& layout, const std::string& kind,
    const std::map<int, CertificateFiles>& known, int* version) {
  std::string link = layout.live_dir(kName) + "/" + kind + ".pem";
  std::error_code ec;
  if (!std::filesystem::is_symlink(link, ec)) {
    return ::testing::AssertionFailure() << link << " is not a symlink";
  }
  std::string target = std::filesystem::read_symlink(link).string();
  std::string prefix = std::string("../../archive/") + kName + "/" + kind;
  if (target.rfind(prefix, 0) != 0 || target.size() <= prefix.size() + 4) {
    return ::testing::AssertionFailure() << link << " → " << target;
  }
  int n = std::stoi(target.substr(prefix.size()));
  if (target != prefix + std::to_string(n) + ".pem") {
    return ::testing::AssertionFailure() << link << " → " << target;
  }
  auto it = known.find(n);
  if (it == known.end()) {
    return ::testing::AssertionFailure()
           << link << " → unexpected version " << n;
  }
  if (ReadFileOrEmpty(link) != Member(it->second, kind)) {
    return ::testing::AssertionFailure()
           << link << " → " << target << " is not the complete version " << n;
  }
  *version = n;
  return ::testing::AssertionSuccess();
}

// live/NAME resolves to ONE complete, verified version out of `known`.
::testing::AssertionResult LiveIsComplete(
    const Layout& layout, const std::map<int, CertificateFiles>& known,
    int* version) {
  int first = -1;
  for (const char* kind : kKinds) {
    int n = 0;
    if (auto r = LinkIsKnown(layout, kind, known, &n); !r) return r;
    if (first >= 0 && n != first) {
      return ::testing::AssertionFailure()
             << "mixed versions: " << kind << ".pem is " << n << ", cert.pem "
             << first;
    }
    first = n;
  }
  // Independent of the store's own checks: parse, match, concatenate.
  std::string dir = layout.live_dir(kName);
  std::string cert = ReadFileOrEmpty(dir + "/cert.pem");
  std::string chain = ReadFileOrEmpty(dir + "/chain.pem");
  if (ReadFileOrEmpty(dir + "/fullchain.pem") != cert + chain) {
    return ::testing::AssertionFailure() << "fullchain != cert + chain";
  }
  if (!crypto::Certificate::FromPem(cert).MatchesKey(
          crypto::PrivateKey::FromPem(ReadFileOrEmpty(dir + "/privkey.pem")))) {
    return ::testing::AssertionFailure() << "key does not match certificate";
  }
  *version = first;
  return ::testing::AssertionSuccess();
}

class LineageStoreTest : public ::testing::Test {
 protected:
  static CertFactory& Certs() {
    static CertFactory* factory = new CertFactory();
    return *factory;
  }
  TempDir tmp_;
  Layout layout_ = LayoutIn(tmp_);
  sys::PosixFilesystem fs_;
  LineageStore store_{fs_, layout_};
};

TEST(LineageNameTest, ValidateNameTable) {
  for (const std::string& good :
       {std::string("example.com"), std::string("a"),
        std::string("*.example.com"), std::string("name with space"),
        std::string("x-0001"), std::string("a..b"), std::string(250, 'n')}) {
    EXPECT_NO_THROW(LineageStore::ValidateName(good)) << good;
  }
  for (const std::string& bad :
       {std::string(""), std::string("/"), std::string("a/b"), std::string("."),
        std::string(".."), std::string(".hidden"), std::string("-rf"),
        std::string("a\0b", 3), std::string("a\nb"), std::string("tab\there"),
        std::string("del\x7f"), std::string("../x"), std::string(251, 'n')}) {
    EXPECT_THROW(LineageStore::ValidateName(bad), UsageError) << bad;
  }
}

TEST_F(LineageStoreTest, AvailableNameSkipsNamesUsedAnywhere) {
  EXPECT_EQ(store_.AvailableName(kName), kName);
  std::filesystem::create_directories(layout_.live_dir(kName));
  EXPECT_EQ(store_.AvailableName(kName), std::string(kName) + "-0001");
  std::filesystem::create_directories(
      layout_.archive_dir(std::string(kName) + "-0001"));
  EXPECT_EQ(store_.AvailableName(kName), std::string(kName) + "-0002");
  std::filesystem::create_directories(layout_.renewal_root());
  Spit(layout_.renewal_conf(std::string(kName) + "-0002"), "");
  EXPECT_EQ(store_.AvailableName(kName), std::string(kName) + "-0003");
  EXPECT_THROW(store_.AvailableName("../etc"), UsageError);
}

TEST_F(LineageStoreTest, FirstVersionLayoutModesAndRelativeLinks) {
  ScopedUmask umask(0);  // the modes must not depend on it
  CertificateFiles v1 = Certs().Make(kName);
  EXPECT_EQ(store_.SaveVersion(kName, v1), 1);

  EXPECT_EQ(ModeOf(layout_.live_root()), 0700u);
  EXPECT_EQ(ModeOf(layout_.archive_root()), 0700u);
  EXPECT_EQ(ModeOf(layout_.live_dir(kName)), 0755u);
  EXPECT_EQ(ModeOf(layout_.archive_dir(kName)), 0755u);
  for (const char* kind : kKinds) {
    std::string file = layout_.archive_dir(kName) + "/" + kind + "1.pem";
    EXPECT_EQ(ModeOf(file), std::string(kind) == "privkey" ? 0600u : 0644u)
        << file;
    EXPECT_EQ(ReadFileOrEmpty(file), Member(v1, kind));
    std::string link = layout_.live_dir(kName) + "/" + kind + ".pem";
    EXPECT_EQ(std::filesystem::read_symlink(link).string(),
              std::string("../../archive/") + kName + "/" + kind + "1.pem");
  }
  EXPECT_NE(
      ReadFileOrEmpty(layout_.live_dir(kName) + "/README").find("privkey.pem"),
      std::string::npos);
  EXPECT_NE(
      ReadFileOrEmpty(layout_.live_root() + "/README").find("[cert name]"),
      std::string::npos);
  int v = 0;
  EXPECT_TRUE(LiveIsComplete(layout_, {{1, v1}}, &v));
  EXPECT_EQ(store_.CurrentVersion(kName), 1);
  CertificateFiles read = store_.ReadCurrent(kName);
  EXPECT_EQ(read.cert_pem, v1.cert_pem);
  EXPECT_EQ(read.privkey_pem, v1.privkey_pem);
  EXPECT_EQ(read.chain_pem, v1.chain_pem);
  EXPECT_EQ(read.fullchain_pem, v1.fullchain_pem);
  // No working entries left behind.
  EXPECT_EQ(fs_.ListDir(layout_.live_root()),
            (std::vector<std::string>{"README", kName}));
}

TEST_F(LineageStoreTest, ModesHoldUnderRestrictiveUmask) {
  ScopedUmask umask(077);
  store_.SaveVersion(kName, Certs().Make(kName));
  EXPECT_EQ(ModeOf(layout_.live_dir(kName)), 0755u);
  EXPECT_EQ(ModeOf(layout_.archive_dir(kName) + "/cert1.pem"), 0644u);
  EXPECT_EQ(ModeOf(layout_.archive_dir(kName) + "/privkey1.pem"), 0600u);
  EXPECT_EQ(ModeOf(layout_.live_dir(kName) + "/README"), 0644u);
}

TEST_F(LineageStoreTest, SecondVersionSwitchesAllFourLinks) {
  CertificateFiles v1 = Certs().Make(kName);
  CertificateFiles v2 = Certs().Make(kName);
  ASSERT_EQ(store_.SaveVersion(kName, v1), 1);
  EXPECT_EQ(store_.SaveVersion(kName, v2), 2);
  int v = 0;
  ASSERT_TRUE(LiveIsComplete(layout_, {{1, v1}, {2, v2}}, &v));
  EXPECT_EQ(v, 2);
  EXPECT_EQ(store_.CurrentVersion(kName), 2);
  EXPECT_EQ(store_.ReadCurrent(kName).privkey_pem, v2.privkey_pem);
  // The old version stays in the archive; the README is carried over.
  EXPECT_EQ(ReadFileOrEmpty(layout_.archive_dir(kName) + "/cert1.pem"),
            v1.cert_pem);
  EXPECT_TRUE(PathExists(layout_.live_dir(kName) + "/README"));
  EXPECT_EQ(fs_.ListDir(layout_.live_dir(kName)),
            (std::vector<std::string>{"README", "cert.pem", "chain.pem",
                                      "fullchain.pem", "privkey.pem"}));
  EXPECT_EQ(fs_.ListDir(layout_.live_root()),
            (std::vector<std::string>{"README", kName}));
}

TEST_F(LineageStoreTest, DeployHookFilesInTheLiveDirectorySurvive) {
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 1);
  std::string dir = layout_.live_dir(kName);
  Spit(dir + "/haproxy.pem", "combined");
  ::chmod((dir + "/haproxy.pem").c_str(), 0640);
  ASSERT_EQ(::symlink("/somewhere/else", (dir + "/custom").c_str()), 0);
  struct stat before;
  ASSERT_EQ(::stat((dir + "/haproxy.pem").c_str(), &before), 0);
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 2);
  struct stat after;
  ASSERT_EQ(::stat((dir + "/haproxy.pem").c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino) << "same file, not a copy";
  EXPECT_EQ(after.st_nlink, 1u) << "the old directory's name is gone";
  EXPECT_EQ(ReadFileOrEmpty(dir + "/haproxy.pem"), "combined");
  EXPECT_EQ(std::filesystem::read_symlink(dir + "/custom").string(),
            "/somewhere/else");
}

TEST_F(LineageStoreTest, PreviousKeyGroupAndGroupBitsAreKept) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to set an arbitrary group";
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 1);
  std::string key1 = layout_.archive_dir(kName) + "/privkey1.pem";
  ASSERT_EQ(::chown(key1.c_str(), static_cast<uid_t>(-1), 4242), 0);
  ASSERT_EQ(::chmod(key1.c_str(), 0666), 0);
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 2);
  std::string key2 = layout_.archive_dir(kName) + "/privkey2.pem";
  sys::FileInfo info = fs_.Stat(key2);
  EXPECT_EQ(info.gid, 4242u);
  // group rw(x) and other read carried over (certbot's mask), never other write
  EXPECT_EQ(info.mode, 0664u);
  EXPECT_EQ(ModeOf(layout_.archive_dir(kName) + "/cert2.pem"), 0644u);
}

// Local misuse: a privkey.pem link planted to point outside the lineage (at
// some world-readable file) lends the new key nothing: it stays 0600.
TEST_F(LineageStoreTest, KeyModeIsNotTakenFromAForeignLinkTarget) {
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 1);
  const std::string foreign = tmp_ / "foreign.pem";
  Spit(foreign, ReadFileOrEmpty(layout_.archive_dir(kName) + "/privkey1.pem"));
  ASSERT_EQ(::chmod(foreign.c_str(), 0644), 0);
  const std::string link = layout_.live_dir(kName) + "/privkey.pem";
  std::filesystem::remove(link);
  std::filesystem::create_symlink(foreign, link);
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 2);
  EXPECT_EQ(ModeOf(layout_.archive_dir(kName) + "/privkey2.pem"), 0600u);
  EXPECT_EQ(ModeOf(foreign), 0644u);
}

TEST_F(LineageStoreTest, KeyModeWithoutPredecessorIs0600) {
  ScopedUmask umask(0);
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 1);
  EXPECT_EQ(ModeOf(layout_.archive_dir(kName) + "/privkey1.pem"), 0600u);
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 2);
  EXPECT_EQ(ModeOf(layout_.archive_dir(kName) + "/privkey2.pem"), 0600u);
}

TEST_F(LineageStoreTest, UnverifiedFilesAreRefusedBeforeAnythingIsWritten) {
  CertificateFiles good = Certs().Make(kName);
  CertificateFiles other = Certs().Make(kName);
  std::vector<std::pair<std::string, CertificateFiles>> cases;
  CertificateFiles f = good;
  f.privkey_pem = other.privkey_pem;
  cases.push_back({"mismatched key", f});
  f = good;
  f.fullchain_pem = good.cert_pem;
  cases.push_back({"fullchain without chain", f});
  f = good;
  f.fullchain_pem = good.chain_pem + good.cert_pem;
  cases.push_back({"fullchain reversed", f});
  f = good;
  f.fullchain_pem = other.cert_pem + good.chain_pem;
  cases.push_back({"fullchain of another cert", f});
  f = good;
  f.chain_pem = "";
  f.fullchain_pem = good.cert_pem;
  cases.push_back({"empty chain", f});
  f = good;
  f.cert_pem = "";
  cases.push_back({"empty cert", f});
  f = good;
  f.cert_pem = good.cert_pem + good.chain_pem;
  f.fullchain_pem = f.cert_pem + f.chain_pem;
  cases.push_back({"two certificates in cert.pem", f});
  f = good;
  f.privkey_pem =
      "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n";
  cases.push_back({"garbage key", f});
  f = good;
  f.privkey_pem = "";
  cases.push_back({"empty key", f});

  // On a fresh tree and on an existing lineage alike.
  for (bool existing : {false, true}) {
    if (existing) {
      ASSERT_EQ(store_.SaveVersion(kName, good), 1);
    }
    auto before = Snapshot(tmp_.path());
    for (const auto& [what, files] : cases) {
      try {
        store_.SaveVersion(kName, files);
        ADD_FAILURE() << what << ": accepted";
      } catch (const StorageError& e) {
        EXPECT_NE(std::string(e.what()).find("refusing"), std::string::npos)
            << what << ": " << e.what();
      }
      EXPECT_EQ(Snapshot(tmp_.path()), before) << what << " wrote something";
    }
  }
}

TEST_F(LineageStoreTest, VersionNumbersAreNeverReused) {
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 1);
  // A partial file left by a crash of an earlier run.
  Spit(layout_.archive_dir(kName) + "/privkey5.pem", "half");
  EXPECT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 6);
  EXPECT_EQ(ReadFileOrEmpty(layout_.archive_dir(kName) + "/privkey5.pem"),
            "half");
  EXPECT_EQ(store_.CurrentVersion(kName), 6);
}

TEST_F(LineageStoreTest, RefusesLiveDirectoriesItCannotSwitchSafely) {
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 1);
  std::string dir = layout_.live_dir(kName);
  std::filesystem::create_directory(dir + "/subdir");
  EXPECT_THROW(store_.SaveVersion(kName, Certs().Make(kName)), StorageError);
  EXPECT_FALSE(PathExists(layout_.archive_dir(kName) + "/cert2.pem"));
  std::filesystem::remove(dir + "/subdir");

  std::filesystem::remove(dir + "/chain.pem");
  Spit(dir + "/chain.pem", "a real file someone put here");
  EXPECT_THROW(store_.SaveVersion(kName, Certs().Make(kName)), StorageError);
  EXPECT_EQ(ReadFileOrEmpty(dir + "/chain.pem"),
            "a real file someone put here");
}

// Local misuse: a symlink planted at a directory of the tree is
// refused, and nothing is written where it points.
TEST_F(LineageStoreTest,
       PlantedDirectorySymlinksAreRefusedNeverWrittenThrough) {
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 1);
  const std::string elsewhere = tmp_ / "elsewhere";
  for (const std::string& dir : {layout_.archive_dir(kName),
                                 layout_.archive_root(), layout_.live_root()}) {
    SCOPED_TRACE(dir);
    std::filesystem::remove_all(elsewhere);
    std::filesystem::rename(dir, elsewhere);
    std::filesystem::create_directory_symlink(elsewhere, dir);
    const auto before = Snapshot(elsewhere);
    try {
      store_.SaveVersion(kName, Certs().Make(kName));
      FAIL() << "wrote through a symlink at " << dir;
    } catch (const StorageError& e) {
      EXPECT_NE(std::string(e.what()).find(dir + " is a symlink"),
                std::string::npos)
          << e.what();
    }
    EXPECT_EQ(Snapshot(elsewhere), before);
    std::filesystem::remove(dir);
    std::filesystem::rename(elsewhere, dir);
  }
  // The real directories back: saving works again.
  EXPECT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 2);
}

// Symlinks planted at the archive paths the next version would take
// (archive/NAME/cert2.pem → a file outside the tree, as an attacker with
// write access to archive/ but not to the victim could plant): the victims
// are never written or truncated, their modes never changed, and the new
// version lands in files the store created itself.
TEST_F(LineageStoreTest,
       PlantedFileSymlinksAtTheNextVersionAreNeverWrittenThrough) {
  const CertificateFiles v1 = Certs().Make(kName), next = Certs().Make(kName);
  ASSERT_EQ(store_.SaveVersion(kName, v1), 1);
  std::map<std::string, std::string> victims;  // victim path → content
  for (const char* kind : kKinds) {
    const std::string victim = tmp_ / (std::string("victim-") + kind);
    { std::ofstream(victim) << "precious " << kind << "\n"; }
    std::filesystem::permissions(victim, std::filesystem::perms(0644));
    victims[victim] = ReadFileOrEmpty(victim);
    std::filesystem::create_symlink(
        victim, layout_.archive_dir(kName) + "/" + kind + "2.pem");
  }
  int saved = 0;
  try {
    saved = store_.SaveVersion(kName, next);
  } catch (const StorageError&) {
    // Refusing is fine too; writing through is not.
  }
  for (const auto& [victim, content] : victims) {
    EXPECT_EQ(ReadFileOrEmpty(victim), content) << victim;
    EXPECT_EQ(std::filesystem::status(victim).permissions() &
                  std::filesystem::perms::all,
              std::filesystem::perms(0644))
        << victim;
  }
  int live = 0;
  std::map<int, CertificateFiles> known{{1, v1}};
  if (saved != 0) known[saved] = next;
  EXPECT_TRUE(LiveIsComplete(layout_, known, &live));
  EXPECT_EQ(live, saved != 0 ? saved : 1);
  if (saved != 0) {
    EXPECT_GT(saved, 2) << "version 2's paths were planted";
    for (const char* kind : kKinds) {
      const std::string path = layout_.archive_dir(kName) + "/" + kind +
                               std::to_string(saved) + ".pem";
      EXPECT_FALSE(std::filesystem::is_symlink(path)) << path;
    }
  }
}

TEST_F(LineageStoreTest, CurrentVersionReportsBrokenLinks) {
  EXPECT_EQ(store_.CurrentVersion(kName), std::nullopt);
  EXPECT_THROW(store_.ReadCurrent(kName), StorageError);
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 1);
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 2);
  std::string link = layout_.live_dir(kName) + "/privkey.pem";
  std::filesystem::remove(link);
  std::filesystem::create_symlink(
      std::string("../../archive/") + kName + "/privkey1.pem", link);
  try {
    store_.CurrentVersion(kName);
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("different versions"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove(link);
  std::filesystem::create_symlink("/etc/passwd", link);
  EXPECT_THROW(store_.CurrentVersion(kName), StorageError);
  std::filesystem::remove(link);
  EXPECT_THROW(store_.CurrentVersion(kName), StorageError);  // one missing
  // certbot's older absolute links are understood.
  std::filesystem::create_symlink(layout_.archive_dir(kName) + "/privkey2.pem",
                                  link);
  EXPECT_EQ(store_.CurrentVersion(kName), 2);
}

TEST_F(LineageStoreTest, ListNamesPathsAndDelete) {
  std::filesystem::create_directories(layout_.renewal_root());
  for (const char* f : {"b.conf", "a.example.com.conf", ".hidden.conf",
                        "notes.txt", "-bad.conf"}) {
    Spit(layout_.renewal_root() + "/" + f, "");
  }
  EXPECT_EQ(store_.ListNames(),
            (std::vector<std::string>{"a.example.com", "b"}));

  LivePaths paths = store_.Paths(kName);
  EXPECT_EQ(paths.cert, tmp_ / "etc/live/a.example.com/cert.pem");
  EXPECT_EQ(paths.privkey, tmp_ / "etc/live/a.example.com/privkey.pem");
  EXPECT_EQ(paths.chain, tmp_ / "etc/live/a.example.com/chain.pem");
  EXPECT_EQ(paths.fullchain, tmp_ / "etc/live/a.example.com/fullchain.pem");

  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 1);
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 2);
  store_.Delete(kName);
  EXPECT_FALSE(PathExists(layout_.live_dir(kName)));
  EXPECT_FALSE(PathExists(layout_.archive_dir(kName)));
  EXPECT_FALSE(PathExists(layout_.renewal_conf(kName)));
  EXPECT_EQ(fs_.ListDir(layout_.live_root()),
            std::vector<std::string>{"README"});
  EXPECT_EQ(fs_.ListDir(layout_.archive_root()), std::vector<std::string>{});
  EXPECT_EQ(store_.ListNames(), std::vector<std::string>{"b"});
  try {
    store_.Delete(kName);
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_EQ(e.error_code(), ENOENT);
  }
  EXPECT_TRUE(PathExists(layout_.renewal_conf("b")))
      << "other lineages untouched";
}

TEST_F(LineageStoreTest, StaleWorkDirectoryIsClearedAndOrphansReturned) {
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 1);
  // As after a crash just after the exchange: the old directory, holding a
  // file that a hook wrote there in the meantime, sits at the work name.
  std::string work = layout_.live_root() + "/." + kName + ".new";
  std::filesystem::create_directory(work);
  std::filesystem::create_symlink("../../archive/x/cert1.pem",
                                  work + "/cert.pem");
  Spit(work + "/orphan.pem", "only here");
  Spit(work + "/README", "old readme");
  ASSERT_EQ(store_.SaveVersion(kName, Certs().Make(kName)), 2);
  EXPECT_FALSE(PathExists(work));
  EXPECT_EQ(ReadFileOrEmpty(layout_.live_dir(kName) + "/orphan.pem"),
            "only here");
  EXPECT_NE(ReadFileOrEmpty(layout_.live_dir(kName) + "/README"), "old readme");
}

// ---- crash and fault injection -------------------------------------------

class LineageCrashTest : public LineageStoreTest {
 protected:
  void SetUp() override {
    v1_ = Certs().Make(kName);
    v2_ = Certs().Make(kName);
    v3_ = Certs().Make(kName);
  }
  // Mutating calls of an undisturbed save of v2 over v1 (first = false), or
  // of v1 into an empty tree.
  int CountMutations(bool first, bool exchange) {
    TempDir tmp;
    Layout layout = LayoutIn(tmp);
    sys::PosixFilesystem real;
    if (!first) LineageStore(real, layout).SaveVersion(kName, v1_);
    FaultFilesystem counting(real, 0);
    counting.set_exchange_supported(exchange);
    LineageStore(counting, layout).SaveVersion(kName, first ? v1_ : v2_);
    return counting.mutations();
  }
  // Saves v2 over v1 (with a deploy-hook file in live/NAME) through a
  // filesystem failing at call k; checks the tree; saves v3 on the real
  // filesystem and checks again. Returns the version live/ held after the
  // fault.
  int RunFault(int k, FaultFilesystem::Mode mode, bool exchange) {
    TempDir tmp;
    Layout layout = LayoutIn(tmp);
    sys::PosixFilesystem real;
    LineageStore store(real, layout);
    EXPECT_EQ(store.SaveVersion(kName, v1_), 1);
    std::string hook_file = layout.live_dir(kName) + "/haproxy.pem";
    Spit(hook_file, "deploy hook output");

    FaultFilesystem faulty(real, k, mode, ENOSPC);
    faulty.set_exchange_supported(exchange);
    LineageStore failing(faulty, layout);
    std::optional<int> returned;
    try {
      returned = failing.SaveVersion(kName, v2_);
    } catch (const StorageError& e) {
      EXPECT_TRUE(faulty.faulted()) << e.what();
      EXPECT_EQ(e.error_code(), ENOSPC) << e.what();
    }
    if (k > 0) {
      EXPECT_TRUE(faulty.faulted());
    }
    int v = 0;
    if (exchange) {
      EXPECT_TRUE(LiveIsComplete(layout, {{1, v1_}, {2, v2_}}, &v));
    } else {
      // Fallback: every link always names a complete file; versions may mix.
      for (const char* kind : kKinds) {
        int n = 0;
        EXPECT_TRUE(LinkIsKnown(layout, kind, {{1, v1_}, {2, v2_}}, &n));
        v = std::max(v, n);
      }
    }
    if (returned) {
      EXPECT_EQ(*returned, 2);
      EXPECT_EQ(v, 2) << "success reported but not in place";
    }
    EXPECT_EQ(ReadFileOrEmpty(hook_file), "deploy hook output");
    if (mode == FaultFilesystem::Mode::kFailOnce && v == 1) {
      // An error (not a crash) before the commit is cleaned up.
      for (const char* kind : kKinds) {
        EXPECT_FALSE(
            PathExists(layout.archive_dir(kName) + "/" + kind + "2.pem"));
      }
      EXPECT_FALSE(PathExists(layout.live_root() + "/." + kName + ".new"));
    }

    // Recovery: the next save works, is complete, and skips used numbers.
    bool number2_used = false;
    for (const char* kind : kKinds) {
      number2_used |=
          PathExists(layout.archive_dir(kName) + "/" + kind + "2.pem");
    }
    int next = store.SaveVersion(kName, v3_);
    EXPECT_EQ(next, number2_used ? 3 : 2);
    int now = 0;
    EXPECT_TRUE(LiveIsComplete(layout, {{next, v3_}}, &now));
    EXPECT_EQ(store.CurrentVersion(kName), next);
    EXPECT_EQ(ReadFileOrEmpty(hook_file), "deploy hook output");
    EXPECT_FALSE(PathExists(layout.live_root() + "/." + kName + ".new"));
    return v;
  }

  CertificateFiles v1_, v2_, v3_;
};

TEST_F(LineageCrashTest,
       EveryCrashPointOfASecondVersionLeavesOneCompleteVersion) {
  const int total = CountMutations(/*first=*/false, /*exchange=*/true);
  ASSERT_GE(total, 15);
  int old_version = 0, new_version = 0;
  for (int k = 1; k <= total; ++k) {
    SCOPED_TRACE("crash at mutating call " + std::to_string(k) + " of " +
                 std::to_string(total));
    (RunFault(k, FaultFilesystem::Mode::kCrash, true) == 1 ? old_version
                                                           : new_version)++;
  }
  // The sweep crosses the commit point: both outcomes occur.
  EXPECT_GT(old_version, 0);
  EXPECT_GT(new_version, 0);
}

TEST_F(LineageCrashTest, EveryFailingCallOfASecondVersionIsSafeAndCleanedUp) {
  const int total = CountMutations(false, true);
  for (int k = 1; k <= total; ++k) {
    SCOPED_TRACE("ENOSPC at mutating call " + std::to_string(k));
    RunFault(k, FaultFilesystem::Mode::kFailOnce, true);
  }
}

TEST_F(LineageCrashTest, WithoutExchangeEveryLinkStillNamesACompleteFile) {
  const int total = CountMutations(false, /*exchange=*/false);
  for (int k = 1; k <= total; ++k) {
    SCOPED_TRACE("crash at mutating call " + std::to_string(k) +
                 " (no exchange)");
    RunFault(k, FaultFilesystem::Mode::kCrash, false);
  }
  // And undisturbed, the fallback ends complete and tidy.
  EXPECT_EQ(RunFault(0, FaultFilesystem::Mode::kCrash, false), 2);
}

TEST_F(LineageCrashTest, EveryCrashPointOfAFirstVersionLeavesNothingOrAllOfIt) {
  const int total = CountMutations(/*first=*/true, true);
  for (int k = 1; k <= total; ++k) {
    SCOPED_TRACE("crash at mutating call " + std::to_string(k));
    TempDir tmp;
    Layout layout = LayoutIn(tmp);
    sys::PosixFilesystem real;
    FaultFilesystem faulty(real, k);
    try {
      LineageStore(faulty, layout).SaveVersion(kName, v1_);
    } catch (const StorageError&) {
    }
    int v = 0;
    if (PathExists(layout.live_dir(kName))) {
      EXPECT_TRUE(LiveIsComplete(layout, {{1, v1_}}, &v));
    }
    LineageStore store(real, layout);
    int n = store.SaveVersion(kName, v2_);
    EXPECT_TRUE(LiveIsComplete(layout, {{n, v2_}}, &v));
  }
}

}  // namespace
}  // namespace certpilot::storage
