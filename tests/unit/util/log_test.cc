#include "util/log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace certpilot::log {
namespace {

using namespace std::chrono_literals;

// Collects what the log sends to the file; can be told to fail.
struct Capture {
  std::mutex mu;
  std::string text;
  int appends = 0;
  std::string fail_with;
};

class CaptureSink : public Sink {
 public:
  explicit CaptureSink(std::shared_ptr<Capture> c) : c_(std::move(c)) {}
  std::string Append(std::string_view lines) override {
    std::lock_guard<std::mutex> lock(c_->mu);
    ++c_->appends;
    if (!c_->fail_with.empty()) return c_->fail_with;
    c_->text += lines;
    return "";
  }

 private:
  std::shared_ptr<Capture> c_;
};

// The log is process-wide: every test leaves it as it found it.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { SetLevel(Level::kError); }  // keep the terminal quiet
  void TearDown() override {
    SetFileSink(nullptr, Level::kDebug);
    SetLevel(Level::kInfo);
  }
  std::shared_ptr<Capture> Install(Level level) {
    auto c = std::make_shared<Capture>();
    SetFileSink(std::make_unique<CaptureSink>(c), level);
    return c;
  }
};

TEST(FormatFileLinesTest, TimeLevelPidMessage) {
  TimePoint t = std::chrono::sys_days{std::chrono::year{2026} / 11 / 26} + 9h +
                25min + 17s;
  EXPECT_EQ(FormatFileLines(t, Level::kDebug, 4242, "GET https://x/dir: 200"),
            "2026-11-26T09:25:17Z DEBUG 4242 GET https://x/dir: 200\n");
  EXPECT_EQ(FormatFileLines(t, Level::kWarning, 1, ""),
            "2026-11-26T09:25:17Z WARNING 1 \n");
  // Each line of a multi-line message is a whole log line.
  EXPECT_EQ(
      FormatFileLines(t, Level::kError, 7, "one\ntwo\n"),
      "2026-11-26T09:25:17Z ERROR 7 one\n2026-11-26T09:25:17Z ERROR 7 two\n");
}

TEST(WantColorTest, OnlyOnATerminalWithoutNoColorOrDumbTerm) {
  EXPECT_TRUE(WantColor(true, nullptr, "xterm-256color"));
  EXPECT_TRUE(WantColor(true, nullptr, nullptr));
  EXPECT_FALSE(WantColor(false, nullptr, "xterm"));
  EXPECT_FALSE(WantColor(true, "1", "xterm"));
  EXPECT_FALSE(WantColor(true, "0", "xterm"));  // any value, even "0"
  EXPECT_TRUE(WantColor(true, "", "xterm"));  // no-color.org: set and not empty
  EXPECT_FALSE(WantColor(true, nullptr, "dumb"));
}

TEST_F(LogTest, FileGetsItsOwnLevelWhateverTheTerminalDrops) {
  auto c = Install(Level::kDebug);
  Debug("a debug line");
  Info("an info line");
  EXPECT_NE(c->text.find(" DEBUG "), std::string::npos) << c->text;
  EXPECT_NE(c->text.find("a debug line\n"), std::string::npos) << c->text;
  EXPECT_NE(c->text.find(" INFO "), std::string::npos) << c->text;

  auto warnings_only = Install(Level::kWarning);
  Info("dropped");
  Warning("kept");
  EXPECT_EQ(warnings_only->text.find("dropped"), std::string::npos);
  EXPECT_NE(warnings_only->text.find("kept"), std::string::npos);
}

TEST_F(LogTest, EveryFileLineIsRedacted) {
  auto c = Install(Level::kDebug);
  AddSecret("registered-secret-value");
  Debug(
      "hook said -----BEGIN PRIVATE KEY-----?MIGH?-----END PRIVATE KEY-----?");
  Debug(R"(jws {"signature":"c2lnbmF0dXJl"} and registered-secret-value)");
  EXPECT_EQ(c->text.find("PRIVATE KEY"), std::string::npos) << c->text;
  EXPECT_EQ(c->text.find("c2lnbmF0dXJl"), std::string::npos) << c->text;
  EXPECT_EQ(c->text.find("registered-secret-value"), std::string::npos)
      << c->text;
  EXPECT_NE(c->text.find("[redacted]"), std::string::npos) << c->text;
}

TEST_F(LogTest, AFailingSinkIsDroppedAfterOneTry) {
  auto c = Install(Level::kDebug);
  c->fail_with =
      "writing /var/log/certpilot/certpilot.log: No space left on device";
  Debug("first");
  Debug("second");
  Error("third");
  EXPECT_EQ(c->appends, 1);
}

}  // namespace
}  // namespace certpilot::log
