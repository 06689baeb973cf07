"""Shards -> training samples: layout, the removed range, answer positions."""
import numpy as np
import pytest

from models.treeformer.data import (EXAMPLE_ROW, EXAMPLES_FILE, Layout, ShardSplit, SpanBatches, make_sample, question_side,
                                    write_synthetic_split)


@pytest.fixture(scope='module')
def split(tmp_path_factory):
    folder = tmp_path_factory.mktemp('shards') / 'train'
    write_synthetic_split(folder, n_docs=4, doc_len=200, n_examples=50, vocab_size=300, seed=3)
    return ShardSplit(folder)


def test_question_side_is_padded_to_its_fixed_length():
    layout = Layout(seq_len=40, question_len=8)
    ids, mask = question_side(np.array([11, 12, 13]), layout)
    assert ids.tolist() == [1, 11, 12, 13, 2, 0, 0, 0]
    assert mask.tolist() == [1, 1, 1, 1, 1, 0, 0, 0]
    ids, mask = question_side(np.arange(100, 120), layout)  # truncated to question_len - 2
    assert ids.tolist() == [1, 100, 101, 102, 103, 104, 105, 2] and mask.all()


def test_removed_range_is_cut_and_answer_follows(split):
    for ex in split.examples[:20]:
        doc = split.document(ex)
        shown, (a, e) = split.shown(ex)
        rs, re = ex.removed
        assert len(shown) == len(doc) - (re - rs)
        assert shown[a:e + 1].tolist() == doc[ex.answer[0]:ex.answer[1] + 1].tolist()


def test_samples_point_at_the_answer(split):
    layout = Layout(seq_len=72, question_len=8)
    rng = np.random.default_rng(0)
    for ex in split.examples[:30]:
        s = make_sample(split, ex, layout, rng, with_answer=True)
        doc = split.document(ex)
        start, end = int(s['start']), int(s['end'])
        assert 8 <= start <= end < 72
        assert s['input_ids'][start:end + 1].tolist() == doc[ex.answer[0]:ex.answer[1] + 1].tolist()
        assert (s['segment_ids'][:8] == 0).all() and (s['segment_ids'][8:] == 1).all()
        assert s['attention_mask'][8:].all()  # documents here are longer than the window


def test_no_answer_windows_miss_the_answer(split):
    layout = Layout(seq_len=72, question_len=8)
    rng = np.random.default_rng(1)
    for ex in split.examples[:30]:
        s = make_sample(split, ex, layout, rng, with_answer=False)
        assert int(s['start']) == 0 and int(s['end']) == 0
        answer = split.shown(ex)[0][split.shown(ex)[1][0]:split.shown(ex)[1][1] + 1].tolist()
        window = s['input_ids'][8:].tolist()
        assert not any(window[i:i + len(answer)] == answer for i in range(len(window)))


def test_short_documents_are_padded(tmp_path):
    folder = tmp_path / 'short'
    write_synthetic_split(folder, n_docs=1, doc_len=40, n_examples=5, vocab_size=300, seed=0)
    split = ShardSplit(folder)
    batch = SpanBatches(split, Layout(seq_len=64, question_len=8), no_answer_rate=0.0, seed=0).next(4)
    assert batch['input_ids'].shape == (4, 64)
    assert (batch['attention_mask'].sum(1) == 5 + 34).all()  # question side (3 + CLS + SEP) + 40 - 6 cut


def test_examples_outside_the_window_are_skipped(tmp_path):
    folder = tmp_path / 'long'
    write_synthetic_split(folder, n_docs=1, doc_len=100, n_examples=3, vocab_size=300, seed=0)
    rows = np.fromfile(folder / EXAMPLES_FILE, dtype='<i4').reshape(-1, EXAMPLE_ROW)
    rows[0, 4:] = [0, 0, 10, 60]  # nothing cut; a 51-token answer: more than a 40-token window
    rows[1, 4:] = [20, 30, 25, 27]  # an answer inside the removed range
    rows.tofile(folder / EXAMPLES_FILE)
    split = ShardSplit(folder)
    assert split.examples[0].removed is None
    batches = SpanBatches(split, Layout(seq_len=48, question_len=8), 0.0, 0)
    assert [ex.answer for ex in batches.examples] == [tuple(rows[2, 6:])]


def test_cross_document_negatives_hold_no_answer_even_where_the_document_cannot_avoid_it(tmp_path):
    folder = tmp_path / 'cross'
    # documents no longer than the window: a same-document negative is impossible
    write_synthetic_split(folder, n_docs=3, doc_len=40, n_examples=30, vocab_size=300, seed=5)
    split = ShardSplit(folder)
    layout = Layout(seq_len=64, question_len=8)
    same_only = SpanBatches(split, layout, no_answer_rate=1.0, seed=0).next(16)
    assert (same_only['start'] > 0).all()  # fell back to windows with the answer
    crossed = SpanBatches(split, layout, no_answer_rate=1.0, seed=0, cross_document_negatives=True)
    batch = crossed.next(16)
    assert (batch['start'] == 0).all() and (batch['end'] == 0).all()
    documents = {tuple(split.shown(ex)[0].tolist()) for ex in split.examples}
    for row, mask in zip(batch['input_ids'].numpy(), batch['attention_mask'].numpy()):
        assert tuple(row[8:][mask[8:] == 1].tolist()) in documents  # a whole (short) document is shown


def test_a_cross_document_negative_shows_the_other_document(tmp_path):
    folder = tmp_path / 'other'
    write_synthetic_split(folder, n_docs=2, doc_len=40, n_examples=10, vocab_size=300, seed=6)
    split = ShardSplit(folder)
    ex = split.examples[0]
    other = next(o for o in split.examples if o.doc_start != ex.doc_start)
    s = make_sample(split, ex, Layout(seq_len=64, question_len=8), np.random.default_rng(0), with_answer=False, other=other)
    shown = s['input_ids'][8:][s['attention_mask'][8:] == 1].tolist()
    assert shown == split.shown(other)[0].tolist() and int(s['start']) == 0
