// OTLP/HTTP traces: a receiver on a loopback port decodes every export with
// the official OpenTelemetry protobuf definitions (the generated root of
// @opentelemetry/otlp-transformer 0.52, from opentelemetry-proto) and the
// tests check trace and parent ids, GenAI attributes, attempt spans, the
// traceparent sent upstream, sampling, and an unreachable collector.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import {
  startMock, startTorii, stopAllOf, postJson, chatBody, waitFor, mockStats, closedPort, HOST, fallbackFixture, metricValue,
  rawConnect,
} from './harness.mjs';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const SpanKind = root.opentelemetry.proto.trace.v1.Span.SpanKind;

const hex = (bytes) => Buffer.from(bytes).toString('hex');
function attrs(list) {
  const out = {};
  for (const kv of list ?? []) {
    const v = kv.value;
    if (v.arrayValue) out[kv.key] = v.arrayValue.values.map((x) => x.stringValue);
    else out[kv.key] = v.stringValue ?? (v.intValue != null ? Number(v.intValue) : v.doubleValue ?? v.boolValue);
  }
  return out;
}

// A collector: POST /v1/traces, protobuf in; every span kept, decoded.
async function startCollector() {
  const spans = [];
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url, type: req.headers['content-type'], auth: req.headers['x-collector-key'] });
      const msg = ExportTraceServiceRequest.decode(Buffer.concat(chunks));
      for (const rs of msg.resourceSpans) {
        const resource = attrs(rs.resource?.attributes);
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans)
            spans.push({
              traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: s.parentSpanId?.length ? hex(s.parentSpanId) : '',
              name: s.name, kind: s.kind, start: BigInt(s.startTimeUnixNano.toString()), end: BigInt(s.endTimeUnixNano.toString()),
              attributes: attrs(s.attributes), events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attrs(e.attributes) })),
              status: s.status?.code ?? 0, resource, scope: ss.scope?.name,
            });
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, HOST, r));
  return { url: `http://${HOST}:${server.address().port}`, spans, requests, stop: () => new Promise((r) => server.close(r)) };
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('tracing', () => {
  let good; let bad; let collector; let torii;
  before(async () => {
    collector = await startCollector();
    good = await startMock();
    bad = await startMock(['--fail-status', '503']);
    torii = await startTorii({
      workers: 2,
      logging: { enabled: false },
      tracing: { otlp_endpoint: collector.url, sample_ratio: 1.0, service_name: 'torii-test', headers: { 'x-collector-key': 'c1' } },
      ...fallbackFixture(good, bad),
    });
  }, { timeout: 30_000 });
  after(async () => { await stopAllOf(torii, good, bad); await collector.stop(); }, { timeout: 30_000 });

  const spansOf = (traceId, n) => waitFor(() => {
    const s = collector.spans.filter((x) => x.traceId === traceId);
    return s.length >= n ? s : null;
  }, { timeoutMs: 5000, what: `${n} spans of trace ${traceId}` });

  it('continues the client\'s trace: a server span, a client span per attempt, traceparent upstream', async () => {
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('mini', 'trace me'), {
      headers: { traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'vendor=1' },
    });
    assert.equal(r.status, 200, r.text);
    const spans = await spansOf(TRACE, 2);
    const server = spans.find((s) => s.kind === SpanKind.SPAN_KIND_SERVER);
    const client = spans.find((s) => s.kind === SpanKind.SPAN_KIND_CLIENT);
    assert.ok(server && client);
    assert.equal(server.parentSpanId, PARENT);
    assert.equal(client.parentSpanId, server.spanId);
    assert.equal(server.name, 'chat mini');
    assert.equal(server.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(server.attributes['gen_ai.request.model'], 'mini');
    assert.equal(server.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(server.attributes['gen_ai.response.model'], 'gpt-4o-mini');
    assert.deepEqual(server.attributes['gen_ai.response.finish_reasons'], [r.json.choices[0].finish_reason]);
    assert.equal(server.attributes['gen_ai.usage.input_tokens'], r.json.usage.prompt_tokens);
    assert.equal(server.attributes['gen_ai.usage.output_tokens'], r.json.usage.completion_tokens);
    assert.equal(server.attributes['http.response.status_code'], 200);
    assert.equal(server.attributes['torii.cost_usd'], Number(r.headers.get('x-torii-cost-usd')));
    assert.equal(server.resource['service.name'], 'torii-test');
    assert.ok(server.start <= client.start && client.end <= server.end);
    assert.ok(server.end > server.start);
    // The upstream saw the attempt's span as its parent, and the client's tracestate.
    const seen = (await mockStats(good)).last_request.headers;
    assert.equal(seen.traceparent, `00-${TRACE}-${client.spanId}-01`);
    assert.equal(seen.tracestate, 'vendor=1');
    assert.equal(collector.requests.at(-1).path, '/v1/traces');
    assert.equal(collector.requests.at(-1).type, 'application/x-protobuf');
    assert.equal(collector.requests.at(-1).auth, 'c1');
  });

  it('a fallback shows as a failed attempt span, an event, and a second attempt', async () => {
    const trace = 'a'.repeat(31) + '1';
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('flaky'), { headers: { traceparent: `00-${trace}-${PARENT}-01` } });
    assert.equal(r.status, 200, r.text);
    const spans = await spansOf(trace, 3);
    const server = spans.find((s) => s.kind === SpanKind.SPAN_KIND_SERVER);
    const attempts = spans.filter((s) => s.kind === SpanKind.SPAN_KIND_CLIENT);
    assert.equal(attempts.length, 2);
    const failed = attempts.find((s) => s.attributes['http.response.status_code'] === 503);
    assert.ok(failed, 'the 503 attempt');
    assert.equal(failed.status, 2, 'error status');
    assert.ok(attempts.every((s) => s.parentSpanId === server.spanId));
    assert.equal(server.attributes['torii.fallback_model'], 'mini');
    assert.ok(server.events.some((e) => e.name === 'torii.fallback'));
    assert.ok(server.events.some((e) => e.name === 'torii.attempt_failed' && e.attributes['http.response.status_code'] === 503));
  });

  it('starts a trace when the client sends none, on the Anthropic surface too', async () => {
    const before = collector.spans.length;
    const r = await postJson(`${torii.url}/v1/messages`, { model: 'haiku', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.status, 200, r.text);
    const server = await waitFor(() => collector.spans.slice(before).find((s) => s.kind === SpanKind.SPAN_KIND_SERVER && s.attributes['gen_ai.request.model'] === 'haiku'),
      { timeoutMs: 5000, what: 'the haiku span' });
    assert.equal(server.parentSpanId, '');
    assert.match(server.traceId, /^[0-9a-f]{32}$/);
    assert.equal(server.attributes['gen_ai.provider.name'], 'anthropic');
    assert.equal(server.attributes['gen_ai.usage.output_tokens'], r.json.usage.output_tokens);
    // Anthropic's stop reason, in OpenAI's words.
    const expected = { end_turn: 'stop', max_tokens: 'length', tool_use: 'tool_calls' }[r.json.stop_reason];
    assert.deepEqual(server.attributes['gen_ai.response.finish_reasons'], [expected]);
  });

  it('respects a client that did not sample, and passes its traceparent on', async () => {
    const trace = 'b'.repeat(32);
    const tp = `00-${trace}-${PARENT}-00`;
    // A sampled request after it on the same connection is the barrier: torii
    // hands a request's spans to the exporter before it reads the next request
    // on that connection (one worker, one queue, exported in order), so once
    // the second trace has arrived, spans of the first would have too.
    const marker = 'c'.repeat(32);
    const request = (traceparent) => {
      const body = JSON.stringify(chatBody('mini'));
      return `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n`
        + `Content-Length: ${Buffer.byteLength(body)}\r\ntraceparent: ${traceparent}\r\n\r\n${body}`;
    };
    const conn = await rawConnect(torii.port);
    try {
      await conn.write(request(tp));
      assert.equal((await conn.waitResponses(1))[0].status, 200);
      assert.equal((await mockStats(good)).last_request.headers.traceparent, tp);
      await conn.write(request(`00-${marker}-${PARENT}-01`));
      assert.equal((await conn.waitResponses(2))[1].status, 200);
    } finally {
      conn.destroy();
    }
    await spansOf(marker, 2);
    assert.equal(collector.spans.filter((s) => s.traceId === trace).length, 0);
  });

  it('an invalid traceparent starts a new trace instead', async () => {
    const before = collector.spans.length;
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('mini', 'bad parent'), { headers: { traceparent: '00-zz-yy-01' } });
    assert.equal(r.status, 200);
    const server = await waitFor(() => collector.spans.slice(before).find((s) => s.kind === SpanKind.SPAN_KIND_SERVER), { timeoutMs: 5000, what: 'a span' });
    assert.equal(server.parentSpanId, '');
  });
});

describe('tracing into torii-mock\'s OTLP sink (the benchmark\'s collector)', () => {
  it('the sink answers as a collector; a burst of several batches goes out whole', { timeout: 30_000 }, async () => {
    const mock = await startMock();
    const send = (type, body) => fetch(`${mock.url}/v1/traces`, { method: 'POST', headers: { 'content-type': type }, body });
    const proto = await send('application/x-protobuf', Buffer.alloc(0));
    assert.equal(proto.status, 200);
    assert.equal(proto.headers.get('content-type'), 'application/x-protobuf');
    assert.equal((await proto.arrayBuffer()).byteLength, 0, 'an empty ExportTraceServiceResponse');
    const json = await send('application/json', '{"resourceSpans":[]}');
    assert.equal(json.status, 200);
    assert.deepEqual(await json.json(), {});
    assert.equal((await send('text/plain', 'x')).status, 415);
    const exportsBefore = (await mockStats(mock)).by_path['/v1/traces'];
    assert.equal(exportsBefore, 3, 'the sink counts what it is sent');
    const torii = await startTorii({
      logging: { enabled: false },
      tracing: { otlp_endpoint: mock.url, sample_ratio: 1.0 },
      providers: [{ name: 'oai', type: 'openai', base_url: mock.v1, api_key: 'k' }],
      models: [{ name: 'mini', targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] }],
    });
    try {
      // 400 requests at once: 800 spans, more than one export's 512.
      const N = 400;
      const all = await Promise.all(Array.from({ length: N }, () => postJson(`${torii.v1}/chat/completions`, chatBody('mini'))));
      for (const r of all) assert.equal(r.status, 200);
      const metric = (name) => metricValue(torii, name);
      await waitFor(async () => (await metric('torii_trace_spans_exported_total')) === 2 * N,
        { timeoutMs: 10_000, what: 'every request and attempt span accepted' });
      assert.equal(await metric('torii_trace_spans_dropped_total'), 0);
      const exports = (await mockStats(mock)).by_path['/v1/traces'] - exportsBefore;
      assert.ok(exports >= 2, `800 spans in ${exports} exports of at most 512`);
    } finally {
      await stopAllOf(torii, mock);
    }
  });
});

describe('tracing without a collector', () => {
  it('an unreachable collector costs requests nothing but a counter', { timeout: 30_000 }, async () => {
    const port = await closedPort();
    const torii = await startTorii({
      logging: { enabled: false },
      tracing: { otlp_endpoint: `http://127.0.0.1:${port}`, sample_ratio: 1.0, timeout_ms: 500 },
      providers: [{ name: 'm', type: 'mock' }],
      models: [{ name: 'echo', targets: [{ provider: 'm', model: 'echo' }] }],
    });
    try {
      for (let i = 0; i < 20; i++) assert.equal((await postJson(`${torii.v1}/chat/completions`, chatBody('echo'))).status, 200);
      const metric = (name) => metricValue(torii, name);
      await waitFor(async () => (await metric('torii_trace_export_failures_total')) > 0, { timeoutMs: 5000, what: 'a failed export' });
      assert.ok((await metric('torii_trace_spans_dropped_total')) > 0);
    } finally {
      await torii.stop();
    }
  });

  it('an otlp_endpoint that is not an http(s) URL is a config error', async () => {
    const bad = await startTorii({ tracing: { otlp_endpoint: 'ftp://x' }, providers: [{ name: 'm', type: 'mock' }], models: [] }).catch((e) => e);
    assert.ok(bad instanceof Error && /tracing\.otlp_endpoint/.test(bad.message), String(bad.message ?? bad));
  });
});
