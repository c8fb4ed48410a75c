// Fleet mode's permanent challenge proxy (nginx/patch/challenge_proxy.h):
// which blocks get it, what they get, idempotence, a moved agent, and what
// is left alone.
#include "nginx/patch/challenge_proxy.h"

#include <gtest/gtest.h>

#include "nginx/config/parser.h"
#include "nginx/patch/challenge_patch.h"
#include "unit/nginx/golden.h"
#include "util/error.h"

namespace certpilot::nginx {
namespace {

using testing::kRoot;
using testing::MemFilesystem;

const std::string kMain = std::string(kRoot) + "/nginx.conf";

ChallengeProxyRequest Request(std::string upstream = "127.0.0.1:8402") {
  ChallengeProxyRequest r;
  r.names = {"app.example.com"};
  r.upstream = std::move(upstream);
  return r;
}

// Patches `text` (the whole nginx.conf); returns the result and the file as
// written (or unchanged).
struct Patched {
  ChallengeProxyResult result;
  std::string text;
  bool modified = false;
};
Patched Patch(const std::string& text, const ChallengeProxyRequest& req) {
  MemFilesystem fs;
  fs.AddFile(kMain, text);
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  Patched run;
  run.result = PatchForChallengeProxy(graph, req);
  run.modified = !graph.ModifiedFiles().empty();
  run.text = graph.main().Dump();
  return run;
}

const char kPlain[] =
    "http {\n"
    "    server {\n"
    "        listen 80;\n"
    "        server_name app.example.com;\n"
    "        location / { proxy_pass http://127.0.0.1:8080; }\n"
    "    }\n"
    "}\n";

const char kProxied[] =
    "http {\n"
    "    server {\n"
    "        rewrite ^(/\\.well-known/acme-challenge/[-_A-Za-z0-9]+)$ $1 "
    "break; # managed by certpilot\n"
    "        listen 80;\n"
    "        server_name app.example.com;\n"
    "        location / { proxy_pass http://127.0.0.1:8080; }\n"
    "        location ^~ /.well-known/acme-challenge/ {\n"
    "            proxy_pass http://127.0.0.1:8402;\n"
    "        } # managed by certpilot\n"
    "    }\n"
    "}\n";

TEST(NginxChallengeProxyTest, AddsTheRewriteFirstAndTheLocationLast) {
  const Patched run = Patch(kPlain, Request());
  EXPECT_EQ(run.text, kProxied);
  ASSERT_EQ(run.result.actions.size(), 1u);
  EXPECT_NE(run.result.actions[0].find("http://127.0.0.1:8402"),
            std::string::npos)
      << run.result.actions[0];
  EXPECT_TRUE(run.result.notes.empty());
}

TEST(NginxChallengeProxyTest, ASecondRunChangesNothing) {
  const Patched run = Patch(kProxied, Request());
  EXPECT_FALSE(run.modified) << run.text;
  EXPECT_EQ(run.text, kProxied);
  EXPECT_TRUE(run.result.actions.empty());
  ASSERT_EQ(run.result.notes.size(), 1u);
  EXPECT_NE(run.result.notes[0].find("already sends challenges"),
            std::string::npos);
}

TEST(NginxChallengeProxyTest, PointsAMovedAgentsLocationAtTheNewAddress) {
  const Patched run = Patch(kProxied, Request("[::1]:9402"));
  std::string want = kProxied;
  want.replace(want.find("127.0.0.1:8402"), 14, "[::1]:9402");
  EXPECT_EQ(run.text, want);
  EXPECT_EQ(run.result.actions.size(), 1u);
  // Exactly one rewrite and one location, not a second of either.
  EXPECT_EQ(run.text.find("rewrite", run.text.find("rewrite") + 1),
            std::string::npos);
}

TEST(NginxChallengeProxyTest, LeavesABlockWithItsOwnChallengeLocationAlone) {
  const std::string text =
      "http {\n"
      "    server {\n"
      "        listen 80;\n"
      "        server_name app.example.com;\n"
      "        location /.well-known/acme-challenge/ { root /var/www; }\n"
      "    }\n"
      "}\n";
  const Patched run = Patch(text, Request());
  EXPECT_FALSE(run.modified);
  EXPECT_EQ(run.text, text);
  EXPECT_TRUE(run.result.actions.empty());
  ASSERT_EQ(run.result.notes.size(), 1u);
  EXPECT_NE(run.result.notes[0].find("left alone"), std::string::npos)
      << run.result.notes[0];
}

TEST(NginxChallengeProxyTest, AnAdminsOwnProxyToTheAgentIsSaidToServe) {
  const std::string text =
      "http {\n"
      "    server {\n"
      "        listen 80;\n"
      "        server_name app.example.com;\n"
      "        location ^~ /.well-known/acme-challenge/ {\n"
      "            proxy_pass http://127.0.0.1:8402;\n"
      "        }\n"
      "    }\n"
      "}\n";
  const Patched run = Patch(text, Request());
  EXPECT_FALSE(run.modified);
  ASSERT_EQ(run.result.notes.size(), 1u);
  EXPECT_NE(run.result.notes[0].find("already sends challenges to "
                                     "http://127.0.0.1:8402"),
            std::string::npos)
      << run.result.notes[0];
}

TEST(NginxChallengeProxyTest, UsesTheHttpsBlockWhenPort80IsACatchAll) {
  // Port 80 redirects everything to HTTPS; the CA follows the redirect
  // (RFC 8555 §8.3), so the HTTPS block is the one that must answer.
  const std::string text =
      "http {\n"
      "    server {\n"
      "        listen 80 default_server;\n"
      "        return 301 https://$host$request_uri;\n"
      "    }\n"
      "    server {\n"
      "        listen 443 ssl;\n"
      "        server_name app.example.com;\n"
      "    }\n"
      "}\n";
  const Patched run = Patch(text, Request());
  EXPECT_EQ(run.text,
            "http {\n"
            "    server {\n"
            "        listen 80 default_server;\n"
            "        return 301 https://$host$request_uri;\n"
            "    }\n"
            "    server {\n"
            "        rewrite ^(/\\.well-known/acme-challenge/[-_A-Za-z0-9]+)$ "
            "$1 break; # managed by certpilot\n"
            "        listen 443 ssl;\n"
            "        server_name app.example.com;\n"
            "        location ^~ /.well-known/acme-challenge/ {\n"
            "            proxy_pass http://127.0.0.1:8402;\n"
            "        } # managed by certpilot\n"
            "    }\n"
            "}\n");
}

TEST(NginxChallengeProxyTest, PatchesCertbotsRedirectBlockAheadOfItsIf) {
  // certbot's HTTP block: the rewrite comes first, so its `break` stops the
  // `if … return 301` for a challenge path only.
  const std::string text =
      "http {\n"
      "    server {\n"
      "        if ($host = app.example.com) {\n"
      "            return 301 https://$host$request_uri;\n"
      "        } # managed by Certbot\n"
      "        listen 80;\n"
      "        server_name app.example.com;\n"
      "        return 404; # managed by Certbot\n"
      "    }\n"
      "}\n";
  const Patched run = Patch(text, Request());
  const size_t rewrite = run.text.find("rewrite ^(/\\.well-known");
  const size_t if_pos = run.text.find("if ($host");
  const size_t location = run.text.find("location ^~");
  ASSERT_NE(rewrite, std::string::npos) << run.text;
  ASSERT_NE(location, std::string::npos) << run.text;
  EXPECT_LT(rewrite, if_pos);
  EXPECT_GT(location, run.text.find("return 404"));
}

TEST(NginxChallengeProxyTest, NamesANameNoBlockServes) {
  ChallengeProxyRequest req = Request();
  req.names.push_back("other.example.com");
  const Patched run = Patch(kPlain, req);
  EXPECT_EQ(run.result.actions.size(), 1u);
  ASSERT_EQ(run.result.notes.size(), 1u);
  EXPECT_NE(run.result.notes[0].find("other.example.com"), std::string::npos);
}

TEST(NginxChallengeProxyTest, RefusesAnUpstreamThatIsNotAValue) {
  EXPECT_THROW(Patch(kPlain, Request("127.0.0.1:8402; return 200")),
               UsageError);
}

TEST(NginxChallengeProxyTest, RecoveryOfChallengeLinesKeepsTheProxy) {
  // StripChallengeLines removes a crashed challenge's one-token lines; the
  // proxy's any-token rewrite is not one of them.
  Config c = ParseConfig(kProxied, "t.conf");
  EXPECT_EQ(StripChallengeLines(c, "/var/lib/certpilot/nginx/own.conf"), 0);
  EXPECT_EQ(c.Dump(), kProxied);
}

}  // namespace
}  // namespace certpilot::nginx
