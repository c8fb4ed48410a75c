#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/types/json_text.h"

namespace certpilot::app {
namespace {

TEST(FleetJson, ParsesARegistryEntry) {
  auto node = ParseFleetNode(
      "web1", R"({"address":"127.0.0.2:80","heartbeat":1767225600,"x":1})");
  ASSERT_TRUE(node);
  EXPECT_EQ(node->name, "web1");
  EXPECT_EQ(node->address, "127.0.0.2:80");
  EXPECT_EQ(node->heartbeat, 1767225600);
  auto sparse = ParseFleetNode("web2", "{}");
  ASSERT_TRUE(sparse);
  EXPECT_EQ(sparse->address, "");
  EXPECT_EQ(sparse->heartbeat, 0);
  EXPECT_FALSE(ParseFleetNode("web3", "not json"));
  EXPECT_FALSE(ParseFleetNode("web3", "[1]"));
}

TEST(FleetJson, StatusJsonHasPrefixAndNodes) {
  FleetNode a{"web1", "127.0.0.2:80", 1767225600, 42};
  FleetNode b{"web2", "", 0, 0};
  FleetLineageStatus l;
  l.name = "www.example";
  l.version = 3;
  l.deployed = {{"web1", 3, "0a1b", 1767225600}, {"web2", 2, "09ff", 0}};
  l.lagging = {"web2"};
  auto j = nlohmann::json::parse(FleetStatusJson("/certpilot", {a, b}, {l}));
  EXPECT_EQ(j["prefix"], "/certpilot");
  ASSERT_EQ(j["nodes"].size(), 2u);
  EXPECT_EQ(j["nodes"][0]["name"], "web1");
  EXPECT_EQ(j["nodes"][0]["heartbeat"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(j["nodes"][0]["lease"], 42);
  EXPECT_TRUE(j["nodes"][1]["heartbeat"].is_null());
  ASSERT_EQ(j["lineages"].size(), 1u);
  EXPECT_EQ(j["lineages"][0]["name"], "www.example");
  EXPECT_EQ(j["lineages"][0]["version"], 3);
  ASSERT_EQ(j["lineages"][0]["deployed"].size(), 2u);
  EXPECT_EQ(j["lineages"][0]["deployed"][0]["node"], "web1");
  EXPECT_EQ(j["lineages"][0]["deployed"][0]["serial"], "0a1b");
  EXPECT_EQ(j["lineages"][0]["deployed"][0]["time"], "2026-01-01T00:00:00Z");
  EXPECT_TRUE(j["lineages"][0]["deployed"][1]["time"].is_null());
  EXPECT_EQ(j["lineages"][0]["lagging"], nlohmann::json({"web2"}));
  EXPECT_EQ(FleetStatusJson("/p", {}, {}),
            "{\n  \"lineages\": [],\n  \"nodes\": [],\n  \"prefix\": "
            "\"/p\"\n}");
}

TEST(FleetJson, CertificatesHaveAFleetKeyInFleetModeOnly) {
  CertificateListing local;
  local.name = "local.example";
  EXPECT_FALSE(
      nlohmann::json::parse(CertificatesJson({local}))[0].contains("fleet"));

  CertificateListing local_only = local;
  local_only.fleet_mode = true;
  CertificateListing shared;
  shared.name = "www.example";
  shared.fleet_mode = true;
  FleetLineageStatus l;
  l.name = "www.example";
  l.version = 3;
  l.deployed = {{"web1", 3, "0a1b", 1767225600}, {"web2", 2, "09ff", 0}};
  l.lagging = {"web2"};
  shared.fleet = l;
  auto j = nlohmann::json::parse(CertificatesJson({local_only, shared}));
  ASSERT_TRUE(j[0].contains("fleet"));
  EXPECT_TRUE(j[0]["fleet"].is_null());
  EXPECT_EQ(j[1]["fleet"], nlohmann::json::parse(R"({
    "version": 3,
    "deployed": [
      {"node": "web1", "version": 3, "serial": "0a1b",
       "time": "2026-01-01T00:00:00Z"},
      {"node": "web2", "version": 2, "serial": "09ff", "time": null}],
    "lagging": ["web2"]})"));
}

}  // namespace
}  // namespace certpilot::app
