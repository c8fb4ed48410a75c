// Anti-replay nonces (RFC 8555 §6.5, §7.2).
//
// Every response's Replay-Nonce feeds the pool; a request takes one. Each
// nonce is used at most once. Malformed values (not base64url, or absurdly
// long) are dropped, never sent back. Thread-safe.
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <string>

namespace certpilot::acme {

class NoncePool {
 public:
  // Adds `nonce` if it is well-formed; returns whether it was kept.
  bool Add(const std::string& nonce);
  std::optional<std::string> Take();
  size_t size() const;

  static bool IsWellFormed(const std::string& nonce);

 private:
  static constexpr size_t kMaxPooled = 64;
  mutable std::mutex mu_;
  std::deque<std::string> nonces_;
};

}  // namespace certpilot::acme
