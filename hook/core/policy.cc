#include "core/policy.h"

#include <algorithm>
#include <cstring>

#include "core/ports.h"

namespace tsp {

tsp_policy encode(const Policy& p) {
    tsp_policy rec;
    std::memset(&rec, 0, sizeof(rec));
    rec.version = TSP_POLICY_VERSION;
    rec.flags = (p.enabled ? TSP_F_ENABLED : 0) | (p.loopback_only ? TSP_F_LOOPBACK_ONLY : 0);
    rec.nports = static_cast<tsp_u32>(std::min<std::size_t>(p.ports.size(), TSP_MAX_PORTS));
    std::copy_n(p.ports.begin(), rec.nports, rec.ports);
    return rec;
}

Policy decode(const tsp_policy& rec) {
    Policy p;
    p.enabled = rec.version == TSP_POLICY_VERSION && (rec.flags & TSP_F_ENABLED);
    p.loopback_only = rec.flags & TSP_F_LOOPBACK_ONLY;
    p.ports.assign(rec.ports, rec.ports + std::min<tsp_u32>(rec.nports, TSP_MAX_PORTS));
    return p;
}

std::string describe(const Policy& p) {
    std::string s = "loopback_only=" + std::string(p.loopback_only ? "1" : "0") +
                    ", ports=" + format_ports(p.ports);
    if (!p.enabled) s += ", disabled";
    return s;
}

}  // namespace tsp
