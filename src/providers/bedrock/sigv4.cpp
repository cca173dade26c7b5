#include "providers/bedrock/sigv4.hpp"

#include "core/hex.hpp"

#include "http/percent.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace torii::bedrock {

namespace {

using Clock = std::chrono::system_clock;
constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Trimmed, with every run of whitespace (folded continuation lines included)
// turned into one space, as the canonical form requires.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (is_ws(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

// RFC 3986 remove_dot_segments, plus AWS's collapsing of empty segments.
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  size_t i = 0;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(i, slash - i);
    bool last = slash == path.size();
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = last;
    } else if (seg == ".") {
      trailing_slash = last;
    } else if (!seg.empty()) {
      segments.push_back(seg);
      trailing_slash = false;
    } else {
      trailing_slash = last && i > 0;
    }
    i = slash + 1;
  }
  std::string out;
  for (auto seg : segments) {
    out += '/';
    out += seg;
  }
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

struct CanonicalHeaders {
  std::string block;   // "name:value\n" lines
  std::string signed_list;
};

// `headers` are (lower-case name, raw value) in the order received; values of
// one name are joined with ',' in that order, names are sorted.
CanonicalHeaders canonical_headers(std::vector<std::pair<std::string, std::string>> headers) {
  std::stable_sort(headers.begin(), headers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (size_t i = 0; i < headers.size();) {
    const std::string& name = headers[i].first;
    out.block += name;
    out.block += ':';
    bool first = true;
    for (; i < headers.size() && headers[i].first == name; ++i) {
      if (!first) out.block += ',';
      out.block += canonical_value(headers[i].second);
      first = false;
    }
    out.block += '\n';
    if (!out.signed_list.empty()) out.signed_list += ';';
    out.signed_list += name;
  }
  return out;
}

std::string canonical_request(std::string_view method, std::string_view uri, std::string_view query,
                              const std::string& headers_block, std::string_view signed_list,
                              std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + uri.size() + query.size() + headers_block.size() + signed_list.size() + 100);
  out.append(method).append("\n");
  out.append(uri).append("\n");
  out.append(query).append("\n");
  out.append(headers_block).append("\n");
  out.append(signed_list).append("\n");
  out.append(payload_hash);
  return out;
}

std::string string_to_sign(std::string_view date_time, std::string_view scope, std::string_view creq) {
  std::string out(kAlgorithm);
  out.append("\n").append(date_time).append("\n").append(scope).append("\n").append(sha256_hex(creq));
  return out;
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  std::string k = hmac_sha256("AWS4" + std::string(secret), date);
  k = hmac_sha256(k, region);
  k = hmac_sha256(k, service);
  return hmac_sha256(k, kTerminator);
}

bool is_reserved_header(std::string_view lower_name) {
  return lower_name == "host" || lower_name == "x-amz-date" || lower_name == "authorization" ||
         lower_name == "x-amz-security-token" || lower_name == "x-amz-content-sha256";
}

std::optional<Clock::time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  auto num = [&](size_t pos, size_t len) -> int {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = num(0, 4), mo = num(4, 2), d = num(6, 2), h = num(9, 2), mi = num(11, 2), se = num(13, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(se);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

struct AuthorizationParts {
  std::string_view credential, signed_headers, signature;
};

Verification failure(int status, std::string type, std::string message) {
  Verification v;
  v.status = status;
  v.error_type = std::move(type);
  v.message = std::move(message);
  return v;
}

Verification invalid_signature(std::string message) {
  return failure(403, "InvalidSignatureException", std::move(message));
}

Verification unrecognized_client() {
  return failure(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
}

}  // namespace

// ---------------------------------------------------------------- building blocks

std::string hex_encode(std::string_view bytes) {
  return core::to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string sha256_hex(std::string_view data) { return core::sha256_hex(data); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string amz_date(Clock::time_point t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::seconds>(t - day)};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string uri_encode(std::string_view s, bool keep_slash) { return http::percent_encode(s, keep_slash); }

std::string encode_path_segment(std::string_view segment) { return uri_encode(segment, false); }

std::string canonical_uri(std::string_view wire_path, bool normalize, bool double_encode) {
  std::string path = normalize ? normalize_path(wire_path) : std::string(wire_path);
  if (path.empty()) path = "/";
  return double_encode ? uri_encode(path, true) : path;
}

std::string canonical_query(std::string_view wire_query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::string_view part : split(wire_query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    pairs.emplace_back(uri_encode(http::percent_decode(key), false), uri_encode(http::percent_decode(value), false));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

// ---------------------------------------------------------------- signing

Signature sign(const SigV4Request& request, const SigV4Credentials& credentials, std::string_view region,
               std::string_view service, Clock::time_point now, const SigV4Options& options) {
  Signature s;
  s.amz_date = amz_date(now);
  std::string date = s.amz_date.substr(0, 8);
  s.credential_scope = date + "/" + std::string(region) + "/" + std::string(service) + "/" + std::string(kTerminator);
  std::string payload_hash = sha256_hex(request.payload);

  std::vector<std::pair<std::string, std::string>> to_sign;
  to_sign.emplace_back("host", std::string(request.host));
  to_sign.emplace_back("x-amz-date", s.amz_date);
  bool has_token = !credentials.session_token.empty();
  if (has_token && options.sign_session_token) to_sign.emplace_back("x-amz-security-token", credentials.session_token);
  if (options.add_content_sha256) to_sign.emplace_back("x-amz-content-sha256", payload_hash);
  for (const auto& h : request.headers) {
    std::string name = to_lower(h.name);
    if (!is_reserved_header(name)) to_sign.emplace_back(std::move(name), h.value);
  }
  CanonicalHeaders ch = canonical_headers(std::move(to_sign));
  s.signed_headers = ch.signed_list;
  s.canonical_request =
      canonical_request(request.method, canonical_uri(request.path, options.normalize_path, options.double_encode),
                        canonical_query(request.query), ch.block, ch.signed_list, payload_hash);
  s.string_to_sign = string_to_sign(s.amz_date, s.credential_scope, s.canonical_request);
  s.signature =
      hex_encode(hmac_sha256(signing_key(credentials.secret_access_key, date, region, service), s.string_to_sign));
  s.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" + s.credential_scope +
                    ", SignedHeaders=" + s.signed_headers + ", Signature=" + s.signature;

  s.headers.add("X-Amz-Date", s.amz_date);
  if (has_token) s.headers.add("X-Amz-Security-Token", credentials.session_token);
  if (options.add_content_sha256) s.headers.add("X-Amz-Content-Sha256", payload_hash);
  s.headers.add("Authorization", s.authorization);
  return s;
}

// ---------------------------------------------------------------- verification

Verification verify(const http::Request& request, const SigV4Credentials& expected, std::string_view region,
                    std::string_view service, Clock::time_point now, const VerifyOptions& options) {
  std::string_view auth = trim(request.headers.get("authorization"));
  if (auth.empty()) return failure(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
  if (!auth.starts_with(kAlgorithm) || auth.size() == kAlgorithm.size() || !is_ws(auth[kAlgorithm.size()]))
    return failure(403, "IncompleteSignatureException",
                   "Authorization header requires 'Credential' parameter. Authorization header requires "
                   "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
                   "Authorization=" + std::string(auth));

  AuthorizationParts parts;
  for (std::string_view item : split(auth.substr(kAlgorithm.size()), ',')) {
    item = trim(item);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "Credential") parts.credential = value;
    else if (key == "SignedHeaders") parts.signed_headers = value;
    else if (key == "Signature") parts.signature = value;
  }
  std::string missing;
  if (parts.credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (parts.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (parts.signed_headers.empty()) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  std::string_view date_header = trim(request.headers.get("x-amz-date"));
  if (date_header.empty())
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  if (!missing.empty())
    return failure(403, "IncompleteSignatureException", missing + "Authorization=" + std::string(auth));

  auto scope = split(parts.credential, '/');
  if (scope.size() != 5)
    return failure(403, "IncompleteSignatureException",
                   "Credential should have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
                   "got '" + std::string(parts.credential) + "'");
  if (scope[0] != expected.access_key_id) return unrecognized_client();
  std::string_view token = trim(request.headers.get("x-amz-security-token"));
  if (token != expected.session_token) return unrecognized_client();

  auto signed_at = parse_amz_date(date_header);
  if (!signed_at)
    return failure(403, "IncompleteSignatureException",
                   "Date must be in ISO-8601 'basic format'. Got '" + std::string(date_header) +
                       "'. See http://en.wikipedia.org/wiki/ISO_8601");
  if (scope[1] != date_header.substr(0, 8))
    return invalid_signature("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
                             "HTTP: '" + std::string(scope[1]) + "' != '" + std::string(date_header.substr(0, 8)) +
                             "', from '" + std::string(date_header) + "'.");
  if (scope[2] != region) return invalid_signature("Credential should be scoped to a valid region. ");
  if (scope[3] != service)
    return invalid_signature("Credential should be scoped to correct service: '" + std::string(service) + "'. ");
  if (scope[4] != kTerminator)
    return invalid_signature("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                             std::string(scope[4]) + "'. ");
  auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  std::string minutes = std::to_string(std::chrono::duration_cast<std::chrono::minutes>(options.max_skew).count());
  if (*signed_at < now_s - options.max_skew)
    return invalid_signature("Signature expired: " + std::string(date_header) + " is now earlier than " +
                             amz_date(now_s - options.max_skew) + " (" + amz_date(now_s) + " - " + minutes + " min.)");
  if (*signed_at > now_s + options.max_skew)
    return invalid_signature("Signature not yet current: " + std::string(date_header) + " is still later than " +
                             amz_date(now_s + options.max_skew) + " (" + amz_date(now_s) + " + " + minutes +
                             " min.)");

  auto names = split(parts.signed_headers, ';');
  if (std::find(names.begin(), names.end(), "host") == names.end())
    return invalid_signature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

  // The canonical headers follow the client's SignedHeaders list: a client
  // that listed them unsorted signed something else and fails below.
  std::string block;
  for (std::string_view name : names) {
    block += name;
    block += ':';
    bool first = true;
    for (const auto& h : request.headers) {
      if (!http::iequals(h.name, name)) continue;
      if (!first) block += ',';
      block += canonical_value(h.value);
      first = false;
    }
    block += '\n';
  }
  Verification v;
  v.canonical_request =
      canonical_request(request.method, canonical_uri(request.path(), options.normalize_path, options.double_encode),
                        canonical_query(request.query()), block, parts.signed_headers, sha256_hex(request.body));
  std::string scope_text = std::string(scope[1]) + "/" + std::string(scope[2]) + "/" + std::string(scope[3]) + "/" +
                           std::string(kTerminator);
  v.string_to_sign = string_to_sign(date_header, scope_text, v.canonical_request);
  std::string computed = hex_encode(
      hmac_sha256(signing_key(expected.secret_access_key, scope[1], region, service), v.string_to_sign));
  std::string presented = to_lower(parts.signature);
  if (presented.size() == computed.size() && CRYPTO_memcmp(presented.data(), computed.data(), computed.size()) == 0) {
    v.ok = true;
    v.status = 200;
    return v;
  }
  v.status = 403;
  v.error_type = "InvalidSignatureException";
  v.message =
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
      "Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this "
      "request should have been\n'" + v.canonical_request + "'\n\nThe String-to-Sign should have been\n'" +
      v.string_to_sign + "'\n";
  return v;
}

}  // namespace torii::bedrock
