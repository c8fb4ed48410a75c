// The ARI state of each lineage (app/rules/ari_schedule.h's AriState), kept
// between runs in WORK/renewal-info/NAME.json, a format of its own (seconds
// since the epoch), read back by later versions. Not thread-safe for the
// same lineage.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "app/rules/ari_schedule.h"
#include "storage/layout.h"
#include "sys/filesystem.h"

namespace certpilot::app {

// nullopt when absent or unreadable (a damaged file is just asked again).
std::optional<AriState> LoadAriState(sys::Filesystem& fs,
                                     const storage::Layout& layout,
                                     const std::string& name);
void SaveAriState(sys::Filesystem& fs, const storage::Layout& layout,
                  const std::string& name, const AriState& s);
// The file's text for `s`, and back (nullopt for text that is not such a
// state): also what fleet mode keeps in etcd (fleet/ari_record.h).
std::string AriStateJson(const AriState& s);
std::optional<AriState> ParseAriState(std::string_view text);

// Removes the file, if there is one (the lineage is being deleted).
void RemoveAriState(sys::Filesystem& fs, const storage::Layout& layout,
                    const std::string& name);

}  // namespace certpilot::app
