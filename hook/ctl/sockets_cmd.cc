#include "ctl/sockets_cmd.h"

#include <sys/socket.h>

#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "core/attachment_view.h"
#include "core/cgroup_tree.h"
#include "core/error.h"
#include "core/sockdiag.h"
#include "ctl/socket_query.h"

namespace tsp::ctl {
namespace {

class CgroupNames {
public:
    // The directory of cgroup @id, "" when it does not resolve.
    std::string operator()(std::uint64_t id) {
        if (id == 0) return "";
        if (!loaded_) {
            loaded_ = true;
            try {
                dirs_ = cgroup_dirs(cgroup2_mount());
            } catch (const Error&) {
            }
        }
        auto it = dirs_.find(id);
        return it == dirs_.end() ? "" : it->second;
    }

private:
    bool loaded_ = false;
    std::unordered_map<std::uint64_t, std::string> dirs_;
};

void print_text(const std::vector<SocketInfo>& socks, CgroupNames& cgroup) {
    for (const auto& s : socks) {
        std::ostringstream l;
        l << tcp_state_name(s.state) << " " << endpoint(s.family, s.local, s.local_port) << " "
          << endpoint(s.family, s.remote, s.remote_port);
        if (s.splice) {
            const UlpInfo& u = *s.splice;
            l << " " << end_state_name(u.state) << " side=" << unsigned(u.side)
              << " active=" << u.active << " ring=" << u.ring_size << " tx=" << u.tx_bytes
              << "(fill " << u.tx_fill << ") rx=" << u.rx_bytes << "(fill " << u.rx_fill
              << ") startup=" << u.startup_bytes << " spin=" << u.spin_ns / 1000
              << "us wake=" << u.wake_ns / 1000 << "us";
            if (u.nat) l << " nat=1";
            if (u.tx_refused) l << " tx_refused=1";
            if (u.peer_netns) l << " peer_netns=" << *u.peer_netns;
        } else {
            l << " -";
        }
        if (!s.ulp.empty() && (s.ulp != "tcp_splice" || !s.splice)) l << " ulp=" << s.ulp;
        if (s.cgroup_id != 0) {
            std::string dir = cgroup(s.cgroup_id);
            l << " cgroup=" << (dir.empty() ? "#" + std::to_string(s.cgroup_id) : dir);
        }
        if (s.decided) l << " why=" << why_name(s.decided->why);  // never the token
        std::cout << l.str() << "\n";
    }
}

void print_json(const std::vector<SocketInfo>& socks, CgroupNames& cgroup) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : socks) {
        nlohmann::json j;
        j["family"] = s.family == AF_INET6 ? "inet6" : "inet";
        j["state"] = tcp_state_name(s.state);
        j["local"] = s.local;
        j["local_port"] = s.local_port;
        j["remote"] = s.remote;
        j["remote_port"] = s.remote_port;
        j["inode"] = s.inode;
        j["uid"] = s.uid;
        j["cgroup_id"] = s.cgroup_id;
        std::string dir = cgroup(s.cgroup_id);
        j["cgroup"] = dir.empty() ? nlohmann::json(nullptr) : nlohmann::json(dir);
        j["ulp"] = s.ulp.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.ulp);
        if (s.splice) {
            const UlpInfo& u = *s.splice;
            j["splice"] = end_state_name(u.state);
            j["side"] = u.side;
            j["active"] = u.active ? 1 : 0;
            j["nat"] = u.nat ? 1 : 0;
            j["ring"] = u.ring_size;
            j["tx"] = u.tx_bytes;
            j["tx_fill"] = u.tx_fill;
            j["rx"] = u.rx_bytes;
            j["rx_fill"] = u.rx_fill;
            j["startup"] = u.startup_bytes;
            j["tx_refused"] = u.tx_refused ? 1 : 0;
            j["spin_ns"] = u.spin_ns;
            j["wake_ns"] = u.wake_ns;
            if (u.peer_netns) j["peer_netns"] = *u.peer_netns;
        }
        if (s.decided) {  // never the token
            j["why"] = why_name(s.decided->why);
            j["flags"] = s.decided->flags;
        }
        arr.push_back(std::move(j));
    }
    std::cout << arr.dump(2) << "\n";
}

}  // namespace

int run_sockets(const Options& o) {
    SocketFilter f = socket_filter(o);
    f.splice_only = !o.all;
    const auto socks = query_sockets(o, f);

    CgroupNames cgroup;
    if (o.json) {
        print_json(socks, cgroup);
    } else {
        print_text(socks, cgroup);
        if (socks.empty() && !o.all)
            std::cerr << "tcp-splice-ctl: no socket tcp-splice has seen matches (--all shows "
                         "every TCP socket)\n";
    }
    return 0;
}

}  // namespace tsp::ctl
