#include "app/wiring/renewal_history.h"

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace certpilot::app {
namespace {

std::string DirOf(const storage::Layout& layout) {
  return layout.work_dir + "/renewal-history";
}

std::string PathOf(const storage::Layout& layout, const std::string& name) {
  return DirOf(layout) + "/" + name + ".json";
}

}  // namespace

std::optional<RenewalHistory> LoadRenewalHistory(sys::Filesystem& fs,
                                                 const storage::Layout& layout,
                                                 const std::string& name) {
  const std::string path = PathOf(layout, name);
  nlohmann::json j;
  try {
    if (!fs.Exists(path)) return std::nullopt;
    j = nlohmann::json::parse(fs.ReadFile(path), nullptr, false);
  } catch (const Error&) {  // unreadable: as if absent (see the header)
    return std::nullopt;
  }
  try {
    RenewalHistory h;
    h.serial = j.at("serial").get<std::string>();
    h.last_attempt = FromUnixSeconds(j.at("last_attempt").get<long long>());
    h.last_succeeded = j.at("last_succeeded").get<bool>();
    h.failures = j.at("failures").get<int>();
    h.reason = j.at("reason").get<std::string>();
    h.next_attempt = FromUnixSeconds(j.at("next_attempt").get<long long>());
    return h;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

void SaveRenewalHistory(sys::Filesystem& fs, const storage::Layout& layout,
                        const std::string& name, const RenewalHistory& h) {
  nlohmann::json j = {{"serial", h.serial},
                      {"last_attempt", UnixSeconds(h.last_attempt)},
                      {"last_succeeded", h.last_succeeded},
                      {"failures", h.failures},
                      {"reason", h.reason},
                      {"next_attempt", UnixSeconds(h.next_attempt)}};
  fs.MakeDirs(DirOf(layout), 0700);
  // A reason that is not UTF-8 (a CA's bytes) is kept with U+FFFD in place
  // of the bad bytes rather than lost.
  sys::WriteFileAtomic(
      fs, PathOf(layout, name),
      j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
      0600);
}

void RemoveRenewalHistory(sys::Filesystem& fs, const storage::Layout& layout,
                          const std::string& name) {
  const std::string path = PathOf(layout, name);
  if (fs.Exists(path)) fs.Unlink(path);
}

}  // namespace certpilot::app
