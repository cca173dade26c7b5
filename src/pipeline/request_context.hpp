#pragma once
// Everything one request carries through the pipeline: what arrived, who
// sent it, what the filters keep about it, and what came of it. Created by
// the gateway per request on the worker that serves it; never shared
// between threads.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "governance/principal.hpp"
#include "http/message.hpp"
#include "providers/exchange.hpp"

namespace torii::pipeline {

// Which API a route speaks, and so the shape its errors take.
enum class Surface { openai, anthropic, responses, admin, probe };

// A filter's own per-request data (FilterChain gives each filter one slot).
struct FilterState {
  virtual ~FilterState() = default;
};

struct RequestContext {
  using Clock = std::chrono::steady_clock;

  RequestContext(http::Request& r, Surface s, providers::Exchange& e) : request(r), surface(s), ex(e) {}
  RequestContext(const RequestContext&) = delete;
  RequestContext& operator=(const RequestContext&) = delete;

  http::Request& request;  // the surface takes its body
  Surface surface;
  providers::Exchange& ex;  // request id, response headers, error shape, the client sink

  // Who the request is from: the key's id ("" on an open gateway, or before
  // auth ran).
  std::string key_id;
  // A virtual key's attribution (empty for static keys).
  std::string key_alias, team_id, key_user_id;
  // What the request is charged to, by governance::Level (key, user, team);
  // null where a level does not apply. Kept alive by the auth filter's state.
  const governance::Principal* principals[3] = {};
  bool admission_refused = false;  // an on_admit refused it (see Filter::on_admit)
  // A filter checks or rewrites this request's answer (output guardrails):
  // the response sink passes it through on_answer / on_events.
  bool rewrites_output = false;

  // What came of it, filled as the answer goes out.
  int status = 0;            // of the answer's head; 0 = nothing was answered
  bool streamed = false;
  bool client_gone = false;  // the client went away (see cancelled())
  bool answered = false;     // the whole answer was handed to the client's connection
  uint64_t body_bytes = 0;   // written to the client
  struct {
    Clock::time_point start = Clock::now();
    Clock::time_point head;  // the answer's head was written (first byte)
    Clock::time_point first_chunk;  // a stream's first body chunk went out
    Clock::time_point end;   // set just before on_complete
  } times;

  // The client hung up before the whole answer was out (logged as 499).
  bool cancelled() const { return client_gone && !answered; }

  // By filter index in the chain; a filter creates its slot on first use.
  std::vector<std::unique_ptr<FilterState>> state;

  template <class T>
  T& state_of(size_t filter_index) {
    if (state.size() <= filter_index) state.resize(filter_index + 1);
    if (!state[filter_index]) state[filter_index] = std::make_unique<T>();
    return static_cast<T&>(*state[filter_index]);
  }
};

}  // namespace torii::pipeline
