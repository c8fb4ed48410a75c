// What the CA said about when to renew a lineage (RFC 9773), kept between
// runs in WORK/renewal-info/NAME.json: the window, the random point chosen
// in it (so it does not move on every run), and when we may ask again
// (Retry-After, RFC 9773 §4.3).
#pragma once

#include <optional>
#include <string>

#include "storage/layout.h"
#include "sys/filesystem.h"
#include "util/clock.h"

namespace certpilot::app {

struct AriState {
  std::string cert_id;  // the certificate it is about
  TimePoint window_start{}, window_end{}, selected{}, next_check{};
};

// nullopt when absent or unreadable (a damaged file is just asked again).
std::optional<AriState> LoadAriState(sys::Filesystem& fs,
                                     const storage::Layout& layout,
                                     const std::string& name);
void SaveAriState(sys::Filesystem& fs, const storage::Layout& layout,
                  const std::string& name, const AriState& state);

}  // namespace certpilot::app
