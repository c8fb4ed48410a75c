#include "acme/json.h"

#include <gtest/gtest.h>

namespace certpilot::acme::json {
namespace {

std::string FieldOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ProtocolError& e) {
    return e.field();
  }
  return "<no error>";
}

TEST(Json, ParsesDirectory) {
  Directory d = ParseDirectory(
      R"({"newNonce":"https://ca/nonce","newAccount":"https://ca/acct",
    "newOrder":"https://ca/order","revokeCert":"https://ca/revoke","keyChange":"https://ca/kc",
    "renewalInfo":"https://ca/ari",
    "meta":{"termsOfService":"https://ca/tos","externalAccountRequired":true,
            "profiles":{"classic":"the default"}}})");
  EXPECT_EQ(d.new_nonce, "https://ca/nonce");
  EXPECT_EQ(d.renewal_info, "https://ca/ari");
  EXPECT_TRUE(d.meta.external_account_required);
  EXPECT_EQ(d.meta.profiles.at("classic"), "the default");
}

TEST(Json, RefusesPlainHttpUrlsAnywhere) {
  EXPECT_EQ(
      FieldOf([] {
        ParseDirectory(
            R"({"newNonce":"http://ca/n","newAccount":"https://ca/a","newOrder":"https://ca/o"})");
      }),
      "newNonce");
  EXPECT_EQ(
      FieldOf([] {
        ParseDirectory(
            R"({"newNonce":"https://ca/n","newAccount":"file:///etc/passwd","newOrder":"https://ca/o"})");
      }),
      "newAccount");
  EXPECT_EQ(
      FieldOf([] {
        ParseOrder(
            R"({"status":"pending","identifiers":[],"authorizations":["http://x/a"],"finalize":"https://ca/f"})",
            "https://ca/o");
      }),
      "authorizations");
}

TEST(Json, NamesMissingAndMistypedFields) {
  EXPECT_EQ(FieldOf([] { ParseDirectory(R"({"newNonce":"https://ca/n"})"); }),
            "newAccount");
  EXPECT_EQ(FieldOf([] { ParseDirectory(R"({"newNonce":5})"); }), "newNonce");
  EXPECT_EQ(FieldOf([] { ParseDirectory("[1,2]"); }), "directory");
  EXPECT_EQ(FieldOf([] { ParseDirectory("{not json"); }), "directory");
  EXPECT_EQ(FieldOf([] { ParseDirectory("{\"a\":\"\xff\xfe\"}"); }),
            "directory");  // bad UTF-8
  EXPECT_EQ(
      FieldOf([] {
        ParseAuthorization(
            R"({"identifier":{"type":"dns","value":"a"},"status":"pending","challenges":{}})",
            "https://ca/z");
      }),
      "challenges");
  EXPECT_EQ(FieldOf([] { ParseOrder(R"({"status":7})", "https://ca/o"); }),
            "status");
  // Found by the acme_json fuzzer: a required URL that is empty.
  EXPECT_EQ(
      FieldOf([] {
        ParseOrder(
            R"({"status":"invalid","identifiers":[{"type":"dns","value":"a.example"}],)"
            R"("authorizations":["https://ca/z/1"],"finalize":""})",
            "https://ca/o");
      }),
      "finalize");
  EXPECT_EQ(
      FieldOf([] {
        ParseDirectory(
            R"({"newNonce":"","newAccount":"https://ca/a","newOrder":"https://ca/o"})");
      }),
      "newNonce");
}

TEST(Json, RefusesDeepNesting) {
  std::string deep(1000, '[');
  EXPECT_THROW(ParseDirectory(deep), ProtocolError);
}

TEST(Json, ChecksChallengeTokens) {
  auto chal = [](const std::string& token) {
    return R"({"type":"http-01","url":"https://ca/c","status":"pending","token":")" +
           token + R"("})";
  };
  EXPECT_NO_THROW(ParseChallenge(chal("abcdefghijklmnopqrstuvwxyz_-0123")));
  EXPECT_EQ(FieldOf([&] { ParseChallenge(chal("short")); }), "token");
  EXPECT_EQ(FieldOf([&] {
              ParseChallenge(chal("../../../../etc/passwd/aaaaaaaaaaa"));
            }),
            "token");
  EXPECT_EQ(FieldOf([&] {
              ParseChallenge(chal("abcdefghijklmnopqrstuvwxyz$(reboot)"));
            }),
            "token");
  EXPECT_EQ(FieldOf([&] { ParseChallenge(chal(std::string(300, 'a'))); }),
            "token");
  EXPECT_EQ(FieldOf([&] { ParseChallenge(chal("")); }),
            "token");  // http-01 needs one
}

TEST(Json, ParsesProblemsWithSubproblems) {
  Problem p =
      ParseProblem(R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier",
    "detail":"Some names were rejected\u001b[2J","status":400,
    "subproblems":[{"type":"urn:ietf:params:acme:error:malformed","detail":"bad name",
                    "identifier":{"type":"dns","value":"x.example"}}]})",
                   400);
  EXPECT_EQ(p.type, ProblemType::kRejectedIdentifier);
  ASSERT_EQ(p.subproblems.size(), 1u);
  EXPECT_EQ(p.subproblems[0].type, ProblemType::kMalformed);
  EXPECT_EQ(p.subproblems[0].identifier->value, "x.example");
  std::string text = p.ToString();
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(
      text.find("x.example: urn:ietf:params:acme:error:malformed: bad name"),
      std::string::npos);
}

// Hostile CA: a 1 MB detail full of control characters, and
// thousands of subproblems, make a short, printable message that says what
// was cut; the parsed fields keep everything.
TEST(Json, HugeProblemsPrintShortAndClean) {
  std::string detail;
  while (detail.size() < (1u << 20)) detail += "bad\\u001b[2J\\r\\n\\u00e9";
  Problem p = ParseProblem(
      R"({"type":"urn:ietf:params:acme:error:malformed","detail":")" + detail +
          R"(","status":400})",
      400);
  EXPECT_GT(p.detail.size(), 500'000u);
  std::string text = p.ToString();
  EXPECT_LE(text.size(), 4200u);
  EXPECT_EQ(text.rfind("urn:ietf:params:acme:error:malformed: bad?[2J??", 0),
            0u)
      << text.substr(0, 80);
  EXPECT_NE(text.find(" more bytes)"), std::string::npos);
  for (unsigned char c : text) EXPECT_FALSE(c < 0x20 || c == 0x7f) << int(c);

  std::string subs;
  for (int i = 0; i < 5000; ++i) {
    subs +=
        std::string(i ? "," : "") +
        R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"no",)"
        R"("identifier":{"type":"dns","value":"n)" +
        std::to_string(i) + R"(.example"}})";
  }
  p = ParseProblem(
      R"({"type":"urn:ietf:params:acme:error:compound","subproblems":[)" +
          subs + "]}",
      403);
  EXPECT_EQ(p.subproblems.size(), 5000u);
  text = p.ToString();
  EXPECT_LE(text.size(), 4200u);
  EXPECT_NE(
      text.find("n9.example: urn:ietf:params:acme:error:rejectedIdentifier: "
                "no; and 4990 more"),
      std::string::npos)
      << text;
}

TEST(Json, ProblemFromGarbageKeepsText) {
  Problem p = ParseProblem("<html>Bad Gateway</html>", 502);
  EXPECT_EQ(p.type, ProblemType::kUnknown);
  EXPECT_EQ(p.status, 502);
  EXPECT_NE(p.ToString().find("Bad Gateway"), std::string::npos);
}

TEST(Json, Payloads) {
  EXPECT_EQ(
      NewOrderPayload({{"dns", "a.example"}, {"ip", "127.0.0.1"}}, "", ""),
      R"({"identifiers":[{"type":"dns","value":"a.example"},{"type":"ip","value":"127.0.0.1"}]})");
  EXPECT_EQ(NewAccountPayload({}, false, true, ""),
            R"({"onlyReturnExisting":true})");
  EXPECT_EQ(NewAccountPayload({"mailto:a@b"}, true, false, ""),
            R"({"contact":["mailto:a@b"],"termsOfServiceAgreed":true})");
  EXPECT_EQ(
      ProtectedHeader("ES256", "", "https://ca/acct/1", "n1", "https://ca/o"),
      R"({"alg":"ES256","kid":"https://ca/acct/1","nonce":"n1","url":"https://ca/o"})");
}

TEST(Json, IsHttpsUrl) {
  EXPECT_TRUE(IsHttpsUrl("https://ca.example/dir"));
  EXPECT_FALSE(IsHttpsUrl("http://ca.example/dir"));
  EXPECT_FALSE(IsHttpsUrl("HTTPS://ca.example/dir"));
  EXPECT_FALSE(IsHttpsUrl("https://"));
  EXPECT_FALSE(IsHttpsUrl("https:///path"));
  EXPECT_FALSE(IsHttpsUrl("https://ca.example/a b"));
}

}  // namespace
}  // namespace certpilot::acme::json
