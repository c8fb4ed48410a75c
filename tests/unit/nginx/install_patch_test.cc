// The installer's edits (nginx/patch/install_patch.h) as golden files, the
// refusals, and idempotence: installing again changes nothing.
#include "nginx/patch/install_patch.h"

#include <gtest/gtest.h>

#include "nginx/config/parser.h"
#include "nginx/config/server_query.h"
#include "nginx/patch/tls_options.h"
#include "unit/nginx/golden.h"
#include "util/error.h"

namespace certpilot::nginx {
namespace {

using testing::kRoot;
using testing::LoadInput;
using testing::MemFilesystem;

InstallRequest Request(std::vector<std::string> names, bool redirect) {
  InstallRequest r;
  r.names = std::move(names);
  r.certificate_path = "/etc/certpilot/live/app.example.com/fullchain.pem";
  r.key_path = "/etc/certpilot/live/app.example.com/privkey.pem";
  r.options_path = "/etc/certpilot/options-ssl-nginx.conf";
  r.redirect = redirect;
  return r;
}

// Patches the case's input; checks the golden files; then installs again
// into the result and expects no change.
InstallResult RunCase(const std::string& name, const InstallRequest& req) {
  MemFilesystem fs;
  LoadInput("install/" + name, &fs);
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  InstallResult result = PatchForInstall(graph, req);
  const std::vector<sys::FileState> changed = testing::Modified(graph);
  testing::ExpectGolden("install/" + name, changed);

  MemFilesystem again;
  LoadInput("install/" + name, &again);
  for (const sys::FileState& f : changed) again.AddFile(f.path, *f.text);
  again.AddFile(req.options_path, std::string(kTlsOptionsText));
  ConfigGraph second = ConfigGraph::Load(again, kRoot);
  InstallResult repeat = PatchForInstall(second, req);
  EXPECT_TRUE(second.ModifiedFiles().empty())
      << name << ": a second install changed "
      << second.ModifiedFiles()[0]->Dump();
  EXPECT_TRUE(repeat.actions.empty());
  return result;
}

TEST(NginxInstallPatchTest, SeedLayoutWithRedirectSplitsTheBlock) {
  InstallResult r =
      RunCase("seed_redirect",
              Request({"app.example.com", "www.app.example.com"}, true));
  ASSERT_EQ(r.actions.size(), 2u);
  EXPECT_NE(r.actions[0].find("sites-enabled/app.conf:6: TLS on port 443"),
            std::string::npos)
      << r.actions[0];
  EXPECT_NE(r.actions[1].find("redirects app.example.com, www.app.example.com"),
            std::string::npos)
      << r.actions[1];
  EXPECT_TRUE(r.includes_options);
}

TEST(NginxInstallPatchTest, SeedLayoutWithoutRedirectKeepsServingHttp) {
  RunCase("seed_no_redirect",
          Request({"app.example.com", "www.app.example.com"}, false));
}

TEST(NginxInstallPatchTest, OtherPortsAppearInListenAndRedirect) {
  InstallRequest req = Request({"app.example.com"}, true);
  req.http_port = 8080;
  req.https_port = 8443;
  RunCase("custom_ports", req);
}

TEST(NginxInstallPatchTest, TlsBlockGetsOnlyItsTwoPathsSwapped) {
  InstallResult r = RunCase("tls_swap", Request({"app.example.com"}, false));
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_FALSE(r.includes_options);
}

TEST(NginxInstallPatchTest, ExistingRedirectBlockIsLeftAlone) {
  InstallResult r =
      RunCase("tls_swap_redirect", Request({"app.example.com"}, true));
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("already redirects app.example.com"),
            std::string::npos);
}

TEST(NginxInstallPatchTest, RedirectGoesToTheTopOfAPlainHttpBlock) {
  InstallRequest req =
      Request({"shop.example.com", "www.shop.example.com"}, true);
  InstallResult r = RunCase("tls_plus_http", req);
  ASSERT_EQ(r.actions.size(), 2u);
  EXPECT_NE(r.actions[0].find(
                "nginx.conf:4: ssl_certificate and ssl_certificate_key"),
            std::string::npos)
      << r.actions[0];
  EXPECT_NE(r.actions[1].find("nginx.conf:12: plain HTTP for shop.example.com, "
                              "www.shop.example.com now redirects"),
            std::string::npos)
      << r.actions[1];
}

TEST(NginxInstallPatchTest, BlocksInIncludedFilesAndImplicitListen) {
  RunCase("included",
          Request({"app.example.com", "implicit.example.com"}, false));
}

TEST(NginxInstallPatchTest, WildcardNameCrlfAndOwnTlsSettings) {
  InstallResult r = RunCase("wildcard_crlf", Request({"*.example.org"}, true));
  EXPECT_FALSE(r.includes_options);  // the block sets ssl_protocols itself
  EXPECT_NE(r.actions[0].find("is not included"), std::string::npos)
      << r.actions[0];
}

TEST(NginxInstallPatchTest, SplittingABlockWhoseListenIsIncludedIsRefused) {
  MemFilesystem fs;
  LoadInput("install/included", &fs);
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  try {
    PatchForInstall(graph, Request({"app.example.com"}, true));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("snippets/listen-80.conf"),
              std::string::npos)
        << e.what();
  }
}

TEST(NginxInstallPatchTest, NameWithoutItsOwnBlockIsReportedNotGuessed) {
  MemFilesystem fs;
  fs.AddFile("/srv/nginx/nginx.conf",
             "http { server { listen 80 default_server; server_name _; } "
             "server { listen 80; server_name app.example.com; } }\n");
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  try {
    PatchForInstall(graph,
                    Request({"app.example.com", "nowhere.example.com"}, false));
    FAIL() << "no error";
  } catch (const NoServerBlockError& e) {
    EXPECT_EQ(e.names(), std::vector<std::string>{"nowhere.example.com"});
    EXPECT_NE(std::string(e.what()).find("server_name nowhere.example.com"),
              std::string::npos)
        << e.what();
  }
}

TEST(NginxInstallPatchTest, SeveralCertificatesInABlockAreRefused) {
  MemFilesystem fs;
  fs.AddFile("/srv/nginx/nginx.conf",
             "http { server { listen 443 ssl; server_name a.example;\n"
             "ssl_certificate /r.pem; ssl_certificate_key /r.key;\n"
             "ssl_certificate /e.pem; ssl_certificate_key /e.key; } }\n");
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  EXPECT_THROW(PatchForInstall(graph, Request({"a.example"}, false)), Error);
}

TEST(NginxInstallPatchTest, CertificateSharedThroughAnIncludeIsRefused) {
  MemFilesystem fs;
  fs.AddFile(
      "/srv/nginx/nginx.conf",
      "http {\n"
      "  server { listen 443 ssl; server_name a.example; include tls.conf; }\n"
      "  server { listen 443 ssl; server_name b.example; include tls.conf; }\n"
      "}\n");
  fs.AddFile("/srv/nginx/tls.conf",
             "ssl_certificate /x.pem;\nssl_certificate_key /x.key;\n");
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  try {
    PatchForInstall(graph, Request({"a.example"}, false));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("1 other server block"),
              std::string::npos)
        << e.what();
  }
}

TEST(NginxInstallPatchTest, InjectionAttemptsAreRefusedBeforeAnyEdit) {
  const std::vector<std::pair<std::string, InstallRequest>> attempts = [] {
    std::vector<std::pair<std::string, InstallRequest>> v;
    InstallRequest r = Request({"app.example.com"}, true);
    r.names = {"app.example.com;"};
    v.push_back({"name with ;", r});
    r = Request({"app.example.com"}, true);
    r.names = {"app.example.com { return 200 pwned; }"};
    v.push_back({"name with block", r});
    r = Request({"app.example.com"}, true);
    r.certificate_path = "/etc/x.pem; include /etc/shadow";
    v.push_back({"path with ;", r});
    r = Request({"app.example.com"}, true);
    r.key_path = "/etc/$host/privkey.pem";
    v.push_back({"path with $", r});
    r = Request({"app.example.com"}, true);
    r.options_path = "/etc/o.conf\n}";
    v.push_back({"path with newline", r});
    r = Request({"app.example.com"}, true);
    r.certificate_path = "/etc/a\"b.pem";
    v.push_back({"path with quote", r});
    r = Request({"app.example.com"}, true);
    r.key_path = "/etc/a#b.pem";
    v.push_back({"path with #", r});
    return v;
  }();
  for (const auto& [what, req] : attempts) {
    MemFilesystem fs;
    LoadInput("install/seed_redirect", &fs);
    ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
    EXPECT_THROW(PatchForInstall(graph, req), UsageError) << what;
    EXPECT_TRUE(graph.ModifiedFiles().empty()) << what;
  }
}

TEST(NginxInstallPatchTest, ABlockOnAnotherPortIsFoundByNameAndReported) {
  // No block serves the name on 80 or 443: the one on 8080 is chosen (an
  // exact name beats the wildcard on 8081), gets TLS on the HTTPS port beside
  // its own listen, and the choice is reported.
  MemFilesystem fs;
  fs.AddFile("/srv/nginx/nginx.conf",
             "http {\n"
             "    server { listen 8081; server_name *.example.com; }\n"
             "    server {\n"
             "        listen 127.0.0.1:8080;\n"
             "        server_name app.example.com;\n"
             "    }\n"
             "}\n");
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  InstallRequest req = Request({"app.example.com"}, true);
  InstallResult r = PatchForInstall(graph, req);
  EXPECT_EQ(graph.main().Dump(),
            "http {\n"
            "    server { listen 8081; server_name *.example.com; }\n"
            "    server {\n"
            "        listen 127.0.0.1:8080;\n"
            "        server_name app.example.com;\n"
            "        listen 127.0.0.1:443 ssl; # managed by certpilot\n"
            "        ssl_certificate "
            "/etc/certpilot/live/app.example.com/fullchain.pem; # managed by "
            "certpilot\n"
            "        ssl_certificate_key "
            "/etc/certpilot/live/app.example.com/privkey.pem; # managed by "
            "certpilot\n"
            "        include /etc/certpilot/options-ssl-nginx.conf; # managed "
            "by certpilot\n"
            "    }\n"
            "}\n");
  ASSERT_EQ(r.choices.size(), 1u);
  EXPECT_EQ(r.choices[0],
            "app.example.com: nginx.conf:3 (listen 127.0.0.1:8080), exact "
            "name app.example.com, chosen over nginx.conf:2 (listen 8081)");
  // The redirect needs a plain block on the HTTP port: none, and said so.
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("no redirect"), std::string::npos) << r.notes[0];

  // Installing again finds the block on 443 now and changes nothing.
  MemFilesystem again;
  again.AddFile("/srv/nginx/nginx.conf", graph.main().Dump());
  again.AddFile(req.options_path, std::string(kTlsOptionsText));
  ConfigGraph second = ConfigGraph::Load(again, kRoot);
  InstallResult repeat = PatchForInstall(second, req);
  EXPECT_TRUE(second.ModifiedFiles().empty());
  EXPECT_TRUE(repeat.actions.empty());
  EXPECT_TRUE(repeat.choices.empty());
}

TEST(NginxInstallPatchTest, OnAnyPortATlsBlockIsPreferredAsCertbotDoes) {
  // A TLS block on 8443 (wildcard) beats a plain exact block on 8080: only
  // its certificate changes.
  MemFilesystem fs;
  const std::string plain =
      "    server { listen 8080; server_name app.example.com; }\n";
  fs.AddFile("/srv/nginx/nginx.conf",
             "http {\n" + plain +
                 "    server { listen 8443 ssl; server_name *.example.com;\n"
                 "        ssl_certificate /old.pem; ssl_certificate_key "
                 "/old.key; }\n"
                 "}\n");
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  InstallResult r = PatchForInstall(graph, Request({"app.example.com"}, false));
  const std::string out = graph.main().Dump();
  EXPECT_NE(out.find(plain), std::string::npos) << out;
  EXPECT_NE(out.find("ssl_certificate "
                     "/etc/certpilot/live/app.example.com/fullchain.pem;"),
            std::string::npos)
      << out;
  ASSERT_EQ(r.choices.size(), 1u);
  EXPECT_NE(r.choices[0].find("nginx.conf:3 (listen 8443 ssl), leading "
                              "wildcard *.example.com, chosen over "
                              "nginx.conf:2 (listen 8080)"),
            std::string::npos)
      << r.choices[0];
}

TEST(NginxInstallPatchTest, BlockSelectionUsesNginxPrecedence) {
  // The exact name wins over a wildcard and a regex that also match: only
  // the exact block changes.
  MemFilesystem fs;
  const std::string conf =
      "http {\n"
      "    server { listen 80; server_name ~^app\\.example\\.com$; root "
      "/regex; }\n"
      "    server { listen 80; server_name *.example.com; root /wild; }\n"
      "    server { listen 80; server_name app.example.com; root /exact; }\n"
      "}\n";
  fs.AddFile("/srv/nginx/nginx.conf", conf);
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  InstallResult r = PatchForInstall(graph, Request({"app.example.com"}, false));
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_NE(r.actions[0].find("nginx.conf:4"), std::string::npos)
      << r.actions[0];
  const std::string out = graph.main().Dump();
  const size_t exact = out.find("root /exact;");
  const size_t added = out.find("listen 443 ssl;");
  ASSERT_NE(added, std::string::npos) << out;
  EXPECT_GT(added, exact) << out;
  EXPECT_EQ(out.find("listen 443 ssl;", added + 1), std::string::npos) << out;
}

}  // namespace
}  // namespace certpilot::nginx
