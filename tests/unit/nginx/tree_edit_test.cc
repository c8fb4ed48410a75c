// Edits: new directives take their siblings' indentation and newline style;
// removals restore the text; nothing else in the file changes.
#include <gtest/gtest.h>

#include <string>

#include "nginx/config/parser.h"
#include "nginx/config/tree.h"

namespace certpilot::nginx {
namespace {

Word V(const char* value) { return Word::FromValue(value); }

Directive* Child(Config& c, const std::string& name) {
  for (Directive* d : c.FindAll(name)) return d;
  return nullptr;
}

TEST(NginxTreeEditTest, AppendToServerBlockFollowsSiblingIndentation) {
  Config c = ParseConfig(
      "http {\n"
      "\tserver {\n"
      "\t\tlisten 80;\n"
      "\t\tserver_name example.com;  # main\n"
      "\n"
      "\t\t# proxy\n"
      "\t\tlocation / {\n"
      "\t\t\tproxy_pass http://127.0.0.1:8080;\n"
      "\t\t}\n"
      "\t}\n"
      "}\n",
      "t.conf");
  Directive* server = Child(c, "server");
  c.Append(server, Directive::Simple("listen", {V("443"), V("ssl")})
                       .WithComment("managed by certpilot"));
  c.InsertAfter(*Child(c, "server_name"),
                Directive::Simple("ssl_certificate", {V("/l/fullchain.pem")}));
  EXPECT_EQ(c.Dump(),
            "http {\n"
            "\tserver {\n"
            "\t\tlisten 80;\n"
            "\t\tserver_name example.com;  # main\n"
            "\t\tssl_certificate /l/fullchain.pem;\n"
            "\n"
            "\t\t# proxy\n"
            "\t\tlocation / {\n"
            "\t\t\tproxy_pass http://127.0.0.1:8080;\n"
            "\t\t}\n"
            "\t\tlisten 443 ssl; # managed by certpilot\n"
            "\t}\n"
            "}\n");
}

TEST(NginxTreeEditTest, NewBlockIsIndentedOneStepDeeper) {
  Config c = ParseConfig(
      "server {\n  listen 80;\n  location / {\n    root /srv;\n  }\n}\n",
      "t.conf");
  EXPECT_EQ(c.indent_unit(), "  ");
  Directive* server = Child(c, "server");
  c.InsertBefore(
      *Child(c, "location"),
      Directive::WithBlock(
          "location", {V("="), V("/.well-known/acme-challenge/tok_EN-1")},
          {Directive::Simple("default_type", {V("text/plain")}),
           Directive::Simple("return",
                             {V("200"), Word::FromTrustedRaw("\"tok.key\"")})})
          .WithComment("managed by certpilot"));
  (void)server;
  EXPECT_EQ(c.Dump(),
            "server {\n"
            "  listen 80;\n"
            "  location = /.well-known/acme-challenge/tok_EN-1 {\n"
            "    default_type text/plain;\n"
            "    return 200 \"tok.key\";\n"
            "  } # managed by certpilot\n"
            "  location / {\n"
            "    root /srv;\n"
            "  }\n"
            "}\n");
}

TEST(NginxTreeEditTest, CrlfFilesGetCrlf) {
  Config c = ParseConfig("server {\r\n    listen 80;\r\n}\r\n", "t.conf");
  c.Append(Child(c, "server"), Directive::Simple("server_name", {V("a.b")}));
  EXPECT_EQ(c.Dump(),
            "server {\r\n    listen 80;\r\n    server_name a.b;\r\n}\r\n");
}

TEST(NginxTreeEditTest, EmptyBlocks) {
  Config multi = ParseConfig("http {\n    server {\n    }\n}\n", "t.conf");
  multi.Append(Child(multi, "server"), Directive::Simple("listen", {V("80")}));
  EXPECT_EQ(multi.Dump(),
            "http {\n    server {\n        listen 80;\n    }\n}\n");

  Config inline_block = ParseConfig("server {}\n", "t.conf");
  Directive& added = inline_block.Append(
      Child(inline_block, "server"), Directive::Simple("listen", {V("80")}));
  EXPECT_EQ(inline_block.Dump(), "server { listen 80; }\n");
  inline_block.Remove(added);
  EXPECT_EQ(inline_block.Dump(), "server {}\n");
}

TEST(NginxTreeEditTest, SameLineSiblings) {
  Config c = ParseConfig("a 1; b 2;\n", "t.conf");
  c.InsertAfter(*Child(c, "a"), Directive::Simple("n", {V("3")}));
  EXPECT_EQ(c.Dump(), "a 1; n 3; b 2;\n");
}

TEST(NginxTreeEditTest, EmptyFileAndCommentOnlyFile) {
  Config empty = ParseConfig("", "t.conf");
  empty.Append(nullptr, Directive::Simple("include", {V("/x/opts.conf")}));
  EXPECT_EQ(empty.Dump(), "include /x/opts.conf;\n");

  Config comments = ParseConfig("# ours\n", "t.conf");
  comments.Append(nullptr, Directive::Simple("a", {V("1")}));
  EXPECT_EQ(comments.Dump(), "# ours\na 1;\n");
}

TEST(NginxTreeEditTest, FileWithoutFinalNewline) {
  Config c = ParseConfig("server {\n    listen 80;\n}", "t.conf");
  c.Append(Child(c, "server"), Directive::Simple("server_name", {V("x.y")}));
  EXPECT_EQ(c.Dump(), "server {\n    listen 80;\n    server_name x.y;\n}");
}

TEST(NginxTreeEditTest, InsertThenRemoveRestoresEveryByte) {
  const std::string text =
      "# top\n"
      "http {\n"
      "    server {   # srv\n"
      "        listen 80;   # plain\n"
      "\n"
      "        # names\n"
      "        server_name a.example b.example;\n"
      "        location / { return 204; }\n"
      "    }\n"
      "}\n";
  Config c = ParseConfig(text, "t.conf");
  Directive* server = Child(c, "server");
  std::vector<Directive*> added;
  added.push_back(&c.Append(server, Directive::Simple("a", {V("1")})));
  added.push_back(&c.InsertBefore(
      *Child(c, "server_name"),
      Directive::Simple("b", {V("2")}).WithComment("managed by certpilot")));
  added.push_back(
      &c.InsertAfter(*Child(c, "listen"), Directive::Simple("c", {V("3")})));
  added.push_back(
      &c.InsertBefore(*Child(c, "listen"), Directive::Simple("d", {V("4")})));
  added.push_back(
      &c.InsertBefore(*Child(c, "return"), Directive::Simple("e", {V("5")})));
  added.push_back(
      &c.Append(Child(c, "location"),
                Directive::WithBlock("f", {}, {Directive::Simple("g")})));
  EXPECT_NE(c.Dump(), text);
  EXPECT_TRUE(c.IsModified());
  for (Directive* d : added) c.Remove(*d);
  EXPECT_EQ(c.Dump(), text);
  EXPECT_FALSE(c.IsModified());
}

TEST(NginxTreeEditTest, RemoveKeepsCommentLinesBefore) {
  Config c = ParseConfig(
      "server {\n    listen 80;\n\n    # tls\n    ssl_certificate x;  # c\n"
      "    root /srv;\n}\n",
      "t.conf");
  c.Remove(*Child(c, "ssl_certificate"));
  EXPECT_EQ(c.Dump(),
            "server {\n    listen 80;\n\n    # tls\n    root /srv;\n}\n");
}

TEST(NginxTreeEditTest, ArgumentEdits) {
  Config c = ParseConfig("ssl_certificate   /old/fullchain.pem;\nlisten 80;\n",
                         "t.conf");
  Child(c, "ssl_certificate")->SetArg(0, V("/new/fullchain.pem"));
  Child(c, "listen")->AddArg(V("default_server"));
  EXPECT_EQ(
      c.Dump(),
      "ssl_certificate   /new/fullchain.pem;\nlisten 80 default_server;\n");
  Child(c, "listen")->RemoveArg(1);
  EXPECT_EQ(c.Dump(), "ssl_certificate   /new/fullchain.pem;\nlisten 80;\n");
}

TEST(NginxTreeEditTest, CopiedBlockKeepsItsInsideAndComment) {
  Config c = ParseConfig(
      "http {\n    server {  # web\n        listen 80;\n    }  # end\n}\n",
      "t.conf");
  Directive copy = *Child(c, "server");
  c.InsertAfter(*Child(c, "server"), std::move(copy));
  EXPECT_EQ(c.Dump(),
            "http {\n    server {  # web\n        listen 80;\n    }  # end\n"
            "    server {  # web\n        listen 80;\n    }  # end\n}\n");
}

TEST(NginxTreeEditTest, RejectsNodesOfOtherFiles) {
  Config a = ParseConfig("server {}\n", "a.conf");
  Config b = ParseConfig("server {}\nx;\n", "b.conf");
  EXPECT_THROW(a.Append(Child(b, "server"), Directive::Simple("x")),
               std::invalid_argument);
  EXPECT_THROW(a.Remove(*Child(b, "x")), std::invalid_argument);
  EXPECT_THROW(b.Append(Child(b, "x"), Directive::Simple("y")),
               std::invalid_argument);  // not a block
  EXPECT_EQ(b.ParentOf(*Child(b, "x")), nullptr);
}

}  // namespace
}  // namespace certpilot::nginx
