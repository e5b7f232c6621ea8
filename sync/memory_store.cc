#include "sync/memory_store.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "protocol/limits.h"

namespace govbus {

namespace {

constexpr size_t kCodeBytes = kMaxDivisionCodeChars;
// LMDB's default maximum key size; LmdbStore refuses longer state keys, so this store does too.
constexpr size_t kMaxStateKeyBytes = 511;

// What LmdbStore spends per entry besides the variable payload (keys and fixed-size values), so
// that maxBytes means roughly the same amount of data as an LMDB map of that size minus overhead.
constexpr int64_t kFeedKeyBytes = kCodeBytes + 8;
constexpr int64_t kCertKeyBytes = kCodeBytes + 4;
constexpr int64_t kHeadEntryBytes = kCodeBytes + 8 + kHashBytes + 8 + 8;
constexpr int64_t kRevocationEntryBytes = kCertKeyBytes + 8 + kCodeBytes;

// LmdbStore keys codes by their first 12 bytes; this store does the same, so both agree on which
// codes name the same feed.
std::string_view code(std::string_view c) { return c.substr(0, std::min(c.size(), kCodeBytes)); }

// (author, seq) and (subject, serial): std::pair orders them as LmdbStore's NUL-padded big-endian
// keys sort, for codes without NUL bytes.
using FeedKey = std::pair<std::string, uint64_t>;
using CertKey = std::pair<std::string, uint32_t>;

FeedKey feedKey(std::string_view author, uint64_t seq) { return {std::string(code(author)), seq}; }
CertKey certKey(std::string_view subject, uint32_t serial) {
  return {std::string(code(subject)), serial};
}

// Byte-wise order, shorter first on a common prefix: LMDB's default key order. Transparent, so a
// lookup by ByteView needs no copy of the key.
struct BytesLess {
  using is_transparent = void;
  bool operator()(ByteView a, ByteView b) const {
    size_t n = std::min(a.size(), b.size());
    int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
    return c != 0 ? c < 0 : a.size() < b.size();
  }
};

struct StoredRecord {
  Hash256 id{};
  Bytes message;  // the SignedRecord message
};

struct Feed {
  FeedHead head;
  std::map<uint64_t, StoredRecord> records;  // map nodes never move: record() hands out views
};

struct Fork {
  Bytes first;
  Bytes second;
};

struct Revocation {
  uint64_t fromSeq = 0;
  std::string revoker;
};

int64_t frontierBytes(const Frontier& f) {
  return 8 + static_cast<int64_t>(f.size()) * kFeedKeyBytes;
}

// The stored value behind a committed entry (always present) or a staged one (nullopt: deleted).
const Bytes* present(const Bytes& b) { return &b; }
const Bytes* present(const std::optional<Bytes>& b) { return b ? &*b : nullptr; }

// Visits the union of a committed range [c, cEnd) and a staged range [s, sEnd) of two maps with
// the same key order, in that order; where both hold a key, the staged entry hides the committed
// one. Stops when `visit(key, value)` returns false; it is called with either map's value type.
template <typename CIt, typename SIt, typename Less, typename Visit>
void mergeVisit(CIt c, CIt cEnd, SIt s, SIt sEnd, const Less& less, Visit&& visit) {
  while (c != cEnd || s != sEnd) {
    bool staged = c == cEnd || (s != sEnd && !less(c->first, s->first));
    if (staged) {
      if (c != cEnd && !less(s->first, c->first)) ++c;  // same key: the staged entry wins
      if (!visit(s->first, s->second)) return;
      ++s;
    } else {
      if (!visit(c->first, c->second)) return;
      ++c;
    }
  }
}

template <typename Map, typename Visit>
void mergeAll(const Map& committed, const auto& staged, Visit&& visit) {
  mergeVisit(committed.begin(), committed.end(), staged.begin(), staged.end(), committed.key_comp(),
             visit);
}

}  // namespace

struct MemoryStore::Tables {
  std::map<std::string, Feed, std::less<>> feeds;
  std::map<FeedKey, Bytes> pending;
  std::map<FeedKey, Fork> forks;
  std::map<std::string, Frontier, std::less<>> peers;
  std::map<CertKey, Bytes> certs;
  std::map<CertKey, Revocation> revocations;
  std::map<Bytes, Bytes, BytesLess> state;
  uint64_t maxLamport = 0;
  uint64_t bytes = 0;
};

namespace {

using Tables = MemoryStore::Tables;

// A write transaction's changes. Reads look here first, then in the committed tables.
struct Overlay {
  // Feeds appended to: the new head and only the records appended in this transaction.
  std::map<std::string, Feed, std::less<>> feeds;
  std::map<FeedKey, std::optional<Bytes>> pending;  // nullopt: taken from the committed buffer
  std::map<FeedKey, Fork> forks;                    // only sequences without committed evidence
  std::map<std::string, Frontier, std::less<>> peers;
  std::map<CertKey, Bytes> certs;
  std::map<CertKey, Revocation> revocations;
  std::map<Bytes, std::optional<Bytes>, BytesLess> state;  // nullopt: deleted from committed state
  uint64_t maxLamport = 0;
  int64_t pendingDelta = 0;  // pending entries added minus removed
  int64_t bytesDelta = 0;    // stored bytes added minus removed
};

// One transaction. A reader has an empty overlay, no writer lock, and takes the data lock for
// each call; a writer needs no data lock to read, since only the writer ever changes the tables.
class MemoryTxn final : public FeedTxn {
 public:
  // A read transaction.
  MemoryTxn(Tables& tables, std::shared_mutex& data) : t_(tables), data_(data) {}
  // A write transaction, holding the store's writer lock until it commits or is destroyed.
  MemoryTxn(Tables& tables, std::shared_mutex& data, std::unique_lock<std::mutex> writer,
            uint64_t maxBytes)
      : t_(tables), data_(data), writer_(std::move(writer)), write_(true), maxBytes_(maxBytes) {}

  Result<std::optional<FeedHead>> head(std::string_view author) override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    if (auto s = staged_.feeds.find(code(author)); s != staged_.feeds.end()) {
      return std::optional<FeedHead>(s->second.head);
    }
    if (auto c = t_.feeds.find(code(author)); c != t_.feeds.end())
      return std::optional<FeedHead>(c->second.head);
    return std::optional<FeedHead>();
  }

  Result<std::vector<std::pair<std::string, FeedHead>>> heads() override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    std::vector<std::pair<std::string, FeedHead>> out;
    mergeAll(t_.feeds, staged_.feeds, [&](const std::string& author, const Feed& feed) {
      out.emplace_back(author, feed.head);
      return true;
    });
    return out;
  }

  Result<std::optional<Hash256>> recordId(std::string_view author, uint64_t seq) override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    const StoredRecord* r = findRecord(author, seq);
    return r ? std::optional<Hash256>(r->id) : std::optional<Hash256>();
  }

  Result<std::optional<ByteView>> record(std::string_view author, uint64_t seq) override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    const StoredRecord* r = findRecord(author, seq);
    return r ? std::optional<ByteView>(ByteView(r->message)) : std::optional<ByteView>();
  }

  Result<uint64_t> maxLamport() override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    return std::max(t_.maxLamport, staged_.maxLamport);
  }

  Result<uint64_t> pendingCount() override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    return static_cast<uint64_t>(static_cast<int64_t>(t_.pending.size()) + staged_.pendingDelta);
  }

  Status scanPending(
      std::string_view author,
      const std::function<bool(std::string_view, uint64_t, ByteView)>& visit) override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    const std::string who(code(author));
    auto from = [&](const auto& map) {
      return author.empty() ? map.cbegin() : map.lower_bound(FeedKey{who, 0});
    };
    const auto& committed = t_.pending;
    const auto& staged = staged_.pending;
    mergeVisit(from(committed), committed.cend(), from(staged), staged.cend(),
               t_.pending.key_comp(), [&](const FeedKey& k, const auto& value) {
                 if (!author.empty() && k.first != who) return false;
                 const Bytes* v = present(value);
                 return v == nullptr || visit(k.first, k.second, *v);
               });
    return Status::Ok();
  }

  Result<std::vector<ForkEvidence>> forks() override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    std::vector<ForkEvidence> out;
    mergeAll(t_.forks, staged_.forks, [&](const FeedKey& k, const Fork& f) {
      out.push_back(ForkEvidence{k.first, k.second, f.first, f.second});
      return true;
    });
    return out;
  }

  Result<std::optional<Frontier>> peerPosition(std::string_view peer) override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    if (auto s = staged_.peers.find(code(peer)); s != staged_.peers.end())
      return std::optional<Frontier>(s->second);
    if (auto c = t_.peers.find(code(peer)); c != t_.peers.end())
      return std::optional<Frontier>(c->second);
    return std::optional<Frontier>();
  }

  Result<std::vector<Bytes>> certificates() override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    std::vector<Bytes> out;
    mergeAll(t_.certs, staged_.certs, [&](const CertKey&, const Bytes& cert) {
      out.push_back(cert);
      return true;
    });
    return out;
  }

  Result<std::vector<std::pair<std::string, KeyRevocation>>> revocations() override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    std::vector<std::pair<std::string, KeyRevocation>> out;
    mergeAll(t_.revocations, staged_.revocations, [&](const CertKey& k, const Revocation& r) {
      // The reason is not kept, as in LmdbStore: only what trust needs is stored.
      out.emplace_back(r.revoker, KeyRevocation{k.first, k.second, r.fromSeq, {}});
      return true;
    });
    return out;
  }

  Result<std::optional<Bytes>> stateGet(ByteView key) override {
    GOVBUS_TRY(live());
    GOVBUS_TRY(checkStateKey(key));
    CallLock lock(*this);
    const Bytes* v = findState(key);
    return v ? std::optional<Bytes>(*v) : std::optional<Bytes>();
  }

  Status stateScan(ByteView prefix, const std::function<bool(ByteView, ByteView)>& visit) override {
    return stateScanFrom(prefix, prefix, visit);
  }

  Status stateScanFrom(ByteView from, ByteView prefix,
                       const std::function<bool(ByteView, ByteView)>& visit) override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    if (std::lexicographical_compare(from.begin(), from.end(), prefix.begin(), prefix.end()))
      from = prefix;  // before the prefix: start at it
    // Keys with the prefix are contiguous from lower_bound(prefix) on, in both maps.
    mergeVisit(
        t_.state.lower_bound(from), t_.state.end(), staged_.state.lower_bound(from),
        staged_.state.end(), t_.state.key_comp(), [&](const Bytes& k, const auto& value) {
          if (k.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), k.begin())) {
            return false;
          }
          const Bytes* v = present(value);
          return v == nullptr || visit(k, *v);  // a staged deletion hides the entry
        });
    return Status::Ok();
  }

  // --- writes ---

  Status append(std::string_view author, const FeedHead& newHead, ByteView signedRecord) override {
    GOVBUS_TRY(writable());
    if (findRecord(author, newHead.seq)) {
      return makeError(ErrorCode::kStorage, "feed " + std::string(author) + " already has seq " +
                                                std::to_string(newHead.seq));
    }
    bool newFeed = !staged_.feeds.contains(code(author)) && !t_.feeds.contains(code(author));
    GOVBUS_TRY(charge(kFeedKeyBytes + kHashBytes + static_cast<int64_t>(signedRecord.size()) +
                          (newFeed ? kHeadEntryBytes : 0),
                      "append record"));
    Feed& feed = staged_.feeds.try_emplace(std::string(code(author))).first->second;
    feed.head = newHead;
    feed.records.emplace(newHead.seq, StoredRecord{newHead.id, toBytes(signedRecord)});
    staged_.maxLamport = std::max(staged_.maxLamport, newHead.lamport);
    return Status::Ok();
  }

  Status putPending(std::string_view author, uint64_t seq, ByteView signedRecord) override {
    GOVBUS_TRY(writable());
    FeedKey key = feedKey(author, seq);
    const Bytes* old = findPending(key);
    int64_t size = static_cast<int64_t>(signedRecord.size());
    GOVBUS_TRY(charge(old ? size - static_cast<int64_t>(old->size()) : kFeedKeyBytes + size,
                      "buffer out-of-order record"));
    if (!old) ++staged_.pendingDelta;
    staged_.pending.insert_or_assign(std::move(key), std::optional<Bytes>(toBytes(signedRecord)));
    return Status::Ok();
  }

  Result<std::optional<Bytes>> peekPending(std::string_view author, uint64_t seq) override {
    GOVBUS_TRY(live());
    CallLock lock(*this);
    const Bytes* v = findPending(feedKey(author, seq));
    return v ? std::optional<Bytes>(*v) : std::optional<Bytes>();
  }

  Result<std::optional<Bytes>> takePending(std::string_view author, uint64_t seq) override {
    GOVBUS_TRY(writable());
    FeedKey key = feedKey(author, seq);
    const Bytes* v = findPending(key);
    if (!v) return std::optional<Bytes>();
    GOVBUS_TRY(
        charge(-(kFeedKeyBytes + static_cast<int64_t>(v->size())), "release buffered record"));
    --staged_.pendingDelta;
    auto s = staged_.pending.find(key);
    std::optional<Bytes> out =
        s != staged_.pending.end() ? std::move(s->second) : std::optional<Bytes>(*v);
    // A staged-only entry just goes; a committed one needs a tombstone to hide it.
    if (t_.pending.contains(key)) {
      staged_.pending.insert_or_assign(std::move(key), std::optional<Bytes>());
    } else {
      staged_.pending.erase(s);
    }
    return out;
  }

  Status putForkEvidence(const ForkEvidence& e) override {
    GOVBUS_TRY(writable());
    FeedKey key = feedKey(e.author, e.seq);
    // Keep the first evidence for a sequence; later conflicting copies add nothing.
    if (staged_.forks.contains(key) || t_.forks.contains(key)) return Status::Ok();
    GOVBUS_TRY(charge(kFeedKeyBytes + 8 + static_cast<int64_t>(e.first.size() + e.second.size()),
                      "store fork evidence"));
    staged_.forks.emplace(std::move(key), Fork{e.first, e.second});
    return Status::Ok();
  }

  Status putPeerPosition(std::string_view peer, const Frontier& position) override {
    GOVBUS_TRY(writable());
    Frontier f = position;
    for (auto& e : f)
      e.author = std::string(code(e.author));  // as LmdbStore's fixed-width encoding
    std::string key(code(peer));
    const Frontier* old = nullptr;
    if (auto s = staged_.peers.find(key); s != staged_.peers.end()) {
      old = &s->second;
    } else if (auto c = t_.peers.find(key); c != t_.peers.end()) {
      old = &c->second;
    }
    GOVBUS_TRY(charge(old ? frontierBytes(f) - frontierBytes(*old) : kCodeBytes + frontierBytes(f),
                      "store peer position"));
    staged_.peers.insert_or_assign(std::move(key), std::move(f));
    return Status::Ok();
  }

  Status putCertificate(std::string_view subject, uint32_t serial,
                        ByteView signedCertificate) override {
    GOVBUS_TRY(writable());
    CertKey key = certKey(subject, serial);
    const Bytes* old = nullptr;
    if (auto s = staged_.certs.find(key); s != staged_.certs.end()) {
      old = &s->second;
    } else if (auto c = t_.certs.find(key); c != t_.certs.end()) {
      old = &c->second;
    }
    int64_t size = static_cast<int64_t>(signedCertificate.size());
    GOVBUS_TRY(charge(old ? size - static_cast<int64_t>(old->size()) : kCertKeyBytes + size,
                      "store certificate"));
    staged_.certs.insert_or_assign(std::move(key), toBytes(signedCertificate));
    return Status::Ok();
  }

  Status putRevocation(std::string_view revoker, const KeyRevocation& r) override {
    GOVBUS_TRY(writable());
    CertKey key = certKey(r.subject, r.serial);
    const Revocation* old = nullptr;
    if (auto s = staged_.revocations.find(key); s != staged_.revocations.end()) {
      old = &s->second;
    } else if (auto c = t_.revocations.find(key); c != t_.revocations.end()) {
      old = &c->second;
    }
    // Keep the lowest sequence: an earlier revocation is never weakened by a later one.
    if (old && old->fromSeq <= r.fromSeq) return Status::Ok();
    GOVBUS_TRY(charge(old ? 0 : kRevocationEntryBytes, "store key revocation"));
    staged_.revocations.insert_or_assign(std::move(key),
                                         Revocation{r.fromSeq, std::string(code(revoker))});
    return Status::Ok();
  }

  Status statePut(ByteView key, ByteView value) override {
    GOVBUS_TRY(writable());
    GOVBUS_TRY(checkStateKey(key));
    const Bytes* old = findState(key);
    int64_t size = static_cast<int64_t>(value.size());
    GOVBUS_TRY(charge(
        old ? size - static_cast<int64_t>(old->size()) : static_cast<int64_t>(key.size()) + size,
        "write state"));
    if (auto s = staged_.state.find(key); s != staged_.state.end()) {
      s->second = toBytes(value);
    } else {
      staged_.state.emplace(toBytes(key), toBytes(value));
    }
    return Status::Ok();
  }

  Status stateDel(ByteView key) override {
    GOVBUS_TRY(writable());
    GOVBUS_TRY(checkStateKey(key));
    const Bytes* old = findState(key);
    if (!old) return Status::Ok();
    GOVBUS_TRY(charge(-static_cast<int64_t>(key.size() + old->size()), "delete state"));
    auto s = staged_.state.find(key);
    // A staged-only entry just goes; a committed one needs a tombstone to hide it.
    if (t_.state.contains(key)) {
      if (s != staged_.state.end()) {
        s->second.reset();
      } else {
        staged_.state.emplace(toBytes(key), std::nullopt);
      }
    } else {
      staged_.state.erase(s);
    }
    return Status::Ok();
  }

  Status stateClear() override {
    GOVBUS_TRY(writable());
    std::vector<Bytes> keys;
    GOVBUS_TRY(stateScan({}, [&](ByteView k, ByteView) {
      keys.push_back(toBytes(k));
      return true;
    }));
    for (const Bytes& k : keys) GOVBUS_TRY(stateDel(k));
    return Status::Ok();
  }

  Status commit() override {
    GOVBUS_TRY(live());
    if (!write_) return makeError(ErrorCode::kInvalidArgument, "commit of a read transaction");
    finished_ = true;
    // Released on return, after the tables are updated, so the next writer sees all of this.
    std::unique_lock<std::mutex> writer = std::move(writer_);
    if (full_) {  // the transaction ends either way; a poisoned one stores nothing
      staged_ = Overlay{};
      return *full_;
    }
    {
      std::unique_lock<std::shared_mutex> lock(data_);
      apply();
    }
    staged_ = Overlay{};
    return Status::Ok();
  }

 private:
  // Serializes a reader's call with commits on other threads. The depth count lets a stateScan
  // visitor call back into the same reader without locking twice.
  class CallLock {
   public:
    explicit CallLock(MemoryTxn& txn) : txn_(txn) {
      if (!txn_.write_ && txn_.depth_++ == 0) txn_.data_.lock_shared();
    }
    ~CallLock() {
      if (!txn_.write_ && --txn_.depth_ == 0) txn_.data_.unlock_shared();
    }
    CallLock(const CallLock&) = delete;
    CallLock& operator=(const CallLock&) = delete;

   private:
    MemoryTxn& txn_;
  };

  Status live() const {
    if (finished_) return makeError(ErrorCode::kInvalidArgument, "transaction used after commit()");
    return Status::Ok();
  }

  Status writable() const {
    GOVBUS_TRY(live());
    if (!write_) return makeError(ErrorCode::kInvalidArgument, "write in a read transaction");
    if (full_) return *full_;
    return Status::Ok();
  }

  static Status checkStateKey(ByteView key) {
    if (key.empty() || key.size() > kMaxStateKeyBytes) {
      return makeError(ErrorCode::kInvalidArgument, "state key of bad size");
    }
    return Status::Ok();
  }

  // Accounts a change of `delta` stored bytes. Growth past maxBytes fails and poisons the
  // transaction, as MDB_MAP_FULL does an LMDB one: a half-applied batch must never be committed.
  Status charge(int64_t delta, std::string_view op) {
    if (delta > 0 && maxBytes_ != 0) {
      // Unsigned wrap-around is intended: the visible total is never negative.
      uint64_t visible = t_.bytes + static_cast<uint64_t>(staged_.bytesDelta);
      if (visible + static_cast<uint64_t>(delta) > maxBytes_) {
        full_ = makeError(ErrorCode::kMapFull, std::string(op) +
                                                   ": the memory store is full (maxBytes " +
                                                   std::to_string(maxBytes_) +
                                                   "); nothing of this transaction will be stored");
        return *full_;
      }
    }
    staged_.bytesDelta += delta;
    return Status::Ok();
  }

  const StoredRecord* findRecord(std::string_view author, uint64_t seq) const {
    if (auto s = staged_.feeds.find(code(author)); s != staged_.feeds.end()) {
      if (auto r = s->second.records.find(seq); r != s->second.records.end()) return &r->second;
    }
    if (auto c = t_.feeds.find(code(author)); c != t_.feeds.end()) {
      if (auto r = c->second.records.find(seq); r != c->second.records.end()) return &r->second;
    }
    return nullptr;
  }

  const Bytes* findPending(const FeedKey& key) const {
    if (auto s = staged_.pending.find(key); s != staged_.pending.end()) return present(s->second);
    if (auto c = t_.pending.find(key); c != t_.pending.end()) return &c->second;
    return nullptr;
  }

  const Bytes* findState(ByteView key) const {
    if (auto s = staged_.state.find(key); s != staged_.state.end()) return present(s->second);
    if (auto c = t_.state.find(key); c != t_.state.end()) return &c->second;
    return nullptr;
  }

  // Moves the overlay into the tables: map nodes and buffers are moved, not copied, so views of
  // staged records stay valid.
  void apply() {
    // New feeds move over whole; the rest keep their committed records and gain the new ones.
    t_.feeds.merge(staged_.feeds);
    for (auto& [author, feed] : staged_.feeds) {
      Feed& committed = t_.feeds.find(author)->second;
      committed.head = feed.head;
      committed.records.merge(feed.records);
      assert(feed.records.empty() && "append() refuses a sequence the feed already has");
    }
    for (auto it = staged_.pending.begin(); it != staged_.pending.end();) {
      auto node = staged_.pending.extract(it++);
      if (node.mapped()) {
        t_.pending.insert_or_assign(std::move(node.key()), std::move(*node.mapped()));
      } else {
        t_.pending.erase(node.key());
      }
    }
    t_.forks.merge(staged_.forks);  // disjoint: putForkEvidence stages only new sequences
    for (auto& [k, v] : staged_.peers) t_.peers.insert_or_assign(k, std::move(v));
    for (auto& [k, v] : staged_.certs) t_.certs.insert_or_assign(k, std::move(v));
    for (auto& [k, v] : staged_.revocations) t_.revocations.insert_or_assign(k, std::move(v));
    for (auto it = staged_.state.begin(); it != staged_.state.end();) {
      auto node = staged_.state.extract(it++);
      if (node.mapped()) {
        t_.state.insert_or_assign(std::move(node.key()), std::move(*node.mapped()));
      } else {
        t_.state.erase(node.key());
      }
    }
    t_.maxLamport = std::max(t_.maxLamport, staged_.maxLamport);
    t_.bytes += static_cast<uint64_t>(staged_.bytesDelta);
  }

  Tables& t_;
  std::shared_mutex& data_;
  std::unique_lock<std::mutex> writer_;
  bool write_ = false;
  uint64_t maxBytes_ = 0;
  Overlay staged_;
  bool finished_ = false;
  std::optional<Error> full_;  // set by the write that hit maxBytes
  int depth_ = 0;              // nested calls of a reader (CallLock)
};

}  // namespace

MemoryStore::MemoryStore() : MemoryStore(Options{}) {}
MemoryStore::MemoryStore(Options options)
    : options_(options), tables_(std::make_unique<Tables>()) {}
MemoryStore::~MemoryStore() = default;

Result<std::unique_ptr<FeedTxn>> MemoryStore::beginWrite() {
  std::unique_lock<std::mutex> writer(writer_);
  return std::unique_ptr<FeedTxn>(
      std::make_unique<MemoryTxn>(*tables_, data_, std::move(writer), options_.maxBytes));
}

Result<std::unique_ptr<FeedReader>> MemoryStore::beginRead() {
  return std::unique_ptr<FeedReader>(std::make_unique<MemoryTxn>(*tables_, data_));
}

uint64_t MemoryStore::storedBytes() const {
  std::shared_lock<std::shared_mutex> lock(data_);
  return tables_->bytes;
}

}  // namespace govbus
