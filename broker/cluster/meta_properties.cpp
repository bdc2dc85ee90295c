#include "broker/cluster/meta_properties.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "broker/config/properties.h"
#include "protocol/wire/uuid.h"

namespace fjord::broker {
namespace {

std::string random_cluster_id() {
  protocol::Uuid u;
  std::random_device rd;
  for (auto& b : u.bytes) b = static_cast<uint8_t>(rd());
  u.bytes[6] = static_cast<uint8_t>((u.bytes[6] & 0x0f) | 0x40);  // version 4
  u.bytes[8] = static_cast<uint8_t>((u.bytes[8] & 0x3f) | 0x80);
  return u.to_base64();
}

}  // namespace

std::string load_or_create_cluster_id(const std::vector<std::string>& log_dirs, int32_t node_id) {
  namespace fs = std::filesystem;
  std::string cluster_id;
  std::vector<std::string> missing;
  for (const auto& dir : log_dirs) {
    fs::path p = fs::path(dir) / "meta.properties";
    std::ifstream in(p);
    if (!in) {
      missing.push_back(dir);
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string id;
    for (auto& [k, v] : parse_properties(ss.str())) {
      if (k == "cluster.id") id = v;
      if ((k == "node.id" || k == "broker.id") && v != std::to_string(node_id))
        throw std::runtime_error(p.string() + " belongs to node " + v + ", not node.id " + std::to_string(node_id));
    }
    if (id.empty()) throw std::runtime_error(p.string() + " has no cluster.id");
    if (!cluster_id.empty() && id != cluster_id)
      throw std::runtime_error("log dirs disagree on cluster.id (" + cluster_id + " vs " + id + ")");
    cluster_id = id;
  }
  if (cluster_id.empty()) cluster_id = random_cluster_id();
  for (const auto& dir : missing) {
    fs::create_directories(dir);
    fs::path tmp = fs::path(dir) / "meta.properties.tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << "#\n# written by fjord\nversion=1\ncluster.id=" << cluster_id << "\nnode.id=" << node_id << "\n";
      if (!out) throw std::runtime_error("cannot write " + tmp.string());
    }
    fs::rename(tmp, fs::path(dir) / "meta.properties");
  }
  return cluster_id;
}

}  // namespace fjord::broker
