"""Training samples from the token shards of the data pipeline, format 3
(src/data/README.md, src/data/output/shards.ts). One split is a folder,
models/data/<split>/:
  tokens.i32      int32 little-endian ids of every document, concatenated
  questions.i32   question ids, concatenated (no special tokens)
  examples.i32    10 int32 per example: docTokenStart, docTokenCount,
                  questionStart, questionCount, cutStart, cutCount,
                  candidateStart, candidateCount, answerFirst, answerLast
  cuts.i32        2 int32 per cut: [first, stop) tokens not shown (sorted)
  candidates.i32  3 int32 per candidate: first, last, kind (0 gold, 1 best
                  lexical match that is not gold, 2 random chunk)
  lexical-ranks.i32  1 int32 per example: BM25's rank of the gold chunk in
                  its document as shown (0 = first, -1 = unknown)
Token positions are relative to the document's first token. The data root's
stats.json names the shard format and the vocabulary.

A sample is one model input of seq_len positions (DESIGN §6 layout, as the
engine builds it in src/engine/model/inputs.ts):
  [CLS] question [SEP] PAD... | a window of the shown document
  '---- question_len -----'
A *group* is what the reader chooses among at inference: for one question,
`group_size` windows of the same length; window 0 holds the answer at a
random offset; up to group_size - 2 others avoid it, each centred on a
negative candidate of the same file (hard lexical negatives first); the rest
(at least one, and all of them where the file is too short to avoid the
answer) are window 0 again under the question of another document. Those
differ from window 0 only in the question, so the relevance can only rank
them below it by reading the question (a window of another document would
let it learn "which file is this" instead). Questions are drawn uniformly,
except that those whose gold chunk BM25 ranks first (lexical rank 0) are
drawn `lexical_first_keep` times as often: over intact documents real
questions are about half as lexical as mined ones (DESIGN §5a); and a
source may be drawn a whole number of times a pass (`source_repeats`, by
the `source` field of examples.jsonl). The span target is the gold span
in window 0 and [CLS] (position 0) elsewhere; the relevance target is window
0 of the group (a listwise softmax over the group).

Run as a module to write a synthetic data root (the CI smoke-training fixture):
  python3 -m models.treeformer.data --synthetic <folder>
"""
from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch

SHARD_FORMAT = 3
TOKENS_FILE = 'tokens.i32'
QUESTIONS_FILE = 'questions.i32'
EXAMPLES_FILE = 'examples.i32'
CUTS_FILE = 'cuts.i32'
CANDIDATES_FILE = 'candidates.i32'
LEXICAL_RANKS_FILE = 'lexical-ranks.i32'
SHARD_FILES = (TOKENS_FILE, QUESTIONS_FILE, EXAMPLES_FILE, CUTS_FILE, CANDIDATES_FILE, LEXICAL_RANKS_FILE)
EXAMPLES_TEXT_FILE = 'examples.jsonl'  # one record a row of examples.i32, same order: source, kind, text
EXAMPLE_ROW = 10
CANDIDATE_GOLD, CANDIDATE_LEXICAL, CANDIDATE_RANDOM = 0, 1, 2
STATS_FILE = 'stats.json'  # in the data root, beside the split folders
MATCH_CLASSES_FILE = 'match-classes.i32'  # beside it: each id's word class (src/data/output/matchClasses.ts)

FIRST_ORDINARY_ID = 4  # 0 PAD, 1 CLS, 2 SEP, 3 Q (src/engine/tokenizer/vocabulary.ts)


class ShardError(ValueError):
    """A shard that cannot be what the pipeline wrote: names the file and the problem."""


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
    cuts: List[Tuple[int, int]]  # [first, stop) in the document, sorted, disjoint
    candidates: List[Tuple[int, int, int]]  # (first, last, kind) in the document
    answer: Tuple[int, int]  # [first, last] in the document
    lexical_rank: int = -1  # BM25's rank of the gold chunk in the document as shown (0 = first, -1 = unknown)


def _ints(folder: Path, name: str, row: int) -> np.ndarray:
    path = folder / name
    if not path.exists():
        raise ShardError(f'{path}: missing (shard format {SHARD_FORMAT} needs {", ".join(SHARD_FILES)})')
    size = path.stat().st_size
    if size % (4 * row):
        raise ShardError(f'{path}: {size} bytes is not a whole number of {row}-int32 rows; the shard is corrupt')
    return np.fromfile(path, dtype='<i4').reshape(-1, row) if row > 1 else np.memmap(path, dtype='<i4', mode='r') \
        if size else np.zeros(0, dtype='<i4')


class ShardSplit:
    """One split's documents (memory-mapped) and examples, checked on load."""

    def __init__(self, folder: Path, vocab_size: Optional[int] = None):
        self.folder = Path(folder)
        self.tokens = _ints(self.folder, TOKENS_FILE, 1)
        questions = _ints(self.folder, QUESTIONS_FILE, 1)
        rows = _ints(self.folder, EXAMPLES_FILE, EXAMPLE_ROW)
        cuts = _ints(self.folder, CUTS_FILE, 2)
        candidates = _ints(self.folder, CANDIDATES_FILE, 3)
        ranks = _ints(self.folder, LEXICAL_RANKS_FILE, 1)
        if len(ranks) != len(rows):
            raise ShardError(f'{self.folder / LEXICAL_RANKS_FILE}: {len(ranks)} ranks for {len(rows)} examples; '
                             'the shard is corrupt')
        self._check(rows, cuts, candidates, len(questions))
        if vocab_size is not None and len(self.tokens):
            top = int(np.max(self.tokens)) if len(self.tokens) < 50_000_000 else int(self.tokens[::97].max())
            if top >= vocab_size or int(np.min(self.tokens[:1_000_000])) < 0:
                raise ShardError(f'{self.folder}: token id {top} is outside the vocabulary of {vocab_size} ids; '
                                 'the shards and the model were made with different vocabularies')
        self.examples: List[TokenExample] = [
            TokenExample(doc_start=int(d0), doc_count=int(n), question=np.asarray(questions[q0:q0 + qn]),
                         cuts=[(int(a), int(b)) for a, b in cuts[c0:c0 + cn]],
                         candidates=[(int(a), int(b), int(k)) for a, b, k in candidates[k0:k0 + kn]],
                         answer=(int(a), int(e)), lexical_rank=int(rank))
            for (d0, n, q0, qn, c0, cn, k0, kn, a, e), rank in zip(rows, ranks)]

    def _check(self, rows, cuts, candidates, n_questions: int) -> None:
        def fail(what: str):
            raise ShardError(f'{self.folder / EXAMPLES_FILE}: {what}; the shard is corrupt')
        if len(rows) == 0:
            return
        d0, n, q0, qn, c0, cn, k0, kn, a, e = rows.T.astype(np.int64)
        if (d0 < 0).any() or (n <= 0).any() or (d0 + n > len(self.tokens)).any():
            fail('a document range lies outside tokens.i32')
        if (q0 < 0).any() or (qn < 0).any() or (q0 + qn > n_questions).any():
            fail('a question range lies outside questions.i32')
        if (c0 < 0).any() or (cn < 0).any() or (c0 + cn > len(cuts)).any():
            fail('a cut range lies outside cuts.i32')
        if (k0 < 0).any() or (kn < 0).any() or (k0 + kn > len(candidates)).any():
            fail('a candidate range lies outside candidates.i32')
        if (a < 0).any() or (e < a).any() or (e >= n).any():
            fail('an answer lies outside its document')
        if len(cuts) and ((cuts[:, 0] < 0).any() or (cuts[:, 1] < cuts[:, 0]).any()):
            fail('a cut is not a range')
        if len(candidates) and ((candidates[:, 0] < 0).any() or (candidates[:, 1] < candidates[:, 0]).any()
                                or (candidates[:, 2] < 0).any() or (candidates[:, 2] > 2).any()):
            fail('a candidate is not a range of a known kind')

    def sources(self) -> List[str]:
        """Each example's `source` (go, python, rust, npm-dts), from examples.jsonl."""
        path = self.folder / EXAMPLES_TEXT_FILE
        if not path.exists():
            raise ShardError(f'{path}: missing; drawing by source needs the text of the examples')
        with open(path, encoding='utf-8') as f:
            records = [json.loads(line) for line in f]
        if len(records) != len(self.examples):
            raise ShardError(f'{path}: {len(records)} records for {len(self.examples)} examples; the shard is corrupt')
        for i, (record, ex) in enumerate(zip(records, self.examples)):
            if record['tokens']['doc'][0] != ex.doc_start:
                raise ShardError(f'{path}: record {i} does not describe row {i} of {EXAMPLES_FILE}; '
                                 'the shard is corrupt')
        return [record['source'] for record in records]

    @property
    def n_documents(self) -> int:
        return len({ex.doc_start for ex in self.examples})

    def document(self, ex: TokenExample) -> np.ndarray:
        return np.asarray(self.tokens[ex.doc_start:ex.doc_start + ex.doc_count])

    def shown(self, ex: TokenExample) -> Tuple[np.ndarray, 'PositionMap']:
        """The document as shown (cuts taken out) and the map of positions into it."""
        doc = self.document(ex)
        if not ex.cuts:
            return doc, PositionMap([])
        keep, last = [], 0
        for a, b in ex.cuts:
            keep.append(doc[last:a])
            last = max(last, b)
        keep.append(doc[last:])
        return np.concatenate(keep), PositionMap(ex.cuts)


class PositionMap:
    """Document positions to shown positions once the cuts are taken out."""

    def __init__(self, cuts: List[Tuple[int, int]]):
        self.cuts = cuts

    def __call__(self, p: int) -> int:
        shift = 0
        for a, b in self.cuts:
            if p >= b:
                shift += b - a
            elif p >= a:
                return a - shift  # inside a cut: where the cut was
        return p - shift


def usable(ex: TokenExample, layout: Layout) -> bool:
    """The answer is shown (outside every cut) and fits in one window."""
    a, e = ex.answer
    if any(a < cb and ca <= e for ca, cb in ex.cuts):
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


# Candidate chunks a window's input carries for the chunk ranking loss (the rest is padding, -1).
MAX_CHUNKS = 8


def build_input(question: np.ndarray, window: np.ndarray, layout: Layout,
                target: Optional[Tuple[int, int]] = None,
                chunks: Sequence[Tuple[int, int]] = ()) -> Dict[str, np.ndarray]:
    """One input of exactly layout.seq_len positions; `target`: the answer in window positions, None = no answer;
    `chunks`: candidate chunks in window positions (first, last), at most MAX_CHUNKS kept, as input positions."""
    q_ids, q_mask = question_side(question, layout)
    ids = np.full(layout.seq_len, layout.pad_id, dtype=np.int64)
    mask = np.zeros(layout.seq_len, dtype=np.int64)
    segments = np.ones(layout.seq_len, dtype=np.int64)
    G = layout.question_len
    ids[:G], mask[:G], segments[:G] = q_ids, q_mask, 0
    ids[G:G + len(window)] = window
    mask[G:G + len(window)] = 1
    start, end = (G + target[0], G + target[1]) if target is not None else (0, 0)
    spans = np.full((MAX_CHUNKS, 2), -1, dtype=np.int64)
    for i, (first, last) in enumerate(list(chunks)[:MAX_CHUNKS]):
        spans[i] = (G + first, G + last)
    return {'input_ids': ids, 'segment_ids': segments, 'attention_mask': mask,
            'start': np.int64(start), 'end': np.int64(end), 'chunks': spans}


def window_with(doc_len: int, a: int, e: int, W: int, rng: np.random.Generator) -> int:
    """A random window start whose window of W tokens holds [a, e]."""
    lo, hi = max(0, e - W + 1), max(0, min(a, doc_len - W))
    return int(rng.integers(lo, hi + 1))


def window_avoiding(doc_len: int, a: int, e: int, centre: int, W: int) -> Optional[int]:
    """The window start nearest to centring `centre` whose window misses [a, e], if the document has one."""
    want = min(max(0, centre - W // 2), max(0, doc_len - W))
    options = []
    if a - W >= 0:  # wholly before the answer
        options.append(min(want, a - W))
    if e + 1 + W <= doc_len or (e + 1 < doc_len and doc_len - (e + 1) >= W // 2):  # after it (maybe short)
        options.append(max(want, e + 1))
    if not options:
        return None
    return min(options, key=lambda s: abs(s - want))


class GroupBatches:
    """Training groups from one split: `groups` questions, `group_size` windows each.

    Questions come in a fixed order, a permutation of the split drawn from
    `seed` and the pass number, so no question repeats before every other
    one has come up. `cursor` counts the positions of that order used so far;
    a checkpoint keeps it, and a run that starts from a checkpoint's weights
    carries on from its cursor (train.py): with independent draws every run
    from seed 0 replayed the same questions as the run it started from.
    A position whose example does not fit the layout is passed over, and a
    question whose gold chunk BM25 ranks first is kept with probability
    `lexical_first_keep`. `source_repeats` ({'npm-dts': 3}) puts each
    question of a source that many times in a pass's order (default 1)."""

    def __init__(self, split: ShardSplit, layout: Layout, group_size: int, seed: int,
                 lexical_first_keep: float = 1.0, cursor: int = 0,
                 source_repeats: Optional[Dict[str, int]] = None):
        self.split, self.layout, self.group_size = split, layout, group_size
        fits = np.array([usable(ex, layout) for ex in split.examples], dtype=bool)
        self.examples = [ex for ex, ok in zip(split.examples, fits) if ok]
        if not self.examples:
            raise ValueError(f'{split.folder}: no usable example for windows of {layout.window} tokens')
        if not 0.0 <= lexical_first_keep <= 1.0:
            raise ValueError(f'lexical_first_keep must lie in [0, 1], not {lexical_first_keep}')
        self.keep = np.where(fits, [lexical_first_keep if ex.lexical_rank == 0 else 1.0 for ex in split.examples], 0.0)
        if not self.keep.any():
            raise ValueError(f'{split.folder}: lexical_first_keep {lexical_first_keep} leaves no question to draw')
        self.repeats = np.ones(len(split.examples), dtype=np.int64)
        if source_repeats:
            if any(int(r) != r or r < 1 for r in source_repeats.values()):
                raise ValueError(f'source_repeats must be whole numbers >= 1, not {source_repeats}')
            sources = split.sources()
            unknown = set(source_repeats) - set(sources)
            if unknown:
                raise ValueError(f'{split.folder}: no example of source {", ".join(sorted(unknown))}')
            self.repeats = np.array([int(source_repeats.get(src, 1)) for src in sources], dtype=np.int64)
        self.slots = np.repeat(np.arange(len(split.examples)), self.repeats)  # a pass: each question its repeats
        self.order_seed, self.cursor = seed, cursor
        self._order = (None, None)  # (pass, permutation)
        self.rng = np.random.default_rng(seed)

    def group(self, ex: TokenExample, layout: Optional[Layout] = None) -> List[Dict[str, np.ndarray]]:
        """`layout`: another sample length than the one the questions were filtered
        for (train.py's mixed lengths); it must be at least as long, so each fits."""
        layout = layout or self.layout
        W, rng = layout.window, self.rng
        doc, to_shown = self.split.shown(ex)
        a, e = to_shown(ex.answer[0]), to_shown(ex.answer[1])
        s = window_with(len(doc), a, e, W, rng)
        # Candidate chunks (shown, not cut) in shown positions: the gold chunk first, then the negatives.
        shown = [(to_shown(c[0]), to_shown(c[1]), c[2]) for c in ex.candidates
                 if not any(c[0] < cb and ca <= c[1] for ca, cb in ex.cuts)]
        gold = next(((f, l) for f, l, k in shown if k == CANDIDATE_GOLD and f <= a and e <= l), (a, e))
        others = [(f, l) for f, l, k in shown if k != CANDIDATE_GOLD]

        def inside(start: int, spans: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
            return [(f - start, l - start) for f, l in spans if start <= f and l < start + W]

        answer_chunks = inside(s, [gold]) or [(a - s, e - s)]
        answer_chunks += inside(s, others)
        samples = [build_input(ex.question, doc[s:s + W], layout, (a - s, e - s), answer_chunks)]
        negatives = [c for c in ex.candidates if c[2] == CANDIDATE_LEXICAL]
        negatives += [c for c in ex.candidates if c[2] == CANDIDATE_RANDOM]
        for c in negatives:
            if len(samples) >= self.group_size - 1:
                break
            centre = to_shown((c[0] + c[1]) // 2)
            start = window_avoiding(len(doc), a, e, centre, W)
            if start is not None:
                samples.append(build_input(ex.question, doc[start:start + W], layout,
                                           chunks=inside(start, others)))
        while len(samples) < self.group_size:  # window 0 under another document's question
            other = self.examples[int(rng.integers(len(self.examples)))]
            if other.doc_start == ex.doc_start and len(self.examples) > 1:
                continue
            samples.append(build_input(other.question, doc[s:s + W], layout, chunks=answer_chunks))
        return samples

    def next(self, groups: int, layout: Optional[Layout] = None) -> Dict[str, torch.Tensor]:
        """[groups * group_size] samples, group by group; window 0 of each group holds the answer."""
        return collate([s for ex in self.picks(groups) for s in self.group(ex, layout)])

    def picks(self, groups: int) -> List[TokenExample]:
        """The next `groups` questions of the order (advances `cursor`)."""
        every = self.split.examples
        out: List[TokenExample] = []
        while len(out) < groups:
            n_pass, at = divmod(self.cursor, len(self.slots))
            if self._order[0] != n_pass:
                self._order = (n_pass, np.random.default_rng([self.order_seed, n_pass]).permutation(self.slots))
            i = int(self._order[1][at])
            self.cursor += 1
            keep = self.keep[i]
            if keep >= 1.0 or (keep > 0.0 and self.rng.random() < keep):
                out.append(every[i])
        return out


def collate(samples: List[Dict[str, np.ndarray]]) -> Dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.stack([s[k] for s in samples])) for k in samples[0]}


def fixed_groups(split: ShardSplit, layout: Layout, count: int, group_size: int, seed: int
                 ) -> Iterator[Dict[str, torch.Tensor]]:
    """The same `count` groups every call (validation), one group a batch."""
    batches = GroupBatches(split, layout, group_size, seed)
    picks = np.random.default_rng(seed).permutation(len(batches.examples))[:count]
    for i in picks:
        yield collate(batches.group(batches.examples[i]))


def read_vocabulary_info(data_root: Path) -> Optional[dict]:
    """Version, size and file name of the vocabulary the shards were written with, if recorded."""
    path = Path(data_root) / STATS_FILE
    if not path.exists():
        return None
    with open(path) as f:
        stats = json.load(f)
    found = stats.get('shards', {}).get('format', 1)
    if found != SHARD_FORMAT:
        raise ShardError(f'{data_root}: shards of format {found}; this trainer reads format {SHARD_FORMAT} '
                         '(rebuild them with `npm run data`)')
    vocab = stats['vocabulary']
    return {'version': vocab['version'], 'size': int(vocab['size']), 'file': vocab.get('file')}


def read_match_classes(data_root: Path, vocab_size: int) -> Optional[torch.Tensor]:
    """[vocab_size] int64 word class of each id (-1 = never matches), if the data root has the table."""
    path = Path(data_root) / MATCH_CLASSES_FILE
    if not path.exists():
        return None
    if path.stat().st_size != 4 * vocab_size:
        raise ShardError(f'{path}: {path.stat().st_size} bytes, not one int32 for each of {vocab_size} ids; '
                         'it was written for another vocabulary (rebuild it with `npm run data`)')
    return torch.from_numpy(np.fromfile(path, dtype='<i4').astype(np.int64))


def word_rarity(split: ShardSplit, classes: torch.Tensor) -> torch.Tensor:
    """[vocab_size] float in [0,1]: each id's word-class rarity over the
    split's distinct documents, BM25's idf log(1 + (D - df + 0.5) / (df + 0.5))
    divided by its largest value; 0 for ids that never match (class -1)."""
    cls = classes.numpy()
    df = np.zeros(int(cls.max()) + 2, dtype=np.int64)  # the last slot takes class -1
    docs = sorted({(ex.doc_start, ex.doc_count) for ex in split.examples})
    for start, count in docs:
        df[np.unique(cls[np.asarray(split.tokens[start:start + count])])] += 1
    D = max(len(docs), 1)
    idf = np.log1p((D - df + 0.5) / (df + 0.5))
    rarity = idf / np.log1p((D + 0.5) / 0.5)
    per_id = rarity[cls].astype(np.float32)
    per_id[cls < 0] = 0.0
    return torch.from_numpy(per_id)


def word_vectors(split: ShardSplit, classes: torch.Tensor, dim: int = 64, window: int = 5,
                 min_count: int = 20) -> torch.Tensor:
    """[vocab_size, dim] float32: each id's word-class vector from co-occurrence
    over the split's distinct documents (positive PMI of classes within `window`
    matching words of each other, weighted 1/distance, factored by a truncated
    SVD), rows of unit length; 0 for ids that never match or whose class occurs
    fewer than `min_count` times. Why: a third of a real question's words occur
    nowhere in the file (DESIGN §5a), and words used in the same contexts
    ("remove", "delete", "unlink") get close vectors, which exact match cannot
    give."""
    cls = classes.numpy()
    docs = sorted({(ex.doc_start, ex.doc_count) for ex in split.examples})
    words, doc_of = [], []
    for i, (start, count) in enumerate(docs):
        c = cls[np.asarray(split.tokens[start:start + count])]
        c = c[c >= 0]
        words.append(c)
        doc_of.append(np.full(len(c), i, dtype=np.int32))
    if not words:
        return torch.zeros(len(cls), dim)
    seq, doc_of = np.concatenate(words), np.concatenate(doc_of)
    freq = np.bincount(seq)
    kept = np.flatnonzero(freq >= min_count)
    if len(kept) <= dim:
        return torch.zeros(len(cls), dim)
    index = np.full(len(freq), -1, dtype=np.int64)
    index[kept] = np.arange(len(kept))
    seq_kept = index[seq]
    seq, doc_of = seq_kept[seq_kept >= 0], doc_of[seq_kept >= 0]
    V = len(kept)
    keys, weights = [], []
    for d in range(1, window + 1):
        same = doc_of[:-d] == doc_of[d:]
        a, b = seq[:-d][same], seq[d:][same]
        pair, count = np.unique(np.concatenate([a * V + b, b * V + a]), return_counts=True)
        keys.append(pair)
        weights.append(count / d)
    pair, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    weight = np.bincount(inverse, weights=np.concatenate(weights))
    rows, cols = pair // V, pair % V
    row_sum = np.bincount(rows, weights=weight, minlength=V)
    context = row_sum ** 0.75  # smoothed context distribution: rare contexts inflate PMI less
    pmi = np.log(weight * context.sum() / (row_sum[rows] * context[cols]))
    positive = pmi > 0
    matrix = torch.sparse_coo_tensor(np.stack([rows[positive], cols[positive]]),
                                     torch.from_numpy(pmi[positive].astype(np.float32)), (V, V)).coalesce()
    generator_state = torch.get_rng_state()
    torch.manual_seed(0)  # svd_lowrank draws a random start; the vectors should not depend on the caller's seed
    u, s, _ = torch.svd_lowrank(matrix, q=min(dim + 16, V), niter=6)
    torch.set_rng_state(generator_state)
    vectors = u[:, :dim] * s[:dim].sqrt()
    vectors = vectors / vectors.norm(dim=1, keepdim=True).clamp_min(1e-8)
    per_class = torch.zeros(int(cls.max()) + 2, dim)  # rare and unseen classes stay 0; the last row is class -1's
    per_class[torch.from_numpy(kept)] = vectors
    return per_class[torch.from_numpy(cls.astype(np.int64))]


# ---------------------------------------------------------------------------
# Synthetic data: the same files, with a task a small model learns in seconds
# ---------------------------------------------------------------------------

def write_synthetic_split(folder: Path, *, n_docs: int, doc_len: int, n_examples: int, vocab_size: int,
                          seed: int, key_len: int = 3, answer_len: int = 3, cut_len: int = 6) -> None:
    """Documents of random tokens. The question is the key_len tokens just
    before the answer; the answer is the answer_len tokens after them; half
    the examples cut cut_len tokens elsewhere; candidates are the gold span
    and two random spans that miss it."""
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    docs = rng.integers(FIRST_ORDINARY_ID, vocab_size, size=(n_docs, doc_len), dtype=np.int32)
    docs.astype('<i4').tofile(folder / TOKENS_FILE)
    questions, rows, cuts, candidates, ranks = [], [], [], [], []
    for _ in range(n_examples):
        d = int(rng.integers(n_docs))
        a = int(rng.integers(key_len + cut_len, doc_len - answer_len - cut_len))
        e = a + answer_len - 1
        example_cuts = []
        if rng.random() < 0.5:  # the cut goes before the key or after the answer
            rs = int(rng.integers(0, a - key_len - cut_len + 1)) if rng.random() < 0.5 else \
                int(rng.integers(e + 1, doc_len - cut_len + 1))
            example_cuts.append((rs, rs + cut_len))
        example_candidates = [(a, e, CANDIDATE_GOLD)]
        for _ in range(2):
            c = int(rng.integers(0, doc_len - answer_len))
            if c + answer_len <= a or c > e:
                example_candidates.append((c, c + answer_len - 1, CANDIDATE_RANDOM))
        rows.append([d * doc_len, doc_len, len(questions) * key_len, key_len, len(cuts), len(example_cuts),
                     len(candidates), len(example_candidates), a, e])
        cuts += example_cuts
        candidates += example_candidates
        questions.append(docs[d, a - key_len:a])
        ranks.append(int(rng.integers(-1, 4)))  # no BM25 here: any rank, so sampling by rank is exercised
    np.concatenate(questions).astype('<i4').tofile(folder / QUESTIONS_FILE)
    np.asarray(rows, dtype='<i4').tofile(folder / EXAMPLES_FILE)
    np.asarray(cuts, dtype='<i4').reshape(-1, 2).tofile(folder / CUTS_FILE)
    np.asarray(candidates, dtype='<i4').reshape(-1, 3).tofile(folder / CANDIDATES_FILE)
    np.asarray(ranks, dtype='<i4').tofile(folder / LEXICAL_RANKS_FILE)


def write_synthetic_data(root: Path, vocab_size: int = 256, doc_len: int = 384, seed: int = 0) -> Path:
    """A data root with train and dev splits and a stats.json naming the vocabulary; returns root."""
    root = Path(root)
    write_synthetic_split(root / 'train', n_docs=64, doc_len=doc_len, n_examples=2000, vocab_size=vocab_size,
                          seed=seed)
    write_synthetic_split(root / 'dev', n_docs=16, doc_len=doc_len, n_examples=200, vocab_size=vocab_size,
                          seed=seed + 1)
    tmp = root / (STATS_FILE + '.tmp')
    with open(tmp, 'w') as f:
        json.dump({'shards': {'format': SHARD_FORMAT},
                   'vocabulary': {'version': f'synthetic-{vocab_size}', 'size': vocab_size}}, f)
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


def write_subset(split: ShardSplit, folder: Path, count: int, seed: int = 0) -> Path:
    """`count` examples of `split` (and only their documents) as a split folder of their own:
    what `npm run train:gpu` carries to a lent GPU when a whole split would not fit."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    picks = sorted(np.random.default_rng(seed).permutation(len(split.examples))[:count])
    starts: Dict[int, int] = {}
    tokens, questions, rows, cuts, candidates, ranks = [], [], [], [], [], []
    n_tokens = n_questions = 0
    for i in picks:
        ex = split.examples[i]
        if ex.doc_start not in starts:
            starts[ex.doc_start] = n_tokens
            tokens.append(split.document(ex))
            n_tokens += ex.doc_count
        rows.append([starts[ex.doc_start], ex.doc_count, n_questions, len(ex.question), len(cuts), len(ex.cuts),
                     len(candidates), len(ex.candidates), *ex.answer])
        questions.append(ex.question)
        n_questions += len(ex.question)
        cuts += ex.cuts
        candidates += ex.candidates
        ranks.append(ex.lexical_rank)
    np.concatenate(tokens).astype('<i4').tofile(folder / TOKENS_FILE)
    np.concatenate(questions).astype('<i4').tofile(folder / QUESTIONS_FILE)
    np.asarray(rows, dtype='<i4').tofile(folder / EXAMPLES_FILE)
    np.asarray(cuts, dtype='<i4').reshape(-1, 2).tofile(folder / CUTS_FILE)
    np.asarray(candidates, dtype='<i4').reshape(-1, 3).tofile(folder / CANDIDATES_FILE)
    np.asarray(ranks, dtype='<i4').tofile(folder / LEXICAL_RANKS_FILE)
    return folder
