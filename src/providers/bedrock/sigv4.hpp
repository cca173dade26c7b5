#pragma once
// AWS Signature Version 4 (header form, AWS4-HMAC-SHA256): signing for the
// Bedrock provider, verification for torii-mock. Written against the SigV4
// specification and checked against AWS's published signing test suite.
#include <chrono>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace torii::bedrock {

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only; "" otherwise
};

struct SigV4Request {
  std::string_view method;
  std::string_view host;     // the Host header as sent, with ":port" when not the default
  std::string_view path;     // as sent on the wire: already percent-encoded once
  std::string_view query;    // after '?', as sent on the wire; "" for none
  http::Headers headers;     // further headers to sign (host, x-amz-date, authorization and
                             // x-amz-security-token/-content-sha256 here are ignored: sign() sets them)
  std::string_view payload;
};

struct SigV4Options {
  // Every service but S3 removes "." / ".." segments and repeated slashes
  // and URI-encodes the (already encoded) path once more; S3 wants neither.
  bool normalize_path = true;
  bool double_encode = true;
  // Sends and signs X-Amz-Content-Sha256 (S3 requires it; others accept it).
  bool add_content_sha256 = false;
  // A few services want the session token sent but left out of the signature.
  bool sign_session_token = true;
};

struct Signature {
  http::Headers headers;          // to add to the request: X-Amz-Date, [X-Amz-Security-Token],
                                  // [X-Amz-Content-Sha256], Authorization
  std::string authorization;
  std::string amz_date;           // 20150830T123600Z
  std::string credential_scope;   // 20150830/us-east-1/service/aws4_request
  std::string signed_headers;     // host;x-amz-date
  std::string signature;          // lower-case hex
  std::string canonical_request;  // for debugging a rejected signature
  std::string string_to_sign;
};

Signature sign(const SigV4Request& request, const SigV4Credentials& credentials, std::string_view region,
               std::string_view service, std::chrono::system_clock::time_point now, const SigV4Options& options = {});

struct VerifyOptions {
  bool normalize_path = true;
  bool double_encode = true;
  // AWS refuses requests whose X-Amz-Date is further than this from its clock.
  std::chrono::seconds max_skew{300};
};

struct Verification {
  bool ok = false;
  int status = 403;                // HTTP status AWS answers the failure with
  std::string error_type;          // AWS's x-amzn-ErrorType, e.g. InvalidSignatureException
  std::string message;             // AWS-style message
  std::string canonical_request;   // what the verifier computed (once the header parsed)
  std::string string_to_sign;
};

// Checks a received request's Authorization header as an AWS endpoint would.
// A set expected.session_token must arrive as X-Amz-Security-Token.
Verification verify(const http::Request& request, const SigV4Credentials& expected, std::string_view region,
                    std::string_view service, std::chrono::system_clock::time_point now,
                    const VerifyOptions& options = {});

// Building blocks, public for tests and for callers that sign differently.
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string hex_encode(std::string_view bytes);
std::string amz_date(std::chrono::system_clock::time_point t);          // 20150830T123600Z
// RFC 3986 percent-encoding of everything but unreserved characters (and '/'
// when keep_slash); upper-case hex, as SigV4 requires.
std::string uri_encode(std::string_view s, bool keep_slash);
std::string canonical_uri(std::string_view wire_path, bool normalize, bool double_encode);
std::string canonical_query(std::string_view wire_query);
// Encodes a model id for a Bedrock runtime path ("...-v1:0" -> "...-v1%3A0").
std::string encode_path_segment(std::string_view segment);

}  // namespace torii::bedrock
