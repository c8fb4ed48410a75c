// The metrics file of `renew --metrics-file`: Prometheus's text exposition
// format (version 0.0.4), as node_exporter's textfile collector reads it.
// Each metric family is one "# HELP" line, one "# TYPE" line (all gauges)
// and its samples; lineages appear in the order given, one label
// lineage="NAME", its value escaped as the format requires (\\, \", \n).
// Times are Unix seconds. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/clock.h"

namespace certpilot::app {

// What one lineage looks like at the end of a run. A family's sample is
// left out for a lineage without its value.
struct LineageMetrics {
  std::string name;
  // Of the certificate it holds now (absent when it cannot be read).
  std::optional<TimePoint> not_after, renew_after;
  // Of its last renewal attempt, this run's or an earlier one's.
  std::optional<TimePoint> last_attempt;
  std::optional<bool> last_attempt_succeeded;
  int consecutive_failures = 0;
  // While it is held back after failures (app/rules/backoff.h).
  std::optional<TimePoint> next_attempt;
};

struct RunMetrics {
  TimePoint finished{};
  Duration duration{};
  int renewed = 0, failed = 0, not_due = 0, backed_off = 0;
  bool succeeded = false;  // the run's exit status was 0
  std::vector<LineageMetrics> lineages;
};

// The whole file: certpilot_certificate_not_after_timestamp_seconds,
// _renew_after_timestamp_seconds, _last_attempt_timestamp_seconds,
// _last_attempt_success (1 or 0), _consecutive_failures,
// _next_attempt_timestamp_seconds (per lineage), then
// certpilot_run_timestamp_seconds, _duration_seconds, _success,
// _renewed, _failed, _not_due, _backed_off (per run).
std::string MetricsText(const RunMetrics& m);

// A label value as the exposition format writes it between quotes:
// backslash, double quote and line feed escaped.
std::string EscapeLabelValue(std::string_view value);

}  // namespace certpilot::app
