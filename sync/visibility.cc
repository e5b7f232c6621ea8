#include "sync/visibility.h"

#include <algorithm>

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
      std::lower_bound(frontier_.begin(), frontier_.end(), ref.author,
                       [](const FrontierEntry& e, const std::string& a) { return e.author < a; });
  return it != frontier_.end() && it->author == ref.author && ref.seq <= it->seq;
}

}  // namespace govbus
