#include "support/netns.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <sstream>
#include <stdexcept>

namespace certpilot::testing {
namespace {

constexpr char kIp[] = "/usr/sbin/ip";
constexpr int kSlots = 256;

std::string LeaseDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                    "/certpilot-test-netns";
  ::mkdir(dir.c_str(), 01777);
  return dir;
}

RunResult Ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv{kIp};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv);
}

void IpOrThrow(const std::vector<std::string>& args) {
  RunResult r = Ip(args);
  if (r.exit_code == 0) return;
  std::string command = "ip";
  for (const auto& a : args) command += " " + a;
  throw std::runtime_error(
      "NetnsNetwork: `" + command + "` failed (" + r.Describe() +
      "): the fleet failure tests need root and network namespaces "
      "(iproute2: scripts/deps)");
}

// The first word of each line of `text`, up to `stop` (" " for `ip netns
// list`, "@:" for `ip -o link show`'s second field).
std::vector<std::string> Names(const std::string& text, bool links) {
  std::vector<std::string> names;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string word;
    if (links) words >> word;  // "5:"
    if (!(words >> word)) continue;
    const size_t end = word.find_first_of(links ? "@:" : " ");
    names.push_back(word.substr(0, end));
  }
  return names;
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// The slot file `s` of `dir` locked (its fd), or -1 when another open
// file holds it.
int LockSlot(const std::string& dir, int s) {
  const std::string path = dir + "/" + std::to_string(s);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
  ::close(fd);
  return -1;
}

// The number after `prefix` in `name`, up to `end` or the end of `name`;
// -1 when `name` is not that.
int SlotOf(const std::string& name, const std::string& prefix, char end) {
  if (!StartsWith(name, prefix)) return -1;
  size_t i = prefix.size(), digits = 0;
  int slot = 0;
  while (i < name.size() && name[i] >= '0' && name[i] <= '9' && digits < 3) {
    slot = slot * 10 + (name[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0 || slot >= kSlots) return -1;
  if (end == '\0' ? i != name.size() : (i >= name.size() || name[i] != end))
    return -1;
  return slot;
}

std::vector<std::string> NamespaceNames() {
  return Names(Ip({"netns", "list"}).out, false);
}
std::vector<std::string> LinkNames() {
  return Names(Ip({"-o", "link", "show"}).out, true);
}

// Slots that namespaces or links of this fixture exist for.
std::set<int> LeftoverSlots() {
  std::set<int> slots;
  for (const auto& ns : NamespaceNames())
    if (int s = SlotOf(ns, "certpilot-", '-'); s >= 0) slots.insert(s);
  for (const auto& link : LinkNames()) {
    if (int s = SlotOf(link, "cpb", '\0'); s >= 0) slots.insert(s);
    if (int s = SlotOf(link, "cph", '-'); s >= 0) slots.insert(s);
  }
  return slots;
}

// Removes slot `s`'s namespaces (deleting one deletes the veth end in it,
// and so its peer), bridge and host-side veths. Best effort: what is left
// is removed by the next run.
void RemoveSlot(int slot) noexcept {
  try {
    const std::string s = std::to_string(slot);
    for (const auto& ns : NamespaceNames())
      if (StartsWith(ns, "certpilot-" + s + "-")) Ip({"netns", "del", ns});
    for (const auto& link : LinkNames())
      if (link == "cpb" + s || StartsWith(link, "cph" + s + "-"))
        Ip({"link", "del", link});
  } catch (const std::exception&) {
  }
}

}  // namespace

NetnsNetwork::NetnsNetwork(int nodes) : nodes_(nodes) {
  if (nodes < 1 || nodes > 200)
    throw std::runtime_error("NetnsNetwork: 1 to 200 nodes");
  if (::access(kIp, X_OK) != 0)
    throw std::runtime_error(
        "NetnsNetwork: /usr/sbin/ip not found: run scripts/deps (iproute2)");
  const std::string dir = LeaseDir();
  for (int s = 0; s < kSlots && slot_ < 0; ++s) {
    slot_fd_ = LockSlot(dir, s);
    if (slot_fd_ >= 0) slot_ = s;
  }
  if (slot_ < 0)
    throw std::runtime_error("NetnsNetwork: every slot of " + dir +
                             " is taken");
  // What crashed runs left: in this slot, and in every slot no process
  // holds (a slot's flock goes with its process).
  for (int s : LeftoverSlots()) {
    if (s == slot_) {
      RemoveSlot(s);
      continue;
    }
    const int fd = LockSlot(dir, s);
    if (fd < 0) continue;  // a live run's
    RemoveSlot(s);
    ::close(fd);
  }
  try {
    Create();
  } catch (...) {
    RemoveSlot(slot_);
    ::close(slot_fd_);
    throw;
  }
}

NetnsNetwork::~NetnsNetwork() {
  RemoveSlot(slot_);
  ::close(slot_fd_);
}

std::string NetnsNetwork::host_address() const {
  return "10.231." + std::to_string(slot_) + ".1";
}

std::string NetnsNetwork::node_address(int i) const {
  return "10.231." + std::to_string(slot_) + "." + std::to_string(10 + i);
}

std::string NetnsNetwork::namespace_name(int i) const {
  return "certpilot-" + std::to_string(slot_) + "-" +
         std::to_string(::getpid()) + "-" + std::to_string(i);
}

std::vector<std::string> NetnsNetwork::InNode(
    int i, const std::vector<std::string>& argv) const {
  std::vector<std::string> out{kIp, "netns", "exec", namespace_name(i)};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

RunResult NetnsNetwork::Run(
    int i, const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& env) const {
  return RunProgram(InNode(i, argv), env);
}

void NetnsNetwork::SetLinkUp(int i, bool up) {
  IpOrThrow({"link", "set",
             "cph" + std::to_string(slot_) + "-" + std::to_string(i),
             up ? "up" : "down"});
}

void NetnsNetwork::Create() {
  const std::string s = std::to_string(slot_);
  const std::string bridge = "cpb" + s;
  IpOrThrow({"link", "add", bridge, "type", "bridge", "forward_delay", "0"});
  IpOrThrow({"addr", "add", host_address() + "/24", "dev", bridge});
  IpOrThrow({"link", "set", bridge, "up"});
  for (int i = 0; i < nodes_; ++i) {
    const std::string ns = namespace_name(i);
    const std::string host_end = "cph" + s + "-" + std::to_string(i);
    const std::string node_end = "cpn" + s + "-" + std::to_string(i);
    IpOrThrow({"netns", "add", ns});
    IpOrThrow({"link", "add", host_end, "type", "veth", "peer", "name",
               node_end, "netns", ns});
    IpOrThrow({"link", "set", host_end, "master", bridge});
    IpOrThrow({"link", "set", host_end, "up"});
    IpOrThrow(
        {"-n", ns, "addr", "add", node_address(i) + "/24", "dev", node_end});
    IpOrThrow({"-n", ns, "link", "set", node_end, "up"});
    IpOrThrow({"-n", ns, "link", "set", "lo", "up"});
  }
}

}  // namespace certpilot::testing
