// SigV4 against AWS's published signing test suite (the "v4" header-signing
// cases of aws-signing-test-suite: credentials AKIDEXAMPLE, region us-east-1,
// service "service", 2015-08-30T12:36:00Z), a Bedrock request cross-checked
// with AWS's Python SDK (botocore), and the verifier torii-mock uses.
#include "providers/bedrock/sigv4.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

using namespace torii;
using namespace torii::bedrock;
using std::chrono::system_clock;

namespace {

const SigV4Credentials kSuiteCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

system_clock::time_point suite_time() {
  using namespace std::chrono;
  return sys_days(year(2015) / August / 30) + hours(12) + minutes(36);
}

struct Vector {
  const char* name;
  const char* method;
  const char* path;   // the request line's path, fed as the wire path
  const char* query;
  const char* host;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host
  std::string body;
  std::string session_token;
  bool normalize;
  bool sign_body;     // the suite's "sign_body": send and sign X-Amz-Content-Sha256
  bool sign_token;    // false for the suite's "omit_session_token"
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string authorization;
};

// Expected values as published in the suite (request.txt, context.json,
// header-canonical-request.txt, header-string-to-sign.txt,
// header-signature.txt, header-signed-request.txt).
const std::vector<Vector>& suite() {
  static const std::vector<Vector> v = {
    {"get-header-key-duplicate",
     "GET", "/", "", "example.amazonaws.com",
     {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\ndc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
     "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
    {"get-header-value-multiline",
     "GET", "/", "", "example.amazonaws.com",
     {{"My-Header1", "value1\n  value2\n     value3"}},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1 value2 value3\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\ne99419459a677bc11de234014be3c4e72c1ea5b454ceb58b613061f5d7a162e8",
     "cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd"},
    {"get-header-value-order",
     "GET", "/", "", "example.amazonaws.com",
     {{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"}, {"My-Header1", "value2"}},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
     "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
    {"get-header-value-trim",
     "GET", "/", "", "example.amazonaws.com",
     {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\na726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
     "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
    {"get-relative-normalized",
     "GET", "/example/..", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-relative-relative-normalized",
     "GET", "/example1/example2/../..", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-relative-relative-unnormalized",
     "GET", "/example1/example2/../..", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ false, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/example1/example2/../..\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n76115030c0f3ff06c20fdff5ceb6d5e0b835a1743e00b94fea7c7f381269437b",
     "dc33e0856fd4baca4d7aa2146c38958283844764f38c74252a333df5e613003b",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=dc33e0856fd4baca4d7aa2146c38958283844764f38c74252a333df5e613003b"},
    {"get-relative-unnormalized",
     "GET", "/example/..", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ false, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/example/..\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n0511f456aa502b456d135fcb9d749374a55228f9dbeedda1eacf659e05b0615b",
     "eca7ead57bb5aa5c8e28007acd4ff04e1ff9a0ff3b237ec1554a184887ff9282",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=eca7ead57bb5aa5c8e28007acd4ff04e1ff9a0ff3b237ec1554a184887ff9282"},
    {"get-slash-dot-slash-normalized",
     "GET", "/./", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-slash-dot-slash-unnormalized",
     "GET", "/./", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ false, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/./\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nd67825e2268bd77a97c7688b8d72c31a3c1855b309808505ba0a9747d2465aa7",
     "68714168e6557f8f2de0ef956fc24dc2593a4bd2961f8df51898d8a134695145",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=68714168e6557f8f2de0ef956fc24dc2593a4bd2961f8df51898d8a134695145"},
    {"get-slash-normalized",
     "GET", "//", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-slash-pointless-dot-normalized",
     "GET", "/./example", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/example\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702",
     "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"},
    {"get-slash-pointless-dot-unnormalized",
     "GET", "/./example", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ false, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/./example\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n73895e0e829507e28e39fd24669aedc2434a8e179e547e3c075b42921f952cdb",
     "beb03f223f7deae4146464f06e29eebbee9c8afbe15c290cf07aa8b119e14cff",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=beb03f223f7deae4146464f06e29eebbee9c8afbe15c290cf07aa8b119e14cff"},
    {"get-slash-unnormalized",
     "GET", "//", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ false, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n//\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n80cb39203d058af815de2b79250ff56e1b73eb9b4718c86556cdc6f150c5d209",
     "c88bcd3d312d75078c0cd961d6deae3f4c754924b01669efcfcb439fd5e5b76e",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=c88bcd3d312d75078c0cd961d6deae3f4c754924b01669efcfcb439fd5e5b76e"},
    {"get-slashes-normalized",
     "GET", "//example//", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/example/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\ncb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015",
     "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
    {"get-slashes-unnormalized",
     "GET", "//example//", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ false, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n//example//\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n528ec3105ee1f34ab014bb0a1a45da0ed2742a4fea3555149e5b4d5d201eb240",
     "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"},
    {"get-space-normalized",
     "GET", "/example space/", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
     "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
    {"get-space-unnormalized",
     "GET", "/example space/", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ false, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
     "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
    {"get-unreserved",
     "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
     "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
    {"get-utf8",
     "GET", "/\341\210\264", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
     "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
    {"get-vanilla-empty-query-key",
     "GET", "/", "Param1=value1", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
     "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
    {"get-vanilla-query-order-encoded",
     "GET", "/", "Param-3=Value3&Param=Value2&%E1%88%B4=Value1", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n868294f5c38bd141c4972a373a76654f1418a8e4fc18b2e7903ae45e8ae0ec71",
     "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"},
    {"get-vanilla-query-order-key-case",
     "GET", "/", "Param2=value2&Param1=value1", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
    {"get-vanilla-query-unreserved",
     "GET", "/", "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nc30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
     "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
    {"get-vanilla-query",
     "GET", "/", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-vanilla-utf8-query",
     "GET", "/", "\341\210\264=bar", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\neb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
    {"get-vanilla-with-session-token",
     "GET", "/", "", "example.amazonaws.com",
     {},
     "", "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\nhost;x-amz-date;x-amz-security-token\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b",
     "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"},
    {"get-vanilla",
     "GET", "/", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"post-header-key-case",
     "POST", "/", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
    {"post-header-key-sort",
     "POST", "/", "", "example.amazonaws.com",
     {{"My-Header1", "value1"}},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
     "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
    {"post-header-value-case",
     "POST", "/", "", "example.amazonaws.com",
     {{"My-Header1", "VALUE1"}},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nd51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
     "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
    {"post-sts-header-after",
     "POST", "/", "", "example.amazonaws.com",
     {},
     "", "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ false,
     "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
    {"post-sts-header-before",
     "POST", "/", "", "example.amazonaws.com",
     {},
     "", "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==\n\nhost;x-amz-date;x-amz-security-token\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nc237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
     "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
    {"post-vanilla-empty-query-value",
     "POST", "/", "Param1=value1", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
    {"post-vanilla-query",
     "POST", "/", "Param1=value1", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
    {"post-vanilla",
     "POST", "/", "", "example.amazonaws.com",
     {},
     "", "",
     /*normalize*/ true, /*sign_body*/ false, /*sign_token*/ true,
     "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
    {"post-x-www-form-urlencoded-parameters",
     "POST", "/", "", "example.amazonaws.com",
     {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}, {"Content-Length", "13"}},
     "Param1=value1", "",
     /*normalize*/ true, /*sign_body*/ true, /*sign_token*/ true,
     "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:example.amazonaws.com\nx-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\nx-amz-date:20150830T123600Z\n\ncontent-length;content-type;host;x-amz-content-sha256;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\na89f1a5b53e37702ee6363ce1da3ce8f54386f3c8f352ae652153c2982a0bc4d",
     "328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422"},
    {"post-x-www-form-urlencoded",
     "POST", "/", "", "example.amazonaws.com",
     {{"Content-Type", "application/x-www-form-urlencoded"}, {"Content-Length", "13"}},
     "Param1=value1", "",
     /*normalize*/ true, /*sign_body*/ true, /*sign_token*/ true,
     "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\nx-amz-date:20150830T123600Z\n\ncontent-length;content-type;host;x-amz-content-sha256;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nb1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
     "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"}
  };
  return v;
}

SigV4Request to_request(const Vector& t) {
  SigV4Request r;
  r.method = t.method;
  r.host = t.host;
  r.path = t.path;
  r.query = t.query;
  for (const auto& [k, v] : t.headers) r.headers.add(k, v);
  r.payload = t.body;
  return r;
}

SigV4Options to_options(const Vector& t) {
  SigV4Options o;
  o.normalize_path = t.normalize;
  o.add_content_sha256 = t.sign_body;
  o.sign_session_token = t.sign_token;
  return o;
}

// The request a server receives once the signature headers are added.
http::Request received(const Vector& t, const Signature& s) {
  http::Request req;
  req.method = t.method;
  req.target = std::string(t.path) + (std::string_view(t.query).empty() ? "" : "?" + std::string(t.query));
  req.headers.add("Host", t.host);
  for (const auto& [k, v] : t.headers) req.headers.add(k, v);
  for (const auto& h : s.headers) req.headers.add(h.name, h.value);
  req.body = t.body;
  return req;
}

class SuiteTest : public ::testing::TestWithParam<size_t> {};

TEST_P(SuiteTest, MatchesPublishedCanonicalRequestStringToSignAndSignature) {
  const Vector& t = suite()[GetParam()];
  SigV4Credentials creds = kSuiteCredentials;
  creds.session_token = t.session_token;
  Signature s = sign(to_request(t), creds, "us-east-1", "service", suite_time(), to_options(t));
  EXPECT_EQ(s.canonical_request, t.canonical_request);
  EXPECT_EQ(s.string_to_sign, t.string_to_sign);
  EXPECT_EQ(s.signature, t.signature);
  EXPECT_EQ(s.authorization, t.authorization);
  EXPECT_EQ(s.amz_date, "20150830T123600Z");
  EXPECT_EQ(s.headers.get("X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(s.headers.get("Authorization"), t.authorization);
  EXPECT_EQ(s.headers.get("X-Amz-Security-Token"), t.session_token);
}

TEST_P(SuiteTest, VerifierAcceptsTheSignedRequest) {
  const Vector& t = suite()[GetParam()];
  SigV4Credentials creds = kSuiteCredentials;
  creds.session_token = t.session_token;
  Signature s = sign(to_request(t), creds, "us-east-1", "service", suite_time(), to_options(t));
  VerifyOptions vo;
  vo.normalize_path = t.normalize;
  Verification v = verify(received(t, s), creds, "us-east-1", "service", suite_time(), vo);
  EXPECT_TRUE(v.ok) << v.error_type << ": " << v.message;
  EXPECT_EQ(v.canonical_request, t.canonical_request);
  EXPECT_EQ(v.string_to_sign, t.string_to_sign);
}

INSTANTIATE_TEST_SUITE_P(AwsSigV4TestSuite, SuiteTest, ::testing::Range<size_t>(0, suite().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           std::string name = suite()[info.param].name;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

TEST(SigV4, SuiteIsComplete) { EXPECT_EQ(suite().size(), 38u); }

// ---------------------------------------------------------------- Bedrock

constexpr std::string_view kBedrockHost = "bedrock-runtime.us-east-1.amazonaws.com";
constexpr std::string_view kBedrockBody = R"({"messages":[{"role":"user","content":[{"text":"Hello"}]}]})";

SigV4Request bedrock_request(const std::string& path) {
  SigV4Request r;
  r.method = "POST";
  r.host = kBedrockHost;
  r.path = path;
  r.headers.add("Content-Type", "application/json");
  r.headers.add("Accept", "application/json");
  r.payload = kBedrockBody;
  return r;
}

http::Request bedrock_received(const std::string& path, const Signature& s) {
  http::Request req;
  req.method = "POST";
  req.target = path;
  req.headers.add("Host", std::string(kBedrockHost));
  req.headers.add("Content-Type", "application/json");
  req.headers.add("Accept", "application/json");
  for (const auto& h : s.headers) req.headers.add(h.name, h.value);
  req.body = std::string(kBedrockBody);
  return req;
}

TEST(SigV4Bedrock, ModelIdColonIsEncodedOnTheWireAndAgainInTheCanonicalUri) {
  std::string path = "/model/" + encode_path_segment("anthropic.claude-3-5-sonnet-20240620-v1:0") + "/converse";
  EXPECT_EQ(path, "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
  EXPECT_EQ(canonical_uri(path, true, true), "/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse");
  // S3-style signing keeps the wire form.
  EXPECT_EQ(canonical_uri(path, false, false), path);
  // An ARN (inference profile) as model id: '/' inside a segment is encoded too.
  EXPECT_EQ(encode_path_segment("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x"),
            "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.x");
}

// Reference values computed by botocore 1.43 (SigV4Auth, service "bedrock")
// for the same request at the suite's date.
TEST(SigV4Bedrock, MatchesBotocoreForAConverseRequest) {
  std::string path = "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse";
  SigV4Credentials creds = kSuiteCredentials;
  Signature s = sign(bedrock_request(path), creds, "us-east-1", "bedrock", suite_time());
  EXPECT_EQ(s.canonical_request,
            "POST\n/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse\n\n"
            "accept:application/json\ncontent-type:application/json\n"
            "host:bedrock-runtime.us-east-1.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "accept;content-type;host;x-amz-date\n"
            "7421da8d1a0949a481724fee62d5886aacde03836bf58248adb73e8b61ac0d54");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/bedrock/aws4_request\n"
            "186428c883912beb7717f224402cd44fa4d533f248a75eb6b719f63412e66306");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request, "
            "SignedHeaders=accept;content-type;host;x-amz-date, "
            "Signature=25f3f7de6331981c47488e6c0608a6758e6d5b39ca9cdd7c54a5dacd47317532");

  creds.session_token = "session-token-example";
  s = sign(bedrock_request(path), creds, "us-east-1", "bedrock", suite_time());
  EXPECT_EQ(s.signed_headers, "accept;content-type;host;x-amz-date;x-amz-security-token");
  EXPECT_EQ(s.signature, "6af0cea32e788a4fc616536eb736cc4b683b4b68ea892e3171529e2cbc00c163");
  EXPECT_EQ(s.headers.get("X-Amz-Security-Token"), "session-token-example");
}

TEST(SigV4Bedrock, VerifierAcceptsTheRightSignatureAndRejectsTampering) {
  std::string path = "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse";
  Signature s = sign(bedrock_request(path), kSuiteCredentials, "us-east-1", "bedrock", suite_time());
  EXPECT_TRUE(verify(bedrock_received(path, s), kSuiteCredentials, "us-east-1", "bedrock", suite_time()).ok);

  http::Request body = bedrock_received(path, s);
  body.body += " ";
  Verification v = verify(body, kSuiteCredentials, "us-east-1", "bedrock", suite_time());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.status, 403);
  EXPECT_EQ(v.error_type, "InvalidSignatureException");
  EXPECT_TRUE(v.message.starts_with("The request signature we calculated does not match"));
  EXPECT_NE(v.message.find("v1%253A0"), std::string::npos);

  // A signer that forgot the second encoding signed "...v1%3A0...".
  SigV4Options single;
  single.double_encode = false;
  Signature once = sign(bedrock_request(path), kSuiteCredentials, "us-east-1", "bedrock", suite_time(), single);
  EXPECT_EQ(verify(bedrock_received(path, once), kSuiteCredentials, "us-east-1", "bedrock", suite_time()).error_type,
            "InvalidSignatureException");

  SigV4Credentials wrong_secret = kSuiteCredentials;
  wrong_secret.secret_access_key = "not-the-secret";
  Signature bad = sign(bedrock_request(path), wrong_secret, "us-east-1", "bedrock", suite_time());
  EXPECT_EQ(verify(bedrock_received(path, bad), kSuiteCredentials, "us-east-1", "bedrock", suite_time()).error_type,
            "InvalidSignatureException");

  SigV4Credentials other_key = kSuiteCredentials;
  other_key.access_key_id = "AKIDOTHER";
  Signature unknown = sign(bedrock_request(path), other_key, "us-east-1", "bedrock", suite_time());
  EXPECT_EQ(verify(bedrock_received(path, unknown), kSuiteCredentials, "us-east-1", "bedrock", suite_time()).error_type,
            "UnrecognizedClientException");

  Signature region = sign(bedrock_request(path), kSuiteCredentials, "us-west-2", "bedrock", suite_time());
  v = verify(bedrock_received(path, region), kSuiteCredentials, "us-east-1", "bedrock", suite_time());
  EXPECT_EQ(v.error_type, "InvalidSignatureException");
  EXPECT_EQ(v.message, "Credential should be scoped to a valid region. ");

  Signature service = sign(bedrock_request(path), kSuiteCredentials, "us-east-1", "s3", suite_time());
  v = verify(bedrock_received(path, service), kSuiteCredentials, "us-east-1", "bedrock", suite_time());
  EXPECT_EQ(v.message, "Credential should be scoped to correct service: 'bedrock'. ");
}

TEST(SigV4Bedrock, SessionTokenMustArriveWhenExpected) {
  std::string path = "/model/m/converse";
  SigV4Credentials with_token = kSuiteCredentials;
  with_token.session_token = "tok";
  Signature s = sign(bedrock_request(path), with_token, "us-east-1", "bedrock", suite_time());
  EXPECT_TRUE(verify(bedrock_received(path, s), with_token, "us-east-1", "bedrock", suite_time()).ok);

  Signature without = sign(bedrock_request(path), kSuiteCredentials, "us-east-1", "bedrock", suite_time());
  EXPECT_EQ(verify(bedrock_received(path, without), with_token, "us-east-1", "bedrock", suite_time()).error_type,
            "UnrecognizedClientException");
  // A token the server does not expect is just as unknown.
  EXPECT_EQ(verify(bedrock_received(path, s), kSuiteCredentials, "us-east-1", "bedrock", suite_time()).error_type,
            "UnrecognizedClientException");
}

TEST(SigV4Bedrock, ClockSkewBeyondFiveMinutesIsRefused) {
  std::string path = "/model/m/converse";
  Signature s = sign(bedrock_request(path), kSuiteCredentials, "us-east-1", "bedrock", suite_time());
  auto later = suite_time() + std::chrono::minutes(6);
  Verification v = verify(bedrock_received(path, s), kSuiteCredentials, "us-east-1", "bedrock", later);
  EXPECT_EQ(v.error_type, "InvalidSignatureException");
  EXPECT_EQ(v.message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T124200Z - 5 min.)");
  EXPECT_TRUE(verify(bedrock_received(path, s), kSuiteCredentials, "us-east-1", "bedrock",
                     suite_time() + std::chrono::minutes(4))
                  .ok);
  v = verify(bedrock_received(path, s), kSuiteCredentials, "us-east-1", "bedrock",
             suite_time() - std::chrono::minutes(6));
  EXPECT_TRUE(v.message.starts_with("Signature not yet current")) << v.message;
}

TEST(SigV4Bedrock, MissingOrMalformedAuthorization) {
  http::Request req;
  req.method = "POST";
  req.target = "/model/m/converse";
  req.headers.add("Host", "localhost");
  Verification v = verify(req, kSuiteCredentials, "us-east-1", "bedrock", suite_time());
  EXPECT_EQ(v.error_type, "MissingAuthenticationTokenException");
  EXPECT_EQ(v.status, 403);

  req.headers.set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request");
  req.headers.set("X-Amz-Date", "20150830T123600Z");
  v = verify(req, kSuiteCredentials, "us-east-1", "bedrock", suite_time());
  EXPECT_EQ(v.error_type, "IncompleteSignatureException");
  EXPECT_NE(v.message.find("'Signature'"), std::string::npos);

  req.headers.set("Authorization", "Basic dXNlcjpwYXNz");
  EXPECT_EQ(verify(req, kSuiteCredentials, "us-east-1", "bedrock", suite_time()).error_type,
            "IncompleteSignatureException");

  req.headers.set("Authorization",
                  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request, "
                  "SignedHeaders=x-amz-date, Signature=00");
  v = verify(req, kSuiteCredentials, "us-east-1", "bedrock", suite_time());
  EXPECT_EQ(v.error_type, "InvalidSignatureException");
  EXPECT_NE(v.message.find("'Host'"), std::string::npos);

  req.headers.set("X-Amz-Date", "2015-08-30T12:36:00Z");
  EXPECT_EQ(verify(req, kSuiteCredentials, "us-east-1", "bedrock", suite_time()).error_type,
            "IncompleteSignatureException");
}

// ---------------------------------------------------------------- building blocks

TEST(SigV4Parts, HashAndHmacKnownAnswers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SigV4Parts, AmzDate) {
  EXPECT_EQ(amz_date(suite_time()), "20150830T123600Z");
  EXPECT_EQ(amz_date(suite_time() + std::chrono::milliseconds(999)), "20150830T123600Z");
  using namespace std::chrono;
  EXPECT_EQ(amz_date(sys_days(year(2024) / February / 29) + hours(23) + minutes(59) + seconds(59)),
            "20240229T235959Z");
}

TEST(SigV4Parts, CanonicalQueryDecodesThenEncodesAndSorts) {
  EXPECT_EQ(canonical_query(""), "");
  EXPECT_EQ(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(canonical_query("key"), "key=");
  EXPECT_EQ(canonical_query("k=a%20b&x=%7e&y=a+b"), "k=a%20b&x=~&y=a%2Bb");
  EXPECT_EQ(canonical_query("k=%zz"), "k=%25zz");
  EXPECT_EQ(canonical_query("&&a=1&"), "a=1");
}

TEST(SigV4Parts, CanonicalUriNormalization) {
  EXPECT_EQ(canonical_uri("", true, true), "/");
  EXPECT_EQ(canonical_uri("/a/b/../c/./d", true, true), "/a/c/d");
  EXPECT_EQ(canonical_uri("/a/b/..", true, true), "/a/");
  EXPECT_EQ(canonical_uri("/../..", true, true), "/");
  EXPECT_EQ(canonical_uri("/a%2Fb", true, true), "/a%252Fb");
}

}  // namespace
