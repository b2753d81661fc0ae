// What `sockets` and `explain` share: the TCP sockets of the namespace the
// options name (--netns, --pid; ours otherwise), each with the program's
// decision when the pinned "decided" map can be read.
#pragma once

#include <string>
#include <vector>

#include "core/sockdiag.h"
#include "ctl/cli.h"

namespace tsp::ctl {

// The filter of --port, --address, --cgroup; throws Error on a bad value.
SocketFilter socket_filter(const Options& o);

// Dumps in the namespace of --netns/--pid; notes on stderr what could not
// be read (the program's decisions need root).
std::vector<SocketInfo> query_sockets(const Options& o, const SocketFilter& f);

// "a.b.c.d:port", "[v6]:port"; port 0 (a listener's peer) as "*", like ss.
std::string endpoint(int family, const std::string& addr, unsigned port);

}  // namespace tsp::ctl
