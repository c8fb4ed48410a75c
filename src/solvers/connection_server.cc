#include "solvers/connection_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "util/strings.h"

namespace certpilot::solvers {
namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

// Stop reading (and handing input to the handler) from a client that does
// not read what it was sent once this much output is queued for it.
constexpr size_t kMaxQueuedOutput = 64 * 1024;
constexpr size_t kReadChunk = 16 * 1024;
constexpr int kMaxAcceptsPerWakeup = 64;
// After the last output on a connection we half-close it and discard what
// the client still sends, for at most this long, so that closing never turns
// into a reset that destroys the output in flight.
constexpr std::chrono::milliseconds kLingerTimeout{2000};
// Back-off when accept() fails for lack of descriptors and nothing can be
// evicted (another part of the process holds them).
constexpr std::chrono::milliseconds kAcceptBackoff{100};

struct Connection {
  int fd = -1;
  std::unique_ptr<ConnectionHandler> handler;
  std::string in;  // received, not yet consumed by the handler
  std::string out;
  size_t out_sent = 0;
  TimePoint accepted;
  TimePoint last_progress;
  std::optional<TimePoint> request_deadline;  // set while `in` is not empty
  bool close_after_write = false;  // no more input: close once flushed
  bool peer_eof = false;
  bool lingering = false;  // SHUT_WR done, discarding input until EOF
  TimePoint linger_deadline;

  size_t queued() const { return out.size() - out_sent; }
};

std::string ErrnoText(int err) { return std::system_category().message(err); }

void Close(Connection& c) {
  c.handler.reset();
  if (c.fd >= 0) close(c.fd);
  c.fd = -1;
}

}  // namespace

struct ConnectionServer::Impl {
  Impl(ConnectionServerOptions o, HandlerFactory f)
      : options(std::move(o)), factory(std::move(f)) {}

  const ConnectionServerOptions options;
  const HandlerFactory factory;
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
  void EraseClosed() {
    std::erase_if(conns, [](const auto& c) { return c->fd < 0; });
  }
};

void ConnectionServer::Impl::Listen() {
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
      message += options.address_in_use_hint;
    } else if (err == EACCES) {
      message += options.permission_hint;
    }
    return ResponderError(port, message);
  };
  if (port < 0 || port > 65535) {
    throw ResponderError(port, "cannot listen on port " + std::to_string(port) +
                                   ": not a valid port number");
  }

  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  const bool dual_stack = address.empty();
  if (dual_stack) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_addr = in6addr_any;
    addr_len = sizeof(sockaddr_in6);
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

  auto try_bind = [](const sockaddr_storage& a, socklen_t len, bool v6only_off,
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

void ConnectionServer::Impl::CloseFds() {
  for (int* fd : {&listen_fd, &wake_read, &wake_write}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

TimePoint ConnectionServer::Impl::Deadline(const Connection& c) const {
  if (c.lingering) return c.linger_deadline;
  TimePoint deadline = c.last_progress + options.idle_timeout;
  if (c.request_deadline) deadline = std::min(deadline, *c.request_deadline);
  if (options.connection_timeout.count() > 0) {
    deadline = std::min(deadline, c.accepted + options.connection_timeout);
  }
  return deadline;
}

void ConnectionServer::Impl::EvictStalest() {
  Connection* stalest = nullptr;
  for (auto& c : conns) {
    if (c->fd >= 0 && (!stalest || c->last_progress < stalest->last_progress)) {
      stalest = c.get();
    }
  }
  if (stalest) Close(*stalest);
}

void ConnectionServer::Impl::AcceptNew(TimePoint now) {
  const size_t max_conns =
      static_cast<size_t>(std::max(1, options.max_connections));
  for (int i = 0; i < kMaxAcceptsPerWakeup; ++i) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        size_t open_before = conns.size();
        EvictStalest();
        EraseClosed();
        // Nothing of ours to give back: wait instead of spinning on a
        // listener that stays readable.
        if (conns.size() == open_before) accept_resume = now + kAcceptBackoff;
      }
      // Else EAGAIN, or a connection that died before we took it.
      return;
    }
    EraseClosed();
    // Full: make room rather than stop serving. The connection that has made
    // no progress for longest (idle keep-alive, slowloris, a stalled
    // handshake) goes first.
    while (conns.size() >= max_conns) {
      EvictStalest();
      EraseClosed();
    }
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    c->accepted = now;
    c->last_progress = now;
    c->handler = factory();
    if (!c->handler) {
      Close(*c);
      continue;
    }
    conns.push_back(std::move(c));
  }
}

void ConnectionServer::Impl::ReadSome(Connection& c, TimePoint now) {
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
  if (c.in.empty() && !c.request_deadline)
    c.request_deadline = now + options.request_timeout;
  c.in.append(buf, static_cast<size_t>(n));
}

void ConnectionServer::Impl::ProcessInput(Connection& c, TimePoint now) {
  while (!c.close_after_write && !c.in.empty() &&
         c.queued() < kMaxQueuedOutput) {
    if (c.out_sent == c.out.size()) {
      c.out.clear();
      c.out_sent = 0;
    }
    ConnectionHandler::Step step = c.handler->OnInput(c.in, c.out);
    if (step.close) {
      c.close_after_write = true;
      c.in.clear();
      c.request_deadline.reset();
      break;
    }
    if (step.consumed == 0) break;  // read more
    c.in.erase(0, std::min(step.consumed, c.in.size()));
    // The next request, if any bytes of it are here, starts now.
    c.request_deadline.reset();
    if (!c.in.empty()) c.request_deadline = now + options.request_timeout;
  }
  // After EOF input that is not consumed can never be completed (what was
  // held back by queued output is still handed over first).
  if (c.peer_eof && c.queued() < kMaxQueuedOutput) c.close_after_write = true;
}

void ConnectionServer::Impl::WriteSome(Connection& c, TimePoint now) {
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

void ConnectionServer::Impl::MaybeFinish(Connection& c, TimePoint now) {
  if (c.fd < 0 || c.queued() > 0 || !c.close_after_write) return;
  if (c.peer_eof) {
    Close(c);
  } else if (!c.lingering) {
    shutdown(c.fd, SHUT_WR);
    c.handler.reset();  // done with the protocol
    c.lingering = true;
    TimePoint deadline = now + std::min<std::chrono::milliseconds>(
                                   kLingerTimeout, options.idle_timeout);
    if (options.connection_timeout.count() > 0) {
      deadline = std::min(deadline, c.accepted + options.connection_timeout);
    }
    c.linger_deadline = deadline;
  }
}

void ConnectionServer::Impl::HandleEvents(Connection& c, short revents,
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
  // Input held back while output was queued can go now.
  if (c.fd >= 0 && c.queued() == 0 && !c.in.empty()) {
    ProcessInput(c, now);
    WriteSome(c, now);
  }
  MaybeFinish(c, now);
}

void ConnectionServer::Impl::Loop() {
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
    EraseClosed();

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

ConnectionServer::ConnectionServer(ConnectionServerOptions options,
                                   HandlerFactory factory)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(factory))) {}

ConnectionServer::~ConnectionServer() { Stop(); }

void ConnectionServer::Start() {
  Impl& s = *impl_;
  const std::string& name = s.options.server_name;
  if (s.thread.joinable()) {
    throw ResponderError(s.bound_port, "the " + name + " is already running");
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    throw ResponderError(s.options.port,
                         "cannot start the " + name + ": " + ErrnoText(errno));
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
    throw ResponderError(s.options.port,
                         "cannot start the " + name + ": " + e.what());
  } catch (...) {
    s.CloseFds();
    throw;
  }
}

void ConnectionServer::Stop() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  s.stopping = true;
  while (write(s.wake_write, "x", 1) < 0 && errno == EINTR) {
  }
  s.thread.join();
  s.CloseFds();
}

bool ConnectionServer::running() const { return impl_->thread.joinable(); }

int ConnectionServer::port() const { return impl_->bound_port; }

}  // namespace certpilot::solvers
