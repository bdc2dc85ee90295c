#pragma once
// Java-style .properties text: `key=value` or `key: value` lines, `#`/`!`
// comments, trailing-backslash continuation. Order is kept so later lines
// (and --override) win, like kafka-server-start.sh.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fjord::broker {

using Properties = std::vector<std::pair<std::string, std::string>>;

Properties parse_properties(std::string_view text);

}  // namespace fjord::broker
