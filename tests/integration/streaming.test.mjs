// SSE streaming: incremental delivery, fidelity, upstream failures, client disconnects.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMock, startTorii, mockProvider, mockStats, mockReset, postJson, postStream, readSSE,
  sseJson, sseContent, chatBody, assertHealthy, waitFor, stopAllOf,
} from './harness.mjs';

const UP_AUTH = { authorization: 'Bearer sk-up' };

function words(s) {
  return s.trim().split(/\s+/).filter(Boolean);
}

describe('streaming', () => {
  let up; let paced; let resetter; let slow; let stall; let torii;

  before(async () => {
    [up, paced, resetter, slow, stall] = await Promise.all([
      startMock(['--api-key', 'sk-up']),
      startMock(['--api-key', 'sk-up', '--tokens-per-sec', '20', '--reply-words', '10']),
      startMock(['--api-key', 'sk-up', '--reset', 'during', '--reply-words', '20']),
      startMock(['--api-key', 'sk-up', '--tokens-per-sec', '5', '--reply-words', '50']),
      startMock(['--api-key', 'sk-up', '--stall-ms', '6000', '--reply-words', '20']),
    ]);
    torii = await startTorii({
      workers: 2,
      providers: [
        mockProvider(up, 'up'),
        mockProvider(paced, 'paced'),
        mockProvider(resetter, 'resetter'),
        mockProvider(slow, 'slow'),
        mockProvider(stall, 'stall', { timeout_ms: 1500 }),
        { name: 'local', type: 'mock' },
      ],
      models: [
        { name: 'fast', targets: [{ provider: 'up', model: 'mock-1' }] },
        { name: 'paced', targets: [{ provider: 'paced', model: 'mock-1' }] },
        { name: 'resetme', targets: [{ provider: 'resetter', model: 'mock-1' }] },
        { name: 'slow', targets: [{ provider: 'slow', model: 'mock-1' }] },
        { name: 'stall', targets: [{ provider: 'stall', model: 'mock-1' }] },
        { name: 'demo', targets: [{ provider: 'local', model: 'demo' }] },
      ],
    });
  }, { timeout: 40_000 });

  after(async () => { await stopAllOf(torii, up, paced, resetter, slow, stall); }, { timeout: 30_000 });

  const chatStream = (body, opts) => postStream(`${torii.v1}/chat/completions`, body, opts);

  it('events arrive incrementally and the stream ends with [DONE]', { timeout: 20_000 }, async () => {
    const t0 = performance.now();
    const res = await chatStream(chatBody('paced', 'count for me', { stream: true }));
    assert.equal(res.status, 200);
    const sse = await readSSE(res);
    assert.ifError(sse.error);
    assert.ok(sse.done, 'no data: [DONE]');
    assert.equal(sse.events.at(-1).data, '[DONE]');
    assert.equal(sse.rest.trim(), '', `bytes after the last event: ${JSON.stringify(sse.rest)}`);
    const chunks = sseJson(sse);
    assert.ok(chunks.length >= 10, `expected one event per word, got ${chunks.length}`);
    for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(words(sseContent(sse)).length, 10);
    const first = sse.events[0].at;
    const last = sse.events.at(-1).at;
    assert.ok(last - first >= 200,
      `first event only ${Math.round(last - first)} ms before the last: buffered instead of streamed (10 words at 20/s)`);
    assert.ok(first - t0 < (last - t0) / 2 + 50, 'the first event came late');
  });

  it('streaming response headers', { timeout: 15_000 }, async () => {
    const res = await chatStream(chatBody('fast', 'headers please', { stream: true }), { headers: { 'x-request-id': 'stream-rid-1' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('x-request-id'), 'stream-rid-1');
    assert.equal(res.headers.get('x-torii-provider'), 'up');
    assert.equal(res.headers.get('x-torii-model'), 'mock-1');
    for (const [k, v] of res.headers.entries()) assert.ok(!v.includes('sk-up'), `provider key in ${k}`);
    const sse = await readSSE(res);
    assert.ok(sse.done);
    assert.ok(!sse.text.includes('sk-up'));
  });

  async function compareWithDirect(path, torBody, directBody) {
    const viaTorii = await postStream(`${torii.v1}${path}`, torBody);
    const direct = await postStream(`${up.v1}${path}`, directBody, { headers: UP_AUTH });
    assert.equal(viaTorii.status, 200);
    assert.equal(direct.status, 200);
    const a = await readSSE(viaTorii);
    const b = await readSSE(direct);
    assert.ifError(a.error);
    assert.ifError(b.error);
    assert.ok(b.done, 'the mock itself did not finish the stream');
    assert.ok(b.events.length >= 3);
    assert.deepEqual(a.events.map((e) => e.raw), b.events.map((e) => e.raw));
    assert.equal(a.text, b.text, 'stream bytes differ');
  }

  it('chat stream events are byte-identical to the upstream stream', { timeout: 20_000 }, async () => {
    await compareWithDirect('/chat/completions',
      chatBody('fast', 'identical bytes please', { stream: true }),
      chatBody('mock-1', 'identical bytes please', { stream: true }));
    await compareWithDirect('/chat/completions',
      chatBody('up/mock-1', 'with usage', { stream: true, stream_options: { include_usage: true } }),
      chatBody('mock-1', 'with usage', { stream: true, stream_options: { include_usage: true } }));
  });

  it('completions stream events are byte-identical to the upstream stream', { timeout: 20_000 }, async () => {
    await compareWithDirect('/completions',
      { model: 'fast', prompt: 'Once upon a time', stream: true },
      { model: 'mock-1', prompt: 'Once upon a time', stream: true });
  });

  it('stream content equals the non-stream content', { timeout: 20_000 }, async () => {
    for (const model of ['fast', 'demo']) {
      const plain = await postJson(`${torii.v1}/chat/completions`, chatBody(model, 'same words either way'));
      assert.equal(plain.status, 200, plain.text);
      const res = await chatStream(chatBody(model, 'same words either way', { stream: true }));
      const sse = await readSSE(res);
      assert.ok(sse.done);
      assert.equal(sseContent(sse), plain.json.choices[0].message.content, model);
    }
  });

  it('upstream reset mid-stream: an error event, then the stream ends', { timeout: 20_000 }, async () => {
    await mockReset(resetter);
    const res = await chatStream(chatBody('resetme', 'this will break', { stream: true }));
    assert.equal(res.status, 200, 'the head was sent before the reset');
    const sse = await readSSE(res, { timeoutMs: 8000 });
    assert.ok(!(sse.error && /timed out/.test(sse.error.message)), 'stream hung after the upstream reset');
    assert.ifError(sse.error);
    assert.ok(!sse.done, 'a broken stream must not end with [DONE]');
    const parsed = sse.events
      .filter((e) => e.data && e.data !== '[DONE]')
      .map((e) => { try { return JSON.parse(e.data); } catch { return { unparsable: e.data }; } });
    const errIdx = parsed.findIndex((p) => p.error);
    assert.ok(errIdx >= 0, `no error event; events: ${JSON.stringify(sse.events.map((e) => e.data))}`);
    assert.ok(errIdx >= 1, 'content events before the reset should have been relayed');
    assert.equal(errIdx, parsed.length - 1, 'nothing may follow the error event');
    const err = parsed[errIdx].error;
    assert.equal(typeof err.message, 'string');
    assert.ok(err.message.length > 0);
    assert.ok(Object.hasOwn(err, 'type'));
    await assertHealthy(assert, torii);
    const ok = await chatStream(chatBody('fast', 'after the reset', { stream: true }));
    const okSse = await readSSE(ok);
    assert.ok(okSse.done);
  });

  it('an upstream that stalls past timeout_ms ends the stream with an error event', { timeout: 20_000 }, async () => {
    const t0 = performance.now();
    const res = await chatStream(chatBody('stall', 'stall please', { stream: true }));
    const sse = await readSSE(res, { timeoutMs: 10_000 });
    const ms = performance.now() - t0;
    assert.ok(!(sse.error && /timed out/.test(sse.error.message)), 'stream hung');
    assert.ok(ms < 5500, `stream lasted ${Math.round(ms)} ms; provider timeout_ms is 1500, the stall 6000`);
    // The mock stalls after its first events (--reset-after-events, 2), which
    // torii has relayed by then: the head is out, so the timeout can only end
    // the stream with an error event, never turn into a 504.
    assert.equal(res.status, 200, 'the events before the stall were not relayed');
    assert.ok(!sse.done, 'a timed-out stream must not end with [DONE]');
    const data = sse.events.filter((e) => e.data && e.data !== '[DONE]').map((e) => JSON.parse(e.data));
    assert.ok(data.length >= 2 && data[0].object === 'chat.completion.chunk', `the events before the stall: ${JSON.stringify(data)}`);
    const last = data.at(-1);
    assert.ok(last.error, `last event is not an error: ${JSON.stringify(last)}`);
    assert.equal(last.error.code, 'upstream_stream_error', JSON.stringify(last));
    await assertHealthy(assert, torii);
  });

  it('client disconnect mid-stream cancels the upstream request', { timeout: 20_000 }, async () => {
    await mockReset(slow);
    const ctrl = new AbortController();
    const res = await chatStream(chatBody('slow', 'a long story', { stream: true }), { signal: ctrl.signal });
    assert.equal(res.status, 200);
    const sse = await readSSE(res, {
      timeoutMs: 8000,
      onEvent: () => { ctrl.abort(); return true; },
    });
    assert.ok(sse.stoppedEarly, 'no first event received');
    const t0 = Date.now();
    const st = await waitFor(async () => {
      const s = await mockStats(slow);
      return s.streams_client_closed >= 1 ? s : null;
    }, { timeoutMs: 5000, what: 'mock streams_client_closed >= 1' });
    assert.equal(st.streams_completed, 0, 'the upstream stream ran to completion');
    assert.ok(Date.now() - t0 < 5000);
    const plain = await postJson(`${torii.v1}/chat/completions`, chatBody('slow', 'are you still there'));
    assert.equal(plain.status, 200, plain.text);
    const again = await chatStream(chatBody('fast', 'still streaming', { stream: true }));
    assert.ok((await readSSE(again)).done);
  });

  it('concurrent streams progress independently', { timeout: 30_000 }, async () => {
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      const res = await chatStream(chatBody('paced', `stream number ${i}`, { stream: true }));
      assert.equal(res.status, 200);
      return readSSE(res);
    }));
    const ms = performance.now() - t0;
    for (const r of results) {
      assert.ifError(r.error);
      assert.ok(r.done);
      assert.equal(words(sseContent(r)).length, 10);
    }
    assert.ok(ms < 4000, `8 concurrent half-second streams took ${Math.round(ms)} ms`);
  });
});
