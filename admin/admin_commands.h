// govbus-admin commands: the operator's tool for a node's files and its local API.
//
// Each command returns a Status whose message says what is wrong and what to do; main() prints it
// on stderr as one line and exits with exitCodeFor(error). What a command prints on success is
// meant to be read by a person (the next step is spelled out); --json prints the node's answer
// instead. Commands:
//   init    a node directory: key (0600), API token (0600), config; prints the public key
//   anchor  the province's self-signed certificate (the trust anchor every node installs)
//   enroll  a child's certificate signed with the parent's key; writes the child's chain and the
//           anchor, and publishes the certificate through the parent's API when it is running
//   status  a running node's status and peers, from its API
//   pubkey  the public key of a node's key file
// and, against a running node's API (the config and token in --dir):
//   catalog publish  check every row of a CSV/JSON catalog (admin/catalog_file.h), then publish
//                    the new and changed items through the province's API (nothing if any is bad)
//   catalog list     the catalog in force
//   delegate         delegate (委托/下放) an item this node holds to a node below it
//   revoke           revoke (收回) a delegation
//   authority        who handles an item for a region, and the chain that says why
//   cases            cases, filtered (overdue, region, card); `case show` one case with its records
//   supervision      the node's supervision board (红黄牌) as a table
//   order            a supervision order (督办 urge, 纠错 correct, halt, transfer) on a case
//   peers            the node's links: state and lag in records and seconds
//   revoke-key       a key revocation of a child's key from a feed sequence on (compromise)
// and on a node's files, without its API (admin/store_commands.cc, admin/key_commands.cc):
//   verify           re-verify every record and recompute the state digest from the feeds
//   rebuild          recompute a stopped node's derived state from its feeds
//   backup           a consistent, compacted copy of a (running) node's store
//   restore          a backup into a new data directory, marked so that the node waits for its
//                    upstream before it signs anything
//   rotate-key       a new key pair for this node, then the switch once the parent re-enrolled it
//
// Thread safety: single-threaded command-line code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "base/result.h"

namespace govbus::admin {

// Exit codes of govbus-admin.
inline constexpr int kExitOk = 0;
// The input is invalid (a bad catalog row, a malformed option) or the node refused the request
// (400 with the rule it would break): fix the input; retrying as is will not help.
inline constexpr int kExitRefused = 1;
// The command line is wrong (unknown option, missing argument); --help shows the usage.
inline constexpr int kExitUsage = 2;
// The node's API could not be reached or failed, or a file could not be read or written: the same
// command may succeed once that is fixed.
inline constexpr int kExitUnavailable = 3;
int exitCodeFor(const Error& error);

inline constexpr const char* kConfigFileName = "govbus-node.toml";
inline constexpr const char* kKeyFileName = "node.key";
inline constexpr const char* kTokenFileName = "api.token";
inline constexpr const char* kReadTokenFileName = "api-read.token";
inline constexpr const char* kAnchorFileName = "anchor.cert";
inline constexpr const char* kChainFileName = "chain.certs";
inline constexpr const char* kIssuedDirName = "issued";
inline constexpr int kDefaultAnchorYears = 20;
inline constexpr int kDefaultChildYears = 10;
// A freshly issued certificate is valid from a little before now, so a child whose clock is
// slightly behind the parent's can use it at once.
inline constexpr int64_t kClockSkewAllowanceMs = 3600 * 1000;
inline constexpr int kApiTimeoutSeconds = 10;

struct InitOptions {
  std::string code;
  std::filesystem::path dir;
  std::string parentEndpoint;  // optional
  std::string listen;          // optional
  std::string api = "127.0.0.1:8101";
  uint64_t mapSizeMb = 0;  // 0: the default (kDefaultMapSizeMb)
};
Status init(const InitOptions& options);

struct AnchorOptions {
  std::string code;
  std::string name;
  std::filesystem::path keyFile;
  std::filesystem::path out;
  int validYears = kDefaultAnchorYears;
};
Status anchor(const AnchorOptions& options);

struct EnrollOptions {
  std::string childKeyHex;
  std::string code;
  std::string name;
  std::filesystem::path parentDir;
  std::filesystem::path out;  // directory for the child's chain.certs and anchor.cert
  uint32_t serial = 1;
  int validYears = kDefaultChildYears;
  // YYYY-MM-DD: valid through the end of that day in China Standard Time (UTC+8, whatever the
  // host's TZ), instead of validYears; at most the parent's own certificate's end.
  std::string until;
  bool publish = true;
};
Status enroll(const EnrollOptions& options);

// Prints the public key of a node's key file (what `enroll --child-key` takes).
Status publicKey(const std::filesystem::path& keyFile);

struct StatusOptions {
  std::filesystem::path dir;  // a node directory (its config names the API), or
  std::string api;            // host:port
  bool json = false;
};
Status status(const StatusOptions& options);

// --- commands against a running node's API (admin/api_commands.cc) ---

struct CatalogPublishOptions {
  std::filesystem::path file;  // .csv or .json
  std::filesystem::path dir;   // the province node's directory
  bool dryRun = false;         // check the file only; no node needed
  bool json = false;
};
Status catalogPublish(const CatalogPublishOptions& options);

struct NodeQueryOptions {
  std::filesystem::path dir;
  bool json = false;
};
Status catalogList(const NodeQueryOptions& options);

struct DelegateOptions {
  std::string item;
  std::string to;
  bool subtree = false;     // the grantee's whole subtree, not the grantee alone
  bool redelegate = false;  // the grantee may delegate further down
  bool devolve = false;     // 下放 (devolve) rather than 委托 (entrust)
  std::string until;        // YYYY-MM-DD (in force through that day, local time); empty: open-ended
  std::string parent;       // AUTHOR#SEQ; empty: the delegation that gives this node the item
  NodeQueryOptions node;
};
Status delegate(const DelegateOptions& options);

struct RevokeOptions {
  std::string delegation;  // AUTHOR#SEQ
  bool transferPending = false;
  std::string reason;
  NodeQueryOptions node;
};
Status revoke(const RevokeOptions& options);

struct AuthorityOptions {
  std::string item;
  std::string region;
  NodeQueryOptions node;
};
Status authority(const AuthorityOptions& options);

struct CasesOptions {
  bool overdue = false;
  bool late = false;  // only cases with an event reported late or future-dated (witnessed time)
  std::string region;
  std::string card;  // green | yellow | red | none; empty: any
  size_t limit = 100;
  NodeQueryOptions node;
};
Status cases(const CasesOptions& options);

// The province's working-day calendar (节假日安排): publish a CSV file (one record per year in it),
// or show the calendar in force.
struct CalendarPublishOptions {
  std::string file;
  int year = 0;  // 0: every year in the file
  NodeQueryOptions node;
};
Status calendarPublish(const CalendarPublishOptions& options);
struct CalendarShowOptions {
  int year = 0;  // 0: every year
  NodeQueryOptions node;
};
Status calendarShow(const CalendarShowOptions& options);

// Province settings (witness_tolerance_ms): show them, or set one.
struct SettingOptions {
  std::string name;  // empty: show every setting
  std::optional<int64_t> value;
  NodeQueryOptions node;
};
Status setting(const SettingOptions& options);

struct CaseShowOptions {
  std::string id;
  NodeQueryOptions node;
};
Status caseShow(const CaseShowOptions& options);

Status supervision(const NodeQueryOptions& options);

struct OrderOptions {
  std::string kind;  // urge | correct | halt | transfer
  std::string caseId;
  std::string transferTo;  // transfer: the new handler
  std::string note;
  std::string lastSeen;  // AUTHOR#SEQ; empty: the last handler event this node has seen
  NodeQueryOptions node;
};
Status order(const OrderOptions& options);

Status peers(const NodeQueryOptions& options);

// 效能投诉: file a complaint about a node, answer it (有接必理) or close it (有理必果). Filed on
// any node; answered and closed on the node it is routed to (the parent of the node complained
// about) or an ancestor of that node.
struct ComplaintOptions {
  std::string action;       // file | answer | close
  std::string complaintId;  // answer, close; file: optional (default: the node makes one)
  std::string against;      // file: the node complained about
  std::string caseId;       // file: optional
  std::string summary;      // file
  std::string note;         // answer, close: what the complainant is told (recorded)
  NodeQueryOptions node;
};
Status complaint(const ComplaintOptions& options);

struct RevokeKeyOptions {
  std::string child;
  uint32_t serial = 0;  // 0: the only serial issued to the child (from the parent's issued/)
  uint64_t fromSeq = 0;
  std::string reason;
  NodeQueryOptions node;
};
Status revokeKey(const RevokeKeyOptions& options);

// --- commands on a node's files (admin/store_commands.cc, admin/key_commands.cc) ---

struct VerifyOptions {
  std::filesystem::path dir;      // node directory (config: data_dir, anchor_file)
  std::filesystem::path data;     // the store directory, or a backup file; overrides the config
  std::filesystem::path anchor;   // the anchor file; default: the config's, else the store's own
  std::filesystem::path scratch;  // where the recomputed state is kept meanwhile ($TMPDIR)
  size_t threads = 0;             // 0: one per hardware thread
  bool json = false;
};
Status verify(const VerifyOptions& options);

// Recomputes a stopped node's derived state from its feeds, in place (sync/replay.h).
struct RebuildOptions {
  std::filesystem::path dir;
  std::filesystem::path data;
  std::filesystem::path anchor;
  size_t threads = 0;
  bool json = false;
};
Status rebuild(const RebuildOptions& options);

struct BackupOptions {
  std::filesystem::path to;
  std::filesystem::path dir;
  std::filesystem::path data;
  bool json = false;
};
Status backup(const BackupOptions& options);

struct RestoreOptions {
  std::filesystem::path from;
  std::filesystem::path dir;
  std::filesystem::path data;
  bool json = false;
};
Status restore(const RestoreOptions& options);

struct RotateKeyOptions {
  std::filesystem::path dir;
  bool finish = false;
  std::filesystem::path chain;  // with finish: the chain.certs the parent's enroll wrote
  std::string name;             // the node's name, for the printed enroll command
};
Status rotateKey(const RotateKeyOptions& options);

}  // namespace govbus::admin
