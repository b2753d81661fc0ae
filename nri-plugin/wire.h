// NRI's wire below protobuf: the connection multiplexer (8-byte frames:
// BE32 conn id, BE32 length) carrying two ttrpc byte streams (10-byte
// message headers: BE32 length, BE32 stream id, type, flags).
// Decoders take bytes as they arrive, in any split, and hand back whole
// frames or messages; malformed input is an Error naming what was wrong.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tsp::nri {

// Mux connection ids: the plugin serves conn 1, the runtime serves conn 2.
inline constexpr std::uint32_t kPluginConn = 1;
inline constexpr std::uint32_t kRuntimeConn = 2;

// A frame may carry up to 16 MiB (the runtime's own limit was 1 << 24).
inline constexpr std::uint32_t kMaxFramePayload = 16u << 20;
// We never put more than 4096 bytes in a frame we send: the Go reader takes
// the first frame of a ttrpc message through a 4096-byte buffer.
inline constexpr std::size_t kMaxFrameOut = 4096;
inline constexpr std::size_t kMuxHeader = 8;

struct Frame {
    std::uint32_t conn = 0;
    std::string payload;
};

class MuxDecoder {
public:
    // Appends `bytes`; returns every frame completed by them.
    std::vector<Frame> feed(std::string_view bytes);
    // Bytes held back for an incomplete frame.
    std::size_t pending() const { return buf_.size(); }

private:
    std::string buf_;
};

// `data` as mux frames of at most kMaxFrameOut bytes each (header included).
std::string mux_encode(std::uint32_t conn, std::string_view data);

// ttrpc message types; unary calls use flags 0.
enum class MsgType : std::uint8_t { Request = 1, Response = 2, Data = 3 };
inline constexpr std::size_t kTtrpcHeader = 10;
inline constexpr std::uint32_t kMaxMessage = 4u << 20;

struct Message {
    std::uint32_t stream = 0;
    MsgType type = MsgType::Request;
    std::uint8_t flags = 0;
    std::string payload;
};

class TtrpcDecoder {
public:
    std::vector<Message> feed(std::string_view bytes);
    std::size_t pending() const { return buf_.size(); }

private:
    std::string buf_;
};

std::string ttrpc_encode(std::uint32_t stream, MsgType type, std::string_view payload);

}  // namespace tsp::nri
