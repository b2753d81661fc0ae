// tcp-splice-ctl metrics: the Prometheus text of core/metrics.h on stdout,
// or written atomically to --output (node-exporter's textfile collector).
#pragma once

#include "ctl/cli.h"

namespace tsp::ctl {

int run_metrics(const Options& opts);

}  // namespace tsp::ctl
