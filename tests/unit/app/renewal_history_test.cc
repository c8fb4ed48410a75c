// The renewal history file (app/wiring/renewal_history.h): what is saved is
// loaded back, a damaged file holds nothing back, a reason that is not UTF-8
// is kept readable, and a crash at any step of a save leaves the old history
// or the new one.
#include "app/wiring/renewal_history.h"

#include <gtest/gtest.h>

#include "support/fault_filesystem.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

const TimePoint kStart = TimePoint(std::chrono::seconds(1767225600));

class RenewalHistoryFile : public ::testing::Test {
 protected:
  RenewalHistoryFile() { layout_.work_dir = dir_ / "work"; }
  std::string Path() const {
    return layout_.work_dir + "/renewal-history/a.example.json";
  }
  testing::TempDir dir_;
  sys::PosixFilesystem fs_;
  storage::Layout layout_;
};

RenewalHistory Failing(int failures, const std::string& reason) {
  RenewalHistory h;
  h.serial = "0a1b";
  h.last_attempt = kStart;
  h.failures = failures;
  h.reason = reason;
  h.next_attempt = kStart + std::chrono::hours(1);
  return h;
}

TEST_F(RenewalHistoryFile, RoundTrip) {
  EXPECT_EQ(LoadRenewalHistory(fs_, layout_, "a.example"), std::nullopt);
  SaveRenewalHistory(fs_, layout_, "a.example", Failing(2, "refused"));
  std::optional<RenewalHistory> h =
      LoadRenewalHistory(fs_, layout_, "a.example");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->serial, "0a1b");
  EXPECT_EQ(h->last_attempt, kStart);
  EXPECT_FALSE(h->last_succeeded);
  EXPECT_EQ(h->failures, 2);
  EXPECT_EQ(h->reason, "refused");
  EXPECT_EQ(h->next_attempt, kStart + std::chrono::hours(1));
  EXPECT_EQ(fs_.Stat(Path()).mode & 0777, 0600u);

  SaveRenewalHistory(fs_, layout_, "a.example", RecordSuccess("0c", kStart));
  h = LoadRenewalHistory(fs_, layout_, "a.example");
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->last_succeeded);
  EXPECT_EQ(h->serial, "0c");

  RemoveRenewalHistory(fs_, layout_, "a.example");
  EXPECT_FALSE(fs_.Exists(Path()));
  RemoveRenewalHistory(fs_, layout_, "a.example");  // nothing to remove
}

TEST_F(RenewalHistoryFile, DamagedFileHoldsNothingBack) {
  for (const char* text : {"", "{", "[]", R"({"serial": 1})", "\xff\xfe"}) {
    fs_.MakeDirs(layout_.work_dir + "/renewal-history", 0700);
    sys::WriteFileAtomic(fs_, Path(), text, 0600);
    EXPECT_EQ(LoadRenewalHistory(fs_, layout_, "a.example"), std::nullopt)
        << text;
  }
}

TEST_F(RenewalHistoryFile, ReasonThatIsNotUtf8IsKeptReadable) {
  SaveRenewalHistory(fs_, layout_, "a.example", Failing(1, "bad \xff byte"));
  std::optional<RenewalHistory> h =
      LoadRenewalHistory(fs_, layout_, "a.example");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->reason, "bad \xef\xbf\xbd byte");  // U+FFFD
}

TEST_F(RenewalHistoryFile, CrashAtAnyStepLeavesTheOldOrTheNewHistory) {
  SaveRenewalHistory(fs_, layout_, "a.example", Failing(1, "old"));
  for (int step = 1;; ++step) {
    testing::FaultFilesystem faulty(fs_, step);
    try {
      SaveRenewalHistory(faulty, layout_, "a.example", Failing(2, "new"));
    } catch (const Error&) {  // the injected fault: checked below
    }
    std::optional<RenewalHistory> h =
        LoadRenewalHistory(fs_, layout_, "a.example");
    ASSERT_TRUE(h) << "step " << step;
    EXPECT_TRUE(h->reason == "old" || h->reason == "new") << h->reason;
    if (!faulty.faulted()) {
      EXPECT_EQ(h->reason, "new");
      EXPECT_GT(step, 2);  // the save has steps to crash in
      break;
    }
    SaveRenewalHistory(fs_, layout_, "a.example", Failing(1, "old"));
  }
}

}  // namespace
}  // namespace certpilot::app
