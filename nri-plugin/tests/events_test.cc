#include "events.h"

#include <gtest/gtest.h>

namespace tsp::nri {
namespace {

TEST(Events, BitIsOneShiftedByEventMinusOne) {
    EXPECT_EQ(event_bit(Event::RunPodSandbox), 0x1u);
    EXPECT_EQ(event_bit(Event::CreateContainer), 0x8u);
    EXPECT_EQ(event_bit(Event::RemoveContainer), 0x400u);
}

TEST(Events, MaskIsWhatWeHandle) {
    EXPECT_EQ(kEventMask, 0x2u | 0x4u | 0x8u | 0x20u | 0x200u | 0x400u);
}

TEST(Events, MaskIsValidForOldRuntimes) {
    // containerd 1.7 .. 2.1 drop a plugin whose mask has bits beyond 0x7FF.
    EXPECT_EQ(kValidOldMask, 0x7FFu);
    EXPECT_EQ(kEventMask & ~kValidOldMask, 0u);
    EXPECT_NE(kEventMask, 0u);  // 0 would mean "every event"
}

}  // namespace
}  // namespace tsp::nri
