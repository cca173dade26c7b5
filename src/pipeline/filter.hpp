#pragma once
// A concern on the request path (auth, limits, budgets, logs, metrics...):
// hooks with pass-through defaults, called in chain order. A filter is built
// once per config snapshot from its own section and shared by every worker,
// so its hooks must not write shared state without care (per-worker shards).
#include <optional>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "core/errors.hpp"
#include "http/message.hpp"
#include "pipeline/admission.hpp"

namespace torii::pipeline {

struct RequestContext;
struct FilterState;

class Filter {
 public:
  virtual ~Filter() = default;
  virtual std::string_view name() const = 0;

  // Before the request is routed. An error answers the request locally (in
  // the surface's shape); the filters after this one and the router do not run.
  virtual std::optional<ApiError> on_request(RequestContext&) const { return std::nullopt; }
  // Once the model is resolved, before the first upstream attempt (inference
  // requests only). An error answers the request; the filters before this
  // one see `ctx.admission_refused` in on_complete and undo what they took.
  virtual std::optional<ApiError> on_admit(RequestContext&, const Admission&) const { return std::nullopt; }
  // A filter whose admission waits on a shared store (Redis) says so; the
  // chain then awaits on_admit_async instead, after the others' on_admit.
  virtual bool admits_async() const { return false; }
  virtual boost::asio::awaitable<std::optional<ApiError>> on_admit_async(RequestContext& ctx, const Admission& a) const;
  // Once the request is admitted, before the lookup: a filter that checks
  // what the providers will see may refuse it, or rewrite `in.body` (and
  // set `in.changed`).
  virtual bool inspects_input() const { return false; }
  virtual std::optional<ApiError> on_input(RequestContext&, Input&) const { return std::nullopt; }
  // A filter whose check waits on a service (a webhook) says so; the chain
  // then awaits on_input_async instead, after the others' on_input.
  virtual bool inspects_input_async() const { return false; }
  virtual boost::asio::awaitable<std::optional<ApiError>> on_input_async(RequestContext& ctx, Input& in) const;
  // Once the request is admitted, before it is routed: a filter that can
  // answer it itself (the cache) writes the answer through ctx.ex.out and
  // returns true; the filters after it and the router do not run then.
  virtual bool looks_up() const { return false; }
  virtual boost::asio::awaitable<bool> on_lookup(RequestContext& ctx, const Lookup& l) const;
  // The answer's status and headers, just before they are written; filters
  // may add headers. Runs for every answer, local errors included.
  virtual void on_head(RequestContext&, int /*status*/, http::Headers&) const {}
  // Filters that rewrite answers (output guardrails) say so, and mark the
  // requests whose answers they check (ctx.rewrites_output); then a whole
  // answer passes on_answer before its head is written (the body may be
  // rewritten, or an error answered instead), and a stream's events pass
  // on_events before each write (rewritten, held back, or, returning
  // false, ending the stream after `events`, which then carry its error).
  virtual bool rewrites_output() const { return false; }
  virtual std::optional<ApiError> on_answer(RequestContext&, int /*status*/, std::string& /*body*/) const {
    return std::nullopt;
  }
  virtual bool on_events(RequestContext&, std::string& /*events*/) const { return true; }
  // A piece of the body as it goes out (a buffered body whole; a stream in
  // the batches it is written in), in the surface's format.
  virtual void on_chunk(RequestContext&, std::string_view) const {}
  // Exactly once per request, whatever happened: answered, failed upstream,
  // refused locally, cancelled by the client. Usage, cost and timings are final.
  virtual void on_complete(RequestContext&) const {}
};

}  // namespace torii::pipeline
