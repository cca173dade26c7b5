// The request Claude Code sends on its default model (captured by
// claude-code/capture.mjs into fixtures/claude-code-request.json: system
// messages inside `messages`, thinking, context_management, output_config,
// cache markers) through torii: untouched to an anthropic target, translated
// with its system messages in place to an OpenAI-format one.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startMock, startTorii, stopAllOf, mockStats, postStream, readSSE, TESTS_DIR } from './harness.mjs';

const FIXTURE = readFileSync(path.join(TESTS_DIR, 'integration', 'fixtures', 'claude-code-request.json'), 'utf8');
const headers = {
  'x-api-key': 'k-cc', 'anthropic-version': '2023-06-01', 'x-app': 'cli',
  'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27',
};

describe("Claude Code's request", () => {
  let mock; let torii;
  before(async () => {
    mock = await startMock(['--api-key', 'sk-up']);
    torii = await startTorii({
      auth: { keys: ['k-cc'] },
      providers: [
        { name: 'claude', type: 'anthropic', base_url: mock.url, api_key: 'sk-up' },
        { name: 'oai', type: 'openai-compatible', base_url: mock.v1, api_key: 'sk-up' },
      ],
      models: [{ name: 'via-openai', targets: [{ provider: 'oai', model: 'gpt-x' }] }],
      routes: [{ when: { header: { 'x-torii-backend': 'openai' } }, model: 'via-openai' }],
    });
  }, { timeout: 30_000 });
  after(async () => { await stopAllOf(torii, mock); }, { timeout: 30_000 });

  it('reaches an anthropic target byte for byte but for `model`, with its headers', async () => {
    const body = FIXTURE.replace('"model": "claude-opus-5-5"', '"model": "claude/claude-opus-5-5"');
    assert.notEqual(body, FIXTURE, 'fixture model field not found');
    const res = await fetch(`${torii.url}/v1/messages?beta=true`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
    assert.equal(res.status, 200, await res.clone().text());
    const { events } = await readSSE(res);
    assert.equal(events.at(-1).fields.find(([k]) => k === 'event')?.[1], 'message_stop');
    const seen = (await mockStats(mock)).last_request;
    assert.equal(seen.path, '/v1/messages');
    assert.equal(seen.body, FIXTURE, 'the body must arrive exactly as Claude Code sent it');
    assert.equal(seen.headers['anthropic-beta'], headers['anthropic-beta']);
    assert.equal(seen.headers['anthropic-version'], '2023-06-01');
  });

  it('reaches an OpenAI-format target translated, its mid-conversation system message in place', async () => {
    const res = await postStream(`${torii.url}/v1/messages`, JSON.parse(FIXTURE), { headers: { ...headers, 'x-torii-backend': 'openai' } });
    assert.equal(res.status, 200);
    const { events } = await readSSE(res);
    assert.equal(events.at(-1).fields.find(([k]) => k === 'event')?.[1], 'message_stop');
    const sent = JSON.parse((await mockStats(mock)).last_request.body);
    const client = JSON.parse(FIXTURE);
    assert.deepEqual(sent.messages.map((m) => m.role), ['system', ...client.messages.map((m) => m.role)]);
    const systemAt = client.messages.findIndex((m) => m.role === 'system');
    assert.ok(systemAt > 0, 'the fixture has a system message after the first turn');
    assert.equal(sent.messages[systemAt + 1].content, client.messages[systemAt].content.map((b) => b.text).join('\n\n'));
    assert.equal(sent.tools.length, client.tools.length);
  });
});
