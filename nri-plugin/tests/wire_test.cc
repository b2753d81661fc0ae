#include "wire.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace tsp::nri {
namespace {

std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
            static_cast<char>(v)};
}

TEST(Mux, EncodesHeaderThenPayload) { EXPECT_EQ(mux_encode(2, "abc"), be32(2) + be32(3) + "abc"); }

TEST(Mux, SplitsIntoFramesOf4096BytesAtMost) {
    std::string data(10000, 'x');
    std::string wire = mux_encode(1, data);
    MuxDecoder d;
    auto frames = d.feed(wire);
    ASSERT_EQ(frames.size(), 3u);
    std::string joined;
    for (const auto& f : frames) {
        EXPECT_EQ(f.conn, 1u);
        EXPECT_LE(f.payload.size() + kMuxHeader, kMaxFrameOut);
        joined += f.payload;
    }
    EXPECT_EQ(joined, data);
}

TEST(Mux, ReassemblesFramesSplitAtEveryByte) {
    std::string wire = mux_encode(1, "hello") + mux_encode(2, "world!");
    MuxDecoder d;
    std::vector<Frame> got;
    for (char c : wire)
        for (auto& f : d.feed(std::string(1, c))) got.push_back(std::move(f));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].conn, 1u);
    EXPECT_EQ(got[0].payload, "hello");
    EXPECT_EQ(got[1].conn, 2u);
    EXPECT_EQ(got[1].payload, "world!");
    EXPECT_EQ(d.pending(), 0u);
}

TEST(Mux, CoalescedFramesComeOutInOrder) {
    std::string wire;
    for (int i = 0; i < 50; ++i) wire += mux_encode(1 + i % 2, std::to_string(i));
    MuxDecoder d;
    auto frames = d.feed(wire);
    ASSERT_EQ(frames.size(), 50u);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(frames[i].payload, std::to_string(i));
}

TEST(Mux, TruncatedFrameWaitsForTheRest) {
    std::string wire = mux_encode(1, "abcdef");
    MuxDecoder d;
    EXPECT_TRUE(d.feed(wire.substr(0, 10)).empty());
    EXPECT_EQ(d.pending(), 10u);
    auto frames = d.feed(wire.substr(10));
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].payload, "abcdef");
}

TEST(Mux, UnknownConnectionIdsAreDeliveredForTheCallerToDrop) {
    MuxDecoder d;
    auto frames = d.feed(be32(7) + be32(1) + "z");
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].conn, 7u);
}

TEST(Mux, OversizeFrameIsAClearError) {
    MuxDecoder d;
    try {
        d.feed(be32(1) + be32(kMaxFramePayload + 1));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("over the 16 MiB limit"), std::string::npos);
    }
}

TEST(Mux, ReservedConnectionIdIsAnError) {
    MuxDecoder d;
    EXPECT_THROW(d.feed(be32(0) + be32(0)), Error);
}

TEST(Mux, EmptyPayloadStillMakesAFrame) { EXPECT_EQ(mux_encode(1, ""), be32(1) + be32(0)); }

TEST(Ttrpc, HeaderLayout) {
    std::string m = ttrpc_encode(5, MsgType::Response, "xy");
    EXPECT_EQ(m, be32(2) + be32(5) + std::string("\x02\x00", 2) + "xy");
}

TEST(Ttrpc, DecodesMessagesSpanningFrames) {
    std::string big(9000, 'q');
    std::string wire =
        ttrpc_encode(3, MsgType::Request, big) + ttrpc_encode(5, MsgType::Request, "b");
    TtrpcDecoder d;
    std::vector<Message> got;
    for (std::size_t at = 0; at < wire.size(); at += 4000)
        for (auto& m : d.feed(wire.substr(at, 4000))) got.push_back(std::move(m));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].stream, 3u);
    EXPECT_EQ(got[0].type, MsgType::Request);
    EXPECT_EQ(got[0].payload, big);
    EXPECT_EQ(got[1].payload, "b");
}

TEST(Ttrpc, OversizeOrUnknownTypeIsAnError) {
    TtrpcDecoder a;
    EXPECT_THROW(a.feed(be32(kMaxMessage + 1) + be32(1) + std::string("\x01\x00", 2)), Error);
    TtrpcDecoder b;
    EXPECT_THROW(b.feed(be32(0) + be32(1) + std::string("\x09\x00", 2)), Error);
}

TEST(Ttrpc, GarbageNeverCrashes) {
    std::string junk;
    for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 131 + 7) & 0xff));
    MuxDecoder m;
    TtrpcDecoder t;
    for (std::size_t at = 0; at < junk.size(); at += 37) {
        try {
            for (auto& f : m.feed(junk.substr(at, 37))) t.feed(f.payload);
        } catch (const Error&) {
            return;  // a clear error is the expected outcome
        }
    }
}

}  // namespace
}  // namespace tsp::nri
