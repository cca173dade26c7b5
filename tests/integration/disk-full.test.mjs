// The store's directory fills up: requests are still served, the failure
// shows in the log and the metrics, and once space returns every held record
// and settlement reaches the store, once. A read-only store directory is
// refused at start, naming it. The directory is a small tmpfs of its own:
// the test needs root (as CI has) to mount it, and fails, never skips, without.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startMock, startTorii, stopAllOf, postJson, chatBody, http, metricValue, waitFor, runToEnd, writeConfig, TORII_BIN,
} from './harness.mjs';

const ADMIN = { authorization: 'Bearer adm-disk' };

function mount(args) {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  return r.status === 0 ? '' : (r.stderr || `mount exited ${r.status}`);
}

// Writes zeros into `file` until the file system says it is full.
function fill(file) {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if (err.code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

describe('a full or read-only store directory', () => {
  let mock, torii, dir, store, key, keyId;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'torii-disk-'));
    store = path.join(dir, 'store');
    spawnSync('mkdir', [store]);
    const error = mount(['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', store]);
    assert.equal(error, '', `cannot mount a tmpfs (this test needs root): ${error}`);
    mock = await startMock();
    torii = await startTorii({
      workers: 2,
      admin: { keys: ['adm-disk'] },
      store: { path: store },
      logging: { backlog_max_records: 100000 },
      providers: [{ name: 'up', type: 'openai', base_url: mock.v1, api_key: 'sk-up' }],
      models: [{ name: 'm', targets: [{ provider: 'up', model: 'gpt-4o-mini', price: { input: 1, output: 2 } }] }],
    });
    // A key of the store with a budget: its settlements go to the spend ledger.
    const r = await postJson(`${torii.url}/admin/keys`, { alias: 'disk', max_budget_usd: 100 }, { headers: ADMIN });
    assert.equal(r.status, 201, r.text);
    ({ key, id: keyId } = r.json);
  });

  after(async () => {
    await stopAllOf(torii, mock);
    mount(['-o', 'remount,rw', store]);
    spawnSync('umount', [store]);
    rmSync(dir, { recursive: true, force: true });
  });

  const send = async (n) => {
    for (let i = 0; i < n; i++) {
      const r = await postJson(`${torii.v1}/chat/completions`, chatBody('m', `disk request ${i}`),
        { headers: { authorization: `Bearer ${key}` } });
      assert.equal(r.status, 200, r.text);
    }
  };
  const logged = async () => {
    const r = await http(`${torii.url}/admin/logs?limit=1000`, { headers: ADMIN });
    assert.equal(r.status, 200, r.text);
    return r.json.data;
  };
  const keySpendUsd = async () => {
    const r = await http(`${torii.url}/admin/keys/${keyId}`, { headers: ADMIN });
    assert.equal(r.status, 200, r.text);
    return r.json.spend_usd;
  };
  // Every record written (none held), each request once, and the ledger
  // holding exactly the logged costs.
  const allInStore = async (n) => {
    await waitFor(async () => (await metricValue(torii, 'torii_log_queue_depth')) === 0,
      { timeoutMs: 10_000, what: 'the held records written' });
    const rows = await logged();
    assert.equal(rows.length, n);
    assert.equal(new Set(rows.map((r) => r.request_id)).size, n, 'a record was written twice');
    const cost = rows.reduce((s, r) => s + r.cost_usd, 0);
    assert.ok(cost > 0);
    await waitFor(async () => Math.abs((await keySpendUsd()) - cost) < 1e-9 * n,
      { timeoutMs: 10_000, what: `the ledger at the logged ${cost} USD` });
  };

  it('serves while the disk is full, and writes everything once space returns', { timeout: 60_000 }, async () => {
    await send(10);
    await allInStore(10);

    const filler = path.join(store, 'filler');
    fill(filler);
    const errorsBefore = await metricValue(torii, 'torii_log_store_errors_total');
    await send(30);
    await waitFor(async () => (await metricValue(torii, 'torii_log_store_errors_total')) > errorsBefore,
      { timeoutMs: 10_000, what: 'a failed log write counted' });
    assert.ok((await metricValue(torii, 'torii_log_queue_depth')) > 0, 'records are held while the disk is full');
    await waitFor(() => /request log.*(disk is full|no space)/i.test(torii.stderr()),
      { timeoutMs: 5000, what: `the error logged (stderr: ${torii.stderr().slice(-500)})` });

    rmSync(filler);
    await allInStore(40);
    assert.equal(await metricValue(torii, 'torii_log_dropped_total'), 0);
  });

  it('a read-only store directory is refused at start, naming it', { timeout: 20_000 }, async () => {
    const ro = path.join(dir, 'ro');
    spawnSync('mkdir', [ro]);
    assert.equal(mount(['-t', 'tmpfs', '-o', 'size=1m,ro', 'tmpfs', ro]), '');
    try {
      const { file } = writeConfig({
        store: { path: ro },
        providers: [{ name: 'up', type: 'openai', base_url: mock.v1, api_key: 'sk-up' }],
        models: [{ name: 'm', targets: [{ provider: 'up', model: 'gpt-4o-mini' }] }],
      });
      const r = await runToEnd(TORII_BIN, ['serve', '--config', file, '--listen', '127.0.0.1:0']);
      assert.equal(r.timedOut, false, 'torii served on a store it cannot write');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`cannot open .*${path.basename(ro)}/torii\\.db`));
    } finally {
      spawnSync('umount', [ro]);
    }
  });
});
