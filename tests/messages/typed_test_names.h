#pragma once
// Typed tests over the generated type lists (AllMessageTypes, AllInternalTypes):
// the tuple as ::testing::Types, and test names without the namespace.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

namespace fjord::protocol::test {

template <typename Tuple>
struct TupleToTypes;
template <typename... Ts>
struct TupleToTypes<std::tuple<Ts...>> {
  using type = ::testing::Types<Ts...>;
};

struct UnqualifiedTypeName {
  template <typename T>
  static std::string GetName(int) {
    std::string name = ::testing::internal::GetTypeName<T>();
    auto colon = name.rfind(':');
    return colon == std::string::npos ? name : name.substr(colon + 1);
  }
};

}  // namespace fjord::protocol::test
