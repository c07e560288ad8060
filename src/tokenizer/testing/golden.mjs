// Writes the reference ids of every corpus line for each test tokenizer, using
// HuggingFace's own library (npm `tokenizers`, its Rust code). Run at test time:
//   node golden.mjs TEST_DATA_DIR CORPUS.jsonl OUT_DIR
// Writes OUT_DIR/NAME.jsonl: one {"ids": [...], "ids_plain": [...]} per corpus line
// (with and without the post-processor's special tokens). Without the test data
// it says so and writes nothing (the gtest then skips).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [dataDir, corpusPath, outDir] = process.argv.slice(2);
const modules = path.join(dataDir, 'node_modules');
const names = ['llama3', 'qwen3', 'deepseek_v3', 'gpt4o', 'gemma3', 'llama2'];
if (!fs.existsSync(path.join(modules, 'tokenizers'))) {
  console.log(`golden: no test data in ${dataDir}; run scripts/fetch-test-data.sh`);
  process.exit(0);
}
const require = createRequire(path.join(modules, 'noop.js'));
const { Tokenizer } = require('tokenizers');
const lines = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
fs.mkdirSync(outDir, { recursive: true });

// Metaspace pre-tokenizer variants of the Mistral-style llama2 file (the shape newer
// SentencePiece conversions have: no Prepend/Replace normalizer, a Metaspace pre-tokenizer),
// written beside the expected ids as NAME.tokenizer.json for the C++ test to load.
const llama2 = path.join(modules, '@lenml', 'tokenizer-llama2', 'models', 'tokenizer.json');
const variants = {
  llama2_metaspace: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false },
  llama2_metaspace_split: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
};
if (fs.existsSync(llama2)) {
  for (const [name, pre] of Object.entries(variants)) {
    const json = JSON.parse(fs.readFileSync(llama2, 'utf8'));
    json.normalizer = null;
    json.pre_tokenizer = pre;
    fs.writeFileSync(path.join(outDir, `${name}.tokenizer.json`), JSON.stringify(json));
    names.push(name);
  }
}

for (const name of names) {
  let file = path.join(modules, '@lenml', `tokenizer-${name}`, 'models', 'tokenizer.json');
  if (name in variants) file = path.join(outDir, `${name}.tokenizer.json`);
  if (!fs.existsSync(file)) continue;
  const tok = Tokenizer.fromFile(file);
  const out = [];
  for (const line of lines) {
    const withSpecial = await tok.encode(line, null, { addSpecialTokens: true });
    const plain = await tok.encode(line, null, { addSpecialTokens: false });
    out.push(JSON.stringify({ ids: withSpecial.getIds(), ids_plain: plain.getIds() }));
  }
  fs.writeFileSync(path.join(outDir, `${name}.jsonl`), out.join('\n') + '\n');
  console.log(`golden: ${name}: ${lines.length} lines`);
}
