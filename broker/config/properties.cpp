#include "broker/config/properties.h"

namespace fjord::broker {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\f')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\f')) s.remove_suffix(1);
  return s;
}

}  // namespace

Properties parse_properties(std::string_view text) {
  Properties out;
  std::string logical;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view t = trim(line);
    if (logical.empty() && (t.empty() || t.front() == '#' || t.front() == '!')) {
      if (pos > text.size()) break;
      continue;
    }
    // An odd number of trailing backslashes continues the logical line.
    size_t slashes = 0;
    while (slashes < t.size() && t[t.size() - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 1) {
      logical.append(t.substr(0, t.size() - 1));
      if (pos > text.size()) { /* dangling continuation at EOF: fall through */ }
      else continue;
    } else {
      logical.append(t);
    }
    std::string_view l = logical;
    size_t sep = l.find_first_of("=:");
    std::string_view key = trim(sep == std::string_view::npos ? l : l.substr(0, sep));
    std::string_view value = sep == std::string_view::npos ? std::string_view{} : trim(l.substr(sep + 1));
    if (!key.empty()) out.emplace_back(std::string(key), std::string(value));
    logical.clear();
    if (pos > text.size()) break;
  }
  return out;
}

}  // namespace fjord::broker
