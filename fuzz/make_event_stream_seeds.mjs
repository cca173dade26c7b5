// Writes the seeds of fuzz_event_stream (fuzz/corpus/event_stream/): binary
// AWS event-stream bodies as Bedrock's ConverseStream sends them. Each seed
// is two leading bytes the target reads as choices (mode, split), then the
// frames. Run from the repository root: node fuzz/make_event_stream_seeds.mjs
import { mkdirSync, writeFileSync } from 'node:fs';

// CRC-32 (IEEE 802.3), as the frames' prelude and message checksums use.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// One frame: prelude (total, headers length, CRC), string headers (type 7),
// payload, message CRC.
function frame(headers, payload) {
  const parts = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name), v = Buffer.from(value);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(v.length);
    parts.push(Buffer.from([n.length]), n, Buffer.from([7]), len, v);
  }
  const head = Buffer.concat(parts);
  const body = Buffer.from(payload);
  const total = 12 + head.length + body.length + 4;
  const prelude = Buffer.alloc(8);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(head.length, 4);
  const preludeCrc = Buffer.alloc(4);
  preludeCrc.writeUInt32BE(crc32(prelude));
  const msg = Buffer.concat([prelude, preludeCrc, head, body]);
  const msgCrc = Buffer.alloc(4);
  msgCrc.writeUInt32BE(crc32(msg));
  return Buffer.concat([msg, msgCrc]);
}

const event = (type, payload) =>
  frame({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, JSON.stringify(payload));
const exception = (type, message) =>
  frame({ ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' },
        JSON.stringify({ message }));

const p = { p: 'abcd' };  // the padding field Bedrock adds to every event
const usage = { inputTokens: 12, outputTokens: 7, totalTokens: 19, cacheReadInputTokens: 4 };
const seeds = {
  text: [
    event('messageStart', { role: 'assistant', ...p }),
    event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hello' }, ...p }),
    event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: ', world' }, ...p }),
    event('contentBlockStop', { contentBlockIndex: 0, ...p }),
    event('messageStop', { stopReason: 'end_turn', ...p }),
    event('metadata', { usage, metrics: { latencyMs: 321 }, ...p }),
  ],
  tool_use: [
    event('messageStart', { role: 'assistant' }),
    event('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather' } } }),
    event('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":' } } }),
    event('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '"Paris"}' } } }),
    event('contentBlockStop', { contentBlockIndex: 0 }),
    event('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_2', name: 'now' } } }),
    event('contentBlockStop', { contentBlockIndex: 1 }),
    event('metadata', { usage }),
    event('messageStop', { stopReason: 'tool_use' }),
  ],
  structured: [
    event('messageStart', { role: 'assistant' }),
    event('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 't', name: 'json_answer' } } }),
    event('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"answer":42}' } } }),
    event('contentBlockStop', { contentBlockIndex: 0 }),
    event('messageStop', { stopReason: 'tool_use' }),
  ],
  reasoning: [
    event('messageStart', { role: 'assistant' }),
    event('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Thinking...' } } }),
    event('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'c2ln' } } }),
    event('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'Done.' } }),
    event('messageStop', { stopReason: 'max_tokens' }),
  ],
  throttled: [
    event('messageStart', { role: 'assistant' }),
    exception('throttlingException', 'Too many requests, please wait before trying again.'),
  ],
  truncated: [
    event('messageStart', { role: 'assistant' }),
    event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'cut' } }).subarray(0, 40),
  ],
};

// mode: bit 0 recomputes CRCs, bit 1 asks for stream usage, bit 2 names the
// structured-output tool; split: how the bytes are cut.
const modes = { text: 0x02, tool_use: 0x03, structured: 0x06, reasoning: 0x02, throttled: 0x00, truncated: 0x02 };
const dir = 'fuzz/corpus/event_stream';
mkdirSync(dir, { recursive: true });
for (const [name, frames] of Object.entries(seeds))
  writeFileSync(`${dir}/${name}.bin`, Buffer.concat([Buffer.from([modes[name], 0x1f]), ...frames]));
