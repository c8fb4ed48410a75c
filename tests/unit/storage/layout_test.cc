#include "storage/layout.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace certpilot::storage {
namespace {

TEST(LayoutTest, CertbotPaths) {
  Layout layout{"/etc/letsencrypt", "/var/lib/letsencrypt",
                "/var/log/letsencrypt"};
  EXPECT_EQ(layout.live_dir("a.example.com"),
            "/etc/letsencrypt/live/a.example.com");
  EXPECT_EQ(layout.archive_dir("a.example.com"),
            "/etc/letsencrypt/archive/a.example.com");
  EXPECT_EQ(layout.renewal_conf("a.example.com"),
            "/etc/letsencrypt/renewal/a.example.com.conf");
  EXPECT_EQ(layout.renewal_hooks_dir(), "/etc/letsencrypt/renewal-hooks");
  EXPECT_EQ(
      layout.accounts_dir("https://acme-v02.api.letsencrypt.org/directory"),
      "/etc/letsencrypt/accounts/acme-v02.api.letsencrypt.org/directory");
  Layout trailing{"/etc/letsencrypt/", "", ""};
  EXPECT_EQ(trailing.live_root(), "/etc/letsencrypt/live");
}

TEST(LayoutTest, ServerPathAsCertbotNamesIt) {
  EXPECT_EQ(
      ServerPath("https://acme-staging-v02.api.letsencrypt.org/directory"),
      "acme-staging-v02.api.letsencrypt.org/directory");
  EXPECT_EQ(ServerPath("https://localhost:14000/dir"), "localhost:14000/dir");
  EXPECT_EQ(ServerPath("https://ca.example/acme/v2/directory/"),
            "ca.example/acme/v2/directory");
  EXPECT_EQ(ServerPath("https://ca.example/dir?x=1#frag"), "ca.example/dir");
  EXPECT_EQ(ServerPath("https://ca.example"), "ca.example");
}

TEST(LayoutTest, ServerPathRejectsEscapes) {
  for (const char* bad :
       {"", "ca.example/dir", "://ca.example/dir", "https:///dir",
        "https://ca.example/../../etc", "https://ca.example/./x", "https://..",
        "https://ca.example/a\nb"}) {
    EXPECT_THROW(ServerPath(bad), UsageError) << bad;
  }
}

}  // namespace
}  // namespace certpilot::storage
