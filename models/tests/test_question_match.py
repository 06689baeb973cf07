"""The question-match feature and warm starts (--init)."""
import numpy as np
import pytest
import torch

from models.treeformer.data import (MATCH_CLASSES_FILE, ShardError, TokenExample, read_match_classes, word_rarity,
                                    word_vectors)
from models.treeformer.model import NEG_LOGIT, SpanOutput, Treeformer, TreeformerConfig, chunk_rank_loss, chunk_scores, locate_loss
from models.treeformer.train import CheckpointMismatch, get_config, load_initial_weights, train


def small(question_match=True, **kw):
    return Treeformer(TreeformerConfig(vocab_size=64, n_layer=1, n_head=2, d_model=16, d_ff=32, tree_depth=2,
                                       question_len=6, attention='tc', question_match=question_match, **kw))


def inputs(question, document, question_len=6):
    """[CLS] question [SEP] PAD... | document, as one row."""
    q = [1, *question, 2]
    ids = q + [0] * (question_len - len(q)) + document
    mask = [1] * len(q) + [0] * (question_len - len(q)) + [1] * len(document)
    segments = [0] * question_len + [1] * len(document)
    return (torch.tensor([ids]), torch.tensor([segments]), torch.tensor([mask]))


def test_marks_document_words_the_question_uses_and_question_words_the_window_holds():
    model = small()
    ids, seg, mask = inputs([10, 11], [11, 12, 10, 13, 1, 2])
    match = model.question_match(ids, seg, mask)[0].tolist()
    # question side: [CLS] 10 11 [SEP] PAD PAD -> 10 and 11 are in the window; specials and padding never match
    assert match[:6] == [0, 1, 1, 0, 0, 0]
    # document: 11 and 10 are asked about; 12, 13 are not; [CLS]/[SEP] ids in the document never match
    assert match[6:] == [1, 0, 1, 0, 0, 0]


def test_tokens_of_one_word_class_match_each_other():
    model = small()
    classes = torch.arange(64)
    classes[:4] = -1
    classes[20] = 10  # say " Timeout" and "timeout"
    classes[30] = -1  # a stopword: never matches, even itself
    model.set_match_classes(classes)
    ids, seg, mask = inputs([10, 30], [20, 30, 10])
    match = model.question_match(ids, seg, mask)[0].tolist()
    assert match[6:] == [1, 0, 1]
    assert match[1:3] == [1, 0]


def test_the_feature_changes_the_output_only_through_match_emb():
    torch.manual_seed(0)
    with_match = small()
    without = small(question_match=False)
    without.load_state_dict({k: v for k, v in with_match.state_dict().items() if 'match' not in k})
    batch = inputs([10, 11], [11, 12, 10, 13, 14, 15])
    with_match.eval(), without.eval()
    same = with_match(*batch).start_logits
    assert torch.allclose(same, without(*batch).start_logits)  # match_emb starts at zero
    with torch.no_grad():
        with_match.match_emb.copy_(torch.linspace(-1, 1, 16))  # not constant: LayerNorm removes a constant
    assert not torch.allclose(with_match(*batch).start_logits, same)


def test_match_classes_are_read_and_checked(tmp_path):
    assert read_match_classes(tmp_path, 64) is None
    np.arange(64, dtype='<i4').tofile(tmp_path / MATCH_CLASSES_FILE)
    assert read_match_classes(tmp_path, 64).tolist() == list(range(64))
    with pytest.raises(ShardError, match='another vocabulary'):
        read_match_classes(tmp_path, 65)
    with pytest.raises(ValueError, match='the model has 64'):
        small().set_match_classes(torch.zeros(65, dtype=torch.long))


def test_a_warm_start_keeps_the_weights_and_trees_of_the_checkpoint(tmp_path):
    base = get_config('tiny')
    base.model.question_match = base.model.match_rarity = False
    base.levels = base.levels[:1]
    train(base, tmp_path / 'base')
    saved = torch.load(tmp_path / 'base' / 'checkpoint.pt')
    model = Treeformer(get_config('tiny').model)
    load_initial_weights(model, tmp_path / 'base' / 'checkpoint.pt', saved['vocabulary'])
    for name, value in saved['model'].items():
        assert torch.equal(model.state_dict()[name], value), name
    assert float(model.match_emb.abs().sum()) == 0.0
    assert float(model.match_rarity_emb.abs().sum()) == 0.0

    cfg = get_config('tiny')
    cfg.levels = cfg.levels[:1]
    cfg.levels[0].steps = 1
    cfg.data = str(tmp_path / 'base' / 'data')
    trees = saved['model']['blocks.0.attn.tree_w'].clone()
    train(cfg, tmp_path / 'warm', init=tmp_path / 'base' / 'checkpoint.pt')
    warm = torch.load(tmp_path / 'warm' / 'checkpoint.pt')
    assert warm['init'].endswith('checkpoint.pt')
    # one step moves the trees a little; a data-driven re-init would have replaced them
    assert torch.allclose(warm['model']['blocks.0.attn.tree_w'], trees, atol=0.05)


def test_a_warm_start_refuses_another_shape_or_vocabulary(tmp_path):
    base = get_config('tiny')
    base.levels = base.levels[:1]
    train(base, tmp_path)
    path = tmp_path / 'checkpoint.pt'
    vocab = torch.load(path)['vocabulary']
    wider = get_config('tiny').model
    wider.d_model, wider.d_ff = 64, 128
    with pytest.raises(CheckpointMismatch, match='another model shape'):
        load_initial_weights(Treeformer(wider), path, vocab)
    with pytest.raises(CheckpointMismatch, match='vocabulary'):
        load_initial_weights(Treeformer(get_config('tiny').model), path, {'version': 'other', 'size': 256})
    (tmp_path / 'junk.pt').write_bytes(b'not a checkpoint')
    with pytest.raises(CheckpointMismatch, match='not a checkpoint'):
        load_initial_weights(Treeformer(get_config('tiny').model), tmp_path / 'junk.pt', vocab)


def test_word_rarity_is_bm25_idf_over_distinct_documents_scaled_to_one():
    class Split:  # two documents, the second one seen by two examples (counted once)
        tokens = np.array([10, 11, 11, 12, 10], dtype=np.int32)
        examples = [TokenExample(0, 3, np.zeros(0), [], [], (0, 0)), TokenExample(3, 2, np.zeros(0), [], [], (0, 0)),
                    TokenExample(3, 2, np.zeros(0), [], [], (1, 1))]
    classes = torch.arange(16)
    classes[:4] = -1
    classes[13] = 11  # another spelling of 11's word
    rarity = word_rarity(Split, classes)
    idf = lambda df: np.log1p((2 - df + 0.5) / (df + 0.5)) / np.log1p(2.5 / 0.5)
    assert rarity[10] == pytest.approx(idf(2))  # in both documents: the most common
    assert rarity[11] == pytest.approx(idf(1)) and rarity[13] == rarity[11]
    assert rarity[15] == pytest.approx(1.0)  # never seen
    assert rarity[1] == 0.0  # specials never match
    assert rarity[10] < rarity[11] < rarity[15]


def moves_only_through(vector, extended, plain):
    """extended (plain's weights plus a feature whose vector is still zero)
    gives plain's logits, and other logits once the vector is not zero."""
    batch = inputs([10, 11], [11, 12, 10, 13, 14, 15])
    plain.eval(), extended.eval()
    same = plain(*batch).start_logits
    assert torch.allclose(extended(*batch).start_logits, same)
    with torch.no_grad():
        vector.copy_(torch.linspace(1, -1, len(vector)))
    assert not torch.allclose(extended(*batch).start_logits, same)


def test_rarity_changes_the_output_only_through_match_rarity_emb():
    torch.manual_seed(0)
    plain = small()
    weighed = small(match_rarity=True)
    weighed.load_state_dict({**plain.state_dict(), 'match_rarity_emb': torch.zeros(16),
                             'match_rarity': torch.linspace(0, 1, 64)})
    with torch.no_grad():
        for m in (plain, weighed):
            m.match_emb.copy_(torch.linspace(-1, 1, 16))
    moves_only_through(weighed.match_rarity_emb, weighed, plain)
    with pytest.raises(ValueError, match='needs question_match'):
        TreeformerConfig(question_match=False, match_rarity=True)
    with pytest.raises(ValueError, match='the model has 64'):
        weighed.set_match_rarity(torch.zeros(65))


def test_locate_loss_is_minus_the_log_share_of_the_evidence_on_the_gold_span():
    evidence = torch.tensor([[-1e4, 0.0, 2.0, 1.0, 0.0], [-1e4, 5.0, 0.0, 0.0, 0.0]], requires_grad=True)
    out = SpanOutput(start_logits=None, end_logits=None, leaf_ids=None, balance=None, relevance_evidence=evidence)
    start, end = torch.tensor([2, 0]), torch.tensor([3, 0])  # row 1: no answer, not counted
    loss = locate_loss(out, start, end, torch.tensor([True, True]))
    share = (np.exp(2) + np.exp(1)) / (np.exp(0) * 2 + np.exp(2) + np.exp(1))
    assert float(loss) == pytest.approx(-np.log(share), rel=1e-5)
    loss.backward()
    assert evidence.grad[0, 2] < 0 and evidence.grad[0, 1] > 0  # more evidence on the span, less off it
    assert float(evidence.grad[1].abs().sum()) == 0.0
    nothing = locate_loss(out, start, end, torch.tensor([False, True]))
    assert float(nothing) == 0.0


def test_chunk_rank_loss_is_the_cross_entropy_of_the_gold_chunk_among_the_groups_chunks():
    evidence = torch.tensor([[-1e4, 1.0, 0.0, 2.0, 0.0], [-1e4, 0.0, 3.0, 0.0, 0.0]], requires_grad=True)
    out = SpanOutput(start_logits=None, end_logits=None, leaf_ids=None, balance=None, relevance_evidence=evidence)
    none = [-1, -1]
    chunks = torch.tensor([[[1, 2], [3, 4], none], [[2, 2], none, none]])  # one group of two rows
    # Chunks shorter than top_tokens score the mean of all their tokens.
    loss = chunk_rank_loss(out, chunks, group_size=2)
    gold, others = 0.5, [1.0, 3.0]
    expected = -(gold - np.log(np.exp(gold) + sum(np.exp(o) for o in others)))
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    loss.backward()
    assert evidence.grad[0, 1] < 0 and evidence.grad[0, 3] > 0 and evidence.grad[1, 2] > 0  # gold up, the rest down
    assert float(evidence.grad[0, 0]) == 0.0  # off every chunk


def test_chunk_scores_average_the_top_tokens_of_each_chunk():
    evidence = torch.tensor([[-1e4, 1.0, 4.0, 2.0, 0.0]])
    chunks = torch.tensor([[[1, 4], [2, 2], [-1, -1]]])
    assert chunk_scores(evidence, chunks, top_tokens=2)[0].tolist() == [3.0, 4.0, NEG_LOGIT]
    assert chunk_scores(evidence, chunks, top_tokens=1)[0, 0] == 4.0
    assert chunk_scores(evidence, chunks, top_tokens=32)[0, 0] == pytest.approx(7.0 / 4)


def test_soft_match_marks_near_words_of_the_other_side_and_not_a_words_own_class():
    model = small(soft_match=True, soft_match_dim=2, soft_match_floor=0.5)
    vectors = torch.zeros(64, 2)
    vectors[10] = torch.tensor([1.0, 0.0])  # asked about
    vectors[12] = torch.tensor([0.8, 0.6])  # cosine 0.8 with 10: (0.8 - 0.5) / 0.5 = 0.6
    vectors[13] = torch.tensor([0.0, 1.0])  # cosine 0: unrelated
    vectors[11] = torch.tensor([0.6, 0.8])  # cosine 0.6 with 10, 0.96 with 12
    model.set_word_vectors(vectors)
    ids, seg, mask = inputs([10], [12, 13, 10, 11])
    soft = model.soft_question_match(ids, seg, mask)[0]
    # document: 12 near 10; 13 not; 10 is the asked word itself (question_match's part); 11 a little
    assert soft[6:].tolist() == pytest.approx([0.6, 0.0, 0.0, 0.2])
    # question side: 10's nearest other word in the window is 12; specials and padding get nothing
    assert soft[:6].tolist() == pytest.approx([0.0, 0.6, 0.0, 0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match='the model has'):
        model.set_word_vectors(torch.zeros(64, 3))
    with pytest.raises(ValueError, match='needs question_match'):
        TreeformerConfig(question_match=False, soft_match=True)


def test_soft_match_changes_the_output_only_through_soft_match_emb():
    torch.manual_seed(0)
    plain = small()
    soft = small(soft_match=True, soft_match_dim=4)
    soft.load_state_dict({**plain.state_dict(), 'soft_match_emb': torch.zeros(16),
                          'word_vectors': torch.nn.functional.normalize(torch.randn(64, 4), dim=1)})
    moves_only_through(soft.soft_match_emb, soft, plain)


def test_word_vectors_put_words_of_the_same_contexts_together():
    class Split:  # 20 and 21 always sit between 30 and 31; 40 and 41 between 50 and 51
        rng = np.random.default_rng(0)
        rows = []
        for _ in range(400):
            a, b, c = (30, 31, rng.choice([20, 21])) if rng.random() < 0.5 else (50, 51, rng.choice([40, 41]))
            rows += [a, c, b, int(rng.integers(4, 10))]
        tokens = np.array(rows, dtype=np.int32)
        examples = [TokenExample(0, len(rows), np.zeros(0), [], [], (0, 0))]
    classes = torch.arange(64)
    classes[:4] = -1
    vectors = word_vectors(Split, classes, dim=4, window=2, min_count=5)
    assert vectors.shape == (64, 4)
    cos = lambda a, b: float(vectors[a] @ vectors[b])
    assert cos(20, 21) > 0.8 and cos(40, 41) > 0.8
    assert cos(20, 40) < cos(20, 21) - 0.3
    assert float(vectors[20].norm()) == pytest.approx(1.0, abs=1e-5)
    assert float(vectors[60].abs().sum()) == 0.0 and float(vectors[1].abs().sum()) == 0.0  # unseen, special


def test_coverage_is_the_share_of_question_words_within_each_radius():
    model = small(coverage_radii=(1, 3))
    # question 10 11; document positions 0..7: 10 at 0, 11 at 7, others unrelated
    ids, seg, mask = inputs([10, 11], [10, 12, 13, 14, 15, 16, 17, 11])
    cov = model.question_coverage(ids, seg, mask)[0]  # [N, 2]
    assert cov.shape == (6 + 8, 2)
    assert cov[:6].abs().sum() == 0  # nothing on the question side
    # radius 1: 10 is near positions 0-1, 11 near 6-7: half the question each
    assert cov[6:, 0].tolist() == [0.5, 0.5, 0, 0, 0, 0, 0.5, 0.5]
    # radius 3: positions 0-3 see 10, 4-7 see 11; none sees both (they are 7 apart)
    assert cov[6:, 1].tolist() == [0.5] * 8
    wide = small(coverage_radii=(7,))
    assert wide.question_coverage(ids, seg, mask)[0, 6:, 0].tolist() == [1.0] * 8


def test_coverage_weighs_question_words_by_rarity_and_does_not_depend_on_the_window_around():
    model = small(match_rarity=True, coverage_radii=(2,))
    rarity = torch.zeros(64)
    rarity[10], rarity[11] = 0.75, 0.25
    model.set_match_rarity(rarity)
    doc = [13, 10, 13, 13, 13, 13, 13, 11, 13]
    ids, seg, mask = inputs([10, 11], doc)
    cov = model.question_coverage(ids, seg, mask)[0, 6:, 0].tolist()
    assert cov == [0.75, 0.75, 0.75, 0.75, 0, 0.25, 0.25, 0.25, 0.25]
    # The same tokens inside a longer window get the same coverage: it is local, unlike the window mark.
    ids2, seg2, mask2 = inputs([10, 11], [13] * 5 + doc + [10] * 5)
    assert model.question_coverage(ids2, seg2, mask2)[0, 6 + 5 + 2:6 + 5 + 7, 0].tolist() == cov[2:7]


def test_without_the_window_mark_the_question_side_does_not_depend_on_the_window():
    model = small(window_match=False)
    ids, seg, mask = inputs([10, 11], [11, 12, 10, 13, 1, 2])
    match = model.question_match(ids, seg, mask)[0].tolist()
    assert match[:6] == [0] * 6
    assert match[6:] == [1, 0, 1, 0, 0, 0]


def test_coverage_changes_the_output_only_through_coverage_emb():
    torch.manual_seed(0)
    covered = small(coverage_radii=(2, 4))
    plain = small()
    plain.load_state_dict({k: v for k, v in covered.state_dict().items() if k != 'coverage_emb'})
    batch = inputs([10, 11], [11, 12, 10, 13, 14, 15])
    covered.eval(), plain.eval()
    same = covered(*batch).start_logits
    assert torch.allclose(same, plain(*batch).start_logits)  # coverage_emb starts at zero
    with torch.no_grad():
        covered.coverage_emb.copy_(torch.linspace(-1, 1, 32).view(2, 16))
    assert not torch.allclose(covered(*batch).start_logits, same)
    with pytest.raises(ValueError, match='needs question_match'):
        TreeformerConfig(coverage_radii=(2,))
    with pytest.raises(ValueError, match='positive'):
        TreeformerConfig(question_match=True, coverage_radii=(0,))
