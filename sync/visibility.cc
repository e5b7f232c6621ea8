#include "sync/visibility.h"

#include <algorithm>
#include <limits>

namespace govbus {

Visibility Visibility::of(const Envelope& envelope) {
  Visibility v;
  v.self_ = envelope.author;
  v.selfSeq_ = envelope.seq;
  v.frontier_ = envelope.frontier;
  return v;
}

Visibility Visibility::all() {
  Visibility v;
  v.all_ = true;
  return v;
}

bool Visibility::sees(const RecordRef& ref) const {
  if (all_) return true;
  if (ref.author == self_) return ref.seq < selfSeq_;
  auto it =
      std::lower_bound(frontier_.begin(), frontier_.end(), std::string_view(ref.author),
                       [](const FrontierEntry& e, std::string_view a) { return e.author < a; });
  return it != frontier_.end() && it->author == ref.author && ref.seq <= it->seq;
}

uint64_t Visibility::seenUpTo(std::string_view author) const {
  if (all_) return std::numeric_limits<uint64_t>::max() - 1;
  if (author == self_) return selfSeq_ == 0 ? 0 : selfSeq_ - 1;
  auto it =
      std::lower_bound(frontier_.begin(), frontier_.end(), author,
                       [](const FrontierEntry& e, std::string_view a) { return e.author < a; });
  return it != frontier_.end() && it->author == author ? it->seq : 0;
}

}  // namespace govbus
