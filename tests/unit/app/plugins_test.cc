// `plugins`: every authenticator the build has, with what it answers and
// needs; nginx and Apache also as installers; --json, --authenticators,
// --installers.
#include "app/usecases/plugins.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/rules/challenge_choice.h"
#include "dns_providers/providers.h"
#include "support/use_case_fixture.h"

namespace certpilot::app {
namespace {

class PluginsUseCase : public testing::UseCaseTest<> {
 protected:
  std::string Print(PluginsOptions o) {
    out_.str("");
    EXPECT_EQ(Plugins(o, services_), 0);
    return out_.str();
  }
};

TEST_F(PluginsUseCase, ListsEveryAuthenticatorAndTheInstallers) {
  std::vector<PluginListing> plugins = ListPlugins();
  std::vector<std::string> names;
  for (const PluginListing& p : plugins) {
    names.push_back(p.name);
    EXPECT_TRUE(p.authenticator) << p.name;
    EXPECT_EQ(p.installer, p.name == "nginx" || p.name == "apache") << p.name;
    EXPECT_EQ(p.challenges, AnswerableChallengeTypes(p.name));
    EXPECT_FALSE(p.needs.empty()) << p.name;
  }
  EXPECT_EQ(names, KnownAuthenticators());

  std::string text = Print({});
  EXPECT_NE(text.find("* webroot: authenticator (http-01)\n  needs -w PATH"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("* nginx: authenticator (http-01), installer\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("* apache: authenticator (http-01), installer\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("/.well-known/acme-challenge/"), std::string::npos);
}

// Every DNS provider is an authenticator `plugins` lists, with each key its
// credentials file takes.
TEST_F(PluginsUseCase, ListsEveryDnsProviderWithItsCredentialKeys) {
  const std::string text = Print({});
  for (const dns_providers::ProviderInfo& p : dns_providers::Providers()) {
    const size_t at = text.find("* " + p.authenticator() + ": ");
    ASSERT_NE(at, std::string::npos) << p.name << "\n" << text;
    const std::string entry = text.substr(at, text.find("\n* ", at) - at);
    EXPECT_NE(entry.find("--" + p.authenticator() + "-credentials FILE"),
              std::string::npos)
        << entry;
    for (const std::string& key : p.required_keys)
      EXPECT_NE(entry.find(key), std::string::npos) << entry;
    for (const std::string& key : p.optional_keys)
      EXPECT_NE(entry.find(key), std::string::npos) << entry;
  }
  EXPECT_NE(text.find("* dns-hetzner: "), std::string::npos);
  EXPECT_NE(text.find("* dns-gandi: "), std::string::npos);
}

TEST_F(PluginsUseCase, JsonAndFilters) {
  PluginsOptions o;
  o.json = true;
  nlohmann::json all = nlohmann::json::parse(Print(o));
  ASSERT_EQ(all.size(), KnownAuthenticators().size());
  EXPECT_EQ(all[0]["name"], "standalone");
  EXPECT_EQ(all[0]["challenges"],
            nlohmann::json::array({"http-01", "tls-alpn-01"}));
  EXPECT_EQ(all[0]["installer"], false);

  o.installers = true;
  nlohmann::json installers = nlohmann::json::parse(Print(o));
  ASSERT_EQ(installers.size(), 2u);
  EXPECT_EQ(installers[0]["name"], "nginx");
  EXPECT_EQ(installers[1]["name"], "apache");

  o.installers = false;
  o.authenticators = true;
  EXPECT_EQ(nlohmann::json::parse(Print(o)).size(), all.size());
}

TEST(AcmeUserAgentTest, DefaultCommentOrReplacement) {
  CommonOptions o;
  EXPECT_EQ(AcmeUserAgent(o), "certpilot/" CERTPILOT_VERSION);
  o.user_agent_comment = "Wrapper/1.0";
  EXPECT_EQ(AcmeUserAgent(o), "certpilot/" CERTPILOT_VERSION " (Wrapper/1.0)");
  // certbot ignores the comment when --user-agent is given; so do we.
  o.user_agent = "Mine/2 (x)";
  EXPECT_EQ(AcmeUserAgent(o), "Mine/2 (x)");
  o.user_agent = "Mine/2\r\nX-Injected: 1";
  EXPECT_EQ(AcmeUserAgent(o).find_first_of("\r\n"), std::string::npos);
}

}  // namespace
}  // namespace certpilot::app
