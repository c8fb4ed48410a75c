// The use cases' JSON text (app/types/json_text.h), byte for byte: scripts
// parse what `certificates --json`, `renew --json` and `show_account --json`
// print, so its shape must not drift.
#include "app/types/json_text.h"

#include <gtest/gtest.h>

namespace certpilot::app {
namespace {

const TimePoint kNewYear = TimePoint(std::chrono::seconds(1767225600));

TEST(JsonText, Certificates) {
  CertificateListing ok;
  ok.name = "a.example";
  ok.domains = {"a.example", "192.0.2.1"};
  ok.serial = "0a1b";
  ok.key_type = "ecdsa-p256";
  ok.not_before = ok.not_after = ok.renew_after = kNewYear;
  ok.cert_path = "/c/live/a.example/cert.pem";
  ok.chain_path = "/c/live/a.example/chain.pem";
  ok.fullchain_path = "/c/live/a.example/fullchain.pem";
  ok.privkey_path = "/c/live/a.example/privkey.pem";
  ok.server = "https://ca.example/dir";
  ok.valid = true;
  ok.renewal_failure = RenewalFailure{3, kNewYear, "connection refused",
                                      kNewYear + std::chrono::hours(4)};
  ok.ari_window = AriWindow{kNewYear, kNewYear + std::chrono::hours(48),
                            kNewYear + std::chrono::hours(24),
                            kNewYear + std::chrono::hours(6)};
  CertificateListing damaged;
  damaged.name = "b.example";
  EXPECT_EQ(CertificatesJson({ok, damaged}), R"([
  {
    "ari_window": {
      "end": "2026-01-03T00:00:00Z",
      "next_check": "2026-01-01T06:00:00Z",
      "selected": "2026-01-02T00:00:00Z",
      "start": "2026-01-01T00:00:00Z"
    },
    "cert_path": "/c/live/a.example/cert.pem",
    "chain_path": "/c/live/a.example/chain.pem",
    "domains": [
      "a.example",
      "192.0.2.1"
    ],
    "fullchain_path": "/c/live/a.example/fullchain.pem",
    "key_type": "ecdsa-p256",
    "name": "a.example",
    "not_after": "2026-01-01T00:00:00Z",
    "not_before": "2026-01-01T00:00:00Z",
    "privkey_path": "/c/live/a.example/privkey.pem",
    "renew_after": "2026-01-01T00:00:00Z",
    "renewal_failure": {
      "failures": 3,
      "last_attempt": "2026-01-01T00:00:00Z",
      "next_attempt": "2026-01-01T04:00:00Z",
      "reason": "connection refused"
    },
    "serial": "0a1b",
    "server": "https://ca.example/dir",
    "valid": true
  },
  {
    "ari_window": null,
    "cert_path": "",
    "chain_path": "",
    "domains": [],
    "fullchain_path": "",
    "key_type": "",
    "name": "b.example",
    "not_after": null,
    "not_before": null,
    "privkey_path": "",
    "renew_after": null,
    "renewal_failure": null,
    "serial": "",
    "server": "",
    "valid": false
  }
])");
  EXPECT_EQ(CertificatesJson({}), "[]");
}

TEST(JsonText, RenewReport) {
  RenewReport r;
  r.renewed = {{"a.example", kNewYear, {"www.a.example"}}};
  r.autorenew_disabled = {"d.example"};
  r.not_due = {{"b.example", kNewYear}};
  r.failed = {{"c.example", "connection refused"}};
  r.backed_off = {{"e.example", {2, kNewYear, "too many failed", kNewYear}}};
  r.busy = {{"f.example", "another certpilot is working on it"}};
  r.hook_failures = 2;
  EXPECT_EQ(RenewReportJson(r), R"({
  "autorenew_disabled": [
    "d.example"
  ],
  "backed_off": [
    {
      "failures": 2,
      "last_attempt": "2026-01-01T00:00:00Z",
      "name": "e.example",
      "next_attempt": "2026-01-01T00:00:00Z",
      "reason": "too many failed"
    }
  ],
  "busy": [
    {
      "holder": "another certpilot is working on it",
      "name": "f.example"
    }
  ],
  "dry_run": false,
  "failed": [
    {
      "error": "connection refused",
      "name": "c.example"
    }
  ],
  "hook_failures": 2,
  "installer_failures": 0,
  "not_due": [
    {
      "name": "b.example",
      "renew_after": "2026-01-01T00:00:00Z"
    }
  ],
  "renewed": [
    {
      "dropped": [
        "www.a.example"
      ],
      "name": "a.example",
      "not_after": "2026-01-01T00:00:00Z"
    }
  ]
})");
  RenewReport empty;
  empty.dry_run = true;
  EXPECT_EQ(RenewReportJson(empty), R"({
  "autorenew_disabled": [],
  "backed_off": [],
  "busy": [],
  "dry_run": true,
  "failed": [],
  "hook_failures": 0,
  "installer_failures": 0,
  "not_due": [],
  "renewed": []
})");
}

TEST(JsonText, Account) {
  AccountReport a{
      "https://ca.example/dir",     "0123abcd", "https://ca.example/acct/1",
      {"mailto:admin@example.com"}, "valid",    "thumb",
      {{"classic", "the default"}}};
  EXPECT_EQ(AccountJson(a), R"({
  "contact": [
    "mailto:admin@example.com"
  ],
  "id": "0123abcd",
  "profiles": {
    "classic": "the default"
  },
  "server": "https://ca.example/dir",
  "status": "valid",
  "thumbprint": "thumb",
  "url": "https://ca.example/acct/1"
})");
  a.contact.clear();
  a.profiles.clear();
  EXPECT_NE(AccountJson(a).find("\"contact\": [],"), std::string::npos);
  EXPECT_NE(AccountJson(a).find("\"profiles\": {},"), std::string::npos);
}

TEST(JsonText, WebrootMap) {
  auto entries = ParseWebrootMapJson(R"({"b.example,www.b.example": "/srv/b",
                              "a.example": "/srv/a", "c.example": 5})");
  ASSERT_TRUE(entries);
  using Entry = std::pair<std::string, std::string>;
  EXPECT_EQ(*entries, (std::vector<Entry>{{"a.example", "/srv/a"},
                                          {"b.example,www.b.example", "/srv/b"},
                                          {"c.example", ""}}));
  EXPECT_FALSE(ParseWebrootMapJson("{not json"));
  EXPECT_FALSE(ParseWebrootMapJson(R"(["a.example"])"));
  EXPECT_FALSE(ParseWebrootMapJson(""));
}

}  // namespace
}  // namespace certpilot::app
