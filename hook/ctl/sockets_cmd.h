// tcp-splice-ctl sockets: the TCP sockets of a network namespace with their
// tcp-splice state (the module's ULP details, the program's decision), like ss.
#pragma once

#include "ctl/cli.h"

namespace tsp::ctl {

int run_sockets(const Options& o);

}  // namespace tsp::ctl
