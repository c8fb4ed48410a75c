// Golden-file cases for the nginx patchers: tests/data/nginx_patch/<kind>/
// <case>/input/ is a configuration tree (nginx.conf at its top), loaded into
// a MemFilesystem at kRoot; expected/ holds exactly the files the patch
// changes, as they must read afterwards (a file of certpilot's own outside
// the tree is kept as expected/@<its base name>).
//
// CERTPILOT_UPDATE_GOLDEN=1 rewrites expected/ from the current output
// (review the diff before committing it).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "nginx/config/include_loader.h"
#include "sys/file_transaction.h"
#include "unit/nginx/nginx_test_util.h"

namespace certpilot::nginx::testing {

inline constexpr char kRoot[] = "/srv/nginx";

inline std::string PatchDataDir() {
  return certpilot::testing::TestDataDir() + "/nginx_patch";
}

// The files of `dir`, by path relative to it.
inline std::map<std::string, std::string> ReadTree(const std::string& dir) {
  std::map<std::string, std::string> files;
  if (!std::filesystem::exists(dir)) return files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      files[std::filesystem::relative(e.path(), dir).string()] =
          ReadDiskFile(e.path().string());
    }
  }
  return files;
}

// The input tree of a case, in memory at kRoot.
inline void LoadInput(const std::string& kind_case, MemFilesystem* fs) {
  for (const auto& [rel, text] :
       ReadTree(PatchDataDir() + "/" + kind_case + "/input")) {
    fs->AddFile(std::string(kRoot) + "/" + rel, text);
  }
}

// Compares the patched files with expected/ (or rewrites it).
inline void ExpectGolden(const std::string& kind_case,
                         const std::vector<sys::FileState>& changed) {
  const std::string expected_dir =
      PatchDataDir() + "/" + kind_case + "/expected";
  std::map<std::string, std::string> got;
  for (const sys::FileState& f : changed) {
    if (!f.text) continue;
    std::string rel = f.path;
    const std::string root = std::string(kRoot) + "/";
    rel = rel.rfind(root, 0) == 0
              ? rel.substr(root.size())
              : "@" + std::filesystem::path(rel).filename().string();
    got[rel] = *f.text;
  }
  const char* update = std::getenv("CERTPILOT_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::remove_all(expected_dir);
    for (const auto& [rel, text] : got) {
      std::filesystem::path p = std::filesystem::path(expected_dir) / rel;
      std::filesystem::create_directories(p.parent_path());
      std::ofstream(p, std::ios::binary) << text;
    }
    return;
  }
  const std::map<std::string, std::string> want = ReadTree(expected_dir);
  for (const auto& [rel, text] : want) {
    auto it = got.find(rel);
    if (it == got.end()) {
      ADD_FAILURE() << kind_case << ": " << rel << " should have changed";
      continue;
    }
    EXPECT_EQ(it->second, text) << kind_case << ": " << rel;
  }
  for (const auto& [rel, text] : got) {
    EXPECT_TRUE(want.count(rel))
        << kind_case << ": " << rel << " changed unexpectedly:\n"
        << text;
  }
}

// The modified files of a graph, as FileStates.
inline std::vector<sys::FileState> Modified(ConfigGraph& graph) {
  std::vector<sys::FileState> out;
  for (Config* c : graph.ModifiedFiles()) out.push_back({c->path(), c->Dump()});
  return out;
}

}  // namespace certpilot::nginx::testing
