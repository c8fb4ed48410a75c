#include "solvers/http01_responder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "util/strings.h"

namespace certpilot::solvers {
namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

constexpr std::string_view kChallengePrefix = "/.well-known/acme-challenge/";
// Stop reading (and parsing pipelined requests) from a client that does not
// read its responses once this much output is queued for it.
constexpr size_t kMaxQueuedOutput = 64 * 1024;
constexpr size_t kReadChunk = 16 * 1024;
constexpr int kMaxAcceptsPerWakeup = 64;
// After our last response on a connection we half-close it and discard what
// the client still sends, for at most this long, so that closing never turns
// into a reset that destroys the response in flight.
constexpr std::chrono::milliseconds kLingerTimeout{2000};
// Back-off when accept() fails for lack of descriptors and nothing can be
// evicted (another part of the process holds them).
constexpr std::chrono::milliseconds kAcceptBackoff{100};

// ---------------------------------------------------------------------------
// Protocol (RFC 9112), pure.

bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9'))
    return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTchar);
}

bool IsBase64Url(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ToLower(a) == ToLower(b);
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

Http01Exchange Reject(int status, size_t consumed) {
  Answer a;
  a.status = status;
  return Finish(a, consumed);
}

// The path of an origin-form or absolute-form request target, without the
// query; nullopt if the target is neither.
std::optional<std::string_view> TargetPath(std::string_view target) {
  if (target.empty()) return std::nullopt;
  if (target.front() != '/') {
    size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos ||
        !(EqualsNoCase(target.substr(0, scheme_end), "http") ||
          EqualsNoCase(target.substr(0, scheme_end), "https"))) {
      return std::nullopt;
    }
    size_t slash = target.find('/', scheme_end + 3);
    target = slash == std::string_view::npos ? "/" : target.substr(slash);
  }
  return target.substr(0, target.find('?'));
}

}  // namespace

Http01Exchange Http01Respond(
    std::string_view input, size_t max_request_bytes,
    const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  // RFC 9112 §2.2: ignore empty lines before the request line.
  size_t start = 0;
  while (start < input.size() &&
         (input[start] == '\r' || input[start] == '\n') &&
         start < max_request_bytes) {
    ++start;
  }
  // Split the header section into lines (CRLF, or a bare LF, ends a line).
  std::vector<std::string_view> lines;
  size_t pos = start;
  size_t end = std::string_view::npos;  // one past the blank line
  while (pos < input.size()) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string_view::npos) break;
    std::string_view line = input.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (line.empty()) {
      end = pos;
      break;
    }
    lines.push_back(line);
    if (pos > max_request_bytes) break;
  }
  if (end == std::string_view::npos && input.size() <= max_request_bytes) {
    return {};  // read more
  }
  if (end == std::string_view::npos || end > max_request_bytes) {
    // Too large: a request line that alone overflows is 414, else 431.
    size_t first_nl = input.find('\n', start);
    bool line_too_long =
        first_nl == std::string_view::npos || first_nl > max_request_bytes;
    return Reject(line_too_long ? 414 : 431, input.size());
  }

  if (lines.empty()) return Reject(400, end);
  // Request line: method SP request-target SP HTTP-version (RFC 9112 §3).
  std::string_view request_line = lines[0];
  size_t sp1 = request_line.find(' ');
  size_t sp2 =
      sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos ||
      request_line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Reject(400, end);
  }
  std::string_view method = request_line.substr(0, sp1);
  std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = request_line.substr(sp2 + 1);
  if (!IsToken(method) || target.empty() || HasControl(target) ||
      target.find('\t') != std::string_view::npos) {
    return Reject(400, end);
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
      !std::isdigit(static_cast<unsigned char>(version[5])) ||
      version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[7]))) {
    return Reject(400, end);
  }
  if (version[5] != '1') return Reject(505, end);
  const bool http10 = version[7] == '0';

  // Header fields (RFC 9112 §5).
  int hosts = 0;
  bool conn_close = false;
  bool conn_keep_alive = false;
  bool has_body = false;
  std::optional<std::string_view> content_length;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    size_t colon = line.find(':');
    // No obs-fold, no whitespace before the colon, no bare CR or NUL.
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return Reject(400, end);
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = TrimOws(line.substr(colon + 1));
    if (HasControl(value)) return Reject(400, end);
    if (EqualsNoCase(name, "host")) {
      ++hosts;
    } else if (EqualsNoCase(name, "connection")) {
      for (const std::string& option : Split(value, ',')) {
        std::string_view o = TrimOws(option);
        if (EqualsNoCase(o, "close")) conn_close = true;
        if (EqualsNoCase(o, "keep-alive")) conn_keep_alive = true;
      }
    } else if (EqualsNoCase(name, "content-length")) {
      // RFC 9110 §8.6: digits only; repeated values must agree.
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(),
                       [](char c) { return c >= '0' && c <= '9'; }) ||
          (content_length && *content_length != value)) {
        return Reject(400, end);
      }
      content_length = value;
      if (value.find_first_not_of('0') != std::string_view::npos)
        has_body = true;
    } else if (EqualsNoCase(name, "transfer-encoding")) {
      has_body = true;
    }
  }
  // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host.
  if (hosts > 1 || (!http10 && hosts == 0)) return Reject(400, end);

  Answer answer;
  // We never read request bodies; after one, the framing is not ours to
  // guess, so answer and close.
  answer.close = has_body || conn_close || (http10 && !conn_keep_alive);
  answer.keep_alive_header = http10 && !answer.close;
  std::optional<std::string_view> path = TargetPath(target);
  if (method != "GET" && method != "HEAD") {
    answer.status = 405;
  } else if (!path) {
    answer.status = 400;
    answer.close = true;
  } else {
    answer.head = method == "HEAD";
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
  return Finish(answer, end);
}

// ---------------------------------------------------------------------------
// The server.

namespace {

struct Connection {
  int fd = -1;
  std::string in;
  std::string out;
  size_t out_sent = 0;
  TimePoint last_progress;
  std::optional<TimePoint> header_deadline;  // current request's headers
  bool close_after_write = false;  // no more requests: close once flushed
  bool peer_eof = false;
  bool lingering = false;  // SHUT_WR done, discarding input until EOF
  TimePoint linger_deadline;

  size_t queued() const { return out.size() - out_sent; }
};

std::string ErrnoText(int err) { return std::system_category().message(err); }

}  // namespace

struct Http01Responder::Impl {
  explicit Impl(Http01ResponderOptions o) : options(std::move(o)) {}

  const Http01ResponderOptions options;

  mutable std::mutex tokens_mu;
  std::unordered_map<std::string, std::string> tokens;

  std::atomic<uint64_t> served{0};
  std::atomic<int> bound_port{0};

  // Owned by Start/Stop; the loop thread only reads them.
  int listen_fd = -1;
  int wake_read = -1;
  int wake_write = -1;
  std::atomic<bool> stopping{false};
  std::thread thread;

  // Loop state, touched only by the loop thread.
  std::vector<std::unique_ptr<Connection>> conns;
  TimePoint accept_resume{};

  std::optional<std::string> Lookup(std::string_view token) const {
    std::lock_guard<std::mutex> lock(tokens_mu);
    auto it = tokens.find(std::string(token));
    if (it == tokens.end()) return std::nullopt;
    return it->second;
  }

  void Listen();
  void CloseFds();
  void Loop();
  void AcceptNew(TimePoint now);
  void HandleEvents(Connection& c, short revents, TimePoint now);
  void ReadSome(Connection& c, TimePoint now);
  void ProcessInput(Connection& c, TimePoint now);
  void WriteSome(Connection& c, TimePoint now);
  void MaybeFinish(Connection& c, TimePoint now);
  TimePoint Deadline(const Connection& c) const;
  void EvictStalest();

  static void Close(Connection& c) {
    if (c.fd >= 0) close(c.fd);
    c.fd = -1;
  }
};

void Http01Responder::Impl::Listen() {
  const int port = options.port;
  std::string address = options.address;
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  const std::string shown =
      address.empty() ? "all addresses" : StripControl(address);
  auto fail = [&](int err) {
    std::string message = "cannot listen on port " + std::to_string(port) +
                          " (" + shown + "): " + ErrnoText(err);
    if (err == EADDRINUSE) {
      message += "; stop the process using it or use --webroot";
    } else if (err == EACCES) {
      message += "; run as root, grant CAP_NET_BIND_SERVICE, or use --webroot";
    }
    return ResponderError(port, message);
  };
  if (port < 0 || port > 65535) {
    throw ResponderError(port, "cannot listen on port " + std::to_string(port) +
                                   ": not a valid port number");
  }

  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  bool dual_stack = false;
  if (address.empty()) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_addr = in6addr_any;
    addr_len = sizeof(sockaddr_in6);
    dual_stack = true;
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;  // an IP literal, no DNS
    addrinfo* found = nullptr;
    if (getaddrinfo(address.c_str(), nullptr, &hints, &found) != 0 || !found) {
      throw ResponderError(port, "cannot listen on port " +
                                     std::to_string(port) + " (" + shown +
                                     "): not an IP address");
    }
    std::memcpy(&addr, found->ai_addr, found->ai_addrlen);
    addr_len = found->ai_addrlen;
    freeaddrinfo(found);
  }
  if (addr.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port =
        htons(static_cast<uint16_t>(port));
  } else {
    reinterpret_cast<sockaddr_in*>(&addr)->sin_port =
        htons(static_cast<uint16_t>(port));
  }

  auto try_bind = [&](const sockaddr_storage& a, socklen_t len, bool v6only_off,
                      int* err) -> int {
    int fd = socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      *err = errno;
      return -1;
    }
    int one = 1;
    int zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if ((v6only_off &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) != 0) ||
        bind(fd, reinterpret_cast<const sockaddr*>(&a), len) != 0 ||
        listen(fd, SOMAXCONN) != 0) {
      *err = errno;
      close(fd);
      return -1;
    }
    return fd;
  };

  int err = 0;
  int fd = try_bind(addr, addr_len, dual_stack, &err);
  if (fd < 0 && dual_stack &&
      (err == EAFNOSUPPORT || err == EPROTONOSUPPORT || err == EADDRNOTAVAIL ||
       err == ENOPROTOOPT)) {
    // No IPv6 on this host: all IPv4 addresses instead.
    sockaddr_storage v4{};
    auto* a4 = reinterpret_cast<sockaddr_in*>(&v4);
    a4->sin_family = AF_INET;
    a4->sin_addr.s_addr = htonl(INADDR_ANY);
    a4->sin_port = htons(static_cast<uint16_t>(port));
    fd = try_bind(v4, sizeof(sockaddr_in), false, &err);
  }
  if (fd < 0) throw fail(err);

  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  bound_port = ntohs(bound.ss_family == AF_INET6
                         ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                         : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  listen_fd = fd;
}

void Http01Responder::Impl::CloseFds() {
  for (int* fd : {&listen_fd, &wake_read, &wake_write}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

TimePoint Http01Responder::Impl::Deadline(const Connection& c) const {
  if (c.lingering) return c.linger_deadline;
  TimePoint deadline = c.last_progress + options.idle_timeout;
  if (c.header_deadline) deadline = std::min(deadline, *c.header_deadline);
  return deadline;
}

void Http01Responder::Impl::EvictStalest() {
  Connection* stalest = nullptr;
  for (auto& c : conns) {
    if (c->fd >= 0 && (!stalest || c->last_progress < stalest->last_progress)) {
      stalest = c.get();
    }
  }
  if (stalest) Close(*stalest);
}

void Http01Responder::Impl::AcceptNew(TimePoint now) {
  const size_t max_conns =
      static_cast<size_t>(std::max(1, options.max_connections));
  for (int i = 0; i < kMaxAcceptsPerWakeup; ++i) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        size_t open_before = conns.size();
        EvictStalest();
        std::erase_if(conns, [](const auto& c) { return c->fd < 0; });
        // Nothing of ours to give back: wait instead of spinning on a
        // listener that stays readable.
        if (conns.size() == open_before) accept_resume = now + kAcceptBackoff;
      }
      // Else EAGAIN, or a connection that died before we took it.
      return;
    }
    std::erase_if(conns, [](const auto& c) { return c->fd < 0; });
    // Full: make room rather than stop serving. The connection that has made
    // no progress for longest (idle keep-alive or slowloris) goes first.
    while (conns.size() >= max_conns) {
      EvictStalest();
      std::erase_if(conns, [](const auto& c) { return c->fd < 0; });
    }
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    c->last_progress = now;
    conns.push_back(std::move(c));
  }
}

void Http01Responder::Impl::ReadSome(Connection& c, TimePoint now) {
  char buf[kReadChunk];
  ssize_t n = recv(c.fd, buf, sizeof buf, 0);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) Close(c);
    return;
  }
  if (n == 0) {
    c.peer_eof = true;
    return;
  }
  c.last_progress = now;
  if (c.lingering) return;  // discard
  if (c.in.empty() && !c.header_deadline)
    c.header_deadline = now + options.header_timeout;
  c.in.append(buf, static_cast<size_t>(n));
}

void Http01Responder::Impl::ProcessInput(Connection& c, TimePoint now) {
  auto lookup = [this](std::string_view token) { return Lookup(token); };
  while (!c.close_after_write && !c.in.empty() &&
         c.queued() < kMaxQueuedOutput) {
    // Cheap pre-check: no line end yet and under the cap, nothing to parse.
    if (c.in.size() <= options.max_request_bytes &&
        c.in.find('\n') == std::string::npos) {
      break;
    }
    Http01Exchange ex = Http01Respond(c.in, options.max_request_bytes, lookup);
    if (!ex.complete) break;
    if (c.out_sent == c.out.size()) {
      c.out.clear();
      c.out_sent = 0;
    }
    c.out += ex.response;
    c.in.erase(0, ex.consumed);
    ++served;
    // The next pipelined request, if any bytes of it are here, starts now.
    c.header_deadline.reset();
    if (!c.in.empty()) c.header_deadline = now + options.header_timeout;
    if (ex.close) {
      c.close_after_write = true;
      c.in.clear();
      c.header_deadline.reset();
    }
  }
  // After EOF an incomplete request can never complete (complete ones held
  // back by queued output are still answered first).
  if (c.peer_eof && c.queued() < kMaxQueuedOutput) c.close_after_write = true;
}

void Http01Responder::Impl::WriteSome(Connection& c, TimePoint now) {
  while (c.fd >= 0 && c.queued() > 0) {
    ssize_t n = send(c.fd, c.out.data() + c.out_sent, c.queued(),
                     MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      Close(c);  // EPIPE, ECONNRESET: the client is gone
      return;
    }
    c.out_sent += static_cast<size_t>(n);
    c.last_progress = now;
  }
}

void Http01Responder::Impl::MaybeFinish(Connection& c, TimePoint now) {
  if (c.fd < 0 || c.queued() > 0 || !c.close_after_write) return;
  if (c.peer_eof) {
    Close(c);
  } else if (!c.lingering) {
    shutdown(c.fd, SHUT_WR);
    c.lingering = true;
    c.linger_deadline = now + std::min<std::chrono::milliseconds>(
                                  kLingerTimeout, options.idle_timeout);
  }
}

void Http01Responder::Impl::HandleEvents(Connection& c, short revents,
                                         TimePoint now) {
  if (revents & POLLNVAL) {
    Close(c);
    return;
  }
  if (revents & (POLLIN | POLLHUP | POLLERR)) ReadSome(c, now);
  if (c.fd < 0) return;
  if (c.lingering) {
    if (c.peer_eof) Close(c);
    return;
  }
  ProcessInput(c, now);
  WriteSome(c, now);
  // Pipelined requests held back while output was queued can go now.
  if (c.fd >= 0 && c.queued() == 0 && !c.in.empty()) {
    ProcessInput(c, now);
    WriteSome(c, now);
  }
  MaybeFinish(c, now);
}

void Http01Responder::Impl::Loop() {
  std::vector<pollfd> fds;
  std::vector<Connection*> polled;
  while (true) {
    TimePoint now = SteadyClock::now();
    // Expire connections past their deadline; find the next deadline.
    std::optional<TimePoint> next;
    for (auto& c : conns) {
      TimePoint deadline = Deadline(*c);
      if (deadline <= now) {
        Close(*c);
      } else if (!next || deadline < *next) {
        next = deadline;
      }
    }
    std::erase_if(conns, [](const auto& c) { return c->fd < 0; });

    fds.clear();
    polled.clear();
    fds.push_back({wake_read, POLLIN, 0});
    const bool accepting = accept_resume <= now;
    if (accepting) {
      fds.push_back({listen_fd, POLLIN, 0});
    } else if (!next || accept_resume < *next) {
      next = accept_resume;
    }
    for (auto& c : conns) {
      short events = 0;
      if (c->lingering || (!c->close_after_write && !c->peer_eof &&
                           c->queued() < kMaxQueuedOutput)) {
        events |= POLLIN;
      }
      if (c->queued() > 0) events |= POLLOUT;
      fds.push_back({c->fd, events, 0});
      polled.push_back(c.get());
    }
    int timeout_ms = -1;
    if (next) {
      auto wait =
          std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(wait, 0, 60'000));
    }
    int ready = poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0) continue;   // EINTR; ENOMEM is transient too
    if (ready == 0) continue;  // a deadline passed
    if (fds[0].revents != 0) {
      char drain[64];
      while (read(wake_read, drain, sizeof drain) > 0) {
      }
      if (stopping.load()) break;
    }
    now = SteadyClock::now();
    const size_t first_conn = accepting ? 2 : 1;
    for (size_t i = first_conn; i < fds.size(); ++i) {
      Connection& c = *polled[i - first_conn];
      if (fds[i].revents != 0 && c.fd >= 0)
        HandleEvents(c, fds[i].revents, now);
    }
    // Accept after serving, so a connection evicted to make room is not one
    // we still have an event for.
    if (accepting && (fds[1].revents & POLLIN)) AcceptNew(now);
  }
  for (auto& c : conns) Close(*c);
  conns.clear();
}

// ---------------------------------------------------------------------------

Http01Responder::Http01Responder(Http01ResponderOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

Http01Responder::~Http01Responder() { Stop(); }

void Http01Responder::Start() {
  Impl& s = *impl_;
  if (s.thread.joinable()) {
    throw ResponderError(s.bound_port,
                         "the HTTP-01 responder is already running");
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    throw ResponderError(
        s.options.port,
        "cannot start the HTTP-01 responder: " + ErrnoText(errno));
  }
  s.wake_read = pipe_fds[0];
  s.wake_write = pipe_fds[1];
  try {
    s.Listen();
    s.stopping = false;
    s.accept_resume = {};
    s.thread = std::thread([&s] { s.Loop(); });
  } catch (const std::system_error& e) {
    s.CloseFds();
    throw ResponderError(
        s.options.port,
        std::string("cannot start the HTTP-01 responder: ") + e.what());
  } catch (...) {
    s.CloseFds();
    throw;
  }
}

void Http01Responder::Stop() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  s.stopping = true;
  while (write(s.wake_write, "x", 1) < 0 && errno == EINTR) {
  }
  s.thread.join();
  s.CloseFds();
}

int Http01Responder::port() const { return impl_->bound_port; }

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
