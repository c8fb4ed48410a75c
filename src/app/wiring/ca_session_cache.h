// The CA's directory and one unused nonce, kept between runs in
// WORK/acme-session/<MD5 of the directory URL>.json, so that a run soon
// after another (a script issuing certificates one after another, a renew
// right after a certonly) skips GET directory (RFC 8555 §7.1.1) and
// HEAD newNonce (§7.2): two of the ten or so round trips of an issuance.
//
// Bounded: the directory is used for at most kDirectoryMaxAge after it was
// fetched, the nonce for at most kNonceMaxAge. A nonce the CA has forgotten
// costs a badNonce answer, which carries a fresh nonce (§6.5): the round
// trip HEAD newNonce would have cost, no more.
//
// Consumed: restoring removes the file and only a run that ends without an
// exception saves it again, so after a failure (perhaps the CA moved an
// endpoint) the next run fetches everything afresh. A damaged, foreign or
// expired file is ignored. A format of this program's own (seconds since
// the epoch).
#pragma once

#include <chrono>

#include "acme/client.h"
#include "storage/layout.h"
#include "sys/filesystem.h"
#include "util/clock.h"

namespace certpilot::app {

inline constexpr std::chrono::hours kDirectoryMaxAge{1};
inline constexpr std::chrono::minutes kNonceMaxAge{5};

// Restores into `client` what an earlier run kept for its directory URL (at
// construction), and keeps what `client` has at the end of a scope left
// normally. Does no network I/O. Failures to read or write the cache are
// logged at debug level and otherwise ignored: it only saves time.
class CaSessionCache {
 public:
  CaSessionCache(sys::Filesystem& fs, const storage::Layout& layout,
                 Clock& clock, acme::Client& client);
  ~CaSessionCache();
  CaSessionCache(const CaSessionCache&) = delete;
  CaSessionCache& operator=(const CaSessionCache&) = delete;

 private:
  sys::Filesystem& fs_;
  Clock& clock_;
  acme::Client& client_;
  std::string path_;
  TimePoint directory_fetched_;  // when the client's directory was fetched
  int exceptions_at_start_;
};

}  // namespace certpilot::app
