// Directory listings (core/files.h): what each listing keeps and leaves out.
#include "core/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace tsp {
namespace {

class DirListing : public ::testing::Test {
protected:
    // dir: a/ .hidden/ 17/ 0/ 42x/ file 99 (a file) link -> a
    void SetUp() override {
        for (const char* d : {"a", ".hidden", "17", "0", "42x"})
            ASSERT_EQ(::mkdir(path(d).c_str(), 0700), 0) << d;
        std::ofstream(path("file")) << "x";
        std::ofstream(path("99")) << "x";
        ASSERT_EQ(::symlink("a", path("link").c_str()), 0);
    }
    std::string path(const std::string& name) const { return dir_.path() + "/" + name; }

    template <class T>
    static std::vector<T> sorted(std::vector<T> v) {
        std::sort(v.begin(), v.end());
        return v;
    }

    test::TempDir dir_{"files"};
};

TEST_F(DirListing, DirEntriesListsEverythingButDotAndDotDot) {
    EXPECT_EQ(sorted(dir_entries(dir_.path())),
              (std::vector<std::string>{".hidden", "0", "17", "42x", "99", "a", "file", "link"}));
}

TEST_F(DirListing, SubdirEntriesListsVisibleDirectoriesOnlyNotLinksToThem) {
    EXPECT_EQ(sorted(subdir_entries(dir_.path())),
              (std::vector<std::string>{"0", "17", "42x", "a"}));
}

TEST_F(DirListing, PidEntriesTakesPositiveWholeNumbersOfAnyType) {
    EXPECT_EQ(sorted(pid_entries(dir_.path())), (std::vector<long>{17, 99}));
}

TEST_F(DirListing, AnUnreadableDirectoryListsNothing) {
    const std::string gone = path("nowhere");
    EXPECT_TRUE(dir_entries(gone).empty());
    EXPECT_TRUE(subdir_entries(gone).empty());
    EXPECT_TRUE(pid_entries(gone).empty());
}

TEST(PidEntries, ProcListsThisProcess) {
    const auto pids = pid_entries("/proc");
    EXPECT_NE(std::find(pids.begin(), pids.end(), static_cast<long>(::getpid())), pids.end());
}

}  // namespace
}  // namespace tsp
