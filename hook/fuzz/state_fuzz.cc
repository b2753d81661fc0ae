// libFuzzer target for everything the hook parses from its runtime: the OCI
// state, config.json, the annotations in them and cgroup paths. Any input
// must end in a value or an Error, never a crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/annotations.h"
#include "core/cgroup_path.h"
#include "core/error.h"
#include "core/oci_state.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        auto st = tsp::parse_state(text);
        if (st.annotations) (void)tsp::parse_annotations(*st.annotations);
    } catch (const tsp::Error&) {
    }
    try {
        auto cfg = tsp::parse_bundle_config(text);
        (void)tsp::parse_annotations(cfg.annotations, true);
        (void)tsp::cgroup_from_cgroups_path(cfg.cgroups_path);
    } catch (const tsp::Error&) {
    }
    try {
        (void)tsp::cgroup_from_cgroups_path(text);
    } catch (const tsp::Error&) {
    }
    (void)tsp::cgroup_from_proc(text);
    return 0;
}
