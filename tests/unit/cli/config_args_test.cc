// cli.ini settings against the real command line (every subcommand as
// src/cli/ registers it): precedence, flags, and what is left out.
#include "cli/config_args.h"

#include <gtest/gtest.h>

#include "cli/command.h"
#include "util/error.h"

namespace certpilot::cli {
namespace {

using Args = std::vector<std::string>;

class ConfigArgsTest : public ::testing::Test {
 protected:
  ConfigArgsTest() {
    ConfigureRoot(root_);
    AddCommonOptions(&root_, common_);
    for (auto& c : commands_) c->Register(root_, common_);
  }

  // Parses `certpilot ARGS...`, then turns `files` (cli.ini texts, highest
  // precedence first) into arguments for the chosen subcommand.
  ConfigArguments From(Args args, const std::vector<std::string>& files) {
    std::vector<const char*> argv{"certpilot"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    root_.parse(int(argv.size()), argv.data());
    std::vector<std::vector<ConfigEntry>> parsed;
    for (size_t i = 0; i < files.size(); ++i)
      parsed.push_back(ParseConfigFile(files[i], "f" + std::to_string(i + 1)));
    return ArgumentsFromConfig(root_, *root_.get_subcommands().at(0), parsed);
  }

  std::string ErrorOf(Args args, const std::string& file) {
    try {
      From(std::move(args), {file});
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  }

  CLI::App root_{"test", "certpilot"};
  app::CommonOptions common_;
  std::vector<std::unique_ptr<Command>> commands_ = AllCommands();
};

TEST_F(ConfigArgsTest, OptionsAndFlagsBecomeArguments) {
  ConfigArguments a =
      From({"certonly", "-d", "example.com"},
           {"email = a@example.com\nagree-tos\nrsa-key-size: 4096\n"
            "key-type rsa\nstaging = false\nreuse-key = YES\n"});
  EXPECT_EQ(a.args,
            (Args{"--email=a@example.com", "--agree-tos", "--rsa-key-size=4096",
                  "--key-type=rsa", "--reuse-key"}));
  EXPECT_EQ(a.sources, (Args{"f1:1", "f1:2", "f1:3", "f1:4", "f1:6"}));
}

TEST_F(ConfigArgsTest, ListsRepeatTheOption) {
  ConfigArguments a =
      From({"certonly"}, {"domains = [a.example, b.example]\n"});
  EXPECT_EQ(a.args, (Args{"--domains=a.example", "--domains=b.example"}));
}

TEST_F(ConfigArgsTest, DomainListsLoseTheirBlanksAsCertbotsDo) {
  ConfigArguments a = From({"certonly"}, {"domains = a.example, b.example\n"});
  ASSERT_EQ(a.args, Args{"--domains=a.example, b.example"});
  CLI::App fresh{"test", "certpilot"};
  std::vector<std::string> domains;
  std::string cert_name;
  AddDomainOptions(&fresh, domains, cert_name);
  std::vector<const char*> argv{"certpilot", a.args[0].c_str(), "-d",
                                " c.example "};
  fresh.parse(int(argv.size()), argv.data());
  EXPECT_EQ(domains, (Args{"a.example", "b.example", "c.example"}));
}

TEST_F(ConfigArgsTest, TheCommandLineWinsInAnySpellingAndPlace) {
  const std::string file =
      "email = file@example.com\nserver = https://file.example/dir\n"
      "force-renewal\nreuse-key\nquiet\n";
  // After the subcommand, before it, and under another spelling.
  ConfigArguments a = From(
      {"-m", "cli@example.com", "renew", "--server=https://cli.example/dir",
       "--renew-by-default", "--no-reuse-key", "-q"},
      {file});
  EXPECT_EQ(a.args, Args{}) << a.args.size();
}

TEST_F(ConfigArgsTest, TheConfigOptionFileWinsOverCliIni) {
  ConfigArguments a =
      From({"certonly"}, {"email = first@example.com\nstaging = false\n",
                          "email = second@example.com\nstaging\nagree-tos\n"});
  EXPECT_EQ(a.args, (Args{"--email=first@example.com", "--agree-tos"}));
  EXPECT_EQ(a.sources, (Args{"f1:1", "f2:3"}));
}

TEST_F(ConfigArgsTest, OptionsOfOtherSubcommandsAreLeftOutWithANote) {
  ConfigArguments a =
      From({"certificates"},
           {"rsa-key-size = 4096\njobs = 8\nemail = a@example.com\n"});
  EXPECT_EQ(a.args, Args{"--email=a@example.com"});
  ASSERT_EQ(a.notes.size(), 2u);
  EXPECT_EQ(a.notes[0],
            "f1:1: rsa-key-size: not an option of certificates; left out");
}

TEST_F(ConfigArgsTest, UnknownKeysAndBadFlagValuesAreErrorsNamingTheLine) {
  EXPECT_EQ(ErrorOf({"renew"}, "# settings\nno-such-option = 1\n"),
            "f1:2: \"no-such-option\" is not an option of certpilot or "
            "certbot");
  EXPECT_EQ(ErrorOf({"renew"}, "agree-tos = maybe\n"),
            "f1:1: agree-tos is a flag: give it alone, or = true or false");
  EXPECT_EQ(ErrorOf({"renew"}, "email\n"),
            "f1:1: email needs a value (email = ...)");
  for (const char* key : {"config", "help", "version"})
    EXPECT_EQ(
        ErrorOf({"renew"}, std::string(key) + " = x\n"),
        std::string("f1:1: ") + key + " cannot be set in a configuration file");
}

TEST_F(ConfigArgsTest, CertbotOnlySettingsAreIgnoredAndCollectedOnce) {
  ConfigArguments a =
      From({"renew"},
           {"email = a@example.com\nnginx-sleep-seconds = 2\n"
            "apache-handle-sites = True\ndns-gehirn-credentials = /x.ini\n",
            "debug\nnginx-sleep-seconds = 3\n"});
  EXPECT_EQ(a.args, Args{"--email=a@example.com"});
  std::vector<std::string> ignored;
  for (const ConfigArguments::Ignored& i : a.ignored)
    ignored.push_back(i.key + "@" + i.source);
  // Each file is read on its own: a key in two files is named for both.
  EXPECT_EQ(ignored,
            (Args{"nginx-sleep-seconds@f1:2", "apache-handle-sites@f1:3",
                  "dns-gehirn-credentials@f1:4", "debug@f2:1",
                  "nginx-sleep-seconds@f2:2"}));
}

TEST_F(ConfigArgsTest, CertbotNamesWithACertpilotEquivalentAreMapped) {
  ConfigArguments a = From({"certonly", "--dns-rfc2136"},
                           {"dns-rfc2136-propagation-seconds = 30\n"});
  EXPECT_EQ(a.args, Args{"--dns-propagation-seconds=30"});
  EXPECT_TRUE(a.ignored.empty());
  // The command line's own spelling still wins.
  a = From({"certonly", "--dns-propagation-seconds", "5"},
           {"dns-rfc2136-propagation-seconds = 30\n"});
  EXPECT_TRUE(a.args.empty());
}

// certbot's DNS plugin settings are certpilot's own options for every
// provider certpilot has; dns-google-project is certbot's alone (the
// service account's key file names the project).
TEST_F(ConfigArgsTest, CertbotsDnsPluginSettingsAreTakenForEveryProvider) {
  for (const std::string name :
       {"cloudflare", "digitalocean", "google", "linode", "ovh", "route53"}) {
    const std::string p = "dns-" + name;
    const std::string file = p + " = True\n" + p + "-credentials = /etc/" +
                             name + ".ini\n" + p +
                             "-propagation-seconds = 30\n";
    ConfigArguments a = From({"certonly"}, {file});
    EXPECT_EQ(a.args,
              (Args{"--" + p, "--" + p + "-credentials=/etc/" + name + ".ini",
                    "--" + p + "-propagation-seconds=30"}));
    EXPECT_TRUE(a.ignored.empty()) << name;
  }
  ConfigArguments a = From({"certonly"}, {"dns-google-project = my-project\n"});
  EXPECT_TRUE(a.args.empty());
  ASSERT_EQ(a.ignored.size(), 1u);
  EXPECT_EQ(a.ignored[0].key, "dns-google-project");
}

TEST_F(ConfigArgsTest, CertbotSettingsCertpilotFollowsAnywayPassSilently) {
  ConfigArguments a = From({"certonly"}, {"no-self-upgrade\ntext\n"});
  EXPECT_TRUE(a.args.empty());
  EXPECT_TRUE(a.ignored.empty());
  EXPECT_EQ(a.notes.size(), 2u);
}

// certbot's keep-until-expiring is certonly's own option: it takes effect.
TEST_F(ConfigArgsTest, KeepUntilExpiringIsCertonlysOption) {
  ConfigArguments a = From({"certonly"}, {"keep-until-expiring = True\n"});
  EXPECT_EQ(a.args, std::vector<std::string>{"--keep-until-expiring"});
  EXPECT_TRUE(a.ignored.empty());
}

TEST_F(ConfigArgsTest, OneWarningNamesEveryIgnoredSettingByFileAndLine) {
  EXPECT_EQ(IgnoredSettingsWarning({}), "");
  EXPECT_EQ(IgnoredSettingsWarning({{"no-verify-ssl", "/etc/a/cli.ini:4"},
                                    {"debug", "/etc/a/cli.ini:9"},
                                    {"installer", "/x:y.ini:2"}}),
            "/etc/a/cli.ini: certbot settings certpilot ignores: "
            "no-verify-ssl (line 4), debug (line 9); /x:y.ini: certbot "
            "settings certpilot ignores: installer (line 2)");
}

// As argparse does: the last of several values wins, on the command line.
TEST_F(ConfigArgsTest, ARepeatedSingleValuedOptionTakesTheLastValue) {
  From({"-m",
        "early@example.com",
        "certonly",
        "-m",
        "a@example.com",
        "-m",
        "b@example.com",
        "--server",
        "https://one.test/dir",
        "--server",
        "https://two.test/dir",
        "--cert-name",
        "first",
        "--cert-name",
        "second",
        "--key-type",
        "rsa",
        "--key-type",
        "ecdsa",
        "--preferred-challenges",
        "http-01",
        "--preferred-challenges",
        "dns-01"},
       {});
  EXPECT_EQ(common_.email, "b@example.com");
  EXPECT_EQ(common_.server, "https://two.test/dir");
  const CLI::App& sub = *root_.get_subcommands().at(0);
  EXPECT_EQ(sub.get_option("--cert-name")->as<std::string>(), "second");
  EXPECT_EQ(sub.get_option("--key-type")->as<std::string>(), "ecdsa");
  // Lists keep every value.
  EXPECT_EQ(
      sub.get_option("--preferred-challenges")->as<std::vector<std::string>>(),
      (Args{"http-01", "dns-01"}));
}

TEST_F(ConfigArgsTest, EmailHelpPromisesNoExpiryMail) {
  const CLI::Option* email = root_.get_option("--email");
  EXPECT_EQ(email->get_description().find("expir"), std::string::npos)
      << email->get_description();
}

TEST_F(ConfigArgsTest, GivenOnCommandLineLooksBeforeAndAfterTheSubcommand) {
  From({"--config-dir", "/a", "renew"}, {});
  const CLI::App& sub = *root_.get_subcommands().at(0);
  EXPECT_TRUE(GivenOnCommandLine(root_, sub, "--config-dir"));
  EXPECT_FALSE(GivenOnCommandLine(root_, sub, "--work-dir"));
}

}  // namespace
}  // namespace certpilot::cli
