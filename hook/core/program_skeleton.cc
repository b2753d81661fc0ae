#include "core/program_skeleton.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "core/host_id.h"
#include "core/params.h"
#include "tsp_version.h"

namespace tsp {
namespace {

int libbpf_quiet(enum libbpf_print_level level, const char* fmt, va_list args) {
    if (level == LIBBPF_DEBUG || std::getenv("TSP_LIBBPF_VERBOSE") == nullptr) return 0;
    return std::vfprintf(stderr, fmt, args);
}

}  // namespace

Skeleton open_skeleton() {
    libbpf_set_print(libbpf_quiet);
    Skeleton skel(tcp_splice_bpf::open(), tcp_splice_bpf::destroy);
    if (!skel) throw Error(errno_message("cannot open the BPF object", errno));
    skel->rodata->tsp_host_id = host_id();
    return skel;
}

void load_skeleton(const Paths& paths, const ProgramOptions& opts, tcp_splice_bpf* skel) {
    auto refs_before = module_refcnt(paths);
    if (int err = tcp_splice_bpf::load(skel); err != 0)
        throw Error(
            errno_message("loading the sock_ops program failed (set "
                          "TSP_LIBBPF_VERBOSE=1 for the verifier log)",
                          -err));
    if (opts.require_module) {
        auto refs_after = module_refcnt(paths);
        if (!refs_before || !refs_after || *refs_after <= *refs_before)
            throw Error(
                "the program did not bind bpf_tcp_splice_pair() of the loaded "
                "tcp_splice module (module BTF missing or built for another kernel): "
                "rebuild the module for this kernel");
    }
    tsp_prog_meta meta;
    std::memset(&meta, 0, sizeof(meta));
    std::snprintf(meta.version, sizeof(meta.version), "%s", TSP_VERSION);
    __u32 zero = 0;
    if (bpf_map_update_elem(bpf_map__fd(skel->maps.meta), &zero, &meta, BPF_ANY) != 0)
        throw Error(errno_message("recording the program's version", errno));
}

}  // namespace tsp
