#pragma once
// A provider family: the one place that knows what its providers serve, which
// wire format a client's body can be forwarded to them in untouched, and how
// one attempt is made. The router and the surfaces ask the family; they never
// name one. A new family is its folder under src/providers/ plus its line in
// families.cpp.
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "providers/attempt.hpp"
#include "providers/usage_meter.hpp"

namespace torii::providers {

struct Family {
  const char* name;
  // Bodies already in this format go as they are (but for `model`); every
  // other request is translated to the canonical format first.
  std::optional<WireFormat> native;
  bool (*supports)(Endpoint);
  boost::asio::awaitable<AttemptOutcome> (*prepare)(http::UpstreamClient&, const AttemptRequest&);
};

const Family& family_of(Kind kind);

}  // namespace torii::providers
