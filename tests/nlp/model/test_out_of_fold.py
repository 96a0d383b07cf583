"""Out-of-fold decisions of the heads refit that need no model: the matcher gate."""

from types import SimpleNamespace

import numpy as np
import torch

from nlp.model.out_of_fold import matcher_gate


def test_the_matcher_gate_keeps_a_topic_only_where_its_evidence_raises_out_of_fold_f1():
    # Six gold complaints. The head finds one of the two delivery posts; the matcher finds the other
    # (kept). For billing the head finds its post and the matcher only adds two wrong ones (left out).
    labels = ["delivery", "billing_payment"]
    targets = torch.tensor([[1, 0], [1, 0], [0, 1], [0, 0], [0, 0], [0, 0]], dtype=torch.float32)
    table = SimpleNamespace(labels=labels, targets=targets, known=torch.ones_like(targets),
                            gold=np.ones(6, dtype=bool))
    oof = np.array([[0.9, 0.1], [0.1, 0.1], [0.1, 0.9], [0.1, 0.1], [0.1, 0.1], [0.1, 0.1]])
    found = [set(), {"delivery"}, {"billing_payment"}, {"billing_payment"}, {"billing_payment"}, set()]
    kept, report = matcher_gate(table, oof, [0.5, 0.5], found, np.ones(6, dtype=bool))
    assert kept == ["delivery"]
    assert report["delivery"] == {"added": 1, "added_precision": 1.0, "f1_head": 0.6667, "f1_with_matcher": 1.0,
                                  "kept": True}
    assert report["billing_payment"]["added"] == 2 and report["billing_payment"]["added_precision"] == 0.0
    assert report["billing_payment"]["kept"] is False


def test_the_matcher_gate_scores_only_gold_complaints():
    labels = ["delivery"]
    targets = torch.tensor([[1.0], [0.0]])
    table = SimpleNamespace(labels=labels, targets=targets, known=torch.ones_like(targets), gold=np.ones(2, dtype=bool))
    # the matcher's one wrong hit is on a post that is no complaint: the deployed model gives it no topics
    kept, report = matcher_gate(table, np.array([[0.1], [0.1]]), [0.5], [{"delivery"}, {"delivery"}],
                                np.array([True, False]))
    assert kept == ["delivery"] and report["delivery"]["added"] == 1
