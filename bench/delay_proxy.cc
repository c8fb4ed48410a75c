// certpilot-delay-proxy: a TCP proxy on loopback that puts a distance between
// an ACME client and a CA, for bench/run. These machines have no netem (`tc`
// knows no such qdisc), so the delay is made here: every chunk of bytes is
// held for --delay-ms in each direction, in order, and a new connection's
// first bytes wait one more round trip (the TCP handshake the loopback
// connect skipped). TLS passes through untouched: the client still checks
// the CA's own certificate.
//
//   certpilot-delay-proxy --target PORT [--delay-ms N] [--listen PORT]
// Prints "PORT=N" once it listens on 127.0.0.1, then serves until SIGTERM or
// SIGINT, and then prints one line:
//   connections=C round_trips=R bytes_up=U bytes_down=D
// round_trips counts, per connection, the handshake and each turn from the
// client talking to the server answering (bytes towards the CA, then bytes
// back): the round trips a real network would have charged. SIGUSR1 prints
// the same line without stopping.
//
// Single-threaded, epoll; bench-only (never installed, never in ctest).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

struct Chunk {
  Clock::time_point due;
  std::string bytes;  // an empty chunk is end of stream
};

// One direction of a connection: bytes read from `from`, written to `to`
// once due.
struct Pipe {
  int from = -1, to = -1;
  std::deque<Chunk> queue;
  size_t written = 0;  // of queue.front()
  bool eof_read = false, eof_sent = false;
  bool blocked = false;  // `to` would block: wait for EPOLLOUT
};

struct Conn {
  Clock::time_point opened;
  Pipe up, down;  // client → CA, CA → client
  bool last_up = false;
};

struct Stats {
  long connections = 0, round_trips = 0, bytes_up = 0, bytes_down = 0;
};

std::chrono::milliseconds delay{25};
int target_port = 0;
Stats stats;
int ep = -1;
std::map<int, std::shared_ptr<Conn>> by_fd;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "certpilot-delay-proxy: %s: %s\n", what,
               std::strerror(errno));
  std::exit(1);
}

void Watch(int fd, uint32_t events, bool add) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(ep, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) != 0)
    Die("epoll_ctl");
}

// What to wait for on `fd`: reading while its stream goes on, writing while
// a write to it is blocked.
void Rewatch(const Conn& c, int fd) {
  const Pipe& reading = fd == c.up.from ? c.up : c.down;
  const Pipe& writing = fd == c.up.to ? c.up : c.down;
  Watch(fd,
        (reading.eof_read ? 0u : uint32_t(EPOLLIN)) |
            (writing.blocked ? uint32_t(EPOLLOUT) : 0u),
        false);
}

void PrintStats() {
  std::printf("connections=%ld round_trips=%ld bytes_up=%ld bytes_down=%ld\n",
              stats.connections, stats.round_trips, stats.bytes_up,
              stats.bytes_down);
  std::fflush(stdout);
}

void Close(const std::shared_ptr<Conn>& c) {
  for (int fd : {c->up.from, c->up.to}) {
    by_fd.erase(fd);
    close(fd);
  }
}

// Reads what `p.from` has into the queue, due `delay` from now (for the
// first bytes of a connection, from when its handshake would have ended).
void ReadInto(Conn& c, Pipe& p, bool up) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(p.from, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    Clock::time_point due = Clock::now() + delay;
    if (up) due = std::max(due, c.opened + 3 * delay);
    if (n <= 0) {
      p.eof_read = true;
      p.queue.push_back({due, std::string()});
      return;
    }
    if (up) {
      stats.bytes_up += n;
      c.last_up = true;
    } else {
      stats.bytes_down += n;
      if (c.last_up) ++stats.round_trips;
      c.last_up = false;
    }
    p.queue.push_back({due, std::string(buf, size_t(n))});
  }
}

// Writes what is due; returns the next due time of what remains (or max
// while blocked: EPOLLOUT wakes us).
Clock::time_point Flush(const Conn& c, Pipe& p) {
  const Clock::time_point now = Clock::now();
  const bool was_blocked = p.blocked;
  p.blocked = false;
  while (!p.queue.empty() && p.queue.front().due <= now) {
    Chunk& ch = p.queue.front();
    if (ch.bytes.empty()) {
      if (!p.eof_sent) shutdown(p.to, SHUT_WR);
      p.eof_sent = true;
      p.queue.pop_front();
      continue;
    }
    ssize_t n = send(p.to, ch.bytes.data() + p.written,
                     ch.bytes.size() - p.written, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      p.blocked = true;
      if (!was_blocked) Rewatch(c, p.to);
      return Clock::time_point::max();
    }
    if (n < 0) {
      p.queue.clear();
      p.eof_sent = true;
      return Clock::time_point::max();
    }
    p.written += size_t(n);
    if (p.written == ch.bytes.size()) {
      p.written = 0;
      p.queue.pop_front();
    }
  }
  if (was_blocked) Rewatch(c, p.to);
  return p.queue.empty() ? Clock::time_point::max() : p.queue.front().due;
}

void Accept(int listener) {
  for (;;) {
    int client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
    if (client < 0) return;
    int server = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(uint16_t(target_port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (server < 0 ||
        (connect(server, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 &&
         errno != EINPROGRESS)) {
      close(client);
      if (server >= 0) close(server);
      continue;
    }
    int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_shared<Conn>();
    c->opened = Clock::now();
    c->up.from = c->down.to = client;
    c->up.to = c->down.from = server;
    by_fd[client] = c;
    by_fd[server] = c;
    Watch(client, EPOLLIN, true);
    Watch(server, EPOLLIN, true);
    ++stats.connections;
    ++stats.round_trips;  // the handshake
  }
}

int Listen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) Die("bind");
  if (listen(fd, 1024) != 0) Die("listen");
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::printf("PORT=%d\n", ntohs(a.sin_port));
  std::fflush(stdout);
  return fd;
}

int Usage() {
  std::fprintf(stderr,
               "usage: certpilot-delay-proxy --target PORT [--delay-ms N] "
               "[--listen PORT]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int listen_port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (flag == "--target")
      target_port = v;
    else if (flag == "--delay-ms")
      delay = std::chrono::milliseconds(v);
    else if (flag == "--listen")
      listen_port = v;
    else
      return Usage();
  }
  if (argc % 2 == 0 || target_port <= 0 || target_port > 65535 ||
      delay.count() < 0)
    return Usage();

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGUSR1);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK);
  ep = epoll_create1(0);
  if (sfd < 0 || ep < 0) Die("setup");
  int listener = Listen(listen_port);
  Watch(listener, EPOLLIN, true);
  Watch(sfd, EPOLLIN, true);

  for (;;) {
    // Flush what is due everywhere; sleep until the next due chunk.
    Clock::time_point next = Clock::time_point::max();
    std::map<Conn*, std::shared_ptr<Conn>> conns;
    for (auto& [fd, c] : by_fd) conns[c.get()] = c;
    for (auto& [raw, c] : conns) {
      next = std::min(next, Flush(*c, c->up));
      next = std::min(next, Flush(*c, c->down));
      if (c->up.eof_sent && c->down.eof_sent) Close(c);
    }
    int timeout = -1;
    if (next != Clock::time_point::max()) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    next - Clock::now())
                    .count();
      timeout = int(std::max<long long>(0, ms + 1));
    }
    epoll_event events[64];
    int n = epoll_wait(ep, events, 64, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        Accept(listener);
      } else if (fd == sfd) {
        signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == sizeof si) {
          PrintStats();
          if (si.ssi_signo != SIGUSR1) return 0;
        }
      } else if (auto it = by_fd.find(fd); it != by_fd.end()) {
        std::shared_ptr<Conn> c = it->second;
        Pipe& p = fd == c->up.from ? c->up : c->down;
        if ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
            !p.eof_read) {
          ReadInto(*c, p, fd == c->up.from);
          if (p.eof_read) Rewatch(*c, fd);
        }
      }
    }
  }
}
