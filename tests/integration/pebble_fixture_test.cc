// PebbleFixture against the real Debian pebble + pebble-challtestsrv.
#include "support/pebble_fixture.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace certpilot::testing {
namespace {

struct Fetched {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
};

size_t Append(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// GET with TLS verification against `ca_path` only (empty: the system store,
// which does not know Pebble's listener).
Fetched Get(const std::string& url, const std::string& ca_path) {
  Fetched f;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                           curl_easy_cleanup);
  EXPECT_NE(curl, nullptr);
  if (!curl) return f;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca_path.empty()) {
    curl_easy_setopt(curl.get(), CURLOPT_CAINFO, ca_path.c_str());
  }
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &f.body);
  f.code = curl_easy_perform(curl.get());
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &f.status);
  return f;
}

int PortOf(const std::string& url) {
  const auto colon = url.rfind(':');
  return std::stoi(url.substr(colon + 1));
}

bool Listening(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

TEST(PebbleFixtureTest, ServesDirectoryOverVerifiedTls) {
  PebbleFixture pebble;
  EXPECT_EQ(pebble.directory_url().rfind("https://127.0.0.1:", 0), 0u)
      << pebble.directory_url();
  EXPECT_GT(pebble.http_port(), 0);
  EXPECT_GT(pebble.tls_port(), 0);
  EXPECT_NE(pebble.http_port(), pebble.tls_port());

  Fetched dir = Get(pebble.directory_url(), pebble.ca_bundle_path());
  ASSERT_EQ(dir.code, CURLE_OK) << curl_easy_strerror(dir.code);
  ASSERT_EQ(dir.status, 200);
  nlohmann::json j = nlohmann::json::parse(dir.body);
  const std::string origin = pebble.directory_url().substr(
      0, pebble.directory_url().size() - std::string("/dir").size());
  for (const char* key : {"newNonce", "newAccount", "newOrder"}) {
    ASSERT_TRUE(j.contains(key)) << key << " missing from " << dir.body;
    EXPECT_EQ(j[key].get<std::string>().rfind(origin + "/", 0), 0u)
        << key << " = " << j[key];
  }
  EXPECT_FALSE(j["meta"].value("externalAccountRequired", false));

  // The listener certificate chains only to the fixture's CA.
  Fetched unverified = Get(pebble.directory_url(), "");
  EXPECT_NE(unverified.code, CURLE_OK);
}

TEST(PebbleFixtureTest, RootsPemIsACaCertificate) {
  PebbleFixture pebble;
  const std::string pem = pebble.RootsPem();
  ASSERT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----", 0), 0u) << pem;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  ASSERT_NE(cert, nullptr) << "RootsPem() does not parse:\n" << pem;
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_EQ(X509_check_issued(cert.get(), cert.get()), X509_V_OK)
      << "the root is self-issued";
  EXPECT_NE(pebble.IntermediatePem(), pem);
}

TEST(PebbleFixtureTest, OptionsReachPebbleAndChalltestsrvAnswers) {
  PebbleOptions options = EabRequiredOptions();
  options.certificate_validity_seconds = 3600;
  PebbleFixture pebble(options);
  Fetched dir = Get(pebble.directory_url(), pebble.ca_bundle_path());
  ASSERT_EQ(dir.status, 200);
  EXPECT_TRUE(nlohmann::json::parse(dir.body)["meta"].value(
      "externalAccountRequired", false))
      << dir.body;

  EXPECT_NO_THROW(pebble.SetTxt("_acme-challenge.example.com", "abc"));
  EXPECT_NO_THROW(pebble.ClearTxt("_acme-challenge.example.com."));
  EXPECT_NO_THROW(pebble.AddA("a.example.com", "127.0.0.1"));
  EXPECT_THROW(pebble.CertStatus("00ff"), std::runtime_error)
      << "unknown serial";
}

TEST(PebbleFixtureTest, StopEndsDaemonsAndRemovesTempDir) {
  std::string dir;
  int acme_port = 0;
  {
    PebbleFixture pebble;
    dir = pebble.temp_dir();
    acme_port = PortOf(
        pebble.directory_url().substr(0, pebble.directory_url().size() - 4));
    ASSERT_TRUE(Listening(acme_port));
    ASSERT_TRUE(std::filesystem::exists(pebble.pebble_log_path()));
  }
  EXPECT_FALSE(Listening(acme_port));
  const char* keep = std::getenv("CERTPILOT_KEEP_TEST_DIRS");
  if (keep == nullptr || std::string(keep) != "1") {
    EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
  }
}

TEST(PebbleFixtureTest, TwoFixturesRunSideBySide) {
  PebbleFixture a;
  PebbleFixture b;
  EXPECT_NE(a.directory_url(), b.directory_url());
  EXPECT_NE(a.RootsPem(), b.RootsPem());
  EXPECT_EQ(Get(b.directory_url(), b.ca_bundle_path()).status, 200);
  // Each fixture's listener CA is its own.
  EXPECT_NE(Get(b.directory_url(), a.ca_bundle_path()).code, CURLE_OK);
}

}  // namespace
}  // namespace certpilot::testing
