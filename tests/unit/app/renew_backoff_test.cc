// Backoff and the metrics file in the renew use case, against the fake CA on
// a fake clock: a failing lineage waits 1 h, then 2 h ... before it is tried
// again, --force-renewal and success start the count again, `certificates`
// shows the failure, and --metrics-file is written after every run, failed
// or not.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/usecases/certificates.h"
#include "app/usecases/certonly.h"
#include "app/usecases/renew.h"
#include "app/usecases/revoke.h"
#include "app/wiring/renewal_history.h"
#include "support/use_case_fixture.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class RenewBackoff : public testing::UseCaseTest<> {
 protected:
  void SetUp() override {
    ca_.validity = hours(24 * 90);
    ASSERT_EQ(Certonly(StandaloneCertonly({"bad.example"}), services_), 0);
    ASSERT_EQ(Certonly(StandaloneCertonly({"good.example"}), services_), 0);
    clock_.Advance(hours(24 * 71));  // 19 days left: both due
    // The fake CA dates its certificates from the real clock: new ones
    // start at the fake now.
    ca_.not_before_offset = hours(24 * 71);
    ca_.failing_names = {"bad.example"};
  }
  RenewOptions Options() {
    RenewOptions o;
    o.common = common_;
    o.no_random_sleep = true;
    o.json = true;
    return o;
  }
  nlohmann::json RunRenew(const RenewOptions& o, int expected_rc) {
    out_.str("");
    EXPECT_EQ(Renew(o, services_), expected_rc);
    return nlohmann::json::parse(out_.str());
  }
  nlohmann::json Run(int expected_rc) {
    return RunRenew(Options(), expected_rc);
  }
  std::optional<RenewalHistory> History(const std::string& name) {
    storage::Layout layout;
    layout.work_dir = common_.work_dir;
    return LoadRenewalHistory(fs_, layout, name);
  }
  // `certificates --json` for one lineage.
  nlohmann::json Listing(const std::string& name) {
    CertificatesOptions o;
    o.common = common_;
    o.cert_name = name;
    o.json = true;
    out_.str("");
    EXPECT_EQ(Certificates(o, services_), 0);
    return nlohmann::json::parse(out_.str()).at(0);
  }
  std::vector<std::string> Names(const nlohmann::json& list) {
    std::vector<std::string> out;
    for (const auto& e : list) out.push_back(e.at("name"));
    return out;
  }
};

TEST_F(RenewBackoff, FailingLineageWaitsLongerAfterEachFailure) {
  nlohmann::json j = Run(1);
  EXPECT_EQ(Names(j["renewed"]), std::vector<std::string>{"good.example"});
  EXPECT_EQ(Names(j["failed"]), std::vector<std::string>{"bad.example"});
  std::optional<RenewalHistory> h = History("bad.example");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->failures, 1);
  EXPECT_EQ(h->next_attempt - h->last_attempt, hours(1));
  EXPECT_NE(h->reason.find("scripted failure for bad.example"),
            std::string::npos)
      << h->reason;
  ASSERT_TRUE(History("good.example"));
  EXPECT_TRUE(History("good.example")->last_succeeded);

  // At once: bad.example is skipped, the run is fine, the CA sees nothing.
  const int orders_before = ca_.CountRequests("/new-order");
  j = Run(0);
  EXPECT_EQ(ca_.CountRequests("/new-order"), orders_before);
  ASSERT_EQ(Names(j["backed_off"]), std::vector<std::string>{"bad.example"});
  EXPECT_EQ(j["backed_off"][0]["failures"], 1);
  EXPECT_EQ(j["backed_off"][0]["next_attempt"], FormatRfc3339(h->next_attempt));
  EXPECT_NE(
      j["backed_off"][0]["reason"].get<std::string>().find("scripted failure"),
      std::string::npos);
  nlohmann::json listing = Listing("bad.example");
  EXPECT_EQ(listing["renewal_failure"]["failures"], 1);
  EXPECT_EQ(listing["renewal_failure"]["next_attempt"],
            FormatRfc3339(h->next_attempt));
  EXPECT_TRUE(Listing("good.example")["renewal_failure"].is_null());

  // An hour later it is tried (and fails) again; then it waits two hours.
  clock_.Advance(hours(1));
  j = Run(1);
  EXPECT_EQ(Names(j["failed"]), std::vector<std::string>{"bad.example"});
  h = History("bad.example");
  EXPECT_EQ(h->failures, 2);
  EXPECT_EQ(h->next_attempt - h->last_attempt, hours(2));
  clock_.Advance(hours(1));
  EXPECT_EQ(Names(Run(0)["backed_off"]),
            std::vector<std::string>{"bad.example"});

  // When it may try again and the CA validates it, it renews and the count
  // is gone.
  clock_.Advance(hours(1) + minutes(1));
  ca_.failing_names.clear();
  j = Run(0);
  EXPECT_EQ(Names(j["renewed"]), std::vector<std::string>{"bad.example"});
  h = History("bad.example");
  EXPECT_TRUE(h->last_succeeded);
  EXPECT_EQ(h->failures, 0);
  EXPECT_TRUE(Listing("bad.example")["renewal_failure"].is_null());
}

TEST_F(RenewBackoff, ForceRenewalTriesAtOnceAndStartsTheCountAgain) {
  Run(1);
  clock_.Advance(hours(1));
  Run(1);
  ASSERT_EQ(History("bad.example")->failures, 2);

  RenewOptions forced = Options();
  forced.force_renewal = true;
  forced.cert_name = "bad.example";
  nlohmann::json j = RunRenew(forced, 1);
  EXPECT_EQ(Names(j["failed"]), std::vector<std::string>{"bad.example"});
  std::optional<RenewalHistory> h = History("bad.example");
  EXPECT_EQ(h->failures, 1);
  EXPECT_EQ(h->next_attempt - h->last_attempt, hours(1));

  ca_.failing_names.clear();
  j = RunRenew(forced, 0);
  EXPECT_EQ(Names(j["renewed"]), std::vector<std::string>{"bad.example"});
  EXPECT_TRUE(History("bad.example")->last_succeeded);
}

TEST_F(RenewBackoff, CertificatesShowsTheFailureAndTheNextAttempt) {
  Run(1);
  std::optional<RenewalHistory> h = History("bad.example");
  CertificatesOptions o;
  o.common = common_;
  out_.str("");
  ASSERT_EQ(Certificates(o, services_), 0);
  const std::string text = out_.str();
  EXPECT_NE(text.find("    Renewal Failed: " + FormatRfc3339(h->last_attempt) +
                      " (1 attempt): "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    Next Attempt: " + FormatRfc3339(h->next_attempt)),
            std::string::npos)
      << text;
  // Only under bad.example.
  EXPECT_EQ(text.find("Renewal Failed"), text.rfind("Renewal Failed"));
  EXPECT_GT(text.find("Renewal Failed"), text.find("bad.example"));
}

TEST_F(RenewBackoff, DryRunIgnoresAndKeepsTheBackoff) {
  Run(1);
  const RenewalHistory before = *History("bad.example");
  RenewOptions dry = Options();
  dry.dry_run = true;
  dry.metrics_file = dir_ / "dry.prom";
  RunRenew(dry, 1);  // tried (and failed) despite the backoff
  const RenewalHistory after = *History("bad.example");
  EXPECT_EQ(after.failures, before.failures);
  EXPECT_EQ(after.last_attempt, before.last_attempt);
  EXPECT_FALSE(fs_.Exists(dir_ / "dry.prom"));  // a dry run writes no metrics
}

// The value of the sample that starts with `prefix` in `text` (-1: none).
long long Sample(const std::string& text, const std::string& prefix) {
  size_t at = text.find("\n" + prefix + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + prefix.size() + 2));
}

long long UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
      .count();
}

TEST_F(RenewBackoff, MetricsFileIsWrittenAfterEveryRunFailedOrNot) {
  RenewOptions o = Options();
  o.metrics_file = dir_ / "certpilot.prom";
  // A failed run: bad.example fails, good.example renews.
  RunRenew(o, 1);
  std::string text = fs_.ReadFile(dir_ / "certpilot.prom");
  EXPECT_EQ(fs_.Stat(dir_ / "certpilot.prom").mode & 0777, 0644u);
  EXPECT_EQ(Sample(text, "certpilot_run_failed"), 1) << text;
  EXPECT_EQ(Sample(text, "certpilot_run_renewed"), 1) << text;
  EXPECT_EQ(Sample(text, "certpilot_run_success"), 0) << text;
  EXPECT_EQ(Sample(text, "certpilot_run_timestamp_seconds"),
            UnixSeconds(clock_.Now()));
  const std::string bad = "{lineage=\"bad.example\"}";
  const std::string good = "{lineage=\"good.example\"}";
  EXPECT_EQ(Sample(text, "certpilot_certificate_last_attempt_success" + bad),
            0);
  EXPECT_EQ(Sample(text, "certpilot_certificate_last_attempt_success" + good),
            1);
  EXPECT_EQ(Sample(text, "certpilot_certificate_consecutive_failures" + bad),
            1);
  EXPECT_EQ(
      Sample(text,
             "certpilot_certificate_next_attempt_timestamp_seconds" + bad),
      UnixSeconds(History("bad.example")->next_attempt));
  EXPECT_EQ(
      Sample(text,
             "certpilot_certificate_next_attempt_timestamp_seconds" + good),
      -1);
  // good.example's dates are those of the certificate it renewed to.
  const nlohmann::json listing = Listing("good.example");
  EXPECT_EQ(
      FormatRfc3339(TimePoint(std::chrono::seconds(Sample(
          text, "certpilot_certificate_not_after_timestamp_seconds" + good)))),
      listing["not_after"]);
  EXPECT_EQ(FormatRfc3339(TimePoint(std::chrono::seconds(Sample(
                text, "certpilot_certificate_renew_after_timestamp_seconds" +
                          good)))),
            listing["renew_after"]);

  // A run that renews nothing: bad.example backed off, good.example not due.
  clock_.Advance(minutes(5));
  RunRenew(o, 0);
  text = fs_.ReadFile(dir_ / "certpilot.prom");
  EXPECT_EQ(Sample(text, "certpilot_run_backed_off"), 1) << text;
  EXPECT_EQ(Sample(text, "certpilot_run_not_due"), 1) << text;
  EXPECT_EQ(Sample(text, "certpilot_run_success"), 1) << text;
  EXPECT_EQ(Sample(text, "certpilot_run_renewed"), 0) << text;
}

TEST_F(RenewBackoff, MetricsFileOfOneLineageStillListsEveryLineage) {
  RenewOptions o = Options();
  o.metrics_file = dir_ / "certpilot.prom";
  o.cert_name = "good.example";
  RunRenew(o, 0);
  const std::string text = fs_.ReadFile(dir_ / "certpilot.prom");
  EXPECT_EQ(Sample(text, "certpilot_run_renewed"), 1) << text;
  for (const char* name : {"bad.example", "good.example"})
    EXPECT_GT(
        Sample(text, std::string("certpilot_certificate_not_after_timestamp_"
                                 "seconds{lineage=\"") +
                         name + "\"}"),
        UnixSeconds(clock_.Now()))
        << name << "\n"
        << text;
  // In name order.
  EXPECT_LT(text.find("{lineage=\"bad.example\"}"),
            text.find("{lineage=\"good.example\"}"));
}

TEST_F(RenewBackoff, AHistoryThatCannotBeWrittenFailsTheRunNotTheRenewal) {
  ca_.failing_names.clear();
  // A file where the history directory should be.
  fs_.MakeDirs(dir_ / "work", 0700);
  fs_.CreateFileExclusive(dir_ / "work/renewal-history", "x", 0600,
                          std::nullopt);
  nlohmann::json j = Run(1);
  EXPECT_EQ(j["renewed"].size(), 2u) << j.dump();
  EXPECT_TRUE(j["failed"].empty()) << j.dump();
}

TEST_F(RenewBackoff, DeletingALineageDeletesItsHistory) {
  Run(1);
  ASSERT_TRUE(History("bad.example"));
  DeleteOptions d;
  d.common = common_;
  d.cert_name = "bad.example";
  d.nginx_server_root = dir_ / "no-nginx";
  ASSERT_EQ(Delete(d, services_), 0);
  EXPECT_FALSE(History("bad.example"));
  EXPECT_FALSE(fs_.Exists(dir_ / "work/renewal-history/bad.example.json"));
  EXPECT_TRUE(History("good.example"));
}

TEST_F(RenewBackoff, MetricsFileInAMissingDirectoryIsAUsageError) {
  RenewOptions o = Options();
  o.metrics_file = dir_ / "nowhere/certpilot.prom";
  EXPECT_THROW(Renew(o, services_), UsageError);
}

}  // namespace
}  // namespace certpilot::app
