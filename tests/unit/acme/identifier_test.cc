#include "acme/identifier.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace certpilot::acme {
namespace {

TEST(Identifier, NormalisesDomains) {
  EXPECT_EQ(ParseIdentifierInput("WWW.Example.COM."),
            (Identifier{"dns", "www.example.com"}));
  EXPECT_EQ(ParseIdentifierInput("*.example.com"),
            (Identifier{"dns", "*.example.com"}));
  EXPECT_EQ(ParseIdentifierInput("xn--bcher-kva.example"),
            (Identifier{"dns", "xn--bcher-kva.example"}));
}

TEST(Identifier, RecognisesIpAddresses) {
  EXPECT_EQ(ParseIdentifierInput("127.0.0.1"), (Identifier{"ip", "127.0.0.1"}));
  EXPECT_EQ(ParseIdentifierInput("0:0:0:0:0:0:0:1"), (Identifier{"ip", "::1"}));
  EXPECT_EQ(ParseIdentifierInput("[::1]"), (Identifier{"ip", "::1"}));
}

struct BadCase {
  const char* input;
  const char* expected_fragment;
};

class BadIdentifier : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadIdentifier, IsRefusedWithAReason) {
  try {
    ParseIdentifierInput(GetParam().input);
    FAIL() << "accepted " << GetParam().input;
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(GetParam().expected_fragment),
              std::string::npos)
        << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadIdentifier,
    ::testing::Values(
        BadCase{"", "empty"}, BadCase{".", "empty"},
        BadCase{"a..b", "empty label"}, BadCase{"exa mple.com", "white space"},
        BadCase{"a;b.com", "';'"}, BadCase{"a/b.com", "'/'"},
        BadCase{"a\nb.com", "control"}, BadCase{"$x.com", "'$'"},
        BadCase{"a\"b.com", "'\"'"}, BadCase{"a'b.com", "'''"},
        BadCase{"{a}.com", "'{'"}, BadCase{"a#b.com", "'#'"},
        BadCase{"www.*.example.com", "leftmost"},
        BadCase{"w*.example.com", "leftmost"}, BadCase{"*.com", "two labels"},
        BadCase{"-a.example.com", "'-'"}, BadCase{"a_b.example.com", "'_'"},
        BadCase{"bücher.example", "punycode"}));

TEST(Identifier, LengthLimits) {
  std::string label63(63, 'a'), label64(64, 'a');
  EXPECT_NO_THROW(ParseIdentifierInput(label63 + ".com"));
  EXPECT_THROW(ParseIdentifierInput(label64 + ".com"), UsageError);
  std::string name;
  while (name.size() < 250) name += "abcdefghi.";
  EXPECT_NO_THROW(ParseIdentifierInput(name + "com"));  // exactly 253
  name += "comm";
  EXPECT_THROW(ParseIdentifierInput(name), UsageError);
}

TEST(Identifier, DeduplicatesKeepingOrder) {
  auto ids = ParseIdentifierInputs({"b.example", "A.example", "B.EXAMPLE."});
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0].value, "b.example");
  EXPECT_EQ(ids[1].value, "a.example");
}

}  // namespace
}  // namespace certpilot::acme
