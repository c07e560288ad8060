// The benchmark peers of bench/tokenizer_bench, on the same blocks of the same
// input: HuggingFace's tokenizers (npm, Rust) for a tokenizer.json, OpenAI's
// tiktoken (npm, Rust as WASM) for a .tiktoken file. Prints one JSON line.
//   node tokenizer_peer.mjs TEST_DATA_DIR TOKENIZER_FILE INPUT [MIN_SECONDS]
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [dataDir, file, input, minSecondsArg] = process.argv.slice(2);
const minSeconds = Number(minSecondsArg ?? 2);
const require = createRequire(path.join(dataDir, 'node_modules', 'noop.js'));
const text = fs.readFileSync(input);

// 16 KiB blocks cut after a newline, as tokenizer_bench.cc cuts them (on bytes).
function blocks(buf) {
  const out = [];
  for (let pos = 0; pos < buf.length;) {
    let end = Math.min(buf.length, pos + 16 * 1024);
    if (end < buf.length) {
      const nl = buf.lastIndexOf(10, end);
      if (nl > pos) end = nl + 1;
    }
    out.push(buf.subarray(pos, end).toString('utf8'));
    pos = end;
  }
  return out;
}
const parts = blocks(text);

let encode, impl;
const t0 = process.hrtime.bigint();
if (file.endsWith('.tiktoken')) {
  const { get_encoding } = require('tiktoken');
  const enc = get_encoding(path.basename(file, '.tiktoken'));
  encode = async (s) => enc.encode_ordinary(s).length;
  impl = 'tiktoken (npm tiktoken 1.0.22, WASM)';
} else {
  const { Tokenizer } = require('tokenizers');
  const tok = Tokenizer.fromFile(file);
  encode = async (s) => (await tok.encode(s, null, { addSpecialTokens: false })).getIds().length;
  impl = 'HF tokenizers 0.23.2 (npm)';
}
const loadS = Number(process.hrtime.bigint() - t0) / 1e9;

let bytes = 0, tokens = 0, passTokens = 0;
const start = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
for (let pass = 0; pass === 0 || elapsed() < minSeconds; ++pass) {
  passTokens = 0;
  for (const p of parts) passTokens += await encode(p);
  bytes += text.length;
  tokens += passTokens;
}
const s = elapsed();
console.log(JSON.stringify({ impl, bytes, tokens, pass_tokens: passTokens, seconds: s, mb_s: bytes / s / 1e6,
                             tokens_s: tokens / s, load_s: loadS }));
