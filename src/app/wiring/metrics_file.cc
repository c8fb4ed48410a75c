#include "app/wiring/metrics_file.h"

namespace certpilot::app {

LineageMetrics LineageMetricsOf(const LineageInfo& info) {
  LineageMetrics m;
  m.name = info.name;
  if (info.problem.empty()) {
    m.not_after = info.not_after;
    m.renew_after = info.renew_after;
  }
  if (const std::optional<RenewalHistory>& h = info.history) {
    m.last_attempt = h->last_attempt;
    m.last_attempt_succeeded = h->last_succeeded;
  }
  if (std::optional<RenewalFailure> f =
          CurrentFailures(info.history, info.serial)) {
    m.consecutive_failures = f->failures;
    m.next_attempt = f->next_attempt;
  }
  return m;
}

void WriteMetricsFile(sys::Filesystem& fs, const std::string& path,
                      const RunMetrics& m) {
  sys::WriteFileAtomic(fs, path, MetricsText(m), 0644);
}

}  // namespace certpilot::app
