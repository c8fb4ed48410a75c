#include "sys/filesystem.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "support/temp_dir.h"

namespace certpilot::sys {
namespace {

using testing::ModeOf;
using testing::ScopedUmask;
using testing::TempDir;

using testing::ReadFileOrEmpty;

void Spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

class FilesystemTest : public ::testing::Test {
 protected:
  TempDir tmp_;
  PosixFilesystem fs_;
};

TEST_F(FilesystemTest,
       CreateFileExclusiveWritesDataWithExactModeUnderAnyUmask) {
  for (mode_t mask : {mode_t{0}, mode_t{077}, mode_t{0277}}) {
    ScopedUmask umask(mask);
    std::string key = tmp_ / ("key" + std::to_string(mask));
    std::string pub = tmp_ / ("pub" + std::to_string(mask));
    std::string ro = tmp_ / ("ro" + std::to_string(mask));
    fs_.CreateFileExclusive(key, "secret", 0600, std::nullopt);
    fs_.CreateFileExclusive(pub, "public", 0644, std::nullopt);
    fs_.CreateFileExclusive(ro, "readonly", 0400, std::nullopt);
    EXPECT_EQ(ModeOf(key), 0600u) << "umask " << mask;
    EXPECT_EQ(ModeOf(pub), 0644u) << "umask " << mask;
    EXPECT_EQ(ModeOf(ro), 0400u) << "umask " << mask;
    EXPECT_EQ(ReadFileOrEmpty(key), "secret");
    EXPECT_EQ(ReadFileOrEmpty(ro), "readonly");
  }
}

TEST_F(FilesystemTest, CreateFileExclusiveSetsGroupBeforeData) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give away a group";
  std::string path = tmp_ / "grouped";
  fs_.CreateFileExclusive(path, "k", 0640, gid_t{4242});
  FileInfo info = fs_.Stat(path);
  EXPECT_EQ(info.gid, 4242u);
  EXPECT_EQ(info.mode, 0640u);
}

TEST_F(FilesystemTest, CreateFileExclusiveRefusesAnExistingFile) {
  std::string path = tmp_ / "f";
  Spit(path, "original");
  try {
    fs_.CreateFileExclusive(path, "new", 0600, std::nullopt);
    FAIL() << "expected SysError";
  } catch (const SysError& e) {
    EXPECT_EQ(e.error_code(), EEXIST);
    EXPECT_EQ(e.path(), path);
  }
  EXPECT_EQ(ReadFileOrEmpty(path), "original");
}

TEST_F(FilesystemTest, CreateFileExclusiveRefusesSymlinksEvenDangling) {
  std::string target = tmp_ / "target";
  Spit(target, "victim");
  std::string link = tmp_ / "link";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  EXPECT_THROW(fs_.CreateFileExclusive(link, "x", 0600, std::nullopt),
               SysError);
  EXPECT_EQ(ReadFileOrEmpty(target), "victim");

  std::string absent = tmp_ / "absent";
  std::string dangling = tmp_ / "dangling";
  ASSERT_EQ(::symlink(absent.c_str(), dangling.c_str()), 0);
  EXPECT_THROW(fs_.CreateFileExclusive(dangling, "x", 0600, std::nullopt),
               SysError);
  EXPECT_FALSE(fs_.Exists(absent)) << "must not create through the link";
}

TEST_F(FilesystemTest, ErrorsNameOperationPathAndCause) {
  std::string path = tmp_ / "missing/cert2.pem";
  try {
    fs_.ReadFile(path);
    FAIL();
  } catch (const SysError& e) {
    EXPECT_EQ(std::string(e.what()),
              "reading " + path + ": No such file or directory");
    EXPECT_EQ(e.error_code(), ENOENT);
    EXPECT_EQ(e.operation(), "reading");
  }
}

TEST_F(FilesystemTest, MakeDirsAppliesModeToEveryCreatedLevelOnly) {
  std::string existing = tmp_ / "existing";
  ASSERT_EQ(::mkdir(existing.c_str(), 0751), 0);
  ASSERT_EQ(::chmod(existing.c_str(), 0751), 0);
  {
    ScopedUmask umask(077);
    fs_.MakeDirs(existing + "/a/b", 0755);
  }
  EXPECT_EQ(ModeOf(existing), 0751u) << "existing directories are left alone";
  EXPECT_EQ(ModeOf(existing + "/a"), 0755u);
  EXPECT_EQ(ModeOf(existing + "/a/b"), 0755u);
  {
    ScopedUmask umask(0);
    fs_.MakeDirs(tmp_ / "c/d/", 0700);
  }
  EXPECT_EQ(ModeOf(tmp_ / "c"), 0700u);
  EXPECT_EQ(ModeOf(tmp_ / "c/d"), 0700u);
  fs_.MakeDirs(tmp_ / "c/d", 0755);  // idempotent
  EXPECT_EQ(ModeOf(tmp_ / "c/d"), 0700u);
}

TEST_F(FilesystemTest, MakeDirsRefusesAFileInTheWay) {
  Spit(tmp_ / "file", "x");
  try {
    fs_.MakeDirs(tmp_ / "file/sub", 0700);
    FAIL();
  } catch (const SysError& e) {
    EXPECT_EQ(e.error_code(), ENOTDIR);
  }
}

TEST_F(FilesystemTest, WriteFileAtomicReplacesContentAndLeavesNoTemporary) {
  std::string path = tmp_ / "renewal.conf";
  ScopedUmask umask(0);
  WriteFileAtomic(fs_, path, "one", 0644);
  WriteFileAtomic(fs_, path, "two", 0600);
  EXPECT_EQ(ReadFileOrEmpty(path), "two");
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(fs_.ListDir(tmp_.path()), std::vector<std::string>{"renewal.conf"});
}

TEST_F(FilesystemTest, WriteFileAtomicReplacesASymlinkNotItsTarget) {
  std::string target = tmp_ / "target";
  Spit(target, "victim");
  std::string path = tmp_ / "conf";
  ASSERT_EQ(::symlink(target.c_str(), path.c_str()), 0);
  WriteFileAtomic(fs_, path, "new", 0644);
  EXPECT_FALSE(fs_.IsSymlink(path));
  EXPECT_EQ(ReadFileOrEmpty(path), "new");
  EXPECT_EQ(ReadFileOrEmpty(target), "victim");
}

TEST_F(FilesystemTest, WriteFileAtomicFailureLeavesOldContentAndNoTemporary) {
  std::string dir = tmp_ / "d";
  fs_.MakeDirs(dir, 0755);
  std::string path = dir + "/sub";
  fs_.MakeDirs(path, 0755);  // a non-empty directory cannot be renamed over
  Spit(path + "/keep", "x");
  EXPECT_THROW(WriteFileAtomic(fs_, path, "data", 0644), SysError);
  EXPECT_EQ(fs_.ListDir(dir), std::vector<std::string>{"sub"});
}

TEST_F(FilesystemTest, ExistsIsDirIsSymlinkOnDanglingLinks) {
  std::string link = tmp_ / "dangling";
  ASSERT_EQ(::symlink("nowhere", link.c_str()), 0);
  EXPECT_TRUE(fs_.Exists(link));
  EXPECT_TRUE(fs_.IsSymlink(link));
  EXPECT_FALSE(fs_.IsDir(link));
  EXPECT_EQ(fs_.ReadLink(link), "nowhere");
  EXPECT_FALSE(fs_.Exists(tmp_ / "none"));
  EXPECT_FALSE(fs_.Exists(tmp_ / "none/deeper"));
  EXPECT_TRUE(fs_.IsDir(tmp_.path()));
  EXPECT_THROW(fs_.Stat(link), SysError);
}

TEST_F(FilesystemTest, ListDirIsSortedWithoutDots) {
  for (const char* name : {"b", "a", ".hidden", "c"}) Spit(tmp_ / name, "");
  EXPECT_EQ(fs_.ListDir(tmp_.path()),
            (std::vector<std::string>{".hidden", "a", "b", "c"}));
  EXPECT_THROW(fs_.ListDir(tmp_ / "none"), SysError);
}

TEST_F(FilesystemTest, StatReportsTypeModeSizeAndLinks) {
  std::string path = tmp_ / "f";
  fs_.CreateFileExclusive(path, "12345", 0640, std::nullopt);
  fs_.Link(path, tmp_ / "g");
  FileInfo info = fs_.Stat(path);
  EXPECT_EQ(info.type, FileType::kRegular);
  EXPECT_EQ(info.mode, 0640u);
  EXPECT_EQ(info.size, 5u);
  EXPECT_EQ(info.link_count, 2u);
  EXPECT_EQ(info.uid, ::geteuid());
  EXPECT_EQ(fs_.Stat(tmp_.path()).type, FileType::kDirectory);
}

TEST_F(FilesystemTest, ExchangeSwapsTwoDirectoriesAtomically) {
  fs_.MakeDirs(tmp_ / "old", 0755);
  fs_.MakeDirs(tmp_ / "new", 0700);
  Spit(tmp_ / "old/file", "old");
  Spit(tmp_ / "new/file", "new");
  ASSERT_TRUE(fs_.Exchange(tmp_ / "new", tmp_ / "old"))
      << "the test filesystem must support RENAME_EXCHANGE";
  EXPECT_EQ(ReadFileOrEmpty(tmp_ / "old/file"), "new");
  EXPECT_EQ(ReadFileOrEmpty(tmp_ / "new/file"), "old");
  EXPECT_EQ(ModeOf(tmp_ / "old"), 0700u);
  EXPECT_THROW((void)fs_.Exchange(tmp_ / "new", tmp_ / "absent"), SysError);
}

TEST_F(FilesystemTest, RenameSymlinkUnlinkRemoveDirChmod) {
  Spit(tmp_ / "a", "x");
  fs_.Rename(tmp_ / "a", tmp_ / "b");
  EXPECT_FALSE(fs_.Exists(tmp_ / "a"));
  fs_.Symlink("b", tmp_ / "l");
  EXPECT_EQ(ReadFileOrEmpty(tmp_ / "l"), "x");
  fs_.Chmod(tmp_ / "b", 0604);
  EXPECT_EQ(ModeOf(tmp_ / "b"), 0604u);
  fs_.Unlink(tmp_ / "l");
  EXPECT_TRUE(fs_.Exists(tmp_ / "b")) << "unlinking a link keeps its target";
  fs_.MakeDirs(tmp_ / "d", 0700);
  fs_.FsyncDir(tmp_ / "d");
  Spit(tmp_ / "d/f", "");
  EXPECT_THROW(fs_.RemoveDir(tmp_ / "d"), SysError);
  fs_.Unlink(tmp_ / "d/f");
  fs_.RemoveDir(tmp_ / "d");
  EXPECT_FALSE(fs_.Exists(tmp_ / "d"));
}

TEST_F(FilesystemTest, RemoveTreeNeverFollowsSymlinks) {
  fs_.MakeDirs(tmp_ / "outside", 0700);
  Spit(tmp_ / "outside/precious", "keep");
  fs_.MakeDirs(tmp_ / "tree/sub", 0700);
  Spit(tmp_ / "tree/sub/f", "");
  fs_.Symlink(tmp_ / "outside", tmp_ / "tree/link");
  RemoveTree(fs_, tmp_ / "tree");
  EXPECT_FALSE(fs_.Exists(tmp_ / "tree"));
  EXPECT_EQ(ReadFileOrEmpty(tmp_ / "outside/precious"), "keep");
  RemoveTree(fs_, tmp_ / "tree");  // absent: no-op
}

TEST(PathTest, JoinDirNameBaseName) {
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a/", "b"), "/a/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
  EXPECT_EQ(DirName("/a/b"), "/a");
  EXPECT_EQ(DirName("/a/b/"), "/a");
  EXPECT_EQ(DirName("b"), ".");
  EXPECT_EQ(DirName("/b"), "/");
  EXPECT_EQ(DirName("a//b"), "a");
  EXPECT_EQ(BaseName("/a/b/"), "b");
  EXPECT_EQ(BaseName("b"), "b");
  EXPECT_EQ(BaseName("/"), "/");
}

}  // namespace
}  // namespace certpilot::sys
