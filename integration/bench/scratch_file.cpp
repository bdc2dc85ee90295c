#include "scratch_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace fjord::bench {

int open_scratch_file(const std::string& dir, const char* name, bool* direct, std::string* error) {
  std::string path = dir + "/" + name + ".XXXXXX";
  const int tmp = mkstemp(path.data());
  if (tmp < 0) {
    *error = std::string("mkstemp: ") + std::strerror(errno);
    return -1;
  }
  int fd = open(path.c_str(), O_WRONLY | O_DIRECT);
  *direct = fd >= 0;
  if (fd < 0) fd = dup(tmp);  // O_DIRECT refused: buffered writes
  const int saved = errno;
  close(tmp);
  unlink(path.c_str());
  if (fd < 0) *error = std::string("open: ") + std::strerror(saved);
  return fd;
}

}  // namespace fjord::bench
