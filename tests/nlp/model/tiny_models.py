"""Shared test material for the model tests: sample posts and a tiny random model builder.

Kept out of conftest.py so test modules can import it by a name no other test folder uses.
"""

import gzip
import json
from pathlib import Path

POSTS = [
    ("الخدمة ممتازة والتوصيل سريع 😍", "positive", False, "msa"),
    ("والله ما وصل الطلب لين الحين 😡", "negative", False, "gulf"),
    ("النت عندي يقطع كل شوي يا زين", "negative", False, "gulf"),
    ("الطلب موصلش لحد دلوقتي ومحدش بيرد", "negative", False, "egypt"),
    ("حلو اوي بجد شكرا يا جماعة", "positive", False, "egypt"),
    ("شو هالحكي ما في تغطية بالضيعة", "negative", False, "levant"),
    ("كتير منيح هالمطعم والأكل طيب", "positive", False, "levant"),
    ("واش كاين شي حل الكونكسيون ضعيفة بزاف", "negative", False, "maghreb"),
    ("الخدمة مزيانة بزاف الله يعطيكم الصحة", "positive", False, "maghreb"),
    ("أعلنت الشركة عن باقات جديدة للإنترنت", "neutral", False, "msa"),
    ("تم افتتاح الفرع الجديد في الرياض اليوم", "neutral", False, "msa"),
    ("شكرا على التأخير الرائع كالعادة 👏👏", "negative", True, "gulf"),
    ("أحلى شبكة في العالم ما فيها ولا شرطة 🙄", "negative", True, "gulf"),
    ("برافو عليكم الفاتورة زادت الضعف", "negative", True, "egypt"),
    ("الموضوع عادي ومفيش جديد", "neutral", False, "egypt"),
    ("يسلمو ايديكن على الخدمة الحلوة", "positive", False, "levant"),
]



def build_tiny_model(tokenizer_dir: Path, directory: Path, seed: int = 0) -> Path:
    """A randomly initialised 2-layer multi-task model saved in save_pretrained layout."""
    import torch
    from transformers import AutoTokenizer

    from nlp.model.modeling import NabdMultiTaskConfig, NabdMultiTaskModel, heads_config

    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    config = NabdMultiTaskConfig(
        heads=heads_config(), model_name="nabd-test-tiny", model_version="0.0.1",
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    NabdMultiTaskModel(config).save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    return directory



def write_gz_jsonl(path: Path, records: list[dict]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")


COMPLAINT_POSTS = [
    ("والله الطلب ما وصل لين الحين 😡", True, ["delivery"]),
    ("الطلب موصلش لحد دلوقتي ومحدش بيرد", True, ["delivery", "customer_service"]),
    ("النت عندي يقطع كل شوي والشبكة طايحة", True, ["network_coverage"]),
    ("الأسعار نار والباقة غالية مره", True, ["pricing"]),
    ("انخصم مني مرتين والفاتورة غلط", True, ["billing_payment"]),
    ("التطبيق معلق وما قدرت أسجل دخول", True, ["technical"]),
    ("الغرفة متسخة والأكل بارد", True, ["product_quality"]),
    ("الخدمة ممتازة والتوصيل سريع 😍", False, []),
    ("كتير منيح هالمطعم والأكل طيب", False, []),
    ("أعلنت الشركة عن باقات جديدة للإنترنت", False, []),
]


def build_tiny_complaint_model(tokenizer_dir: Path, directory: Path, topic_ids, seed: int = 0) -> Path:
    """A tiny random model with the sentiment heads and the complaint heads (topics sized to `topic_ids`)."""
    import torch
    from transformers import AutoTokenizer

    from nlp.model.modeling import (
        COMPLAINT_HEADS,
        DEFAULT_HEADS,
        NabdMultiTaskConfig,
        NabdMultiTaskModel,
        heads_config,
    )

    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    config = NabdMultiTaskConfig(
        heads=heads_config((*DEFAULT_HEADS, *COMPLAINT_HEADS), labels={"topics": tuple(topic_ids)}),
        model_name="nabd-test-tiny", model_version="0.0.1",
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    NabdMultiTaskModel(config).save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    return directory


def write_complaint_data(directory: Path) -> Path:
    """Miniature silver, spam and genuine-tweet files in the shapes of ../shared/data."""
    directory.mkdir(parents=True, exist_ok=True)
    silver = [
        {"id": f"silver:{i}", "text": f"{text} {i}", "complaint": complaint, "topics": topics,
         "churn_intent": i % 7 == 0, "advocacy": (not complaint) and i % 3 == 0}
        for i, (text, complaint, topics) in enumerate(COMPLAINT_POSTS * 4)
    ]
    spam = [
        {"id": f"lq:{i}", "text": f"RT @promo{i}: تابعني وأتابعك رتويت للحساب {i} #متابعة #رتويت",
         "extra": {"quality_label": "low_quality" if i % 2 else "scam"}}
        for i in range(30)
    ]
    genuine = [{"id": f"arsas:{i}", "text": f"{text} {i}", "sentiment": sentiment}
               for i, (text, sentiment, *_) in enumerate(POSTS * 2)]
    reviews = [{"id": f"masc:{i}", "text": text, "sentiment": "positive"}
               for i, text in enumerate(["تأخر التوصيل ثلاث ساعات", "الأسعار مبالغ فيها", "مكان جميل أنصح به بشدة"])]
    write_gz_jsonl(directory / "complaints_silver.jsonl.gz", silver)
    write_gz_jsonl(directory / "arabic_lowquality_tweets.jsonl.gz", spam)
    write_gz_jsonl(directory / "arsas.jsonl.gz", genuine)
    write_gz_jsonl(directory / "masc.jsonl.gz", reviews)
    return directory
