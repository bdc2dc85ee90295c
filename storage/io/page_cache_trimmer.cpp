#include "storage/io/page_cache_trimmer.h"

#include "storage/io/write_pipeline.h"

namespace fjord::storage {

// Housekeeping at nice 10: on a busy machine the network threads go first.
PageCacheTrimmer::PageCacheTrimmer(uint64_t window_bytes)
    : window_(window_bytes),
      worker_(
          "fj-trimmer",
          [this](LogBatchWorker::Batch& batch) {
            for (auto& log : batch) log->trim_page_cache(window_);
          },
          LogBatchWorker::OnStop::drop, 10) {}

PageCacheTrimmer::~PageCacheTrimmer() { stop(); }

void PageCacheTrimmer::schedule(std::shared_ptr<WritePipeline> log) { worker_.schedule(std::move(log)); }

void PageCacheTrimmer::stop() { worker_.stop(); }

uint64_t PageCacheTrimmer::passes() const { return worker_.rounds(); }

}  // namespace fjord::storage
