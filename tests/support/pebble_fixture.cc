#include "support/pebble_fixture.h"

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "support/daemon.h"
#include "support/free_port.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

constexpr const char* kPebbleBin = "/usr/bin/pebble";
constexpr const char* kChalltestsrvBin = "/usr/bin/pebble-challtestsrv";
constexpr const char* kNotInstalled =
    "pebble is not installed: run ./scripts/test (it apt-get installs pebble)";

[[noreturn]] void Fail(const std::string& message) {
  throw std::runtime_error("PebbleFixture: " + message);
}

// ---------------------------------------------------------------------------
// Throwaway TLS certificates for Pebble's listener (OpenSSL 3 API).

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

[[noreturn]] void FailSsl(const std::string& what) {
  std::string message = what;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    message += std::string(": ") + buf;
  }
  Fail(message);
}

PkeyPtr NewKey() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) FailSsl("generating a P-256 key");
  return key;
}

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtFree> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    FailSsl(std::string("adding extension ") + OBJ_nid2sn(nid) + "=" + value);
  }
}

// issuer == nullptr: self-signed CA. Otherwise a TLS server certificate.
X509Ptr MakeCert(EVP_PKEY* key, const char* common_name, X509* issuer,
                 EVP_PKEY* issuer_key, const std::string& extra_ip = "") {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    FailSsl("X509_new");
  }
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) FailSsl("RAND_bytes");
  serial_bytes[0] &= 0x7f;
  std::unique_ptr<BIGNUM, BnFree> serial(
      BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  if (!serial ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    FailSsl("setting the serial number");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn = common_name;
  if (X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_ASC,
          reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) != 1) {
    FailSsl("setting the subject");
  }
  if (X509_set_issuer_name(
          cert.get(), issuer ? X509_get_subject_name(issuer) : name) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600) ||
      X509_set_pubkey(cert.get(), key) != 1) {
    FailSsl("filling the certificate");
  }
  X509* signer = issuer ? issuer : cert.get();
  AddExt(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer == nullptr) {
    AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExt(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExt(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExt(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    AddExt(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    const std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1" +
                            (extra_ip.empty() ? "" : ",IP:" + extra_ip);
    AddExt(cert.get(), signer, NID_subject_alt_name, san.c_str());
  }
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) <= 0) {
    FailSsl("signing the certificate");
  }
  return cert;
}

std::string ToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) FailSsl("PEM of cert");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string ToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0,
                                       nullptr, nullptr) != 1) {
    FailSsl("PEM of key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// ---------------------------------------------------------------------------
// HTTP over loopback with libcurl.

struct HttpResult {
  long status = 0;  // 0: transport failure, see `error`
  std::string body;
  std::string error;
};

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// `ca_path` empty: plain HTTP. A POST sends `body` as application/json.
HttpResult HttpRequest(const std::string& url, const std::string& ca_path,
                       const std::string* post_body,
                       std::chrono::milliseconds timeout) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

  HttpResult result;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                           curl_easy_cleanup);
  if (!curl) {
    result.error = "curl_easy_init failed";
    return result;
  }
  char errbuf[CURL_ERROR_SIZE] = {};
  struct curl_slist* headers = nullptr;
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");  // loopback only, never a proxy
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &result.body);
  if (!ca_path.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, ca_path.c_str());
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  }
  if (post_body != nullptr) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, post_body->c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(post_body->size()));
  }
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &result.status);
  } else {
    result.error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  }
  curl_slist_free_all(headers);
  return result;
}

// ---------------------------------------------------------------------------
// Environment and names.

bool IsProxyOrPebble(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return name.rfind("PEBBLE_", 0) == 0 || lower == "http_proxy" ||
         lower == "https_proxy" || lower == "all_proxy" || lower == "no_proxy";
}

std::string NormalizeSerial(const std::string& serial_hex) {
  std::string s;
  for (char c : serial_hex) {
    if (c == ':' || std::isspace(static_cast<unsigned char>(c))) continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      Fail("not a hex serial: \"" + serial_hex + "\"");
    }
    s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  size_t first = s.find_first_not_of('0');
  if (first == std::string::npos) return s.empty() ? s : "0";
  return s.substr(first);
}

std::string Fqdn(const std::string& host) {
  if (host.empty()) Fail("empty DNS name");
  return host.back() == '.' ? host : host + ".";
}

}  // namespace

// ---------------------------------------------------------------------------

PebbleFixture::PebbleFixture(PebbleOptions options)
    : options_(std::move(options)) {
  StartOrStop([this] { Start(); }, [this] { Stop(); });
}

PebbleFixture::~PebbleFixture() { Stop(); }

void PebbleFixture::Start() {
  RequirePrograms("PebbleFixture", {kPebbleBin, kChalltestsrvBin},
                  kNotInstalled);

  PkeyPtr ca_key = NewKey();
  X509Ptr ca =
      MakeCert(ca_key.get(), "certpilot test listener CA", nullptr, nullptr);
  PkeyPtr server_key = NewKey();
  X509Ptr server = MakeCert(
      server_key.get(), "localhost", ca.get(), ca_key.get(),
      options_.acme_address == "127.0.0.1" ? "" : options_.acme_address);
  ca_bundle_path_ = dir_.Write("listener-ca.pem", ToPem(ca.get()));
  server_cert_path_ = dir_.Write("listener-cert.pem", ToPem(server.get()));
  server_key_path_ =
      dir_.Write("listener-key.pem", ToPem(server_key.get()), 0600);
  config_path_ = dir_ / "pebble-config.json";

  RetryPortRaces(
      "PebbleFixture", "pebble", [this] { return TryStart(); },
      [this] { return LogTail(); });
}

Startup PebbleFixture::TryStart() {
  PortReservation acme, management, http, tls, dns, challtest_management;
  const int acme_port = acme.Reserve(false);
  const int management_port = management.Reserve(false);
  http_port_ = http.Reserve(false);
  tls_port_ = tls.Reserve(false);
  const int dns_port = dns.Reserve(true);
  const int challtest_port = challtest_management.Reserve(false);

  const std::string host = "127.0.0.1";
  auto addr = [&](int port) { return host + ":" + std::to_string(port); };
  const std::string acme_addr =
      options_.acme_address + ":" + std::to_string(acme_port);
  directory_url_ = "https://" + acme_addr + "/dir";
  management_url_ = "https://" + addr(management_port);
  challtestsrv_management_url_ = "http://" + addr(challtest_port);
  dns_address_ = addr(dns_port);

  // Pebble 2.4.0 config keys (see /usr/share/doc/pebble/examples).
  nlohmann::json config = {
      {"listenAddress", acme_addr},
      {"managementListenAddress", addr(management_port)},
      {"certificate", server_cert_path_},
      {"privateKey", server_key_path_},
      {"httpPort", http_port_},
      {"tlsPort", tls_port_},
      {"ocspResponderURL", ""},
      {"externalAccountBindingRequired", options_.eab_required},
  };
  if (!options_.eab_keys.empty()) {
    config["externalAccountMACKeys"] = options_.eab_keys;
  }
  if (!options_.domain_blocklist.empty()) {
    config["domainBlocklist"] = options_.domain_blocklist;
  }
  if (options_.certificate_validity_seconds) {
    config["certificateValidityPeriod"] =
        *options_.certificate_validity_seconds;
  }
  WriteFileOrThrow(config_path_,
                   nlohmann::json{{"pebble", config}}.dump(2) + "\n");

  std::map<std::string, std::string> vars = CurrentEnvironment();
  std::erase_if(vars,
                [](const auto& var) { return IsProxyOrPebble(var.first); });
  vars["PEBBLE_VA_NOSLEEP"] = options_.va_nosleep ? "1" : "0";
  vars["PEBBLE_WFE_NONCEREJECT"] =
      std::to_string(options_.nonce_reject_percent);
  vars["PEBBLE_AUTHZREUSE"] = std::to_string(options_.authz_reuse_percent);
  for (const auto& [k, v] : options_.extra_env) vars[k] = v;
  const std::vector<std::string> env = EnvironmentEntries(vars);

  // Free the ports only now, just before the daemons bind them.
  acme.Release();
  management.Release();
  http.Release();
  tls.Release();
  dns.Release();
  challtest_management.Release();

  challtestsrv_.Start(
      {.name = "challtestsrv",
       .argv = {kChalltestsrvBin, "-dns01", dns_address_, "-http01", "",
                "-https01", "", "-tlsalpn01", "", "-defaultIPv4", host,
                "-defaultIPv6", "", "-management", addr(challtest_port)},
       .env = env,
       .log_path = challtestsrv_log_path(),
       .stop_timeout = options_.stop_timeout});
  pebble_.Start(
      {.name = "pebble",
       .argv = {kPebbleBin, "-config", config_path_, "-dnsserver",
                options_.dns_server.empty() ? dns_address_
                                            : options_.dns_server,
                std::string("-strict=") + (options_.strict ? "true" : "false")},
       .env = env,
       .log_path = pebble_log_path(),
       .stop_timeout = options_.stop_timeout});

  bool directory_ok = false, management_ok = false, challtest_ok = false;
  std::string last_error = "nothing answered yet";
  Readiness readiness;
  readiness.owner = "PebbleFixture";
  readiness.timeout = options_.startup_timeout;
  readiness.logs = [this] { return LogTail(); };
  readiness.ready = [&] {
    if (!directory_ok) {
      HttpResult r = HttpRequest(directory_url_, ca_bundle_path_, nullptr,
                                 std::chrono::milliseconds(2000));
      if (r.status == 200 && r.body.find("newNonce") != std::string::npos) {
        directory_ok = true;
      } else {
        last_error = "GET " + directory_url_ + ": " +
                     (r.status ? "HTTP " + std::to_string(r.status) : r.error);
      }
    }
    if (!management_ok) {
      management_ok = HttpRequest(management_url_ + "/roots/0", ca_bundle_path_,
                                  nullptr, std::chrono::milliseconds(2000))
                          .status == 200;
    }
    if (!challtest_ok) {
      challtest_ok = TcpConnects(challtest_port) && TcpConnects(dns_port);
    }
    return directory_ok && management_ok && challtest_ok;
  };
  readiness.missing = [&] {
    return std::string("directory ") + (directory_ok ? "ok" : last_error) +
           ", management " + (management_ok ? "ok" : "not listening") +
           ", challtestsrv " + (challtest_ok ? "ok" : "not listening");
  };
  return AwaitReady({&pebble_, &challtestsrv_}, readiness);
}

void PebbleFixture::Stop() {
  if (stopped_) return;
  stopped_ = true;
  StopAll({&pebble_, &challtestsrv_});
  dir_.Remove();
}

std::string PebbleFixture::LogTail(std::size_t max_bytes) const {
  return "--- " + pebble_log_path() + " ---\n" +
         ReadTail(pebble_log_path(), max_bytes) + "\n--- " +
         challtestsrv_log_path() + " ---\n" +
         ReadTail(challtestsrv_log_path(), max_bytes);
}

std::string PebbleFixture::ManagementGet(const std::string& path) const {
  const std::string url = management_url_ + path;
  HttpResult r = HttpRequest(url, ca_bundle_path_, nullptr,
                             std::chrono::milliseconds(10000));
  if (r.status != 200) {
    Fail("GET " + url + ": " +
         (r.status ? "HTTP " + std::to_string(r.status) + ": " + r.body
                   : r.error));
  }
  return r.body;
}

void PebbleFixture::ChalltestsrvPost(const std::string& path,
                                     const std::string& json_body) const {
  const std::string url = challtestsrv_management_url_ + path;
  HttpResult r =
      HttpRequest(url, "", &json_body, std::chrono::milliseconds(10000));
  if (r.status != 200) {
    Fail("POST " + url + " " + json_body + ": " +
         (r.status ? "HTTP " + std::to_string(r.status) + ": " + r.body
                   : r.error));
  }
}

std::string PebbleFixture::RootsPem(int index) const {
  return ManagementGet("/roots/" + std::to_string(index));
}

std::string PebbleFixture::IntermediatePem() const {
  return ManagementGet("/intermediates/0");
}

std::string PebbleFixture::CertStatusJson(const std::string& serial_hex) const {
  return ManagementGet("/cert-status-by-serial/" + NormalizeSerial(serial_hex));
}

std::string PebbleFixture::CertStatus(const std::string& serial_hex) const {
  const std::string body = CertStatusJson(serial_hex);
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("Status") || !j["Status"].is_string()) {
    Fail("unexpected cert-status answer for " + serial_hex + ": " + body);
  }
  return j["Status"].get<std::string>();
}

void PebbleFixture::SetTxt(const std::string& host,
                           const std::string& value) const {
  ChalltestsrvPost(
      "/set-txt",
      nlohmann::json{{"host", Fqdn(host)}, {"value", value}}.dump());
}

void PebbleFixture::ClearTxt(const std::string& host) const {
  ChalltestsrvPost("/clear-txt", nlohmann::json{{"host", Fqdn(host)}}.dump());
}

void PebbleFixture::AddA(const std::string& host, const std::string& ip) const {
  ChalltestsrvPost("/add-a",
                   nlohmann::json{{"host", Fqdn(host)},
                                  {"addresses", nlohmann::json::array({ip})}}
                       .dump());
}

void PebbleFixture::ClearA(const std::string& host) const {
  ChalltestsrvPost("/clear-a", nlohmann::json{{"host", Fqdn(host)}}.dump());
}

void PebbleFixture::SetCname(const std::string& host,
                             const std::string& target) const {
  ChalltestsrvPost(
      "/set-cname",
      nlohmann::json{{"host", Fqdn(host)}, {"target", Fqdn(target)}}.dump());
}

}  // namespace certpilot::testing
