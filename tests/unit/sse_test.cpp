#include "http/sse.hpp"

#include <gtest/gtest.h>

#include <vector>

using torii::http::parse_sse_event;
using torii::http::SseEvent;
using torii::http::SseSplitter;

namespace {
std::vector<std::string> drain(SseSplitter& s) {
  std::vector<std::string> out;
  std::string e;
  while (s.next(e)) out.push_back(e);
  return out;
}
}  // namespace

TEST(SseSplitter, SplitsWholeEvents) {
  SseSplitter s;
  s.feed("data: a\n\ndata: b\n\n");
  auto ev = drain(s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0], "data: a\n\n");
  EXPECT_EQ(ev[1], "data: b\n\n");
  EXPECT_EQ(s.pending(), 0u);
}

TEST(SseSplitter, HoldsPartialEventsAcrossFeeds) {
  SseSplitter s;
  std::string stream = "event: x\ndata: {\"a\":1}\n\ndata: [DONE]\n\n";
  std::vector<std::string> got;
  // Feed one byte at a time: every boundary position must work.
  for (char c : stream) {
    s.feed(std::string_view(&c, 1));
    for (auto& e : drain(s)) got.push_back(e);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "event: x\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(got[1], "data: [DONE]\n\n");
}

TEST(SseSplitter, HandlesCrLf) {
  SseSplitter s;
  s.feed("data: a\r\n\r\ndata: b\r\n");
  auto ev = drain(s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0], "data: a\r\n\r\n");
  s.feed("\r\n");
  ev = drain(s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0], "data: b\r\n\r\n");
}

TEST(SseSplitter, ManyEventsCompactBuffer) {
  SseSplitter s;
  std::string one = "data: " + std::string(100, 'x') + "\n\n";
  size_t count = 0;
  for (int i = 0; i < 1000; ++i) {
    s.feed(one);
    count += drain(s).size();
  }
  EXPECT_EQ(count, 1000u);
  EXPECT_EQ(s.pending(), 0u);
}

TEST(SseParse, Fields) {
  SseEvent e;
  ASSERT_TRUE(parse_sse_event("event: message_start\nid: 7\ndata: {\"a\":1}\n\n", e));
  EXPECT_EQ(e.event, "message_start");
  EXPECT_EQ(e.id, "7");
  EXPECT_EQ(e.data, "{\"a\":1}");
}

TEST(SseParse, MultiLineDataAndComments) {
  SseEvent e;
  ASSERT_TRUE(parse_sse_event(": keep-alive\ndata: a\ndata:b\r\n\r\n", e));
  EXPECT_EQ(e.data, "a\nb");
}

TEST(SseParse, CommentOnlyIsNotAnEvent) {
  SseEvent e;
  EXPECT_FALSE(parse_sse_event(": ping\n\n", e));
}

TEST(SseFrame, DataEvent) { EXPECT_EQ(torii::http::sse_data_event("{}"), "data: {}\n\n"); }
