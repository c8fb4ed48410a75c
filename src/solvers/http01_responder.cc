#include "solvers/http01_responder.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "solvers/http_request.h"

namespace certpilot::solvers {
namespace {

constexpr std::string_view kChallengePrefix = "/.well-known/acme-challenge/";

bool IsBase64Url(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
  }
  return "Error";
}

struct Answer {
  int status = 400;
  std::string body;
  bool head = false;  // omit the body
  bool close = true;
  bool keep_alive_header = false;  // HTTP/1.0 keep-alive
};

std::string Render(const Answer& a) {
  std::string body =
      a.status == 200 ? a.body : std::string(ReasonPhrase(a.status)) + "\n";
  std::string out = "HTTP/1.1 " + std::to_string(a.status) + " " +
                    ReasonPhrase(a.status) +
                    "\r\nContent-Type: text/plain\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n";
  if (a.status == 405) out += "Allow: GET, HEAD\r\n";
  if (a.close) {
    out += "Connection: close\r\n";
  } else if (a.keep_alive_header) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  if (!a.head) out += body;
  return out;
}

Http01Exchange Finish(const Answer& a, size_t consumed) {
  Http01Exchange ex;
  ex.complete = true;
  ex.consumed = consumed;
  ex.status = a.status;
  ex.close = a.close;
  ex.response = Render(a);
  return ex;
}

}  // namespace

Http01Exchange Http01Respond(
    std::string_view input, size_t max_request_bytes,
    const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  const HttpRequestHead request =
      ParseHttpRequestHead(input, max_request_bytes);
  Answer answer;
  switch (request.result) {
    case HttpRequestHead::Result::kIncomplete:
      return {};
    case HttpRequestHead::Result::kError:
      answer.status = request.error_status;
      return Finish(answer, request.consumed);
    case HttpRequestHead::Result::kComplete:
      break;
  }
  // We never read request bodies; after one, the framing is not ours to
  // guess, so answer and close.
  answer.close = request.has_body || request.connection_close ||
                 (request.http10 && !request.connection_keep_alive);
  answer.keep_alive_header = request.http10 && !answer.close;
  std::optional<std::string_view> path = HttpRequestPath(request.target);
  if (request.method != "GET" && request.method != "HEAD") {
    answer.status = 405;
  } else if (!path) {
    answer.status = 400;
    answer.close = true;
  } else {
    answer.head = request.method == "HEAD";
    answer.status = 404;
    if (path->substr(0, kChallengePrefix.size()) == kChallengePrefix) {
      std::string_view token = path->substr(kChallengePrefix.size());
      if (IsBase64Url(token)) {
        if (std::optional<std::string> key_authorization = lookup(token)) {
          answer.status = 200;
          answer.body = std::move(*key_authorization);
        }
      }
    }
  }
  return Finish(answer, request.consumed);
}

// ---------------------------------------------------------------------------

struct Http01Responder::Impl {
  // One connection: requests in, responses out, one at a time.
  class Handler : public ConnectionHandler {
   public:
    explicit Handler(Impl& responder) : responder_(responder) {}
    Step OnInput(std::string_view input, std::string& output) override {
      Http01Exchange ex = Http01Respond(
          input, responder_.max_request_bytes,
          [this](std::string_view token) { return responder_.Lookup(token); });
      if (!ex.complete) return {};
      output += ex.response;
      ++responder_.served;
      return {ex.consumed, ex.close};
    }

   private:
    Impl& responder_;
  };

  explicit Impl(const Http01ResponderOptions& o)
      : max_request_bytes(o.max_request_bytes),
        server(
            ConnectionServerOptions{
                .address = o.address,
                .port = o.port,
                .max_connections = o.max_connections,
                .idle_timeout = o.idle_timeout,
                .request_timeout = o.header_timeout,
                .server_name = "HTTP-01 responder",
                .address_in_use_hint =
                    "; stop the process using it or use --webroot",
                .permission_hint = "; run as root, grant "
                                   "CAP_NET_BIND_SERVICE, or use --webroot",
            },
            [this] { return std::make_unique<Handler>(*this); }) {}

  std::optional<std::string> Lookup(std::string_view token) const {
    std::lock_guard<std::mutex> lock(tokens_mu);
    auto it = tokens.find(std::string(token));
    if (it == tokens.end()) return std::nullopt;
    return it->second;
  }

  const size_t max_request_bytes;
  mutable std::mutex tokens_mu;
  std::unordered_map<std::string, std::string> tokens;
  std::atomic<uint64_t> served{0};
  ConnectionServer server;  // last: stopped before the rest goes
};

Http01Responder::Http01Responder(Http01ResponderOptions options)
    : impl_(std::make_unique<Impl>(options)) {}

Http01Responder::~Http01Responder() { Stop(); }

void Http01Responder::Start() { impl_->server.Start(); }

void Http01Responder::Stop() { impl_->server.Stop(); }

int Http01Responder::port() const { return impl_->server.port(); }

void Http01Responder::Add(const std::string& token,
                          const std::string& key_authorization) {
  std::lock_guard<std::mutex> lock(impl_->tokens_mu);
  impl_->tokens[token] = key_authorization;
}

void Http01Responder::Remove(const std::string& token) {
  std::lock_guard<std::mutex> lock(impl_->tokens_mu);
  impl_->tokens.erase(token);
}

uint64_t Http01Responder::requests_served() const { return impl_->served; }

}  // namespace certpilot::solvers
