#include "providers/answers.hpp"

#include "llm/json_scan.hpp"

namespace torii::providers {

http::UpstreamRequest upstream_request(const AttemptRequest& req, std::string_view accept) {
  const Provider& p = *req.provider;
  http::UpstreamRequest up;
  up.method = "POST";
  up.origin = &p.origin;
  up.target = p.target(req.endpoint, req.model, req.stream);
  up.fixed_headers = p.header_block;
  up.headers.add("Accept", std::string(accept));
  up.headers.add("x-request-id", req.request_id);
  if (!req.traceparent.empty()) up.headers.add("traceparent", req.traceparent);
  if (!req.tracestate.empty()) up.headers.add("tracestate", req.tracestate);
  up.connect_timeout = req.limits.connect;
  up.total_timeout = req.limits.total;
  up.head_timeout = req.limits.first_token;
  up.cancel = req.cancel;
  return up;
}

std::chrono::steady_clock::time_point first_token_deadline(const AttemptRequest& req) {
  using Clock = std::chrono::steady_clock;
  return req.limits.first_token.count() > 0 ? Clock::now() + req.limits.first_token : Clock::time_point::max();
}

CancelWhileReading::CancelWhileReading(const std::shared_ptr<http::UpstreamCancel>& cancel,
                                       http::UpstreamResponse& resp)
    : cancel_(cancel.get()) {
  if (cancel_) cancel_->set_closer([r = &resp] { r->cancel(); });
}

CancelWhileReading::~CancelWhileReading() {
  if (cancel_) cancel_->set_closer(nullptr);
}

AttemptFailure status_failure(ApiError error, const http::Headers& upstream_headers) {
  std::string_view retry_after = upstream_headers.get("retry-after");
  error.retry_after = std::string(retry_after);
  return {FailureClass::status, std::move(error), parse_retry_after(retry_after)};
}

AttemptFailure transport_failure(const std::string& name, const http::UpstreamError& err) {
  using http::UpstreamFailure;
  switch (err.kind) {
    case UpstreamFailure::timeout:
      return {FailureClass::timeout,
              make_error(504, "upstream '" + name + "' timed out: " + err.message, "upstream_timeout")};
    case UpstreamFailure::connect:
      return {FailureClass::connect,
              make_error(502, "upstream '" + name + "' is unreachable: " + err.message, "upstream_unreachable")};
    case UpstreamFailure::cancelled:
      return {FailureClass::cancelled, make_error(499, "attempt cancelled", "cancelled")};
    case UpstreamFailure::protocol:
      return {FailureClass::protocol, make_error(502, "upstream '" + name + "' failed: " + err.message, "upstream_error")};
    default:
      return {FailureClass::io, make_error(502, "upstream '" + name + "' failed: " + err.message, "upstream_error")};
  }
}

void copy_upstream_headers(const http::Headers& from, http::Headers& to) {
  for (const auto& h : from) {
    std::string_view n = h.name;
    if ((n.size() > 12 && http::iequals(n.substr(0, 12), "x-ratelimit-")) ||
        http::iequals(n, "openai-processing-ms") || (n.size() > 21 && http::iequals(n.substr(0, 21), "anthropic-ratelimit-")))
      to.add(h.name, h.value);
  }
}

bool is_event_stream(std::string_view content_type) {
  return content_type.size() >= 17 && http::iequals(content_type.substr(0, 17), "text/event-stream");
}

BufferedAnswer::BufferedAnswer(WireFormat format, int status, std::string content_type, http::Headers extra,
                               std::string body, std::optional<llm::Usage> usage)
    : format_(format), status_(status), content_type_(std::move(content_type)), extra_(std::move(extra)),
      body_(std::move(body)) {
  UsageMeter meter(format);
  if (usage) {
    usage_ = *usage;
    meter.observe_finish(body_);
  } else {
    meter.observe(body_);
    usage_ = meter.usage();
  }
  finish_reasons_ = meter.finish_reasons();
  usage_before_delivery_ = true;
}

boost::asio::awaitable<void> BufferedAnswer::deliver(Exchange& ex) {
  http::Response r;
  r.status = status_;
  r.headers = std::move(ex.response_headers);
  for (const auto& h : extra_) r.headers.add(h.name, h.value);
  if (format_ == WireFormat::openai && ex.translator) {
    r.content_type = ex.translator->content_type();
    r.body = ex.translator->body(body_);
  } else {
    r.content_type = std::move(content_type_);
    r.body = std::move(body_);
  }
  co_await ex.out.send(std::move(r));
}

namespace {

bool is_done_marker(std::string_view data) { return data == "[DONE]"; }

}  // namespace

EventTransform openai_passthrough_events() {
  return [ev = http::SseEvent()](const std::string& event, std::string& out, std::string& error) mutable {
    if (!http::parse_sse_event(event, ev)) {
      out += event;  // a comment: forwarded, it keeps idle proxies from timing out
      return EventResult::more;
    }
    if (is_done_marker(ev.data)) {
      out += event;
      return EventResult::complete;
    }
    std::string why;
    if (!llm::is_valid_json(ev.data, &why)) {
      error = "invalid JSON in upstream stream event: " + why;
      return EventResult::failed;
    }
    out += event;
    return EventResult::more;
  };
}

namespace {

// Forwards the events of a typed SSE stream as they are, checking each: its
// data must be JSON, an event of type "error" fails the stream, and
// `completes(type)` says which type ends it. `type_of` names an event.
template <class TypeOf, class Completes>
EventTransform typed_passthrough_events(TypeOf type_of, Completes completes) {
  return [ev = http::SseEvent(), type_of, completes](const std::string& event, std::string& out,
                                                     std::string& error) mutable {
    if (!http::parse_sse_event(event, ev)) {
      out += event;
      return EventResult::more;
    }
    std::string why;
    if (!llm::is_valid_json(ev.data, &why)) {
      error = "invalid JSON in upstream stream event '" + ev.event + "': " + why;
      return EventResult::failed;
    }
    const std::string_view type = type_of(ev);
    if (type == "error") {
      error = "upstream sent an error event: " + ev.data;
      return EventResult::failed;
    }
    out += event;
    return completes(type) ? EventResult::complete : EventResult::more;
  };
}

// A Responses event's type: its `event:` line, else its data's "type".
std::string_view responses_event_type(const http::SseEvent& ev) {
  if (!ev.event.empty()) return ev.event;
  static constexpr std::string_view kType = "\"type\":\"";
  size_t at = ev.data.find(kType);
  if (at == std::string::npos) return {};
  at += kType.size();
  size_t end = ev.data.find('"', at);
  return end == std::string::npos ? std::string_view() : std::string_view(ev.data).substr(at, end - at);
}

}  // namespace

EventTransform anthropic_passthrough_events() {
  return typed_passthrough_events([](const http::SseEvent& ev) { return std::string_view(ev.event); },
                                  [](std::string_view type) { return type == "message_stop"; });
}

EventTransform responses_passthrough_events() {
  return typed_passthrough_events(responses_event_type, [](std::string_view type) {
    return type == "response.completed" || type == "response.incomplete" || type == "response.failed";
  });
}

boost::asio::awaitable<EventSource::Step> SseEvents::step(std::string& out, ApiError& error,
                                                         http::UpstreamError& transport, Mode mode) {
  std::string event, why, incoming;
  for (;;) {
    // Only up to the first output when asked: what follows belongs to the
    // stream, so a broken later event is a mid-stream error, not a failed attempt.
    while (!complete_ && !(mode == Mode::first_output && !out.empty()) && splitter_.next(event)) {
      EventResult r = transform_(event, out, why);
      if (r == EventResult::failed) {
        error = make_error(502, "upstream '" + provider_ + "' stream failed: " + why, "upstream_stream_error");
        co_return Step::failed;
      }
      if (r == EventResult::complete) complete_ = true;
    }
    if (complete_) {
      // Whatever follows the completing event is not part of the answer;
      // the rest of the body is read so the connection can be reused.
      while (!ended_) {
        incoming.clear();
        const bool more = co_await resp_->read_some(incoming, read_error_);
        ended_ = !more;
      }
      co_return Step::done;
    }
    if (!out.empty() || mode == Mode::buffered_only) co_return Step::more;
    if (ended_) break;
    incoming.clear();
    const bool more = co_await resp_->read_some(incoming, read_error_);
    ended_ = !more;
    splitter_.feed(incoming);
  }
  transport = read_error_;
  // A stream that ended cleanly before its completing event was cut short:
  // the client must not take it for a whole answer.
  if (!transport) transport = {http::UpstreamFailure::io, "the stream ended before the answer was complete"};
  error = make_error(502, "upstream '" + provider_ + "' stream failed: " + transport.message, "upstream_stream_error");
  co_return Step::failed;
}

boost::asio::awaitable<bool> first_events(const std::string& provider_name, EventSource& source, std::string& first,
                                          bool& finished, AttemptFailure& failure) {
  using Step = EventSource::Step;
  Step step = Step::more;
  while (first.empty() && step == Step::more) {
    ApiError e;
    http::UpstreamError transport;
    step = co_await source.step(first, e, transport, EventSource::Mode::first_output);
    if (step != Step::failed) continue;
    source.cancel();
    if (transport)
      failure = transport_failure(provider_name, transport);
    else if (e.code == "upstream_stream_error" && e.status != 502)
      failure = {FailureClass::status, std::move(e)};  // a modelled in-stream error: throttled, unavailable, ...
    else
      failure = {FailureClass::protocol, std::move(e)};
    co_return false;
  }
  if (first.empty()) {
    source.cancel();
    failure = transport_failure(provider_name, {http::UpstreamFailure::io, "stream ended before its first event"});
    co_return false;
  }
  finished = step == Step::done;
  co_return true;
}

StreamingAnswer::StreamingAnswer(WireFormat format, int status, std::unique_ptr<EventSource> source,
                                 http::Headers extra, std::string first, bool finished, bool strip_usage)
    : format_(format), status_(status), source_(std::move(source)), extra_(std::move(extra)), first_(std::move(first)),
      finished_(finished), strip_usage_(strip_usage), meter_(format, /*estimate=*/true) {}

std::string StreamingAnswer::outgoing(Exchange& ex, std::string& events) {
  meter_.observe(events);
  usage_ = meter_.usage();
  if (meter_.finish_reasons().size() != finish_reasons_.size()) finish_reasons_ = meter_.finish_reasons();
  if (strip_usage_) strip_stream_usage(events);
  if (format_ == WireFormat::openai && ex.translator) return ex.translator->events(events);
  return events;
}

boost::asio::awaitable<void> StreamingAnswer::deliver(Exchange& ex) {
  http::Headers headers = std::move(ex.response_headers);
  for (const auto& h : extra_) headers.add(h.name, h.value);
  // GCC 12 miscompiles co_await inside a condition when the operand makes
  // temporaries: results go through locals throughout this file.
  bool open = co_await ex.out.begin_stream(status_, std::move(headers), "text/event-stream");
  if (!open) {
    source_->cancel();
    co_return;
  }
  // The client hanging up cancels the upstream request at once, even while
  // the upstream is silent.
  ex.out.on_disconnect([s = source_.get()] { s->cancel(); });
  co_await pump(ex);
  ex.out.on_disconnect({});
}

boost::asio::awaitable<void> StreamingAnswer::pump(Exchange& ex) {
  using Step = EventSource::Step;
  // The first write carries the first events and whatever else has already
  // arrived (and, from the server, the head): one write.
  std::string events = std::move(first_);
  Step step = finished_ ? Step::done : Step::more;
  EventSource::Mode mode = EventSource::Mode::buffered_only;
  for (;;) {
    ApiError error;
    http::UpstreamError transport;
    if (step == Step::more) {
      step = co_await source_->step(events, error, transport, mode);
      mode = EventSource::Mode::next;
    }
    // Events that arrived together leave together: one write.
    std::string batch = outgoing(ex, events);
    if (!batch.empty()) {
      bool written = co_await ex.out.write_chunk(batch);
      if (!written) {
        source_->cancel();
        co_return;
      }
    }
    events.clear();
    if (step == Step::failed) {
      source_->cancel();
      if (transport.kind == http::UpstreamFailure::cancelled || ex.out.client_gone()) co_return;  // nobody listens
      const std::string error_event = stream_error_event(ex, error);
      co_await ex.out.write_chunk(error_event);
      co_return;
    }
    if (step == Step::done) break;
  }
  if (format_ == WireFormat::openai && ex.translator) {
    std::string tail = ex.translator->finish();
    if (!tail.empty()) co_await ex.out.write_chunk(tail);
  }
}

}  // namespace torii::providers
