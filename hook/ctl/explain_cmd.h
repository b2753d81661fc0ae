// tcp-splice-ctl explain: for the connections on a port (or address), which
// gate stopped each end from being spliced, or that it is.
#pragma once

#include "ctl/cli.h"

namespace tsp::ctl {

int run_explain(const Options& o);

}  // namespace tsp::ctl
