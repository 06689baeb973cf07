"""Training samples from the token shards of the data pipeline
(src/data/README.md). One split is a folder, models/data/<split>/:
  tokens.i32     int32 little-endian ids of every document, concatenated
  questions.i32  question ids, concatenated (no special tokens)
  examples.i32   8 int32 per example: docTokenStart, docTokenCount,
                 questionStart, questionCount, rs, re, as, ae
[rs, re) are the document tokens cut out before the document is shown (0, 0:
nothing cut), [as, ae] (inclusive) the answer's tokens; both relative to the
document's first token, and they never overlap. The data root's stats.json
names the vocabulary ({"vocabulary": {"version", "size", "file"}}).

A sample is one model input of seq_len positions (DESIGN §6 layout, as the
engine builds it in src/engine/model/inputs.ts):
  [CLS] question [SEP] PAD... | a window of the shown document
  '---- question_len -----'
The window holds the answer at a random offset, or, with probability
no_answer_rate, avoids it; then the target is position 0 ([CLS]). With
cross-document negatives, half of those windows (and all of them where the
document is too short to avoid the answer) come from another document, so
the model learns that a window unrelated to the question holds no answer:
the engine compares spans across windows and files by their margin over
[CLS], which means nothing if [CLS] never wins during training.

Run as a module to write a synthetic data root (the CI smoke-training fixture):
  python3 -m models.treeformer.data --synthetic <folder>
"""
from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch

TOKENS_FILE = 'tokens.i32'
QUESTIONS_FILE = 'questions.i32'
EXAMPLES_FILE = 'examples.i32'
EXAMPLE_ROW = 8
STATS_FILE = 'stats.json'  # in the data root, beside the split folders

FIRST_ORDINARY_ID = 4  # 0 PAD, 1 CLS, 2 SEP, 3 Q (src/engine/tokenizer/vocabulary.ts)


@dataclass(frozen=True)
class Layout:
    seq_len: int  # question side + document window
    question_len: int
    pad_id: int = 0
    cls_id: int = 1
    sep_id: int = 2

    @property
    def window(self) -> int:
        return self.seq_len - self.question_len


@dataclass
class TokenExample:
    doc_start: int  # into tokens.i32
    doc_count: int
    question: np.ndarray  # int32 ids
    removed: Optional[Tuple[int, int]]  # [rs, re), None when nothing is cut
    answer: Tuple[int, int]  # [as, ae], inclusive


class ShardSplit:
    """One split's documents (memory-mapped) and examples."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.tokens = np.memmap(self.folder / TOKENS_FILE, dtype='<i4', mode='r')
        questions = np.fromfile(self.folder / QUESTIONS_FILE, dtype='<i4')
        rows = np.fromfile(self.folder / EXAMPLES_FILE, dtype='<i4').reshape(-1, EXAMPLE_ROW)
        self.examples: List[TokenExample] = [
            TokenExample(doc_start=int(d0), doc_count=int(n), question=questions[q0:q0 + qn],
                         removed=(int(rs), int(re)) if re > rs else None, answer=(int(a), int(e)))
            for d0, n, q0, qn, rs, re, a, e in rows]

    @property
    def n_documents(self) -> int:
        return len({ex.doc_start for ex in self.examples})

    def document(self, ex: TokenExample) -> np.ndarray:
        return np.asarray(self.tokens[ex.doc_start:ex.doc_start + ex.doc_count])

    def shown(self, ex: TokenExample) -> Tuple[np.ndarray, Tuple[int, int]]:
        """The document as shown (removed range cut out) and the answer in it."""
        doc = self.document(ex)
        a, e = ex.answer
        if ex.removed is None:
            return doc, (a, e)
        rs, re = ex.removed
        shift = re - rs if a >= re else 0  # usable() keeps answers wholly before or after the cut
        return np.concatenate([doc[:rs], doc[re:]]), (a - shift, e - shift)


def usable(ex: TokenExample, layout: Layout) -> bool:
    """The answer lies in the document, outside the removed range, and fits in one window."""
    a, e = ex.answer
    if ex.removed is not None and not (e < ex.removed[0] or a >= ex.removed[1]):
        return False
    return 0 <= a <= e < ex.doc_count and e - a + 1 <= layout.window


def question_side(question: np.ndarray, layout: Layout) -> Tuple[np.ndarray, np.ndarray]:
    """[CLS] question [SEP] PAD... over exactly question_len positions: ids, mask."""
    G = layout.question_len
    kept = question[:G - 2]
    ids = np.full(G, layout.pad_id, dtype=np.int64)
    ids[0] = layout.cls_id
    ids[1:1 + len(kept)] = kept
    ids[1 + len(kept)] = layout.sep_id
    mask = np.zeros(G, dtype=np.int64)
    mask[:len(kept) + 2] = 1
    return ids, mask


def make_sample(split: ShardSplit, ex: TokenExample, layout: Layout, rng: np.random.Generator,
                with_answer: bool, other: Optional[TokenExample] = None) -> Dict[str, np.ndarray]:
    """One input of layout.seq_len positions and its gold start/end. `other`:
    an example of another document, for a cross-document negative."""
    doc, (a, e) = split.shown(ex)
    W = layout.window
    start = None
    if not with_answer:  # a window that misses the answer, where the document allows one
        ranges = [(lo, hi) for lo, hi in ((0, a - W), (e + 1, len(doc) - W)) if lo <= hi]
        if other is not None and (not ranges or rng.random() < 0.5):
            doc, _ = split.shown(other)
            ranges = [(0, max(0, len(doc) - W))]
        if ranges:
            lo, hi = ranges[int(rng.integers(len(ranges)))]
            start = int(rng.integers(lo, hi + 1))
    answer_inside = start is None
    if answer_inside:
        lo, hi = max(0, e - W + 1), max(0, min(a, len(doc) - W))
        start = int(rng.integers(lo, hi + 1))
    window = doc[start:start + W]

    q_ids, q_mask = question_side(ex.question, layout)
    ids = np.full(layout.seq_len, layout.pad_id, dtype=np.int64)
    mask = np.zeros(layout.seq_len, dtype=np.int64)
    segments = np.ones(layout.seq_len, dtype=np.int64)
    G = layout.question_len
    ids[:G], mask[:G], segments[:G] = q_ids, q_mask, 0
    ids[G:G + len(window)] = window
    mask[G:G + len(window)] = 1
    target = (G + a - start, G + e - start) if answer_inside else (0, 0)
    return {'input_ids': ids, 'segment_ids': segments, 'attention_mask': mask,
            'start': np.int64(target[0]), 'end': np.int64(target[1])}


class SpanBatches:
    """Random training batches from one split."""

    def __init__(self, split: ShardSplit, layout: Layout, no_answer_rate: float, seed: int,
                 cross_document_negatives: bool = False):
        self.split, self.layout, self.no_answer_rate = split, layout, no_answer_rate
        self.cross_document_negatives = cross_document_negatives
        self.examples = [ex for ex in split.examples if usable(ex, layout)]
        if not self.examples:
            raise ValueError(f'{split.folder}: no usable example for windows of {layout.window} tokens')
        self.rng = np.random.default_rng(seed)

    def next(self, batch_size: int) -> Dict[str, torch.Tensor]:
        picks = self.rng.integers(len(self.examples), size=batch_size)
        samples = []
        for i in picks:
            with_answer = self.rng.random() >= self.no_answer_rate
            other = None if with_answer or not self.cross_document_negatives else self._other_document(self.examples[i])
            samples.append(make_sample(self.split, self.examples[i], self.layout, self.rng, with_answer, other))
        return collate(samples)

    def _other_document(self, ex: TokenExample) -> Optional[TokenExample]:
        for _ in range(8):  # a split of one document has no other
            other = self.examples[int(self.rng.integers(len(self.examples)))]
            if other.doc_start != ex.doc_start:
                return other
        return None


def collate(samples: List[Dict[str, np.ndarray]]) -> Dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.stack([s[k] for s in samples])) for k in samples[0]}


def fixed_batches(split: ShardSplit, layout: Layout, count: int, batch_size: int, seed: int
                  ) -> Iterator[Dict[str, torch.Tensor]]:
    """The same `count` answer-bearing samples every call (validation)."""
    rng = np.random.default_rng(seed)
    examples = [ex for ex in split.examples if usable(ex, layout)]
    picks = rng.permutation(len(examples))[:count]
    for i in range(0, len(picks), batch_size):
        yield collate([make_sample(split, examples[j], layout, rng, with_answer=True)
                       for j in picks[i:i + batch_size]])


def read_vocabulary_info(data_root: Path) -> Optional[dict]:
    """Version, size and file name of the vocabulary the shards were written with, if recorded."""
    path = Path(data_root) / STATS_FILE
    if not path.exists():
        return None
    with open(path) as f:
        vocab = json.load(f)['vocabulary']
    return {'version': vocab['version'], 'size': int(vocab['size']), 'file': vocab.get('file')}


# ---------------------------------------------------------------------------
# Synthetic data: the same files, with a task a small model learns in seconds
# ---------------------------------------------------------------------------

def write_synthetic_split(folder: Path, *, n_docs: int, doc_len: int, n_examples: int, vocab_size: int,
                          seed: int, key_len: int = 3, answer_len: int = 3, removed_len: int = 6) -> None:
    """Documents of random tokens. The question is the key_len tokens just
    before the answer; the answer is the answer_len tokens after them; a
    removed range of removed_len tokens sits elsewhere in the document."""
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    docs = rng.integers(FIRST_ORDINARY_ID, vocab_size, size=(n_docs, doc_len), dtype=np.int32)
    docs.astype('<i4').tofile(folder / TOKENS_FILE)
    questions, rows = [], []
    for _ in range(n_examples):
        d = int(rng.integers(n_docs))
        a = int(rng.integers(key_len + removed_len, doc_len - answer_len - removed_len))
        e = a + answer_len - 1
        # the cut goes before the key or after the answer
        rs = int(rng.integers(0, a - key_len - removed_len + 1)) if rng.random() < 0.5 else \
            int(rng.integers(e + 1, doc_len - removed_len + 1))
        rows.append([d * doc_len, doc_len, len(questions) * key_len, key_len, rs, rs + removed_len, a, e])
        questions.append(docs[d, a - key_len:a])
    np.concatenate(questions).astype('<i4').tofile(folder / QUESTIONS_FILE)
    np.asarray(rows, dtype='<i4').tofile(folder / EXAMPLES_FILE)


def write_synthetic_data(root: Path, vocab_size: int = 256, doc_len: int = 384, seed: int = 0) -> Path:
    """A data root with train and dev splits and a stats.json naming the vocabulary; returns root."""
    root = Path(root)
    write_synthetic_split(root / 'train', n_docs=64, doc_len=doc_len, n_examples=2000, vocab_size=vocab_size,
                          seed=seed)
    write_synthetic_split(root / 'dev', n_docs=16, doc_len=doc_len, n_examples=200, vocab_size=vocab_size,
                          seed=seed + 1)
    tmp = root / (STATS_FILE + '.tmp')
    with open(tmp, 'w') as f:
        json.dump({'vocabulary': {'version': f'synthetic-{vocab_size}', 'size': vocab_size}}, f)
    os.replace(tmp, root / STATS_FILE)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--synthetic', type=Path, required=True, help='data root to write')
    parser.add_argument('--vocab-size', type=int, default=256)
    parser.add_argument('--doc-len', type=int, default=384, help='tokens per document')
    args = parser.parse_args()
    print(write_synthetic_data(args.synthetic, args.vocab_size, args.doc_len))


if __name__ == '__main__':
    main()
