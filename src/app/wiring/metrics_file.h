// `renew --metrics-file PATH`: the run's metrics (app/types/metrics_text.h)
// written where node_exporter's textfile collector reads them, replaced
// atomically (a temporary file beside PATH, whose name does not end in
// .prom, renamed over it), mode 0644 so that the exporter's user can read
// it.
#pragma once

#include <string>

#include "app/types/metrics_text.h"
#include "app/wiring/lineage_info.h"
#include "sys/filesystem.h"

namespace certpilot::app {

// A lineage's metrics from what InspectLineage read (and the run then
// updated): its certificate's dates unless it could not be read, and its
// renewal history.
LineageMetrics LineageMetricsOf(const LineageInfo& info);

// Throws sys::SysError when PATH cannot be written.
void WriteMetricsFile(sys::Filesystem& fs, const std::string& path,
                      const RunMetrics& m);

}  // namespace certpilot::app
