// W3C traceparent parsing and id generation.
#include <gtest/gtest.h>

#include "filters/tracing/trace_context.hpp"

using namespace torii::filters::tracing;

TEST(Traceparent, ParsesTheSpecsExample) {
  ParsedTraceparent p;
  ASSERT_TRUE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", p));
  EXPECT_EQ(p.trace_id[0], 0x4b);
  EXPECT_EQ(p.trace_id[15], 0x36);
  EXPECT_EQ(p.parent_span_id, 0x00f067aa0ba902b7ULL);
  EXPECT_TRUE(p.sampled);
  ASSERT_TRUE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", p));
  EXPECT_FALSE(p.sampled);
}

TEST(Traceparent, RefusesWhatTheSpecRefuses) {
  ParsedTraceparent p;
  for (const char* bad : {
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero parent id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // v00 has no more fields
           "00-4bf92f3577b34da6-00f067aa0ba902b7-01", "", "garbage"}) {
    EXPECT_FALSE(parse_traceparent(bad, p)) << bad;
  }
  // A later version may carry more fields.
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", p));
}

TEST(TraceIds, AreNeverZero) {
  for (int i = 0; i < 100; ++i) {
    uint8_t id[16];
    new_trace_id(id);
    bool nonzero = false;
    for (uint8_t b : id) nonzero = nonzero || b;
    EXPECT_TRUE(nonzero);
    EXPECT_NE(new_span_id(), 0u);
    double d = sample_draw();
    EXPECT_TRUE(d >= 0 && d < 1);
  }
}
