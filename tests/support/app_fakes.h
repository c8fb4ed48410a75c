// Small fakes for use-case tests (tests/unit/app): a scripted person at the
// terminal, and an HttpClient that lends a shared fake CA to the use case
// (which owns the clients it makes).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/wiring/prompter.h"
#include "http/http_client.h"

namespace certpilot::testing {

// Answers from a script, in order (EOF once it runs out); records the
// questions. Not interactive unless told.
class ScriptedPrompter : public app::Prompter {
 public:
  bool interactive() const override { return interactive_; }
  std::optional<std::string> Ask(const std::string& question) override {
    questions.push_back(question);
    if (answers.empty()) return std::nullopt;
    std::string a = answers.front();
    answers.erase(answers.begin());
    return a;
  }
  bool interactive_ = false;
  std::vector<std::string> answers, questions;
};

class BorrowedHttpClient : public http::HttpClient {
 public:
  explicit BorrowedHttpClient(http::HttpClient& c) : c_(c) {}
  http::Response Do(const http::Request& r) override { return c_.Do(r); }
  std::vector<http::Response> DoAll(
      const std::vector<http::Request>& r) override {
    return c_.DoAll(r);
  }

 private:
  http::HttpClient& c_;
};

}  // namespace certpilot::testing
