#include "wire.h"

#include "core/error.h"

namespace tsp::nri {
namespace {

std::uint32_t get_be32(std::string_view b, std::size_t at) {
    auto u = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i]));
    };
    return u(0) << 24 | u(1) << 16 | u(2) << 8 | u(3);
}

// Takes every whole record off the front of `buf`: `header` bytes holding
// the payload length as BE32 at `len_at`, then the payload. `check` sees
// each header first and throws on a bad one; `emit` gets header and payload.
template <typename Check, typename Emit>
void split_records(std::string& buf, std::size_t header, std::size_t len_at, Check check,
                   Emit emit) {
    std::size_t at = 0;
    while (buf.size() - at >= header) {
        std::string_view h(buf.data() + at, header);
        std::uint32_t len = get_be32(h, len_at);
        check(h, len);
        if (buf.size() - at - header < len) break;
        emit(h, buf.substr(at + header, len));
        at += header + len;
    }
    buf.erase(0, at);
}

void put_be32(std::string& out, std::uint32_t v) {
    out.push_back(static_cast<char>(v >> 24));
    out.push_back(static_cast<char>(v >> 16));
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v));
}

}  // namespace

std::vector<Frame> MuxDecoder::feed(std::string_view bytes) {
    buf_.append(bytes);
    std::vector<Frame> out;
    split_records(
        buf_, kMuxHeader, 4,
        [](std::string_view h, std::uint32_t len) {
            if (get_be32(h, 0) == 0)
                throw Error(
                    "NRI connection sent a frame for reserved connection id 0: not an NRI "
                    "runtime?");
            if (len > kMaxFramePayload)
                throw Error("NRI connection sent a " + std::to_string(len) +
                            "-byte frame, over the 16 MiB limit: not an NRI runtime?");
        },
        [&](std::string_view h, std::string payload) {
            out.push_back({get_be32(h, 0), std::move(payload)});
        });
    return out;
}

std::string mux_encode(std::uint32_t conn, std::string_view data) {
    constexpr std::size_t chunk = kMaxFrameOut - kMuxHeader;
    std::string out;
    out.reserve(data.size() + (data.size() / chunk + 1) * kMuxHeader);
    do {
        std::size_t n = std::min(chunk, data.size());
        put_be32(out, conn);
        put_be32(out, static_cast<std::uint32_t>(n));
        out.append(data.substr(0, n));
        data.remove_prefix(n);
    } while (!data.empty());
    return out;
}

std::vector<Message> TtrpcDecoder::feed(std::string_view bytes) {
    buf_.append(bytes);
    std::vector<Message> out;
    split_records(
        buf_, kTtrpcHeader, 0,
        [](std::string_view h, std::uint32_t len) {
            if (len > kMaxMessage)
                throw Error("ttrpc message of " + std::to_string(len) +
                            " bytes is over the 4 MiB limit: stream out of sync");
            auto type = static_cast<unsigned char>(h[8]);
            if (type < 1 || type > 3)
                throw Error("ttrpc message of unknown type " + std::to_string(type) +
                            ": stream out of sync");
        },
        [&](std::string_view h, std::string payload) {
            out.push_back({get_be32(h, 4), static_cast<MsgType>(h[8]),
                           static_cast<std::uint8_t>(h[9]), std::move(payload)});
        });
    return out;
}

std::string ttrpc_encode(std::uint32_t stream, MsgType type, std::string_view payload) {
    if (payload.size() > kMaxMessage)
        throw Error("ttrpc message of " + std::to_string(payload.size()) +
                    " bytes is over the 4 MiB limit");
    std::string out;
    out.reserve(kTtrpcHeader + payload.size());
    put_be32(out, static_cast<std::uint32_t>(payload.size()));
    put_be32(out, stream);
    out.push_back(static_cast<char>(type));
    out.push_back(0);
    out.append(payload);
    return out;
}

}  // namespace tsp::nri
