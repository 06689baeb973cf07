import * as assert from 'assert';
import { commentToCodeExamples } from '../../src/data/examples/commentToCode';
import { inlineComments, isProse } from '../../src/data/extract/inlineComments';
import { DocRecord } from '../../src/data/types';

const PYTHON = [
  '# A module comment at the top level is not inline.',
  'def schedule(heap, now):',
  '    """Run what is due.',
  '',
  '    # Not a comment: this line sits inside the docstring of the function.',
  '    """',
  '    # throw away the stale timers that were cancelled before they fired',
  '    while heap and heap[0].cancelled:',
  '        heapq.heappop(heap)',
  '',
  '    # x = compute(heap)',
  '    total = 0',
  '    # type: ignore because the checker cannot follow this',
  '    due = [t for t in heap if t.deadline <= now]',
  '    # we keep the order of deadlines so that the earliest timer fires first',
  '    # even when several share a deadline',
  '    due.sort(key=lambda t: t.deadline)',
  '    return due',
  '',
].join('\n');

const GO = [
  'type Transport struct {',
  '\t// MaxIdleConns controls the maximum number of idle connections across all hosts.',
  '\tMaxIdleConns int',
  '}',
  '',
  'func (t *Transport) roundTrip(req *Request) {',
  '\t// retry the request once when the server closed an idle connection under us',
  '\tif err := t.send(req); err != nil {',
  '\t\tt.send(req)',
  '\t}',
  '}',
].join('\n');

const RUST = ['impl Pool {', '    /// Returns the number of idle connections kept in the pool.', '    fn idle(&self) -> usize {', '        self.idle.len()', '    }', '}'].join('\n');

function doc(text: string, source: DocRecord['source']): DocRecord {
  return { docId: `fixture:${source}`, package: `fixture:${source}`, source, path: 'f', text };
}

describe('data v2: inline comments and the code below them', () => {
  it('finds prose comments inside bodies, with the block of code they explain', () => {
    const found = inlineComments(PYTHON, 'python');
    assert.deepStrictEqual(
      found.map((c) => c.text),
      [
        'throw away the stale timers that were cancelled before they fired',
        'we keep the order of deadlines so that the earliest timer fires first even when several share a deadline',
      ],
      'not the top-level comment, the docstring line, commented-out code or the type: directive',
    );
    const [first, second] = found;
    assert.strictEqual(PYTHON.slice(first.code.start, first.code.end), 'while heap and heap[0].cancelled:\n        heapq.heappop(heap)');
    assert.strictEqual(PYTHON.slice(second.code.start, second.code.end), 'due.sort(key=lambda t: t.deadline)\n    return due');
    assert.ok(PYTHON.slice(second.comment.start, second.comment.end).endsWith('share a deadline\n'), 'whole lines, both of the block');
  });

  it("reads Go's // comments in bodies and struct fields, and never Rust's /// doc comments", () => {
    assert.deepStrictEqual(
      inlineComments(GO, 'go').map((c) => GO.slice(c.code.start, c.code.end).split('\n')[0]),
      ['MaxIdleConns int', 'if err := t.send(req); err != nil {'],
    );
    assert.deepStrictEqual(inlineComments(RUST, 'rust'), []);
  });

  it('tells prose from code and tool directives', () => {
    assert.ok(isProse('retry the request once when the server closed it'));
    assert.ok(!isProse('x = compute(heap)'));
    assert.ok(!isProse('return self.cache[key];'));
    assert.ok(!isProse('TODO: make this faster some day please'));
    assert.ok(!isProse('too short here'));
  });

  it('asks about the code below a comment, cutting the comment and distractors in most examples', () => {
    const examples = [...commentToCodeExamples(doc(PYTHON, 'python'), 20), ...commentToCodeExamples(doc(GO, 'go'), 20)];
    assert.strictEqual(examples.length, 4);
    for (const e of examples) {
      const text = e.source === 'go' ? GO : PYTHON;
      assert.strictEqual(e.kind, 'comment2code');
      assert.ok(/^(?:where|which|what|how|why|find)\b/.test(e.question), e.question);
      assert.ok(!/\bMaxIdleConns\b/.test(e.question), `the field's name is masked: ${e.question}`);
      assert.ok(text.slice(e.answer.start, e.answer.end).trim().length > 0);
      for (const c of e.cuts) assert.ok(c.end <= e.answer.start || c.start >= e.answer.end, 'no cut touches the answer');
      if (e.cuts.length > 0) {
        const comment = inlineComments(text, e.source).find((c) => c.code.start === e.answer.start)!;
        assert.ok(e.cuts.some((c) => c.start === comment.comment.start && c.end === comment.comment.end), 'its own comment is cut');
      }
    }
  });
});
