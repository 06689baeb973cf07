import * as assert from 'assert';
import type { AttentionTrace } from '../../../src/engine/types';
import { buildInspectorView, rootToLeafPath, TraceShapeError } from '../../../src/extension/inspectorModel';

/** A trace of 2 layers × 2 heads, depth-2 trees (4 leaves), 2 question and 4 document tokens. */
function trace(overrides: Partial<AttentionTrace> = {}): AttentionTrace {
  return {
    layers: 2,
    heads: 2,
    leaves: 4,
    questionTokens: [
      { text: 'cache', start: 0, end: 5 },
      { text: ' size', start: 5, end: 10 },
    ],
    window: { file: '/ws/cache.js', charStart: 100, charEnd: 140 },
    documentTokens: [
      { text: 'get', start: 100, end: 103, line: 7 },
      { text: ' size', start: 103, end: 108, line: 7 },
      { text: '\n', start: 108, end: 109, line: 7 },
      { text: '<script>', start: 109, end: 117, line: 8 },
    ],
    leafIds: [
      [
        [0, 3, 0, 3, 3, -1],
        [1, 1, 1, 1, 2, 2],
      ],
      [
        [2, 2, 2, 2, 2, 2],
        [0, 1, 2, 3, 0, 1],
      ],
    ],
    ...overrides,
  };
}

describe('extension: inspector model', () => {
  it('splits each head\'s leaves into question and document tokens and counts occupancy', () => {
    const view = buildInspectorView('cache size', trace(), 'cache.js');
    assert.strictEqual(view.depth, 2);
    assert.deepStrictEqual(view.cells[0][0], { questionLeaves: [0, 3], documentLeaves: [0, 3, 3, -1], occupancy: [1, 0, 0, 2] });
    assert.deepStrictEqual(view.cells[0][1].occupancy, [0, 2, 2, 0]);
    assert.deepStrictEqual(view.cells[1][0].occupancy, [0, 0, 4, 0]);
    for (const layer of view.cells) {
      for (const head of layer) {
        const valid = head.documentLeaves.filter((l) => l >= 0).length;
        assert.strictEqual(head.occupancy.reduce((a, b) => a + b, 0), valid, 'occupancy sums to the valid document tokens');
      }
    }
  });

  it('keeps token text as given, for the page to show as text', () => {
    const view = buildInspectorView('cache size', trace(), 'cache.js');
    assert.deepStrictEqual(view.questionTokens, ['cache', ' size']);
    assert.deepStrictEqual(view.documentTokens.map((t) => t.text), ['get', ' size', '\n', '<script>']);
    assert.deepStrictEqual(view.source, { file: '/ws/cache.js', label: 'cache.js', startLine: 7, endLine: 8 });
  });

  it('gives every leaf its root-to-leaf path', () => {
    const view = buildInspectorView('q', trace(), 'cache.js');
    assert.strictEqual(view.paths.length, 4);
    assert.deepStrictEqual(view.paths[0], [{ node: 0, branch: 'left' }, { node: 1, branch: 'left' }, { node: 3 }]);
    assert.deepStrictEqual(view.paths[2], [{ node: 0, branch: 'right' }, { node: 2, branch: 'left' }, { node: 5 }]);
  });

  it('follows the tree numbering of DESIGN §3 at any depth', () => {
    for (const depth of [0, 1, 3, 6]) {
      const internal = 2 ** depth - 1;
      for (let leaf = 0; leaf < 2 ** depth; leaf++) {
        const path = rootToLeafPath(leaf, depth);
        assert.strictEqual(path.length, depth + 1);
        assert.strictEqual(path[0].node, 0);
        assert.strictEqual(path[depth].node, internal + leaf, 'leaf l is node M + l');
        for (let i = 0; i < depth; i++) {
          const { node, branch } = path[i];
          assert.strictEqual(path[i + 1].node, branch === 'left' ? 2 * node + 1 : 2 * node + 2, 'children are 2n+1 (left) and 2n+2 (right)');
          // leaves are numbered left to right: the branches spell the leaf in binary, most significant first
          assert.strictEqual(branch === 'right' ? 1 : 0, (leaf >> (depth - 1 - i)) & 1);
        }
      }
    }
  });

  it('rejects traces whose shape does not match', () => {
    assert.throws(() => buildInspectorView('q', trace({ leaves: 6 }), 'x'), TraceShapeError);
    assert.throws(() => buildInspectorView('q', trace({ layers: 3 }), 'x'), /3 layers|expected 3/);
    const short = trace();
    short.leafIds[1][1] = [0, 1];
    assert.throws(() => buildInspectorView('q', short, 'x'), /layer 1 head 1 has 2 leaf ids, expected 6/);
    const outOfRange = trace();
    outOfRange.leafIds[0][0][2] = 4;
    assert.throws(() => buildInspectorView('q', outOfRange, 'x'), /leaf id 4 outside \[0, 4\)/);
  });
});
