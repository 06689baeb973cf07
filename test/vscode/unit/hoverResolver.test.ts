import * as assert from 'assert';
import type { DefinitionAnswer, DefinitionRequest } from '../../../src/engine/types';
import { CancelToken, definitionElsewhere, HoverRequest, HoverResolver, isSymbol, usageContext } from '../../../src/extension/hoverResolver';

/** A cancellation token the test controls. */
class TestToken implements CancelToken {
  isCancellationRequested = false;
  private listeners: (() => void)[] = [];
  onCancellationRequested(listener: () => void) {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }
  cancel(): void {
    this.isCancellationRequested = true;
    for (const l of [...this.listeners]) l();
  }
}

const span = (file: string, startLine: number, endLine: number, definitionLine = startLine): DefinitionAnswer => ({
  file,
  startLine,
  endLine,
  definitionLine,
  score: 1,
  text: `lines ${startLine}-${endLine}`,
});

/** An engine stand-in that records each request and answers with the definitions it is given. */
function recordingAsk(answers: DefinitionAnswer[], delayMs = 0) {
  const requests: DefinitionRequest[] = [];
  const engine = { ask, requests, delayMs };
  async function ask(request: DefinitionRequest): Promise<DefinitionAnswer[]> {
    requests.push(request);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, engine.delayMs);
      request.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        const err = new Error('aborted');
        err.name = 'AbortError';
        reject(err);
      });
    });
    return answers;
  }
  return engine;
}

const request = (overrides: Partial<HoverRequest> = {}): HoverRequest => ({
  documentKey: 'file:///ws/app.js',
  version: 1,
  file: '/ws/app.js',
  line: 10,
  lineText: '  const key = checksumOf(text);',
  word: 'checksumOf',
  paths: ['/ws'],
  ...overrides,
});

describe('extension: hover resolver', () => {
  it('looks the word up by exact name, with the usage line as context, and skips the hovered definition itself', async () => {
    const engine = recordingAsk([span('/ws/app.js', 9, 11, 10), span('/ws/cache.js', 70, 72)]);
    const resolver = new HoverResolver(engine.ask, () => 0);
    const finding = await resolver.resolve(request(), new TestToken());
    assert.deepStrictEqual(finding?.answer, span('/ws/cache.js', 70, 72));
    assert.strictEqual(engine.requests.length, 1);
    assert.strictEqual(engine.requests[0].name, 'checksumOf');
    assert.strictEqual(engine.requests[0].context, 'const key = checksumOf(text);');
    assert.deepStrictEqual(engine.requests[0].paths, ['/ws']);
  });

  it('caches per document version and reads again after an edit', async () => {
    const engine = recordingAsk([span('/ws/cache.js', 70, 72)]);
    const resolver = new HoverResolver(engine.ask, () => 0);
    await resolver.resolve(request(), new TestToken());
    await resolver.resolve(request(), new TestToken());
    assert.strictEqual(engine.requests.length, 1, 'same version: cached');
    await resolver.resolve(request({ version: 2 }), new TestToken());
    assert.strictEqual(engine.requests.length, 2, 'new version: asked again');
    await resolver.resolve(request({ version: 2, line: 11 }), new TestToken());
    assert.strictEqual(engine.requests.length, 3, 'another line: asked again');
    resolver.forget('file:///ws/app.js');
    await resolver.resolve(request({ version: 2 }), new TestToken());
    assert.strictEqual(engine.requests.length, 4, 'forgotten when the document closes');
  });

  it('caches "nothing found" too', async () => {
    const engine = recordingAsk([span('/ws/app.js', 10, 10)]);
    const resolver = new HoverResolver(engine.ask, () => 0);
    assert.strictEqual(await resolver.resolve(request(), new TestToken()), undefined, 'the only definition is the hovered line');
    assert.strictEqual(await resolver.resolve(request(), new TestToken()), undefined);
    assert.strictEqual(engine.requests.length, 1);
  });

  it('debounces: a hover cancelled while the mouse has not rested never reaches the engine', async () => {
    const engine = recordingAsk([span('/ws/cache.js', 1, 2)]);
    const resolver = new HoverResolver(engine.ask, () => 200);
    const token = new TestToken();
    const pending = resolver.resolve(request(), token);
    setTimeout(() => token.cancel(), 20);
    assert.strictEqual(await pending, undefined);
    assert.strictEqual(engine.requests.length, 0);
  });

  it('aborts the engine when the hover is cancelled mid-read, and does not cache that', async () => {
    const engine = recordingAsk([span('/ws/cache.js', 1, 2)], 5_000);
    const resolver = new HoverResolver(engine.ask, () => 0);
    const token = new TestToken();
    const started = Date.now();
    const pending = resolver.resolve(request(), token);
    setTimeout(() => token.cancel(), 50);
    assert.strictEqual(await pending, undefined);
    assert.ok(Date.now() - started < 1_000, 'returns promptly');
    assert.strictEqual(engine.requests[0].signal?.aborted, true);
    engine.delayMs = 0;
    const retried = await resolver.resolve(request(), new TestToken());
    assert.ok(retried, 'the next hover reads again');
    assert.strictEqual(engine.requests.length, 2);
  });

  it('passes engine failures on (the provider logs them)', async () => {
    const resolver = new HoverResolver(async () => {
      throw new Error('model not found');
    }, () => 0);
    await assert.rejects(resolver.resolve(request(), new TestToken()), /model not found/);
  });

  it('ignores words that are not symbols', async () => {
    const engine = recordingAsk([]);
    const resolver = new HoverResolver(engine.ask, () => 0);
    assert.strictEqual(await resolver.resolve(request({ word: '42' }), new TestToken()), undefined);
    assert.strictEqual(await resolver.resolve(request({ word: 'x' }), new TestToken()), undefined);
    assert.strictEqual(engine.requests.length, 0);
    assert.deepStrictEqual(['ab', '_x', 'LruCache', '2d', '7'].map(isSymbol), [true, true, true, true, false]);
  });

  it('cuts a long usage line around the symbol', () => {
    const line = `${'a '.repeat(200)}target ${'b '.repeat(200)}`;
    const context = usageContext(line, 'target', 50);
    assert.ok(context.length <= 50);
    assert.ok(context.includes('target'));
    assert.strictEqual(usageContext('   \t  ', 'word'), 'word');
  });

  it('picks the best definition that is not the hovered one, or none', () => {
    const found = [span('/a', 5, 8, 6), span('/b', 5, 8), span('/a', 20, 21)];
    assert.deepStrictEqual(definitionElsewhere(found, '/a', 6), span('/b', 5, 8));
    assert.deepStrictEqual(definitionElsewhere(found, '/c', 6), span('/a', 5, 8, 6));
    assert.deepStrictEqual(definitionElsewhere(found, '/a', 7), span('/a', 5, 8, 6), 'a use inside the chunk still shows the definition');
    assert.strictEqual(definitionElsewhere([span('/a', 5, 8, 8)], '/a', 8), undefined);
  });
});
