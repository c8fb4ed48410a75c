// The enhancements (nginx/patch/enhance_patch.h): the exact lines added,
// which blocks get them, idempotence, and what is refused.
#include "nginx/patch/enhance_patch.h"

#include <gtest/gtest.h>

#include "nginx/patch/install_patch.h"
#include "unit/nginx/golden.h"
#include "util/error.h"

namespace certpilot::nginx {
namespace {

using testing::kRoot;
using testing::MemFilesystem;

constexpr char kChain[] = "/etc/certpilot/live/app.example.com/chain.pem";

EnhanceRequest Request(bool hsts, bool uir, bool staple) {
  EnhanceRequest r;
  r.names = {"app.example.com"};
  r.hsts = hsts;
  r.uir = uir;
  r.staple_ocsp = staple;
  r.chain_path = kChain;
  return r;
}

// Enhances `conf` (nginx.conf); returns the new text and the result.
std::pair<std::string, EnhanceResult> Enhance(const std::string& conf,
                                              const EnhanceRequest& req) {
  MemFilesystem fs;
  fs.AddFile("/srv/nginx/nginx.conf", conf);
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  EnhanceResult r = PatchForEnhance(graph, req);
  return {graph.main().Dump(), r};
}

constexpr char kTls[] =
    "http {\n"
    "    server {\n"
    "        listen 80;\n"
    "        server_name app.example.com;\n"
    "    }\n"
    "    server {\n"
    "        listen 443 ssl;\n"
    "        server_name app.example.com;\n"
    "        ssl_certificate /c.pem;\n"
    "        ssl_certificate_key /k.pem;\n"
    "    }\n"
    "}\n";

TEST(NginxEnhancePatchTest, AddsTheExactLinesToTheTlsBlockOnly) {
  auto [out, r] = Enhance(kTls, Request(true, true, true));
  EXPECT_EQ(out,
            "http {\n"
            "    server {\n"
            "        listen 80;\n"
            "        server_name app.example.com;\n"
            "    }\n"
            "    server {\n"
            "        listen 443 ssl;\n"
            "        server_name app.example.com;\n"
            "        ssl_certificate /c.pem;\n"
            "        ssl_certificate_key /k.pem;\n"
            "        add_header Strict-Transport-Security "
            "\"max-age=31536000\" always; # managed by certpilot\n"
            "        add_header Content-Security-Policy "
            "\"upgrade-insecure-requests\" always; # managed by certpilot\n"
            "        ssl_trusted_certificate "
            "/etc/certpilot/live/app.example.com/chain.pem; # managed by "
            "certpilot\n"
            "        ssl_stapling on; # managed by certpilot\n"
            "        ssl_stapling_verify on; # managed by certpilot\n"
            "    }\n"
            "}\n");
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0],
            "nginx.conf:6: now sends Strict-Transport-Security, "
            "Content-Security-Policy, OCSP stapling");
}

TEST(NginxEnhancePatchTest, EnhancingTwiceChangesNothingAndSaysSo) {
  const std::string once = Enhance(kTls, Request(true, true, true)).first;
  auto [twice, r] = Enhance(once, Request(true, true, true));
  EXPECT_EQ(twice, once);
  EXPECT_TRUE(r.actions.empty());
  ASSERT_EQ(r.notes.size(), 3u);
  EXPECT_NE(r.notes[0].find("already sends Strict-Transport-Security"),
            std::string::npos)
      << r.notes[0];
  EXPECT_NE(r.notes[1].find("already sends Content-Security-Policy"),
            std::string::npos)
      << r.notes[1];
  EXPECT_NE(r.notes[2].find("already sets ssl_stapling on"), std::string::npos)
      << r.notes[2];
}

TEST(NginxEnhancePatchTest, HeadersOfThePersonCountOnlyWhenTheyDoTheJob) {
  // Any HSTS header of the person's is left as it is; a CSP without
  // upgrade-insecure-requests gets ours beside it (browsers apply both).
  const std::string conf =
      "http { server { listen 443 ssl; server_name app.example.com;\n"
      "add_header strict-transport-security \"max-age=60\";\n"
      "add_header Content-Security-Policy \"default-src 'self'\";\n"
      "} }\n";
  auto [out, r] = Enhance(conf, Request(true, true, false));
  EXPECT_EQ(out.find("max-age=31536000"), std::string::npos) << out;
  EXPECT_NE(out.find("\"upgrade-insecure-requests\" always;"),
            std::string::npos)
      << out;
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0], "nginx.conf:1: now sends Content-Security-Policy");
}

TEST(NginxEnhancePatchTest, StaplingTheBlockSetsItselfIsLeftAlone) {
  const std::string conf =
      "http { server { listen 443 ssl; server_name app.example.com;\n"
      "ssl_stapling off; } }\n";
  auto [out, r] = Enhance(conf, Request(false, false, true));
  EXPECT_EQ(out, conf);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("already sets ssl_stapling off"),
            std::string::npos);
}

TEST(NginxEnhancePatchTest, LocationsWithTheirOwnHeadersAreNamed) {
  const std::string conf =
      "http { server { listen 443 ssl; server_name app.example.com;\n"
      "location /api { add_header X-Api 1; } } }\n";
  auto [out, r] = Enhance(conf, Request(true, false, false));
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("location /api (line 2) has add_header"),
            std::string::npos)
      << r.notes[0];
}

TEST(NginxEnhancePatchTest, ATlsBlockOnAnotherPortIsFoundByName) {
  const std::string conf =
      "http { server { listen 8080; server_name app.example.com; }\n"
      "server { listen 8443 ssl; server_name *.example.com; } }\n";
  auto [out, r] = Enhance(conf, Request(true, false, false));
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0], "nginx.conf:2: now sends Strict-Transport-Security");
}

TEST(NginxEnhancePatchTest, NoTlsBlockMeansInstallFirst) {
  MemFilesystem fs;
  fs.AddFile("/srv/nginx/nginx.conf",
             "http { server { listen 80; server_name app.example.com; } }\n");
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  try {
    PatchForEnhance(graph, Request(true, false, false));
    FAIL() << "no error";
  } catch (const NoServerBlockError& e) {
    EXPECT_NE(std::string(e.what()).find("install the certificate first"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(graph.ModifiedFiles().empty());
}

TEST(NginxEnhancePatchTest, NothingAskedOrAnUnsafeChainIsAUsageError) {
  MemFilesystem fs;
  fs.AddFile("/srv/nginx/nginx.conf", kTls);
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  EXPECT_THROW(PatchForEnhance(graph, Request(false, false, false)),
               UsageError);
  EnhanceRequest bad = Request(false, false, true);
  bad.chain_path = "/x.pem; include /etc/shadow";
  EXPECT_THROW(PatchForEnhance(graph, bad), UsageError);
  EXPECT_TRUE(graph.ModifiedFiles().empty());
}

}  // namespace
}  // namespace certpilot::nginx
