// llama.cpp's speed on a GGUF, for BENCHMARKS.md beside the Go runtime's
// (subnets/textgen/model: BenchmarkShippedGenerate, Benchmark100MGenerate, ...).
// Generation: N tokens sampled (temperature 0.8, top-p 0.95) after a short prompt,
// prompt included in the time, as the Go benchmark does. Prompt evaluation: M
// tokens fed at once (llama.cpp computes logits only after the last of them).
//
//   (run from the directory holding node_modules; see README.md)
//   npm i -E --omit=optional node-llama-cpp@3.21.1 @node-llama-cpp/linux-x64@3.21.1
//   node ./llamacpp_bench.mjs MODEL.gguf [N=128] [M=128] [threads=2]
import {getLlama} from "node-llama-cpp";

const [modelPath, n = "128", m = "128", threads = "2"] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath});
const prompt = [model.tokens.bos, ...model.tokenize("And the LORD said unto Moses,", false)];
const contextSize = Math.min(1024, model.trainContextSize);
for (let run = 0; run < 3; run++) {
  const context = await model.createContext({contextSize, threads: Number(threads)});
  const seq = context.getSequence();
  let count = 0;
  const t0 = performance.now();
  for await (const _ of seq.evaluate(prompt, {temperature: 0.8, topP: 0.95, seed: run + 1})) {
    if (++count >= Number(n)) break;
  }
  const gen = count / ((performance.now() - t0) / 1000);
  await context.dispose();

  const context2 = await model.createContext({contextSize, threads: Number(threads)});
  const feed = model.tokenize("In the beginning God created the heaven and the earth. ".repeat(64), false).slice(0, Number(m));
  const t1 = performance.now();
  await context2.getSequence().evaluateWithoutGeneratingNewTokens([...prompt, ...feed]);
  const pp = (prompt.length + feed.length) / ((performance.now() - t1) / 1000);
  await context2.dispose();
  console.log(`run ${run + 1}: generate ${gen.toFixed(1)} tokens/s (${count} tokens), prompt evaluation ${pp.toFixed(1)} tokens/s`);
}
