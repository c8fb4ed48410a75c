// The table of certbot's option names (certbot_options.h) against the
// command line certpilot builds: lookups, and that every name it maps to
// is an option certpilot has. (That it covers the installed certbot's
// `--help all` is checked by tests/integration/certbot_cli_ini_test.cc.)
#include "cli/certbot_options.h"

#include <gtest/gtest.h>

#include <set>

#include "cli/command.h"

namespace certpilot::cli {
namespace {

using Kind = CertbotOption::Kind;

TEST(CertbotOptionsTest, FindsCertbotsNamesOnly) {
  ASSERT_TRUE(FindCertbotOption("no-eff-email"));
  EXPECT_EQ(FindCertbotOption("nginx-sleep-seconds")->kind, Kind::kIgnored);
  EXPECT_EQ(FindCertbotOption("no-self-upgrade")->kind,
            Kind::kCertpilotDefault);
  EXPECT_EQ(FindCertbotOption("dns-route53-propagation-seconds")->kind,
            Kind::kIgnored);
  std::optional<CertbotOption> mapped =
      FindCertbotOption("dns-rfc2136-propagation-seconds");
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->kind, Kind::kMapped);
  EXPECT_EQ(mapped->certpilot_name, "dns-propagation-seconds");
  for (const char* unknown :
       {"", "no-such-option", "--email", "dns-route53-credentials", "w"})
    EXPECT_FALSE(FindCertbotOption(unknown)) << unknown;
}

TEST(CertbotOptionsTest, CoversEachDnsPluginsSettings) {
  for (const char* provider :
       {"cloudflare", "digitalocean", "dnsimple", "dnsmadeeasy", "gehirn",
        "google", "linode", "luadns", "nsone", "ovh", "rfc2136", "route53",
        "sakuracloud"}) {
    const std::string p = std::string("dns-") + provider;
    EXPECT_TRUE(FindCertbotOption(p)) << p;
    EXPECT_TRUE(FindCertbotOption(p + "-propagation-seconds")) << p;
    EXPECT_EQ(FindCertbotOption(p + "-credentials").has_value(),
              p != "dns-route53")
        << p;
  }
  EXPECT_TRUE(FindCertbotOption("dns-google-project"));
}

TEST(CertbotOptionsTest, EveryMappedNameIsACertpilotOption) {
  CLI::App root{"test", "certpilot"};
  ConfigureRoot(root);
  app::CommonOptions common;
  std::vector<std::unique_ptr<Command>> commands = AllCommands();
  for (auto& c : commands) c->Register(root, common);
  const CLI::App& all = root;
  auto has = [&](const std::string& name) {
    for (const CLI::App* sub :
         all.get_subcommands(std::function<bool(const CLI::App*)>()))
      if (sub->get_option_no_throw("--" + name) != nullptr) return true;
    return false;
  };
  // Also: the option names certbot scripts pass that certpilot now takes.
  for (const char* name :
       {"user-agent", "user-agent-comment", "issuance-timeout", "eff-email",
        "no-eff-email", "account"})
    EXPECT_TRUE(has(name)) << name;
  size_t mapped = 0;
  std::set<std::string_view> seen;
  for (const CertbotOption& o : AllCertbotOptions()) {
    EXPECT_TRUE(seen.insert(o.name).second) << "twice: " << o.name;
    if (o.kind != Kind::kMapped) continue;
    EXPECT_TRUE(has(std::string(o.certpilot_name))) << o.name;
    ++mapped;
  }
  EXPECT_EQ(mapped, 1u);
  EXPECT_GT(seen.size(), 150u);
}

}  // namespace
}  // namespace certpilot::cli
