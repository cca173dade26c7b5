#include "store/redis/redis_url.hpp"

#include <charconv>

#include "http/percent.hpp"

namespace torii::store {

std::optional<RedisEndpoint> parse_redis_url(std::string_view url, std::string& error) {
  constexpr std::string_view scheme = "redis://";
  if (url.starts_with("rediss://")) {
    error = "rediss:// (TLS) is not supported; use redis:// on a trusted network";
    return std::nullopt;
  }
  if (!url.starts_with(scheme)) {
    error = "expected redis://[:PASSWORD@]HOST[:PORT][/DB]";
    return std::nullopt;
  }
  url.remove_prefix(scheme.size());
  RedisEndpoint ep;
  if (size_t at = url.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = url.substr(0, at);
    url.remove_prefix(at + 1);
    size_t colon = auth.find(':');
    ep.user = http::percent_decode(auth.substr(0, colon));
    if (colon != std::string_view::npos) ep.password = http::percent_decode(auth.substr(colon + 1));
    else std::swap(ep.user, ep.password);  // redis://SECRET@host: the secret is the password
  }
  std::string_view hostport = url.substr(0, url.find('/'));
  std::string_view db = url.size() > hostport.size() ? url.substr(hostport.size() + 1) : std::string_view();
  std::string_view host = hostport;
  if (hostport.starts_with('[')) {
    size_t end = hostport.find(']');
    if (end == std::string_view::npos) {
      error = "an IPv6 host needs its closing ']'";
      return std::nullopt;
    }
    host = hostport.substr(1, end - 1);
    hostport.remove_prefix(end + 1);
  } else {
    host = hostport.substr(0, hostport.find(':'));
    hostport.remove_prefix(host.size());
  }
  if (host.empty()) {
    error = "the URL has no host";
    return std::nullopt;
  }
  ep.host = std::string(host);
  if (hostport.starts_with(':')) {
    hostport.remove_prefix(1);
    unsigned port = 0;
    auto [p, ec] = std::from_chars(hostport.data(), hostport.data() + hostport.size(), port);
    if (ec != std::errc() || p != hostport.data() + hostport.size() || port == 0 || port > 65535) {
      error = "the port must be 1 to 65535";
      return std::nullopt;
    }
    ep.port = uint16_t(port);
  } else if (!hostport.empty()) {
    error = "unexpected '" + std::string(hostport) + "' after the host";
    return std::nullopt;
  }
  if (!db.empty()) {
    auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), ep.db);
    if (ec != std::errc() || p != db.data() + db.size() || ep.db < 0) {
      error = "the database must be a number, as in redis://host:6379/0";
      return std::nullopt;
    }
  }
  return ep;
}

}  // namespace torii::store
