// govbus-admin: the operator's command-line tool (see admin/admin_commands.h).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "admin/admin_commands.h"
#include "govbus_version.h"

namespace {

constexpr const char* kExitCodes =
    "Exit codes: 0 done; 1 invalid input or refused by the node (fix the input); 2 bad command "
    "line; 3 node unreachable or I/O failure (retry once fixed).";

std::string example(const std::string& lines) { return "\nExample:\n" + lines; }

}  // namespace

int main(int argc, char** argv) {
  using namespace govbus::admin;
  CLI::App app{"govbus-admin: set up and inspect GovBus nodes"};
  app.require_subcommand(1);
  app.footer(kExitCodes);
  app.set_version_flag("--version", govbus::versionLine("govbus-admin"),
                       "print the version and the commit, then exit");

  InitOptions init;
  std::string initDir;
  auto* initCmd =
      app.add_subcommand("init", "create a node directory: key, API token, configuration");
  initCmd->add_option("--code", init.code, "the node's division code, e.g. 430102")->required();
  initCmd->add_option("--dir", initDir, "the node's directory (created)")->required();
  initCmd->add_option("--parent-endpoint", init.parentEndpoint,
                      "the parent's ZeroMQ endpoint, tcp://host:port");
  initCmd->add_option("--listen", init.listen,
                      "endpoint children dial, e.g. tcp://0.0.0.0:7101 (nodes with children)");
  initCmd->add_option("--api", init.api, "host:port of the local API")->capture_default_str();
  initCmd->add_option("--map-size-mb", init.mapSizeMb,
                      "LMDB address space in MiB (default 65536; small for a test network)");
  initCmd->footer(
      example("  govbus-admin init --code 430100 --dir /var/lib/govbus --listen tcp://0.0.0.0:7101 "
              "--parent-endpoint tcp://province:7100"));

  AnchorOptions anchor;
  std::string anchorKey, anchorOut;
  auto* anchorCmd = app.add_subcommand(
      "anchor", "make the province's self-signed certificate (the trust anchor)");
  anchorCmd->add_option("--code", anchor.code, "the province's code, e.g. 430000")->required();
  anchorCmd->add_option("--name", anchor.name, "the province's name, e.g. 湖南省")->required();
  anchorCmd->add_option("--key", anchorKey, "the province node's key file")->required();
  anchorCmd->add_option("--out", anchorOut, "where to write the anchor certificate")->required();
  anchorCmd->add_option("--valid-years", anchor.validYears, "validity in years")
      ->capture_default_str();
  anchorCmd->footer(
      example("  govbus-admin anchor --code 430000 --name 湖南省 --key /var/lib/govbus/node.key "
              "--out /var/lib/govbus/anchor.cert"));

  EnrollOptions enroll;
  std::string parentDir, enrollOut;
  bool noPublish = false;
  auto* enrollCmd =
      app.add_subcommand("enroll", "sign a child's certificate with this (parent) node's key");
  enrollCmd
      ->add_option("--child-key", enroll.childKeyHex, "the child's public key (hex, from its init)")
      ->required();
  enrollCmd->add_option("--code", enroll.code, "the child's division code")->required();
  enrollCmd->add_option("--name", enroll.name, "the child's name, e.g. 芙蓉区")->required();
  enrollCmd
      ->add_option("--parent-dir", parentDir, "the parent node's directory (its govbus-node.toml)")
      ->required();
  enrollCmd->add_option("--out", enrollOut,
                        "directory for the child's chain.certs and anchor.cert");
  enrollCmd
      ->add_option("--serial", enroll.serial, "certificate serial; raise it to re-enrol a new key")
      ->capture_default_str();
  auto* enrollYears =
      enrollCmd->add_option("--valid-years", enroll.validYears, "validity in years from today")
          ->capture_default_str();
  enrollCmd
      ->add_option("--until", enroll.until,
                   "last day valid, YYYY-MM-DD, through its end in UTC+8 (China Standard Time); "
                   "at most the parent's own certificate's last day")
      ->excludes(enrollYears);
  enrollCmd->add_flag("--no-publish", noPublish,
                      "do not publish the certificate through the parent's API");
  enrollCmd->footer(
      example("  govbus-admin enroll --child-key <hex> --code 430100 --name 长沙市 --parent-dir "
              "/var/lib/govbus --out /tmp/enroll-430100"));

  StatusOptions status;
  std::string statusDir;
  auto* statusCmd =
      app.add_subcommand("status", "a running node's health, digest, upstream and links");
  statusCmd->add_option("--dir", statusDir, "the node's directory (default: current directory)");
  statusCmd->add_option("--api", status.api, "host:port of the node's API (instead of --dir)");
  statusCmd->add_flag("--json", status.json, "print the raw JSON");
  statusCmd->footer(example("  govbus-admin status --dir /var/lib/govbus"));

  std::string pubkeyDir;
  auto* pubkeyCmd = app.add_subcommand("pubkey", "print the public key of a node directory's key");
  pubkeyCmd->add_option("--dir", pubkeyDir, "the node's directory")->required();
  pubkeyCmd->footer(example("  govbus-admin pubkey --dir /var/lib/govbus"));

  // Commands against a running node's API: --dir names the node (its config and token).
  auto nodeOptions = [](CLI::App* cmd, NodeQueryOptions& o, bool json = true) {
    cmd->add_option("--dir", o.dir,
                    "the node's directory: its govbus-node.toml and API token (default: .)");
    if (json) cmd->add_flag("--json", o.json, "print the node's JSON answer");
  };

  auto* catalogCmd = app.add_subcommand("catalog", "the approval-item catalog (职权目录)");
  catalogCmd->require_subcommand(1);
  CatalogPublishOptions publish;
  NodeQueryOptions publishNode;
  auto* publishCmd = catalogCmd->add_subcommand(
      "publish",
      "check every row of a catalog file, then publish new and changed items through the "
      "province's API (nothing at all if any row is bad)");
  publishCmd
      ->add_option("file", publish.file, "FILE.csv or FILE.json (see data/sample-catalog.csv)")
      ->required();
  nodeOptions(publishCmd, publishNode);
  publishCmd->add_flag("--dry-run", publish.dryRun, "only check the file; no node needed");
  publishCmd->footer(
      "\nCSV columns: item_code,name,statutory_level,legal_days,promised_days,delegable,materials"
      "[,limit_unit]\n  statutory_level province|city|county; promised_days ≤ ⌊2/3 × legal_days⌋; "
      "materials separated by ';';\n  limit_unit working_days (工作日, the default) or "
      "calendar_days (自然日).\nItems already in force are skipped; changed ones are published as "
      "updates." +
      example("  govbus-admin catalog publish data/sample-catalog.csv --dir /var/lib/govbus"));

  NodeQueryOptions listNode;
  auto* listCmd = catalogCmd->add_subcommand("list", "the catalog items in force on a node");
  nodeOptions(listCmd, listNode);
  listCmd->footer(example("  govbus-admin catalog list --dir /var/lib/govbus"));

  auto* calendarCmd =
      app.add_subcommand("calendar", "the province's working-day calendar (节假日安排)");
  calendarCmd->require_subcommand(1);
  CalendarPublishOptions calendarPublishOpts;
  auto* calendarPublishCmd = calendarCmd->add_subcommand(
      "publish",
      "check a holiday file, then publish one calendar record per year in it through the "
      "province's API (a later one for a year replaces the earlier)");
  calendarPublishCmd
      ->add_option("file", calendarPublishOpts.file,
                   "FILE.csv with columns date,kind (see data/calendar/cn-public-holidays.csv)")
      ->required();
  calendarPublishCmd->add_option("--year", calendarPublishOpts.year, "only this year of the file");
  nodeOptions(calendarPublishCmd, calendarPublishOpts.node);
  calendarPublishCmd->footer(
      "\nkind: holiday (a day off, weekday or not) or workday (a weekend day worked by adjustment, "
      "调休上班).\nDeadlines count working days by the calendar of each year; a year without one "
      "counts Monday to Friday, flagged provisional." +
      example("  govbus-admin calendar publish data/calendar/cn-public-holidays.csv --year 2026 "
              "--dir /var/lib/govbus"));
  CalendarShowOptions calendarShowOpts;
  auto* calendarShowCmd =
      calendarCmd->add_subcommand("show", "the working-day calendar in force on a node");
  calendarShowCmd->add_option("--year", calendarShowOpts.year, "only this year");
  nodeOptions(calendarShowCmd, calendarShowOpts.node);
  calendarShowCmd->footer(
      example("  govbus-admin calendar show --year 2026 --dir /var/lib/govbus"));

  SettingOptions settingOpts;
  int64_t settingValue = 0;
  auto* settingCmd =
      app.add_subcommand("setting", "show the province's settings, or set one (on the province)");
  settingCmd->add_option("name", settingOpts.name, "e.g. witness_tolerance_ms");
  auto* valueOpt = settingCmd->add_option("value", settingValue, "the new value");
  nodeOptions(settingCmd, settingOpts.node);
  settingCmd->footer(
      "\nwitness_tolerance_ms: how far an event's claimed time may lie from when its parent first "
      "stored it before it is flagged reported late (default 900000, 15 minutes)." +
      example("  govbus-admin setting --dir /var/lib/govbus\n"
              "  govbus-admin setting witness_tolerance_ms 1800000 --dir /var/lib/govbus"));

  DelegateOptions delegateOpts;
  auto* delegateCmd = app.add_subcommand(
      "delegate",
      "delegate an item this node holds to a node below it (委托, or 下放 with --devolve)");
  delegateCmd->add_option("--item", delegateOpts.item, "the catalog item, e.g. XK-SL-001")
      ->required();
  delegateCmd->add_option("--to", delegateOpts.to, "the grantee's division code, e.g. 430100")
      ->required();
  delegateCmd->add_flag("--subtree", delegateOpts.subtree,
                        "for the grantee's whole subtree, not the grantee alone");
  delegateCmd->add_flag("--redelegate", delegateOpts.redelegate,
                        "the grantee may delegate it further down");
  delegateCmd->add_option("--until", delegateOpts.until,
                          "last day in force, YYYY-MM-DD (local time); default: open-ended");
  delegateCmd->add_flag("--devolve", delegateOpts.devolve,
                        "devolve (下放) instead of entrust (委托)");
  delegateCmd->add_option("--parent", delegateOpts.parent,
                          "AUTHOR#SEQ of the delegation this one continues (default: the one "
                          "that gives this node the item)");
  nodeOptions(delegateCmd, delegateOpts.node);
  delegateCmd->footer(
      example("  govbus-admin delegate --item XK-SL-001 --to 430100 --devolve --redelegate --dir "
              "/var/lib/govbus   (on the province)\n"
              "  govbus-admin delegate --item XK-SL-001 --to 430102 --dir /var/lib/govbus   (then "
              "on 长沙市)"));

  RevokeOptions revokeOpts;
  auto* revokeCmd =
      app.add_subcommand("revoke", "revoke (收回) a delegation and every re-delegation under it");
  revokeCmd->add_option("delegation", revokeOpts.delegation, "the delegation record, AUTHOR#SEQ")
      ->required();
  revokeCmd->add_flag("--transfer-pending", revokeOpts.transferPending,
                      "move pending cases to the handler the revocation leaves in place");
  revokeCmd->add_option("--reason", revokeOpts.reason, "why (recorded)");
  nodeOptions(revokeCmd, revokeOpts.node);
  revokeCmd->footer(
      example("  govbus-admin revoke 430000#14 --transfer-pending --dir /var/lib/govbus"));

  AuthorityOptions authorityOpts;
  auto* authorityCmd = app.add_subcommand(
      "authority", "who handles an item for a region, and the chain of records that says why");
  authorityCmd->add_option("--item", authorityOpts.item, "the catalog item")->required();
  authorityCmd->add_option("--region", authorityOpts.region, "the applicant's region code")
      ->required();
  nodeOptions(authorityCmd, authorityOpts.node);
  authorityCmd->footer(
      example("  govbus-admin authority --item XK-SL-001 --region 430102 --dir /var/lib/govbus"));

  CasesOptions casesOpts;
  auto* casesCmd = app.add_subcommand("cases", "list cases (办件) this node knows, filtered");
  casesCmd->add_flag("--overdue", casesOpts.overdue,
                     "only red cards and cases past the legal time");
  casesCmd->add_flag("--late", casesOpts.late,
                     "every event reported late or future-dated (witnessed time), with the "
                     "outages its author recorded");
  casesCmd->add_option("--region", casesOpts.region, "only applicants in this region's subtree");
  casesCmd->add_option("--card", casesOpts.card, "only this card")
      ->check(CLI::IsMember({"red", "yellow", "green", "none"}));
  casesCmd->add_option("--limit", casesOpts.limit, "at most this many (up to 1000)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  nodeOptions(casesCmd, casesOpts.node);
  casesCmd->footer(
      example("  govbus-admin cases --overdue --region 430100 --dir /var/lib/govbus\n"
              "  govbus-admin cases --card yellow --dir /var/lib/govbus"));

  auto* caseCmd = app.add_subcommand("case", "one case");
  caseCmd->require_subcommand(1);
  CaseShowOptions showOpts;
  auto* showCmd = caseCmd->add_subcommand("show", "a case's state, deadline and every record");
  showCmd->add_option("id", showOpts.id, "the case id")->required();
  nodeOptions(showCmd, showOpts.node);
  showCmd->footer(example("  govbus-admin case show 430102-0001 --dir /var/lib/govbus"));

  NodeQueryOptions boardNode;
  auto* boardCmd = app.add_subcommand(
      "supervision",
      "the node's supervision board (电子监察): cards, denials, complaints per node");
  nodeOptions(boardCmd, boardNode);
  boardCmd->footer(example("  govbus-admin supervision --dir /var/lib/govbus"));

  OrderOptions orderOpts;
  auto* orderCmd = app.add_subcommand(
      "order", "issue a supervision order on a case of this node's subtree (督办/纠错)");
  orderCmd->add_option("kind", orderOpts.kind, "urge (督办) | correct (纠错) | halt | transfer")
      ->required()
      ->check(CLI::IsMember({"urge", "correct", "halt", "transfer"}));
  orderCmd->add_option("case", orderOpts.caseId, "the case id")->required();
  orderCmd->add_option("--to", orderOpts.transferTo,
                       "transfer: the new handler's code (this node or below it)");
  orderCmd->add_option("--note", orderOpts.note, "what the handler is told (recorded)");
  orderCmd->add_option("--last-seen", orderOpts.lastSeen,
                       "AUTHOR#SEQ of the handler event the order answers (default: the last "
                       "one this node has seen)");
  nodeOptions(orderCmd, orderOpts.node);
  orderCmd->footer(
      "\nurge: a reminder on the board; correct: back to review (also a decided or halted case); "
      "halt: the handler may not decide until corrected; transfer: another handler takes it." +
      example("  govbus-admin order urge 430102-0001 --note '请三日内办结' --dir /var/lib/govbus\n"
              "  govbus-admin order transfer 430102-0001 --to 430100 --dir /var/lib/govbus"));

  ComplaintOptions complaintOpts;
  auto* complaintCmd =
      app.add_subcommand("complaint", "file, answer or close a complaint about a node (效能投诉)");
  complaintCmd->require_subcommand(1);
  auto* complaintFileCmd =
      complaintCmd->add_subcommand("file", "file a complaint on this node (any node takes one)");
  complaintFileCmd->add_option("--against", complaintOpts.against, "the node complained about")
      ->required();
  complaintFileCmd->add_option("--summary", complaintOpts.summary, "what the complaint is")
      ->required();
  complaintFileCmd->add_option("--case", complaintOpts.caseId, "the case it is about (optional)");
  complaintFileCmd->add_option("--id", complaintOpts.complaintId,
                               "the complaint's id (default: the node makes one)");
  nodeOptions(complaintFileCmd, complaintOpts.node);
  complaintFileCmd->footer(example(
      "  govbus-admin complaint file --against 430102 --case 430102-0001 --summary '窗口推诿' "
      "--dir /var/lib/govbus"));
  auto* complaintAnswerCmd = complaintCmd->add_subcommand(
      "answer", "take a complaint in hand (有接必理), on the node it is routed to");
  auto* complaintCloseCmd = complaintCmd->add_subcommand(
      "close", "close a complaint with its outcome (有理必果), on the node it is routed to");
  for (CLI::App* cmd : {complaintAnswerCmd, complaintCloseCmd}) {
    cmd->add_option("complaint", complaintOpts.complaintId, "the complaint id")->required();
    cmd->add_option("--note", complaintOpts.note, "what the complainant is told (recorded)");
    nodeOptions(cmd, complaintOpts.node);
  }
  complaintAnswerCmd->footer(
      example("  govbus-admin complaint answer TS-2026-0001 --note '已转经办窗口核查' --dir "
              "/var/lib/govbus"));
  complaintCloseCmd->footer(example(
      "  govbus-admin complaint close TS-2026-0001 --note '已整改并回复' --dir /var/lib/govbus"));

  NodeQueryOptions peersNode;
  auto* peersCmd = app.add_subcommand(
      "peers", "the node's replication links: state, lag in records and seconds, last ack");
  nodeOptions(peersCmd, peersNode);
  peersCmd->footer(example("  govbus-admin peers --dir /var/lib/govbus"));

  VerifyOptions verifyOpts;
  auto* verifyCmd = app.add_subcommand(
      "verify",
      "offline: re-verify every record (signature, key, certificate chain, hash link) and "
      "recompute the state digest from the feeds");
  verifyCmd->add_option("--dir", verifyOpts.dir,
                        "the node's directory: its config names the store and the anchor "
                        "(default: .)");
  verifyCmd->add_option("--data", verifyOpts.data,
                        "the store directory, or a backup file (instead of the config's)");
  verifyCmd->add_option("--anchor", verifyOpts.anchor,
                        "the anchor certificate (default: the config's; without a config, the "
                        "province's anchor record inside the store)");
  verifyCmd->add_option("--scratch", verifyOpts.scratch,
                        "directory for the recomputed state while verifying (default: $TMPDIR; "
                        "it needs about a third of the store's size)");
  verifyCmd->add_option("--threads", verifyOpts.threads,
                        "signature checks on this many threads (default: one per CPU)");
  verifyCmd->add_flag("--json", verifyOpts.json, "print the result as JSON");
  verifyCmd->footer(
      "\nReads one read-only snapshot; safe beside a running node (run as the node's user). "
      "Streams the feeds in feed order with bounded memory; prints records/s and peak memory. "
      "Exit 1 when a problem is found." +
      example(
          "  govbus-admin verify --dir /var/lib/govbus\n"
          "  govbus-admin verify --data /srv/restore/data --anchor /var/lib/govbus/anchor.cert"));

  RebuildOptions rebuildOpts;
  auto* rebuildCmd = app.add_subcommand(
      "rebuild",
      "offline, node stopped: recompute the derived state (cases, verdicts, digest) from the "
      "feeds, re-checking every signature and hash link");
  rebuildCmd->add_option("--dir", rebuildOpts.dir, "the node's directory (default: .)");
  rebuildCmd->add_option("--data", rebuildOpts.data,
                         "the store directory (instead of the config's)");
  rebuildCmd->add_option("--anchor", rebuildOpts.anchor,
                         "the anchor certificate (default: the config's, else the store's own)");
  rebuildCmd->add_option("--threads", rebuildOpts.threads,
                         "signature checks on this many threads (default: one per CPU)");
  rebuildCmd->add_flag("--json", rebuildOpts.json, "print the result as JSON");
  rebuildCmd->footer(
      "\nStop the node first: the rebuild writes the store. The node also rebuilds by itself when "
      "it opens a store whose derived state is of an older layout or half rebuilt." +
      example("  systemctl stop govbus-node\n"
              "  sudo -u govbus govbus-admin rebuild --dir /var/lib/govbus"));

  BackupOptions backupOpts;
  auto* backupCmd = app.add_subcommand(
      "backup", "a consistent, compacted copy of the node's store, taken while it runs");
  backupCmd->add_option("--to", backupOpts.to, "the backup file to create (never overwritten)")
      ->required();
  backupCmd->add_option("--dir", backupOpts.dir, "the node's directory (default: .)");
  backupCmd->add_option("--data", backupOpts.data, "the store directory (instead of the config's)");
  backupCmd->add_flag("--json", backupOpts.json, "print the result as JSON");
  backupCmd->footer(
      "\nOne LMDB read snapshot (mdb_env_copy2, compacting); the node keeps writing. Prints the "
      "state digest of the snapshot. The key file is not in the backup." +
      example("  sudo -u govbus govbus-admin backup --to /backup/430102-$(date +%F).mdb --dir "
              "/var/lib/govbus"));

  RestoreOptions restoreOpts;
  auto* restoreCmd = app.add_subcommand(
      "restore", "a backup into a new, empty data directory (the node re-syncs from its parent)");
  restoreCmd->add_option("--from", restoreOpts.from, "the backup file")->required();
  restoreCmd->add_option("--data", restoreOpts.data,
                         "the new data directory (must not exist or be empty)");
  restoreCmd->add_option("--dir", restoreOpts.dir,
                         "the node's directory: restore into its config's data_dir (when "
                         "--data is not given)");
  restoreCmd->add_flag("--json", restoreOpts.json, "print the result as JSON");
  restoreCmd->footer(
      "\nThe restored node takes no API writes (503) until its upstream has confirmed its own "
      "feed, so that it can never sign a sequence number twice." +
      example("  govbus-admin restore --from /backup/430102-2025-06-01.mdb --data "
              "/var/lib/govbus/data"));

  RotateKeyOptions rotateOpts;
  std::string rotateChain;
  auto* rotateCmd = app.add_subcommand(
      "rotate-key", "replace this node's key: a new key pair, then (--finish) the switch");
  rotateCmd->add_option("--dir", rotateOpts.dir, "the node's directory (default: .)");
  rotateCmd->add_flag("--finish", rotateOpts.finish,
                      "switch to the new key once the parent has re-enrolled it (node stopped)");
  rotateCmd->add_option("--chain", rotateChain,
                        "with --finish: the chain.certs the parent's enroll wrote");
  rotateCmd->add_option("--name", rotateOpts.name, "the node's name in the printed enroll command");
  rotateCmd->footer(
      "\nStep 1 writes node.key.next and prints the parent's enroll command (a higher serial); "
      "step 2 swaps key and chain and prints the parent's revoke-key command." +
      example("  govbus-admin rotate-key --dir /var/lib/govbus\n"
              "  systemctl stop govbus-node\n"
              "  govbus-admin rotate-key --finish --chain /tmp/enroll-430102/chain.certs --dir "
              "/var/lib/govbus\n"
              "  systemctl start govbus-node"));

  RevokeKeyOptions revokeKeyOpts;
  auto* revokeKeyCmd = app.add_subcommand(
      "revoke-key",
      "revoke a child's key from a feed sequence on (key rotation, or a compromised key)");
  revokeKeyCmd->add_option("--child", revokeKeyOpts.child, "the child's code")->required();
  revokeKeyCmd
      ->add_option("--from-seq", revokeKeyOpts.fromSeq,
                   "the first sequence of the child's feed the key may no longer sign")
      ->required();
  revokeKeyCmd->add_option("--serial", revokeKeyOpts.serial,
                           "the certificate serial whose key is revoked (default: the only one "
                           "this node issued to the child)");
  revokeKeyCmd->add_option("--reason", revokeKeyOpts.reason, "why (recorded)");
  nodeOptions(revokeKeyCmd, revokeKeyOpts.node);
  revokeKeyCmd->footer(
      example("  govbus-admin revoke-key --child 430102 --serial 1 --from-seq 245 --reason "
              "'key rotated' --dir /var/lib/govbus"));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints the help or the usage error
    return code == 0 ? kExitOk : kExitUsage;
  }

  govbus::Status result;
  if (*initCmd) {
    init.dir = initDir;
    result = govbus::admin::init(init);
  } else if (*anchorCmd) {
    anchor.keyFile = anchorKey;
    anchor.out = anchorOut;
    result = govbus::admin::anchor(anchor);
  } else if (*enrollCmd) {
    enroll.parentDir = parentDir;
    enroll.out = enrollOut;
    enroll.publish = !noPublish;
    result = govbus::admin::enroll(enroll);
  } else if (*pubkeyCmd) {
    result = govbus::admin::publicKey(std::filesystem::path(pubkeyDir) / kKeyFileName);
  } else if (*statusCmd) {
    status.dir = statusDir;
    result = govbus::admin::status(status);
  } else if (*publishCmd) {
    publish.dir = publishNode.dir;
    publish.json = publishNode.json;
    result = catalogPublish(publish);
  } else if (*listCmd) {
    result = catalogList(listNode);
  } else if (*calendarPublishCmd) {
    result = calendarPublish(calendarPublishOpts);
  } else if (*calendarShowCmd) {
    result = calendarShow(calendarShowOpts);
  } else if (*settingCmd) {
    if (valueOpt->count() > 0) {
      if (settingOpts.name.empty()) {
        result = govbus::makeError(govbus::ErrorCode::kInvalidArgument, "name the setting to set");
      } else {
        settingOpts.value = settingValue;
        result = govbus::admin::setting(settingOpts);
      }
    } else {
      result = govbus::admin::setting(settingOpts);
    }
  } else if (*delegateCmd) {
    result = govbus::admin::delegate(delegateOpts);
  } else if (*revokeCmd) {
    result = govbus::admin::revoke(revokeOpts);
  } else if (*authorityCmd) {
    result = govbus::admin::authority(authorityOpts);
  } else if (*casesCmd) {
    result = govbus::admin::cases(casesOpts);
  } else if (*showCmd) {
    result = caseShow(showOpts);
  } else if (*boardCmd) {
    result = supervision(boardNode);
  } else if (*orderCmd) {
    result = govbus::admin::order(orderOpts);
  } else if (*complaintCmd) {
    complaintOpts.action = *complaintFileCmd ? "file" : *complaintAnswerCmd ? "answer" : "close";
    result = govbus::admin::complaint(complaintOpts);
  } else if (*peersCmd) {
    result = govbus::admin::peers(peersNode);
  } else if (*verifyCmd) {
    result = govbus::admin::verify(verifyOpts);
  } else if (*rebuildCmd) {
    result = govbus::admin::rebuild(rebuildOpts);
  } else if (*backupCmd) {
    result = govbus::admin::backup(backupOpts);
  } else if (*restoreCmd) {
    result = govbus::admin::restore(restoreOpts);
  } else if (*rotateCmd) {
    rotateOpts.chain = rotateChain;
    result = govbus::admin::rotateKey(rotateOpts);
  } else if (*revokeKeyCmd) {
    result = govbus::admin::revokeKey(revokeKeyOpts);
  }
  if (!result) {
    std::fprintf(stderr, "govbus-admin: %s\n", result.error().message.c_str());
    return exitCodeFor(result.error());
  }
  return kExitOk;
}
