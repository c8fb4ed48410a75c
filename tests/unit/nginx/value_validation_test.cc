// Values from outside (names, paths, tokens) cannot change a
// configuration's structure: refused on input, at insertion and at dump.
#include "nginx/config/value_validation.h"

#include <gtest/gtest.h>

#include <string>

#include "nginx/config/dumper.h"
#include "nginx/config/parser.h"
#include "nginx/config/tree.h"
#include "util/error.h"

namespace certpilot::nginx {
namespace {

TEST(NginxValueValidationTest, AcceptsOrdinaryValues) {
  for (const char* ok :
       {"example.com", "*.example.com", "xn--bcher-kva.example",
        "/etc/certpilot/live/example.com/fullchain.pem",
        "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0",
        "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1"
        "WOu0tA3M9fm21mqTI",
        "443", "[::]:443", "caf\xc3\xa9.example"}) {
    EXPECT_TRUE(IsSafeConfigValue(ok)) << ok;
    EXPECT_NO_THROW(ValidateConfigValue(ok)) << ok;
  }
}

TEST(NginxValueValidationTest, RefusesInjectionAttempts) {
  const std::vector<std::string> attacks = {
      "",
      "example.com; include /etc/shadow",
      "example.com;",
      "a{",
      "}",
      "x # comment",
      "#",
      "\"quoted\"",
      "it's",
      "$host",
      "${host}",
      "a\\",
      "a\\;b",
      "two words",
      "tab\there",
      "line\nbreak",
      "cr\rhere",
      std::string("nul\0byte", 8),
      "del\x7f",
      "esc\x1b[31m",
  };
  for (const std::string& value : attacks) {
    SCOPED_TRACE(value);
    EXPECT_FALSE(IsSafeConfigValue(value));
    EXPECT_THROW(ValidateConfigValue(value), UsageError);
    EXPECT_THROW(Word::FromValue(value), UsageError);
  }
}

TEST(NginxValueValidationTest, MessageNamesTheValueWithoutControlBytes) {
  try {
    ValidateConfigValue("evil.com;\nreturn 200");
    FAIL();
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("\"evil.com;?return 200\""), std::string::npos) << what;
    EXPECT_NE(what.find("';'"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos);
  }
  try {
    ValidateConfigValue("a\tb");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("a tab"), std::string::npos);
  }
}

TEST(NginxValueValidationTest, TrustedRawMustBeOneWord) {
  EXPECT_NO_THROW(Word::FromTrustedRaw("https://$host$request_uri"));
  EXPECT_NO_THROW(Word::FromTrustedRaw("\"text/plain\""));
  EXPECT_EQ(Word::FromTrustedRaw("\"text/plain\"").value(), "text/plain");
  // A caller that spliced outside input into raw syntax is still stopped.
  EXPECT_THROW(Word::FromTrustedRaw("https://x; include /etc/passwd"),
               UsageError);
  EXPECT_THROW(Word::FromTrustedRaw("\"a\" ; b \""), UsageError);
  EXPECT_THROW(Word::FromTrustedRaw("a\\"), UsageError);
  EXPECT_THROW(Word::FromTrustedRaw("x}\n}\nserver {"), UsageError);
}

TEST(NginxValueValidationTest, NewDirectivesAndCommentsAreChecked) {
  EXPECT_THROW(Directive::Simple("listen;"), UsageError);
  EXPECT_THROW(Directive::Simple("a b"), UsageError);
  Directive d = Directive::Simple("ssl_certificate",
                                  {Word::FromValue("/x/fullchain.pem")});
  EXPECT_THROW(d.WithComment("managed\nreturn 200;"), UsageError);
  EXPECT_NO_THROW(d.WithComment("managed by certpilot; #1"));
}

TEST(NginxValueValidationTest, InsertionAndDumpRecheckNewWords) {
  Config config = ParseConfig("server {\n    listen 80;\n}\n", "t.conf");
  Directive* server = &config.root().children().front();

  Directive ok = Directive::Simple("server_name", {Word::FromValue("a.com")});
  Directive& inserted = config.Append(server, std::move(ok));
  EXPECT_EQ(inserted.name(), "server_name");

  // SetArg/AddArg only take checked words; raw splices are refused.
  EXPECT_THROW(inserted.AddArg(Word::FromTrustedRaw("b.com;")), UsageError);
  const std::string before = config.Dump();
  EXPECT_THROW(
      config.Append(
          server, Directive::Simple("return", {Word::FromTrustedRaw("200 x")})),
      UsageError);
  EXPECT_EQ(config.Dump(), before);  // tree unchanged
}

}  // namespace
}  // namespace certpilot::nginx
