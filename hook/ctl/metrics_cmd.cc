#include "ctl/metrics_cmd.h"

#include <cstdio>
#include <iostream>

#include "core/files.h"
#include "core/metrics.h"
#include "core/paths.h"

namespace tsp::ctl {

int run_metrics(const Options& o) {
    Paths paths;
    paths.bpffs = o.bpffs;
    const MetricsSnapshot snap = collect_metrics(paths);
    // What could not be read is left out (tcp_splice_scrape_errors counts
    // it); say what, without failing the scrape.
    for (const auto& e : snap.errors)
        std::fprintf(stderr, "tcp-splice-ctl: metrics: %s\n", e.c_str());
    const std::string text = render_metrics(snap);
    if (o.output.empty()) {
        std::cout << text << std::flush;
        return 0;
    }
    // Readable by a node-exporter that does not run as root.
    write_file_atomic(o.output, text, 0644);
    return 0;
}

}  // namespace tsp::ctl
