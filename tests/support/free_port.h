// A loopback TCP port that nobody listened on a moment ago (bound to port 0,
// read back, released). Good enough for tests; the kernel does not hand the
// same ephemeral port out again at once.
#pragma once

namespace certpilot::testing {

int FreeLoopbackPort();

}  // namespace certpilot::testing
