// The peer of `tokenizer_bench --prompts`: AIPerf's prompt method with the
// reference library. Tokenises the corpus once (HF tokenizers for a
// tokenizer.json, tiktoken for a .tiktoken), then for each prompt takes N ids at a
// seeded random offset and decodes them (AIPerf trusts that window). Times the
// prompts, then re-encodes each (untimed) to count how many are exactly N tokens.
// Prints one JSON line.
//   node tokenizer_prompts_peer.mjs TEST_DATA_DIR TOKENIZER_FILE CORPUS PROMPTS TOKENS
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [dataDir, file, corpusPath, promptsArg, tokensArg] = process.argv.slice(2);
const prompts = Number(promptsArg), tokens = Number(tokensArg);
const require = createRequire(path.join(dataDir, 'node_modules', 'noop.js'));
const corpus = fs.readFileSync(corpusPath, 'utf8');

let encode, decode, impl;
if (file.endsWith('.tiktoken')) {
  const { get_encoding } = require('tiktoken');
  const enc = get_encoding(path.basename(file, '.tiktoken'));
  const utf8 = new TextDecoder();
  encode = async (s) => Array.from(enc.encode_ordinary(s));
  decode = async (ids) => utf8.decode(enc.decode(Uint32Array.from(ids)));
  impl = 'tiktoken (npm tiktoken 1.0.22, WASM)';
} else {
  const { Tokenizer } = require('tokenizers');
  const tok = Tokenizer.fromFile(file);
  encode = async (s) => (await tok.encode(s, null, { addSpecialTokens: false })).getIds();
  decode = async (ids) => tok.decode(ids, false);
  impl = 'HF tokenizers 0.23.2 (npm)';
}

let t = process.hrtime.bigint();
const ids = await encode(corpus);
const setupS = Number(process.hrtime.bigint() - t) / 1e9;
let seed = 1n;  // a small LCG: the offsets only need to be spread and repeatable
const next = () => Number((seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n)) >> 33n);
const out = [];
t = process.hrtime.bigint();
for (let i = 0; i < prompts; ++i) {
  const offset = next() % (ids.length - tokens);
  out.push(await decode(ids.slice(offset, offset + tokens)));
}
const seconds = Number(process.hrtime.bigint() - t) / 1e9;
let exact = 0;
for (const p of out) exact += (await encode(p)).length === tokens ? 1 : 0;
console.log(JSON.stringify({ impl, prompts, prompt_tokens: tokens, setup_s: setupS, seconds, exact }));
