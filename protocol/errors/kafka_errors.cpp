#include "protocol/errors/kafka_errors.h"

#include <array>

namespace fjord::protocol {
namespace {

struct ErrorInfo {
  int16_t code;
  std::string_view name;
  bool retriable;
  std::string_view message;
};

constexpr std::array kErrors = {
#define KAFKA_ERROR(code, name, cpp_name, retriable, message) ErrorInfo{code, #name, retriable, message},
#include "protocol/errors/kafka_errors.def"
#undef KAFKA_ERROR
};

constexpr int16_t kLowest = kErrors.front().code;
constexpr int16_t kHighest = kErrors.back().code;

// The codes run from -1 without gaps, so a code indexes the table directly.
constexpr bool contiguous() {
  for (size_t i = 0; i < kErrors.size(); ++i)
    if (kErrors[i].code != kLowest + static_cast<int>(i)) return false;
  return true;
}
static_assert(kLowest == -1 && contiguous(), "kafka_errors.def must list codes -1.. in order, without gaps");

const ErrorInfo& info(int16_t code) {
  if (!is_known_error(code)) code = kafka_error::kUnknownServerError;
  return kErrors[static_cast<size_t>(code - kLowest)];
}

}  // namespace

bool is_known_error(int16_t code) { return code >= kLowest && code <= kHighest; }
std::string_view error_name(int16_t code) { return info(code).name; }
std::string_view error_message(int16_t code) { return info(code).message; }
bool is_retriable(int16_t code) { return info(code).retriable; }

}  // namespace fjord::protocol
