#include "session.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "nri_api.pb.h"
#include "ttrpc.pb.h"
#include "wire.h"

namespace tsp::nri {
namespace {

constexpr std::uint32_t kRegisterStream = 1;  // our first (odd) client stream

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(errno_message("writing to the runtime", errno));
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

void send(int fd, std::uint32_t conn, std::uint32_t stream, MsgType type,
          const google::protobuf::MessageLite& msg) {
    std::string body;
    msg.SerializeToString(&body);
    write_all(fd, mux_encode(conn, ttrpc_encode(stream, type, body)));
}

void register_plugin(int fd, const Identity& who) {
    ::nri::pkg::api::v1alpha1::RegisterPluginRequest reg;
    reg.set_plugin_name(who.name);
    reg.set_plugin_idx(who.idx);
    ttrpc::Request req;
    req.set_service(std::string(kRuntimeService));
    req.set_method("RegisterPlugin");
    reg.SerializeToString(req.mutable_payload());
    req.set_timeout_nano(5'000'000'000);
    send(fd, kRuntimeConn, kRegisterStream, MsgType::Request, req);
}

}  // namespace

SessionEnd serve(int fd, const Identity& who, Plugin& plugin, const Log& log,
                 const std::atomic<bool>& stop) {
    MuxDecoder mux;
    TtrpcDecoder from_runtime;  // conn 1: requests to our Plugin service
    TtrpcDecoder replies;       // conn 2: replies to our Runtime calls
    std::uint32_t last_stream = 0;

    register_plugin(fd, who);
    char buf[65536];
    while (!stop.load()) {
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, 200);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw Error(errno_message("poll", errno));
        if (r == 0) continue;
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) throw Error(errno_message("reading from the runtime", errno));
        if (n == 0) return SessionEnd::Closed;

        for (auto& f : mux.feed({buf, static_cast<std::size_t>(n)})) {
            if (f.conn == kRuntimeConn) {
                for (auto& m : replies.feed(f.payload)) {
                    if (m.type != MsgType::Response || m.stream != kRegisterStream) continue;
                    ttrpc::Response resp;
                    if (!resp.ParseFromString(m.payload))
                        throw Error("undecodable reply to RegisterPlugin");
                    if (resp.status().code() != 0) {
                        log.error("the runtime refused registration as " + who.idx + "-" +
                                  who.name + ": " + resp.status().message());
                        return SessionEnd::Rejected;
                    }
                    log.info("registered as " + who.idx + "-" + who.name);
                }
                continue;
            }
            if (f.conn != kPluginConn) continue;  // unknown ids are dropped, as upstream
            for (auto& m : from_runtime.feed(f.payload)) {
                if (m.type != MsgType::Request) continue;
                ttrpc::Response resp;
                ttrpc::Request req;
                if (m.stream % 2 == 0 || m.stream <= last_stream) {
                    resp.mutable_status()->set_code(static_cast<int>(Code::InvalidArgument));
                    resp.mutable_status()->set_message("stream ids must be odd and increasing");
                } else if (!req.ParseFromString(m.payload)) {
                    resp.mutable_status()->set_code(static_cast<int>(Code::InvalidArgument));
                    resp.mutable_status()->set_message("undecodable ttrpc request");
                } else {
                    last_stream = m.stream;
                    Reply rep = plugin.handle(req.service(), req.method(), req.payload());
                    if (rep.code != Code::Ok) {
                        resp.mutable_status()->set_code(static_cast<int>(rep.code));
                        resp.mutable_status()->set_message(rep.message);
                    } else {
                        resp.mutable_status();  // OK is an empty status
                        resp.set_payload(std::move(rep.payload));
                    }
                }
                send(fd, kPluginConn, m.stream, MsgType::Response, resp);
                if (plugin.shutdown_requested()) return SessionEnd::Shutdown;
            }
        }
    }
    return SessionEnd::Stopped;
}

}  // namespace tsp::nri
