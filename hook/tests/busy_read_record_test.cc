#include "core/busy_read_record.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/params.h"
#include "temp_dir.h"

namespace tsp {
namespace {

TEST(BusyReadRecord, RoundTrips) {
    const BusyReadRecord r{0, 50};
    const auto back = parse_busy_read_record(format_busy_read_record(r), "f");
    EXPECT_EQ(back.original, 0u);
    EXPECT_EQ(back.set, 50u);
}

TEST(BusyReadRecord, MalformedNamesTheFileAndTheFix) {
    for (const char* bad : {"", "[]", R"({"original":1})", R"({"original":-1,"set":2})",
                            R"({"original":"1","set":2})", R"({"original":1,"set":1e20})"}) {
        try {
            parse_busy_read_record(bad, "/x/busy_read.json");
            ADD_FAILURE() << bad;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("/x/busy_read.json"), std::string::npos);
            EXPECT_NE(std::string(e.what()).find("remove the file"), std::string::npos);
        }
    }
}

TEST(BusyReadRecord, RestoresOnlyOurValue) {
    EXPECT_EQ(decide_busy_read_restore({0, 50}, 50), BusyReadOutcome::kRestored);
    EXPECT_EQ(decide_busy_read_restore({0, 50}, 70), BusyReadOutcome::kChangedSince);
    EXPECT_EQ(decide_busy_read_restore({0, 50}, 0), BusyReadOutcome::kRestored);  // already back
}

// The sysctl is a private file here.
struct BusyReadFiles : ::testing::Test {
    void SetUp() override {
        top = tmp_.path();
        paths.state_dir = top + "/state";
        paths.busy_read = top + "/busy_read";
        paths.legacy_lock_file.clear();
        std::ofstream(paths.busy_read) << "7\n";
    }

    test::TempDir tmp_{"busy"};

    std::string top;
    Paths paths;
};

TEST_F(BusyReadFiles, TheFirstOriginalIsKeptAndRestored) {
    EXPECT_EQ(restore_busy_read(paths).outcome, BusyReadOutcome::kNoRecord);
    auto first = set_busy_read(paths, 50);
    EXPECT_TRUE(first.recorded_now);
    EXPECT_EQ(first.previous, 7u);
    EXPECT_EQ(read_busy_read(paths), 50u);
    auto second = set_busy_read(paths, 60);  // a second enable: the original stays 7
    EXPECT_FALSE(second.recorded_now);
    auto rec = load_busy_read_record(paths);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->original, 7u);
    EXPECT_EQ(rec->set, 60u);

    auto dry = restore_busy_read(paths, true);
    EXPECT_EQ(dry.outcome, BusyReadOutcome::kRestored);
    EXPECT_EQ(read_busy_read(paths), 60u);

    auto r = restore_busy_read(paths);
    EXPECT_EQ(r.outcome, BusyReadOutcome::kRestored);
    EXPECT_EQ(read_busy_read(paths), 7u);
    EXPECT_FALSE(load_busy_read_record(paths));
    EXPECT_NE(describe(r).find("restored to 7"), std::string::npos);
    EXPECT_EQ(restore_busy_read(paths).outcome, BusyReadOutcome::kNoRecord);  // idempotent
}

TEST_F(BusyReadFiles, AValueChangedSinceIsLeftAndSaidSo) {
    set_busy_read(paths, 50);
    std::ofstream(paths.busy_read) << "30\n";  // an operator's sysctl -w
    auto r = restore_busy_read(paths);
    EXPECT_EQ(r.outcome, BusyReadOutcome::kChangedSince);
    EXPECT_EQ(read_busy_read(paths), 30u);
    EXPECT_FALSE(load_busy_read_record(paths));
    EXPECT_NE(describe(r).find("left at 30"), std::string::npos);
}

TEST_F(BusyReadFiles, UndoingAFailedEnableLeavesNoRecord) {
    auto change = set_busy_read(paths, 50);
    undo_set_busy_read(paths, change);
    EXPECT_EQ(read_busy_read(paths), 7u);
    EXPECT_FALSE(load_busy_read_record(paths));
}

TEST_F(BusyReadFiles, AnUnreadableSysctlChangesNothing) {
    paths.busy_read = top + "/missing-dir/busy_read";
    EXPECT_THROW(set_busy_read(paths, 50), Error);
    EXPECT_FALSE(load_busy_read_record(paths));
}

}  // namespace
}  // namespace tsp
