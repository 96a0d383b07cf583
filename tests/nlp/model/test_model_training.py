"""Training building blocks: the by-post dev split, masked multi-task loss, resumable MLM, fine-tuning."""

import json
from pathlib import Path

import pytest
import torch

from nlp.model.data import DataError, LabeledPost, load_labeled, post_key, read_jsonl, split_dev

from tiny_models import POSTS, write_complaint_data


def test_dev_split_is_stratified_and_no_dev_post_reaches_any_train_split(mini_data_dir):
    split = split_dev(load_labeled(mini_data_dir, ("arsarcasm_v2_train", "astd")))
    dev = split.dev["arsarcasm_v2_train"]
    assert 0 < len(dev) < len(POSTS * 4)
    assert {post.sentiment for post in dev} == {"positive", "negative", "neutral"}
    for posts in split.train.values():
        assert not {post_key(post.text) for post in posts} & split.dev_keys


def test_dev_split_is_the_same_on_every_run(mini_data_dir):
    first = split_dev(load_labeled(mini_data_dir, ("arsarcasm_v2_train", "astd")))
    second = split_dev(load_labeled(mini_data_dir, ("arsarcasm_v2_train", "astd")))
    assert [p.id for p in first.dev["arsarcasm_v2_train"]] == [p.id for p in second.dev["arsarcasm_v2_train"]]


def test_a_stretched_copy_of_a_dev_post_counts_as_the_same_post():
    assert post_key("الخدمــــة ممتااازة") == post_key("الخدمة ممتازة")


def test_a_broken_data_line_is_reported_with_file_and_line(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"id": "a", "text": "تمام"}\n{"id": \n', encoding="utf-8")
    with pytest.raises(DataError, match=r"broken.jsonl:2: invalid JSON"):
        list(read_jsonl(path))


def make_trainer(tiny_mlm_dir, mini_data_dir, tmp_path, **overrides):
    from nlp.model.finetune import FinetuneArguments, MultiTaskTrainer, build_model

    args = FinetuneArguments(base_model=tiny_mlm_dir, output_dir=tmp_path / "model", data_dir=mini_data_dir,
                             datasets=("arsarcasm_v2_train", "astd"), dev_dir=tmp_path / "dev",
                             epochs=1, batch_size=8, max_minutes=None, **overrides)
    model, tokenizer = build_model(args)
    split = split_dev(load_labeled(mini_data_dir, args.datasets))
    return MultiTaskTrainer(args, model, tokenizer, split.train, split.dev["arsarcasm_v2_train"]), args


def test_heads_without_a_label_add_nothing_to_the_loss(tiny_mlm_dir, mini_data_dir, tmp_path):
    trainer, _ = make_trainer(tiny_mlm_dir, mini_data_dir, tmp_path)
    logits = {"sentiment": torch.randn(2, 3), "sarcasm": torch.randn(2, 2), "dialect": torch.randn(2, 5)}
    only_sentiment = torch.tensor([[0, -100, -100], [2, -100, -100]])
    loss = trainer.multitask_loss(logits, only_sentiment, torch.tensor([False, False]))
    expected = torch.nn.functional.cross_entropy(logits["sentiment"], torch.tensor([0, 2]))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_positive_negative_only_datasets_leave_neutral_out_of_the_softmax(tiny_mlm_dir, mini_data_dir, tmp_path):
    trainer, _ = make_trainer(tiny_mlm_dir, mini_data_dir, tmp_path)
    logits = {"sentiment": torch.tensor([[1.0, 5.0, 0.0]]), "sarcasm": torch.zeros(1, 2), "dialect": torch.zeros(1, 5)}
    labels = torch.tensor([[0, -100, -100]])
    binary = trainer.multitask_loss(logits, labels, torch.tensor([True]))
    expected = torch.nn.functional.cross_entropy(torch.tensor([[1.0, 0.0]]), torch.tensor([0]))
    assert binary.item() == pytest.approx(expected.item(), rel=1e-4)


def test_fine_tuning_a_local_checkpoint_saves_a_loadable_model_with_metrics(tiny_mlm_dir, mini_data_dir, tmp_path):
    from nlp.model.finetune import FinetuneArguments, run_finetuning
    from nlp.model.predict import Classifier

    output = run_finetuning(FinetuneArguments(
        base_model=tiny_mlm_dir, output_dir=tmp_path / "model", data_dir=mini_data_dir,
        datasets=("arsarcasm_v2_train", "astd"), dev_dir=tmp_path / "dev", epochs=1, batch_size=8,
        max_minutes=None, model_name="nabd-test", model_version="1", complaint_data=False))
    metrics = json.loads((output / "metrics.json").read_text())
    assert 0.0 <= metrics["dev"]["arsarcasm_v2_train"]["sentiment"]["f1_pn"] <= 1.0
    assert json.loads((output / "training_args.json").read_text())["epochs"] == 1
    assert (tmp_path / "dev" / "arsarcasm_v2_train.jsonl").is_file()
    assert Classifier.load(output).classify(["الخدمة ممتازة"])[0]["model"] == {"name": "nabd-test", "version": "1"}


def test_fine_tuning_with_complaint_data_names_the_missing_silver_file(mini_data_dir):
    from nlp.model.finetune import complaint_train_split

    with pytest.raises(DataError, match=r"complaints_silver.jsonl.gz: missing .*complaint_data=False"):
        complaint_train_split(mini_data_dir, {})


def test_a_nabd_model_can_itself_be_the_base_of_a_new_fine_tuning(tiny_model_dir, tmp_path):
    from nlp.model.finetune import FinetuneArguments, build_model

    model, _ = build_model(FinetuneArguments(base_model=tiny_model_dir, model_name="nabd-next", model_version="2"))
    assert (model.config.model_name, model.config.model_version) == ("nabd-next", "2")
    assert {"sentiment", "complaint", "topics"} <= set(model.heads)


def test_the_sentiment_head_reads_token_weights_that_learn_faster_and_old_models_keep_a_linear_head(
        tiny_mlm_dir, mini_data_dir, tmp_path):
    from nlp.model.modeling import NabdMultiTaskConfig, WideClassHead

    trainer, args = make_trainer(tiny_mlm_dir, mini_data_dir, tmp_path)
    head = trainer.model.heads["sentiment"]
    assert isinstance(head, WideClassHead)
    scales = {id(p): group["lr_scale"] for group in trainer.optimizer.param_groups for p in group["params"]}
    assert scales[id(head.wide.weight)] == args.wide_lr_scale and scales[id(head.deep.weight)] == 1.0
    ids = torch.tensor([[2, 7, 7, 3, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 0]])
    with torch.no_grad():
        head.deep.weight.zero_()
        head.deep.bias.zero_()
        head.wide.weight.zero_()
        head.wide.weight[7] = torch.tensor([1.0, 0.0, -1.0])
        head.wide.weight[0] = torch.tensor([9.0, 9.0, 9.0])  # padding never counts
    logits = head(torch.zeros(1, head.deep.in_features), ids, mask)
    assert logits.tolist() == [[1.0, 0.0, -1.0]]  # two tokens of weight 1, over sqrt(4 tokens)

    old = NabdMultiTaskConfig(heads={"sentiment": {"kind": "multiclass", "id2label": {"0": "negative", "1": "neutral",
                                                                                         "2": "positive"}}})
    assert "wide" not in old.heads["sentiment"]


def test_the_multilabel_loss_counts_only_posts_labeled_for_each_head(tiny_mlm_dir, mini_data_dir, tmp_path):
    from nlp.model.finetune import IGNORE, Example

    trainer, _ = make_trainer(tiny_mlm_dir, mini_data_dir, tmp_path)
    topics = [0.0] * 8
    batch = [Example([2, 5, 3], [0, IGNORE, IGNORE], False),
             Example([2, 6, 3], [IGNORE] * 3, False, {"complaint": [1.0], "topics": [1.0, *topics[1:]]})]
    logits = {"complaint": torch.tensor([[9.0], [0.5]]), "topics": torch.zeros(2, 8)}
    loss = trainer.multilabel_loss(logits, batch)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    expected = 0.5 * bce(torch.tensor([0.5]), torch.tensor([1.0])) + 0.5 * bce(torch.zeros(8), torch.zeros(8))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_the_silver_complaint_set_shapes_the_encoder_but_its_heads_are_not_saved(
        tiny_mlm_dir, mini_data_dir, tmp_path):
    import shutil

    from nlp.complaints.data import load_silver, split_silver
    from nlp.model.finetune import FinetuneArguments, MultiTaskTrainer, build_model, complaint_train_split
    from nlp.model.predict import Classifier

    data_dir = write_complaint_data(tmp_path / "data")
    for name in ("arsarcasm_v2_train", "astd"):
        shutil.copy(mini_data_dir / f"{name}.jsonl.gz", data_dir)
    _, silver_dev = split_silver(load_silver(data_dir))
    leaked = {"id": "astd:leak", "text": silver_dev[0]["text"], "sentiment": "negative"}
    split = split_dev(load_labeled(data_dir, ("arsarcasm_v2_train", "astd")))
    train = split.train
    train["astd"].append(LabeledPost(leaked["id"], leaked["text"], "astd", "negative"))
    silver_train = complaint_train_split(data_dir, train)
    assert "astd:leak" not in {post.id for post in train["astd"]}
    assert not {post_key(r["text"]) for r in silver_train} & {post_key(r["text"]) for r in silver_dev}

    args = FinetuneArguments(base_model=tiny_mlm_dir, output_dir=tmp_path / "model", data_dir=data_dir,
                             datasets=("arsarcasm_v2_train", "astd"), dev_dir=tmp_path / "dev", epochs=1,
                             batch_size=8, max_minutes=None)
    model, tokenizer = build_model(args)
    trainer = MultiTaskTrainer(args, model, tokenizer, train, split.dev["arsarcasm_v2_train"], silver_train)
    examples = trainer.train_sets["complaints_silver"]
    assert len(examples) == len(silver_train)
    assert all(set(example.targets) == {"complaint", "topics"} for example in examples)

    from nlp.model.finetune import run_finetuning

    output = run_finetuning(args)
    config = json.loads((output / "config.json").read_text())
    assert set(config["heads"]) == {"sentiment", "sarcasm", "dialect"}
    assert "complaint" not in Classifier.load(output).classify(["الطلب ما وصل"])[0]


def test_pretraining_resumes_from_its_checkpoint_at_the_saved_step(tiny_tokenizer_dir, tmp_path):
    from transformers import AutoTokenizer

    from nlp.model.pretrain import MaskedLanguageModelTrainer, PretrainArguments

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_tokenizer_dir))
    sequences = tokenizer([text for text, *_ in POSTS] * 4)["input_ids"]
    args = PretrainArguments(output_dir=tmp_path, hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64,
                             max_length=64, batch_size=8, warmup_steps=2, max_steps=3, max_minutes=None)
    first = MaskedLanguageModelTrainer(args, tiny_tokenizer_dir, sequences, sequences[:8])
    model_dir = first.train()
    assert first.step == 3
    assert json.loads((model_dir / "pretrain_metrics.json").read_text())["steps"] == 3

    args.max_steps = 5
    resumed = MaskedLanguageModelTrainer(args, tiny_tokenizer_dir, sequences, sequences[:8])
    assert resumed.step == 3
    for name, tensor in resumed.model.state_dict().items():
        assert torch.equal(tensor, first.model.state_dict()[name])
    assert resumed.warmup_from == 3  # the learning rate re-warms from the resumed step
    resumed.train()
    assert resumed.step == 5
