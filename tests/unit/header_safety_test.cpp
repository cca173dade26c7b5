// The one header writer refuses lines that would end early (response
// splitting, header injection), and model names that would carry them.
#include <gtest/gtest.h>

#include "http/message.hpp"
#include "routing/model_table.hpp"

using namespace torii;

TEST(HeaderLine, WritesOrdinaryLines) {
  std::string out;
  EXPECT_TRUE(http::append_header_line(out, "x-torii-model", "mock-1"));
  EXPECT_TRUE(http::append_header_line(out, "X-Tab", "a\tb"));  // HTAB is allowed in values
  EXPECT_EQ(out, "x-torii-model: mock-1\r\nX-Tab: a\tb\r\n");
}

TEST(HeaderLine, RefusesCrLfAndNulAnywhereInTheValue) {
  for (std::string value : {std::string("mock-1\r\nSet-Cookie: session=attacker"), std::string("a\nb"),
                            std::string("a\rb"), std::string("a\0b", 3), std::string("\n"), std::string("x\r")}) {
    std::string out = "HTTP/1.1 200 OK\r\n";
    EXPECT_FALSE(http::append_header_line(out, "x-torii-model", value));
    EXPECT_EQ(out, "HTTP/1.1 200 OK\r\n") << "nothing appended";
  }
}

TEST(HeaderLine, RefusesNamesThatAreNotTokens) {
  std::string out;
  for (std::string name : {std::string(""), std::string("a b"), std::string("a:b"), std::string("a\r\nb"),
                           std::string("a\0b", 3), std::string("é")})
    EXPECT_FALSE(http::append_header_line(out, name, "v")) << name;
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(http::valid_header_name("x-ratelimit-remaining-requests"));
  EXPECT_TRUE(http::valid_header_name("!#$%&'*+-.^_`|~09azAZ"));
}

TEST(ModelName, ControlCharactersAndOversizedNamesAreRefused) {
  EXPECT_TRUE(routing::acceptable_model_name("demo-mock/mock-1"));
  EXPECT_TRUE(routing::acceptable_model_name("anthropic.claude-3-haiku-20240307-v1:0"));
  EXPECT_FALSE(routing::acceptable_model_name(""));
  EXPECT_FALSE(routing::acceptable_model_name("demo-mock/mock-1\r\nSet-Cookie: x=1"));
  EXPECT_FALSE(routing::acceptable_model_name("a\tb"));
  EXPECT_FALSE(routing::acceptable_model_name(std::string("a\0b", 3)));
  EXPECT_FALSE(routing::acceptable_model_name("a\x7f"));
  EXPECT_FALSE(routing::acceptable_model_name(std::string(257, 'a')));
  EXPECT_TRUE(routing::acceptable_model_name(std::string(256, 'a')));
}
