// A `gemini` provider behind Torii: the OpenAI SDK through translation to the
// Gemini API, against torii-mock speaking generateContent /
// streamGenerateContent / batchEmbedContents (key checked as Google does).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import OpenAI from 'openai';
import {
  startMock, startTorii, mockStats, mockConfig, mockReset, stopAllOf, HOST,
} from './harness.mjs';

const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather', description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  },
};
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

// An upstream that refuses every prompt, as Gemini does when promptFeedback
// blocks it (no candidates), plain and streamed.
async function startBlocker() {
  const blocked = JSON.stringify({
    promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
    usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 },
    modelVersion: 'gemini-block', responseId: 'blocked-1',
  });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url.includes(':streamGenerateContent')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${blocked}\r\n\r\n`);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(blocked);
      }
    });
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  return { url: `http://${HOST}:${server.address().port}`, stop: () => new Promise((r) => server.close(r)) };
}

describe('gemini provider', () => {
  let mock; let blocker; let torii; let openai;

  before(async () => {
    mock = await startMock(['--api-key', 'g-key']);
    blocker = await startBlocker();
    torii = await startTorii({
      workers: 1,
      auth: { keys: ['k1'] },
      providers: [
        { name: 'gem', type: 'gemini', base_url: mock.url, api_key: 'g-key' },
        { name: 'gem-bad-key', type: 'gemini', base_url: mock.url, api_key: 'wrong' },
        { name: 'gem-blocking', type: 'gemini', base_url: blocker.url, api_key: 'g-key' },
      ],
      models: [
        { name: 'flash', targets: [{ provider: 'gem', model: 'gemini-2.5-flash' }] },
        { name: 'embed', targets: [{ provider: 'gem', model: 'text-embedding-004' }] },
        { name: 'bad-key', targets: [{ provider: 'gem-bad-key', model: 'gemini-2.5-flash' }] },
        { name: 'blocking', targets: [{ provider: 'gem-blocking', model: 'gemini-2.5-flash' }] },
      ],
    });
    openai = new OpenAI({ apiKey: 'k1', baseURL: torii.v1, maxRetries: 0 });
  });
  after(() => stopAllOf(torii, mock, blocker));

  it('plain chat is translated both ways; the key goes as x-goog-api-key', async () => {
    const r = await openai.chat.completions.create({
      model: 'flash', temperature: 0.5, max_tokens: 200, stop: ['ZZZ'],
      messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hello Gemini via OpenAI' }],
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, 'gemini-2.5-flash');
    assert.match(r.choices[0].message.content, /Hello Gemini via OpenAI/);
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);

    const seen = (await mockStats(mock)).last_request;
    assert.equal(seen.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(seen.headers['x-goog-api-key'], 'g-key');
    assert.equal(seen.headers.authorization, undefined);
    const body = JSON.parse(seen.body);
    assert.equal(body.model, undefined);
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'Be terse.' }] });
    assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'Hello Gemini via OpenAI' }] }]);
    assert.deepEqual(body.generationConfig, { temperature: 0.5, maxOutputTokens: 200, stopSequences: ['ZZZ'] });
  });

  it('streaming matches the plain answer, with usage when asked', async () => {
    const params = { model: 'flash', messages: [{ role: 'user', content: 'Stream through Gemini please' }] };
    const plain = await openai.chat.completions.create(params);
    const stream = await openai.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish = null;
    let usage = null;
    let role = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const c = chunk.choices[0];
      if (!c) continue;
      role ??= c.delta?.role ?? null;
      text += c.delta?.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
    assert.equal(role, 'assistant');
    assert.equal(text, plain.choices[0].message.content);
    assert.equal(finish, 'stop');
    assert.ok(usage, 'usage chunk');
    assert.equal(usage.completion_tokens, plain.usage.completion_tokens);
    assert.equal(usage.prompt_tokens, plain.usage.prompt_tokens);
    const seen = (await mockStats(mock)).last_request;
    assert.equal(seen.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    assert.equal(seen.query, 'alt=sse');
  });

  it('tool calls and the tool result round trip, ids kept', async () => {
    const first = await openai.chat.completions.create({
      model: 'flash', tools: [WEATHER], messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.equal(first.choices[0].message.content, null);
    const call = first.choices[0].message.tool_calls[0];
    assert.match(call.id, /^call_/);
    assert.equal(call.function.name, 'get_weather');
    assert.equal(typeof JSON.parse(call.function.arguments).city, 'string');
    let body = JSON.parse((await mockStats(mock)).last_request.body);
    assert.equal(body.tools[0].functionDeclarations[0].name, 'get_weather');
    assert.equal(body.tools[0].functionDeclarations[0].parameters.additionalProperties, undefined);

    const again = await openai.chat.completions.create({
      model: 'flash', tools: [WEATHER], messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    assert.equal(again.choices[0].message.tool_calls[0].id, call.id, 'ids are deterministic');

    const second = await openai.chat.completions.create({
      model: 'flash', tools: [WEATHER],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        first.choices[0].message,
        { role: 'tool', tool_call_id: call.id, content: 'Rain, 12 C' },
      ],
    });
    assert.match(second.choices[0].message.content, /Rain, 12 C/);
    assert.equal(second.choices[0].finish_reason, 'stop');
    body = JSON.parse((await mockStats(mock)).last_request.body);
    assert.equal(body.contents.length, 3);
    assert.equal(body.contents[1].role, 'model');
    assert.equal(body.contents[1].parts[0].functionCall.name, 'get_weather');
    assert.deepEqual(body.contents[1].parts[0].functionCall.args, JSON.parse(call.function.arguments));
    assert.equal(body.contents[2].role, 'user');
    assert.deepEqual(body.contents[2].parts[0].functionResponse, { name: 'get_weather', response: { content: 'Rain, 12 C' } });
  });

  it('streamed tool calls carry index, id, name and arguments', async () => {
    const plain = await openai.chat.completions.create({
      model: 'flash', tools: [WEATHER], tool_choice: 'required', messages: [{ role: 'user', content: 'Weather in Rome?' }],
    });
    const stream = await openai.chat.completions.create({
      model: 'flash', tools: [WEATHER], tool_choice: 'required', stream: true,
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
    });
    const calls = [];
    let finish = null;
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (!c) continue;
      for (const tc of c.delta?.tool_calls ?? []) {
        calls[tc.index] ??= { id: '', name: '', args: '' };
        if (tc.id) calls[tc.index].id = tc.id;
        if (tc.function?.name) calls[tc.index].name = tc.function.name;
        calls[tc.index].args += tc.function?.arguments ?? '';
      }
      if (c.finish_reason) finish = c.finish_reason;
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(calls.length, 1);
    assert.equal(calls[0].name, 'get_weather');
    assert.deepEqual(JSON.parse(calls[0].args), JSON.parse(plain.choices[0].message.tool_calls[0].function.arguments));
    assert.match(calls[0].id, /^call_/);
    const body = JSON.parse((await mockStats(mock)).last_request.body);
    assert.deepEqual(body.toolConfig, { functionCallingConfig: { mode: 'ANY' } });
  });

  it('image input reaches the upstream as inlineData', async () => {
    const r = await openai.chat.completions.create({
      model: 'flash',
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'Describe this picture' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          { type: 'image_url', image_url: { url: 'https://example.com/photo.jpg' } },
        ],
      }],
    });
    assert.match(r.choices[0].message.content, /Describe this picture/);
    const body = JSON.parse((await mockStats(mock)).last_request.body);
    assert.deepEqual(body.contents[0].parts, [
      { text: 'Describe this picture' },
      { inlineData: { mimeType: 'image/png', data: PNG } },
      { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/photo.jpg' } },
    ]);
  });

  it('JSON schema output goes as responseMimeType + responseSchema', async () => {
    const r = await openai.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: 'Give me a city' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'city', strict: true,
          schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false },
        },
      },
    });
    assert.equal(typeof JSON.parse(r.choices[0].message.content).name, 'string');
    const body = JSON.parse((await mockStats(mock)).last_request.body);
    assert.equal(body.generationConfig.responseMimeType, 'application/json');
    assert.deepEqual(body.generationConfig.responseSchema, {
      type: 'object', properties: { name: { type: 'string' } }, required: ['name'],
    });
  });

  it('embeddings through the SDK (base64 by default) equal the upstream vectors', async () => {
    const r = await openai.embeddings.create({ model: 'embed', input: ['first text', 'second text'], dimensions: 8 });
    assert.equal(r.object, 'list');
    assert.equal(r.data.length, 2);
    assert.equal(r.data[1].index, 1);
    const seen = (await mockStats(mock)).last_request;
    assert.equal(seen.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
    assert.equal(seen.headers['x-goog-api-key'], 'g-key');
    const sent = JSON.parse(seen.body);
    assert.deepEqual(sent.requests[0], {
      model: 'models/text-embedding-004', content: { parts: [{ text: 'first text' }] }, outputDimensionality: 8,
    });

    const direct = await fetch(`${mock.url}/v1beta/models/text-embedding-004:batchEmbedContents`, {
      method: 'POST', headers: { 'x-goog-api-key': 'g-key', 'content-type': 'application/json' }, body: seen.body,
    }).then((res) => res.json());
    for (let i = 0; i < 2; i++) {
      const expected = direct.embeddings[i].values.map((x) => Math.fround(x));
      assert.equal(r.data[i].embedding.length, 8);
      assert.deepEqual(r.data[i].embedding, expected);
    }

    const floats = await openai.embeddings.create({ model: 'embed', input: 'first text', dimensions: 8, encoding_format: 'float' });
    assert.equal(floats.data.length, 1);
    assert.deepEqual(floats.data[0].embedding.map((x) => Math.fround(x)), r.data[0].embedding);
  });

  it('upstream errors keep their meaning', async () => {
    await mockConfig(mock, { api_key: 'g-key', fail_status: 429, retry_after: 9 });
    try {
      await assert.rejects(
        openai.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'x' }] }),
        (err) => err instanceof OpenAI.RateLimitError && err.headers.get('retry-after') === '9' &&
          /exhausted/.test(err.message) && err.code === 'rate_limit_exceeded',
      );
      await mockConfig(mock, { api_key: 'g-key', fail_status: 503 });
      await assert.rejects(
        openai.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'x' }] }),
        (err) => err.status === 503 && /overloaded/.test(err.message),
      );
      await mockConfig(mock, { api_key: 'g-key', fail_status: 400 });
      await assert.rejects(
        openai.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'x' }] }),
        (err) => err instanceof OpenAI.BadRequestError && err.code === 'INVALID_ARGUMENT',
      );
    } finally {
      await mockReset(mock);
    }
    await assert.rejects(
      openai.chat.completions.create({ model: 'bad-key', messages: [{ role: 'user', content: 'x' }] }),
      (err) => err instanceof OpenAI.AuthenticationError && err.code === 'invalid_api_key' && /API key not valid/.test(err.message),
    );
  });

  it('a blocked prompt is a 400 content_policy_violation, plain and streamed', async () => {
    const check = (err) => err instanceof OpenAI.BadRequestError && err.code === 'content_policy_violation' &&
      /PROHIBITED_CONTENT/.test(err.message);
    await assert.rejects(
      openai.chat.completions.create({ model: 'blocking', messages: [{ role: 'user', content: 'x' }] }), check);
    await assert.rejects(
      openai.chat.completions.create({ model: 'blocking', stream: true, messages: [{ role: 'user', content: 'x' }] }), check);
  });

  it('legacy completions are not served by this provider: a 400 naming what the model serves', async () => {
    // A 4xx: the SDKs retry a 5xx, and asking again cannot help.
    await assert.rejects(openai.completions.create({ model: 'flash', prompt: 'x' }, { maxRetries: 0 }), (err) =>
      err.status === 400 && err.code === 'unsupported_endpoint' && err.type === 'invalid_request_error' &&
      /'flash' cannot serve \/v1\/completions; it serves \/v1\/chat\/completions, \/v1\/embeddings/.test(err.message));
  });
});
