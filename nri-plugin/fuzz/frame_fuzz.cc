// libFuzzer target for the NRI frame decoders: arbitrary bytes, fed in
// pieces whose sizes the input chooses, through the mux decoder and each
// connection's ttrpc decoder. Errors are fine; crashes and hangs are not.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>

#include "core/error.h"
#include "wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    std::size_t step = 1 + data[0] % 64;
    std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    tsp::nri::MuxDecoder mux;
    std::map<std::uint32_t, tsp::nri::TtrpcDecoder> conns;
    try {
        while (!in.empty()) {
            std::size_t n = std::min(step, in.size());
            for (auto& f : mux.feed(in.substr(0, n)))
                for (auto& m : conns[f.conn % 4].feed(f.payload))
                    (void)tsp::nri::ttrpc_encode(m.stream, m.type, m.payload);
            in.remove_prefix(n);
        }
    } catch (const tsp::Error&) {
    }
    return 0;
}
