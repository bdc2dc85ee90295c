#pragma once
// Turns measured results into the one-line summary and the JSON document.

#include <string>

#include "bench_options.h"
#include "target_run.h"

namespace fjord::bench {

// `reference` may be null (no mock peer measured).
std::string summary_line(const BenchOptions& options, const TargetResult& target, const TargetResult* reference);
std::string json_document(const BenchOptions& options, const TargetResult& target, const TargetResult* reference);

}  // namespace fjord::bench
