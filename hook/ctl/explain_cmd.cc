#include "ctl/explain_cmd.h"

#include <netinet/tcp.h>

#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/attachment_view.h"
#include "core/cgroup_tree.h"
#include "core/checks.h"
#include "core/error.h"
#include "core/explain.h"
#include "ctl/socket_query.h"

namespace tsp::ctl {

int run_explain(const Options& o) {
    require_root();
    if (o.port < 0 && o.address.empty())
        throw Error(
            "say which connections: --port N and/or --address A (and --netns PATH or "
            "--pid PID for a container's namespace)");
    SocketFilter f = socket_filter(o);
    f.established_only = true;
    const auto socks = query_sockets(o, f);
    Paths paths;
    paths.bpffs = o.bpffs;
    const auto atts = collect_attachments(paths);
    std::unordered_map<std::uint64_t, std::string> cgroups;
    try {
        cgroups = cgroup_dirs(cgroup2_mount(paths.cgroup_root));
    } catch (const Error&) {
    }

    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : socks) {
        const Explanation e = explain_socket(s, atts, cgroups);
        const std::string local = endpoint(s.family, s.local, s.local_port);
        const std::string remote = endpoint(s.family, s.remote, s.remote_port);
        if (o.json) {
            arr.push_back({{"local", local},
                           {"local_port", s.local_port},
                           {"remote", remote},
                           {"remote_port", s.remote_port},
                           {"gate", e.gate},
                           {"spliced", e.spliced},
                           {"attachment", e.attachment},
                           {"cgroup", e.cgroup},
                           {"detail", e.detail}});
            continue;
        }
        std::cout << local << " -> " << remote << ": " << e.gate << "\n  " << e.detail << "\n";
        if (!e.attachment.empty() || !e.cgroup.empty())
            std::cout << "  cgroup " << (e.cgroup.empty() ? "?" : e.cgroup) << ", attachment "
                      << (e.attachment.empty() ? "none" : e.attachment) << "\n";
    }
    if (o.json) {
        std::cout << arr.dump(2) << "\n";
    } else if (socks.empty()) {
        std::cout << "no established TCP connection matches in this network namespace (a "
                     "container's: --netns /run/netns/NAME or --pid PID)\n";
    }
    return 0;
}

}  // namespace tsp::ctl
