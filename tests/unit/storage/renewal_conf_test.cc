#include "storage/renewal_conf.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.h"
#include "support/test_data.h"
#include "util/error.h"

namespace certpilot::storage {
namespace {

using certpilot::testing::ModeOf;
using certpilot::testing::ScopedUmask;
using certpilot::testing::TempDir;
using Items = std::vector<std::string>;

std::string DataFile(const std::string& name) {
  std::filesystem::path dir = testing::TestDataDir() + "/renewal";
  std::ifstream in(dir / name, std::ios::binary);
  EXPECT_TRUE(in.good()) << (dir / name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The line number StorageError names for `text`, or "" if it parsed.
std::string ErrorFor(const std::string& text) {
  try {
    RenewalConf::Parse(text, "renewal/x.conf");
  } catch (const StorageError& e) {
    return e.what();
  }
  return "";
}

TEST(RenewalConfTest, CertbotSamplesRoundTripByteForByte) {
  for (const char* file : {"a.example.com.conf", "b.example.com.conf"}) {
    std::string text = DataFile(file);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(RenewalConf::Parse(text, file).Dump(), text) << file;
  }
}

TEST(RenewalConfTest, ReadsCertbotSample) {
  RenewalConf conf =
      RenewalConf::Parse(DataFile("a.example.com.conf"), "a.conf");
  EXPECT_EQ(conf.Get("", "version"), "2.1.0");
  EXPECT_EQ(conf.Get("", "archive_dir"),
            "/etc/letsencrypt/archive/a.example.com");
  EXPECT_EQ(conf.Get("renewalparams", "account"),
            "477f00e3e6f12c255f7a641ed7546b02");
  EXPECT_EQ(conf.Get("renewalparams", "http01_port"), "80");
  EXPECT_EQ(conf.Get("renewalparams", "missing"), std::nullopt);
  EXPECT_EQ(conf.Get("nosection", "account"), std::nullopt);
  EXPECT_EQ(conf.Get("", "account"), std::nullopt) << "sections are separate";
  EXPECT_EQ(conf.Get("", "renew_before_expiry"), std::nullopt)
      << "it is a comment";
  EXPECT_EQ(conf.Keys(""), (Items{"version", "archive_dir", "cert", "privkey",
                                  "chain", "fullchain"}));
  EXPECT_TRUE(conf.HasSection("renewalparams"));
  EXPECT_FALSE(conf.HasSection("renewalparams/webroot_map"));
}

// Expected values cross-checked with python3-configobj 5.0.8.
TEST(RenewalConfTest, ConfigObjValueSyntax) {
  RenewalConf conf =
      RenewalConf::Parse(DataFile("b.example.com.conf"), "b.conf");
  const std::string p = "renewalparams";
  EXPECT_EQ(conf.GetList(p, "webroot_path"), (Items{"/var/www/html"}));
  EXPECT_THROW(conf.Get(p, "webroot_path"), StorageError) << "a list";
  EXPECT_EQ(conf.GetList(p, "pref_challs"), (Items{"http-01", "dns-01"}));
  EXPECT_EQ(conf.Get(p, "renew_hook"), "systemctl reload nginx, apache2");
  EXPECT_EQ(conf.Get(p, "pre_hook"), "echo \"pre\"");
  EXPECT_EQ(conf.Get(p, "post_hook"), "echo \"it's done\"");
  EXPECT_EQ(conf.Get(p, "must_staple"), "False");
  EXPECT_EQ(conf.Get(p, "indented_unknown_key"), "kept as is");
  EXPECT_EQ(conf.Get(p, "empty_value"), "");
  EXPECT_EQ(conf.GetList(p, "empty_list"), Items{});
  EXPECT_EQ(conf.GetList(p, "quoted_in_list"), (Items{"a, b", "c"}));
  EXPECT_EQ(conf.Get(p, "odd"), "a\"b");
  EXPECT_EQ(conf.GetList(p, "rsa_key_size"), Items{"4096"}) << "scalar as list";
  EXPECT_EQ(conf.Get(p + "/webroot_map", "www.b.example.com"), "/var/www/html");
  EXPECT_EQ(conf.Keys(p + "/webroot_map"),
            (Items{"b.example.com", "www.b.example.com"}));
  EXPECT_EQ(conf.Get(p, "webroot_map"), std::nullopt) << "a section, not a key";
}

TEST(RenewalConfTest, SetReplacesInPlaceKeepingEverythingElse) {
  std::string text = DataFile("b.example.com.conf");
  RenewalConf conf = RenewalConf::Parse(text, "b.conf");
  conf.Set("renewalparams", "renew_hook", "systemctl reload nginx");
  conf.Set("", "version", "0.1.0");
  std::string expected = text;
  auto replace = [&](const std::string& from, const std::string& to) {
    size_t at = expected.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    expected.replace(at, from.size(), to);
  };
  replace("renew_hook = \"systemctl reload nginx, apache2\"   # inline comment",
          "renew_hook = systemctl reload nginx # inline comment");
  replace("version = 1.21.0", "version = 0.1.0");
  EXPECT_EQ(conf.Dump(), expected);
  conf.Set("renewalparams", "indented_unknown_key", "x");
  EXPECT_NE(conf.Dump().find("\n  indented_unknown_key = x\n"),
            std::string::npos);
}

TEST(RenewalConfTest, SetAddsKeysAndSectionsWhereConfigObjWould) {
  RenewalConf conf =
      RenewalConf::Parse(DataFile("a.example.com.conf"), "a.conf");
  conf.Set("", "renew_before_expiry", "8 hours");
  conf.Set("renewalparams", "installer", "nginx");
  conf.SetList("renewalparams", "webroot_path", {"/var/www"});
  conf.Set("renewalparams/webroot_map", "a.example.com", "/var/www");
  EXPECT_EQ(conf.Dump(),
            "# renew_before_expiry = 30 days\n"
            "version = 2.1.0\n"
            "archive_dir = /etc/letsencrypt/archive/a.example.com\n"
            "cert = /etc/letsencrypt/live/a.example.com/cert.pem\n"
            "privkey = /etc/letsencrypt/live/a.example.com/privkey.pem\n"
            "chain = /etc/letsencrypt/live/a.example.com/chain.pem\n"
            "fullchain = /etc/letsencrypt/live/a.example.com/fullchain.pem\n"
            "renew_before_expiry = 8 hours\n"
            "\n"
            "# Options used in the renewal process\n"
            "[renewalparams]\n"
            "account = 477f00e3e6f12c255f7a641ed7546b02\n"
            "authenticator = standalone\n"
            "server = https://acme-v02.api.letsencrypt.org/directory\n"
            "key_type = ecdsa\n"
            "http01_port = 80\n"
            "installer = nginx\n"
            "webroot_path = /var/www,\n"
            "[[webroot_map]]\n"
            "a.example.com = /var/www\n");
  // A scalar added after the subsection exists still goes before it.
  conf.Set("renewalparams", "reuse_key", "True");
  std::string dump = conf.Dump();
  EXPECT_LT(dump.find("reuse_key = True"), dump.find("[[webroot_map]]"));
  RenewalConf again = RenewalConf::Parse(dump, "again");
  EXPECT_EQ(again.Get("renewalparams", "reuse_key"), "True");
  EXPECT_EQ(again.Get("renewalparams/webroot_map", "a.example.com"),
            "/var/www");
  EXPECT_EQ(again.Get("", "renew_before_expiry"), "8 hours");
}

TEST(RenewalConfTest, RemoveDropsOnlyThatLine) {
  std::string text = DataFile("b.example.com.conf");
  RenewalConf conf = RenewalConf::Parse(text, "b.conf");
  EXPECT_TRUE(conf.Remove("renewalparams", "pre_hook"));
  EXPECT_FALSE(conf.Remove("renewalparams", "pre_hook"));
  EXPECT_FALSE(conf.Remove("nosuch", "pre_hook"));
  std::string expected = text;
  expected.erase(expected.find("pre_hook = 'echo \"pre\"'\n"),
                 std::string("pre_hook = 'echo \"pre\"'\n").size());
  EXPECT_EQ(conf.Dump(), expected);
  conf.Set("renewalparams/webroot_map", "c.example.com", "/srv");
  EXPECT_EQ(conf.Keys("renewalparams/webroot_map"),
            (Items{"b.example.com", "www.b.example.com", "c.example.com"}));
}

TEST(RenewalConfTest, QuotesValuesAsConfigObjWritesThem) {
  // Pairs of value and expected line, from python3-configobj's writer.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain", "k = plain"},
      {"a, b", "k = \"a, b\""},
      {"x # y", "k = \"x # y\""},
      {" lead", "k = \" lead\""},
      {"say \"hi\"", "k = 'say \"hi\"'"},
      {"it's \"x\"", "k = '''it's \"x\"'''"},
      {"it's", "k = it's"},
      {"", "k = \"\""},
      {"#x", "k = \"#x\""},
      {"a=b", "k = a=b"},
  };
  for (const auto& [value, line] : cases) {
    RenewalConf conf = RenewalConf::Parse("", "new.conf");
    conf.Set("", "k", value);
    EXPECT_EQ(conf.Dump(), line + "\n") << value;
    EXPECT_EQ(RenewalConf::Parse(conf.Dump(), "x").Get("", "k"), value)
        << value;
  }
  RenewalConf conf = RenewalConf::Parse("", "new.conf");
  conf.SetList("", "l0", {});
  conf.SetList("", "l1", {"one"});
  conf.SetList("", "l2", {"a", "b c", "d,e"});
  EXPECT_EQ(conf.Dump(), "l0 = ,\nl1 = one,\nl2 = a, b c, \"d,e\"\n");
  RenewalConf again = RenewalConf::Parse(conf.Dump(), "x");
  EXPECT_EQ(again.GetList("", "l0"), Items{});
  EXPECT_EQ(again.GetList("", "l1"), Items{"one"});
  EXPECT_EQ(again.GetList("", "l2"), (Items{"a", "b c", "d,e"}));
}

TEST(RenewalConfTest, RefusesWhatItCannotWrite) {
  RenewalConf conf = RenewalConf::Parse("[renewalparams]\n", "x");
  std::string before = conf.Dump();
  EXPECT_THROW(conf.Set("renewalparams", "pre_hook", "a\nb"), UsageError);
  EXPECT_THROW(conf.Set("renewalparams", "pre_hook", "a\rb"), UsageError);
  EXPECT_THROW(conf.Set("renewalparams", "pre_hook", std::string("a\0b", 3)),
               UsageError);
  EXPECT_THROW(conf.Set("renewalparams", "k\n", "v"), UsageError);
  EXPECT_THROW(conf.SetList("renewalparams", "l", {"'\""}), UsageError);
  EXPECT_THROW(conf.Set("", "renewalparams", "v"), UsageError)
      << "is a section";
  EXPECT_EQ(conf.Dump(), before);
}

TEST(RenewalConfTest, GarbageIsReportedWithFileAndLine) {
  EXPECT_EQ(
      ErrorFor("a = 1\njust words\n"),
      "renewal/x.conf:2: invalid line (neither a [section] nor key = value)");
  EXPECT_NE(ErrorFor("a = 1\n\n[unclosed\n").find("renewal/x.conf:3:"),
            std::string::npos);
  EXPECT_NE(ErrorFor("[[toodeep]]\n").find(":1: section nested too deeply"),
            std::string::npos);
  EXPECT_NE(ErrorFor("[a]]\n").find(":1: cannot compute the section depth"),
            std::string::npos);
  EXPECT_NE(ErrorFor("k = \"abc\n").find(":1: cannot parse the value"),
            std::string::npos);
  EXPECT_NE(ErrorFor("k = a,,b\n").find(":1:"), std::string::npos);
  EXPECT_NE(ErrorFor("k = '''abc\n").find(":1:"), std::string::npos);
  EXPECT_NE(ErrorFor("k = 1\nk = 2\n").find(":2: duplicate key"),
            std::string::npos);
  EXPECT_NE(ErrorFor("[s]\n[s]\n").find(":2: duplicate section"),
            std::string::npos);
  EXPECT_NE(ErrorFor("k = a\n[k]\n").find(":2: duplicate section"),
            std::string::npos);
  EXPECT_NE(ErrorFor("k = " + std::string(9000, 'x') + "\n")
                .find(":1: line too long"),
            std::string::npos);
  // Not garbage: the same key in different sections; nesting back out.
  EXPECT_EQ(ErrorFor("k = 1\n[a]\nk = 2\n[[b]]\nk = 3\n[c]\nk = 4\n"), "");
}

TEST(RenewalConfTest, NestingFollowsConfigObj) {
  RenewalConf conf = RenewalConf::Parse(
      "top = 0\n[a]\nk = 1\n  [[b]]\n  k = 2\n[c]\nk = 3\n[[d]]\n[[e]]\nk = "
      "5\n",
      "x");
  EXPECT_EQ(conf.Get("a", "k"), "1");
  EXPECT_EQ(conf.Get("a/b", "k"), "2");
  EXPECT_EQ(conf.Get("c", "k"), "3");
  EXPECT_TRUE(conf.HasSection("c/d"));
  EXPECT_EQ(conf.Get("c/e", "k"), "5");
  conf.Set("a/b", "new", "v");
  EXPECT_NE(conf.Dump().find("  k = 2\n  new = v\n[c]"), std::string::npos)
      << conf.Dump();
}

TEST(RenewalConfTest, CrlfAndMissingFinalNewlineArePreserved) {
  std::string text = "# c\r\nversion = 1\r\n[renewalparams]\r\nkey_type = rsa";
  RenewalConf conf = RenewalConf::Parse(text, "x");
  EXPECT_EQ(conf.Dump(), text);
  EXPECT_EQ(conf.Get("", "version"), "1");
  conf.Set("", "version", "2");
  conf.Set("renewalparams", "installer", "nginx");
  EXPECT_EQ(conf.Dump(),
            "# c\r\nversion = 2\r\n[renewalparams]\r\nkey_type = "
            "rsa\r\ninstaller = nginx\r\n");
  std::string bom = "\xEF\xBB\xBFversion = 3\n";
  RenewalConf with_bom = RenewalConf::Parse(bom, "x");
  EXPECT_EQ(with_bom.Get("", "version"), "3");
  EXPECT_EQ(with_bom.Dump(), bom);
}

TEST(RenewalConfTest, NewRenewalConfIsCertbotsLayout) {
  Layout layout{"/etc/letsencrypt", "/var/lib/letsencrypt",
                "/var/log/letsencrypt"};
  RenewalConf conf = NewRenewalConf(layout, "a.example.com", "2.1.0",
                                    {"renew_before_expiry = 30 days"});
  conf.Set("renewalparams", "account", "477f00e3e6f12c255f7a641ed7546b02");
  conf.Set("renewalparams", "authenticator", "standalone");
  conf.Set("renewalparams", "server",
           "https://acme-v02.api.letsencrypt.org/directory");
  conf.Set("renewalparams", "key_type", "ecdsa");
  conf.Set("renewalparams", "http01_port", "80");
  EXPECT_EQ(conf.Dump(), DataFile("a.example.com.conf"));
}

TEST(RenewalConfTest, SaveAndLoadThroughTheFilesystem) {
  TempDir tmp;
  sys::PosixFilesystem fs;
  ScopedUmask umask(077);
  std::string path = tmp / "a.example.com.conf";
  RenewalConf conf = RenewalConf::Parse(DataFile("b.example.com.conf"), path);
  conf.Set("renewalparams", "key_type", "ecdsa");
  conf.Save(fs, path);
  EXPECT_EQ(ModeOf(path), 0644u);
  RenewalConf loaded = RenewalConf::Load(fs, path);
  EXPECT_EQ(loaded.Dump(), conf.Dump());
  EXPECT_EQ(loaded.Get("renewalparams", "key_type"), "ecdsa");
  try {
    RenewalConf::Load(fs, tmp / "missing.conf");
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_EQ(e.error_code(), ENOENT);
    EXPECT_EQ(e.path(), tmp / "missing.conf");
  }
}

}  // namespace
}  // namespace certpilot::storage
