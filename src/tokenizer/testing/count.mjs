// Counts the tokens of each prompt with the reference library, to check that
// aiperf's exact-length prompts are exact for the reference too:
//   node count.mjs TEST_DATA_DIR TOKENIZER_FILE PROMPTS.jsonl
// PROMPTS.jsonl: one JSON string per line. Prints one count per line (no
// special tokens added): HF tokenizers for a tokenizer.json, tiktoken for a .tiktoken.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [dataDir, file, promptsPath] = process.argv.slice(2);
const require = createRequire(path.join(dataDir, 'node_modules', 'noop.js'));
const prompts = fs.readFileSync(promptsPath, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
let count;
if (file.endsWith('.tiktoken')) {
  const { get_encoding } = require('tiktoken');
  const enc = get_encoding(path.basename(file, '.tiktoken'));
  count = async (s) => enc.encode_ordinary(s).length;
} else {
  const { Tokenizer } = require('tokenizers');
  const tok = Tokenizer.fromFile(file);
  count = async (s) => (await tok.encode(s, null, { addSpecialTokens: false })).getIds().length;
}
const out = [];
for (const p of prompts) out.push(await count(p));
process.stdout.write(out.join('\n') + '\n');
