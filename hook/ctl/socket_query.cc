#include "ctl/socket_query.h"

#include <bpf/bpf.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <iostream>

#include "core/cgroup_tree.h"
#include "core/checks.h"
#include "core/error.h"
#include "core/fd.h"
#include "core/netns.h"
#include "core/paths.h"
#include "core/program.h"

namespace tsp::ctl {
namespace {

// The opened "decided" map, or -1 (with a note when it exists but cannot be opened).
UniqueFd open_decided(const Options& o) {
    Paths paths;
    paths.bpffs = o.bpffs;
    const std::string pin = Program(paths).decided_map_pin();
    UniqueFd fd(bpf_obj_get(pin.c_str()));
    if (!fd && errno != ENOENT)
        std::cerr << "tcp-splice-ctl: note: " << errno_message("cannot open " + pin, errno)
                  << "; 'why' is not shown (run as root)\n";
    return fd;
}

}  // namespace

SocketFilter socket_filter(const Options& o) {
    SocketFilter f;
    if (o.port >= 0) {
        if (o.port > 65535) throw Error("--port " + std::to_string(o.port) + ": pass 0..65535");
        f.port = static_cast<std::uint16_t>(o.port);
    }
    if (!o.address.empty()) f.address = o.address;
    if (!o.cgroup.empty()) {
        require_cgroup2_dir(o.cgroup);
        f.cgroup_ids = cgroup_subtree_ids(o.cgroup);
    }
    return f;
}

std::vector<SocketInfo> query_sockets(const Options& o, const SocketFilter& f) {
    std::string ns = o.netns;
    if (o.pid > 0) ns = "/proc/" + std::to_string(o.pid) + "/ns/net";
    UniqueFd decided = open_decided(o);
    std::string storage_error;
    std::vector<SocketInfo> socks;
    auto dump = [&] { socks = dump_tcp_sockets(f, decided.get(), &storage_error); };
    if (ns.empty())
        dump();
    else
        run_in_netns(ns, dump);
    if (!storage_error.empty())
        std::cerr << "tcp-splice-ctl: note: " << storage_error
                  << "; 'why' is not shown (run as root: reading socket storage needs CAP_BPF)\n";
    return socks;
}

std::string endpoint(int family, const std::string& addr, unsigned port) {
    return (family == AF_INET6 ? "[" + addr + "]" : addr) + ":" +
           (port == 0 ? std::string("*") : std::to_string(port));
}

}  // namespace tsp::ctl
