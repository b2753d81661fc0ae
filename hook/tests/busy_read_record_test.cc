#include "core/busy_read_record.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "core/params.h"
#include "temp_dir.h"

namespace tsp {
namespace {

TEST(BusyReadRecord, RoundTrips) {
    const BusyReadRecord r{{0, 50}, SysctlRecord{3, 60}};
    const auto back = parse_busy_read_record(format_busy_read_record(r), "f");
    EXPECT_EQ(back.busy_read.original, 0u);
    EXPECT_EQ(back.busy_read.set, 50u);
    ASSERT_TRUE(back.busy_poll);
    EXPECT_EQ(back.busy_poll->original, 3u);
    EXPECT_EQ(back.busy_poll->set, 60u);
}

// busy_read stays where older releases read it, so they still find it.
TEST(BusyReadRecord, BusyReadStaysAtTheTopLevel) {
    const auto j = nlohmann::json::parse(format_busy_read_record({{7, 50}, SysctlRecord{0, 50}}));
    EXPECT_EQ(j["original"], 7);
    EXPECT_EQ(j["set"], 50);
    EXPECT_EQ(j["busy_poll"], (nlohmann::json{{"original", 0}, {"set", 50}}));
}

TEST(BusyReadRecord, AnOlderRecordHasNoBusyPoll) {
    const auto r = parse_busy_read_record(R"({"original":7,"set":50})", "f");
    EXPECT_EQ(r.busy_read.original, 7u);
    EXPECT_EQ(r.busy_read.set, 50u);
    EXPECT_FALSE(r.busy_poll);
    EXPECT_EQ(format_busy_read_record(r), "{\"original\":7,\"set\":50}\n");
}

TEST(BusyReadRecord, MalformedNamesTheFileAndTheFix) {
    for (const char* bad :
         {"", "[]", "{", R"({"original":1})", R"({"original":-1,"set":2})",
          R"({"original":"1","set":2})", R"({"original":1,"set":1e20})",
          R"({"original":1,"set":2,"busy_poll":null})", R"({"original":1,"set":2,"busy_poll":[]})",
          R"({"original":1,"set":2,"busy_poll":{"original":1}})",
          R"({"original":1,"set":2,"busy_poll":{"original":1,"set":-2}})",
          R"({"original":1,"set":2,"busy_poll":{"original":1,"set":4294967296}})"}) {
        try {
            parse_busy_read_record(bad, "/x/busy_read.json");
            ADD_FAILURE() << bad;
        } catch (const Error& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("/x/busy_read.json"), std::string::npos) << what;
            EXPECT_NE(what.find("net.core.busy_read and net.core.busy_poll yourself"),
                      std::string::npos)
                << what;
            EXPECT_NE(what.find("remove the file"), std::string::npos) << what;
        }
    }
    try {
        parse_busy_read_record(R"({"original":1,"set":2,"busy_poll":{"original":1}})", "f");
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("busy_poll.set missing"), std::string::npos)
            << e.what();
    }
}

TEST(BusyReadRecord, RestoresOnlyOurValue) {
    EXPECT_EQ(decide_sysctl_restore({0, 50}, 50), SysctlOutcome::kRestored);
    EXPECT_EQ(decide_sysctl_restore({0, 50}, 70), SysctlOutcome::kChangedSince);
    EXPECT_EQ(decide_sysctl_restore({0, 50}, 0), SysctlOutcome::kRestored);  // already back
}

TEST(BusyReadRecord, DescribesEachSysctlByName) {
    BusySysctlsRestore r;
    EXPECT_TRUE(describe(r).empty());
    EXPECT_FALSE(r.recorded());
    r.busy_read = {kBusyReadSysctl, SysctlOutcome::kRestored, 7, 50, 50};
    r.busy_poll = {kBusyPollSysctl, SysctlOutcome::kChangedSince, 0, 50, 30};
    EXPECT_TRUE(r.recorded());
    EXPECT_EQ(describe(r), (std::vector<std::string>{
                               "net.core.busy_read restored to 7 (was 50, set by tcp-splice)",
                               "net.core.busy_poll left at 30: changed since tcp-splice set it "
                               "to 50 (it was 0 before)"}));
    r.busy_poll.outcome = SysctlOutcome::kNoRecord;
    EXPECT_EQ(describe(r).size(), 1u);
    r.busy_read.current = 7;
    EXPECT_EQ(describe(r.busy_read), "net.core.busy_read already back at 7");
}

// The sysctls are private files here.
struct BusyReadFiles : ::testing::Test {
    void SetUp() override {
        top = tmp_.path();
        paths.state_dir = top + "/state";
        paths.busy_read = top + "/busy_read";
        paths.busy_poll = top + "/busy_poll";
        paths.legacy_lock_file.clear();
        std::ofstream(paths.busy_read) << "7\n";
        std::ofstream(paths.busy_poll) << "3\n";
    }

    void write_record(const std::string& text) {
        std::filesystem::create_directories(paths.state_dir);
        std::ofstream(busy_read_record_path(paths)) << text;
    }

    test::TempDir tmp_{"busy"};

    std::string top;
    Paths paths;
};

TEST_F(BusyReadFiles, SetsBothAndRestoresBoth) {
    EXPECT_FALSE(restore_busy_sysctls(paths).recorded());
    auto first = set_busy_sysctls(paths, 50);
    EXPECT_TRUE(first.recorded_now());
    EXPECT_EQ(first.previous_busy_read, 7u);
    EXPECT_EQ(first.previous_busy_poll, 3u);
    EXPECT_EQ(read_busy_read(paths), 50u);
    EXPECT_EQ(read_busy_poll(paths), 50u);
    auto rec = load_busy_read_record(paths);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->busy_read.original, 7u);
    ASSERT_TRUE(rec->busy_poll);
    EXPECT_EQ(rec->busy_poll->original, 3u);
    EXPECT_EQ(rec->busy_poll->set, 50u);

    auto r = restore_busy_sysctls(paths);
    EXPECT_EQ(r.busy_read.outcome, SysctlOutcome::kRestored);
    EXPECT_EQ(r.busy_poll.outcome, SysctlOutcome::kRestored);
    EXPECT_EQ(read_busy_read(paths), 7u);
    EXPECT_EQ(read_busy_poll(paths), 3u);
    EXPECT_FALSE(load_busy_read_record(paths));
    const auto lines = describe(r);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "net.core.busy_read restored to 7 (was 50, set by tcp-splice)");
    EXPECT_EQ(lines[1], "net.core.busy_poll restored to 3 (was 50, set by tcp-splice)");
    EXPECT_FALSE(restore_busy_sysctls(paths).recorded());  // idempotent
}

TEST_F(BusyReadFiles, ASecondEnableKeepsTheFirstOriginals) {
    set_busy_sysctls(paths, 50);
    auto second = set_busy_sysctls(paths, 60);
    EXPECT_FALSE(second.recorded_now());
    EXPECT_EQ(second.previous_busy_read, 50u);
    EXPECT_EQ(second.previous_busy_poll, 50u);
    auto rec = load_busy_read_record(paths);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->busy_read.original, 7u);
    EXPECT_EQ(rec->busy_read.set, 60u);
    ASSERT_TRUE(rec->busy_poll);
    EXPECT_EQ(rec->busy_poll->original, 3u);
    EXPECT_EQ(rec->busy_poll->set, 60u);
    // The same value again (an idempotent re-enable) changes nothing.
    const std::string text = read_file(busy_read_record_path(paths), 4096);
    set_busy_sysctls(paths, 60);
    EXPECT_EQ(read_file(busy_read_record_path(paths), 4096), text);
    EXPECT_EQ(read_busy_read(paths), 60u);
    EXPECT_EQ(read_busy_poll(paths), 60u);

    auto dry = restore_busy_sysctls(paths, true);
    EXPECT_EQ(dry.busy_read.outcome, SysctlOutcome::kRestored);
    EXPECT_EQ(dry.busy_poll.outcome, SysctlOutcome::kRestored);
    EXPECT_EQ(read_busy_read(paths), 60u);  // a dry run writes nothing
    EXPECT_EQ(read_busy_poll(paths), 60u);
    EXPECT_TRUE(load_busy_read_record(paths));

    restore_busy_sysctls(paths);
    EXPECT_EQ(read_busy_read(paths), 7u);
    EXPECT_EQ(read_busy_poll(paths), 3u);
}

TEST_F(BusyReadFiles, AValueChangedSinceIsLeftAndSaidSo) {
    set_busy_sysctls(paths, 50);
    std::ofstream(paths.busy_read) << "30\n";  // an operator's sysctl -w
    auto r = restore_busy_sysctls(paths);
    EXPECT_EQ(r.busy_read.outcome, SysctlOutcome::kChangedSince);
    EXPECT_EQ(r.busy_poll.outcome, SysctlOutcome::kRestored);
    EXPECT_EQ(read_busy_read(paths), 30u);
    EXPECT_EQ(read_busy_poll(paths), 3u);
    EXPECT_FALSE(load_busy_read_record(paths));
    const auto lines = describe(r);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_NE(lines[0].find("net.core.busy_read left at 30"), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find("net.core.busy_poll restored to 3"), std::string::npos) << lines[1];
}

TEST_F(BusyReadFiles, BusyPollChangedSinceIsLeftAndSaidSo) {
    set_busy_sysctls(paths, 50);
    std::ofstream(paths.busy_poll) << "100\n";
    auto r = restore_busy_sysctls(paths);
    EXPECT_EQ(r.busy_read.outcome, SysctlOutcome::kRestored);
    EXPECT_EQ(r.busy_poll.outcome, SysctlOutcome::kChangedSince);
    EXPECT_EQ(read_busy_read(paths), 7u);
    EXPECT_EQ(read_busy_poll(paths), 100u);
    EXPECT_FALSE(load_busy_read_record(paths));
    const auto lines = describe(r);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[1],
              "net.core.busy_poll left at 100: changed since tcp-splice set it to 50 (it was 3 "
              "before)");
}

// A record an older release wrote (busy_read only) still restores busy_read;
// busy_poll has no record and is left alone.
TEST_F(BusyReadFiles, AnOlderRecordRestoresBusyRead) {
    write_record(R"({"original":7,"set":50})");
    std::ofstream(paths.busy_read) << "50\n";
    std::ofstream(paths.busy_poll) << "20\n";
    auto r = restore_busy_sysctls(paths);
    EXPECT_EQ(r.busy_read.outcome, SysctlOutcome::kRestored);
    EXPECT_EQ(r.busy_poll.outcome, SysctlOutcome::kNoRecord);
    EXPECT_TRUE(r.recorded());
    EXPECT_EQ(read_busy_read(paths), 7u);
    EXPECT_EQ(read_busy_poll(paths), 20u);
    EXPECT_FALSE(load_busy_read_record(paths));
    EXPECT_EQ(describe(r).size(), 1u);
}

// An enable over an older record keeps busy_read's original and records
// busy_poll's as it is now.
TEST_F(BusyReadFiles, AnEnableOverAnOlderRecordRecordsBusyPollFresh) {
    write_record(R"({"original":7,"set":50})");
    std::ofstream(paths.busy_read) << "50\n";
    auto change = set_busy_sysctls(paths, 60);
    EXPECT_FALSE(change.recorded_now());
    auto rec = load_busy_read_record(paths);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->busy_read.original, 7u);
    EXPECT_EQ(rec->busy_read.set, 60u);
    ASSERT_TRUE(rec->busy_poll);
    EXPECT_EQ(rec->busy_poll->original, 3u);
    EXPECT_EQ(rec->busy_poll->set, 60u);

    restore_busy_sysctls(paths);
    EXPECT_EQ(read_busy_read(paths), 7u);
    EXPECT_EQ(read_busy_poll(paths), 3u);
}

TEST_F(BusyReadFiles, AMalformedRecordChangesNothing) {
    write_record(R"({"original":7,"set":50,"busy_poll":"x"})");
    std::ofstream(paths.busy_read) << "50\n";
    EXPECT_THROW(set_busy_sysctls(paths, 60), Error);
    EXPECT_THROW(restore_busy_sysctls(paths), Error);
    EXPECT_EQ(read_busy_read(paths), 50u);
    EXPECT_EQ(read_busy_poll(paths), 3u);
    EXPECT_EQ(read_file(busy_read_record_path(paths), 4096),
              R"({"original":7,"set":50,"busy_poll":"x"})");
}

TEST_F(BusyReadFiles, UndoingAFailedEnableLeavesNoRecord) {
    auto change = set_busy_sysctls(paths, 50);
    undo_set_busy_sysctls(paths, change);
    EXPECT_EQ(read_busy_read(paths), 7u);
    EXPECT_EQ(read_busy_poll(paths), 3u);
    EXPECT_FALSE(load_busy_read_record(paths));
}

TEST_F(BusyReadFiles, UndoingASecondEnablePutsTheRecordBack) {
    write_record(R"({"original":7,"set":50})");
    std::ofstream(paths.busy_read) << "50\n";
    auto change = set_busy_sysctls(paths, 60);
    undo_set_busy_sysctls(paths, change);
    EXPECT_EQ(read_busy_read(paths), 50u);
    EXPECT_EQ(read_busy_poll(paths), 3u);
    EXPECT_EQ(read_file(busy_read_record_path(paths), 4096), "{\"original\":7,\"set\":50}\n");
}

TEST_F(BusyReadFiles, AnUnreadableSysctlChangesNothing) {
    paths.busy_read = top + "/missing-dir/busy_read";
    EXPECT_THROW(set_busy_sysctls(paths, 50), Error);
    EXPECT_FALSE(load_busy_read_record(paths));
    EXPECT_EQ(read_busy_poll(paths), 3u);
}

TEST_F(BusyReadFiles, AnUnreadableBusyPollChangesNothing) {
    paths.busy_poll = top + "/missing-dir/busy_poll";
    EXPECT_THROW(set_busy_sysctls(paths, 50), Error);
    EXPECT_FALSE(load_busy_read_record(paths));
    EXPECT_EQ(read_busy_read(paths), 7u);
}

// busy_poll is readable but its write fails (a read-only sysctl, which not
// even root may write): busy_read goes back too, and no record is left.
TEST_F(BusyReadFiles, AFailedBusyPollWriteUndoesBusyRead) {
    paths.busy_poll = "/proc/sys/fs/file-nr";  // mode 0444, a number first
    if (!std::filesystem::exists(paths.busy_poll)) GTEST_SKIP() << "no " << paths.busy_poll;
    EXPECT_THROW(set_busy_sysctls(paths, 50), Error);
    EXPECT_EQ(read_busy_read(paths), 7u);
    EXPECT_FALSE(load_busy_read_record(paths));
}

}  // namespace
}  // namespace tsp
