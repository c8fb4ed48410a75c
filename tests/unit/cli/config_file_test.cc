#include "cli/config_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/temp_dir.h"
#include "util/error.h"

namespace certpilot::cli {
namespace {

using Values = std::vector<std::string>;

std::vector<ConfigEntry> Parse(const std::string& text) {
  return ParseConfigFile(text, "/etc/certpilot/cli.ini");
}

// The one entry `line` gives.
ConfigEntry One(const std::string& line) {
  std::vector<ConfigEntry> entries = Parse(line);
  EXPECT_EQ(entries.size(), 1u) << line;
  return entries.empty() ? ConfigEntry{} : entries[0];
}

std::string ErrorOf(const std::string& text) {
  try {
    Parse(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigFileTest, SkipsCommentsBlankLinesSectionsAndYamlMarkers) {
  EXPECT_TRUE(Parse("").empty());
  EXPECT_TRUE(Parse("# a comment\n; another\n\n   \t\n[renewalparams]\n---\n  "
                    "# indented\n")
                  .empty());
}

TEST(ConfigFileTest, KeyValueInEverySeparatorStyle) {
  for (const char* line :
       {"email = a@example.com", "email=a@example.com", "email: a@example.com",
        "email a@example.com", "  email   =   a@example.com  ",
        "--email = a@example.com", "email = a@example.com\r"}) {
    ConfigEntry e = One(line);
    EXPECT_EQ(e.key, "email") << line;
    EXPECT_FALSE(e.bare) << line;
    EXPECT_EQ(e.values, Values{"a@example.com"}) << line;
  }
}

TEST(ConfigFileTest, BareKeysAreFlags) {
  for (const char* line :
       {"agree-tos", "  agree-tos  ", "--agree-tos", "agree-tos # yes please",
        "agree-tos ; yes please"}) {
    ConfigEntry e = One(line);
    EXPECT_EQ(e.key, "agree-tos") << line;
    EXPECT_TRUE(e.bare) << line;
    EXPECT_TRUE(e.values.empty()) << line;
  }
  ConfigEntry off = One("agree-tos = False");
  EXPECT_FALSE(off.bare);
  EXPECT_EQ(off.values, Values{"False"});
}

TEST(ConfigFileTest, CommentsNeedABlankBeforeThem) {
  EXPECT_EQ(One("email = a@example.com # the admin").values,
            Values{"a@example.com"});
  EXPECT_EQ(One("email = a@example.com ; the admin").values,
            Values{"a@example.com"});
  EXPECT_EQ(One("server = https://ca.example/dir#frag").values,
            Values{"https://ca.example/dir#frag"});
  EXPECT_EQ(One("pre-hook = echo a;b").values, Values{"echo a;b"});
  EXPECT_EQ(One("email = # nothing").values, Values{""});
}

TEST(ConfigFileTest, QuotesAroundTheWholeValueGo) {
  EXPECT_EQ(One("server = \"https://ca.example/dir\"").values,
            Values{"https://ca.example/dir"});
  EXPECT_EQ(One("deploy-hook = 'echo # not a comment' # a comment").values,
            Values{"echo # not a comment"});
  EXPECT_EQ(One("pre-hook = echo 'a' 'b'").values, Values{"echo 'a' 'b'"});
  EXPECT_EQ(One("pre-hook = 'unbalanced").values, Values{"'unbalanced"});
}

TEST(ConfigFileTest, EmptyValuesAndLists) {
  EXPECT_EQ(One("email =").values, Values{""});
  EXPECT_EQ(One("domains = [a.example, b.example ,c.example]").values,
            (Values{"a.example", "b.example", "c.example"}));
  EXPECT_EQ(One("domains = [\"a.example\", \"b.example\"]").values,
            (Values{"a.example", "b.example"}));
  ConfigEntry empty = One("domains = []");
  EXPECT_FALSE(empty.bare);
  EXPECT_TRUE(empty.values.empty());
  EXPECT_EQ(One("domains = a.example, b.example").values,
            Values{"a.example, b.example"});
}

TEST(ConfigFileTest, SourcesNameFileAndLine) {
  std::vector<ConfigEntry> entries =
      Parse("# header\n\nemail = a@example.com\nagree-tos\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].source, "/etc/certpilot/cli.ini:3");
  EXPECT_EQ(entries[1].source, "/etc/certpilot/cli.ini:4");
}

TEST(ConfigFileTest, ALaterLineWinsOverAnEarlierOneForTheSameKey) {
  std::vector<ConfigEntry> entries =
      Parse("email = old@example.com\nagree-tos\n--email = new@example.com\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].key, "agree-tos");
  EXPECT_EQ(entries[1].key, "email");
  EXPECT_EQ(entries[1].values, Values{"new@example.com"});
  EXPECT_EQ(entries[1].source, "/etc/certpilot/cli.ini:3");
}

TEST(ConfigFileTest, BadLinesAreErrorsNamingFileAndLine) {
  EXPECT_EQ(ErrorOf("email = a@example.com\n= value\n"),
            "/etc/certpilot/cli.ini:2: cannot parse \"= value\"");
  EXPECT_EQ(ErrorOf("agree-tos#x"),
            "/etc/certpilot/cli.ini:1: cannot parse \"agree-tos#x\"");
  EXPECT_EQ(ErrorOf("--"), "/etc/certpilot/cli.ini:1: cannot parse \"--\"");
  EXPECT_EQ(ErrorOf(": x"), "/etc/certpilot/cli.ini:1: cannot parse \": x\"");
  EXPECT_EQ(ErrorOf("bad\x01key = 1"),
            "/etc/certpilot/cli.ini:1: cannot parse \"bad?key = 1\"");
}

TEST(ReadConfigFileTest, MissingIsNulloptOtherFailuresAreErrors) {
  testing::TempDir tmp;
  EXPECT_EQ(ReadConfigFile(tmp / "absent.ini"), std::nullopt);
  EXPECT_EQ(ReadConfigFile(tmp / "absent/cli.ini"), std::nullopt);
  std::ofstream(tmp / "cli.ini") << "agree-tos\n";
  EXPECT_EQ(ReadConfigFile(tmp / "cli.ini"), "agree-tos\n");
  ::mkdir((tmp / "dir.ini").c_str(), 0755);
  EXPECT_THROW(ReadConfigFile(tmp / "dir.ini"), UsageError);
  std::ofstream(tmp / "big.ini") << std::string(2 << 20, '#');
  EXPECT_THROW(ReadConfigFile(tmp / "big.ini"), UsageError);
}

}  // namespace
}  // namespace certpilot::cli
