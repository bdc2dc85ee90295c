#pragma once
// Kafka's protocol error codes (Errors.java, Kafka 3.9), from kafka_errors.def:
// a constant per code and lookups of Kafka's name, default message and
// retriability.
#include <cstdint>
#include <string_view>

namespace fjord::protocol {

namespace kafka_error {
#define KAFKA_ERROR(code, name, cpp_name, retriable, message) inline constexpr int16_t k##cpp_name = code;
#include "protocol/errors/kafka_errors.def"
#undef KAFKA_ERROR
}  // namespace kafka_error

// False for codes Kafka 3.9 does not define.
bool is_known_error(int16_t code);
// Kafka's enum name ("NOT_COORDINATOR"). Unknown codes read as
// UNKNOWN_SERVER_ERROR, as Kafka's Errors.forCode() does.
std::string_view error_name(int16_t code);
// The default message of Kafka's exception for the code; empty for NONE.
std::string_view error_message(int16_t code);
// Whether Kafka's exception for the code is a RetriableException.
bool is_retriable(int16_t code);

}  // namespace fjord::protocol
