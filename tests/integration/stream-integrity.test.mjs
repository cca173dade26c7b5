// Upstream streams are passed on only when they are whole and well formed:
// a broken first event is a failed attempt (another target answers), a
// broken or missing later event ends the client's stream with the error
// event, and tool calls without input still end with parseable arguments.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {
  startMock, startTorii, stopAllOf, postJson, postStream, readSSE, mockConfig, mockReset, mockStats,
} from './harness.mjs';

const KEY = 'sk-integrity';
const auth = { authorization: `Bearer ${KEY}` };
const NO_INPUT_TOOL = {
  type: 'function',
  function: { name: 'current_time', description: 'The time now', parameters: { type: 'object', properties: {} } },
};

// provider type -> the entry torii reaches it with, all on one mock
function providers(mock) {
  return [
    { name: 'openai', type: 'openai', base_url: mock.v1, api_key: 'k' },
    { name: 'anthropic', type: 'anthropic', base_url: mock.url, api_key: 'k' },
    { name: 'gemini', type: 'gemini', base_url: mock.url, api_key: 'k' },
    { name: 'cohere', type: 'cohere', base_url: mock.url, api_key: 'k' },
    {
      name: 'bedrock', type: 'bedrock', region: 'us-east-1', base_url: mock.url,
      access_key_id: 'AKIDINTEGRITY', secret_access_key: 'integrity/secret',
    },
  ];
}
const UPSTREAM = {
  openai: 'gpt-x', anthropic: 'claude-x', gemini: 'gemini-x', cohere: 'command-x', bedrock: 'anthropic.claude-x-v1:0',
};

// The `event:` name of a readSSE event.
const eventName = (e) => e.fields.find(([k]) => k === 'event')?.[1];

async function openaiStream(torii, model, extra = {}) {
  const res = await postStream(`${torii.v1}/chat/completions`, {
    model, stream: true, messages: [{ role: 'user', content: 'tell me a story about streams' }], ...extra,
  }, { headers: auth });
  assert.equal(res.status, 200, `stream did not start for ${model}`);
  return { res, ...(await readSSE(res)) };
}

async function anthropicStream(torii, model) {
  const res = await postStream(`${torii.url}/v1/messages`, {
    model, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'tell me a story about streams' }],
  }, { headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' } });
  assert.equal(res.status, 200, `stream did not start for ${model}`);
  return { res, ...(await readSSE(res)) };
}

describe('stream integrity', () => {
  let mock; let healthy; let torii;

  before(async () => {
    mock = await startMock();
    healthy = await startMock();
    torii = await startTorii({
      auth: { keys: [KEY] },
      providers: [...providers(mock), { name: 'healthy', type: 'openai', base_url: healthy.v1, api_key: 'k' }],
      models: [
        // Priority order: the broken upstream first, a healthy one behind it.
        { name: 'twin', targets: [{ provider: 'openai', model: 'gpt-x' }, { provider: 'healthy', model: 'gpt-y' }] },
      ],
    });
  }, { timeout: 30_000 });

  after(async () => { await stopAllOf(torii, mock, healthy); }, { timeout: 30_000 });
  beforeEach(async () => { await mockReset(mock); await mockReset(healthy); });

  it('pass-through: a first event that is not JSON fails the attempt and the next target answers', async () => {
    await mockConfig(mock, { malformed: true, malformed_after: 0 });
    const { res, events } = await openaiStream(torii, 'twin');
    assert.equal(res.headers.get('x-torii-provider'), 'healthy');
    assert.equal(res.headers.get('x-torii-attempts'), '2');
    assert.equal(events.at(-1).data, '[DONE]');
    for (const e of events.slice(0, -1)) JSON.parse(e.data);  // every event the client got is JSON
    assert.equal((await mockStats(mock)).requests, 1, 'the broken upstream was asked once');
    assert.equal((await mockStats(healthy)).requests, 1);
  });

  it('pass-through: a broken event mid-stream reaches the official SDK as an APIError, not a SyntaxError', async () => {
    await mockConfig(mock, { malformed: true, malformed_after: 2 });
    const client = new OpenAI({ baseURL: torii.v1, apiKey: KEY, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-x', stream: true, messages: [{ role: 'user', content: 'tell me a story about streams' }],
    });
    let text = '';
    let error;
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    } catch (err) { error = err; }
    assert.ok(error, 'the stream must fail');
    assert.ok(!(error instanceof SyntaxError), `got ${error}`);
    assert.ok(error instanceof OpenAI.APIError, `got ${error?.constructor?.name}: ${error}`);
    assert.match(String(error.message), /invalid JSON in upstream stream event/);
  });

  for (const provider of Object.keys(UPSTREAM)) {
    it(`${provider}: a stream cut short without its completing event ends with the error event (OpenAI surface)`, async () => {
      await mockConfig(mock, { reset: 'truncate', reset_after_events: 3 });
      const { events } = await openaiStream(torii, `${provider}/${UPSTREAM[provider]}`);
      assert.ok(events.length >= 2, JSON.stringify(events));
      assert.notEqual(events.at(-1).data, '[DONE]');
      assert.ok(!events.some((e) => e.data === '[DONE]'), 'a truncated stream must not claim to be done');
      const last = JSON.parse(events.at(-1).data);
      assert.equal(last.error?.code, 'upstream_stream_error', JSON.stringify(last));
      assert.match(last.error.message, /ended before the answer was complete/);
    });

    it(`${provider}: a stream cut short ends with an Anthropic error event (Anthropic surface)`, async () => {
      await mockConfig(mock, { reset: 'truncate', reset_after_events: 3 });
      const { events } = await anthropicStream(torii, `${provider}/${UPSTREAM[provider]}`);
      assert.ok(!events.some((e) => eventName(e) === 'message_stop'), 'a truncated stream must not be stopped cleanly');
      assert.equal(eventName(events.at(-1)), 'error', JSON.stringify(events.slice(-3)));
      const body = JSON.parse(events.at(-1).data);
      assert.equal(body.type, 'error');
      assert.match(body.error.message, /ended before the answer was complete/);
    });
  }

  it('a whole stream still completes on every provider (no false alarms)', async () => {
    for (const provider of Object.keys(UPSTREAM)) {
      const { events } = await openaiStream(torii, `${provider}/${UPSTREAM[provider]}`);
      assert.equal(events.at(-1).data, '[DONE]', provider);
      const a = await anthropicStream(torii, `${provider}/${UPSTREAM[provider]}`);
      assert.equal(eventName(a.events.at(-1)), 'message_stop', provider);
    }
  });

  for (const provider of ['anthropic', 'cohere', 'bedrock', 'gemini', 'openai']) {
    it(`${provider}: a tool called without input gets "{}" arguments, streamed and not`, async () => {
      const model = `${provider}/${UPSTREAM[provider]}`;
      const body = {
        model, tools: [NO_INPUT_TOOL], tool_choice: 'required', messages: [{ role: 'user', content: 'what time is it' }],
      };
      const plain = await postJson(`${torii.v1}/chat/completions`, body, { headers: auth });
      assert.equal(plain.status, 200, plain.text);
      assert.equal(plain.json.choices[0].message.tool_calls[0].function.arguments, '{}');

      const { events } = await openaiStream(torii, model, { tools: [NO_INPUT_TOOL], tool_choice: 'required',
        messages: body.messages });
      assert.equal(events.at(-1).data, '[DONE]');
      let args = '';
      let name = '';
      for (const e of events.slice(0, -1)) {
        for (const tc of JSON.parse(e.data).choices?.[0]?.delta?.tool_calls ?? []) {
          name += tc.function?.name ?? '';
          args += tc.function?.arguments ?? '';
        }
      }
      assert.equal(name, 'current_time');
      assert.deepEqual(JSON.parse(args), {}, `streamed arguments ${JSON.stringify(args)}`);
    });
  }
});
