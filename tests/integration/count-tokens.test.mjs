// POST /v1/messages/count_tokens through the official Anthropic SDK, on a
// model of every family: Anthropic, Gemini (countTokens) and Bedrock
// (CountTokens, SigV4-signed) targets count upstream, and the count is the
// input_tokens the same prompt is billed when answered; the others, and an
// upstream that gives no count, get the estimate marked
// `x-torii-token-count: estimated`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import {
  FAMILIES, closedPort, familyConfig, mockStats, startFamiliesMock, startTorii, stopAllOf,
} from './harness.mjs';

const KEY = 'sk-count';
const TOOL = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const PROMPT = {
  system: 'You are a terse travel assistant.',
  messages: [
    { role: 'user', content: 'Which city should I visit in spring?' },
    { role: 'assistant', content: 'Kyoto, for the blossoms.' },
    { role: 'user', content: [{ type: 'text', text: 'And how many days would you spend there?' }] },
  ],
  tools: [TOOL],
};
const COUNTED_UPSTREAM = ['anthropic', 'gemini', 'bedrock'];

describe('count_tokens on every family', () => {
  let mock; let torii; let client;

  before(async () => {
    mock = await startFamiliesMock(KEY);
    const { providers, models } = familyConfig(mock, KEY);
    const down = await closedPort();
    providers.push({ name: 'gemini-down', type: 'gemini', base_url: `http://127.0.0.1:${down}`, api_key: KEY });
    models.push(
      // A cross-region inference profile: Bedrock counts on foundation models only.
      { name: 'bedrock-profile', targets: [{ provider: 'bedrock', model: 'us.anthropic.claude-up-v1:0' }] },
      { name: 'gemini-down', targets: [{ provider: 'gemini-down', model: 'gemini-up' }] },
      // The first target that can count does, even behind one that cannot.
      { name: 'openai-then-gemini', targets: [{ provider: 'openai', model: 'gpt-up' }, { provider: 'gemini', model: 'gemini-up' }] },
    );
    torii = await startTorii({ workers: 2, auth: { keys: ['k-count'] }, providers, models });
    client = new Anthropic({ apiKey: 'k-count', baseURL: torii.url, maxRetries: 0 });
  });
  after(() => stopAllOf(torii, mock));

  for (const family of FAMILIES) {
    const upstream = COUNTED_UPSTREAM.includes(family);
    it(`${family}: ${upstream ? 'counted upstream, the same count the answer is billed' : 'estimated, and marked so'}`,
      async () => {
        const { data, response } = await client.messages.countTokens({ model: family, ...PROMPT }).withResponse();
        assert.ok(Number.isInteger(data.input_tokens) && data.input_tokens > 0);
        if (!upstream) {
          assert.equal(response.headers.get('x-torii-token-count'), 'estimated');
          return;
        }
        assert.equal(response.headers.get('x-torii-token-count'), null);
        assert.equal(response.headers.get('x-torii-provider'), family);
        const answered = await client.messages.create({ model: family, max_tokens: 100, ...PROMPT });
        assert.equal(data.input_tokens, answered.usage.input_tokens);
      });
  }

  it('gemini: the count request is a generateContentRequest for the model', async () => {
    await client.messages.countTokens({ model: 'gemini', ...PROMPT });
    const stats = await mockStats(mock);
    const last = stats.last_request;
    assert.match(last.path, /\/v1beta\/models\/gemini-up:countTokens$/);
    const body = JSON.parse(last.body);
    assert.equal(body.generateContentRequest.model, 'models/gemini-up');
    assert.equal(body.generateContentRequest.systemInstruction.parts[0].text, PROMPT.system);
    assert.equal(body.generateContentRequest.contents.length, 3);
    assert.equal(body.generateContentRequest.tools[0].functionDeclarations[0].name, 'get_weather');
  });

  it('bedrock: the count request is a signed Converse input', async () => {
    await client.messages.countTokens({ model: 'bedrock', ...PROMPT });
    const last = (await mockStats(mock)).last_request;
    assert.match(last.path, /\/model\/anthropic\.claude-up-v1%3A0\/count-tokens$/);
    const body = JSON.parse(last.body);
    assert.deepEqual(Object.keys(body.input), ['converse']);
    assert.deepEqual(Object.keys(body.input.converse).sort(), ['messages', 'system', 'toolConfig']);
    assert.equal(body.input.converse.system[0].text, PROMPT.system);
  });

  it('a model that does not count (a Bedrock inference profile) gets the estimate', async () => {
    const { data, response } = await client.messages.countTokens({ model: 'bedrock-profile', ...PROMPT }).withResponse();
    assert.equal(response.headers.get('x-torii-token-count'), 'estimated');
    assert.ok(data.input_tokens > 0);
  });

  it('an unreachable counter gets the estimate', async () => {
    const { data, response } = await client.messages.countTokens({ model: 'gemini-down', ...PROMPT }).withResponse();
    assert.equal(response.headers.get('x-torii-token-count'), 'estimated');
    assert.ok(data.input_tokens > 0);
  });

  it('the first target that can count does', async () => {
    const { response } = await client.messages.countTokens({ model: 'openai-then-gemini', ...PROMPT }).withResponse();
    assert.equal(response.headers.get('x-torii-token-count'), null);
    assert.equal(response.headers.get('x-torii-provider'), 'gemini');
  });

  it('a prompt the family cannot take is the 400 a message would get', async () => {
    const system = [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }];
    await assert.rejects(client.messages.countTokens({ model: 'gemini', system, messages: PROMPT.messages }),
      (e) => e.status === 400 && e.error?.type === 'error' && /system: only text blocks/.test(e.message));
  });
});
