// certpilot-rss-floor URL CA_BUNDLE: the least any C++ ACME client on
// Debian 12's libcurl and OpenSSL 3 maps in: make a P-256 key, sign once,
// GET one URL over HTTPS, exit. bench/run reports its peak RSS beside
// certpilot's issuance, so the distance between the two is what certpilot
// itself adds (issue #16, goal 8). Nearly all of it is shared-library pages:
// libcrypto, libcurl and the libraries Debian's libcurl is linked with
// (GnuTLS via librtmp, Kerberos, LDAP, libssh2, nettle, p11-kit...), and
// the C++ runtime.
#include <curl/curl.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <iostream>
#include <string>

namespace {

size_t Discard(char* /*data*/, size_t size, size_t count, void* /*user*/) {
  return size * count;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: certpilot-rss-floor URL CA_BUNDLE\n";
    return 2;
  }
  EVP_PKEY* key = EVP_EC_gen("P-256");
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::array<unsigned char, 128> sig{};
  size_t sig_len = sig.size();
  const std::string message = "floor";
  const bool signed_ok =
      key != nullptr && md != nullptr &&
      EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestSign(md, sig.data(), &sig_len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, argv[1]);
  curl_easy_setopt(curl, CURLOPT_CAINFO, argv[2]);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  curl_global_cleanup();
  if (!signed_ok || rc != CURLE_OK) {
    std::cerr << "certpilot-rss-floor: "
              << (signed_ok ? curl_easy_strerror(rc) : "signing failed")
              << "\n";
    return 1;
  }
  return 0;
}
