// The ACME "plumbing": one method per RFC 8555 operation, nothing more. The
// order flow (which calls, in which order, with which waits) lives in
// issuance/obtain.h.
//
// Client signs every POST as a flattened JWS (§6.2): with `jwk` for
// newAccount (and account lookup), with `kid` (the account URL) otherwise.
// It keeps a NoncePool fed by every Replay-Nonce (§6.5) and fetches a nonce
// with HEAD newNonce only when the pool is empty. Authenticated fetches are
// POST-as-GET (§6.3). Every URL it follows or posts to is checked to be
// https first (§6.1).
//
// Retries happen here and only here: badNonce (with the nonce from the error
// response, up to RetryPolicy::max_bad_nonce_retries), and transient 5xx on
// GETs. Everything else throws ProblemError / ProtocolError /
// http::TransportError.
//
// Batches: GetAuthorizations and RespondToChallenges send their requests as
// one http::HttpClient::DoAll batch (about one round trip for all of them,
// each with its own nonce), and NewOrder fetches, in the same round trip as
// the order, the nonces that the batch of its authorizations will need.
//
// Not thread-safe: one Client per thread (it uses one HttpClient, which keeps
// one connection). Waiting goes through the injected Clock.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "acme/nonce_pool.h"
#include "acme/problem.h"
#include "acme/retry_policy.h"
#include "acme/types.h"
#include "crypto/private_key.h"
#include "http/http_client.h"
#include "util/clock.h"

namespace certpilot::acme {

struct NewAccountOptions {
  std::vector<std::string> contact;  // "mailto:..."
  bool terms_of_service_agreed = false;
  // External account binding (§7.3.4): key id and the MAC key (raw bytes).
  std::string eab_kid;
  std::string eab_hmac_key;
  std::string eab_algorithm = "HS256";
};

// Result of a POST/GET with its Location header and Retry-After, if any.
struct Reply {
  http::Response response;
  std::string location;
  std::optional<std::chrono::seconds> retry_after;
};

class Client {
 public:
  // REQUIRES: directory_url is https (throws ProtocolError otherwise).
  // `http` and `clock` must outlive the client. No I/O here.
  Client(http::HttpClient& http, Clock& clock, std::string directory_url,
         RetryPolicy policy = {});

  // §7.1.1. Fetched on first use and cached.
  const Directory& GetDirectory();
  // Uses `d` (fetched by another client for the same URL) instead of
  // fetching it: one directory request serves many clients.
  void SetDirectory(Directory d) { directory_ = std::move(d); }
  // The directory, if it has been fetched or set.
  const std::optional<Directory>& directory() const { return directory_; }
  // A nonce kept from elsewhere (an earlier run), used before any other.
  // One the CA no longer knows costs a badNonce answer, which carries a
  // fresh nonce (§6.5): the round trip HEAD newNonce would have cost.
  void AddNonce(const std::string& nonce) { nonces_.Add(nonce); }
  // A nonce not yet used, taken out of the client, to keep for later.
  std::optional<std::string> TakeSpareNonce() { return nonces_.Take(); }

  // The account key and, once known, its URL (kid). Set before any
  // kid-signed call.
  void SetAccountKey(crypto::PrivateKey key, std::string kid = "");
  const std::string& kid() const { return kid_; }
  const std::string& directory_url() const { return directory_url_; }
  const std::optional<crypto::PrivateKey>& account_key() const { return key_; }

  // §7.3: creates the account (or returns the existing one for this key —
  // the CA answers 200). Sets kid.
  Account NewAccount(const NewAccountOptions& options);
  // §7.3.1 onlyReturnExisting: nullopt if the CA has no account for the key.
  std::optional<Account> FindAccount();
  Account GetAccount();

  // §7.4. replaces: RFC 9773 certificate ID; profile: draft profiles.
  Order NewOrder(const std::vector<Identifier>& identifiers,
                 const std::string& replaces = "",
                 const std::string& profile = "");
  Order GetOrder(const std::string& url,
                 std::optional<std::chrono::seconds>* retry_after = nullptr);
  Authorization GetAuthorization(
      const std::string& url,
      std::optional<std::chrono::seconds>* retry_after = nullptr);
  // The same for several authorizations at once; results in the order of
  // `urls`, with each response's Retry-After in *retry_after if given.
  std::vector<Authorization> GetAuthorizations(
      const std::vector<std::string>& urls,
      std::vector<std::optional<std::chrono::seconds>>* retry_after = nullptr);
  // §7.5.1: tells the CA the challenge is ready to be validated.
  Challenge RespondToChallenge(const std::string& url);
  // The same for several challenges at once (only once every response is in
  // place, §8.2); results in the order of `urls`.
  std::vector<Challenge> RespondToChallenges(
      const std::vector<std::string>& urls);
  // §7.4: submits the CSR (DER). A "processing" answer may carry a
  // Retry-After, given in *retry_after.
  Order Finalize(const Order& order, std::string_view csr_der,
                 std::optional<std::chrono::seconds>* retry_after = nullptr);
  // §7.4.2: Accept: application/pem-certificate-chain. The PEM is checked
  // to hold only CERTIFICATE blocks (§11.4) by the caller's crypto layer.
  CertificateChain DownloadCertificate(const std::string& url);

  // §7.3.2: replaces the account's contacts; returns the updated account.
  Account UpdateAccount(const std::vector<std::string>& contact);
  // §7.3.6: deactivates the account. The CA refuses it from then on.
  Account DeactivateAccount();
  // §7.3.5: rolls the account over to `new_key` (inner JWS signed by the new
  // key, outer by the current one). On success the client signs with the
  // new key. REQUIRES: new_key is not the current key.
  void ChangeKey(const crypto::PrivateKey& new_key);
  // §7.6: revokes `cert_der` with CRL reason code `reason`. Signed with the
  // account key (kid), or — when `certificate_key` is given — with the
  // certificate's own key (jwk), which needs no account.
  void RevokeCertificate(std::string_view cert_der, int reason,
                         const crypto::PrivateKey* certificate_key = nullptr);

  // RFC 9773 §4.2: GET renewalInfo/<cert_id> (unauthenticated). REQUIRES:
  // the directory has renewalInfo. Sets *retry_after from the response.
  RenewalInfo GetRenewalInfo(
      const std::string& cert_id,
      std::optional<std::chrono::seconds>* retry_after = nullptr);

  // The key authorization for `token` (§8.1): token "." thumbprint.
  std::string KeyAuthorization(const std::string& token) const;

  // A signed POST with `payload` ("" = POST-as-GET). Public for the
  // operations later issues add (revoke, keyChange, ...).
  Reply Post(const std::string& url, const std::string& payload,
             bool use_jwk = false,
             const std::vector<std::pair<std::string, std::string>>&
                 extra_headers = {},
             size_t max_body_bytes = 1 << 20);
  // The same, signed with `key` and its jwk instead of the account key.
  Reply PostWithKey(const std::string& url, const std::string& payload,
                    const crypto::PrivateKey& key);
  // Kid-signed POSTs of (url, payload) pairs as batches of at most
  // kMaxBatch, each with its own nonce. `stock` more nonces are fetched
  // (HEAD newNonce) in the same batch, for a batch to come. A request
  // answered badNonce or a transient error is sent again on its own, as
  // Post() would. Replies in order; throws the first failure in order, after
  // every response's nonce has been pooled.
  std::vector<Reply> PostAll(
      const std::vector<std::pair<std::string, std::string>>& posts,
      size_t stock = 0);

  // Requests in flight at once in one batch: enough for the names of a
  // typical order, few enough for any server's HTTP/2 stream limit.
  static constexpr size_t kMaxBatch = 32;

 private:
  // Retries spent on one signed POST (badNonce, transient errors).
  struct Attempts {
    int bad_nonces = 0, transients = 0;
  };
  Reply SignedPost(const std::string& url, const std::string& payload,
                   const crypto::PrivateKey& key, const std::string& jwk,
                   const std::string& kid, const http::Headers& extra_headers,
                   size_t max_body_bytes, Attempts attempts);
  http::Request SignedRequest(const std::string& url,
                              const std::string& payload,
                              const crypto::PrivateKey& key,
                              const std::string& jwk, const std::string& kid,
                              const http::Headers& extra_headers,
                              size_t max_body_bytes);
  // What a response to a signed POST means: the reply, or nullopt when it
  // is to be sent again (badNonce, transient error within the policy);
  // throws ProblemError otherwise.
  std::optional<Reply> Interpret(http::Response r, const std::string& url,
                                 bool post_as_get, Attempts& attempts);
  void RequireAccount(bool use_jwk) const;
  // §7.2: HEAD newNonce.
  http::Request NewNonceRequest();
  std::string TakeNonce();
  void CollectNonce(const http::Response& response);
  // An unsigned GET or HEAD, retried on transient statuses (the directory,
  // newNonce, renewalInfo).
  http::Response Get(const http::Request& req);

  http::HttpClient& http_;
  Clock& clock_;
  std::string directory_url_;
  RetryPolicy policy_;
  std::optional<Directory> directory_;
  std::optional<crypto::PrivateKey> key_;
  std::string kid_;
  std::string jwk_;  // cached canonical public JWK of key_
  NoncePool nonces_;
};

}  // namespace certpilot::acme
