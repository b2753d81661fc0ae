#include "pod_annotations.h"

#include <gtest/gtest.h>

namespace tsp::nri {
namespace {

TEST(PodAnnotations, PodLevelAppliesToEveryContainer) {
    Annotations pod{{"io.tcp-splice/ports", "6379"}, {"other", "x"}};
    auto a = effective_annotations(pod, {}, "app");
    EXPECT_EQ(a, (Annotations{{"io.tcp-splice/ports", "6379"}}));
}

TEST(PodAnnotations, ContainerKeyOnThePodWins) {
    Annotations pod{{"io.tcp-splice/ports", "6379"},
                    {"io.tcp-splice/ports.container.app", "8080"},
                    {"io.tcp-splice/ports.container.sidecar", "9090"}};
    EXPECT_EQ(effective_annotations(pod, {}, "app").at("io.tcp-splice/ports"), "8080");
    EXPECT_EQ(effective_annotations(pod, {}, "sidecar").at("io.tcp-splice/ports"), "9090");
    EXPECT_EQ(effective_annotations(pod, {}, "db").at("io.tcp-splice/ports"), "6379");
}

TEST(PodAnnotations, OtherContainersKeysNeverLeak) {
    Annotations pod{{"io.tcp-splice/enabled.container.app", "false"}};
    EXPECT_TRUE(effective_annotations(pod, {}, "db").empty());
    EXPECT_EQ(effective_annotations(pod, {}, "app"),
              (Annotations{{"io.tcp-splice/enabled", "false"}}));
}

TEST(PodAnnotations, ContainerOwnAnnotationsSitBetween) {
    Annotations pod{{"io.tcp-splice/ports", "1"}, {"io.tcp-splice/strict.container.app", "true"}};
    Annotations ctr{{"io.tcp-splice/ports", "2"}, {"io.tcp-splice/strict", "false"}};
    auto a = effective_annotations(pod, ctr, "app");
    EXPECT_EQ(a.at("io.tcp-splice/ports"), "2");
    EXPECT_EQ(a.at("io.tcp-splice/strict"), "true");
}

TEST(PodAnnotations, NameThatIsASuffixOfAnotherDoesNotMatch) {
    Annotations pod{{"io.tcp-splice/ports.container.myapp", "1"}};
    EXPECT_TRUE(effective_annotations(pod, {}, "app").empty());
}

}  // namespace
}  // namespace tsp::nri
