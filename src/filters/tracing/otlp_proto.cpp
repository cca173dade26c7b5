#include "filters/tracing/otlp_proto.hpp"

#include <cstring>

namespace torii::filters::tracing {

namespace {

// Wire types.
constexpr int kVarint = 0, kFixed64 = 1, kLength = 2, kFixed32 = 5;

class Writer {
 public:
  std::string out;

  void varint(uint64_t v) {
    while (v >= 0x80) {
      out += char((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out += char(v);
  }
  void tag(int field, int wire) { varint(uint64_t(field) << 3 | uint64_t(wire)); }
  void fixed64(int field, uint64_t v) {
    tag(field, kFixed64);
    for (int i = 0; i < 8; ++i) out += char((v >> (8 * i)) & 0xff);
  }
  void fixed32(int field, uint32_t v) {
    tag(field, kFixed32);
    for (int i = 0; i < 4; ++i) out += char((v >> (8 * i)) & 0xff);
  }
  void uint(int field, uint64_t v) {
    tag(field, kVarint);
    varint(v);
  }
  void bytes(int field, std::string_view b) {
    tag(field, kLength);
    varint(b.size());
    out.append(b);
  }
  void string(int field, std::string_view s) {
    if (!s.empty()) bytes(field, s);
  }
  void double_value(int field, double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    fixed64(field, bits);
  }
  // A nested message: `fill` writes its fields into a fresh writer.
  template <class F>
  void message(int field, F&& fill) {
    Writer inner;
    fill(inner);
    bytes(field, inner.out);
  }
};

std::string id_bytes(uint64_t id) {
  std::string b(8, '\0');
  for (int i = 0; i < 8; ++i) b[size_t(i)] = char((id >> (8 * (7 - i))) & 0xff);  // big-endian, as printed in hex
  return b;
}

// KeyValue { string key = 1; AnyValue value = 2; }
// AnyValue { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
//            ArrayValue array_value = 5; }, ArrayValue { repeated AnyValue values = 1; }
void key_value(Writer& w, int field, const Attribute& a) {
  w.message(field, [&](Writer& kv) {
    kv.string(1, a.key);
    kv.message(2, [&](Writer& v) {
      if (auto* s = std::get_if<std::string>(&a.value)) v.bytes(1, *s);
      else if (auto* b = std::get_if<bool>(&a.value)) v.uint(2, *b ? 1 : 0);
      else if (auto* i = std::get_if<int64_t>(&a.value)) v.uint(3, uint64_t(*i));
      else if (auto* d = std::get_if<double>(&a.value)) v.double_value(4, *d);
      else if (auto* list = std::get_if<std::vector<std::string>>(&a.value))
        v.message(5, [&](Writer& array) {
          for (const auto& item : *list) array.message(1, [&](Writer& any) { any.bytes(1, item); });
        });
    });
  });
}

// Span (opentelemetry/proto/trace/v1/trace.proto).
void span(Writer& w, const SpanData& s) {
  w.message(2, [&](Writer& m) {
    m.bytes(1, std::string_view(reinterpret_cast<const char*>(s.trace_id), 16));
    m.bytes(2, id_bytes(s.span_id));
    m.string(3, s.trace_state);
    if (s.parent_span_id) m.bytes(4, id_bytes(s.parent_span_id));
    m.string(5, s.name);
    m.uint(6, uint64_t(s.kind));
    m.fixed64(7, s.start_unix_nano);
    m.fixed64(8, s.end_unix_nano);
    for (const auto& a : s.attributes) key_value(m, 9, a);
    for (const auto& e : s.events) {
      m.message(11, [&](Writer& ev) {
        ev.fixed64(1, e.time_unix_nano);
        ev.string(2, e.name);
        for (const auto& a : e.attributes) key_value(ev, 3, a);
      });
    }
    m.message(15, [&](Writer& st) {
      st.string(2, s.status_message);
      if (s.status != StatusCode::unset) st.uint(3, uint64_t(s.status));
    });
    // flags: the W3C trace flags (sampled) in the low byte.
    m.fixed32(16, 0x01);
  });
}

}  // namespace

std::string encode_export_request(const ResourceInfo& resource, const std::vector<const SpanData*>& spans) {
  Writer root;
  // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
  root.message(1, [&](Writer& rs) {
    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
    rs.message(1, [&](Writer& r) {
      key_value(r, 1, {"service.name", resource.service_name});
      key_value(r, 1, {"service.version", resource.service_version});
      key_value(r, 1, {"telemetry.sdk.name", std::string("torii")});
    });
    rs.message(2, [&](Writer& ss) {
      // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
      ss.message(1, [&](Writer& scope) {
        scope.string(1, "torii");
        scope.string(2, resource.service_version);
      });
      for (const SpanData* s : spans) span(ss, *s);
    });
  });
  return root.out;
}

}  // namespace torii::filters::tracing
