// CommandRanker: any command following the CLI JSON contract is a ranker.
import * as assert from 'assert';
import * as path from 'path';
import { CommandRanker } from '../../src/eval/commandRanker';
import { EngineRanker, openModelRanker } from '../../src/eval/modelRanker';
import type { AskRequest, AskResult, QaEngine } from '../../src/engine/types';

const FAKE_RANKER = path.resolve(__dirname, '../../../test/fixtures/eval/fakeRanker.js');
const command = (...modes: string[]) => [JSON.stringify(process.execPath), JSON.stringify(FAKE_RANKER), ...modes].join(' ');
const documents = [{ file: 'pkg/module.py', text: 'line one\nline two\nline three\nline four\n' }];

describe('CommandRanker', () => {
  it('passes the question and top K verbatim and maps answer files back', async () => {
    const ranker = new CommandRanker(command());
    const question = `What does "$HOME" or \`ls\` mean? It's 'quoted'; a && b`;
    const answers = await ranker.rank(question, documents, 7);
    assert.strictEqual(ranker.name, 'command');
    assert.deepStrictEqual(answers, [
      // The command read lines 2-3 from the file it was given: the document was written out intact.
      { file: 'pkg/module.py', startLine: 2, endLine: 3, score: 2.5, text: 'line two\nline three' },
      { file: '/not/an/input.txt', startLine: 1, endLine: 1, score: 1, text: `${question} | top 7` },
    ]);
  });

  it('keeps at most topK answers', async () => {
    const answers = await new CommandRanker(command(), 'fake').rank('q', documents, 1);
    assert.strictEqual(answers.length, 1);
  });

  it('reports a failing command with its exit code and stderr', async () => {
    await assert.rejects(new CommandRanker(command('--fail')).rank('q', documents, 5), /exited with code 3: fake ranker failed on purpose/);
  });

  it('reports output that breaks the JSON contract', async () => {
    await assert.rejects(new CommandRanker(command('--bad-json')).rank('q', documents, 5), /broke the JSON contract: expected one JSON object/);
    await assert.rejects(new CommandRanker(command('--bad-answer')).rank('q', documents, 5), /answers\[0\]\.startLine is not a positive integer/);
  });

  it('stops the command when aborted', async () => {
    const controller = new AbortController();
    const pending = new CommandRanker(command('--hang')).rank('q', documents, 5, controller.signal);
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(pending, { name: 'AbortError' });
  });
});

describe('model ranker extension point', () => {
  it('--model with a missing model file fails with the engine\'s clear error', async () => {
    await assert.rejects(openModelRanker('models/no-such-model.onnx'), /no-such-model\.onnx/);
  });

  it('EngineRanker hands the engine files and maps its answers back', async () => {
    let request: AskRequest | undefined;
    let disposed = false;
    const engine: QaEngine = {
      device: 'cpu',
      async ask(r: AskRequest): Promise<AskResult> {
        request = r;
        const file = r.paths[0];
        return { answers: [{ file, startLine: 1, endLine: 1, score: 0.5, text: 'line one' }], stats: { tokens: 8, windows: 1, ms: 1 }, skipped: [] };
      },
      buildIndex: () => Promise.reject(new Error('not used')),
      definitions: () => Promise.reject(new Error('not used')),
      async dispose() {
        disposed = true;
      },
    };
    const ranker = new EngineRanker(engine);
    const answers = await ranker.rank('which line?', documents, 3);
    assert.deepStrictEqual(answers, [{ file: 'pkg/module.py', startLine: 1, endLine: 1, score: 0.5, text: 'line one' }]);
    assert.strictEqual(request?.question, 'which line?');
    assert.strictEqual(request?.topK, 3);
    assert.ok(path.isAbsolute(request!.paths[0]) && request!.paths[0].endsWith('module.py'));
    await ranker.dispose();
    assert.ok(disposed);
  });
});
