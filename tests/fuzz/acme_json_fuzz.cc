// libFuzzer target for the ACME JSON mapping (src/acme/json.h): every
// response body a CA can send goes through one of these parsers.
//  - Each Parse* either returns or throws acme::ProtocolError; nothing else
//    escapes (no other exception, crash, leak or UB).
//  - What they return keeps the promises of types.h: every URL is https,
//    a challenge token is base64url of 22 to 256 characters, a renewal
//    window ends after it starts.
//  - ParseProblem never throws, and Problem::ToString() and the error
//    messages of ProtocolError carry no control characters (they are
//    printed as they are).
// Built and run by scripts/fuzz (see tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "acme/json.h"
#include "acme/problem.h"
#include "acme/types.h"
#include "util/base64url.h"

namespace {

namespace json = certpilot::acme::json;
using certpilot::acme::ProtocolError;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool Printable(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

void CheckUrl(const std::string& url, bool required) {
  if (url.empty()) {
    Check(!required);
    return;
  }
  Check(json::IsHttpsUrl(url));
}

void CheckChallenge(const certpilot::acme::Challenge& c) {
  CheckUrl(c.url, true);
  if (!c.token.empty()) {
    Check(certpilot::IsBase64Url(c.token));
    Check(c.token.size() >= 22 && c.token.size() <= 256);
  }
  Check(Printable(c.error_text));
}

template <typename F>
void Expect(F&& parse) {
  try {
    parse();
  } catch (const ProtocolError& e) {
    Check(Printable(e.what()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const std::string url = "https://ca.example/acme/obj/1";

  Expect([&] {
    certpilot::acme::Directory d = json::ParseDirectory(body);
    CheckUrl(d.new_nonce, true);
    CheckUrl(d.new_account, true);
    CheckUrl(d.new_order, true);
    CheckUrl(d.revoke_cert, false);
    CheckUrl(d.key_change, false);
    CheckUrl(d.new_authz, false);
    CheckUrl(d.renewal_info, false);
  });
  Expect([&] {
    certpilot::acme::Account a = json::ParseAccount(body, url);
    Check(a.url == url);
  });
  Expect([&] {
    certpilot::acme::Order o = json::ParseOrder(body, url);
    Check(o.url == url);
    for (const std::string& a : o.authorizations) CheckUrl(a, true);
    CheckUrl(o.finalize, true);
    CheckUrl(o.certificate, false);
    Check(Printable(o.error_text));
  });
  Expect([&] {
    certpilot::acme::Authorization a = json::ParseAuthorization(body, url);
    for (const auto& c : a.challenges) CheckChallenge(c);
  });
  Expect([&] { CheckChallenge(json::ParseChallenge(body)); });
  Expect([&] {
    certpilot::acme::RenewalInfo r = json::ParseRenewalInfo(body);
    Check(r.window_end > r.window_start);
  });

  // Never throws.
  certpilot::acme::Problem p = json::ParseProblem(body, 400);
  Check(Printable(p.ToString()));
  return 0;
}
