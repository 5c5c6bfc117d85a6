// AsanPoison: marks memory a recycling free list holds as unusable under
// AddressSanitizer (and usable again when it is handed out), so a use
// after the owner let go still fails as a use after free would. A no-op
// in builds without ASan.
#ifndef CRASHLAB_CORE_ASAN_H_
#define CRASHLAB_CORE_ASAN_H_

#include <cstddef>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#define CRASHLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CRASHLAB_ASAN 1
#endif
#endif
#ifdef CRASHLAB_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace crashlab {

// Poisons (or unpoisons) the heap buffer of `s`: its whole capacity and
// the terminator. Only for strings whose bytes are on the heap.
inline void AsanPoison(const std::string& s, bool poison) {
#ifdef CRASHLAB_ASAN
  if (poison) {
    ASAN_POISON_MEMORY_REGION(s.data(), s.capacity() + 1);
  } else {
    ASAN_UNPOISON_MEMORY_REGION(s.data(), s.capacity() + 1);
  }
#else
  (void)s;
  (void)poison;
#endif
}

}  // namespace crashlab

#endif  // CRASHLAB_CORE_ASAN_H_
