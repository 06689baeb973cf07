"""Shards (format 3) -> training groups: layout, cuts, answer positions,
negatives that miss the answer, and clear errors on corrupt shards."""
import json

import numpy as np
import pytest

from models.treeformer.data import (CANDIDATES_FILE, EXAMPLE_ROW, EXAMPLES_FILE, LEXICAL_RANKS_FILE, MAX_CHUNKS,
                                    GroupBatches, Layout, ShardError,
                                    ShardSplit, question_side, read_vocabulary_info, write_synthetic_data,
                                    write_synthetic_split)


@pytest.fixture(scope='module')
def split(tmp_path_factory):
    folder = tmp_path_factory.mktemp('shards') / 'train'
    write_synthetic_split(folder, n_docs=4, doc_len=200, n_examples=50, vocab_size=300, seed=3)
    return ShardSplit(folder, vocab_size=300)


def answer_tokens(split, ex):
    doc, to_shown = split.shown(ex)
    return doc[to_shown(ex.answer[0]):to_shown(ex.answer[1]) + 1].tolist()


def test_question_side_is_padded_to_its_fixed_length():
    layout = Layout(seq_len=40, question_len=8)
    ids, mask = question_side(np.array([11, 12, 13]), layout)
    assert ids.tolist() == [1, 11, 12, 13, 2, 0, 0, 0]
    assert mask.tolist() == [1, 1, 1, 1, 1, 0, 0, 0]
    ids, mask = question_side(np.arange(100, 120), layout)  # truncated to question_len - 2
    assert ids.tolist() == [1, 100, 101, 102, 103, 104, 105, 2] and mask.all()


def test_cuts_are_taken_out_and_the_answer_follows(split):
    cut_some = [ex for ex in split.examples if ex.cuts]
    assert cut_some and len(cut_some) < len(split.examples)  # some documents intact, some cut
    for ex in split.examples[:30]:
        doc = split.document(ex)
        shown, _ = split.shown(ex)
        assert len(shown) == len(doc) - sum(b - a for a, b in ex.cuts)
        assert answer_tokens(split, ex) == doc[ex.answer[0]:ex.answer[1] + 1].tolist()


def test_a_group_holds_the_answer_in_its_first_window_only(split):
    layout = Layout(seq_len=72, question_len=8)
    batches = GroupBatches(split, layout, group_size=3, seed=0)
    for ex in split.examples[:30]:
        first, same_file, swapped = batches.group(ex)
        start, end = int(first['start']), int(first['end'])
        assert 8 <= start <= end < 72
        assert first['input_ids'][start:end + 1].tolist() == answer_tokens(split, ex)
        assert (first['segment_ids'][:8] == 0).all() and (first['segment_ids'][8:] == 1).all()
        answer = answer_tokens(split, ex)
        # a window of the same file that misses the answer, under the same question
        assert int(same_file['start']) == 0 and int(same_file['end']) == 0
        assert same_file['input_ids'][:8].tolist() == first['input_ids'][:8].tolist()
        window = same_file['input_ids'][8:].tolist()
        assert not any(window[i:i + len(answer)] == answer for i in range(len(window)))
        # the answer's window under another question: only the question tells them apart
        assert int(swapped['start']) == 0 and int(swapped['end']) == 0
        assert swapped['input_ids'][8:].tolist() == first['input_ids'][8:].tolist()
        assert swapped['input_ids'][:8].tolist() != first['input_ids'][:8].tolist()


def test_a_group_carries_its_candidate_chunks_gold_first(split):
    layout = Layout(seq_len=72, question_len=8)
    batches = GroupBatches(split, layout, group_size=3, seed=0)
    for ex in split.examples[:30]:
        first, same_file, swapped = batches.group(ex)
        assert first['chunks'].shape == (MAX_CHUNKS, 2)
        # the gold chunk (here the answer span) first, as input positions
        assert first['chunks'][0].tolist() == [int(first['start']), int(first['end'])]
        doc, to_shown = split.shown(ex)
        for row in (first, same_file, swapped):
            for f, l in row['chunks'].tolist():
                if f < 0:
                    assert l < 0
                    continue
                assert 8 <= f <= l < 72
                shown = row['input_ids'][f:l + 1].tolist()
                assert any(shown == doc[to_shown(a):to_shown(b) + 1].tolist() for a, b, _ in ex.candidates)
        # the other question's window carries the same chunks: there the gold chunk is a negative
        assert swapped['chunks'].tolist() == first['chunks'].tolist()


def test_batches_are_groups_of_equal_length(split):
    batch = GroupBatches(split, Layout(seq_len=64, question_len=8), group_size=3, seed=0).next(4)
    assert batch['input_ids'].shape == (12, 64)
    assert (batch['start'][::3] > 0).all() and (batch['start'].view(4, 3)[:, 1:] == 0).all()


def test_short_documents_take_negatives_from_other_questions(tmp_path):
    folder = tmp_path / 'short'
    # documents no longer than the window: a same-document negative is impossible
    write_synthetic_split(folder, n_docs=3, doc_len=40, n_examples=30, vocab_size=300, seed=5)
    split = ShardSplit(folder)
    batches = GroupBatches(split, Layout(seq_len=64, question_len=8), group_size=3, seed=0)
    questions = {ex.doc_start: set() for ex in split.examples}
    for ex in split.examples:
        questions[ex.doc_start].add(tuple(ex.question.tolist()))
    for ex in split.examples[:10]:
        first, *negatives = batches.group(ex)
        for negative in negatives:
            assert negative['input_ids'][8:].tolist() == first['input_ids'][8:].tolist()
            asked = negative['input_ids'][1:8][negative['attention_mask'][1:8] == 1].tolist()
            asked = tuple(asked[:-1])  # without [SEP]
            assert asked not in questions[ex.doc_start] and int(negative['start']) == 0


def test_examples_outside_the_window_are_skipped(tmp_path):
    folder = tmp_path / 'long'
    write_synthetic_split(folder, n_docs=1, doc_len=100, n_examples=3, vocab_size=300, seed=0)
    rows = np.fromfile(folder / EXAMPLES_FILE, dtype='<i4').reshape(-1, EXAMPLE_ROW)
    rows[0, 8:] = [10, 60]  # a 51-token answer: more than a 40-token window
    rows.tofile(folder / EXAMPLES_FILE)
    split = ShardSplit(folder)
    batches = GroupBatches(split, Layout(seq_len=48, question_len=8), 2, 0)
    assert all(ex.answer != (10, 60) for ex in batches.examples) and len(batches.examples) == 2


def test_corrupt_shards_fail_clearly(tmp_path):
    folder = tmp_path / 'bad'
    write_synthetic_split(folder, n_docs=2, doc_len=100, n_examples=5, vocab_size=300, seed=0)
    raw = (folder / EXAMPLES_FILE).read_bytes()
    (folder / EXAMPLES_FILE).write_bytes(raw[:-4])
    with pytest.raises(ShardError, match='not a whole number'):
        ShardSplit(folder)
    rows = np.frombuffer(raw, dtype='<i4').reshape(-1, EXAMPLE_ROW).copy()
    rows[0, 6] = 10_000  # candidates beyond candidates.i32
    rows.tofile(folder / EXAMPLES_FILE)
    with pytest.raises(ShardError, match='candidate range'):
        ShardSplit(folder)
    np.frombuffer(raw, dtype='<i4').tofile(folder / EXAMPLES_FILE)
    ranks = (folder / LEXICAL_RANKS_FILE).read_bytes()
    (folder / LEXICAL_RANKS_FILE).write_bytes(ranks[:-4])
    with pytest.raises(ShardError, match='4 ranks for 5 examples'):
        ShardSplit(folder)
    (folder / LEXICAL_RANKS_FILE).write_bytes(ranks)
    (folder / CANDIDATES_FILE).unlink()
    with pytest.raises(ShardError, match='missing'):
        ShardSplit(folder)


def test_shards_of_another_vocabulary_or_format_are_refused(tmp_path):
    root = write_synthetic_data(tmp_path / 'data', vocab_size=300)
    with pytest.raises(ShardError, match='different vocabularies'):
        ShardSplit(root / 'train', vocab_size=100)
    stats = json.loads((root / 'stats.json').read_text())
    stats['shards']['format'] = 1
    (root / 'stats.json').write_text(json.dumps(stats))
    with pytest.raises(ShardError, match='format 1'):
        read_vocabulary_info(root)


def test_lexically_first_questions_are_drawn_less(split):
    layout = Layout(seq_len=72, question_len=8)
    first = {id(ex) for ex in split.examples if ex.lexical_rank == 0}
    assert 0 < len(first) < len(split.examples)

    def share_first(keep):
        batches = GroupBatches(split, layout, group_size=2, seed=0, lexical_first_keep=keep)
        return np.mean([id(ex) in first for ex in batches.picks(4000)])
    uniform = len(first) / len(split.examples)
    assert abs(share_first(1.0) - uniform) < 0.04
    assert share_first(0.0) == 0.0
    want = 0.3 * uniform / (0.3 * uniform + 1 - uniform)
    assert abs(share_first(0.3) - want) < 0.04
    with pytest.raises(ValueError, match='lexical_first_keep'):
        GroupBatches(split, layout, group_size=2, seed=0, lexical_first_keep=1.5)


def test_a_subset_keeps_its_examples_and_their_documents(split, tmp_path):
    from models.treeformer.data import write_subset
    sub = ShardSplit(write_subset(split, tmp_path / 'sub', 12, seed=1))
    assert len(sub.examples) == 12
    originals = {(tuple(ex.question.tolist()), ex.answer): ex for ex in split.examples}
    for ex in sub.examples:
        orig = originals[(tuple(ex.question.tolist()), ex.answer)]
        assert sub.document(ex).tolist() == split.document(orig).tolist()
        assert ex.cuts == orig.cuts and ex.candidates == orig.candidates and ex.lexical_rank == orig.lexical_rank


def test_questions_follow_one_order_with_no_repeat_before_every_question_came(split):
    layout = Layout(seq_len=72, question_len=8)
    batches = GroupBatches(split, layout, group_size=2, seed=5)
    n = len(batches.examples)
    first_pass = batches.picks(n)
    assert len({id(ex) for ex in first_pass}) == n  # every usable question once
    again = GroupBatches(split, layout, group_size=2, seed=5)
    assert [id(ex) for ex in again.picks(n)] == [id(ex) for ex in first_pass]  # the order is the seed's
    other = GroupBatches(split, layout, group_size=2, seed=6).picks(n)
    assert [id(ex) for ex in other] != [id(ex) for ex in first_pass]
    # a new reader placed at a cursor carries on the same order, as a run started from a checkpoint does
    whole = GroupBatches(split, layout, group_size=2, seed=5)
    whole.picks(7)
    cursor = whole.cursor
    tail = whole.picks(9)
    carried = GroupBatches(split, layout, group_size=2, seed=5, cursor=cursor)
    assert [id(ex) for ex in carried.picks(9)] == [id(ex) for ex in tail]


def _write_sources(split, sources):
    """An examples.jsonl beside a synthetic split: one record a row, as the pipeline writes it."""
    with open(split.folder / 'examples.jsonl', 'w') as f:
        for ex, src in zip(split.examples, sources):
            f.write(json.dumps({'source': src, 'tokens': {'doc': [ex.doc_start, ex.doc_count]}}) + '\n')


def test_a_source_drawn_n_times_a_pass_comes_n_times_as_often(tmp_path):
    folder = tmp_path / 'train'
    write_synthetic_split(folder, n_docs=4, doc_len=200, n_examples=60, vocab_size=300, seed=4)
    split = ShardSplit(folder, vocab_size=300)
    sources = ['npm-dts' if i % 3 == 0 else 'go' for i in range(len(split.examples))]
    _write_sources(split, sources)
    layout = Layout(seq_len=72, question_len=8)
    batches = GroupBatches(split, layout, group_size=2, seed=0, source_repeats={'npm-dts': 3})
    source_of = {id(ex): src for ex, src in zip(split.examples, sources)}
    one_pass = batches.picks(len(batches.slots))
    count = {id(ex): 0 for ex in split.examples}
    for ex in one_pass:
        count[id(ex)] += 1
    # a pass holds every question its source's repeats, no more, no fewer
    assert all(count[id(ex)] == (3 if source_of[id(ex)] == 'npm-dts' else 1) for ex in split.examples)
    # with no repeats the order is the one every earlier run had
    plain = GroupBatches(split, layout, group_size=2, seed=0)
    ones = GroupBatches(split, layout, group_size=2, seed=0, source_repeats={'go': 1})
    assert [id(ex) for ex in plain.picks(40)] == [id(ex) for ex in ones.picks(40)]
    with pytest.raises(ValueError, match='no example of source rust'):
        GroupBatches(split, layout, group_size=2, seed=0, source_repeats={'rust': 2})
    with pytest.raises(ValueError, match='whole numbers'):
        GroupBatches(split, layout, group_size=2, seed=0, source_repeats={'go': 1.5})


def test_sources_that_do_not_match_the_rows_are_refused(tmp_path):
    folder = tmp_path / 'train'
    write_synthetic_split(folder, n_docs=4, doc_len=200, n_examples=20, vocab_size=300, seed=5)
    split = ShardSplit(folder, vocab_size=300)
    with pytest.raises(ShardError, match='examples.jsonl: missing'):
        split.sources()
    _write_sources(split, ['go'] * (len(split.examples) - 1))
    with pytest.raises(ShardError, match='19 records for 20'):
        split.sources()
    shuffled = split.examples[::-1]
    with open(folder / 'examples.jsonl', 'w') as f:
        for ex in shuffled:
            f.write(json.dumps({'source': 'go', 'tokens': {'doc': [ex.doc_start + 1, ex.doc_count]}}) + '\n')
    with pytest.raises(ShardError, match='does not describe row 0'):
        split.sources()
