#pragma once

#include <cstdint>

#include "base/result.h"

namespace govbus::testnet {

// A TCP port on 127.0.0.1 that was free a moment ago, for a node the caller is about to start.
//
// The port comes from below the kernel's ephemeral range (net.ipv4.ip_local_port_range) and is
// picked at random: a port from inside that range, bound and released, can be handed to any
// process's outgoing connection before the node binds it, and then the node cannot listen.
// Outside the range, only another caller of this function can collide, and two random picks
// among thousands of ports rarely meet in the same instant.
Result<uint16_t> freeLoopbackPort();

}  // namespace govbus::testnet
