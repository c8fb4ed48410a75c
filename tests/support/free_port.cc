#include "support/free_port.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>

namespace certpilot::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

// A socket of `type` bound to 127.0.0.1:port, or -1. With `reuse`, as the
// daemons and certpilot's responder bind: a TIME_WAIT left by an earlier
// user of the port is no obstacle.
int Bind(int type, int port, bool reuse) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  if (reuse) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in addr = Loopback(port);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool CanBind(int type, int port) {
  const int fd = Bind(type, port, true);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// The lowest port of the kernel's ephemeral range; 32768 if unreadable.
int EphemeralLow() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0, high = 0;
  if (in >> low >> high && low > 2048) return low;
  return 32768;
}

std::string LeaseDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                    "/certpilot-test-ports";
  ::mkdir(dir.c_str(), 01777);  // shared by every user's test runs
  return dir;
}

}  // namespace

int FreeLoopbackPort(bool udp_too) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  static const std::string dir = LeaseDir();
  const int high = EphemeralLow() - 1;
  const int low = high > 12000 ? 10000 : 1024;
  const int span = high - low + 1;
  std::random_device seed;
  const int start = static_cast<int>(seed() % static_cast<unsigned>(span));
  for (int i = 0; i < span; ++i) {
    const int port = low + (start + i) % span;
    const std::string path = dir + "/" + std::to_string(port);
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0 ||  // another process holds it
        !CanBind(SOCK_STREAM, port) ||          // in use by a non-test
        (udp_too && !CanBind(SOCK_DGRAM, port))) {
      ::close(fd);
      continue;
    }
    return port;  // fd stays open: the lease lasts as long as the process
  }
  throw std::runtime_error("no loopback port below " +
                           std::to_string(high + 1) + " could be leased in " +
                           dir);
}

int PortReservation::Reserve(bool also_udp) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    Release();
    const int port = FreeLoopbackPort(also_udp);
    tcp_fd_ = Bind(SOCK_STREAM, port, false);
    if (tcp_fd_ < 0) continue;
    if (!also_udp) return port;
    udp_fd_ = Bind(SOCK_DGRAM, port, false);
    if (udp_fd_ >= 0) return port;
  }
  throw std::runtime_error("no leased port could be bound on 127.0.0.1");
}

void PortReservation::Release() {
  if (tcp_fd_ >= 0) ::close(tcp_fd_);
  if (udp_fd_ >= 0) ::close(udp_fd_);
  tcp_fd_ = udp_fd_ = -1;
}

bool TcpConnects(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in addr = Loopback(port);
  const bool ok =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace certpilot::testing
