#include "broker/coordinator/producer_id_block_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>

#include "storage/file_ops.h"

namespace fjord::broker::coordinator {

std::string FileProducerIdBlockStore::to_json(const ProducerIdBlock& block) {
  // Kafka writes the offsets as strings (ProducerIdBlockZNode.generateProducerIdBlockJson).
  std::ostringstream o;
  o << R"({"version":1,"broker":)" << block.assigned_broker << R"(,"block_start":")" << block.first
    << R"(","block_end":")" << block.last() << R"("})";
  return o.str();
}

bool FileProducerIdBlockStore::parse_json(const std::string& text, ProducerIdBlock* out) {
  static const std::regex broker(R"re("broker"\s*:\s*(-?\d+))re");
  static const std::regex start(R"re("block_start"\s*:\s*"?(\d+)"?)re");
  static const std::regex end(R"re("block_end"\s*:\s*"?(\d+)"?)re");
  std::smatch b, s, e;
  if (!std::regex_search(text, b, broker) || !std::regex_search(text, s, start) || !std::regex_search(text, e, end))
    return false;
  try {
    out->assigned_broker = std::stoi(b[1]);
    out->first = std::stoll(s[1]);
    out->size = std::stoll(e[1]) - out->first + 1;
  } catch (const std::exception&) {
    return false;
  }
  return out->size > 0;
}

bool FileProducerIdBlockStore::claim_next_block(int32_t broker_id, int64_t size, ProducerIdBlock* out,
                                                std::string* error) {
  ProducerIdBlock next{.assigned_broker = broker_id, .first = 0, .size = size};
  std::ifstream in(path_);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    ProducerIdBlock latest;
    if (!parse_json(text.str(), &latest)) {
      *error = path_ + ": not a producer id block: " + text.str();
      return false;
    }
    if (latest.last() > std::numeric_limits<int64_t>::max() - size) {
      *error = "producer ids exhausted";
      return false;
    }
    next.first = latest.last() + 1;
  }
  const std::string json = to_json(next);
  const std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = tmp + ": " + strerror(errno);
    return false;
  }
  const bool written = ::write(fd, json.data(), json.size()) == ssize_t(json.size()) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    *error = path_ + ": " + strerror(written ? errno : err);
    ::unlink(tmp.c_str());
    return false;
  }
  const size_t slash = path_.rfind('/');
  storage::fsync_dir(slash == std::string::npos ? "." : path_.substr(0, slash));
  *out = next;
  return true;
}

}  // namespace fjord::broker::coordinator
