#include "storage/log/topic_store.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "storage/file_ops.h"
#include "storage/log/partition_metadata.h"

namespace fjord::storage {

namespace {
constexpr const char* kExt = ".properties";

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\') o += "\\\\";
    else if (c == '\n') o += "\\n";
    else if (c == '\r') o += "\\r";
    else o += c;
  }
  return o;
}

std::string unescape(const std::string& s) {
  std::string o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      o += n == 'n' ? '\n' : n == 'r' ? '\r' : n;
    } else {
      o += s[i];
    }
  }
  return o;
}
}  // namespace

std::string topic_store_dir(const std::string& log_dir) { return log_dir + "/fjord-topics"; }

namespace {
// <topic>.properties, unless that is longer than a file name may be (a
// 249-character topic name): then a prefix and a hash of the name. The
// name itself is read from the file, so any file name works.
std::string topic_file(const std::string& log_dir, const std::string& name) {
  constexpr size_t kMaxFileName = 255;  // NAME_MAX
  std::string file = name + kExt;
  if (file.size() + 4 > kMaxFileName) {  // write_file_atomic adds ".tmp"
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    file = name.substr(0, 200) + "~" + hex + kExt;
  }
  return topic_store_dir(log_dir) + "/" + file;
}
}  // namespace

Errc save_topic(const std::string& log_dir, const StoredTopic& t) {
  std::string dir = topic_store_dir(log_dir);
  if (::mkdir(dir.c_str(), 0755) == 0) {
    // First topic: the store directory's own entry must be durable too.
    if (!fsync_dir(log_dir)) return Errc::io_error;
  } else if (errno != EEXIST) {
    return Errc::io_error;
  }
  std::string text = "# fjord topic metadata\nname=" + escape(t.name) + "\ntopic_id=" + t.id.to_base64() +
                     "\npartitions=" + std::to_string(t.partitions) + "\n";
  for (auto& [k, v] : t.overrides) text += "config." + escape(k) + "=" + escape(v) + "\n";
  return write_file_atomic(topic_file(log_dir, t.name), text);
}

Errc remove_topic(const std::string& log_dir, const std::string& name) {
  std::string dir = topic_store_dir(log_dir);
  std::string path = topic_file(log_dir, name);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errc::io_error;
  return fsync_dir(dir) ? Errc::ok : Errc::io_error;
}

std::vector<StoredTopic> load_topics(const std::string& log_dir) {
  std::vector<StoredTopic> out;
  std::string dir = topic_store_dir(log_dir);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  std::vector<std::string> files;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 11 && n.compare(n.size() - 11, 11, kExt) == 0) files.push_back(n);
  }
  ::closedir(d);
  for (auto& f : files) {
    std::string text;
    if (!read_small_file(dir + "/" + f, &text)) continue;
    StoredTopic t;
    bool id_ok = false;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? text.size() : nl + 1;
      if (line.empty() || line[0] == '#') continue;
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string k = unescape(line.substr(0, eq)), v = unescape(line.substr(eq + 1));
      if (k == "name") t.name = v;
      else if (k == "topic_id") {
        auto u = uuid_from_base64(v);
        if (u) { t.id = *u; id_ok = true; }
      } else if (k == "partitions") {
        t.partitions = static_cast<int32_t>(std::strtol(v.c_str(), nullptr, 10));
      } else if (k.rfind("config.", 0) == 0) {
        t.overrides[k.substr(7)] = v;
      }
    }
    if (t.name.empty() || !id_ok || t.partitions <= 0) {
      spdlog::error("storage: ignoring unreadable topic file {}/{}", dir, f);
      continue;
    }
    out.push_back(std::move(t));
  }
  return out;
}

bool valid_topic_name(const std::string& n, std::string* why) {
  if (n.empty()) { *why = "Topic name is illegal, it can't be empty"; return false; }
  if (n == "." || n == "..") { *why = "Topic name cannot be \".\" or \"..\""; return false; }
  if (n.size() > 249) { *why = "Topic name is illegal, it can't be longer than 249 characters"; return false; }
  for (char c : n) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) {
      *why = "Topic name \"" + n + "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
      return false;
    }
  }
  return true;
}

}  // namespace fjord::storage
