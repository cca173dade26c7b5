// Compatibility with the official OpenAI Node SDK pointed at torii.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {
  startMock, startTorii, mockProvider, mockStats, mockReset, closedPort, http, stopAllOf,
  assertOpenAIError,
} from './harness.mjs';

const TOOLS = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city'],
    },
  },
}];

const FORCE_TOOL = { type: 'function', function: { name: 'get_weather' } };

async function expectApiError(promise, Klass, status) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${Klass.name}, the call succeeded`);
  assert.ok(err instanceof Klass, `expected ${Klass.name}, got ${err?.constructor?.name}: ${err?.message}`);
  assert.equal(err.status, status, `${err.constructor.name}: ${err.message}`);
  return err;
}

describe('OpenAI Node SDK', () => {
  let up; let limited; let resetter; let torii; let client;

  before(async () => {
    [up, limited, resetter] = await Promise.all([
      startMock(['--api-key', 'sk-up']),
      startMock(['--api-key', 'sk-up', '--fail-status', '429', '--retry-after', '1']),
      startMock(['--api-key', 'sk-up', '--reset', 'during', '--reply-words', '20']),
    ]);
    const dead = await closedPort();
    torii = await startTorii({
      auth: { keys: ['k1'] },
      max_body_bytes: 16384,
      providers: [
        { name: 'local', type: 'mock' },
        mockProvider(up, 'up'),
        mockProvider(limited, 'limited'),
        mockProvider(resetter, 'resetter'),
        { name: 'dead', type: 'openai-compatible', base_url: `http://127.0.0.1:${dead}/v1`, api_key: 'sk-up', connect_timeout_ms: 1000 },
      ],
      models: [
        { name: 'demo', targets: [{ provider: 'local', model: 'demo' }] },
        { name: 'fast', targets: [{ provider: 'up', model: 'mock-1' }] },
        { name: 'limited', targets: [{ provider: 'limited', model: 'mock-1' }] },
        { name: 'resetme', targets: [{ provider: 'resetter', model: 'mock-1' }] },
        { name: 'dead', targets: [{ provider: 'dead', model: 'mock-1' }] },
      ],
    });
    client = new OpenAI({ apiKey: 'k1', baseURL: `${torii.v1}`, maxRetries: 0, timeout: 15_000 });
  }, { timeout: 40_000 });

  after(async () => { await stopAllOf(torii, up, limited, resetter); }, { timeout: 30_000 });

  for (const [label, model, provider, upstreamModel] of [
    ['in-process mock', 'demo', 'local', 'demo'],
    ['torii-mock', 'fast', 'up', 'mock-1'],
  ]) {
    describe(label, () => {
      it('chat.completions.create', { timeout: 15_000 }, async () => {
        const { data, response } = await client.chat.completions.create({
          model,
          messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello from the SDK' }],
        }).withResponse();
        assert.equal(data.object, 'chat.completion');
        assert.equal(data.choices.length, 1);
        assert.equal(data.choices[0].message.role, 'assistant');
        assert.equal(typeof data.choices[0].message.content, 'string');
        assert.ok(data.choices[0].message.content.length > 0);
        assert.equal(data.choices[0].finish_reason, 'stop');
        assert.ok(data.usage && data.usage.total_tokens > 0, 'usage expected');
        assert.equal(response.headers.get('x-torii-provider'), provider);
        assert.equal(response.headers.get('x-torii-model'), upstreamModel);
        assert.ok(response.headers.get('x-request-id'));
      });

      it('streaming: concatenated deltas equal the non-stream content', { timeout: 15_000 }, async () => {
        const messages = [{ role: 'user', content: 'Tell me a short story about a gate' }];
        const plain = await client.chat.completions.create({ model, messages });
        const stream = await client.chat.completions.create({
          model, messages, stream: true, stream_options: { include_usage: true },
        });
        let text = '';
        let chunks = 0;
        let finish = null;
        let usage = null;
        for await (const chunk of stream) {
          chunks++;
          assert.equal(chunk.object, 'chat.completion.chunk');
          const c = chunk.choices[0];
          if (c?.delta?.content) text += c.delta.content;
          if (c?.finish_reason) finish = c.finish_reason;
          if (chunk.usage) usage = chunk.usage;
        }
        assert.ok(chunks >= 2, `only ${chunks} chunk(s)`);
        assert.equal(text, plain.choices[0].message.content);
        assert.equal(finish, 'stop');
        assert.ok(usage && usage.completion_tokens > 0, 'include_usage should yield a usage chunk');
      });

      it('tools: a tool call with JSON arguments, then a tool-result round trip', { timeout: 15_000 }, async () => {
        const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
        const first = await client.chat.completions.create({ model, messages, tools: TOOLS, tool_choice: FORCE_TOOL });
        const choice = first.choices[0];
        assert.equal(choice.finish_reason, 'tool_calls');
        const calls = choice.message.tool_calls;
        assert.ok(Array.isArray(calls) && calls.length >= 1, `no tool_calls: ${JSON.stringify(choice.message)}`);
        const call = calls[0];
        assert.equal(call.type, 'function');
        assert.equal(typeof call.id, 'string');
        assert.ok(call.id.length > 0);
        assert.equal(call.function.name, 'get_weather');
        const args = JSON.parse(call.function.arguments);
        assert.equal(typeof args, 'object');

        const second = await client.chat.completions.create({
          model,
          tools: TOOLS,
          messages: [
            ...messages,
            choice.message,
            { role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temperature_c: 21, sky: 'clear' }) },
          ],
        });
        assert.equal(second.choices[0].finish_reason, 'stop');
        assert.equal(typeof second.choices[0].message.content, 'string');
        assert.ok(second.choices[0].message.content.length > 0);
      });

      it('tools while streaming: argument deltas assemble into JSON', { timeout: 15_000 }, async () => {
        const stream = await client.chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'Weather in Oslo?' }],
          tools: TOOLS,
          tool_choice: FORCE_TOOL,
          stream: true,
        });
        const calls = new Map();
        let finish = null;
        for await (const chunk of stream) {
          const c = chunk.choices[0];
          if (!c) continue;
          if (c.finish_reason) finish = c.finish_reason;
          for (const tc of c.delta?.tool_calls ?? []) {
            const cur = calls.get(tc.index) ?? { name: '', args: '' };
            if (tc.function?.name) cur.name += tc.function.name;
            if (tc.function?.arguments) cur.args += tc.function.arguments;
            calls.set(tc.index, cur);
          }
        }
        assert.equal(finish, 'tool_calls');
        assert.ok(calls.size >= 1, 'no tool call deltas');
        const call = calls.get(0);
        assert.equal(call.name, 'get_weather');
        assert.equal(typeof JSON.parse(call.args), 'object');
      });

      it('completions.create', { timeout: 15_000 }, async () => {
        const r = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 20 });
        assert.equal(r.object, 'text_completion');
        assert.equal(typeof r.choices[0].text, 'string');
        assert.ok(r.choices[0].text.length > 0);
        const s = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 20, stream: true });
        let text = '';
        for await (const chunk of s) text += chunk.choices[0]?.text ?? '';
        assert.equal(text, r.choices[0].text);
      });

      it('embeddings.create (base64 by default, decoded by the SDK)', { timeout: 15_000 }, async () => {
        if (provider === 'up') await mockReset(up);
        const r = await client.embeddings.create({ model, input: 'The quick brown fox' });
        if (provider === 'up') {
          const sent = JSON.parse((await mockStats(up)).last_request.body);
          assert.equal(sent.encoding_format, 'base64', 'the SDK asks for base64 and torii must pass it on');
        }
        assert.equal(r.object, 'list');
        assert.equal(r.data.length, 1);
        const v = r.data[0].embedding;
        assert.ok(Array.isArray(v), 'the SDK decodes base64 into an array');
        assert.ok(v.length >= 8, `vector length ${v.length}`);
        const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
        assert.ok(Math.abs(norm - 1) < 1e-3, `norm ${norm}`);

        const f = await client.embeddings.create({ model, input: 'The quick brown fox', encoding_format: 'float' });
        assert.equal(f.data[0].embedding.length, v.length);
        for (let i = 0; i < v.length; i++) assert.ok(Math.abs(f.data[0].embedding[i] - v[i]) < 1e-6, `component ${i}`);

        const batch = await client.embeddings.create({ model, input: ['alpha', 'beta'] });
        assert.deepEqual(batch.data.map((d) => d.index), [0, 1]);
        assert.notDeepEqual(batch.data[0].embedding, batch.data[1].embedding);
      });
    });
  }

  it('models.list() returns the configured models', { timeout: 15_000 }, async () => {
    const ids = [];
    for await (const m of client.models.list()) {
      assert.equal(m.object, 'model');
      ids.push(m.id);
    }
    assert.deepEqual(ids.sort(), ['dead', 'demo', 'fast', 'limited', 'resetme']);
  });

  it('wrong key: AuthenticationError 401 invalid_api_key', { timeout: 15_000 }, async () => {
    const bad = new OpenAI({ apiKey: 'not-a-key', baseURL: torii.v1, maxRetries: 0, timeout: 10_000 });
    const err = await expectApiError(
      bad.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'hi' }] }),
      OpenAI.AuthenticationError, 401);
    assert.equal(err.code, 'invalid_api_key');
    await expectApiError(bad.models.list(), OpenAI.AuthenticationError, 401);
  });

  it('unknown model: NotFoundError 404 model_not_found', { timeout: 15_000 }, async () => {
    const err = await expectApiError(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
      OpenAI.NotFoundError, 404);
    assert.equal(err.code, 'model_not_found');
    await expectApiError(client.embeddings.create({ model: 'no-such-model', input: 'x' }), OpenAI.NotFoundError, 404);
  });

  it('bad request: BadRequestError 400', { timeout: 15_000 }, async () => {
    const err = await expectApiError(
      client.chat.completions.create({ messages: [{ role: 'user', content: 'no model here' }] }),
      OpenAI.BadRequestError, 400);
    assert.equal(err.param, 'model');
    assert.equal(err.type, 'invalid_request_error');
    const raw = await http(`${torii.v1}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k1', 'content-type': 'application/json' },
      body: '{"model": "demo", "messages": [ {"role": "user", ',
    });
    assertOpenAIError(assert, raw, 400, { type: 'invalid_request_error' });
  });

  it('body too large: APIError 413', { timeout: 15_000 }, async () => {
    const err = await expectApiError(
      client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'z'.repeat(40_000) }] }),
      OpenAI.APIError, 413);
    assert.ok(err.error && typeof err.error.message === 'string', 'OpenAI-shaped error body expected');
  });

  it('upstream 429: RateLimitError', { timeout: 15_000 }, async () => {
    await expectApiError(
      client.chat.completions.create({ model: 'limited', messages: [{ role: 'user', content: 'hi' }] }),
      OpenAI.RateLimitError, 429);
  });

  it('upstream unreachable: InternalServerError 502', { timeout: 15_000 }, async () => {
    await expectApiError(
      client.chat.completions.create({ model: 'dead', messages: [{ role: 'user', content: 'hi' }] }),
      OpenAI.InternalServerError, 502);
  });

  it('upstream reset mid-stream: the SDK iteration throws instead of hanging', { timeout: 20_000 }, async () => {
    const stream = await client.chat.completions.create({
      model: 'resetme', messages: [{ role: 'user', content: 'break please' }], stream: true,
    });
    let chunks = 0;
    let err;
    try {
      for await (const chunk of stream) { if (chunk) chunks++; }
    } catch (e) {
      err = e;
    }
    assert.ok(chunks >= 1, 'content before the reset should arrive');
    assert.ok(err, 'a broken stream must surface as an error');
    assert.ok(err instanceof OpenAI.APIError, `expected APIError from an error event, got ${err?.constructor?.name}: ${err?.message}`);
    assert.ok(!(err instanceof OpenAI.APIConnectionError), 'torii should end the stream with an error event, not a broken connection');
  });
});
