#include "app/types/metrics_text.h"

#include <algorithm>
#include <functional>

namespace certpilot::app {
namespace {

long long UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
      .count();
}

// One family: its HELP and TYPE lines, then a sample per lineage that has a
// value.
void LineageFamily(
    std::string& out, const std::vector<LineageMetrics>& lineages,
    const char* name, const char* help,
    const std::function<std::optional<long long>(const LineageMetrics&)>&
        value) {
  out += std::string("# HELP ") + name + " " + help + "\n";
  out += std::string("# TYPE ") + name + " gauge\n";
  for (const LineageMetrics& l : lineages)
    if (std::optional<long long> v = value(l))
      out += std::string(name) + "{lineage=\"" + EscapeLabelValue(l.name) +
             "\"} " + std::to_string(*v) + "\n";
}

void RunSample(std::string& out, const char* name, const char* help,
               const std::string& value) {
  out += std::string("# HELP ") + name + " " + help + "\n";
  out += std::string("# TYPE ") + name + " gauge\n";
  out += std::string(name) + " " + value + "\n";
}

// "12.345" (milliseconds as seconds; a negative duration reads as 0).
std::string Seconds(Duration d) {
  const long long ms = std::max<long long>(d.count(), 0);
  const std::string frac = std::to_string(1000 + ms % 1000).substr(1);
  return std::to_string(ms / 1000) + "." + frac;
}

std::optional<long long> Time(const std::optional<TimePoint>& t) {
  if (!t) return std::nullopt;
  return UnixSeconds(*t);
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string MetricsText(const RunMetrics& m) {
  std::string out;
  const auto& ls = m.lineages;
  LineageFamily(out, ls, "certpilot_certificate_not_after_timestamp_seconds",
                "When the lineage's current certificate expires.",
                [](const LineageMetrics& l) { return Time(l.not_after); });
  LineageFamily(out, ls, "certpilot_certificate_renew_after_timestamp_seconds",
                "When the lineage's current certificate is due for renewal.",
                [](const LineageMetrics& l) { return Time(l.renew_after); });
  LineageFamily(out, ls, "certpilot_certificate_last_attempt_timestamp_seconds",
                "When the lineage's renewal was last attempted.",
                [](const LineageMetrics& l) { return Time(l.last_attempt); });
  LineageFamily(
      out, ls, "certpilot_certificate_last_attempt_success",
      "1 if the lineage's last renewal attempt succeeded, 0 if it failed.",
      [](const LineageMetrics& l) -> std::optional<long long> {
        if (!l.last_attempt_succeeded) return std::nullopt;
        return *l.last_attempt_succeeded ? 1 : 0;
      });
  LineageFamily(out, ls, "certpilot_certificate_consecutive_failures",
                "Failed renewal attempts in a row since the last success.",
                [](const LineageMetrics& l) -> std::optional<long long> {
                  return l.consecutive_failures;
                });
  LineageFamily(out, ls, "certpilot_certificate_next_attempt_timestamp_seconds",
                "Before this time renew skips the failing lineage (backoff).",
                [](const LineageMetrics& l) { return Time(l.next_attempt); });

  RunSample(out, "certpilot_run_timestamp_seconds",
            "When the last certpilot renew run ended.",
            std::to_string(UnixSeconds(m.finished)));
  RunSample(out, "certpilot_run_duration_seconds",
            "How long the last certpilot renew run took.", Seconds(m.duration));
  RunSample(out, "certpilot_run_success",
            "1 if the last certpilot renew run exited 0, else 0.",
            m.succeeded ? "1" : "0");
  RunSample(out, "certpilot_run_renewed", "Lineages the last run renewed.",
            std::to_string(m.renewed));
  RunSample(out, "certpilot_run_failed",
            "Lineages whose renewal failed in the last run.",
            std::to_string(m.failed));
  RunSample(out, "certpilot_run_not_due",
            "Lineages the last run found not due.", std::to_string(m.not_due));
  RunSample(out, "certpilot_run_backed_off",
            "Due lineages the last run skipped after earlier failures.",
            std::to_string(m.backed_off));
  return out;
}

}  // namespace certpilot::app
