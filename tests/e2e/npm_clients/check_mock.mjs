// Runs the official openai and @anthropic-ai/sdk clients against the mock
// server (a check of the mock, not of aiperf). Usage:
//   NODE_PATH=<clients>/node_modules node check_mock.mjs http://127.0.0.1:PORT
// Prints one JSON line with what each client saw; exits 1 on a client error.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH ?? ".", "x.js"));
const OpenAI = require("openai").default ?? require("openai");
const AnthropicModule = require("@anthropic-ai/sdk");
const Anthropic = AnthropicModule.default ?? AnthropicModule;

const base = process.argv[2];
const out = {};

async function responses() {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: "test", maxRetries: 0 });
  const plain = await client.responses.create({ model: "mock", input: "one two three", max_output_tokens: 5 });
  out.responses_text = plain.output_text;
  out.responses_usage = plain.usage;
  const stream = await client.responses.create({ model: "mock", input: "one two", max_output_tokens: 4, stream: true });
  out.responses_deltas = [];
  for await (const event of stream) {
    if (event.type === "response.output_text.delta") out.responses_deltas.push(event.delta);
    if (event.type === "response.completed") out.responses_stream_usage = event.response.usage;
  }
}

async function messages() {
  const client = new Anthropic({ baseURL: base, apiKey: "test", maxRetries: 0 });
  const plain = await client.messages.create({
    model: "mock", max_tokens: 5, messages: [{ role: "user", content: "a b c" }],
  });
  out.messages_text = plain.content.filter((b) => b.type === "text").map((b) => b.text).join("");
  out.messages_usage = plain.usage;
  const stream = client.messages.stream({ model: "mock", max_tokens: 4, messages: [{ role: "user", content: "a b" }] });
  out.messages_deltas = [];
  stream.on("text", (t) => out.messages_deltas.push(t));
  const final = await stream.finalMessage();
  out.messages_stream_usage = final.usage;
  out.messages_stream_text = final.content.filter((b) => b.type === "text").map((b) => b.text).join("");
}

try {
  await responses();
  await messages();
  console.log(JSON.stringify(out));
} catch (e) {
  console.log(JSON.stringify({ ...out, error: String(e?.stack ?? e) }));
  process.exit(1);
}
