// The reader's per-chunk features (src/engine/reader.ts): relevance is the
// mean of the chunk's highest relevance_evidence values (older cards: their
// log-sum-exp over the chunk's own tokens), so chunks that share one window
// are ranked apart by where the evidence lies.
import * as assert from 'assert';
import type { ChunkSet, CorpusFile } from '../../src/engine/corpus';
import { questionSide } from '../../src/engine/model/inputs';
import type { ModelInput } from '../../src/engine/model/inputs';
import type { ModelOutput, ModelRunner } from '../../src/engine/model/runner';
import { Candidate, readCandidates } from '../../src/engine/reader';

const G = 4;

/** A runner whose evidence is `peak` on document tokens [peakFrom, peakTo) and 0 elsewhere. */
function runnerWith(peakFrom: number, peakTo: number, peak: number, withEvidence = true): ModelRunner & { runs: number } {
  return {
    runs: 0,
    shape: { layers: 1, heads: 1, leaves: 2 },
    async run(input: ModelInput): Promise<ModelOutput> {
      this.runs++;
      const n = input.inputIds.length;
      const evidence = new Float32Array(n).fill(-10000);
      for (let i = G; i < n; i++) evidence[i] = i - G >= peakFrom && i - G < peakTo ? peak : 0;
      let max = -Infinity;
      for (const v of evidence) max = Math.max(max, v);
      const relevance = max + Math.log(evidence.reduce((a, v) => a + Math.exp(v - max), 0));
      return { start: new Float32Array(n), end: new Float32Array(n), relevance, ...(withEvidence ? { evidence } : {}) };
    },
    async dispose() {},
  };
}

function fileOf(tokens: number, bounds: [number, number][]): { file: CorpusFile; chunks: ChunkSet } {
  const ids = new Int32Array(tokens).fill(7);
  const chunks = {
    chunks: [],
    terms: [],
    tokenStarts: Int32Array.from(bounds.map((b) => b[0])),
    tokenEnds: Int32Array.from(bounds.map((b) => b[1])),
  } as unknown as ChunkSet;
  const file = { path: 'a.py', content: { tokens: { ids, starts: ids, ends: ids }, chunks } } as unknown as CorpusFile;
  return { file, chunks };
}

describe('reader: per-chunk relevance', () => {
  const side = questionSide([9, 9], G);
  const { file, chunks } = fileOf(60, [[0, 20], [20, 40], [40, 60]]);
  const candidates: Candidate[] = [0, 1, 2].map((chunk) => ({ file, chunks, chunk }));

  it('is the log-sum-exp of the evidence over each chunk, from one run of the whole file', async () => {
    const runner = runnerWith(25, 30, 3);
    const { readings } = await readCandidates(runner, side, candidates, { readTokens: 64 });
    assert.strictEqual(runner.runs, 1);
    const lse = (values: number[]) => Math.log(values.reduce((a, v) => a + Math.exp(v), 0));
    assert.ok(Math.abs(readings[0].relevance - lse(new Array(20).fill(0))) < 1e-4);
    assert.ok(Math.abs(readings[1].relevance - lse([...new Array(15).fill(0), ...new Array(5).fill(3)])) < 1e-4);
    const order = readings.map((r, i) => ({ r: r.relevance, i })).sort((a, b) => b.r - a.r).map((x) => x.i);
    assert.strictEqual(order[0], 1, 'the chunk holding the evidence ranks first');
  });

  it("is the mean of the chunk's highest evidence values when the card sets chunk_top_tokens", async () => {
    const runner = runnerWith(25, 30, 3);
    const top = async (k: number) => (await readCandidates(runner, side, candidates, { readTokens: 64, chunkTopTokens: k })).readings.map((r) => r.relevance);
    assert.deepStrictEqual(await top(4), [0, 3, 0]);
    const [zero, mixed] = await top(8);
    assert.strictEqual(zero, 0);
    assert.ok(Math.abs(mixed - 15 / 8) < 1e-6, `five 3s and three 0s: ${mixed}`);
    assert.ok(Math.abs((await top(64))[1] - 15 / 20) < 1e-6, 'a chunk shorter than k: the mean of all its tokens');
  });

  it("gives each chunk its window's relevance_logit when the model has no per-token evidence", async () => {
    const runner = runnerWith(25, 30, 3, false);
    const { readings } = await readCandidates(runner, side, candidates, { readTokens: 64 });
    const window = (await runnerWith(25, 30, 3).run({ inputIds: new BigInt64Array(64) } as unknown as ModelInput, false)).relevance!;
    for (const r of readings) assert.ok(Math.abs(r.relevance - window) < 1e-4);
  });
});
