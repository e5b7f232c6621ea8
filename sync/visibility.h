// Visibility: which records the author of a record had applied when it signed.
//
// A record "sees" the earlier records of its own feed and, of each ancestor's feed, the records up
// to its ancestor frontier. Everything the hierarchy rules decide about concurrency ("had the
// county seen the revocation?") is a question put to a Visibility; there is no clock in it.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "protocol/record.h"

namespace govbus {

class Visibility {
 public:
  // What the author of `envelope` had seen.
  static Visibility of(const Envelope& envelope);
  static Visibility of(const Envelope&&) = delete;  // a view must not outlive its envelope
  // Sees everything: the global view used for the state as a whole.
  static Visibility all();

  bool seesAll() const { return all_; }
  bool sees(const RecordRef& ref) const;
  // The highest sequence of `author`'s feed this viewer sees (0: none of it; UINT64_MAX - 1: all):
  // sees({author, s}) exactly when s <= seenUpTo(author).
  uint64_t seenUpTo(std::string_view author) const;
  std::string_view self() const { return self_; }

 private:
  bool all_ = false;
  std::string_view self_;
  uint64_t selfSeq_ = 0;
  std::span<const FrontierEntry> frontier_;  // sorted by author (the wire format guarantees it)
};

}  // namespace govbus
