#include "sys/log_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.h"

namespace certpilot::sys {
namespace {

using testing::ModeOf;

using testing::ReadFileOrEmpty;

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// "line 007 ......\n": 30 bytes, numbered so order can be checked.
std::string Line(int n) {
  std::string s = "line " + std::to_string(1000 + n).substr(1) + " ";
  return s + std::string(29 - s.size(), '.') + "\n";
}

class LogFileTest : public ::testing::Test {
 protected:
  testing::TempDir tmp_;
  std::string path_ = tmp_ / "certpilot.log";
};

TEST_F(LogFileTest, CreatesTheFileWithMode0600UnderAnyUmask) {
  for (mode_t mask : {mode_t{0}, mode_t{022}, mode_t{0277}}) {
    testing::ScopedUmask umask(mask);
    std::string path = tmp_ / ("log" + std::to_string(mask));
    RotatingLogFile file({path, 1 << 20, 10});
    EXPECT_EQ(file.Append("hello\n"), "");
    EXPECT_EQ(ModeOf(path), 0600u) << "umask " << mask;
    EXPECT_EQ(ReadFileOrEmpty(path), "hello\n");
  }
}

TEST_F(LogFileTest, AppendsToAnExistingFileAndKeepsItsMode) {
  std::ofstream(path_) << "earlier run\n";
  ::chmod(path_.c_str(), 0640);
  {
    RotatingLogFile file({path_, 1 << 20, 10});
    EXPECT_EQ(file.Append("this run\n"), "");
  }
  EXPECT_EQ(ReadFileOrEmpty(path_), "earlier run\nthis run\n");
  EXPECT_EQ(ModeOf(path_), 0640u);
}

TEST_F(LogFileTest, RotatesBySizeKeepingAtMostMaxBackups) {
  RotatingLogFile file({path_, 100, 3});  // three 30-byte lines per file
  for (int n = 0; n < 40; ++n) ASSERT_EQ(file.Append(Line(n)), "") << n;

  // 40 lines: 39 in ceil(40/3)=14 files; only the newest four are left.
  EXPECT_EQ(ReadFileOrEmpty(path_), Line(39));
  EXPECT_EQ(ReadFileOrEmpty(path_ + ".1"), Line(36) + Line(37) + Line(38));
  EXPECT_EQ(ReadFileOrEmpty(path_ + ".2"), Line(33) + Line(34) + Line(35));
  EXPECT_EQ(ReadFileOrEmpty(path_ + ".3"), Line(30) + Line(31) + Line(32));
  EXPECT_FALSE(Exists(path_ + ".4"));
  for (const char* suffix : {"", ".1", ".2", ".3"})
    EXPECT_EQ(ModeOf(path_ + suffix), 0600u) << suffix;
}

TEST_F(LogFileTest, ZeroBackupsNeverRotates) {
  RotatingLogFile file({path_, 100, 0});
  std::string all;
  for (int n = 0; n < 10; ++n) {
    ASSERT_EQ(file.Append(Line(n)), "");
    all += Line(n);
  }
  EXPECT_EQ(ReadFileOrEmpty(path_), all);
  EXPECT_FALSE(Exists(path_ + ".1"));
}

TEST_F(LogFileTest, AWriteLargerThanTheLimitStaysWhole) {
  RotatingLogFile file({path_, 100, 2});
  ASSERT_EQ(file.Append(Line(0)), "");
  std::string big(250, 'x');
  ASSERT_EQ(file.Append(big + "\n"), "");
  EXPECT_EQ(ReadFileOrEmpty(path_), big + "\n");
  EXPECT_EQ(ReadFileOrEmpty(path_ + ".1"), Line(0));
}

TEST_F(LogFileTest, ReopensInsteadOfRotatingWhenAnotherWriterRotated) {
  RotatingLogFile first({path_, 100, 5});
  ASSERT_EQ(first.Append(Line(0) + Line(1) + Line(2)), "");  // 90 bytes
  RotatingLogFile second({path_, 100, 5});
  ASSERT_EQ(second.Append(Line(3)), "");  // rotates: 90 → .1
  ASSERT_EQ(first.Append(Line(4)),
            "");  // still has .1 open: must not rotate again
  EXPECT_EQ(ReadFileOrEmpty(path_ + ".1"), Line(0) + Line(1) + Line(2));
  EXPECT_EQ(ReadFileOrEmpty(path_), Line(3) + Line(4));
  EXPECT_FALSE(Exists(path_ + ".2"));
}

TEST_F(LogFileTest, RefusesASymlinkOrADirectory) {
  std::ofstream(tmp_ / "target") << "precious\n";
  ::symlink((tmp_ / "target").c_str(), path_.c_str());
  EXPECT_THROW(RotatingLogFile({path_, 100, 1}), SysError);
  EXPECT_EQ(ReadFileOrEmpty(tmp_ / "target"), "precious\n");

  std::filesystem::create_directory(tmp_ / "dir.log");
  EXPECT_THROW(RotatingLogFile({tmp_ / "dir.log", 100, 1}), SysError);
}

}  // namespace
}  // namespace certpilot::sys
