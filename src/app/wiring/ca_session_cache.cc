#include "app/wiring/ca_session_cache.h"

#include <exception>
#include <nlohmann/json.hpp>

#include "acme/json.h"
#include "crypto/digest.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

std::string PathFor(const storage::Layout& layout, const std::string& url) {
  return layout.work_dir + "/acme-session/" + crypto::Md5Hex(url) + ".json";
}

}  // namespace

CaSessionCache::CaSessionCache(sys::Filesystem& fs,
                               const storage::Layout& layout, Clock& clock,
                               acme::Client& client)
    : fs_(fs),
      clock_(clock),
      client_(client),
      path_(PathFor(layout, client.directory_url())),
      directory_fetched_(clock.Now()),
      exceptions_at_start_(std::uncaught_exceptions()) {
  try {
    if (client_.directory() || !fs_.Exists(path_)) return;
    const std::string text = fs_.ReadFile(path_);
    fs_.Unlink(path_);  // consumed: a nonce is used once
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || j.value("url", "") != client_.directory_url()) return;
    const TimePoint now = clock_.Now();
    const TimePoint fetched =
        FromUnixSeconds(j.at("directory_fetched").get<long long>());
    if (fetched > now || now - fetched > kDirectoryMaxAge) return;
    client_.SetDirectory(
        acme::json::ParseDirectory(j.at("directory").get<std::string>()));
    directory_fetched_ = fetched;
    const TimePoint kept = FromUnixSeconds(j.at("nonce_kept").get<long long>());
    if (kept <= now && now - kept <= kNonceMaxAge)
      client_.AddNonce(j.at("nonce").get<std::string>());
    log::Debug("Using the directory of " +
               StripControl(client_.directory_url()) +
               " kept by an earlier run");
  } catch (const std::exception& e) {
    log::Debug("Ignoring the kept ACME session " + path_ + ": " + e.what());
  }
}

CaSessionCache::~CaSessionCache() {
  if (std::uncaught_exceptions() > exceptions_at_start_) return;
  if (!client_.directory()) return;
  try {
    nlohmann::json j = {{"url", client_.directory_url()},
                        {"directory", client_.directory()->raw_json},
                        {"directory_fetched", UnixSeconds(directory_fetched_)}};
    if (std::optional<std::string> nonce = client_.TakeSpareNonce()) {
      j["nonce"] = *nonce;
      j["nonce_kept"] = UnixSeconds(clock_.Now());
    } else {
      j["nonce"] = "";
      j["nonce_kept"] = 0;
    }
    const std::string dir = path_.substr(0, path_.rfind('/'));
    fs_.MakeDirs(dir, 0700);
    sys::WriteFileAtomic(fs_, path_, j.dump() + "\n", 0600);
  } catch (const std::exception& e) {
    log::Debug("Could not keep the ACME session in " + path_ + ": " + e.what());
  }
}

}  // namespace certpilot::app
