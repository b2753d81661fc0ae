#include "core/lock.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace tsp {
namespace {

bool exists(const std::string& p) {
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0;
}

// Whether another open file description could take `path`'s lock now.
bool lockable(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd) return false;
    return ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0;
}

struct LockTest : ::testing::Test {
    void SetUp() override {
        top = tmp_.path();
        paths.state_dir = top + "/state";
        paths.legacy_lock_file = top + "/legacy.lock";
    }

    test::TempDir tmp_{"lock"};

    std::string top;
    Paths paths;
};

TEST(LockPath, LivesInTheStateDir) {
    Paths p;
    EXPECT_EQ(p.lock_path(), "/run/tcp-splice/tcp-splice.lock");
    EXPECT_EQ(p.legacy_lock_file, "/run/tcp-splice.lock");
    p.state_dir = "/x";
    EXPECT_EQ(p.lock_path(), "/x/tcp-splice.lock");
    p.lock_file = "/y.lock";
    EXPECT_EQ(p.lock_path(), "/y.lock");
}

TEST_F(LockTest, CreatesTheStateDirAndNeverTheLegacyLock) {
    {
        FileLock lock(paths);
        EXPECT_FALSE(lock.holds_legacy());
        struct stat st;
        ASSERT_EQ(::stat(paths.state_dir.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0755u);
        EXPECT_FALSE(lockable(paths.lock_path()));
    }
    EXPECT_FALSE(exists(paths.legacy_lock_file));
    EXPECT_TRUE(lockable(paths.lock_path()));
}

TEST_F(LockTest, TakesTheLegacyLockWhenItExists) {
    std::ofstream(paths.legacy_lock_file) << "";
    {
        FileLock lock(paths);
        EXPECT_TRUE(lock.holds_legacy());
        EXPECT_FALSE(lockable(paths.legacy_lock_file));
    }
    EXPECT_TRUE(lockable(paths.legacy_lock_file));
}

TEST_F(LockTest, NestedInOneThreadTakesNothingMore) {
    FileLock outer(paths);
    {
        FileLock inner(paths);  // would block forever if it flocked again
    }
    EXPECT_FALSE(lockable(paths.lock_path())) << "the inner lock released the outer's";
}

}  // namespace
}  // namespace tsp
