// An `anthropic` provider behind Torii: the OpenAI SDK through translation,
// and the Anthropic SDK through pass-through, against torii-mock speaking the
// Messages API (credentials checked as the real API does).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import {
  startMock, startTorii, mockStats, mockConfig, mockReset, stopAllOf, postStream, readSSE,
} from './harness.mjs';

const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather', description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('anthropic provider', () => {
  let claude; let torii; let openai; let anthropic;

  before(async () => {
    claude = await startMock(['--api-key', 'sk-ant']);
    torii = await startTorii({
      workers: 1,
      auth: { keys: ['k1'] },
      providers: [{ name: 'claude', type: 'anthropic', base_url: claude.url, api_key: 'sk-ant' }],
      models: [
        { name: 'sonnet', targets: [{ provider: 'claude', model: 'claude-sonnet-4-6' }] },
        { name: 'sonnet-short', default_max_tokens: 123, targets: [{ provider: 'claude', model: 'claude-sonnet-4-6' }] },
      ],
    });
    openai = new OpenAI({ apiKey: 'k1', baseURL: torii.v1, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'k1', baseURL: torii.url, maxRetries: 0 });
  });
  after(() => stopAllOf(torii, claude));

  it('OpenAI SDK: plain chat is translated both ways', async () => {
    const r = await openai.chat.completions.create({
      model: 'sonnet',
      messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hello Claude via OpenAI' }],
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, 'claude-sonnet-4-6');
    assert.match(r.choices[0].message.content, /Hello Claude via OpenAI/);
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);

    const seen = (await mockStats(claude)).last_request;
    assert.equal(seen.path, '/v1/messages');
    assert.equal(seen.headers['x-api-key'], 'sk-ant');
    assert.equal(seen.headers['anthropic-version'], '2023-06-01');
    assert.equal(seen.headers.authorization, undefined);
    const body = JSON.parse(seen.body);
    assert.equal(body.model, 'claude-sonnet-4-6');
    assert.equal(body.system, 'Be terse.');
    assert.equal(body.max_tokens, 4096);
    assert.deepEqual(body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hello Claude via OpenAI' }] }]);
  });

  it('the model default_max_tokens applies when the request has none', async () => {
    await openai.chat.completions.create({ model: 'sonnet-short', messages: [{ role: 'user', content: 'short' }] });
    assert.equal(JSON.parse((await mockStats(claude)).last_request.body).max_tokens, 123);
    await openai.chat.completions.create({ model: 'sonnet-short', max_tokens: 7, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(JSON.parse((await mockStats(claude)).last_request.body).max_tokens, 7);
  });

  it('OpenAI SDK: streaming matches the plain answer, with usage when asked', async () => {
    const params = { model: 'sonnet', messages: [{ role: 'user', content: 'Stream through Claude' }] };
    const plain = await openai.chat.completions.create(params);
    const stream = await openai.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish = null;
    let usage = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const c = chunk.choices[0];
      if (!c) continue;
      text += c.delta?.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
    assert.equal(text, plain.choices[0].message.content);
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens === plain.usage.completion_tokens, JSON.stringify(usage));
  });

  it('OpenAI SDK: tool calls and the tool result round trip keep their ids', async () => {
    const first = await openai.chat.completions.create({
      model: 'sonnet', tools: [WEATHER], messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    const call = first.choices[0].message.tool_calls[0];
    assert.equal(call.function.name, 'get_weather');
    assert.equal(typeof JSON.parse(call.function.arguments).city, 'string');
    const second = await openai.chat.completions.create({
      model: 'sonnet', tools: [WEATHER],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        first.choices[0].message,
        { role: 'tool', tool_call_id: call.id, content: 'Rain, 12 C' },
      ],
    });
    assert.match(second.choices[0].message.content, /Rain, 12 C/);
    const body = JSON.parse((await mockStats(claude)).last_request.body);
    assert.equal(body.messages[1].content[0].type, 'tool_use');
    assert.equal(body.messages[1].content[0].id, call.id);
    assert.equal(body.messages[2].content[0].type, 'tool_result');
    assert.equal(body.messages[2].content[0].tool_use_id, call.id);
  });

  it('OpenAI SDK: streamed tool call arguments arrive in order', async () => {
    const stream = await openai.chat.completions.create({
      model: 'sonnet', tools: [WEATHER], stream: true, messages: [{ role: 'user', content: 'Weather in Rome?' }],
    });
    let args = '';
    let name = '';
    let finish = null;
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (!c) continue;
      for (const tc of c.delta?.tool_calls ?? []) {
        if (tc.function?.name) name = tc.function.name;
        args += tc.function?.arguments ?? '';
      }
      if (c.finish_reason) finish = c.finish_reason;
    }
    assert.equal(name, 'get_weather');
    assert.equal(typeof JSON.parse(args).city, 'string');
    assert.equal(finish, 'tool_calls');
  });

  it('OpenAI SDK: cache_control markers pass and cached tokens are reported', async () => {
    const r = await openai.chat.completions.create({
      model: 'sonnet',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'A long shared context '.repeat(20), cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: [{ type: 'text', text: 'A cached question', cache_control: { type: 'ephemeral' } }] },
      ],
    });
    const body = JSON.parse((await mockStats(claude)).last_request.body);
    assert.deepEqual(body.system[0].cache_control, { type: 'ephemeral' });
    assert.deepEqual(body.messages[0].content[0].cache_control, { type: 'ephemeral' });
    // The mock reads from cache everything before the last marker and writes the marked block.
    assert.ok(r.usage.prompt_tokens_details.cached_tokens >= 80, JSON.stringify(r.usage));
    assert.ok(r.usage.cache_creation_input_tokens > 0, JSON.stringify(r.usage));
    assert.ok(r.usage.prompt_tokens > r.usage.prompt_tokens_details.cached_tokens);
  });

  it('Anthropic SDK: the request passes through untouched but for the model', async () => {
    const raw = '{"model":"sonnet","max_tokens":64,  "messages":[{"role":"user","content":[{"type":"text","text":"Pass me","cache_control":{"type":"ephemeral"}}]}],"metadata":{"user_id":"u-7"}}';
    const res = await fetch(`${torii.url}/v1/messages`, {
      method: 'POST', headers: { 'x-api-key': 'k1', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'prompt-caching-2024-07-31' }, body: raw,
    });
    assert.equal(res.status, 200);
    const msg = await res.json();
    assert.equal(msg.type, 'message');
    const seen = (await mockStats(claude)).last_request;
    assert.equal(seen.body, raw.replace('"model":"sonnet"', '"model":"claude-sonnet-4-6"'));
    assert.equal(seen.headers['anthropic-beta'], 'prompt-caching-2024-07-31');
  });

  it('POST /messages answers like /v1/messages (SDKs given a bare host); non-list messages are refused', async () => {
    const headers = { 'x-api-key': 'k1', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };
    const ok = await fetch(`${torii.url}/messages`, { method: 'POST', headers,
      body: JSON.stringify({ model: 'sonnet', max_tokens: 32, messages: [{ role: 'user', content: 'Bare host' }] }) });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).type, 'message');
    const unknown = await fetch(`${torii.url}/messages`, { method: 'POST', headers,
      body: JSON.stringify({ model: 'nope', max_tokens: 32, messages: [] }) });
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).type, 'error', 'the Anthropic error shape');
    const before = (await mockStats(claude)).requests;
    for (const messages of [{ role: 'user', content: 'x' }, 'hello', null]) {
      const r = await fetch(`${torii.url}/v1/messages`, { method: 'POST', headers,
        body: JSON.stringify({ model: 'sonnet', max_tokens: 32, messages }) });
      assert.equal(r.status, 400);
      const e = await r.json();
      assert.equal(e.type, 'error');
      assert.equal(e.error.message, 'messages: Input should be a valid list');
    }
    assert.equal((await mockStats(claude)).requests, before, 'nothing was forwarded');
  });

  it('Anthropic SDK: streaming events are the upstream events, byte for byte', async () => {
    const body = { model: 'sonnet', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Stream me' }] };
    const direct = await fetch(`${claude.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-ant', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, model: 'claude-sonnet-4-6' }),
    });
    const viaTorii = await postStream(`${torii.url}/v1/messages`, body, { headers: { 'x-api-key': 'k1' } });
    const a = (await readSSE(direct)).events.map((e) => e.raw);
    const b = (await readSSE(viaTorii)).events.map((e) => e.raw);
    assert.ok(a.length > 4);
    assert.deepEqual(b, a);

    const stream = anthropic.messages.stream({ model: 'sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'SDK stream' }] });
    const final = await stream.finalMessage();
    assert.match(final.content[0].text, /SDK stream/);
    assert.equal(final.stop_reason, 'end_turn');
  });

  it('an invalid JSON event from the upstream ends the stream with a clean error', async () => {
    await mockConfig(claude, { api_key: 'sk-ant', malformed: true });
    try {
      const res = await postStream(`${torii.v1}/chat/completions`,
        { model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'break the stream' }] },
        { headers: { authorization: 'Bearer k1' } });
      assert.equal(res.status, 200);
      const { events } = await readSSE(res);
      const last = JSON.parse(events.at(-1).data);
      assert.equal(last.error.code, 'upstream_stream_error', events.at(-1).data);
      assert.match(last.error.message, /invalid JSON/);
    } finally {
      await mockReset(claude);
    }
    const ok = await openai.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'still here' }] });
    assert.match(ok.choices[0].message.content, /still here/);
  });

  it('upstream errors keep their meaning on both surfaces', async () => {
    await mockConfig(claude, { api_key: 'sk-ant', fail_status: 429, retry_after: 9 });
    try {
      await assert.rejects(
        openai.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'x' }] }),
        (err) => err instanceof OpenAI.RateLimitError && err.headers.get('retry-after') === '9',
      );
      await assert.rejects(
        anthropic.messages.create({ model: 'sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
        (err) => err instanceof Anthropic.RateLimitError && err.error?.error?.type === 'rate_limit_error',
      );
      await mockConfig(claude, { api_key: 'sk-ant', fail_status: 529 });
      await assert.rejects(
        openai.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'x' }] }),
        (err) => err.status === 503,
      );
      await assert.rejects(
        anthropic.messages.create({ model: 'sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
        (err) => err.status === 529 && err.error?.error?.type === 'overloaded_error',
      );
    } finally {
      await mockReset(claude);
    }
  });
});
