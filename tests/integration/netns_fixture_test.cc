// NetnsNetwork (support/netns.h), the fleet failure tests' network: a node
// reaches the host's address and nothing else is routed from it; a link
// taken down cuts it off and back up restores it; the destructor removes
// the namespaces and the bridge, and the next fixture those a crashed run
// left. Needs root: without it, it fails.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "support/free_port.h"
#include "support/netns.h"

namespace certpilot::testing {
namespace {

// A TCP listener on ADDRESS:PORT (connections wait in its backlog).
class Listener {
 public:
  Listener(const std::string& address, int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
    ok_ = fd_ >= 0 &&
          ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
          ::listen(fd_, 16) == 0;
  }
  ~Listener() { ::close(fd_); }
  bool ok() const { return ok_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

// bash's /dev/tcp: connects from inside node i, within 10 s.
int ConnectFrom(const NetnsNetwork& net, int i, const std::string& address,
                int port) {
  return net
      .Run(i, {"/usr/bin/timeout", "10", "/bin/bash", "-c",
               "exec 3<>/dev/tcp/" + address + "/" + std::to_string(port)})
      .exit_code;
}

TEST(NetnsFixtureTest, NodesReachTheHostOnlyWhileTheirLinkIsUp) {
  std::string namespace0, bridge;
  {
    NetnsNetwork net(2);
    namespace0 = net.namespace_name(0);
    EXPECT_NE(net.node_address(0), net.node_address(1));
    const int port = FreeLoopbackPort();
    Listener listener(net.host_address(), port);
    ASSERT_TRUE(listener.ok()) << net.host_address();
    EXPECT_EQ(ConnectFrom(net, 0, net.host_address(), port), 0);
    EXPECT_EQ(ConnectFrom(net, 1, net.host_address(), port), 0);
    // The loopback of the host is not the node's.
    EXPECT_NE(ConnectFrom(net, 0, "127.0.0.1", port), 0);

    // Only the network's /24 is routed inside a node.
    RunResult routes = net.Run(0, {"/usr/sbin/ip", "-4", "route", "show"});
    ASSERT_EQ(routes.exit_code, 0) << routes.Describe();
    const std::string subnet =
        net.host_address().substr(0, net.host_address().size() - 1) + "0/24";
    EXPECT_EQ(routes.out.rfind(subnet, 0), 0u) << routes.out;
    EXPECT_EQ(routes.out.find('\n'), routes.out.size() - 1) << routes.out;

    net.SetLinkUp(0, false);
    EXPECT_NE(ConnectFrom(net, 0, net.host_address(), port), 0);
    EXPECT_EQ(ConnectFrom(net, 1, net.host_address(), port), 0);
    net.SetLinkUp(0, true);
    EXPECT_EQ(ConnectFrom(net, 0, net.host_address(), port), 0);
    bridge =
        "cpb" + net.host_address().substr(7, net.host_address().size() - 9);
  }
  RunResult list = RunProgram({"/usr/sbin/ip", "netns", "list"});
  EXPECT_EQ(list.out.find(namespace0), std::string::npos) << list.out;
  EXPECT_NE(RunProgram({"/usr/sbin/ip", "link", "show", bridge}).exit_code, 0)
      << bridge;
}

bool NamespaceExists(const std::string& name) {
  return RunProgram({"/usr/sbin/ip", "netns", "list"}).out.find(name) !=
         std::string::npos;
}

// A child process makes a network and ends without its destructor (as a
// crashed test would); the next NetnsNetwork removes what it left.
TEST(NetnsFixtureTest, LeftoversOfACrashedRunAreRemoved) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto* net = new NetnsNetwork(1);  // never destroyed
    const std::string name = net->namespace_name(0);
    const bool written = ::write(fds[1], name.data(), name.size()) ==
                         static_cast<ssize_t>(name.size());
    ::_exit(written ? 0 : 1);
  }
  ::close(fds[1]);
  std::string leftover;
  char buffer[256];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;)
    leftover.append(buffer, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_FALSE(leftover.empty());

  NetnsNetwork net(1);
  EXPECT_FALSE(NamespaceExists(leftover)) << leftover;
  EXPECT_TRUE(NamespaceExists(net.namespace_name(0)));
}

}  // namespace
}  // namespace certpilot::testing
