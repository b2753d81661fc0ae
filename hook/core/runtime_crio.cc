// CRI-O: NRI on through a drop-in of our own in /etc/crio/crio.conf.d.
#include <toml++/toml.h>

#include "core/runtime_config.h"

namespace tsp::runtime {

std::string crio_dropin() {
    return "# Written by tcp-splice-ctl runtime configure: NRI on, for tcp-splice-nri.\n"
           "# tcp-splice-ctl runtime unconfigure --runtime crio removes this file.\n"
           "[crio.nri]\n"
           "enable_nri = true\n";
}

bool crio_dropin_enables_nri(const std::string& text) {
    try {
        const toml::table t = toml::parse(text);
        return t["crio"]["nri"]["enable_nri"].value_or(false);
    } catch (const toml::parse_error&) {
        return false;
    }
}

}  // namespace tsp::runtime
