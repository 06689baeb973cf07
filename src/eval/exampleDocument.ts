// The document an example is asked about: the source text with the example's
// `cuts` cut out, and its gold span moved into that cut text.
import { Example, GoldSpan, SourceDocument } from './dataset';
import { LineIndex } from '../engine/lines';

export interface ExampleDocument {
  text: string;
  /** The gold span in `text`: offsets and 1-based inclusive lines. */
  answer: GoldSpan;
}

/** Where original offset `offset` lands once [start, end) is cut out. */
function offsetAfterCut(offset: number, start: number, end: number): number {
  if (offset <= start) return offset;
  if (offset >= end) return offset - (end - start);
  return start;
}

export function documentForExample(doc: Pick<SourceDocument, 'docId' | 'text'>, example: Example): ExampleDocument {
  const { answer } = example;
  const where = `example ${example.id}`;
  if (example.docId !== doc.docId) throw new Error(`${where} is about ${example.docId}, not ${doc.docId}`);
  if (!(answer.start >= 0 && answer.start < answer.end && answer.end <= doc.text.length)) {
    throw new Error(`${where}: answer [${answer.start}, ${answer.end}) is empty or outside the document (${doc.text.length} chars)`);
  }
  // The given lines must describe the given offsets: a mismatch means the data is wrong somewhere.
  const originalLines = new LineIndex(doc.text).linesOfRange(answer.start, answer.end);
  if (originalLines.startLine !== answer.startLine || originalLines.endLine !== answer.endLine) {
    throw new Error(
      `${where}: answer lines ${answer.startLine}-${answer.endLine} do not match its offsets (lines ${originalLines.startLine}-${originalLines.endLine})`,
    );
  }
  let text = '';
  let kept = 0;
  let start = answer.start;
  let end = answer.end;
  for (const cut of example.cuts) {
    if (!(cut.start >= kept && cut.start <= cut.end && cut.end <= doc.text.length)) {
      throw new Error(`${where}: cut [${cut.start}, ${cut.end}) is not a range of the document after the cuts before it`);
    }
    text += doc.text.slice(kept, cut.start);
    kept = cut.end;
  }
  text += doc.text.slice(kept);
  // Cuts run right to left so earlier offsets stay valid.
  for (const cut of [...example.cuts].reverse()) {
    start = offsetAfterCut(start, cut.start, cut.end);
    end = offsetAfterCut(end, cut.start, cut.end);
  }
  if (end <= start) throw new Error(`${where}: the cuts cover the whole answer`);
  return { text, answer: { start, end, ...new LineIndex(text).linesOfRange(start, end) } };
}
