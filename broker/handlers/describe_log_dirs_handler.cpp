#include "broker/handlers/describe_log_dirs_handler.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/describe_log_dirs_request.h"
#include "protocol/messages/describe_log_dirs_response.h"

namespace fjord::broker {
namespace {

using Response = protocol::DescribeLogDirsResponse;

std::string absolute_dir(const std::string& dir) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(dir, ec), ec);
  return ec ? dir : p.string();
}

std::string parent_dir(const std::string& partition_dir) {
  auto slash = partition_dir.find_last_of('/');
  return slash == std::string::npos ? "." : partition_dir.substr(0, slash);
}

}  // namespace

// Every log dir with the partitions it holds: size on disk and offset lag
// (0: these are the current logs, never a future log being moved).
void handle_describe_log_dirs(BrokerContext& ctx, Request req, Responder out) {
  protocol::DescribeLogDirsRequest body;
  if (!decode_body(req, &body)) return out.close();
  std::optional<std::set<std::pair<std::string, int32_t>>> wanted;
  if (body.topics) {
    wanted.emplace();
    for (const auto& t : *body.topics)
      for (int32_t p : t.partitions) wanted->insert({t.topic, p});
  }
  // Log dir (as configured) -> topic -> partitions.
  std::map<std::string, std::map<std::string, std::vector<Response::DescribeLogDirsPartition>>> dirs;
  for (const auto& d : ctx.config.log_dirs) dirs[d];
  for (const auto& topic : ctx.logs.topics()) {
    for (int32_t p = 0; p < topic.partitions; ++p) {
      if (wanted && !wanted->count({topic.name, p})) continue;
      auto log = ctx.logs.partition(topic.name, p);
      if (!log) continue;
      Response::DescribeLogDirsPartition part;
      part.partition_index = p;
      part.partition_size = log->size_bytes();
      part.offset_lag = 0;
      part.is_future_key = false;
      const std::string dir = parent_dir(log->dir());
      auto it = std::find_if(dirs.begin(), dirs.end(),
                             [&](const auto& d) { return absolute_dir(d.first) == absolute_dir(dir); });
      dirs[it == dirs.end() ? dir : it->first][topic.name].push_back(part);
    }
  }
  Response resp;
  for (auto& [dir, topics] : dirs) {
    auto& r = resp.results.emplace_back();
    r.log_dir = absolute_dir(dir);
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) == 0) {
      r.total_bytes = int64_t(fs.f_blocks) * int64_t(fs.f_frsize);
      r.usable_bytes = int64_t(fs.f_bavail) * int64_t(fs.f_frsize);
    } else {
      r.error_code = kafka_error::kKafkaStorageError;
    }
    for (auto& [name, partitions] : topics) {
      auto& t = r.topics.emplace_back();
      t.name = name;
      t.partitions = std::move(partitions);
    }
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
