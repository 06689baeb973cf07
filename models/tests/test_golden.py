"""The golden fixture (test/fixtures/tokenizer/golden-v2.json, written by the
TypeScript tokenizer and checked by test/unit/golden.test.ts): the trainer
lays out the same ids as the engine, and the vocabulary it names is the one
the shipped card names."""
import json
from pathlib import Path

import numpy as np

from models.treeformer.data import Layout, build_input

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = json.loads((ROOT / 'test' / 'fixtures' / 'tokenizer' / 'golden-v2.json').read_text())


def test_the_trainer_lays_out_inputs_as_the_engine_does():
    g = GOLDEN['layout']
    n = len(g['input_ids'])
    window = np.asarray(g['document'][g['from']:])
    sample = build_input(np.asarray(g['question']), window, Layout(seq_len=n, question_len=g['question_len']))
    assert sample['input_ids'].tolist() == g['input_ids']
    assert sample['segment_ids'].tolist() == g['segment_ids']
    assert sample['attention_mask'].tolist() == g['attention_mask']


def test_the_pinned_ids_belong_to_the_shipped_vocabulary():
    vocab = json.loads((ROOT / GOLDEN['vocab']).read_text())
    card = json.loads((ROOT / 'models' / 'treeformer-qa.json').read_text())
    assert card['tokenizer']['version'] == vocab['version'] and card['config']['vocab_size'] == vocab['size']
    assert all(0 <= i < vocab['size'] for c in GOLDEN['cases'] for i in c['ids'])
