// tcp-splice-ctl ps: every attachment (host and per container) with what it
// has spliced, refused and carried.
#pragma once

#include "ctl/cli.h"

namespace tsp::ctl {

int run_ps(const Options& o);

}  // namespace tsp::ctl
