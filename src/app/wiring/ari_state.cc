#include "app/wiring/ari_state.h"

#include <nlohmann/json.hpp>

namespace certpilot::app {
namespace {

std::string PathOf(const storage::Layout& layout, const std::string& name) {
  return layout.work_dir + "/renewal-info/" + name + ".json";
}

}  // namespace

std::string AriStateJson(const AriState& s) {
  return nlohmann::json{{"cert_id", s.cert_id},
                        {"window_start", UnixSeconds(s.window_start)},
                        {"window_end", UnixSeconds(s.window_end)},
                        {"selected", UnixSeconds(s.selected)},
                        {"next_check", UnixSeconds(s.next_check)}}
             .dump() +
         "\n";
}

std::optional<AriState> ParseAriState(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  try {
    AriState s;
    s.cert_id = j.at("cert_id").get<std::string>();
    s.window_start = FromUnixSeconds(j.at("window_start").get<long long>());
    s.window_end = FromUnixSeconds(j.at("window_end").get<long long>());
    s.selected = FromUnixSeconds(j.at("selected").get<long long>());
    s.next_check = FromUnixSeconds(j.at("next_check").get<long long>());
    return s;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::optional<AriState> LoadAriState(sys::Filesystem& fs,
                                     const storage::Layout& layout,
                                     const std::string& name) {
  const std::string path = PathOf(layout, name);
  if (!fs.Exists(path)) return std::nullopt;
  return ParseAriState(fs.ReadFile(path));
}

void SaveAriState(sys::Filesystem& fs, const storage::Layout& layout,
                  const std::string& name, const AriState& s) {
  fs.MakeDirs(layout.work_dir + "/renewal-info", 0700);
  sys::WriteFileAtomic(fs, PathOf(layout, name), AriStateJson(s), 0600);
}

void RemoveAriState(sys::Filesystem& fs, const storage::Layout& layout,
                    const std::string& name) {
  const std::string path = PathOf(layout, name);
  if (fs.Exists(path)) fs.Unlink(path);
}

}  // namespace certpilot::app
