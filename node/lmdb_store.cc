#include "node/lmdb_store.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <lmdb.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include <cerrno>
#include <system_error>

#include "protocol/limits.h"

namespace govbus {

namespace {

constexpr size_t kCodeKeyBytes = kMaxDivisionCodeChars;
constexpr size_t kFeedKeyBytes = kCodeKeyBytes + 8;
constexpr size_t kLegacyHeadValueBytes = 8 + kHashBytes + 8;  // before the byte count
constexpr size_t kHeadValueBytes = kLegacyHeadValueBytes + 8;
constexpr std::string_view kSchemaVersionKey = "schema_version";
constexpr std::string_view kMaxLamportKey = "max_lamport";

Error lmdbError(int rc, std::string_view op) {
  if (rc == MDB_MAP_FULL) {
    return makeError(ErrorCode::kMapFull,
                     std::string(op) +
                         ": the LMDB map is full; raise store.map_size_mb in the "
                         "node config and restart (nothing of this batch was stored)");
  }
  return makeError(ErrorCode::kStorage, std::string(op) + ": " + mdb_strerror(rc));
}

using CodeKey = std::array<uint8_t, kCodeKeyBytes>;
using FeedKey = std::array<uint8_t, kFeedKeyBytes>;

CodeKey codeKey(std::string_view code) {
  CodeKey k{};
  std::memcpy(k.data(), code.data(), std::min(code.size(), kCodeKeyBytes));
  return k;
}

FeedKey feedKey(std::string_view author, uint64_t seq) {
  FeedKey k{};
  std::memcpy(k.data(), author.data(), std::min(author.size(), kCodeKeyBytes));
  putBigEndian64(seq, k.data() + kCodeKeyBytes);
  return k;
}

std::string codeFromKey(const uint8_t* p) {
  size_t n = 0;
  while (n < kCodeKeyBytes && p[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(p), n);
}

template <typename T>
MDB_val val(const T& bytes) {
  return MDB_val{bytes.size(), const_cast<void*>(static_cast<const void*>(bytes.data()))};
}

ByteView view(const MDB_val& v) {
  return ByteView(static_cast<const uint8_t*>(v.mv_data), v.mv_size);
}

Bytes encodeHead(const FeedHead& h) {
  Bytes b(kHeadValueBytes);
  putBigEndian64(h.seq, b.data());
  std::memcpy(b.data() + 8, h.id.data(), kHashBytes);
  putBigEndian64(h.lamport, b.data() + 8 + kHashBytes);
  putBigEndian64(h.bytes, b.data() + kLegacyHeadValueBytes);
  return b;
}

Result<FeedHead> decodeHead(const MDB_val& v) {
  // A version-1 store's head has no byte count (48 bytes): read as 0. Only a read-only open sees
  // one; a writable open upgrades every head first (upgradeHeadsToByteCounts).
  if (v.mv_size != kHeadValueBytes && v.mv_size != kLegacyHeadValueBytes)
    return makeError(ErrorCode::kStorage, "corrupt head entry");
  const auto* p = static_cast<const uint8_t*>(v.mv_data);
  FeedHead h;
  h.seq = getBigEndian64(p);
  std::memcpy(h.id.data(), p + 8, kHashBytes);
  h.lamport = getBigEndian64(p + 8 + kHashBytes);
  if (v.mv_size == kHeadValueBytes) h.bytes = getBigEndian64(p + kLegacyHeadValueBytes);
  return h;
}

Bytes encodeFrontier(const Frontier& f) {
  Bytes b;
  b.reserve(8 + f.size() * kFeedKeyBytes);
  uint8_t n[8];
  putBigEndian64(f.size(), n);
  b.insert(b.end(), n, n + 8);
  for (const auto& e : f) {
    FeedKey k = feedKey(e.author, e.seq);
    b.insert(b.end(), k.begin(), k.end());
  }
  return b;
}

Result<Frontier> decodeFrontier(ByteView b) {
  if (b.size() < 8) return makeError(ErrorCode::kStorage, "corrupt peer position");
  uint64_t n = getBigEndian64(b.data());
  if (b.size() != 8 + n * kFeedKeyBytes)
    return makeError(ErrorCode::kStorage, "corrupt peer position");
  Frontier f;
  f.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    const uint8_t* p = b.data() + 8 + i * kFeedKeyBytes;
    f.push_back({codeFromKey(p), getBigEndian64(p + kCodeKeyBytes)});
  }
  return f;
}

std::array<uint8_t, kCodeKeyBytes + 4> certKey(std::string_view subject, uint32_t serial) {
  std::array<uint8_t, kCodeKeyBytes + 4> k{};
  std::memcpy(k.data(), subject.data(), std::min(subject.size(), kCodeKeyBytes));
  for (int i = 0; i < 4; ++i) k[kCodeKeyBytes + i] = static_cast<uint8_t>(serial >> (8 * (3 - i)));
  return k;
}

// LMDB maps the whole data file; a page past the end of a truncated file is a SIGBUS on first
// touch, not an error. So before mapping, the file's size is checked against what its newest meta
// page says the last committed transaction uses. Layout of LMDB 0.9's data file (mdb.c): pages 0
// and 1 are meta pages; each is a 16-byte page header, then MDB_meta { u32 magic; u32 version;
// void* address; size_t mapsize; MDB_db dbs[2] (48 bytes each; the free DB's first u32 holds the
// page size); pgno_t last_pg; txnid_t txnid; }. A file that does not look like that is left to
// mdb_env_open, which reports it (MDB_INVALID, MDB_VERSION_MISMATCH) without mapping beyond it.
constexpr uint32_t kLmdbMagic = 0xBEEFC0DE;
constexpr uint32_t kLmdbDataVersion = 1;
constexpr size_t kMetaMagicAt = 16;
constexpr size_t kMetaVersionAt = 20;
constexpr size_t kMetaPageSizeAt = 40;
constexpr size_t kMetaLastPageAt = 136;
constexpr size_t kMetaTxnIdAt = 144;
constexpr size_t kMetaBytes = 152;
constexpr uint32_t kMinLmdbPageBytes = 512;
constexpr uint32_t kMaxLmdbPageBytes = 64 * 1024;
static_assert(sizeof(void*) == 8 && sizeof(size_t) == 8, "the offsets above are for 64-bit LMDB");

struct MetaPage {
  uint32_t pageBytes = 0;
  uint64_t lastPage = 0;
  uint64_t txnId = 0;
};

std::optional<MetaPage> readMeta(int fd, uint64_t at) {
  uint8_t b[kMetaBytes];
  if (::pread(fd, b, sizeof b, static_cast<off_t>(at)) != static_cast<ssize_t>(sizeof b))
    return std::nullopt;
  auto u32 = [&](size_t o) {
    uint32_t v;
    std::memcpy(&v, b + o, 4);
    return v;
  };
  auto u64 = [&](size_t o) {
    uint64_t v;
    std::memcpy(&v, b + o, 8);
    return v;
  };
  if (u32(kMetaMagicAt) != kLmdbMagic || u32(kMetaVersionAt) != kLmdbDataVersion)
    return std::nullopt;
  return MetaPage{u32(kMetaPageSizeAt), u64(kMetaLastPageAt), u64(kMetaTxnIdAt)};
}

Status checkNotTruncated(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Ok();  // absent or unreadable: mdb_env_open says which
  struct stat st {};
  const bool statted = ::fstat(fd, &st) == 0;
  const uint64_t size = statted ? static_cast<uint64_t>(st.st_size) : 0;
  std::optional<MetaPage> first = size > 0 ? readMeta(fd, 0) : std::nullopt;
  std::optional<MetaPage> second;
  const bool pageSizeOk = first && first->pageBytes >= kMinLmdbPageBytes &&
                          first->pageBytes <= kMaxLmdbPageBytes &&
                          (first->pageBytes & (first->pageBytes - 1)) == 0;
  if (pageSizeOk) second = readMeta(fd, first->pageBytes);
  ::close(fd);
  if (size == 0) return Status::Ok();  // a new store: LMDB writes its metas
  auto truncated = [&](uint64_t needed, const std::string& what) {
    return makeError(ErrorCode::kStorage,
                     "store file " + file.string() + " is truncated: it has " +
                         std::to_string(size) + " bytes, but " + what + " needs " +
                         std::to_string(needed) +
                         "; it cannot be opened safely. Restore a backup that verifies "
                         "(govbus-admin verify --data FILE), or move the data directory aside and "
                         "let the node re-sync from its parent");
  };
  if (!first) {
    // Too short to hold even the first meta page, or not an LMDB file at all.
    if (size < kMetaBytes) return truncated(kMetaBytes, "the first meta page");
    return Status::Ok();
  }
  if (!pageSizeOk) return Status::Ok();
  if (size < 2ULL * first->pageBytes) return truncated(2ULL * first->pageBytes, "the meta pages");
  const MetaPage& newest = second && second->txnId > first->txnId ? *second : *first;
  const uint64_t needed = (newest.lastPage + 1) * uint64_t{first->pageBytes};
  if (size < needed) {
    return truncated(needed, "its last committed transaction (pages up to " +
                                 std::to_string(newest.lastPage) + " of " +
                                 std::to_string(first->pageBytes) + " bytes)");
  }
  return Status::Ok();
}

}  // namespace

struct LmdbStore::Impl {
  MDB_env* env = nullptr;
  MDB_dbi feeds = 0, heads = 0, pending = 0, forks = 0, peers = 0, certs = 0, revocations = 0,
          meta = 0, state = 0;
  std::filesystem::path dir;
  bool readOnly = false;
  bool noSubdir = false;  // `dir` is the data file itself (a backup)

  ~Impl() {
    if (env) mdb_env_close(env);
  }
};

namespace {

// One LMDB transaction; read-only ones implement FeedReader, write ones FeedTxn.
class LmdbTxn final : public FeedTxn {
 public:
  LmdbTxn(LmdbStore::Impl& s, MDB_txn* txn, bool write) : s_(s), txn_(txn), write_(write) {}
  ~LmdbTxn() override {
    if (txn_) mdb_txn_abort(txn_);
  }

  Result<std::optional<FeedHead>> head(std::string_view author) override {
    CodeKey k = codeKey(author);
    MDB_val key = val(k), v;
    int rc = mdb_get(txn_, s_.heads, &key, &v);
    if (rc == MDB_NOTFOUND) return std::optional<FeedHead>();
    if (rc != 0) return lmdbError(rc, "read feed head");
    GOVBUS_ASSIGN_OR_RETURN(FeedHead h, decodeHead(v));
    return std::optional<FeedHead>(h);
  }

  Result<std::vector<std::pair<std::string, FeedHead>>> heads() override {
    std::vector<std::pair<std::string, FeedHead>> out;
    GOVBUS_TRY(scan(s_.heads, [&](const MDB_val& k, const MDB_val& v) -> Status {
      GOVBUS_ASSIGN_OR_RETURN(FeedHead h, decodeHead(v));
      out.emplace_back(codeFromKey(static_cast<const uint8_t*>(k.mv_data)), h);
      return Status::Ok();
    }));
    return out;
  }

  Result<std::optional<Hash256>> recordId(std::string_view author, uint64_t seq) override {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<MDB_val> v, getFeedValue(author, seq));
    if (!v) return std::optional<Hash256>();
    Hash256 id;
    std::memcpy(id.data(), v->mv_data, kHashBytes);
    return std::optional<Hash256>(id);
  }

  Result<std::optional<ByteView>> record(std::string_view author, uint64_t seq) override {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<MDB_val> v, getFeedValue(author, seq));
    if (!v) return std::optional<ByteView>();
    return std::optional<ByteView>(view(*v).subspan(kHashBytes));
  }

  Result<uint64_t> maxLamport() override {
    MDB_val key = val(kMaxLamportKey), v;
    int rc = mdb_get(txn_, s_.meta, &key, &v);
    if (rc == MDB_NOTFOUND) return uint64_t{0};
    if (rc != 0) return lmdbError(rc, "read max lamport");
    if (v.mv_size != 8) return makeError(ErrorCode::kStorage, "corrupt max_lamport entry");
    return getBigEndian64(static_cast<const uint8_t*>(v.mv_data));
  }

  Result<uint64_t> pendingCount() override {
    MDB_stat st;
    int rc = mdb_stat(txn_, s_.pending, &st);
    if (rc != 0) return lmdbError(rc, "count pending records");
    return uint64_t{st.ms_entries};
  }

  Status scanPending(
      std::string_view author,
      const std::function<bool(std::string_view, uint64_t, ByteView)>& visit) override {
    MDB_cursor* cursor = nullptr;
    if (int rc = mdb_cursor_open(txn_, s_.pending, &cursor); rc != 0)
      return lmdbError(rc, "open pending cursor");
    FeedKey start = feedKey(author, 0);
    MDB_val k = val(start), v;
    int rc = mdb_cursor_get(cursor, &k, &v, author.empty() ? MDB_FIRST : MDB_SET_RANGE);
    const CodeKey who = codeKey(author);
    for (; rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      if (k.mv_size != kFeedKeyBytes) continue;
      const auto* kp = static_cast<const uint8_t*>(k.mv_data);
      if (!author.empty() && std::memcmp(kp, who.data(), kCodeKeyBytes) != 0) break;
      if (!visit(codeFromKey(kp), getBigEndian64(kp + kCodeKeyBytes), view(v))) break;
    }
    mdb_cursor_close(cursor);
    if (rc != 0 && rc != MDB_NOTFOUND) return lmdbError(rc, "scan pending");
    return Status::Ok();
  }

  Result<std::vector<ForkEvidence>> forks() override {
    std::vector<ForkEvidence> out;
    GOVBUS_TRY(scan(s_.forks, [&](const MDB_val& k, const MDB_val& v) -> Status {
      ByteView b = view(v);
      if (b.size() < 8) return makeError(ErrorCode::kStorage, "corrupt fork evidence");
      uint64_t n = getBigEndian64(b.data());
      if (n > b.size() - 8) return makeError(ErrorCode::kStorage, "corrupt fork evidence");
      const auto* kp = static_cast<const uint8_t*>(k.mv_data);
      out.push_back(ForkEvidence{codeFromKey(kp), getBigEndian64(kp + kCodeKeyBytes),
                                 toBytes(b.subspan(8, n)), toBytes(b.subspan(8 + n))});
      return Status::Ok();
    }));
    return out;
  }

  Result<std::optional<Frontier>> peerPosition(std::string_view peer) override {
    CodeKey k = codeKey(peer);
    MDB_val key = val(k), v;
    int rc = mdb_get(txn_, s_.peers, &key, &v);
    if (rc == MDB_NOTFOUND) return std::optional<Frontier>();
    if (rc != 0) return lmdbError(rc, "read peer position");
    GOVBUS_ASSIGN_OR_RETURN(Frontier f, decodeFrontier(view(v)));
    return std::optional<Frontier>(std::move(f));
  }

  Result<std::vector<Bytes>> certificates() override {
    std::vector<Bytes> out;
    GOVBUS_TRY(scan(s_.certs, [&](const MDB_val&, const MDB_val& v) -> Status {
      out.push_back(toBytes(view(v)));
      return Status::Ok();
    }));
    return out;
  }

  Result<std::vector<std::pair<std::string, KeyRevocation>>> revocations() override {
    std::vector<std::pair<std::string, KeyRevocation>> out;
    GOVBUS_TRY(scan(s_.revocations, [&](const MDB_val& k, const MDB_val& v) -> Status {
      if (v.mv_size != 8 + kCodeKeyBytes || k.mv_size != kCodeKeyBytes + 4) {
        return makeError(ErrorCode::kStorage, "corrupt revocation entry");
      }
      const auto* kp = static_cast<const uint8_t*>(k.mv_data);
      const auto* vp = static_cast<const uint8_t*>(v.mv_data);
      KeyRevocation r;
      r.subject = codeFromKey(kp);
      r.serial = uint32_t{kp[kCodeKeyBytes]} << 24 | uint32_t{kp[kCodeKeyBytes + 1]} << 16 |
                 uint32_t{kp[kCodeKeyBytes + 2]} << 8 | kp[kCodeKeyBytes + 3];
      r.fromSeq = getBigEndian64(vp);
      out.emplace_back(codeFromKey(vp + 8), std::move(r));
      return Status::Ok();
    }));
    return out;
  }

  Result<std::optional<Bytes>> stateGet(ByteView k) override {
    if (k.empty() || k.size() > 511)
      return makeError(ErrorCode::kInvalidArgument, "state key of bad size");
    MDB_val key = val(k), v;
    int rc = mdb_get(txn_, s_.state, &key, &v);
    if (rc == MDB_NOTFOUND) return std::optional<Bytes>();
    if (rc != 0) return lmdbError(rc, "read state");
    return std::optional<Bytes>(toBytes(view(v)));
  }

  Status stateScan(ByteView prefix, const std::function<bool(ByteView, ByteView)>& visit) override {
    return stateScanFrom(prefix, prefix, visit);
  }

  Status stateScanFrom(ByteView from, ByteView prefix,
                       const std::function<bool(ByteView, ByteView)>& visit) override {
    if (std::lexicographical_compare(from.begin(), from.end(), prefix.begin(), prefix.end()))
      from = prefix;  // before the prefix: start at it
    MDB_cursor* cursor = nullptr;
    if (int rc = mdb_cursor_open(txn_, s_.state, &cursor); rc != 0)
      return lmdbError(rc, "open state cursor");
    MDB_val k = val(from), v;
    int rc = from.empty() ? mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
                          : mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    for (; rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      ByteView kv = view(k);
      if (kv.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), kv.begin())) break;
      if (!visit(kv, view(v))) break;
    }
    mdb_cursor_close(cursor);
    if (rc != 0 && rc != MDB_NOTFOUND) return lmdbError(rc, "scan state");
    return Status::Ok();
  }

  // --- writes ---

  Status statePut(ByteView k, ByteView value) override {
    if (k.empty() || k.size() > 511)
      return makeError(ErrorCode::kInvalidArgument, "state key of bad size");
    MDB_val key = val(k), v = val(value);
    int rc = mdb_put(txn_, s_.state, &key, &v, 0);
    return rc == 0 ? Status::Ok() : Status(lmdbError(rc, "write state"));
  }

  Status stateDel(ByteView k) override {
    if (k.empty() || k.size() > 511)
      return makeError(ErrorCode::kInvalidArgument, "state key of bad size");
    MDB_val key = val(k);
    int rc = mdb_del(txn_, s_.state, &key, nullptr);
    if (rc == MDB_NOTFOUND) return Status::Ok();
    return rc == 0 ? Status::Ok() : Status(lmdbError(rc, "delete state"));
  }

  Status stateClear() override {
    int rc = mdb_drop(txn_, s_.state, 0);  // empties the table, keeps it open
    return rc == 0 ? Status::Ok() : Status(lmdbError(rc, "clear state"));
  }

  Status append(std::string_view author, const FeedHead& newHead, ByteView signedRecord) override {
    FeedKey fk = feedKey(author, newHead.seq);
    MDB_val key = val(fk);
    MDB_val v{kHashBytes + signedRecord.size(), nullptr};
    // MDB_RESERVE: write the value in place instead of building it in a temporary buffer.
    int rc = mdb_put(txn_, s_.feeds, &key, &v, MDB_NOOVERWRITE | MDB_RESERVE);
    if (rc == MDB_KEYEXIST) {
      return makeError(ErrorCode::kStorage, "feed " + std::string(author) + " already has seq " +
                                                std::to_string(newHead.seq));
    }
    if (rc != 0) return lmdbError(rc, "append record");
    std::memcpy(v.mv_data, newHead.id.data(), kHashBytes);
    std::memcpy(static_cast<uint8_t*>(v.mv_data) + kHashBytes, signedRecord.data(),
                signedRecord.size());
    CodeKey ck = codeKey(author);
    Bytes hv = encodeHead(newHead);
    MDB_val hkey = val(ck), hval = val(hv);
    if (int r = mdb_put(txn_, s_.heads, &hkey, &hval, 0); r != 0)
      return lmdbError(r, "move feed head");
    GOVBUS_ASSIGN_OR_RETURN(uint64_t maxL, maxLamport());
    if (newHead.lamport > maxL) {
      uint8_t lb[8];
      putBigEndian64(newHead.lamport, lb);
      MDB_val mk = val(kMaxLamportKey), mv{8, lb};
      if (int r = mdb_put(txn_, s_.meta, &mk, &mv, 0); r != 0)
        return lmdbError(r, "store max lamport");
    }
    return Status::Ok();
  }

  Status putPending(std::string_view author, uint64_t seq, ByteView signedRecord) override {
    FeedKey fk = feedKey(author, seq);
    MDB_val key = val(fk), v = val(signedRecord);
    int rc = mdb_put(txn_, s_.pending, &key, &v, 0);
    return rc == 0 ? Status::Ok() : Status(lmdbError(rc, "buffer out-of-order record"));
  }

  Result<std::optional<Bytes>> peekPending(std::string_view author, uint64_t seq) override {
    FeedKey fk = feedKey(author, seq);
    MDB_val key = val(fk), v;
    int rc = mdb_get(txn_, s_.pending, &key, &v);
    if (rc == MDB_NOTFOUND) return std::optional<Bytes>();
    if (rc != 0) return lmdbError(rc, "read out-of-order buffer");
    return std::optional<Bytes>(toBytes(view(v)));
  }

  Result<std::optional<Bytes>> takePending(std::string_view author, uint64_t seq) override {
    GOVBUS_ASSIGN_OR_RETURN(std::optional<Bytes> b, peekPending(author, seq));
    if (!b) return b;
    FeedKey fk = feedKey(author, seq);
    MDB_val key = val(fk);
    if (int rc = mdb_del(txn_, s_.pending, &key, nullptr); rc != 0)
      return lmdbError(rc, "release buffered record");
    return b;
  }

  Status putForkEvidence(const ForkEvidence& e) override {
    FeedKey fk = feedKey(e.author, e.seq);
    Bytes v(8);
    putBigEndian64(e.first.size(), v.data());
    v.insert(v.end(), e.first.begin(), e.first.end());
    v.insert(v.end(), e.second.begin(), e.second.end());
    MDB_val key = val(fk), value = val(v);
    // Keep the first evidence for a sequence; later conflicting copies add nothing.
    int rc = mdb_put(txn_, s_.forks, &key, &value, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) return Status::Ok();
    return rc == 0 ? Status::Ok() : Status(lmdbError(rc, "store fork evidence"));
  }

  Status putPeerPosition(std::string_view peer, const Frontier& position) override {
    CodeKey k = codeKey(peer);
    Bytes v = encodeFrontier(position);
    MDB_val key = val(k), value = val(v);
    int rc = mdb_put(txn_, s_.peers, &key, &value, 0);
    return rc == 0 ? Status::Ok() : Status(lmdbError(rc, "store peer position"));
  }

  Status putCertificate(std::string_view subject, uint32_t serial,
                        ByteView signedCertificate) override {
    auto k = certKey(subject, serial);
    MDB_val key = val(k), value = val(signedCertificate);
    int rc = mdb_put(txn_, s_.certs, &key, &value, 0);
    return rc == 0 ? Status::Ok() : Status(lmdbError(rc, "store certificate"));
  }

  Status putRevocation(std::string_view revoker, const KeyRevocation& r) override {
    auto k = certKey(r.subject, r.serial);
    std::array<uint8_t, 8 + kCodeKeyBytes> v{};
    putBigEndian64(r.fromSeq, v.data());
    CodeKey rk = codeKey(revoker);
    std::memcpy(v.data() + 8, rk.data(), kCodeKeyBytes);
    MDB_val key = val(k), value = val(v);
    // Keep the lowest sequence: an earlier revocation is never weakened by a later one.
    MDB_val old;
    if (mdb_get(txn_, s_.revocations, &key, &old) == 0 && old.mv_size == v.size() &&
        getBigEndian64(static_cast<const uint8_t*>(old.mv_data)) <= r.fromSeq) {
      return Status::Ok();
    }
    int rc = mdb_put(txn_, s_.revocations, &key, &value, 0);
    return rc == 0 ? Status::Ok() : Status(lmdbError(rc, "store key revocation"));
  }

  Status commit() override {
    if (txn_ == nullptr)
      return makeError(ErrorCode::kInvalidArgument, "transaction already finished");
    MDB_txn* t = txn_;
    txn_ = nullptr;
    int rc = mdb_txn_commit(t);
    return rc == 0 ? Status::Ok() : Status(lmdbError(rc, "commit"));
  }

 private:
  Result<std::optional<MDB_val>> getFeedValue(std::string_view author, uint64_t seq) {
    FeedKey fk = feedKey(author, seq);
    MDB_val key = val(fk), v;
    int rc = mdb_get(txn_, s_.feeds, &key, &v);
    if (rc == MDB_NOTFOUND) return std::optional<MDB_val>();
    if (rc != 0) return lmdbError(rc, "read record");
    if (v.mv_size < kHashBytes) return makeError(ErrorCode::kStorage, "corrupt feed entry");
    return std::optional<MDB_val>(v);
  }

  template <typename Fn>
  Status scan(MDB_dbi dbi, Fn&& fn) {
    MDB_cursor* cursor = nullptr;
    if (int rc = mdb_cursor_open(txn_, dbi, &cursor); rc != 0) return lmdbError(rc, "open cursor");
    MDB_val k, v;
    Status status;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
    for (; rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      status = fn(k, v);
      if (!status) break;
    }
    mdb_cursor_close(cursor);
    // A cursor error must not pass for the end of the table: a short list would hide corruption.
    if (status && rc != 0 && rc != MDB_NOTFOUND) return lmdbError(rc, "scan");
    return status;
  }

  LmdbStore::Impl& s_;
  MDB_txn* txn_;
  [[maybe_unused]] bool write_;
};

// Schema 1 → 2: every head gains the byte count of its feed (the per-author quota reads it), the
// sum of the feed's stored SignedRecord messages; then the version says 2. One pass over the
// feeds, in the setup transaction: all of it happens, or none of it.
Status upgradeHeadsToByteCounts(MDB_txn* txn, const LmdbStore::Impl& s) {
  std::vector<std::pair<CodeKey, FeedHead>> heads;
  {
    MDB_cursor* cursor = nullptr;
    if (int rc = mdb_cursor_open(txn, s.heads, &cursor); rc != 0)
      return lmdbError(rc, "upgrade: open heads");
    MDB_val k, v;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
    for (; rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      auto head = decodeHead(v);
      if (!head || k.mv_size != kCodeKeyBytes) {
        mdb_cursor_close(cursor);
        return makeError(ErrorCode::kStorage, "upgrade: corrupt head entry");
      }
      CodeKey code{};
      std::memcpy(code.data(), k.mv_data, kCodeKeyBytes);
      heads.emplace_back(code, *head);
    }
    mdb_cursor_close(cursor);
    if (rc != MDB_NOTFOUND) return lmdbError(rc, "upgrade: read heads");
  }
  for (auto& [code, head] : heads) {
    MDB_cursor* cursor = nullptr;
    if (int rc = mdb_cursor_open(txn, s.feeds, &cursor); rc != 0)
      return lmdbError(rc, "upgrade: open feeds");
    FeedKey start{};
    std::memcpy(start.data(), code.data(), kCodeKeyBytes);
    MDB_val k = val(start), v;
    uint64_t bytes = 0;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    for (; rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      if (k.mv_size != kFeedKeyBytes || std::memcmp(k.mv_data, code.data(), kCodeKeyBytes) != 0)
        break;
      if (v.mv_size >= kHashBytes) bytes += v.mv_size - kHashBytes;  // id, then the record
    }
    mdb_cursor_close(cursor);
    if (rc != 0 && rc != MDB_NOTFOUND) return lmdbError(rc, "upgrade: read feeds");
    head.bytes = bytes;
    Bytes value = encodeHead(head);
    MDB_val hk = val(code), hv = val(value);
    if (int put = mdb_put(txn, s.heads, &hk, &hv, 0); put != 0)
      return lmdbError(put, "upgrade: write head");
  }
  uint8_t b[8];
  putBigEndian64(kStoreSchemaVersion, b);
  MDB_val key = val(kSchemaVersionKey), nv{8, b};
  if (int rc = mdb_put(txn, s.meta, &key, &nv, 0); rc != 0)
    return lmdbError(rc, "upgrade: write schema version");
  return Status::Ok();
}

}  // namespace

LmdbStore::LmdbStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LmdbStore::~LmdbStore() = default;

Result<std::unique_ptr<LmdbStore>> LmdbStore::open(const std::filesystem::path& dir,
                                                   LmdbOptions options) {
  std::error_code ec;
  unsigned flags = MDB_NOTLS | (options.durable ? 0 : MDB_NOSYNC);
  if (options.readOnly) {
    flags |= MDB_RDONLY;
    if (std::filesystem::is_regular_file(dir, ec)) {
      flags |= MDB_NOSUBDIR | MDB_NOLOCK;
    } else if (!std::filesystem::exists(dir / "data.mdb", ec)) {
      return makeError(ErrorCode::kNotFound, "no store in " + dir.string() + " (no data.mdb)");
    }
  } else {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return makeError(ErrorCode::kIo,
                       "data directory " + dir.string() + " cannot be created: " + ec.message());
    }
  }
  {
    const bool file = (flags & MDB_NOSUBDIR) != 0;
    GOVBUS_TRY(checkNotTruncated(file ? dir : dir / "data.mdb"));
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->readOnly = options.readOnly;
  impl->noSubdir = (flags & MDB_NOSUBDIR) != 0;
  if (int rc = mdb_env_create(&impl->env); rc != 0) return lmdbError(rc, "create LMDB environment");
  mdb_env_set_maxdbs(impl->env, 16);
  mdb_env_set_mapsize(impl->env, options.mapSizeBytes);
  if (int rc = mdb_env_open(impl->env, dir.c_str(), flags, 0600); rc != 0) {
    return makeError(
        rc == MDB_VERSION_MISMATCH || rc == MDB_INVALID ? ErrorCode::kVersion : ErrorCode::kStorage,
        "open store in " + dir.string() + ": " + mdb_strerror(rc));
  }
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(impl->env, nullptr, options.readOnly ? MDB_RDONLY : 0, &txn); rc != 0)
    return lmdbError(rc, "begin setup");
  struct Named {
    const char* name;
    MDB_dbi* dbi;
  } dbs[] = {{"feeds", &impl->feeds},
             {"heads", &impl->heads},
             {"pending", &impl->pending},
             {"forks", &impl->forks},
             {"peers", &impl->peers},
             {"certs", &impl->certs},
             {"revocations", &impl->revocations},
             {"meta", &impl->meta},
             {"state", &impl->state}};
  for (auto& d : dbs) {
    if (int rc = mdb_dbi_open(txn, d.name, options.readOnly ? 0 : MDB_CREATE, d.dbi); rc != 0) {
      mdb_txn_abort(txn);
      if (rc == MDB_NOTFOUND) {
        return makeError(ErrorCode::kVersion, dir.string() + " is not a GovBus store (no table " +
                                                  std::string(d.name) + ")");
      }
      return lmdbError(rc, std::string("open table ") + d.name);
    }
  }
  MDB_val key = val(kSchemaVersionKey), v;
  int rc = mdb_get(txn, impl->meta, &key, &v);
  if (rc == MDB_NOTFOUND && options.readOnly) {
    mdb_txn_abort(txn);
    return makeError(ErrorCode::kVersion,
                     dir.string() + " is not a GovBus store (no schema version)");
  } else if (rc == MDB_NOTFOUND) {
    uint8_t b[8];
    putBigEndian64(kStoreSchemaVersion, b);
    MDB_val nv{8, b};
    rc = mdb_put(txn, impl->meta, &key, &nv, 0);
    if (rc != 0) {
      mdb_txn_abort(txn);
      return lmdbError(rc, "write schema version");
    }
  } else if (rc == 0) {
    uint64_t version = v.mv_size == 8 ? getBigEndian64(static_cast<const uint8_t*>(v.mv_data)) : 0;
    const bool upgradable = version == kFirstStoreSchemaVersion;
    if (version != kStoreSchemaVersion && !upgradable) {
      mdb_txn_abort(txn);
      return makeError(ErrorCode::kVersion, "store in " + dir.string() + " has schema version " +
                                                std::to_string(version) +
                                                "; this build reads version " +
                                                std::to_string(kStoreSchemaVersion) + " (and " +
                                                std::to_string(kFirstStoreSchemaVersion) +
                                                ", which it upgrades): upgrade govbus-node, or "
                                                "restore a backup");
    }
    // A read-only open (verify, a backup) reads a version-1 store as it is: its heads decode
    // with a byte count of 0. A writable open upgrades it in this transaction.
    if (upgradable && !options.readOnly) {
      if (Status s = upgradeHeadsToByteCounts(txn, *impl); !s) {
        mdb_txn_abort(txn);
        return s.error();
      }
    }
  } else {
    mdb_txn_abort(txn);
    return lmdbError(rc, "read schema version");
  }
  if (rc = mdb_txn_commit(txn); rc != 0) return lmdbError(rc, "commit setup");
  return std::unique_ptr<LmdbStore>(new LmdbStore(std::move(impl)));
}

Result<std::unique_ptr<FeedTxn>> LmdbStore::beginWrite() {
  if (impl_->readOnly)
    return makeError(ErrorCode::kStorage,
                     "the store in " + impl_->dir.string() + " is open read-only");
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(impl_->env, nullptr, 0, &txn); rc != 0)
    return lmdbError(rc, "begin write");
  return std::unique_ptr<FeedTxn>(std::make_unique<LmdbTxn>(*impl_, txn, true));
}

Result<std::unique_ptr<FeedReader>> LmdbStore::beginRead() {
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(impl_->env, nullptr, MDB_RDONLY, &txn); rc != 0)
    return lmdbError(rc, "begin read");
  return std::unique_ptr<FeedReader>(std::make_unique<LmdbTxn>(*impl_, txn, false));
}

void LmdbStore::releaseMappedPages() {
  // LMDB does not publish where it mapped the file (mdb_env_info's address is only meaningful with
  // MDB_FIXEDMAP); /proc/self/maps does: the mappings of this file's inode.
  struct stat st {};
  const std::filesystem::path file = impl_->noSubdir ? impl_->dir : impl_->dir / "data.mdb";
  if (::stat(file.c_str(), &st) != 0) return;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long long start = 0, end = 0, offset = 0, inode = 0;
    unsigned devMajor = 0, devMinor = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %x:%x %llu", &start, &end, perms, &offset,
                    &devMajor, &devMinor, &inode) != 7) {
      continue;
    }
    if (inode != st.st_ino || devMajor != major(st.st_dev) || devMinor != minor(st.st_dev))
      continue;
    ::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
  }
}

Result<LmdbStore::Size> LmdbStore::size() {
  Size out;
  std::error_code ec;
  const std::filesystem::path file =
      std::filesystem::is_regular_file(impl_->dir, ec) ? impl_->dir : impl_->dir / "data.mdb";
  out.fileBytes = std::filesystem::file_size(file, ec);
  if (ec) return makeError(ErrorCode::kIo, "size of " + file.string() + ": " + ec.message());
  MDB_envinfo info{};
  MDB_stat st{};
  if (int rc = mdb_env_info(impl_->env, &info); rc != 0) return lmdbError(rc, "environment info");
  if (int rc = mdb_env_stat(impl_->env, &st); rc != 0) return lmdbError(rc, "environment stat");
  out.usedBytes = (info.me_last_pgno + 1) * static_cast<uint64_t>(st.ms_psize);
  out.mapBytes = info.me_mapsize;
  return out;
}

Status LmdbStore::backupTo(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return makeError(ErrorCode::kIo, "backup file " + file.string() + ": " + std::strerror(errno));
  int rc = mdb_env_copyfd2(impl_->env, fd, MDB_CP_COMPACT);
  int syncRc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return lmdbError(rc, "backup");
  if (syncRc != 0)
    return makeError(ErrorCode::kIo, "backup file " + file.string() + ": fsync failed");
  return Status::Ok();
}

}  // namespace govbus
