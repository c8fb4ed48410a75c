#include "support/fake_acme_server.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "util/base64url.h"
#include "util/strings.h"

namespace certpilot::testing {
namespace {

using nlohmann::json;

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

std::string RandomToken(size_t bytes = 24) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), int(raw.size()));
  return Base64UrlEncode(raw);
}

http::Response Json(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "application/json"});
  r.body = body.dump();
  return r;
}

http::Response Problem(int status, const std::string& type,
                       const std::string& detail) {
  http::Response r =
      Json(status, {{"type", "urn:ietf:params:acme:error:" + type},
                    {"detail", detail},
                    {"status", status}});
  r.headers[0].second = "application/problem+json";
  return r;
}

PkeyPtr KeyFromJwk(const json& jwk) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::string kty = jwk.value("kty", "");
  const char* type = nullptr;
  std::string point;
  BnPtr n, e;
  if (kty == "EC") {
    type = "EC";
    std::string crv = jwk.value("crv", "");
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                    crv == "P-384" ? "secp384r1" : "prime256v1",
                                    0);
    point = "\x04" + Base64UrlDecode(jwk.value("x", "")).value_or("") +
            Base64UrlDecode(jwk.value("y", "")).value_or("");
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
  } else if (kty == "RSA") {
    type = "RSA";
    std::string nb = Base64UrlDecode(jwk.value("n", "")).value_or("");
    std::string eb = Base64UrlDecode(jwk.value("e", "")).value_or("");
    n.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(nb.data()),
                      int(nb.size()), nullptr));
    e.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(eb.data()),
                      int(eb.size()), nullptr));
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get());
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get());
  } else {
    OSSL_PARAM_BLD_free(bld);
    return nullptr;
  }
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
      EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    key = nullptr;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return PkeyPtr(key);
}

bool VerifyJws(EVP_PKEY* key, const std::string& alg, const std::string& input,
               std::string sig) {
  const EVP_MD* md = alg == "ES384" ? EVP_sha384() : EVP_sha256();
  if (alg == "ES256" || alg == "ES384") {
    size_t half = alg == "ES256" ? 32 : 48;
    if (sig.size() != 2 * half) return false;
    ECDSA_SIG* es = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()),
                          int(half), nullptr);
    BIGNUM* s =
        BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data() + half),
                  int(half), nullptr);
    ECDSA_SIG_set0(es, r, s);
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(es, &der);
    sig.assign(reinterpret_cast<char*>(der), size_t(len));
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
  } else if (alg != "RS256") {
    return false;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()),
                       sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::string PemOf(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, size_t(len));
  BIO_free(bio);
  return out;
}

void SetName(X509_NAME* name, const char* cn) {
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1,
                             0);
}

}  // namespace

struct FakeAcmeServer::Impl {
  PkeyPtr ca_key;
  X509Ptr ca_cert;
  std::set<std::string> issued_nonces;
  std::map<std::string, PkeyPtr> account_keys;  // account URL → key
  std::map<std::string, std::string> account_by_jwk;
  std::set<std::string> forgotten_accounts;  // URLs, after ForgetAccounts
  std::map<std::string, json> account_objects;
  struct Authz {
    std::string identifier_type, value;
    bool wildcard = false;
    std::string status = "pending";
    std::string token;
    bool answered = false;
    int polls_left = 0;
  };
  std::map<int, Authz> authzs;
  struct OrderState {
    json identifiers;
    std::vector<int> authz_ids;
    std::string status = "pending";
    int cert_id = 0;
    int processing_left = 0;  // polls that still say "processing"
  };
  std::map<int, OrderState> orders;
  std::map<int, std::string> certs;
  std::map<std::string, int> revoked;  // leaf DER → reason
  std::vector<std::string> ordered_profiles;
  int next_id = 1;
  std::vector<RecordedRequest> requests;
  std::vector<std::string> violations;

  Impl() {
    ca_key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    ca_cert.reset(X509_new());
    X509_set_version(ca_cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(ca_cert.get()), 1);
    SetName(X509_get_subject_name(ca_cert.get()), "Fake Intermediate");
    SetName(X509_get_issuer_name(ca_cert.get()), "Fake Intermediate");
    X509_gmtime_adj(X509_getm_notBefore(ca_cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(ca_cert.get()), 3600L * 24 * 3650);
    X509_set_pubkey(ca_cert.get(), ca_key.get());
    X509_sign(ca_cert.get(), ca_key.get(), EVP_sha256());
  }

  std::string NewNonce() {
    std::string n = RandomToken(16);
    issued_nonces.insert(n);
    return n;
  }

  std::string Issue(const std::string& csr_der, std::chrono::seconds validity,
                    std::chrono::seconds offset,
                    const std::function<void(X509*)>& edit) {
    const unsigned char* p =
        reinterpret_cast<const unsigned char*>(csr_der.data());
    X509_REQ* req = d2i_X509_REQ(nullptr, &p, long(csr_der.size()));
    if (!req) return "";
    EVP_PKEY* pub = X509_REQ_get0_pubkey(req);
    if (X509_REQ_verify(req, pub) != 1) {
      X509_REQ_free(req);
      return "";
    }
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    std::string serial = RandomToken(12);
    BIGNUM* bn = BN_bin2bn(
        reinterpret_cast<const unsigned char*>(serial.data()), 8, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), long(offset.count()));
    X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                    long((offset + validity).count()));
    X509_set_pubkey(cert.get(), pub);
    STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req);
    for (int i = 0; exts && i < sk_X509_EXTENSION_num(exts); ++i)
      X509_add_ext(cert.get(), sk_X509_EXTENSION_value(exts, i), -1);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    // An Authority Key Identifier, as every public CA sets: ARI (RFC 9773)
    // identifies certificates by it.
    AUTHORITY_KEYID* akid = AUTHORITY_KEYID_new();
    akid->keyid = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(
        akid->keyid,
        reinterpret_cast<const unsigned char*>("fake-ca-key-id-0001"), 19);
    X509_add1_ext_i2d(cert.get(), NID_authority_key_identifier, akid, 0,
                      X509V3_ADD_DEFAULT);
    AUTHORITY_KEYID_free(akid);
    if (edit) edit(cert.get());
    X509_sign(cert.get(), ca_key.get(), EVP_sha256());
    X509_REQ_free(req);
    return PemOf(cert.get()) + PemOf(ca_cert.get());
  }
};

FakeAcmeServer::FakeAcmeServer(std::string base)
    : base_(std::move(base)), impl_(std::make_unique<Impl>()) {}
FakeAcmeServer::~FakeAcmeServer() = default;

std::vector<RecordedRequest> FakeAcmeServer::requests() const {
  std::lock_guard<std::mutex> l(mu_);
  return impl_->requests;
}
std::vector<std::string> FakeAcmeServer::violations() const {
  std::lock_guard<std::mutex> l(mu_);
  return impl_->violations;
}
int FakeAcmeServer::CountRequests(const std::string& prefix) const {
  std::lock_guard<std::mutex> l(mu_);
  int n = 0;
  for (const auto& r : impl_->requests)
    if (StartsWith(r.url, base_ + prefix)) ++n;
  return n;
}
int FakeAcmeServer::RoundTrips() const {
  std::lock_guard<std::mutex> l(mu_);
  return round_trips_;
}

namespace {
// Set while this thread runs a DoAll batch: its requests are no round trips
// of their own.
thread_local bool in_batch = false;
}  // namespace

std::vector<http::Response> FakeAcmeServer::DoAll(
    const std::vector<http::Request>& requests) {
  {
    std::lock_guard<std::mutex> l(mu_);
    ++round_trips_;
  }
  in_batch = true;
  try {
    std::vector<http::Response> responses = HttpClient::DoAll(requests);
    in_batch = false;
    return responses;
  } catch (...) {
    in_batch = false;
    throw;
  }
}

void FakeAcmeServer::ForgetAccounts() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [url, key] : impl_->account_keys)
    impl_->forgotten_accounts.insert(url);
  impl_->account_keys.clear();
  impl_->account_by_jwk.clear();
}

size_t FakeAcmeServer::accounts() const {
  std::lock_guard<std::mutex> l(mu_);
  return impl_->account_keys.size();
}
std::string FakeAcmeServer::AccountStatus(const std::string& url) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = impl_->account_objects.find(url);
  return it == impl_->account_objects.end() ? ""
                                            : it->second.value("status", "");
}

std::optional<int> FakeAcmeServer::RevocationReason(
    const std::string& cert_pem) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = impl_->revoked.find(cert_pem);
  if (it == impl_->revoked.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FakeAcmeServer::OrderedProfiles() const {
  std::lock_guard<std::mutex> l(mu_);
  return impl_->ordered_profiles;
}

std::string FakeAcmeServer::CaCertificatePem() const {
  return PemOf(impl_->ca_cert.get());
}

http::Response FakeAcmeServer::Do(const http::Request& req) {
  std::lock_guard<std::mutex> l(mu_);
  if (!in_batch) ++round_trips_;
  Impl& s = *impl_;
  RecordedRequest rec{req.method, req.url, "", ""};
  auto finish = [&](http::Response r) {
    r.headers.push_back({"Replay-Nonce", s.NewNonce()});
    s.requests.push_back(rec);
    if (tamper) tamper(req, r);
    return r;
  };
  if (intercept)
    if (auto r = intercept(req)) {
      s.requests.push_back(rec);
      return *r;
    }
  if (!StartsWith(req.url, base_)) {
    s.violations.push_back("request to foreign URL " + req.url);
    return finish(Problem(404, "malformed", "not here"));
  }
  std::string path = req.url.substr(base_.size());
  if (path == "/directory") {
    json d = {{"newNonce", base_ + "/new-nonce"},
              {"newAccount", base_ + "/new-account"},
              {"newOrder", base_ + "/new-order"},
              {"revokeCert", base_ + "/revoke"},
              {"keyChange", base_ + "/key-change"},
              {"meta", {{"termsOfService", base_ + "/tos"}}}};
    if (renewal_window) d["renewalInfo"] = base_ + "/renewal-info";
    if (eab_required) d["meta"]["externalAccountRequired"] = true;
    if (!profiles.empty()) d["meta"]["profiles"] = profiles;
    for (auto& [k, v] : directory_extra) d[k] = v;
    if (req.method != "GET")
      s.violations.push_back("directory fetched with " + req.method);
    s.requests.push_back(rec);
    http::Response r = Json(200, d);  // RFC 8555 §7.1.1: no Replay-Nonce here
    if (tamper) tamper(req, r);
    return r;
  }
  if (path == "/new-nonce") {
    http::Response r;
    r.status = req.method == "HEAD" ? 200 : 204;
    return finish(r);
  }
  if (StartsWith(path, "/renewal-info/") && req.method == "GET" &&
      renewal_window) {
    auto fmt = [](std::chrono::system_clock::time_point t) {
      std::time_t secs = std::chrono::system_clock::to_time_t(t);
      char buf[32];
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&secs));
      return std::string(buf);
    };
    http::Response r = Json(200, {{"suggestedWindow",
                                   {{"start", fmt(renewal_window->first)},
                                    {"end", fmt(renewal_window->second)}}}});
    if (renewal_retry_after)
      r.headers.push_back({"Retry-After", *renewal_retry_after});
    s.requests.push_back(rec);
    return r;
  }
  if (req.method != "POST") {
    s.violations.push_back(req.method + " to " + path + " (must be POST)");
    return finish(Problem(405, "malformed", "use POST"));
  }

  // --- JWS checks (RFC 8555 §6.2–§6.5) ---
  bool content_type_ok = false;
  for (auto& [k, v] : req.headers)
    if (ToLower(k) == "content-type" && v == "application/jose+json")
      content_type_ok = true;
  if (!content_type_ok)
    s.violations.push_back("POST " + path + " without application/jose+json");
  json jws = json::parse(req.body, nullptr, false);
  if (jws.is_discarded() || !jws.is_object()) {
    s.violations.push_back("POST " + path + " body is not JSON");
    return finish(Problem(400, "malformed", "bad JWS"));
  }
  std::string p64 = jws.value("protected", ""), pl64 = jws.value("payload", ""),
              sig64 = jws.value("signature", "");
  rec.protected_header = Base64UrlDecode(p64).value_or("");
  rec.payload = Base64UrlDecode(pl64).value_or("");
  json header = json::parse(rec.protected_header, nullptr, false);
  if (header.is_discarded()) {
    s.violations.push_back("POST " + path + " protected header is not JSON");
    return finish(Problem(400, "malformed", "bad header"));
  }
  if (header.value("url", "") != req.url)
    s.violations.push_back("url header " + header.value("url", "") +
                           " != " + req.url);
  bool has_jwk = header.contains("jwk"), has_kid = header.contains("kid");
  if (has_jwk == has_kid)
    s.violations.push_back("POST " + path + ": need exactly one of jwk/kid");
  std::string nonce = header.value("nonce", "");
  bool nonce_ok = s.issued_nonces.erase(nonce) == 1;
  if (!nonce_ok)
    s.violations.push_back("POST " + path +
                           ": nonce not issued or reused: " + nonce);
  EVP_PKEY* key = nullptr;
  PkeyPtr jwk_key;
  std::string kid;
  if (has_jwk) {
    jwk_key = KeyFromJwk(header["jwk"]);
    key = jwk_key.get();
  } else if (has_kid) {
    kid = header.value("kid", "");
    auto it = s.account_keys.find(kid);
    if (it == s.account_keys.end()) {
      if (!s.forgotten_accounts.count(kid))
        s.violations.push_back("unknown kid " + kid);
      return finish(Problem(400, "accountDoesNotExist", "no such account"));
    }
    key = it->second.get();
  }
  if (!key || !VerifyJws(key, header.value("alg", ""), p64 + "." + pl64,
                         Base64UrlDecode(sig64).value_or(""))) {
    s.violations.push_back("POST " + path + ": bad signature");
    return finish(Problem(400, "malformed", "bad signature"));
  }
  if (bad_nonce_next > 0) {
    --bad_nonce_next;
    return finish(Problem(400, "badNonce", "scripted bad nonce"));
  }
  if (!nonce_ok) return finish(Problem(400, "badNonce", "unknown nonce"));
  json payload =
      rec.payload.empty() ? json() : json::parse(rec.payload, nullptr, false);
  bool post_as_get = rec.payload.empty();

  if (path == "/new-account") {
    if (!has_jwk) s.violations.push_back("newAccount signed with kid");
    std::string thumb = header["jwk"].dump();
    auto found = s.account_by_jwk.find(thumb);
    if (found != s.account_by_jwk.end()) {
      http::Response r = Json(200, s.account_objects[found->second]);
      r.headers.push_back({"Location", found->second});
      return finish(r);
    }
    if (payload.value("onlyReturnExisting", false))
      return finish(
          Problem(400, "accountDoesNotExist", "no account for this key"));
    if (!payload.value("termsOfServiceAgreed", false))
      return finish(
          Problem(403, "userActionRequired", "must agree to terms of service"));
    if (eab_required) {
      if (!payload.contains("externalAccountBinding"))
        return finish(Problem(403, "externalAccountRequired",
                              "this CA requires an external account binding"));
      const json& eab = payload["externalAccountBinding"];
      json eh =
          json::parse(Base64UrlDecode(eab.value("protected", "")).value_or(""),
                      nullptr, false);
      std::string kid_eab = eh.is_object() ? eh.value("kid", "") : "";
      auto key_it = eab_keys.find(kid_eab);
      std::string input =
          eab.value("protected", "") + "." + eab.value("payload", "");
      bool ok =
          key_it != eab_keys.end() && eh.value("alg", "") == "HS256" &&
          !eh.contains("nonce") && eh.value("url", "") == req.url &&
          json::parse(Base64UrlDecode(eab.value("payload", "")).value_or(""),
                      nullptr, false) == header["jwk"];
      if (ok) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int mac_len = 0;
        HMAC(EVP_sha256(), key_it->second.data(), int(key_it->second.size()),
             reinterpret_cast<const unsigned char*>(input.data()), input.size(),
             mac, &mac_len);
        ok = Base64UrlDecode(eab.value("signature", "")).value_or("") ==
             std::string(reinterpret_cast<char*>(mac), mac_len);
      }
      if (!ok)
        return finish(Problem(403, "unauthorized",
                              "external account binding does not verify"));
    }
    std::string url = base_ + "/acct/" + std::to_string(s.next_id++);
    s.account_keys[url] = std::move(jwk_key);
    s.account_by_jwk[thumb] = url;
    json acct = {{"status", "valid"}, {"orders", url + "/orders"}};
    if (payload.contains("contact")) acct["contact"] = payload["contact"];
    s.account_objects[url] = acct;
    http::Response r = Json(201, acct);
    r.headers.push_back({"Location", url});
    return finish(r);
  }
  if (path == "/revoke") {
    std::string der =
        Base64UrlDecode(payload.value("certificate", "")).value_or("");
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    X509Ptr cert(d2i_X509(nullptr, &p, long(der.size())));
    std::string pem = cert ? PemOf(cert.get()) : "";
    bool known = false;
    for (auto& [id, chain] : s.certs)
      if (!pem.empty() && chain.rfind(pem, 0) == 0) known = true;
    if (!known) return finish(Problem(404, "malformed", "unknown certificate"));
    // §7.6: with jwk, the key must be the certificate's own.
    if (has_jwk && EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key) != 1)
      return finish(
          Problem(403, "unauthorized", "key does not match the certificate"));
    if (s.revoked.count(pem))
      return finish(Problem(400, "alreadyRevoked", "already revoked"));
    int reason = payload.value("reason", 0);
    if (reason == 2 || reason < 0 || reason > 10)
      return finish(Problem(400, "badRevocationReason", "bad reason"));
    s.revoked[pem] = reason;
    http::Response r;
    r.status = 200;
    return finish(r);
  }
  if (has_jwk)
    s.violations.push_back("POST " + path + " signed with jwk, must use kid");
  if (s.account_objects[kid].value("status", "") == "deactivated")
    return finish(Problem(401, "unauthorized", "account is deactivated"));
  if (StartsWith(path, "/acct/")) {
    if (req.url != kid)
      return finish(Problem(403, "unauthorized", "not your account"));
    json& acct = s.account_objects[kid];
    if (payload.is_object() && payload.contains("contact"))
      acct["contact"] = payload["contact"];
    if (payload.is_object() && payload.value("status", "") == "deactivated")
      acct["status"] = "deactivated";
    return finish(Json(200, acct));
  }
  if (path == "/key-change") {
    // RFC 8555 §7.3.5: the inner JWS is signed by the new key, names the
    // account and the old key, and has the same url.
    json ih = json::parse(
        Base64UrlDecode(payload.value("protected", "")).value_or(""), nullptr,
        false);
    json ip =
        json::parse(Base64UrlDecode(payload.value("payload", "")).value_or(""),
                    nullptr, false);
    PkeyPtr new_key =
        ih.is_object() && ih.contains("jwk") ? KeyFromJwk(ih["jwk"]) : nullptr;
    bool ok =
        new_key && !ih.contains("nonce") && ih.value("url", "") == req.url &&
        ip.is_object() && ip.value("account", "") == kid &&
        VerifyJws(
            new_key.get(), ih.value("alg", ""),
            payload.value("protected", "") + "." + payload.value("payload", ""),
            Base64UrlDecode(payload.value("signature", "")).value_or(""));
    if (ok) {
      // oldKey must be the account's current key.
      std::string old_thumb;
      for (auto& [thumb, url] : s.account_by_jwk)
        if (url == kid) old_thumb = thumb;
      ok = ip["oldKey"].dump() == old_thumb;
      if (ok) {
        s.account_by_jwk.erase(old_thumb);
        s.account_by_jwk[ih["jwk"].dump()] = kid;
        s.account_keys[kid] = std::move(new_key);
      }
    }
    if (!ok) {
      s.violations.push_back("bad keyChange request");
      return finish(Problem(400, "malformed", "bad keyChange"));
    }
    return finish(Json(200, s.account_objects[kid]));
  }

  if (path == "/new-order") {
    Impl::OrderState order;
    order.identifiers = payload["identifiers"];
    s.ordered_profiles.push_back(payload.value("profile", ""));
    if (payload.contains("profile") &&
        !profiles.count(payload.value("profile", "")))
      return finish(Problem(400, "invalidProfile", "unknown profile"));
    for (const json& id : order.identifiers) {
      Impl::Authz a;
      a.identifier_type = id.value("type", "");
      a.value = id.value("value", "");
      if (StartsWith(a.value, "*.")) {
        a.wildcard = true;
        a.value = a.value.substr(2);
      }
      a.token = RandomToken();
      if (authz_already_valid) a.status = "valid";
      int aid = s.next_id++;
      s.authzs[aid] = a;
      order.authz_ids.push_back(aid);
    }
    if (authz_already_valid) order.status = "ready";
    int oid = s.next_id++;
    s.orders[oid] = order;
    std::string url = base_ + "/order/" + std::to_string(oid);
    json o = {{"status", order.status},
              {"identifiers", order.identifiers},
              {"finalize", base_ + "/finalize/" + std::to_string(oid)},
              {"authorizations", json::array()}};
    for (int aid : order.authz_ids)
      o["authorizations"].push_back(base_ + "/authz/" + std::to_string(aid));
    http::Response r = Json(201, o);
    r.headers.push_back({"Location", url});
    return finish(r);
  }

  auto id_of = [&](const std::string& prefix) {
    return std::stoi(path.substr(prefix.size()));
  };
  auto authz_json = [&](int aid) {
    Impl::Authz& a = s.authzs[aid];
    json chals = json::array();
    std::string cbase = base_ + "/chall/" + std::to_string(aid);
    std::string cstatus = a.status == "valid"     ? "valid"
                          : a.status == "invalid" ? "invalid"
                                                  : "pending";
    if (!a.wildcard)
      chals.push_back({{"type", "http-01"},
                       {"url", cbase + "/http-01"},
                       {"status", cstatus},
                       {"token", a.token}});
    chals.push_back({{"type", "dns-01"},
                     {"url", cbase + "/dns-01"},
                     {"status", cstatus},
                     {"token", a.token}});
    if (a.status == "invalid")
      chals[0]["error"] = {{"type", "urn:ietf:params:acme:error:connection"},
                           {"detail", "scripted failure for " + a.value}};
    json j = {{"identifier", {{"type", a.identifier_type}, {"value", a.value}}},
              {"status", a.status},
              {"challenges", chals}};
    if (a.wildcard) j["wildcard"] = true;
    return j;
  };
  auto order_json = [&](int oid) {
    Impl::OrderState& o = s.orders[oid];
    if (o.status == "pending") {
      bool all_valid = true, any_invalid = false;
      for (int aid : o.authz_ids) {
        all_valid &= s.authzs[aid].status == "valid";
        any_invalid |= s.authzs[aid].status == "invalid";
      }
      if (any_invalid)
        o.status = "invalid";
      else if (all_valid)
        o.status = "ready";
    }
    json j = {{"status", o.status},
              {"identifiers", o.identifiers},
              {"finalize", base_ + "/finalize/" + std::to_string(oid)},
              {"authorizations", json::array()}};
    for (int aid : o.authz_ids)
      j["authorizations"].push_back(base_ + "/authz/" + std::to_string(aid));
    if (o.cert_id && o.status == "valid")
      j["certificate"] = base_ + "/cert/" + std::to_string(o.cert_id);
    return j;
  };

  if (StartsWith(path, "/authz/")) {
    if (!post_as_get)
      s.violations.push_back("authorization fetch with a payload");
    int aid = id_of("/authz/");
    Impl::Authz& a = s.authzs[aid];
    http::Response r;
    if (a.answered && a.status == "pending") {
      if (a.polls_left > 0) {
        --a.polls_left;
        r = Json(200, authz_json(aid));
        if (retry_after) r.headers.push_back({"Retry-After", *retry_after});
        return finish(r);
      }
      a.status = failing_names.count(a.value) ? "invalid" : "valid";
    }
    return finish(Json(200, authz_json(aid)));
  }
  if (StartsWith(path, "/chall/")) {
    int aid = std::stoi(path.substr(7, path.find('/', 7) - 7));
    Impl::Authz& a = s.authzs[aid];
    if (!payload.is_object())
      s.violations.push_back("challenge response payload is not {}");
    a.answered = true;
    a.polls_left = pending_polls;
    std::string type = path.substr(path.rfind('/') + 1);
    return finish(Json(200, {{"type", type},
                             {"url", req.url},
                             {"status", "processing"},
                             {"token", a.token}}));
  }
  if (StartsWith(path, "/order/")) {
    if (!post_as_get) s.violations.push_back("order fetch with a payload");
    Impl::OrderState& o = s.orders[id_of("/order/")];
    if (o.status == "processing" && o.processing_left-- == 0)
      o.status = "valid";
    return finish(Json(200, order_json(id_of("/order/"))));
  }
  if (StartsWith(path, "/finalize/")) {
    int oid = id_of("/finalize/");
    json o = order_json(oid);
    if (s.orders[oid].status != "ready")
      return finish(
          Problem(403, "orderNotReady", "order is " + s.orders[oid].status));
    std::string csr = Base64UrlDecode(payload.value("csr", "")).value_or("");
    std::string chain = s.Issue(csr, validity, not_before_offset, edit_issued);
    if (chain.empty())
      return finish(Problem(400, "badCSR", "CSR does not verify"));
    int cid = s.next_id++;
    s.certs[cid] = chain;
    s.orders[oid].status = processing_polls > 0 ? "processing" : "valid";
    s.orders[oid].processing_left = processing_polls;
    s.orders[oid].cert_id = cid;
    http::Response r = Json(200, order_json(oid));
    r.headers.push_back({"Location", base_ + "/order/" + std::to_string(oid)});
    if (processing_polls > 0 && retry_after)
      r.headers.push_back({"Retry-After", *retry_after});
    return finish(r);
  }
  if (StartsWith(path, "/cert/")) {
    if (!post_as_get)
      s.violations.push_back("certificate fetch with a payload");
    http::Response r;
    r.status = 200;
    r.headers.push_back({"Content-Type", "application/pem-certificate-chain"});
    r.body = s.certs[id_of("/cert/")];
    return finish(r);
  }
  return finish(Problem(404, "malformed", "no such resource " + path));
}

http::Response ProblemResponse(int status, const std::string& type,
                               const std::string& detail) {
  return Problem(status, type, detail);
}

}  // namespace certpilot::testing
