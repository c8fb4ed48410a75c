// The renewal history of each lineage (app/rules/backoff.h's
// RenewalHistory), kept between runs in WORK/renewal-history/NAME.json, a
// format of its own (seconds since the epoch), written atomically
// (sys::WriteFileAtomic: a crash leaves the old history or the new one).
// Not thread-safe for the same lineage.
#pragma once

#include <optional>
#include <string>

#include "app/rules/backoff.h"
#include "storage/layout.h"
#include "sys/filesystem.h"

namespace certpilot::app {

// nullopt when absent or unreadable (a damaged file holds nothing back).
std::optional<RenewalHistory> LoadRenewalHistory(sys::Filesystem& fs,
                                                 const storage::Layout& layout,
                                                 const std::string& name);
// Throws sys::SysError when the file cannot be written.
void SaveRenewalHistory(sys::Filesystem& fs, const storage::Layout& layout,
                        const std::string& name, const RenewalHistory& h);
// Removes the file, if there is one (the lineage is being deleted).
void RemoveRenewalHistory(sys::Filesystem& fs, const storage::Layout& layout,
                          const std::string& name);

}  // namespace certpilot::app
