// The stream translators, on an upstream SSE body cut into network-sized
// pieces: SseSplitter, parse_sse_event, then (first input byte) one
// family's converter into canonical chunks, as providers/answers.hpp's
// converter_events drives it — AnthropicToOpenAIStream, GeminiToOpenAIStream,
// CohereToOpenAIStream, or ConverseToOpenAIStream with each event's type in
// `event:` (the adapter unframes them from the binary event stream; see
// fuzz/event_stream.cpp for that part) — or, for an OpenAI target, the body
// as the canonical stream. The canonical chunks then go on to the Anthropic
// (OpenAIToAnthropicStream) and Responses (ChatToResponsesStream) surfaces,
// piece by piece as the surfaces get them.
//
// Properties: nothing throws; every output is whole SSE events with JSON
// data; a converter that stops the stream says why (`error`); the canonical
// stream is chunks, then [DONE] once, exactly when the converter reports the
// stream complete (fuzz/stream_shapes.hpp has the shape of each surface's
// stream); the Anthropic stream is well nested and ends with message_stop,
// the Responses stream numbers its events and ends with its terminal event,
// whenever the stream they were given ended.
#include "fuzz.hpp"
#include "llm/anthropic_format.hpp"
#include "llm/bedrock_format.hpp"
#include "llm/cohere_format.hpp"
#include "llm/gemini_format.hpp"
#include "llm/responses_format.hpp"
#include "stream_shapes.hpp"

namespace {

namespace llm = torii::llm;

enum Family { anthropic, gemini, cohere, converse, openai, kFamilies };

// One family's converter behind one interface, as converter_events sees it.
struct Converter {
  Family family;
  llm::AnthropicToOpenAIStream a;
  llm::GeminiToOpenAIStream g;
  llm::CohereToOpenAIStream c;
  llm::ConverseToOpenAIStream b;

  Converter(Family f, bool usage, int64_t candidates, std::string structured_tool)
      : family(f), a("fuzz-model", usage), g("fuzz-model", usage, candidates), c("fuzz-model", usage),
        b("fuzz-model", usage, "chatcmpl-fuzz", std::move(structured_tool)) {}

  // `raw`: the event's bytes, which an OpenAI target's stream forwards as they are.
  bool feed(const std::string& raw, const torii::http::SseEvent& ev, std::string& out, std::string& error) {
    switch (family) {
      case anthropic: return a.feed(ev.event, ev.data, out, error);
      case gemini: return g.feed(ev.event, ev.data, out, error);
      case cohere: return c.feed(ev.event, ev.data, out, error);
      case converse: return b.feed(ev.event, ev.data, out, error);
      default: out += raw; return true;
    }
  }
  bool finished() const {
    switch (family) {
      case anthropic: return a.finished();
      case gemini: return g.finished();
      case cohere: return c.finished();
      case converse: return b.done();
      default: return false;  // an OpenAI stream ends with the body
    }
  }
};

// The two translating surfaces, fed canonical events as they come.
struct Surfaces {
  llm::OpenAIToAnthropicStream anthropic{"fuzz-model", 42};
  boost::json::object request{{"model", "fuzz-model"}, {"stream", true}};
  llm::ChatToResponsesStream responses{{"resp_0123456789abcdef", 1700000000, &request}};
  torii::http::SseSplitter to_anthropic, to_responses;
  std::string anthropic_out, responses_out;

  void events(std::string_view canonical) {
    std::string raw;
    torii::http::SseEvent ev;
    to_anthropic.feed(canonical);
    while (to_anthropic.next(raw))
      if (torii::http::parse_sse_event(raw, ev))
        fuzz::must_not_throw("OpenAIToAnthropicStream::feed", [&] { anthropic.feed(ev.data, anthropic_out); });
    to_responses.feed(canonical);
    while (to_responses.next(raw))
      if (torii::http::parse_sse_event(raw, ev))
        fuzz::must_not_throw("ChatToResponsesStream::feed", [&] { responses.feed(ev.data, responses_out); });
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const uint8_t mode = in.byte();
  const uint8_t split = in.byte();
  const std::string_view body = in.rest();
  const Family family = Family((mode & 7) % kFamilies);  // 5, 6, 7: the first three again
  const bool usage = (mode & 8) != 0;
  Converter converter(family, usage, (mode & 16) ? 2 : 1, (mode & 32) ? "json_answer" : "");
  Surfaces surfaces;

  torii::http::SseSplitter splitter;
  std::string canonical, raw, error;
  torii::http::SseEvent ev;
  bool failed = false, complete = false;
  const char seed[3] = {char(split), char(split ^ 0x5a), char(split / 3)};
  for (std::string_view piece : fuzz::pieces(body, std::string_view(seed, 3))) {
    const size_t before = canonical.size();
    splitter.feed(piece);
    while (!failed && !complete && splitter.next(raw)) {
      if (!torii::http::parse_sse_event(raw, ev)) continue;  // comments keep the connection alive
      if (!fuzz::must_not_throw("feed", [&] { return converter.feed(raw, ev, canonical, error); })) {
        FUZZ_CHECK(!error.empty());
        failed = true;
      }
      complete = converter.finished();
    }
    surfaces.events(std::string_view(canonical).substr(before));
    if (failed || complete) break;
  }
  // The upstream closed: Bedrock's adapter closes a stream that stopped
  // without its metadata event; other streams are complete or cut short.
  if (!failed && !complete && family == converse) {
    const size_t before = canonical.size();
    error.clear();
    if (fuzz::must_not_throw("finish", [&] { return converter.b.finish(canonical, error); })) complete = true;
    else FUZZ_CHECK(!error.empty());
    surfaces.events(std::string_view(canonical).substr(before));
  }
  if (family == openai) complete = true;  // as far as the translators know

  if (family != openai) {
    const bool done = fuzz::check_openai_chunks(fuzz::check_sse_output(canonical));
    FUZZ_CHECK(done == converter.finished());
  }

  // The surfaces close the stream they were given, or fail it.
  if (complete) {
    fuzz::must_not_throw("finish", [&] {
      surfaces.anthropic.finish(surfaces.anthropic_out);
      surfaces.responses.finish(surfaces.responses_out);
    });
  } else {
    fuzz::must_not_throw("fail", [&] {
      surfaces.responses.fail(torii::make_error(502, "upstream stream cut short", "upstream_error"),
                              surfaces.responses_out);
    });
  }
  const bool anthropic_stopped = fuzz::check_anthropic_events(fuzz::check_sse_output(surfaces.anthropic_out));
  if (complete) FUZZ_CHECK(anthropic_stopped);
  FUZZ_CHECK(fuzz::check_responses_events(fuzz::check_sse_output(surfaces.responses_out)));
  return 0;
}
