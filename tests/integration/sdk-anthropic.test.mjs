// The official Anthropic SDK as a client of /v1/messages: plain, streaming,
// tools and errors, answered by non-Anthropic targets through translation.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startMock, startTorii, mockProvider, mockStats, stopAllOf } from './harness.mjs';

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('Anthropic SDK against /v1/messages', () => {
  let up; let torii; let client;

  before(async () => {
    up = await startMock(['--api-key', 'sk-up']);
    torii = await startTorii({
      workers: 2,
      auth: { keys: ['k-anthropic'] },
      providers: [mockProvider(up, 'up'), { name: 'local', type: 'mock' }],
      models: [
        { name: 'via-openai', targets: [{ provider: 'up', model: 'gpt-mock' }] },
        { name: 'in-process', targets: [{ provider: 'local', model: 'mock-1' }] },
      ],
    });
    client = new Anthropic({ apiKey: 'k-anthropic', baseURL: torii.url, maxRetries: 0 });
  });
  after(() => stopAllOf(torii, up));

  // The answer names the model that answered, as the upstream reports it.
  const answeredBy = { 'via-openai': 'gpt-mock', 'in-process': 'mock-1' };
  for (const model of ['via-openai', 'in-process']) {
    it(`${model}: plain message`, async () => {
      const msg = await client.messages.create({
        model, max_tokens: 200, system: 'Be brief.',
        messages: [{ role: 'user', content: 'Hello from the Anthropic SDK' }],
      });
      assert.equal(msg.type, 'message');
      assert.equal(msg.role, 'assistant');
      assert.equal(msg.model, answeredBy[model]);
      assert.equal(msg.stop_reason, 'end_turn');
      assert.equal(msg.content[0].type, 'text');
      assert.match(msg.content[0].text, /Hello from the Anthropic SDK/);
      assert.ok(msg.usage.input_tokens > 0);
      assert.ok(msg.usage.output_tokens > 0);
    });

    it(`${model}: streaming gives the same text as the plain answer`, async () => {
      const params = { model, max_tokens: 200, messages: [{ role: 'user', content: 'Stream this please' }] };
      const plain = await client.messages.create(params);
      const stream = client.messages.stream(params);
      const types = [];
      let text = '';
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      }
      const final = await stream.finalMessage();
      assert.equal(types[0], 'message_start');
      assert.equal(types.at(-1), 'message_stop');
      assert.ok(types.includes('message_delta'));
      assert.equal(text, plain.content[0].text);
      assert.equal(final.content[0].text, plain.content[0].text);
      assert.equal(final.stop_reason, 'end_turn');
      assert.ok(final.usage.output_tokens > 0);
    });

    it(`${model}: tool use and the tool result round trip`, async () => {
      const first = await client.messages.create({
        model, max_tokens: 200, tools: [WEATHER_TOOL],
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      });
      assert.equal(first.stop_reason, 'tool_use');
      const use = first.content.find((b) => b.type === 'tool_use');
      assert.ok(use, JSON.stringify(first.content));
      assert.equal(use.name, 'get_weather');
      assert.equal(typeof use.input.city, 'string');
      assert.ok(use.id.length > 0);

      const second = await client.messages.create({
        model, max_tokens: 200, tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'What is the weather in Paris?' },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'Sunny, 21 C' }] },
        ],
      });
      assert.equal(second.stop_reason, 'end_turn');
      assert.match(second.content[0].text, /Sunny, 21 C/);
    });

    it(`${model}: streamed tool use reassembles the input`, async () => {
      const stream = client.messages.stream({
        model, max_tokens: 200, tools: [WEATHER_TOOL],
        messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      });
      const final = await stream.finalMessage();
      assert.equal(final.stop_reason, 'tool_use');
      const use = final.content.find((b) => b.type === 'tool_use');
      assert.equal(use.name, 'get_weather');
      assert.equal(typeof use.input.city, 'string');
    });
  }

  it('the OpenAI upstream receives the translated request', async () => {
    await client.messages.create({
      model: 'via-openai', max_tokens: 77, system: 'System words.', stop_sequences: ['END'],
      messages: [{ role: 'user', content: 'Translate me' }],
    });
    const body = JSON.parse((await mockStats(up)).last_request.body);
    assert.equal(body.model, 'gpt-mock');
    assert.equal(body.max_tokens, 77);
    assert.deepEqual(body.stop, ['END']);
    assert.deepEqual(body.messages[0], { role: 'system', content: 'System words.' });
    assert.deepEqual(body.messages[1], { role: 'user', content: 'Translate me' });
  });

  it('errors reach the SDK as its own error classes', async () => {
    const bad = new Anthropic({ apiKey: 'wrong', baseURL: torii.url, maxRetries: 0 });
    await assert.rejects(
      bad.messages.create({ model: 'in-process', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (err) => err instanceof Anthropic.AuthenticationError && err.status === 401,
    );
    await assert.rejects(
      client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (err) => err instanceof Anthropic.NotFoundError && err.error?.error?.type === 'not_found_error',
    );
  });
});
