#pragma once
// Memory for full-size tail chunks (segment_tail.h): 2 MiB blocks aligned to
// 2 MiB and backed by transparent huge pages where the kernel allows, kept
// for reuse instead of returned. Why: every O_DIRECT write pins its source
// pages (get_user_pages, ~10% of the broker's CPU with 4 KiB pages; one huge
// page is pinned at once), and on this project's VMs a never-touched page
// costs a host fault, so warm blocks are worth keeping. Thread-safe.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace fjord::storage {

class ChunkPool {
 public:
  static constexpr size_t kBlockBytes = 2 << 20;
  static ChunkPool& instance();

  // A kBlockBytes block, or null when memory is exhausted.
  uint8_t* take();
  // Returns a block from take(); beyond kMaxFree idle blocks it is unmapped.
  void give(uint8_t* block);

 private:
  static constexpr size_t kMaxFree = 64;  // 128 MiB idle at most
  std::mutex mu_;
  std::vector<uint8_t*> free_;
};

}  // namespace fjord::storage
