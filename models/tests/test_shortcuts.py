"""Shortcut checks (models/treeformer/shortcuts.py): on the committed sample
of the mined v2 test split, rules that never read the question stay near
chance, and the checks themselves catch data that marks its answers."""
import json

import numpy as np

from models.treeformer.shortcuts import SAMPLE, baselines, fit_position_prior

NEAR_CHANCE = 0.08  # points above chance a baseline may reach on the sample


def test_baselines_stay_near_chance_on_the_mined_test_split():
    sample = json.loads(SAMPLE.read_text())
    result = baselines(sample['examples'], np.asarray(sample['prior']))
    assert result['examples'] >= 500
    for name in ('gap_detector', 'position_prior', 'first_declaration'):
        assert result[name] <= result['chance'] + NEAR_CHANCE, (name, result)


def test_the_checks_catch_marked_answers():
    rng = np.random.default_rng(0)
    examples = []
    for _ in range(300):
        starts = sorted(rng.choice(np.arange(100, 9000, 50), 5, replace=False).tolist())
        gold = starts[0]  # the answer always first, right after the only cut
        others = starts[1:]
        examples.append({'length': 10000, 'cuts': [[gold - 20, gold]],
                         'candidates': [[gold, gold + 30]] + [[s, s + 30] for s in others]})
    result = baselines(examples, fit_position_prior(examples))
    assert result['gap_detector'] > 0.9 and result['first_declaration'] > 0.9
