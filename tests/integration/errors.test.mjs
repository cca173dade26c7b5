// Error statuses and the OpenAI error shape, for client mistakes and upstream failures.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMock, startTorii, mockProvider, mockStats, mockReset, mockConfig, http, postJson,
  chatBody, assertOpenAIError, assertHealthy, closedPort, stopAllOf,
} from './harness.mjs';

const WRONG_KEY = 'sk-wrong-secret-123';

describe('errors', () => {
  let up; let slow; let failing; let malformed; let dropper; let torii;

  before(async () => {
    [up, slow, failing, malformed, dropper] = await Promise.all([
      startMock(['--api-key', 'sk-up']),
      startMock(['--api-key', 'sk-up', '--latency-ms', '2000']),
      startMock(['--api-key', 'sk-up', '--fail-status', '429', '--retry-after', '7']),
      startMock(['--api-key', 'sk-up', '--malformed']),
      startMock(['--api-key', 'sk-up', '--reset', 'before']),
    ]);
    const dead = await closedPort();
    torii = await startTorii({
      max_body_bytes: 4096,
      max_header_bytes: 4096,
      providers: [
        mockProvider(up, 'up'),
        mockProvider(slow, 'slow', { timeout_ms: 300 }),
        mockProvider(failing, 'failing'),
        mockProvider(malformed, 'malformed'),
        mockProvider(dropper, 'dropper'),
        { name: 'dead', type: 'openai-compatible', base_url: `http://127.0.0.1:${dead}/v1`, api_key: 'sk-up', connect_timeout_ms: 1000 },
        mockProvider(up, 'wrongkey', { api_key: WRONG_KEY }),
        { name: 'local', type: 'mock' },
      ],
      models: [
        { name: 'fast', targets: [{ provider: 'up', model: 'mock-1' }] },
        { name: 'slow', targets: [{ provider: 'slow', model: 'mock-1' }] },
        { name: 'limited', targets: [{ provider: 'failing', model: 'mock-1' }] },
        { name: 'broken', targets: [{ provider: 'malformed', model: 'mock-1' }] },
        { name: 'dropped', targets: [{ provider: 'dropper', model: 'mock-1' }] },
        { name: 'dead', targets: [{ provider: 'dead', model: 'mock-1' }] },
        { name: 'wrongkey', targets: [{ provider: 'wrongkey', model: 'mock-1' }] },
        { name: 'demo', targets: [{ provider: 'local', model: 'demo' }] },
      ],
    });
  }, { timeout: 40_000 });

  after(async () => { await stopAllOf(torii, up, slow, failing, malformed, dropper); }, { timeout: 30_000 });

  const chat = (body, opts) => postJson(`${torii.v1}/chat/completions`, body, opts);

  it('invalid JSON is 400 invalid_request_error', { timeout: 15_000 }, async () => {
    await mockReset(up);
    for (const body of ['{"model": "fast", "messages": [', 'not json at all', '{"model":"fast",}', '{"model":"fast"} trailing']) {
      const r = await chat(body);
      assertOpenAIError(assert, r, 400, { type: 'invalid_request_error' });
      assert.ok(r.headers.get('x-request-id'));
    }
    const empty = await http(`${torii.v1}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    assertOpenAIError(assert, empty, 400, { type: 'invalid_request_error' });
    for (const path of ['/completions', '/embeddings']) {
      const r = await postJson(`${torii.v1}${path}`, '{"model":');
      assertOpenAIError(assert, r, 400, { type: 'invalid_request_error' });
    }
    assert.equal((await mockStats(up)).requests, 0);
    await assertHealthy(assert, torii);
  });

  it('missing or non-string model is 400 with param "model"', { timeout: 15_000 }, async () => {
    await mockReset(up);
    const missing = await chat({ messages: [{ role: 'user', content: 'hi' }] });
    assertOpenAIError(assert, missing, 400, { type: 'invalid_request_error', param: 'model' });
    const numeric = await chat({ model: 42, messages: [{ role: 'user', content: 'hi' }] });
    assertOpenAIError(assert, numeric, 400, { type: 'invalid_request_error', param: 'model' });
    const emb = await postJson(`${torii.v1}/embeddings`, { input: 'x' });
    assertOpenAIError(assert, emb, 400, { param: 'model' });
    const comp = await postJson(`${torii.v1}/completions`, { prompt: 'x' });
    assertOpenAIError(assert, comp, 400, { param: 'model' });
    const notObject = await chat('[{"model":"fast"}]');
    assertOpenAIError(assert, notObject, 400, { type: 'invalid_request_error' });
    assert.equal((await mockStats(up)).requests, 0);
    await assertHealthy(assert, torii);
  });

  it('unknown model is 404 model_not_found', { timeout: 10_000 }, async () => {
    const r = await chat(chatBody('does-not-exist'));
    const e = assertOpenAIError(assert, r, 404, { code: 'model_not_found' });
    assert.match(e.message, /does-not-exist/);
  });

  it('unknown path is 404 and wrong method on a known path is 405', { timeout: 15_000 }, async () => {
    for (const [method, path] of [['GET', '/v1/nope'], ['POST', '/v2/chat/completions'], ['GET', '/'], ['POST', '/v1/chat/completion']]) {
      const r = await http(`${torii.url}${path}`, { method, body: method === 'POST' ? '{}' : undefined });
      assertOpenAIError(assert, r, 404);
    }
    for (const [method, path] of [['GET', '/v1/chat/completions'], ['GET', '/v1/embeddings'], ['GET', '/v1/completions'], ['POST', '/v1/models'], ['DELETE', '/v1/models']]) {
      const r = await http(`${torii.url}${path}`, { method, body: method === 'POST' ? '{}' : undefined });
      assertOpenAIError(assert, r, 405);
    }
    await assertHealthy(assert, torii);
  });

  it('body larger than max_body_bytes is 413', { timeout: 15_000 }, async () => {
    await mockReset(up);
    const big = JSON.stringify(chatBody('fast', 'x'.repeat(12_000)));
    const r = await chat(big);
    assertOpenAIError(assert, r, 413);
    const justUnder = JSON.stringify(chatBody('fast', 'y'.repeat(3000)));
    assert.ok(justUnder.length < 4096);
    const ok = await chat(justUnder);
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await mockStats(up)).requests, 1, 'only the small request went upstream');
    await assertHealthy(assert, torii);
  });

  it('headers larger than max_header_bytes are 431', { timeout: 15_000 }, async () => {
    const r = await http(`${torii.v1}/models`, { headers: { 'x-big': 'h'.repeat(10_000) } });
    assertOpenAIError(assert, r, 431);
    await assertHealthy(assert, torii);
  });

  it('upstream unreachable is 502', { timeout: 15_000 }, async () => {
    const r = await chat(chatBody('dead'));
    assertOpenAIError(assert, r, 502);
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
    assert.ok(r.headers.get('x-request-id'));
    const s = await chat(chatBody('dead', 'hi', { stream: true }));
    assertOpenAIError(assert, s, 502);
    await assertHealthy(assert, torii);
  });

  it('upstream slower than timeout_ms is 504', { timeout: 15_000 }, async () => {
    const r = await chat(chatBody('slow'));
    assertOpenAIError(assert, r, 504);
    assert.ok(r.ms >= 250, `504 after only ${r.ms} ms (timeout_ms is 300)`);
    assert.ok(r.ms < 1900, `504 after ${r.ms} ms: the upstream answered before torii gave up`);
    const s = await chat(chatBody('slow', 'hi', { stream: true }));
    assertOpenAIError(assert, s, 504);
    await assertHealthy(assert, torii);
  });

  it('upstream 429 keeps its status, OpenAI-shaped, Retry-After passed through', { timeout: 15_000 }, async () => {
    await mockReset(failing);
    const r = await chat(chatBody('limited'));
    assertOpenAIError(assert, r, 429);
    // The mock runs with --retry-after 7; README: "Retry-After kept".
    assert.equal(r.headers.get('retry-after'), '7');
    const s = await chat(chatBody('limited', 'hi', { stream: true }));
    assertOpenAIError(assert, s, 429);
    assert.match(s.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(s.headers.get('retry-after'), '7', 'a stream refused before it started keeps Retry-After too');
    await assertHealthy(assert, torii);
  });

  it('upstream 500 and 503 keep their status, OpenAI-shaped', { timeout: 15_000 }, async () => {
    try {
      await mockConfig(failing, { api_key: 'sk-up', fail_status: 500 });
      assertOpenAIError(assert, await chat(chatBody('limited')), 500);
      await mockConfig(failing, { api_key: 'sk-up', fail_status: 503, retry_after: 2 });
      const r = await chat(chatBody('limited'));
      assertOpenAIError(assert, r, 503);
      assert.equal(r.headers.get('retry-after'), '2');
    } finally {
      await mockReset(failing);
    }
    await assertHealthy(assert, torii);
  });

  it('upstream 200 with malformed JSON is 502', { timeout: 15_000 }, async () => {
    const r = await chat(chatBody('broken'));
    assertOpenAIError(assert, r, 502);
    await assertHealthy(assert, torii);
  });

  it('upstream resetting the connection is 502', { timeout: 15_000 }, async () => {
    const r = await chat(chatBody('dropped'));
    assertOpenAIError(assert, r, 502);
    const e = await postJson(`${torii.v1}/embeddings`, { model: 'dropped', input: 'x' });
    assertOpenAIError(assert, e, 502);
    await assertHealthy(assert, torii);
  });

  it('upstream rejecting the provider key: an error that does not reveal the key', { timeout: 15_000 }, async () => {
    const r = await chat(chatBody('wrongkey'));
    assert.ok(r.status >= 400, `expected an error, got ${r.status}`);
    assertOpenAIError(assert, r, r.status);
    assert.ok(!r.text.includes(WRONG_KEY), `provider key in body: ${r.text}`);
    for (const [k, v] of r.headers.entries()) assert.ok(!v.includes(WRONG_KEY), `provider key in header ${k}`);
  });

  it('still serves normal requests after all of the above', { timeout: 10_000 }, async () => {
    const r = await chat(chatBody('fast'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.object, 'chat.completion');
    const d = await chat(chatBody('demo'));
    assert.equal(d.status, 200, d.text);
    assert.equal(d.json.object, 'chat.completion');
  });
});
