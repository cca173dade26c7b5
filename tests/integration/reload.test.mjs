// Hot reload: under continuous load (streams and not, 2 workers), 20 reloads
// that add, change and remove models and providers drop nothing; each request
// is answered by the config it started under; streams in flight finish; a
// broken file is refused with its errors while the old config keeps serving.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  startMock, startTorii, stopAllOf, postJson, postStream, readSSE, toYaml, http, waitFor, sleep,
} from './harness.mjs';

const KEY = 'sk-reload';
const ADMIN = 'adm-reload';
const auth = { authorization: `Bearer ${KEY}` };

// Version n of the config: model `m` answers as upstream model v<n>; a model
// and a provider exist only in this version; `keep` never changes.
function config(mock, n) {
  return {
    workers: 2,
    auth: { keys: [KEY] },
    admin: { keys: [ADMIN] },
    providers: [
      { name: 'up', type: 'openai-compatible', base_url: mock.v1, api_key: 'k' },
      { name: `p${n}`, type: 'openai-compatible', base_url: mock.v1, api_key: 'k' },
    ],
    models: [
      { name: 'm', targets: [{ provider: 'up', model: `v${n}` }] },
      { name: 'keep', targets: [{ provider: 'up', model: 'steady' }] },
      { name: `only-${n}`, targets: [{ provider: `p${n}`, model: `only-v${n}` }] },
    ],
  };
}

describe('hot reload', () => {
  let mock; let torii;
  let version = 0;
  const write = (n) => writeFileSync(torii.configFile, toYaml(config(mock, n)));
  const adminReload = () => http(`${torii.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });

  before(async () => {
    // Paced streams, so that many are in flight at every reload.
    mock = await startMock(['--tokens-per-sec', '200', '--reply-words', '30']);
    torii = await startTorii(config(mock, 0));
  }, { timeout: 30_000 });
  after(async () => { await stopAllOf(torii, mock); }, { timeout: 30_000 });

  it('20 reloads under load: no request fails, each is served by the config it started under', { timeout: 120_000 }, async () => {
    const failures = [];
    const served = [];
    let running = true;
    const versionOf = (model) => Number(/^v(\d+)$/.exec(model)?.[1]);

    async function plainLoop() {
      while (running) {
        const startedUnder = version;
        const r = await postJson(`${torii.v1}/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { headers: auth });
        if (r.status !== 200) { failures.push(`plain ${r.status} ${r.text.slice(0, 200)}`); continue; }
        served.push({ kind: 'plain', startedUnder, endedUnder: version, got: versionOf(r.json.model) });
        const k = await postJson(`${torii.v1}/chat/completions`, { model: 'keep', messages: [{ role: 'user', content: 'hi' }] }, { headers: auth });
        if (k.status !== 200) failures.push(`keep ${k.status} ${k.text.slice(0, 200)}`);
      }
    }
    async function streamLoop() {
      while (running) {
        const startedUnder = version;
        const res = await postStream(`${torii.v1}/chat/completions`, { model: 'm', stream: true, messages: [{ role: 'user', content: 'tell me more' }] },
          { headers: auth, timeoutMs: 30_000 });
        if (res.status !== 200) { failures.push(`stream ${res.status} ${await res.text()}`); continue; }
        const { events } = await readSSE(res, { timeoutMs: 30_000 });
        if (events.at(-1)?.data !== '[DONE]') { failures.push(`stream did not finish: ${JSON.stringify(events.slice(-2))}`); continue; }
        const models = new Set(events.slice(0, -1).map((e) => JSON.parse(e.data).model));
        if (models.size !== 1) failures.push(`stream mixed configs: ${[...models]}`);
        served.push({ kind: 'stream', startedUnder, endedUnder: version, got: versionOf([...models][0]) });
      }
    }
    const loops = [plainLoop(), plainLoop(), plainLoop(), streamLoop(), streamLoop(), streamLoop()];

    for (let n = 1; n <= 20; n++) {
      await sleep(100);
      write(n);
      if (n % 2) {
        const r = await adminReload();
        assert.equal(r.status, 200, r.text);
        assert.ok(r.json.changes.includes(`model 'm' changed`), r.text);
        assert.ok(r.json.changes.includes(`model 'only-${n}' added`) && r.json.changes.includes(`provider 'p${n - 1}' removed`), r.text);
      } else {
        torii.child.kill('SIGHUP');
      }
      // In force within a second: new requests see version n.
      await waitFor(async () => {
        const r = await postJson(`${torii.v1}/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'which' }] }, { headers: auth });
        return r.status === 200 && r.json.model === `v${n}`;
      }, { timeoutMs: 1000, what: `version ${n} in force` });
      version = n;
      const added = await postJson(`${torii.v1}/chat/completions`, { model: `only-${n}`, messages: [{ role: 'user', content: 'x' }] }, { headers: auth });
      assert.equal(added.status, 200, added.text);
      const removed = await postJson(`${torii.v1}/chat/completions`, { model: `only-${n - 1}`, messages: [{ role: 'user', content: 'x' }] }, { headers: auth });
      assert.equal(removed.status, 404, removed.text);
    }
    running = false;
    await Promise.all(loops);

    assert.deepEqual(failures, [], failures.join('\n'));
    assert.ok(served.filter((s) => s.kind === 'stream').length >= 10, `too few streams: ${served.length}`);
    for (const s of served) {
      // Started under version a (or the one being switched to), finished by b.
      assert.ok(s.got >= s.startedUnder && s.got <= s.endedUnder + 1, JSON.stringify(s));
    }
    const health = await http(`${torii.url}/admin/health`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(health.status, 200);
    assert.ok(health.json.targets.some((t) => t.model === 'keep' && t.requests > 0), 'health of a target that survived every reload is kept');
  });

  it('a stream in flight finishes with the config it started under, across reloads', { timeout: 30_000 }, async () => {
    const res = await postStream(`${torii.v1}/chat/completions`, { model: 'm', stream: true, messages: [{ role: 'user', content: 'a slow one' }] },
      { headers: auth, timeoutMs: 20_000 });
    const before = version;
    for (const n of [100, 101]) {
      write(n);
      const r = await adminReload();
      assert.equal(r.status, 200, r.text);
    }
    version = 101;
    const { events } = await readSSE(res, { timeoutMs: 20_000 });
    assert.equal(events.at(-1).data, '[DONE]');
    for (const e of events.slice(0, -1)) assert.equal(JSON.parse(e.data).model, `v${before}`);
  });

  it('a broken file is refused with file/line/key errors and the old config keeps serving', async () => {
    writeFileSync(torii.configFile, `${toYaml(config(mock, 102))}modles: []\n`);
    const r = await adminReload();
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, 'invalid_config');
    assert.match(r.json.error.message, /torii\.yaml:\d+: modles: unknown key 'modles' \(did you mean 'models'\?\)/);
    const still = await postJson(`${torii.v1}/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'x' }] }, { headers: auth });
    assert.equal(still.json.model, `v${version}`);
    // The same for a signal: logged, nothing changes. The admin reload above
    // logged the same line, so the signal's own refusal is the next one.
    const refusals = () => torii.stderr().match(/reload of .* refused/g)?.length ?? 0;
    const logged = refusals();
    torii.child.kill('SIGHUP');
    await waitFor(() => refusals() > logged, { timeoutMs: 3000, intervalMs: 10, what: 'the SIGHUP reload refused in the log' });
    assert.equal(torii.child.exitCode, null);
    const after = await postJson(`${torii.v1}/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'x' }] }, { headers: auth });
    assert.equal(after.json?.model, `v${version}`, after.text);
  });

  it('the admin API needs the admin key', async () => {
    const none = await http(`${torii.url}/admin/reload`, { method: 'POST' });
    assert.equal(none.status, 401);
    const api = await http(`${torii.url}/admin/reload`, { method: 'POST', headers: auth });
    assert.equal(api.status, 401, 'an API key is not an admin key');
    const get = await http(`${torii.url}/admin/reload`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
  });
});

describe('hot reload without an admin section', () => {
  let torii;
  before(async () => {
    torii = await startTorii({ providers: [{ name: 'local', type: 'mock' }], models: [{ name: 'demo', targets: [{ provider: 'local', model: 'd1' }] }], watch: true });
  }, { timeout: 30_000 });
  after(async () => { await stopAllOf(torii); });

  it('POST /admin/reload is off, and says how to turn it on', async () => {
    const r = await http(`${torii.url}/admin/reload`, { method: 'POST' });
    assert.equal(r.status, 404);
    assert.match(r.json.error.message, /admin: \{ keys/);
  });

  it('watch: true reloads when the file changes', async () => {
    writeFileSync(torii.configFile, toYaml({ providers: [{ name: 'local', type: 'mock' }], watch: true,
      models: [{ name: 'demo', targets: [{ provider: 'local', model: 'd2' }] }] }));
    await waitFor(async () => (await postJson(`${torii.v1}/chat/completions`, { model: 'demo', messages: [{ role: 'user', content: 'x' }] })).json?.model === 'd2',
      { timeoutMs: 1000, what: 'the change in force within 1 s' });
  });
});
