// Prometheus metrics (text exposition format 0.0.4) for tcp-splice-ctl
// metrics (node-exporter's textfile collector) and the NRI plugin's
// /metrics: the module's /proc/net/tcp_splice, the program's counters, each
// attachment's counters with its container and pod, and the fail-open
// counters. Collecting never throws; what cannot be read is left out and
// counted in tcp_splice_scrape_errors.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/attachment_view.h"
#include "core/failures.h"
#include "core/paths.h"

namespace tsp {

// What only the NRI plugin knows about itself.
struct NriMetrics {
    bool up = false;               // connected to the runtime and registered
    std::uint64_t reconnects = 0;  // connections after the first one
};

struct MetricsSnapshot {
    bool module_loaded = false;
    std::string module_version;  // empty when unknown
    // /proc/net/tcp_splice, as read_module_counters() gives it.
    std::map<std::string, std::int64_t> module_counters;
    bool program_loaded = false;
    // stat_fields() of the program's counters; empty when not loaded.
    std::vector<std::pair<std::string, std::uint64_t>> program_stats;
    std::vector<AttachmentView> attachments;
    std::vector<FailureCount> failopen;
    std::optional<NriMetrics> nri;  // set by the plugin only
    // Sources that could not be read, one line each (not rendered; the
    // count is tcp_splice_scrape_errors).
    std::vector<std::string> errors;
};

// Reads every source; never throws.
MetricsSnapshot collect_metrics(const Paths& paths);

// The snapshot in the text exposition format 0.0.4: each family once, with
// its HELP and TYPE lines, its samples together.
std::string render_metrics(const MetricsSnapshot& s);

// The Content-Type of render_metrics()'s text.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// A label value escaped for the text format (\\, \", \n).
std::string escape_label_value(const std::string& v);
// Backslashes and newlines escaped (HELP text); with @quotes also '"'.
std::string escape_text(const std::string& v, bool quotes);

}  // namespace tsp
