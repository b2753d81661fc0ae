// tsp-sockmap: the benchmarks' sockmap peer (bpf/sockmap_peer.bpf.c), the
// sk_msg redirect service meshes use between local sockets.
//
//   tsp-sockmap --cgroup PATH --ports P[,P...]
//
// Attaches the sock_ops program to the cgroup-v2 directory PATH and the
// sk_msg program to its SOCKHASH, prints "tsp-sockmap: attached", and stays
// in the foreground until SIGTERM or SIGINT; then detaches both and prints
// its counters:
//   tsp-sockmap: detached: inserted=N insert_failed=N redirected=N passed=N
// (sockets put in the map; messages sent straight to the peer, and those
// that went through TCP as the peer was not in the map).
// Ending it frees the map: connections still open lose the messages queued
// on them by the redirect, so stop it between runs, not during one.
// Exit status: 0 after a clean detach, 1 a failure, 2 usage.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sockmap_peer.skel.h"

namespace {

constexpr int kMaxPorts = 8;  // sockmap_peer.bpf.c's TSP_PEER_PORTS

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(
        stderr, "tsp-sockmap: %s\nusage: tsp-sockmap --cgroup PATH --ports P[,P...] (at most %d)\n",
        why.c_str(), kMaxPorts);
    std::exit(2);
}

int fail(const std::string& what, int err) {
    std::fprintf(stderr, "tsp-sockmap: %s: %s\n", what.c_str(), std::strerror(err));
    return 1;
}

std::vector<unsigned> parse_ports(const std::string& list) {
    std::vector<unsigned> out;
    std::size_t pos = 0;
    while (pos <= list.size()) {
        std::size_t comma = list.find(',', pos);
        std::string item = list.substr(pos, comma == std::string::npos ? comma : comma - pos);
        char* end = nullptr;
        unsigned long p = std::strtoul(item.c_str(), &end, 10);
        if (item.empty() || *end || p == 0 || p > 65535) usage("bad port \"" + item + "\"");
        out.push_back(unsigned(p));
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    if (out.size() > std::size_t(kMaxPorts)) usage("too many ports");
    return out;
}

// libbpf's own messages only when something failed: warnings and above.
int print_libbpf(libbpf_print_level level, const char* fmt, va_list args) {
    if (level == LIBBPF_DEBUG || level == LIBBPF_INFO) return 0;
    return std::vfprintf(stderr, fmt, args);
}

}  // namespace

int main(int argc, char** argv) {
    std::string cgroup;
    std::vector<unsigned> ports;
    for (int i = 1; i < argc; i++) {
        std::string k = argv[i];
        if (i + 1 >= argc) usage(k + " needs a value");
        std::string v = argv[++i];
        if (k == "--cgroup")
            cgroup = v;
        else if (k == "--ports")
            ports = parse_ports(v);
        else
            usage("unknown option " + k);
    }
    if (cgroup.empty() || ports.empty()) usage("--cgroup and --ports are required");
    libbpf_set_print(print_libbpf);

    // Blocked before anything is attached, so a signal in between is not
    // lost: sigwait below takes it.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, nullptr);

    int cg = ::open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg < 0) return fail("open cgroup " + cgroup, errno);
    std::unique_ptr<sockmap_peer_bpf, void (*)(sockmap_peer_bpf*)> skel(sockmap_peer_bpf::open(),
                                                                        sockmap_peer_bpf::destroy);
    if (!skel) return fail("open the BPF object", errno);
    for (std::size_t i = 0; i < ports.size(); i++) skel->rodata->ports[i] = __u16(ports[i]);
    if (int err = sockmap_peer_bpf::load(skel.get()); err != 0)
        return fail("load the BPF programs (root? kernel with sockmap?)", -err);

    int map_fd = bpf_map__fd(skel->maps.peers);
    int msg_fd = bpf_program__fd(skel->progs.sockmap_peer_msg);
    // The verdict first: a socket the sock_ops program inserts must already
    // have it, or its first messages would not be redirected.
    if (bpf_prog_attach(msg_fd, map_fd, BPF_SK_MSG_VERDICT, 0) != 0)
        return fail("attach sk_msg to the sockhash", errno);
    bpf_link* link = bpf_program__attach_cgroup(skel->progs.sockmap_peer_sockops, cg);
    if (!link) {
        int err = errno;
        bpf_prog_detach2(msg_fd, map_fd, BPF_SK_MSG_VERDICT);
        return fail("attach sock_ops to cgroup " + cgroup, err);
    }
    std::string list;
    for (unsigned p : ports) list += (list.empty() ? "" : ",") + std::to_string(p);
    std::printf("tsp-sockmap: attached (cgroup %s, ports %s)\n", cgroup.c_str(), list.c_str());
    std::fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);

    int rc = 0;
    if (int err = bpf_link__destroy(link); err != 0) rc = fail("detach sock_ops", -err);
    if (bpf_prog_detach2(msg_fd, map_fd, BPF_SK_MSG_VERDICT) != 0)
        rc = fail("detach sk_msg", errno);

    // Per-CPU counters: the sum over the possible CPUs.
    const char* names[] = {"inserted", "insert_failed", "redirected", "passed"};
    int ncpu = libbpf_num_possible_cpus();
    std::vector<__u64> vals(ncpu > 0 ? ncpu : 1);
    std::string line = "tsp-sockmap: detached:";
    for (__u32 i = 0; i < 4; i++) {
        unsigned long long sum = 0;
        if (ncpu > 0 && bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &i, vals.data()) == 0)
            for (__u64 v : vals) sum += v;
        line += std::string(" ") + names[i] + "=" + std::to_string(sum);
    }
    std::printf("%s\n", line.c_str());
    ::close(cg);
    return rc;
}
