#pragma once
// The one way out to the client. Every answer (buffered or streamed, from any
// adapter, the in-process mock, a filter's local error or the gateway's own
// routes) is written through the request's sink, which lets the filters see
// the head and the body as they leave and records what was answered.
#include <string>

#include "http/handler.hpp"

namespace torii::pipeline {

class FilterChain;
struct RequestContext;

class ResponseSink final : public http::ResponseWriter {
 public:
  ResponseSink(http::ResponseWriter& client, const FilterChain& chain) : client_(client), chain_(chain) {}
  // The context the hooks get; set once it exists (it refers to this sink).
  void attach(RequestContext& ctx) { ctx_ = &ctx; }

  boost::asio::awaitable<void> send(http::Response response) override;
  boost::asio::awaitable<bool> begin_stream(int status, http::Headers headers, std::string_view content_type) override;
  boost::asio::awaitable<bool> write_chunk(std::string_view data) override;
  boost::asio::awaitable<void> end_stream() override;
  void on_disconnect(std::function<void()> callback) override { client_.on_disconnect(std::move(callback)); }
  bool client_gone() const override { return client_.client_gone(); }
  void abort() override { client_.abort(); }
  const boost::asio::any_io_executor& executor() const override { return client_.executor(); }

 private:
  void head(int status, http::Headers& headers, bool streamed);
  boost::asio::awaitable<void> send_settled(http::Response response);
  boost::asio::awaitable<bool> write_settled(std::string_view data);

  http::ResponseWriter& client_;
  const FilterChain& chain_;
  RequestContext* ctx_ = nullptr;
  std::string events_;     // a stream's events as the filters rewrote them, until written
  bool stopped_ = false;   // a filter ended the stream: later writes are refused
};

}  // namespace torii::pipeline
