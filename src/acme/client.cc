#include "acme/client.h"

#include <algorithm>
#include <utility>

#include "acme/json.h"
#include "crypto/digest.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "util/base64url.h"
#include "util/strings.h"

namespace certpilot::acme {
namespace {

constexpr char kJoseJson[] = "application/jose+json";

bool IsTransientStatus(int status) { return status >= 500 && status <= 599; }

// Link: <https://...>;rel="alternate", <...>;rel="index" (RFC 8288).
std::vector<std::string> LinksWithRel(const http::Response& r,
                                      std::string_view rel) {
  std::vector<std::string> out;
  for (const std::string& header : r.AllHeaders("Link")) {
    for (const std::string& part : Split(header, ',')) {
      std::string_view p = Trim(part);
      size_t lt = p.find('<'), gt = p.find('>');
      if (lt != 0 || gt == std::string_view::npos) continue;
      std::string_view params = p.substr(gt + 1);
      std::string want1 = "rel=\"" + std::string(rel) + "\"";
      std::string want2 = "rel=" + std::string(rel);
      bool match = false;
      for (const std::string& param : Split(params, ';')) {
        std::string_view t = Trim(param);
        if (t == want1 || t == want2) match = true;
      }
      if (match) out.emplace_back(p.substr(1, gt - 1));
    }
  }
  return out;
}

void RequireHttps(const std::string& url, const std::string& field) {
  if (!json::IsHttpsUrl(url))
    throw ProtocolError(field, field + " is not an https URL: " +
                                   StripControl(url.substr(0, 200)));
}

}  // namespace

Client::Client(http::HttpClient& http, Clock& clock, std::string directory_url,
               RetryPolicy policy)
    : http_(http),
      clock_(clock),
      directory_url_(std::move(directory_url)),
      policy_(policy) {
  RequireHttps(directory_url_, "directory URL");
}

namespace {

// ACME has no redirections, and the HTTP layer never follows one (a signed
// request sent again elsewhere could be replayed there; a GET redirected to
// plain http would leave TLS). Say so instead of parsing an empty body.
void RefuseRedirect(const http::Response& r, const std::string& method,
                    const std::string& url) {
  if (r.status < 300 || r.status >= 400) return;
  const std::string to = r.Header("Location").value_or("nowhere");
  throw ProtocolError(
      "status",
      method + " " + url + ": the CA answered " + std::to_string(r.status) +
          " redirecting to " + to.substr(0, 200) +
          "; ACME does not redirect, so certpilot does not follow it");
}

}  // namespace

namespace {
http::Request GetRequest(const std::string& url) {
  http::Request r;
  r.url = url;
  return r;
}
}  // namespace

http::Response Client::Get(const http::Request& req) {
  RequireHttps(req.url, "URL");
  for (int attempt = 0;; ++attempt) {
    http::Response r = http_.Do(req);
    CollectNonce(r);
    RefuseRedirect(r, req.method, req.url);
    if (IsTransientStatus(r.status) &&
        attempt < policy_.max_transient_retries) {
      clock_.Sleep(policy_.transient_backoff * (attempt + 1));
      continue;
    }
    return r;
  }
}

const Directory& Client::GetDirectory() {
  if (directory_) return *directory_;
  http::Response r = Get(GetRequest(directory_url_));
  if (r.status != 200)
    throw ProblemError(json::ParseProblem(r.body, r.status), "GET",
                       directory_url_, std::nullopt);
  directory_ = json::ParseDirectory(r.body);
  return *directory_;
}

void Client::SetAccountKey(crypto::PrivateKey key, std::string kid) {
  jwk_ = crypto::PublicJwk(key);
  key_ = std::move(key);
  if (!kid.empty()) RequireHttps(kid, "account URL");
  kid_ = std::move(kid);
}

void Client::CollectNonce(const http::Response& response) {
  if (auto n = response.Header("Replay-Nonce")) nonces_.Add(*n);
}

http::Request Client::NewNonceRequest() {
  http::Request head;
  head.method = "HEAD";
  head.url = GetDirectory().new_nonce;
  return head;
}

std::string Client::TakeNonce() {
  if (auto n = nonces_.Take()) return *n;
  // §7.2: HEAD newNonce; the nonce comes back in Replay-Nonce.
  http::Response r = Get(NewNonceRequest());
  auto header = r.Header("Replay-Nonce");
  if (!header)
    throw ProtocolError("Replay-Nonce",
                        "newNonce response has no Replay-Nonce");
  if (!NoncePool::IsWellFormed(*header))
    throw ProtocolError("Replay-Nonce", "newNonce returned a malformed nonce");
  // CollectNonce already pooled it.
  if (auto n = nonces_.Take()) return *n;
  return *header;
}

void Client::RequireAccount(bool use_jwk) const {
  if (!key_) throw Error("internal: ACME request without an account key");
  if (!use_jwk && kid_.empty())
    throw Error(
        "internal: kid-signed ACME request before the account is known");
}

Reply Client::Post(const std::string& url, const std::string& payload,
                   bool use_jwk, const http::Headers& extra_headers,
                   size_t max_body_bytes) {
  RequireAccount(use_jwk);
  return SignedPost(url, payload, *key_, use_jwk ? jwk_ : "",
                    use_jwk ? "" : kid_, extra_headers, max_body_bytes,
                    Attempts{});
}

Reply Client::PostWithKey(const std::string& url, const std::string& payload,
                          const crypto::PrivateKey& key) {
  return SignedPost(url, payload, key, crypto::PublicJwk(key), "", {}, 1 << 20,
                    Attempts{});
}

http::Request Client::SignedRequest(const std::string& url,
                                    const std::string& payload,
                                    const crypto::PrivateKey& key,
                                    const std::string& jwk,
                                    const std::string& kid,
                                    const http::Headers& extra_headers,
                                    size_t max_body_bytes) {
  RequireHttps(url, "URL");
  std::string nonce = TakeNonce();
  // §6.2: exactly one of jwk and kid.
  std::string header =
      json::ProtectedHeader(crypto::JwsAlgorithm(key), jwk, kid, nonce, url);
  std::string protected_b64 = Base64UrlEncode(header);
  // §6.3: POST-as-GET has the empty string as payload.
  std::string payload_b64 = Base64UrlEncode(payload);
  std::string sig = crypto::SignJws(key, protected_b64 + "." + payload_b64);

  http::Request req;
  req.method = "POST";
  req.url = url;
  req.headers = {{"Content-Type", kJoseJson}};
  req.headers.insert(req.headers.end(), extra_headers.begin(),
                     extra_headers.end());
  req.body = json::JwsJson(protected_b64, payload_b64, Base64UrlEncode(sig));
  req.max_body_bytes = max_body_bytes;
  return req;
}

std::optional<Reply> Client::Interpret(http::Response r, const std::string& url,
                                       bool post_as_get, Attempts& attempts) {
  std::optional<std::chrono::seconds> retry_after;
  if (auto ra = r.Header("Retry-After"))
    retry_after = ParseRetryAfter(*ra, clock_.Now());
  RefuseRedirect(r, "POST", url);
  if (r.status < 400) {
    Reply reply{std::move(r), "", retry_after};
    if (auto loc = reply.response.Header("Location")) {
      RequireHttps(*loc, "Location header");
      reply.location = *loc;
    }
    return reply;
  }
  Problem problem = json::ParseProblem(r.body, r.status);
  // §6.5: a badNonce response carries a fresh nonce; use it and try again.
  if (problem.type == ProblemType::kBadNonce &&
      attempts.bad_nonces++ < policy_.max_bad_nonce_retries)
    return std::nullopt;
  if (post_as_get && IsTransientStatus(r.status) &&
      attempts.transients++ < policy_.max_transient_retries) {
    clock_.Sleep(policy_.transient_backoff * attempts.transients);
    return std::nullopt;
  }
  throw ProblemError(std::move(problem), "POST", url, retry_after);
}

Reply Client::SignedPost(const std::string& url, const std::string& payload,
                         const crypto::PrivateKey& key, const std::string& jwk,
                         const std::string& kid,
                         const http::Headers& extra_headers,
                         size_t max_body_bytes, Attempts attempts) {
  while (true) {
    http::Response r = http_.Do(SignedRequest(url, payload, key, jwk, kid,
                                              extra_headers, max_body_bytes));
    CollectNonce(r);
    if (std::optional<Reply> reply =
            Interpret(std::move(r), url, payload.empty(), attempts))
      return std::move(*reply);
  }
}

std::vector<Reply> Client::PostAll(
    const std::vector<std::pair<std::string, std::string>>& posts,
    size_t stock) {
  RequireAccount(false);
  std::vector<Reply> replies;
  for (size_t begin = 0; begin < posts.size(); begin += kMaxBatch) {
    const size_t end = std::min(posts.size(), begin + kMaxBatch);
    const bool last = end == posts.size();
    // One nonce per request: those the pool lacks are fetched first, all at
    // once (§7.2), one round trip instead of one each.
    if (nonces_.size() < end - begin) {
      std::vector<http::Request> heads(end - begin - nonces_.size(),
                                       NewNonceRequest());
      for (const http::Response& r : http_.DoAll(heads)) CollectNonce(r);
    }
    std::vector<http::Request> batch;
    for (size_t i = begin; i < end; ++i)
      batch.push_back(SignedRequest(posts[i].first, posts[i].second, *key_, "",
                                    kid_, {}, 1 << 20));
    if (last && stock > 0)
      batch.resize(batch.size() + std::min(stock, kMaxBatch),
                   NewNonceRequest());
    std::vector<http::Response> responses = http_.DoAll(batch);
    for (const http::Response& r : responses) CollectNonce(r);
    for (size_t i = begin; i < end; ++i) {
      const auto& [url, payload] = posts[i];
      Attempts attempts;
      std::optional<Reply> reply = Interpret(std::move(responses[i - begin]),
                                             url, payload.empty(), attempts);
      replies.push_back(reply ? std::move(*reply)
                              : SignedPost(url, payload, *key_, "", kid_, {},
                                           1 << 20, attempts));
    }
  }
  return replies;
}

Account Client::UpdateAccount(const std::vector<std::string>& contact) {
  Reply reply = Post(kid_, json::UpdateAccountPayload(contact));
  return json::ParseAccount(reply.response.body, kid_);
}

Account Client::DeactivateAccount() {
  Reply reply = Post(kid_, json::DeactivatePayload());
  return json::ParseAccount(reply.response.body, kid_);
}

void Client::ChangeKey(const crypto::PrivateKey& new_key) {
  const Directory& dir = GetDirectory();
  if (dir.key_change.empty())
    throw Error("the CA does not support account key rollover");
  if (kid_.empty())
    throw Error("internal: key change before the account is known");
  // §7.3.5: the inner JWS proves possession of the new key: signed by it,
  // with its jwk, the keyChange URL and no nonce; its payload names the
  // account and the old key.
  std::string inner_header =
      json::ProtectedHeader(crypto::JwsAlgorithm(new_key),
                            crypto::PublicJwk(new_key), "", "", dir.key_change);
  std::string inner_payload = json::KeyChangePayload(kid_, jwk_);
  std::string p64 = Base64UrlEncode(inner_header);
  std::string pl64 = Base64UrlEncode(inner_payload);
  std::string inner = json::JwsJson(
      p64, pl64, Base64UrlEncode(crypto::SignJws(new_key, p64 + "." + pl64)));
  Post(dir.key_change, inner);
  SetAccountKey(new_key, kid_);
}

void Client::RevokeCertificate(std::string_view cert_der, int reason,
                               const crypto::PrivateKey* certificate_key) {
  const Directory& dir = GetDirectory();
  if (dir.revoke_cert.empty())
    throw Error("the CA does not support revocation");
  std::string payload = json::RevokePayload(cert_der, reason);
  if (certificate_key)
    PostWithKey(dir.revoke_cert, payload, *certificate_key);
  else
    Post(dir.revoke_cert, payload);
}

RenewalInfo Client::GetRenewalInfo(
    const std::string& cert_id,
    std::optional<std::chrono::seconds>* retry_after) {
  const Directory& dir = GetDirectory();
  if (dir.renewal_info.empty())
    throw Error("internal: the CA does not offer renewalInfo");
  std::string url = dir.renewal_info;
  if (url.back() != '/') url += '/';
  url += cert_id;
  http::Response r = Get(GetRequest(url));
  if (retry_after) {
    *retry_after = std::nullopt;
    if (auto ra = r.Header("Retry-After"))
      *retry_after = ParseRetryAfter(*ra, clock_.Now());
  }
  if (r.status != 200)
    throw ProblemError(json::ParseProblem(r.body, r.status), "GET", url,
                       std::nullopt);
  return json::ParseRenewalInfo(r.body);
}

std::string Client::KeyAuthorization(const std::string& token) const {
  if (!key_) throw Error("internal: key authorization without an account key");
  return token + "." + crypto::JwkThumbprint(*key_);
}

Account Client::NewAccount(const NewAccountOptions& options) {
  const Directory& dir = GetDirectory();
  std::string eab;
  if (!options.eab_kid.empty()) {
    // §7.3.4: a JWS over the account's public JWK, MACed with the CA-issued
    // key, with the newAccount URL and no nonce.
    std::string header = json::ProtectedHeader(
        options.eab_algorithm, "", options.eab_kid, "", dir.new_account);
    std::string p64 = Base64UrlEncode(header);
    std::string pl64 = Base64UrlEncode(jwk_);
    std::string mac = crypto::Hmac(options.eab_algorithm, options.eab_hmac_key,
                                   p64 + "." + pl64);
    eab = json::JwsJson(p64, pl64, Base64UrlEncode(mac));
  }
  Reply reply =
      Post(dir.new_account,
           json::NewAccountPayload(options.contact,
                                   options.terms_of_service_agreed, false, eab),
           /*use_jwk=*/true);
  if (reply.location.empty())
    throw ProtocolError("Location",
                        "newAccount response has no Location header");
  Account account = json::ParseAccount(reply.response.body, reply.location);
  kid_ = account.url;
  return account;
}

std::optional<Account> Client::FindAccount() {
  const Directory& dir = GetDirectory();
  try {
    Reply reply =
        Post(dir.new_account, json::NewAccountPayload({}, false, true, ""),
             /*use_jwk=*/true);
    if (reply.location.empty())
      throw ProtocolError("Location",
                          "account lookup response has no Location header");
    Account account = json::ParseAccount(reply.response.body, reply.location);
    kid_ = account.url;
    return account;
  } catch (const ProblemError& e) {
    if (e.problem().type == ProblemType::kAccountDoesNotExist)
      return std::nullopt;
    throw;
  }
}

Account Client::GetAccount() {
  Reply reply = Post(kid_, "");
  return json::ParseAccount(reply.response.body, kid_);
}

Order Client::NewOrder(const std::vector<Identifier>& identifiers,
                       const std::string& replaces,
                       const std::string& profile) {
  const Directory& dir = GetDirectory();
  // Its authorizations will be fetched as one batch, a nonce each: the
  // newOrder response brings one, the others come in the same round trip.
  const size_t stock = identifiers.size() > 1 ? identifiers.size() - 1 : 0;
  Reply reply =
      std::move(PostAll({{dir.new_order, json::NewOrderPayload(
                                             identifiers, replaces, profile)}},
                        stock)
                    .front());
  if (reply.location.empty())
    throw ProtocolError("Location", "newOrder response has no Location header");
  return json::ParseOrder(reply.response.body, reply.location);
}

Order Client::GetOrder(const std::string& url,
                       std::optional<std::chrono::seconds>* retry_after) {
  Reply reply = Post(url, "");
  if (retry_after) *retry_after = reply.retry_after;
  return json::ParseOrder(reply.response.body, url);
}

Authorization Client::GetAuthorization(
    const std::string& url, std::optional<std::chrono::seconds>* retry_after) {
  Reply reply = Post(url, "");
  if (retry_after) *retry_after = reply.retry_after;
  return json::ParseAuthorization(reply.response.body, url);
}

std::vector<Authorization> Client::GetAuthorizations(
    const std::vector<std::string>& urls,
    std::vector<std::optional<std::chrono::seconds>>* retry_after) {
  std::vector<std::pair<std::string, std::string>> posts;
  for (const std::string& url : urls) posts.emplace_back(url, "");
  std::vector<Reply> replies = PostAll(posts);
  std::vector<Authorization> out;
  if (retry_after) retry_after->clear();
  for (size_t i = 0; i < urls.size(); ++i) {
    out.push_back(json::ParseAuthorization(replies[i].response.body, urls[i]));
    if (retry_after) retry_after->push_back(replies[i].retry_after);
  }
  return out;
}

std::vector<Challenge> Client::RespondToChallenges(
    const std::vector<std::string>& urls) {
  std::vector<std::pair<std::string, std::string>> posts;
  for (const std::string& url : urls)
    posts.emplace_back(url, json::EmptyObjectPayload());
  std::vector<Challenge> out;
  for (const Reply& reply : PostAll(posts))
    out.push_back(json::ParseChallenge(reply.response.body));
  return out;
}

Challenge Client::RespondToChallenge(const std::string& url) {
  Reply reply = Post(url, json::EmptyObjectPayload());
  return json::ParseChallenge(reply.response.body);
}

Order Client::Finalize(const Order& order, std::string_view csr_der,
                       std::optional<std::chrono::seconds>* retry_after) {
  Reply reply = Post(order.finalize, json::FinalizePayload(csr_der));
  if (retry_after) *retry_after = reply.retry_after;
  return json::ParseOrder(reply.response.body, order.url);
}

CertificateChain Client::DownloadCertificate(const std::string& url) {
  Reply reply =
      Post(url, "", false, {{"Accept", "application/pem-certificate-chain"}});
  CertificateChain chain;
  chain.pem = std::move(reply.response.body);
  for (std::string& alt : LinksWithRel(reply.response, "alternate")) {
    RequireHttps(alt, "Link rel=\"alternate\"");
    chain.alternates.push_back(std::move(alt));
  }
  return chain;
}

}  // namespace certpilot::acme
