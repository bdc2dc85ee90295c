#include "broker/config/broker_loggers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

namespace fjord::broker {
namespace {

std::string log4j_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return "TRACE";
    case spdlog::level::debug: return "DEBUG";
    case spdlog::level::info: return "INFO";
    case spdlog::level::warn: return "WARN";
    case spdlog::level::err: return "ERROR";
    case spdlog::level::critical: return "FATAL";
    default: return "OFF";
  }
}

spdlog::level::level_enum from_log4j(std::string level) {
  std::transform(level.begin(), level.end(), level.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  if (level == "ALL" || level == "TRACE") return spdlog::level::trace;
  if (level == "DEBUG") return spdlog::level::debug;
  if (level == "INFO") return spdlog::level::info;
  if (level == "WARN") return spdlog::level::warn;
  if (level == "ERROR") return spdlog::level::err;
  if (level == "FATAL") return spdlog::level::critical;
  return spdlog::level::off;
}

std::shared_ptr<spdlog::logger> find(const std::string& name) {
  if (name == kRootLogger) return spdlog::default_logger();
  return spdlog::get(name);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> broker_loggers() {
  std::vector<std::pair<std::string, std::string>> out;
  auto root = spdlog::default_logger();
  out.emplace_back(kRootLogger, log4j_name(root->level()));
  std::vector<std::pair<std::string, std::string>> named;
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
    if (l != root) named.emplace_back(l->name(), log4j_name(l->level()));
  });
  std::sort(named.begin(), named.end());
  out.insert(out.end(), named.begin(), named.end());
  return out;
}

bool logger_exists(const std::string& name) { return find(name) != nullptr; }

bool valid_logger_level(const std::string& level) {
  for (const char* l : {"ALL", "DEBUG", "ERROR", "FATAL", "INFO", "OFF", "TRACE", "WARN"})
    if (level == l) return true;
  return false;
}

void set_logger_level(const std::string& name, const std::string& level) {
  if (auto l = find(name)) {
    l->set_level(from_log4j(level));
    spdlog::info("config: logger {} set to {}", name, level);
  }
}

void reset_logger_level(const std::string& name) {
  if (auto l = find(name)) l->set_level(spdlog::default_logger()->level());
}

}  // namespace fjord::broker
