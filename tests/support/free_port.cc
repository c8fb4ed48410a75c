#include "support/free_port.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
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

// A socket of `type` bound to 127.0.0.1:port (0: any), or -1. Sets
// *bound_port to the port it got.
int Bind(int type, int port, int *bound_port) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr = Loopback(port);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
      (bound_port != nullptr &&
       ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0)) {
    ::close(fd);
    return -1;
  }
  if (bound_port != nullptr) *bound_port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

int FreeLoopbackPort() {
  PortReservation reservation;
  return reservation.Reserve();
}

int PortReservation::Reserve(bool also_udp) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    Release();
    int port = 0;
    tcp_fd_ = Bind(SOCK_STREAM, 0, &port);
    if (tcp_fd_ < 0) {
      throw std::runtime_error(std::string("binding 127.0.0.1:0: ") +
                               std::strerror(errno));
    }
    if (!also_udp) return port;
    udp_fd_ = Bind(SOCK_DGRAM, port, nullptr);
    if (udp_fd_ >= 0) return port;
  }
  throw std::runtime_error("no port free for both TCP and UDP on 127.0.0.1");
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
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr *>(&addr),
                            sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace certpilot::testing
