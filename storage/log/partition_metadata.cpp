#include "storage/log/partition_metadata.h"

#include <fcntl.h>
#include <unistd.h>

#include <random>

#include "storage/file_ops.h"

namespace fjord::storage {

namespace {
int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}
}  // namespace

std::optional<protocol::Uuid> uuid_from_base64(const std::string& s) {
  if (s.size() != 22) return std::nullopt;
  protocol::Uuid u;
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : s) {
    int v = b64_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < 16) u.bytes[n++] = uint8_t(acc >> bits);
    }
  }
  if (n != 16) return std::nullopt;
  return u;
}

protocol::Uuid random_topic_id() {
  std::random_device rd;
  for (;;) {
    protocol::Uuid u;
    for (size_t i = 0; i < 16; i += 4) {
      uint32_t r = rd();
      for (int j = 0; j < 4; ++j) u.bytes[i + j] = uint8_t(r >> (8 * j));
    }
    // Version 4 / IETF variant bits, as java.util.UUID.randomUUID.
    u.bytes[6] = uint8_t((u.bytes[6] & 0x0f) | 0x40);
    u.bytes[8] = uint8_t((u.bytes[8] & 0x3f) | 0x80);
    if (!u.is_zero() && u.to_base64()[0] != '-') return u;
  }
}

namespace {
std::string metadata_path(const std::string& partition_dir) { return partition_dir + "/partition.metadata"; }
std::string metadata_content(const protocol::Uuid& id) { return "version: 0\ntopic_id: " + id.to_base64() + "\n"; }
}  // namespace

Errc write_new_partition_metadata(const std::string& partition_dir, const protocol::Uuid& id) {
  FileHandle f(::open(metadata_path(partition_dir).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  std::string content = metadata_content(id);
  if (!f.valid() || !pwrite_all(f.get(), content.data(), content.size(), 0)) return Errc::io_error;
  return Errc::ok;
}

Errc write_partition_metadata(const std::string& partition_dir, const protocol::Uuid& id) {
  std::string path = metadata_path(partition_dir);
  std::string content = metadata_content(id);
  std::string existing;
  if (read_small_file(path, &existing) && existing == content) return Errc::ok;
  return write_file_atomic(path, content);
}

std::optional<protocol::Uuid> read_partition_metadata(const std::string& partition_dir) {
  std::string text;
  if (!read_small_file(partition_dir + "/partition.metadata", &text)) return std::nullopt;
  auto pos = text.find("topic_id: ");
  if (pos == std::string::npos) return std::nullopt;
  auto start = pos + 10;
  auto end = text.find('\n', start);
  return uuid_from_base64(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
}

}  // namespace fjord::storage
