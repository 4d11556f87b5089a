// Cross-check for the Go runtime: llama.cpp (through node-llama-cpp's prebuilt CPU
// library) loads a GGUF, tokenizes the reference prompts and reports the next-token
// distribution after the first and after the last prompt token. The Go test
// TestShippedModelMatchesLlamaCpp compares its own numbers with this file's output.
//
//   (run from the directory holding node_modules; see README.md)
//   npm i -E --omit=optional node-llama-cpp@3.21.1 @node-llama-cpp/linux-x64@3.21.1
//   node ./llamacpp_logprobs.mjs MODEL.gguf reference.json > llamacpp.json
import {getLlama} from "node-llama-cpp";
import {readFileSync} from "node:fs";

const [modelPath, refPath] = process.argv.slice(2);
const ref = JSON.parse(readFileSync(refPath, "utf8"));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath});
const vocab = ref.prompts[0].last_logits.length; // the trainer's vocabulary size
const out = {llama_cpp: "node-llama-cpp@3.21.1", prompts: []};
// Full distributions at temperature 1 with no truncation: the model's own probabilities.
const next = {generateNext: {probabilities: true, options: {temperature: 1, topK: 0, topP: 1, minP: 0}}};
for (const p of ref.prompts) {
  const ids = [model.tokens.bos, ...model.tokenize(p.text, false)];
  const dist = async (upto) => {
    const context = await model.createContext({contextSize: 256, threads: 1});
    const seq = context.getSequence();
    const input = ids.slice(0, upto + 1).map((t, i) => (i === upto ? [t, next] : t));
    const res = await seq.controlledEvaluate(input);
    const probs = res[upto].next.probabilities;
    const lp = new Array(vocab).fill(null);
    for (const [tok, pr] of probs) lp[tok] = Math.log(pr);
    await context.dispose();
    return lp;
  };
  out.prompts.push({text: p.text, ids, first_logprobs: await dist(0), last_logprobs: await dist(ids.length - 1)});
}
console.log(JSON.stringify(out));
