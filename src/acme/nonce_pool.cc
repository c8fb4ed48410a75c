#include "acme/nonce_pool.h"

#include "util/base64url.h"

namespace certpilot::acme {

bool NoncePool::IsWellFormed(const std::string& nonce) {
  // §6.5.1: the value is base64url; 512 is far above any CA's nonce length.
  return nonce.size() <= 512 && IsBase64Url(nonce);
}

bool NoncePool::Add(const std::string& nonce) {
  if (!IsWellFormed(nonce)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  nonces_.push_back(nonce);
  // Newest nonces are the least likely to have expired at the CA.
  if (nonces_.size() > kMaxPooled) nonces_.pop_front();
  return true;
}

std::optional<std::string> NoncePool::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  if (nonces_.empty()) return std::nullopt;
  std::string n = std::move(nonces_.back());
  nonces_.pop_back();
  return n;
}

size_t NoncePool::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return nonces_.size();
}

}  // namespace certpilot::acme
