#include "core/log.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace tsp {
namespace {

TEST(JournalDatagram, KeyValueLines) {
    EXPECT_EQ(journal_datagram({{"MESSAGE", "attached"}, {"PRIORITY", "6"}}),
              "MESSAGE=attached\nPRIORITY=6\n");
}

TEST(JournalDatagram, MultiLineValuesAreLengthPrefixed) {
    const std::string d = journal_datagram({{"MESSAGE", "a\nb"}});
    EXPECT_EQ(d, std::string("MESSAGE\n") + std::string("\x03\0\0\0\0\0\0\0", 8) + "a\nb\n");
}

TEST(JournalDatagram, BadNamesDroppedLaterValuesWin) {
    EXPECT_EQ(journal_datagram({{"MESSAGE", "x"},
                                {"_PID", "1"},
                                {"lower", "y"},
                                {"", "z"},
                                {"1ST", "n"},
                                {"POD_NAME", "a"},
                                {"POD_NAME", "b"}}),
              "MESSAGE=x\nPOD_NAME=b\n");
}

// A fake journal: a datagram socket in a temporary directory.
struct FakeJournal : ::testing::Test {
    void SetUp() override {
        char tmpl[] = "/tmp/tsp-journal-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir = tmpl;
        path = dir + "/socket";
        fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(fd, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strcpy(a.sun_path, path.c_str());
        ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
        timeval tv{2, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    void TearDown() override {
        if (fd >= 0) ::close(fd);
        std::filesystem::remove_all(dir);
    }
    std::string next() {
        char buf[4096];
        const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
    }
    std::string dir, path;
    int fd = -1;
};

TEST_F(FakeJournal, LinesCarryIdentityPriorityAndScopeFields) {
    Log log("tsp-log-test", false, path);
    {
        LogScope scope({{"CONTAINER_ID", "abc"}});
        log.warn("container abc: slow", {{"POD_NAME", "web-0"}});
    }
    const std::string d = next();
    EXPECT_NE(d.find("MESSAGE=container abc: slow\n"), std::string::npos) << d;
    EXPECT_NE(d.find("PRIORITY=4\n"), std::string::npos) << d;
    EXPECT_NE(d.find("SYSLOG_IDENTIFIER=tsp-log-test\n"), std::string::npos) << d;
    EXPECT_NE(d.find("CONTAINER_ID=abc\n"), std::string::npos) << d;
    EXPECT_NE(d.find("POD_NAME=web-0\n"), std::string::npos) << d;
    log.info("after the scope");
    const std::string d2 = next();
    EXPECT_NE(d2.find("PRIORITY=6\n"), std::string::npos) << d2;
    EXPECT_EQ(d2.find("CONTAINER_ID"), std::string::npos) << "the scope ended";
}

TEST_F(FakeJournal, GoneJournalFallsBackWithoutThrowing) {
    Log log("tsp-log-test", false, path);
    ::close(fd);
    fd = -1;
    std::filesystem::remove(path);
    EXPECT_NO_THROW(log.error("to syslog instead"));
}

TEST(Log, NoJournalSocketUsesSyslog) {
    Log log("tsp-log-test", false, "/nonexistent/journal/socket");
    EXPECT_NO_THROW(log.info("hello"));
}

}  // namespace
}  // namespace tsp
