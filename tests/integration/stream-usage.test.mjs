// Usage is taken from every stream: OpenAI-wire upstreams are asked for it
// (stream_options.include_usage) even when the client did not ask, and the
// extra usage chunk is taken out of what that client sees.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, startTorii, mockProvider, mockStats, stopAllOf, postStream, readSSE, chatBody } from './harness.mjs';

describe('stream usage', () => {
  let up; let torii;

  before(async () => {
    up = await startMock(['--api-key', 'sk-up']);
    torii = await startTorii({
      workers: 1,
      providers: [mockProvider(up, 'up')],
      models: [{ name: 'm', targets: [{ provider: 'up', model: 'mock-1' }] }],
    });
  });
  after(() => stopAllOf(torii, up));

  it('asks the upstream for usage and hides it from a client that did not ask', async () => {
    const res = await postStream(`${torii.v1}/chat/completions`, chatBody('m', 'count my tokens', { stream: true }));
    const { events } = await readSSE(res);
    const upstream = JSON.parse((await mockStats(up)).last_request.body);
    assert.deepEqual(upstream.stream_options, { include_usage: true });
    assert.equal(events.at(-1).data, '[DONE]');
    for (const e of events.slice(0, -1)) {
      const chunk = JSON.parse(e.data);
      assert.ok(!('usage' in chunk), `usage leaked to the client: ${e.data}`);
      assert.equal(chunk.choices.length, 1);
    }
  });

  it('a client that asked for usage gets it, and its body is untouched', async () => {
    const raw = '{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"usage please"}]}';
    const res = await fetch(`${torii.v1}/chat/completions`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json' } });
    const { events } = await readSSE(res);
    assert.equal((await mockStats(up)).last_request.body, raw.replace('"model":"m"', '"model":"mock-1"'));
    const usage = events.slice(0, -1).map((e) => JSON.parse(e.data)).find((c) => c.usage);
    assert.ok(usage && usage.usage.completion_tokens > 0);
    assert.deepEqual(usage.choices, []);
  });

  it('client stream_options without include_usage get it added', async () => {
    const res = await postStream(`${torii.v1}/chat/completions`,
      chatBody('m', 'options but no usage', { stream: true, stream_options: { include_usage: false } }));
    const { events } = await readSSE(res);
    const upstream = JSON.parse((await mockStats(up)).last_request.body);
    assert.equal(upstream.stream_options.include_usage, true);
    assert.ok(events.slice(0, -1).every((e) => !('usage' in JSON.parse(e.data))));
  });
});
