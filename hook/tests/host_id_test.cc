// The host id both ends of a spliced connection compare: one per boot id.
#include "core/host_id.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "core/error.h"

namespace tsp {
namespace {

TEST(HostId, SameBootIdSameIdWhateverTheWhitespace) {
    const std::string id = "8c6d1f5e-2a41-4b7e-9d7a-0c3b2f1e4d5a";
    EXPECT_EQ(host_id_of(id), host_id_of(id + "\n"));
    EXPECT_EQ(host_id_of(id), host_id_of("  " + id + " \n"));
}

TEST(HostId, DifferentBootsDiffer) {
    EXPECT_NE(host_id_of("8c6d1f5e-2a41-4b7e-9d7a-0c3b2f1e4d5a"),
              host_id_of("8c6d1f5e-2a41-4b7e-9d7a-0c3b2f1e4d5b"));
}

TEST(HostId, NeverZero) {
    for (int i = 0; i < 10000; i++) EXPECT_NE(host_id_of(std::to_string(i)), 0u);
}

TEST(HostId, ReadsTheBootIdFileAndRefusesAnEmptyOne) {
    char path[] = "/tmp/tsp-boot-id-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    std::ofstream(path) << "abc-123\n";
    EXPECT_EQ(host_id(path), host_id_of("abc-123"));
    std::ofstream(path, std::ios::trunc) << "\n";
    EXPECT_THROW(host_id(path), Error);
    std::remove(path);
    EXPECT_THROW(host_id("/nonexistent/boot_id"), Error);
}

}  // namespace
}  // namespace tsp
