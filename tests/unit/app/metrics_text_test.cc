// The metrics file's text (app/types/metrics_text.h), byte for byte:
// Prometheus's text exposition format as node_exporter's textfile collector
// reads it, with label values escaped.
#include "app/types/metrics_text.h"

#include <gtest/gtest.h>

namespace certpilot::app {
namespace {

using std::chrono::hours;

const TimePoint kNewYear = TimePoint(std::chrono::seconds(1767225600));

TEST(MetricsText, Golden) {
  RunMetrics m;
  m.finished = kNewYear + std::chrono::seconds(90);
  m.duration = Duration(12345);
  m.renewed = 1;
  m.failed = 2;
  m.not_due = 3;
  m.backed_off = 1;
  m.succeeded = false;
  LineageMetrics ok;
  ok.name = "a.example";
  ok.not_after = kNewYear + hours(24 * 90);
  ok.renew_after = kNewYear + hours(24 * 70);
  ok.last_attempt = kNewYear;
  ok.last_attempt_succeeded = true;
  LineageMetrics failing;
  failing.name = "b.example";
  failing.not_after = kNewYear + hours(24);
  failing.renew_after = kNewYear;
  failing.last_attempt = kNewYear + hours(1);
  failing.last_attempt_succeeded = false;
  failing.consecutive_failures = 2;
  failing.next_attempt = kNewYear + hours(3);
  LineageMetrics unread;  // cannot be read, never attempted
  unread.name = "c.example";
  m.lineages = {ok, failing, unread};
  EXPECT_EQ(
      MetricsText(m),
      R"(# HELP certpilot_certificate_not_after_timestamp_seconds When the lineage's current certificate expires.
# TYPE certpilot_certificate_not_after_timestamp_seconds gauge
certpilot_certificate_not_after_timestamp_seconds{lineage="a.example"} 1775001600
certpilot_certificate_not_after_timestamp_seconds{lineage="b.example"} 1767312000
# HELP certpilot_certificate_renew_after_timestamp_seconds When the lineage's current certificate is due for renewal.
# TYPE certpilot_certificate_renew_after_timestamp_seconds gauge
certpilot_certificate_renew_after_timestamp_seconds{lineage="a.example"} 1773273600
certpilot_certificate_renew_after_timestamp_seconds{lineage="b.example"} 1767225600
# HELP certpilot_certificate_last_attempt_timestamp_seconds When the lineage's renewal was last attempted.
# TYPE certpilot_certificate_last_attempt_timestamp_seconds gauge
certpilot_certificate_last_attempt_timestamp_seconds{lineage="a.example"} 1767225600
certpilot_certificate_last_attempt_timestamp_seconds{lineage="b.example"} 1767229200
# HELP certpilot_certificate_last_attempt_success 1 if the lineage's last renewal attempt succeeded, 0 if it failed.
# TYPE certpilot_certificate_last_attempt_success gauge
certpilot_certificate_last_attempt_success{lineage="a.example"} 1
certpilot_certificate_last_attempt_success{lineage="b.example"} 0
# HELP certpilot_certificate_consecutive_failures Failed renewal attempts in a row since the last success.
# TYPE certpilot_certificate_consecutive_failures gauge
certpilot_certificate_consecutive_failures{lineage="a.example"} 0
certpilot_certificate_consecutive_failures{lineage="b.example"} 2
certpilot_certificate_consecutive_failures{lineage="c.example"} 0
# HELP certpilot_certificate_next_attempt_timestamp_seconds Before this time renew skips the failing lineage (backoff).
# TYPE certpilot_certificate_next_attempt_timestamp_seconds gauge
certpilot_certificate_next_attempt_timestamp_seconds{lineage="b.example"} 1767236400
# HELP certpilot_run_timestamp_seconds When the last certpilot renew run ended.
# TYPE certpilot_run_timestamp_seconds gauge
certpilot_run_timestamp_seconds 1767225690
# HELP certpilot_run_duration_seconds How long the last certpilot renew run took.
# TYPE certpilot_run_duration_seconds gauge
certpilot_run_duration_seconds 12.345
# HELP certpilot_run_success 1 if the last certpilot renew run exited 0, else 0.
# TYPE certpilot_run_success gauge
certpilot_run_success 0
# HELP certpilot_run_renewed Lineages the last run renewed.
# TYPE certpilot_run_renewed gauge
certpilot_run_renewed 1
# HELP certpilot_run_failed Lineages whose renewal failed in the last run.
# TYPE certpilot_run_failed gauge
certpilot_run_failed 2
# HELP certpilot_run_not_due Lineages the last run found not due.
# TYPE certpilot_run_not_due gauge
certpilot_run_not_due 3
# HELP certpilot_run_backed_off Due lineages the last run skipped after earlier failures.
# TYPE certpilot_run_backed_off gauge
certpilot_run_backed_off 1
)");
}

TEST(MetricsText, LabelValuesAreEscaped) {
  EXPECT_EQ(EscapeLabelValue("plain.example"), "plain.example");
  EXPECT_EQ(EscapeLabelValue(R"(a\b"c)"
                             "\n"
                             "d"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(EscapeLabelValue("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 as is
  RunMetrics m;
  LineageMetrics odd;
  odd.name = "x\"y\\z\nw";
  m.lineages = {odd};
  EXPECT_NE(
      MetricsText(m).find("certpilot_certificate_consecutive_failures{lineage="
                          "\"x\\\"y\\\\z\\nw\"} 0\n"),
      std::string::npos)
      << MetricsText(m);
}

}  // namespace
}  // namespace certpilot::app
