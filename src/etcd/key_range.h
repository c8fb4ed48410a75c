// Key ranges as etcd v3 states them: a request covers [key, range_end);
// range_end "\0" means every key >= key, and an empty range_end the key
// alone.
#pragma once

#include <string>
#include <string_view>

namespace certpilot::etcd {

// The range_end that makes [prefix, range_end) exactly the keys starting
// with `prefix`: the prefix with its last byte below 0xff incremented and
// what follows it dropped ("/a/" -> "/a0"). A prefix that is empty or all
// 0xff bytes has no such bound: "\0" (every key from `prefix` on).
std::string PrefixRangeEnd(std::string_view prefix);

}  // namespace certpilot::etcd
