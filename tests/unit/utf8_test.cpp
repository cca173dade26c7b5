// core::valid_utf8: valid text passes unchanged; every byte that does not
// start a valid sequence becomes U+FFFD; NUL too when asked (PostgreSQL).
#include <gtest/gtest.h>

#include "core/utf8.hpp"

namespace {

using torii::core::valid_utf8;
const std::string kReplacement = "\xEF\xBF\xBD";

TEST(ValidUtf8, KeepsValidTextAndReplacesEachBadByte) {
  const std::string good = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
  EXPECT_EQ(valid_utf8(good), good);
  EXPECT_EQ(valid_utf8("a\xFF" "b"), "a" + kReplacement + "b");
  EXPECT_EQ(valid_utf8("\xC3"), kReplacement) << "a cut sequence";
  EXPECT_EQ(valid_utf8("\xC0\xAF"), kReplacement + kReplacement) << "an overlong form";
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement) << "a surrogate";
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"), kReplacement + kReplacement + kReplacement + kReplacement)
      << "past U+10FFFF";
}

TEST(ValidUtf8, ReplacesNulOnlyWhenAsked) {
  const std::string with_nul("a\0b", 3);
  EXPECT_EQ(valid_utf8(with_nul), with_nul);
  EXPECT_EQ(valid_utf8(with_nul, true), "a" + kReplacement + "b");
}

}  // namespace
