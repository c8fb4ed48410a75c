#include "storage/keystore_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/fault_filesystem.h"
#include "support/temp_dir.h"

namespace certpilot::storage {
namespace {

using certpilot::testing::FaultFilesystem;
using certpilot::testing::ModeOf;
using certpilot::testing::ReadFileOrEmpty;
using certpilot::testing::ScopedUmask;
using certpilot::testing::TempDir;

class KeystoreFileTest : public ::testing::Test {
 protected:
  KeystoreFileTest() { std::ofstream(key_) << "key"; }

  std::vector<std::string> Entries() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
      out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir_;
  sys::PosixFilesystem posix_;
  std::string path_ = dir_ / "keystore.p12";
  std::string key_ = dir_ / "privkey.pem";
};

TEST_F(KeystoreFileTest, NewKeystoreIsOwnerOnlyWhateverTheUmask) {
  ScopedUmask umask(0);
  ReplaceKeystore(posix_, path_, "new", key_);
  EXPECT_EQ(ReadFileOrEmpty(path_), "new");
  EXPECT_EQ(ModeOf(path_), 0600);
}

TEST_F(KeystoreFileTest, KeepsTheGroupReadBitButNotOtherReadOfTheOldOne) {
  ReplaceKeystore(posix_, path_, "old", key_);
  ::chmod(path_.c_str(), 0644);
  ReplaceKeystore(posix_, path_, "new", key_);
  EXPECT_EQ(ReadFileOrEmpty(path_), "new");
  EXPECT_EQ(ModeOf(path_), 0640);
}

TEST_F(KeystoreFileTest, RemovesTemporaryFilesACrashLeftBehind) {
  std::ofstream(dir_ / ".keystore.p12.tmp.0123456789abcdef") << "half";
  std::ofstream(dir_ / ".other.p12.tmp.0123456789abcdef") << "not ours";
  ReplaceKeystore(posix_, path_, "new", key_);
  EXPECT_EQ(Entries(),
            (std::vector<std::string>{".other.p12.tmp.0123456789abcdef",
                                      "keystore.p12", "privkey.pem"}));
}

// A crash at each mutating step leaves the old keystore or the new one,
// whole, and the next write succeeds.
TEST_F(KeystoreFileTest, ACrashAtAnyStepLeavesTheOldOrTheNewKeystore) {
  const std::string old_bytes(5000, 'o'), new_bytes(7000, 'n');
  for (int k = 1;; ++k) {
    SCOPED_TRACE("crash at mutating call " + std::to_string(k));
    ReplaceKeystore(posix_, path_, old_bytes, key_);
    FaultFilesystem faulty(posix_, k);
    try {
      ReplaceKeystore(faulty, path_, new_bytes, key_);
    } catch (const StorageError&) {
    }
    const std::string now = ReadFileOrEmpty(path_);
    EXPECT_TRUE(now == old_bytes || now == new_bytes) << now.size();
    if (!faulty.faulted()) {
      EXPECT_EQ(now, new_bytes);
      EXPECT_GE(k, 3);  // create, rename, fsync of the directory
      break;
    }
    ReplaceKeystore(posix_, path_, new_bytes, key_);
    EXPECT_EQ(ReadFileOrEmpty(path_), new_bytes);
    EXPECT_EQ(Entries(),
              (std::vector<std::string>{"keystore.p12", "privkey.pem"}));
  }
}

TEST_F(KeystoreFileTest, FailureIsAStorageErrorNamingTheKeystore) {
  FaultFilesystem faulty(posix_, 1, FaultFilesystem::Mode::kFailOnce, ENOSPC);
  try {
    ReplaceKeystore(faulty, path_, "new", key_);
    FAIL() << "no error";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
    EXPECT_EQ(e.error_code(), ENOSPC);
  }
  EXPECT_EQ(Entries(), (std::vector<std::string>{"privkey.pem"}));
}

}  // namespace
}  // namespace certpilot::storage
