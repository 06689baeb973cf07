import * as assert from 'assert';
import { parseWebviewMessage } from '../../../src/extension/inspectorProtocol';

describe('extension: inspector messages', () => {
  const report = { questionTokens: 3, leafCells: 48, selection: '0/0/0', sharedTokens: 5, documentText: '<b>x</b>', scripts: 0, foreignElements: 0 };

  it('accepts the messages the page sends', () => {
    assert.deepStrictEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepStrictEqual(parseWebviewMessage({ type: 'reveal', token: 12 }), { type: 'reveal', token: 12 });
    assert.deepStrictEqual(parseWebviewMessage({ type: 'rendered', report }), { type: 'rendered', report });
  });

  it('drops anything else', () => {
    for (const bad of [
      null,
      'ready',
      {},
      { type: 'open', file: '/etc/passwd' },
      { type: 'reveal', token: -1 },
      { type: 'reveal', token: 1.5 },
      { type: 'reveal', token: '3' },
      { type: 'rendered', report: { ...report, scripts: 'one' } },
      { type: 'rendered', report: { ...report, foreignElements: undefined } },
      { type: 'rendered' },
    ]) {
      assert.strictEqual(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});
