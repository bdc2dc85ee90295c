#pragma once
// The disk probes' scratch file: created in `dir` and unlinked at once, so
// nothing is left behind whatever happens next.

#include <string>

namespace fjord::bench {

// A write-only fd, O_DIRECT where the filesystem takes it (*direct true),
// buffered where it refuses (e.g. tmpfs). -1 on failure, with `error`
// naming the call ("mkstemp: ...", "open: ...").
int open_scratch_file(const std::string& dir, const char* name, bool* direct, std::string* error);

}  // namespace fjord::bench
