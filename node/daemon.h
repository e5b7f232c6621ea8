// Daemon: what `govbus-node --config FILE` runs — the wiring of one node, its signals and its
// orderly shutdown.
//
// Start-up, in this order (each failure is one line on stderr and a non-zero exit):
//   config → identity (key, anchor, chain) → API token → store → Replica → bootstrap (the node's
//   chain certificates admitted; at the root, the anchor published as the first record) →
//   Engine (publishes peer keys) → ZAP handler (bound) → Transport (listening socket bound only
//   now, so no CURVE client is ever admitted without the handler) → API → "ready" log line.
// Signals (taken by the main thread only; every other thread blocks them):
//   SIGTERM, SIGINT  stop taking API writes and frames, let the writer finish what is queued and
//                    persist positions, send the final acks, exit 0;
//   SIGHUP           reread the config: log level and upstream list take effect; other changed
//                    keys are reported as needing a restart.
// A thread that fails (ZAP handler, transport, writer) stops the node with exit status 1.
#pragma once

#include <filesystem>

#include "node/log_format.h"

namespace govbus {

// Exit statuses.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitConfigError = 2;  // also a command-line mistake

// A file in the data directory that `govbus-admin restore` writes: the store came from a backup
// and its own feed may be behind what the node already signed. While it exists the node takes no
// API writes until its upstream has confirmed its own feed (node/engine.h); then the node removes
// it.
inline constexpr const char* kRestoreMarkerFileName = "restored-from-backup";

// Runs the node until it is told to stop; returns the process exit status. With `checkOnly`, checks
// the config, identity and store and returns without serving. `logFormat` (node/log_format.h):
// kAuto gives the journal's priority prefixes when stdout is the journal.
int runNode(const std::filesystem::path& configFile, bool checkOnly,
            LogFormat logFormat = LogFormat::kAuto);

}  // namespace govbus
