// FileTransaction and RecoverJournal on a real temp dir: rollback restores
// bytes and modes, symlinks stay symlinks, someone else's edit is never
// overwritten, and a crash at every single filesystem step is recovered.
#include "sys/file_transaction.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "support/fault_filesystem.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace certpilot::sys {
namespace {

namespace fs = std::filesystem;
using certpilot::testing::FaultFilesystem;
using certpilot::testing::ReadFileOrEmpty;
using certpilot::testing::TempDir;

class FileTransactionTest : public ::testing::Test {
 protected:
  FileTransactionTest() {
    fs::create_directories(dir_ / "root/sites-available");
    fs::create_directories(dir_ / "root/sites-enabled");
    Put("root/nginx.conf", "http {\n    include sites-enabled/*;\n}\n", 0640);
    Put("root/sites-available/app", "server {\r\n    listen 80;\r\n}\r\n",
        0644);
    fs::create_symlink("../sites-available/app",
                       dir_ / "root/sites-enabled/app");
  }
  void Put(const std::string& rel, const std::string& text, mode_t mode) {
    fs_.CreateFileExclusive(dir_ / rel, text, mode, std::nullopt);
  }
  std::string Read(const std::string& rel) {
    return ReadFileOrEmpty(dir_ / rel);
  }
  mode_t Mode(const std::string& rel) { return fs_.Stat(dir_ / rel).mode; }
  std::string journal() const { return dir_ / "state/challenge.journal"; }
  std::vector<FileState> Changes() const {
    return {{dir_ / "root/nginx.conf",
             "http {\n    include sites-enabled/*;\n    include x;\n}\n"},
            {dir_ / "root/sites-enabled/app",
             "server {\r\n    listen 80;\r\n    listen 443;\r\n}\r\n"},
            {dir_ / "state/own.conf", "server {}\n"}};
  }
  void ExpectOriginal() {
    EXPECT_EQ(Read("root/nginx.conf"),
              "http {\n    include sites-enabled/*;\n}\n");
    EXPECT_EQ(Mode("root/nginx.conf"), 0640u);
    EXPECT_EQ(Read("root/sites-available/app"),
              "server {\r\n    listen 80;\r\n}\r\n");
    EXPECT_TRUE(fs::is_symlink(dir_ / "root/sites-enabled/app"));
    EXPECT_FALSE(fs::exists(dir_ / "state/own.conf"));
  }

  TempDir dir_;
  PosixFilesystem fs_;
};

TEST_F(FileTransactionTest, RollbackRestoresEveryByteAndMode) {
  fs_.MakeDirs(dir_ / "state", 0700);
  FileTransaction tx(fs_, journal());
  tx.Write(Changes());
  EXPECT_EQ(Read("root/sites-available/app"),
            "server {\r\n    listen 80;\r\n    listen 443;\r\n}\r\n");
  EXPECT_TRUE(fs::is_symlink(dir_ / "root/sites-enabled/app"))
      << "the link was replaced";
  EXPECT_EQ(Mode("root/nginx.conf"), 0640u);
  EXPECT_EQ(Read("state/own.conf"), "server {}\n");
  EXPECT_EQ(tx.touched(),
            (std::vector<std::string>{dir_ / "root/nginx.conf",
                                      dir_ / "root/sites-available/app",
                                      dir_ / "state/own.conf"}));
  RestoreReport report = tx.Rollback();
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.restored.size(), 3u);
  ExpectOriginal();
  EXPECT_FALSE(fs::exists(journal()));
}

TEST_F(FileTransactionTest, UnchangedFilesAreNotWrittenOrJournaled) {
  FileTransaction tx(fs_, journal());
  tx.Write({{dir_ / "root/nginx.conf", Read("root/nginx.conf")},
            {dir_ / "state/none", std::nullopt}});
  EXPECT_TRUE(tx.empty());
  EXPECT_FALSE(fs::exists(journal()));
}

TEST_F(FileTransactionTest, LaterVersionsAndRemovalRollBackToTheFirstState) {
  fs_.MakeDirs(dir_ / "state", 0700);
  FileTransaction tx(fs_, journal());
  tx.Write(Changes());
  tx.Write({{dir_ / "root/nginx.conf", "second\n"},
            {dir_ / "state/own.conf", std::nullopt}});
  EXPECT_FALSE(fs::exists(dir_ / "state/own.conf"));
  tx.Write({{dir_ / "state/own.conf", "again\n"}});
  EXPECT_TRUE(tx.Rollback().ok());
  ExpectOriginal();
}

TEST_F(FileTransactionTest, AnInterruptedTransactionIsRecoveredByTheNextRun) {
  fs_.MakeDirs(dir_ / "state", 0700);
  {
    FileTransaction tx(fs_, journal());
    tx.Write(Changes());
    tx.Write({{dir_ / "root/nginx.conf", "second\n"}});
  }  // the process "dies": no rollback, no commit
  EXPECT_THROW(FileTransaction(fs_, journal()), Error);  // must recover first
  std::optional<RestoreReport> report = RecoverJournal(fs_, journal());
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok()) << report->Summary();
  ExpectOriginal();
  EXPECT_FALSE(fs::exists(journal()));
  EXPECT_FALSE(RecoverJournal(fs_, journal()).has_value());
}

// A journal written by hand in the documented format, as every earlier
// certpilot wrote it (the first line names nginx, its first user): an
// interrupted run of an older binary is recovered by a newer one.
TEST_F(FileTransactionTest, AJournalInTheDocumentedFormatIsRecovered) {
  const std::string conf = dir_ / "root/nginx.conf";
  const std::string own = dir_ / "state/own.conf";
  fs::create_directories(journal());
  auto journal_file = [&](const std::string& name, const std::string& text) {
    fs_.CreateFileExclusive(journal() + "/" + name, text, 0600, std::nullopt);
  };
  journal_file("manifest", "certpilot-nginx-journal 1\n1 1 0640 " + conf +
                               "\n2 0 0644 " + own + "\n");
  journal_file("1.orig", "http {\n    include sites-enabled/*;\n}\n");
  journal_file("1.w1", "interrupted\n");
  journal_file("2.w1", "server {}\n");
  WriteFileAtomic(fs_, conf, "interrupted\n", 0600);
  Put("state/own.conf", "server {}\n", 0644);

  EXPECT_THROW(FileTransaction(fs_, journal()), Error);  // must recover first
  std::optional<RestoreReport> report = RecoverJournal(fs_, journal());
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok()) << report->Summary();
  EXPECT_EQ(report->restored, (std::vector<std::string>{own, conf}));
  ExpectOriginal();  // bytes and the journaled mode 0640 are back
  EXPECT_FALSE(fs::exists(journal()));
}

TEST_F(FileTransactionTest, SomeoneElsesEditIsNeverOverwritten) {
  fs_.MakeDirs(dir_ / "state", 0700);
  FileTransaction tx(fs_, journal());
  tx.Write(Changes());
  WriteFileAtomic(fs_, dir_ / "root/nginx.conf", "edited by the admin\n", 0640);
  RestoreReport report = tx.Rollback();
  EXPECT_EQ(report.conflicts,
            std::vector<std::string>{dir_ / "root/nginx.conf"});
  EXPECT_NE(
      report.Summary().find("left " + dir_ / "root/nginx.conf" + " alone"),
      std::string::npos)
      << report.Summary();
  EXPECT_EQ(Read("root/nginx.conf"), "edited by the admin\n");
  EXPECT_EQ(Read("root/sites-available/app"),
            "server {\r\n    listen 80;\r\n}\r\n");
}

TEST_F(FileTransactionTest, TheConflictHandlerMayCleanAnEditedFile) {
  fs_.MakeDirs(dir_ / "state", 0700);
  {
    FileTransaction tx(fs_, journal());
    tx.Write(Changes());
  }
  WriteFileAtomic(fs_, dir_ / "root/nginx.conf", "edited\n    include x;\n",
                  0640);
  std::optional<RestoreReport> report = RecoverJournal(
      fs_, journal(), [](const std::string&, const std::string& current) {
        return std::optional<std::string>(
            current.substr(0, current.find("    include x;")));
      });
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->rewritten,
            std::vector<std::string>{dir_ / "root/nginx.conf"});
  EXPECT_EQ(Read("root/nginx.conf"), "edited\n");
}

TEST_F(FileTransactionTest, CommitKeepsTheFilesAndArchivesTheBackups) {
  fs_.MakeDirs(dir_ / "state", 0700);
  FileTransaction tx(fs_, journal());
  tx.Write(Changes());
  tx.Commit(dir_ / "state/backups/1");
  EXPECT_FALSE(fs::exists(journal()));
  EXPECT_FALSE(RecoverJournal(fs_, journal()).has_value());
  EXPECT_EQ(Read("state/own.conf"), "server {}\n");
  EXPECT_EQ(Read("state/backups/1/1.orig"),
            "http {\n    include sites-enabled/*;\n}\n");
}

// A crash (or I/O error) at each mutating step of a transaction: the next
// run's recovery always brings every file back to its original bytes.
TEST_F(FileTransactionTest, CrashAtEveryStepIsRecovered) {
  fs_.MakeDirs(dir_ / "state", 0700);
  int total = 0;
  {  // count the steps of a whole transaction
    FaultFilesystem counting(fs_, 0);
    FileTransaction tx(counting, journal());
    tx.Write(Changes());
    tx.Write({{dir_ / "root/nginx.conf", "second\n"}});
    total = counting.mutations();
    tx.Rollback();
  }
  ASSERT_GT(total, 10);
  // (Single failures that let clean-up run are covered in safe_update_test.)
  for (FaultFilesystem::Mode mode : {FaultFilesystem::Mode::kCrash}) {
    for (int k = 1; k <= total; ++k) {
      SCOPED_TRACE("crash at step " + std::to_string(k));
      FaultFilesystem faulty(fs_, k, mode);
      try {
        FileTransaction tx(faulty, journal());
        tx.Write(Changes());
        tx.Write({{dir_ / "root/nginx.conf", "second\n"}});
      } catch (const Error&) {
      }
      RecoverJournal(fs_, journal());
      ExpectOriginal();
      EXPECT_FALSE(fs::exists(journal()));
      // Leftover temporaries of WriteFileAtomic are hidden from nginx's
      // globs (a leading dot); clear them for the next round.
      for (const char* d : {"root", "root/sites-available", "state"})
        for (const auto& e : fs::directory_iterator(dir_ / d))
          if (e.path().filename().string()[0] == '.') fs::remove(e.path());
    }
  }
}

}  // namespace
}  // namespace certpilot::sys
