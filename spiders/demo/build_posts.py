"""Builds the demo source's posts.jsonl from real, licence-compatible texts in ../shared/data (seeded, reproducible).

Run from the repository root:  python -m spiders.demo.build_posts [--data ../shared/data] [--out PATH]
The committed posts.jsonl is this script's output; README.md next to it gives provenance and licences.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

logger = logging.getLogger(__name__)

SEED = 20261116
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"
DEFAULT_OUT = Path(__file__).resolve().parent / "posts.jsonl"

# Only datasets whose licence allows redistribution (see README.md).
LICENCES = {
    "arsarcasm_v2": "MIT",
    "isarcasmeval_ar": "MIT",
    "arabic_sentiment_twitter_corpus": "Apache-2.0",
    "shami_corpus": "Apache-2.0",
    "ajgt": "AFL-3.0",
    "tsac": "LGPL-3.0",
}
LABELLED_FILES = {
    "arsarcasm_v2": "arsarcasm_v2_train.jsonl.gz",
    "isarcasmeval_ar": "isarcasmeval_ar.jsonl.gz",
    "arabic_sentiment_twitter_corpus": "arabic_sentiment_twitter_corpus.jsonl.gz",
    "ajgt": "ajgt.jsonl.gz",
    "tsac": "tsac.jsonl.gz",
}
UNLABELLED_FILE = "unlabeled_pretrain_corpus.jsonl.gz"
UNLABELLED_DATASETS = {"shami_corpus", "arabic_sentiment_twitter_corpus"}
DATASET_DIALECT = {"shami_corpus": "levant", "ajgt": "levant", "tsac": "maghreb"}

# Real operator and delivery-app names, and what the demo brands replace them with.
OPERATOR_REPLACEMENTS = (
    (re.compile(r"@(?:stc|STC|Stc)\w*"), {"sahm": "@SahmCare", "najm": "@NajmMobile"}),
    (re.compile(r"@(?:Mobily|mobily|zain|Zain|Vodafone|vodafone)\w*"), {"sahm": "@SahmTelecom", "najm": "@NajmMobile"}),
    (re.compile(r"\b(?:stc|STC|Stc)\b|الاتصالات السعودي[ةه]"), {"sahm": "سهم", "najm": "نجم موبايل"}),
    (re.compile(r"موبايلي(?= |$|،|\.)(?!\s*(?:اتكسر|اصور|عليه))|فودافون|اتصالات مصر|[اأ]ورنج|موبينيل|[اأ]ريدو"), {"sahm": "سهم", "najm": "نجم موبايل"}),
    (re.compile(r"(?<=(?:شركة|شركه|شبكة|شبكه) )زين|زين(?= السعودي)"), {"sahm": "سهم", "najm": "نجم موبايل"}),
)
APP_REPLACEMENT = re.compile(r"هنقرستيشن|هنقر ستيشن|مرسول|كاريدج|[اأ]وبر(?!\w)")

TELECOM = re.compile(
    r"(\b(?:stc|STC)\b|موبايلي|فودافون|اتصالات مصر|[اأ]ورنج|موبينيل|(?:شركة|شبكة|شبكه) زين|"
    r"(?<!\w)(?:ال)?نت\s+(?:\S+\s+)?(?:ضعيف|فاصل|مقطوع|بطي|يقطع|معلق|زفت|خايس|علق|فصل|قطع|سيء|سيئ|تعبان|خربان)|"
    r"(?:الشبك[ةه]|الانترنت|الإنترنت|الواي ?فاي|الراوتر)\s+(?:\S+\s+)?(?:ضعيف|فاصل|مقطوع|بطي|يقطع|معلق|زفت|خايس|طاي|طاح|خربان|سيئ)|"
    r"باق[ةه] (?:نت|انترنت|بيانات)|جيجا|فاتور[ةه] (?:الجوال|النت|الانترنت|التلفون)|شحنت رصيد|رصيدي|خدم[ةه] العملاء|كول سنتر)"
)
DELIVERY = re.compile(
    r"(هنقرستيشن|هنقر ستيشن|مرسول|كاريدج|\b[اأ]وبر\b|التوصيل|توصيل الطلب|المندوب|مندوب التوصيل|طلبي|"
    r"الاوردر|اوردر|الشحن[ةه]|الطلبي[ةه]|الطلب (?:ما|تأخر|تاخر|وصل)|وصل الطلب|ماوصل|ما وصل(?:ني)?\b)"
)
OFF_TOPIC = re.compile(
    r"(اللهم|يارب|يا رب|قرآن|القران|الصلا[ةه]|سبحان|الرئيس|السيسي|مرسي|حلب|سوري[اه]|اليمن|العراق|فلسطين|"
    r"الاحتلال|اسرائيل|الجيش|حزب|شهيد|الحرب|داعش|الهلال|النصر|الاهلي|الأهلي|الاتحاد|الزمالك|مبارا[ةه]|"
    r"لاعب|المنتخب|الدوري|كأس|ميسي|رونالدو|الاسلام|المسلمين|الشيعة|السن[ةه]\b|الوهابي|ترامب|اوباما|"
    r"انتخاب|البرلمان|الحكوم[ةه]|الوزير|الملك|الامير|حبيبي|حبيبتي|حبيبها|اشتقت|الموت|مات |ماتت|وفا[ةه]|"
    r"سكس|زب|طيز|شرموط|عرص|كس |منيوك|نيك|خول)"
)
# Words of service experience, good or bad: a generic post with one of them reads as a customer's post.
SERVICE_WORDS = re.compile(
    r"(خدم[ةه]|خدمتكم|سيء|سيئ|زفت|مشكل[ةه]|اسوأ|أسوأ|اسوء|تعبت|ما يردون|مايردون|ولا رد|محد يرد|فاشل|نصب|حرامي|"
    r"غالي|الاسعار|الأسعار|ضعيف|بطي|عطل|تعطل|خربان|يعلق|اشتراك|الغاء|إلغاء|فلوسي|مبلغ|ريال|جنيه|ممتاز|رائع|"
    r"سريع|انصح|أنصح|تجرب[ةه]|موظف|تواصل|الرد|انتظر|استنى|قرف|طفش|زهقت|مستوى|محترم|احترام|شكرا)"
)
COMPLAINT_WORDS = re.compile(
    r"(زفت|سيء|سيئ|فاشل|ما يردون|مايردون|ولا رد|محد يرد|تعبت|قرف|طفش|زهقت|اسوأ|أسوأ|اسوء|عطل|خربان|ضعيف|بطي|نصب|حرامي|مشكل)"
)
ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
LATIN_WORD = re.compile(r"(?<![@#/\w])[A-Za-z]{3,}(?![\w/])")
LEADING_MENTIONS = re.compile(r"^(?:RT\s+)?(?:@\w+[:\s]*)+")
OTHER_MENTION = re.compile(r"(?<![\w.])@(?!SahmCare|SahmTelecom|NajmMobile|RafeeqApp)\w+")
ARABIZI_WORDS = re.compile(r"(?i)\b(behi|bahi|3ajbetni|3jebni|t3jbni|barcha|barsha|5ayeb|5aib|mezyen\w*|ma7l\w*|7keya|7aja|mouch|mch|famma|9a3ed|ya3ti|sa7a|bravo)\b")

BRAND_FORMS = {
    "sahm": ("@SahmCare {t}", "@SahmTelecom {t}", "{t} @SahmCare", "{t} #سهم", "سهم للاتصالات {t}", "سهم موبايل {t}"),
    "najm": ("@NajmMobile {t}", "{t} #نجم_موبايل", "نجم موبايل {t}"),
    "rafeeq": ("@RafeeqApp {t}", "تطبيق رفيق {t}", "{t} #رفيق", "{t} @RafeeqApp"),
    "both": ("@SahmCare {t} #نجم_موبايل", "@NajmMobile {t} #سهم", "سهم ولا نجم موبايل؟ {t}"),
}
ARABIZI_FORMS = {
    "sahm": ("sa7m {t}", "{t} @SahmTelecom", "Sahm {t}"),
    "najm": ("najm mobile {t}", "{t} @NajmMobile"),
    "rafeeq": ("rafee2 {t}", "application rafiq {t}", "{t} @RafeeqApp"),
}
# Invented, obviously fake contact details, appended to a few posts so PII masking has work to do.
FAKE_CONTACTS = (
    "رقمي 0550000147 كلموني ضروري",
    "جوالي +966 55 000 0231 محد رد علي",
    "ايميلي sara.q@example.com انتظر ردكم",
    "تواصلوا معي 0100 000 4521",
    "mail: fahad.k@example.org",
    "رقم الطلب عندي وجوالي 0500000093",
    "راسلوني على noura.demo@example.net",
    "اتصلو على 00966500000311",
    "واتس 0559990001",
    "ايميل hamad_2020@example.com",
)
AUTHOR_STEMS = (
    ("abu_fahad", "أبو فهد"), ("noura", "نورة"), ("m_alqahtani", "محمد القحطاني"), ("sara", "سارة"),
    ("khalid", "خالد"), ("reem", "ريم"), ("ahmed_samir", "أحمد سمير"), ("mona", "منى"), ("hamad", "حمد"),
    ("lulwa", "لولوة"), ("omar", "عمر"), ("dana", "دانة"), ("yousef", "يوسف"), ("haya", "هيا"),
    ("bader", "بدر"), ("aseel", "أسيل"), ("mostafa", "مصطفى"), ("nada", "ندى"), ("faisal", "فيصل"),
    ("rana", "رنا"), ("ziad", "زياد"), ("layla", "ليلى"), ("tarek", "طارق"), ("salma", "سلمى"),
    ("abdullah", "عبدالله"), ("amal", "أمل"), ("saad", "سعد"), ("hind", "هند"), ("karim", "كريم"),
    ("yasmine", "ياسمين"), ("walid", "وليد"), ("shahad", "شهد"), ("anas", "أنس"), ("ghada", "غادة"),
    ("sami", "سامي"), ("maha", "مها"), ("nasser", "ناصر"), ("rasha", "رشا"), ("hichem", "هشام"),
    ("amine", "أمين"), ("wafa", "وفاء"), ("mehdi", "مهدي"), ("jana", "جنى"), ("rami", "رامي"),
)
# Share of posts per local (Riyadh, UTC+3) hour of day: quiet nights, busy evenings.
HOURLY_WEIGHTS = (3, 2, 1, 1, 1, 1, 2, 4, 6, 7, 7, 7, 8, 8, 7, 7, 8, 9, 10, 11, 12, 12, 10, 6)
FIRST_DAY = datetime(2026, 11, 16, tzinfo=timezone.utc)
DAYS = 7
BURST_START = datetime(2026, 11, 21, 17, 0, tzinfo=timezone.utc)  # 20:00 in Riyadh
BURST_MINUTES = 210
RIYADH = timedelta(hours=3)

PLAN = {  # how many posts of each kind
    "sahm_telecom": 34, "sahm_generic": 166, "sahm_burst": 60, "najm_telecom": 20, "najm_generic": 75,
    "both": 15, "rafeeq_delivery": 70, "rafeeq_generic": 90, "arabizi": 30, "english_mix": 14, "no_brand": 26,
}
PII_POSTS = 10
REPLY_SHARE = 0.14


@dataclass
class Source:
    """A real text and where it came from."""

    dataset: str
    row_id: str
    text: str
    sentiment: str | None = None
    dialect: str | None = None
    script: str = "arabic"


@dataclass
class Post:
    """One demo post before it is written."""

    text: str
    brand: str | None
    source: Source
    edits: list[str] = field(default_factory=list)
    published: datetime | None = None
    burst: bool = False


def read_sources(data_dir: Path) -> list[Source]:
    """Every candidate text of the licence-compatible datasets, in file order."""
    sources: list[Source] = []
    for dataset, name in LABELLED_FILES.items():
        for row in _jsonl(data_dir / name):
            script = row.get("extra", {}).get("script", "arabic")
            dialect = row.get("dialect") or DATASET_DIALECT.get(dataset)
            sources.append(Source(dataset, row["id"], row["text"], row.get("sentiment"), dialect, script))
    labelled_ids = {source.row_id for source in sources}
    for row in _jsonl(data_dir / UNLABELLED_FILE):
        if row["dataset"] in UNLABELLED_DATASETS and row["id"] not in labelled_ids:
            sources.append(Source(row["dataset"], row["id"], row["text"], None, DATASET_DIALECT.get(row["dataset"])))
    return sources


def _jsonl(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def clean_text(text: str) -> str:
    """The source text without wrapping quotes, retweet and reply prefixes."""
    text = text.strip()
    if len(text) > 1 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    return LEADING_MENTIONS.sub("", text).strip()


def usable(text: str) -> bool:
    """Short enough, Arabic enough and not about politics, religion, sport or intimacy."""
    return 12 <= len(text) <= 220 and len(ARABIC_LETTER.findall(text)) >= 8 and not OFF_TOPIC.search(text)


def classify(sources: list[Source]) -> dict[str, list[Source]]:
    """Candidate pools by what the text talks about and how it is written."""
    pools: dict[str, list[Source]] = {k: [] for k in ("telecom", "delivery", "negative", "generic", "chatter", "arabizi", "english_mix")}
    seen: set[str] = set()
    for source in sources:
        text = clean_text(source.text)
        if text in seen:
            continue
        seen.add(text)
        source.text = text
        if source.script != "arabic":
            if 8 <= len(text) <= 90 and ARABIZI_WORDS.search(text) and not re.search(r"\s[A-Z]", text):
                pools["arabizi"].append(source)
            continue
        if not usable(text):
            continue
        if len(LATIN_WORD.findall(text)) >= 2 and "http" not in text and "[" not in text:
            pools["english_mix"].append(source)
        elif TELECOM.search(text):
            pools["telecom"].append(source)
        elif DELIVERY.search(text):
            pools["delivery"].append(source)
        elif "http" not in text and "#" not in text and len(text) <= 160:
            if not SERVICE_WORDS.search(text):
                pools["chatter"].append(source)
            elif source.sentiment == "negative" and COMPLAINT_WORDS.search(text):
                pools["negative"].append(source)
            else:
                pools["generic"].append(source)
    return pools


def set_brand(source: Source, brand: str | None, rng: random.Random) -> Post:
    """Sets the demo brand into a real text: replaces a real operator or app name, else adds a handle or name."""
    post = Post(source.text, brand, source)
    if brand is None:
        return post
    if brand in ("sahm", "najm") and _replace_operators(post, brand):
        return post
    if brand == "rafeeq" and APP_REPLACEMENT.search(post.text):
        post.text = APP_REPLACEMENT.sub("رفيق", post.text)
        post.edits.append("replaced app name with رفيق")
        return post
    forms = ARABIZI_FORMS[brand] if source.script != "arabic" else BRAND_FORMS[brand]
    form = rng.choice(forms)
    post.text = form.format(t=post.text)
    post.edits.append(f"added brand: {form.replace('{t}', '…')}")
    return post


def _replace_operators(post: Post, brand: str) -> bool:
    replaced = False
    for pattern, by_brand in OPERATOR_REPLACEMENTS:
        if pattern.search(post.text):
            post.text = pattern.sub(by_brand[brand], post.text)
            replaced = True
    if replaced:
        post.edits.append(f"replaced operator name with {brand}")
    return replaced


def draw_posts(pools: dict[str, list[Source]], rng: random.Random) -> list[Post]:
    """The planned mix of posts, each from its pool without repeats."""
    for pool in pools.values():
        rng.shuffle(pool)
    take = _taker(pools)
    posts: list[Post] = []
    for _ in range(PLAN["sahm_telecom"]):
        posts.append(set_brand(take("telecom"), "sahm", rng))
    for _ in range(PLAN["najm_telecom"]):
        posts.append(set_brand(take("telecom"), "najm", rng))
    for _ in range(PLAN["sahm_burst"]):
        post = set_brand(take("negative"), "sahm", rng)
        post.burst = True
        posts.append(post)
    for kind, brand, pool_names in (
        ("sahm_generic", "sahm", ("generic", "negative")),
        ("najm_generic", "najm", ("generic", "negative")),
        ("rafeeq_delivery", "rafeeq", ("delivery",)),
        ("rafeeq_generic", "rafeeq", ("generic", "negative")),
        ("both", "both", ("generic", "negative")),
        ("english_mix", None, ("english_mix",)),
        ("no_brand", None, ("chatter", "generic")),
    ):
        for index in range(PLAN[kind]):
            source = take(pool_names[index % len(pool_names)])
            chosen = rng.choice(("sahm", "najm", "rafeeq")) if kind == "english_mix" else brand
            posts.append(set_brand(source, chosen, rng))
    for index in range(PLAN["arabizi"]):
        posts.append(set_brand(take("arabizi"), ("sahm", "rafeeq", "najm")[index % 3], rng))
    return posts


def _taker(pools: dict[str, list[Source]]):
    positions = {name: 0 for name in pools}

    def take(name: str) -> Source:
        if positions[name] >= len(pools[name]):
            raise ValueError(f"pool {name!r} has only {len(pools[name])} texts; lower PLAN")
        positions[name] += 1
        return pools[name][positions[name] - 1]

    return take


def add_fake_contacts(posts: list[Post], rng: random.Random) -> None:
    """Appends an invented phone number or e-mail address to a few branded posts."""
    branded = [post for post in posts if post.brand and post.source.script == "arabic"]
    for post, contact in zip(rng.sample(branded, PII_POSTS), FAKE_CONTACTS):
        post.text = f"{post.text}\n{contact}"
        post.edits.append("appended a fake contact detail")


def schedule(posts: list[Post], rng: random.Random) -> None:
    """Publication times over the week with a daily rhythm, and the Saturday-evening burst for sahm."""
    hours = list(range(24))
    for post in posts:
        if post.burst:
            minutes = rng.triangular(0, BURST_MINUTES, BURST_MINUTES * 0.3)
            post.published = BURST_START + timedelta(minutes=minutes, seconds=rng.randrange(60))
            continue
        local_hour = rng.choices(hours, weights=HOURLY_WEIGHTS)[0]
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        post.published = day + timedelta(hours=local_hour, minutes=rng.randrange(60), seconds=rng.randrange(60)) - RIYADH
        if post.published < FIRST_DAY:
            post.published += timedelta(days=1)


def make_authors(rng: random.Random, count: int) -> list[dict]:
    """Fictional authors: handle, display name, follower count, rarely verified."""
    authors = []
    for index in range(count):
        stem, name = AUTHOR_STEMS[index % len(AUTHOR_STEMS)]
        suffix = rng.choice(("", "_", "")) + str(rng.randrange(1, 999))
        followers = int(rng.lognormvariate(5.0, 1.6))
        authors.append({"handle": f"{stem}{suffix}", "name": name, "followers": followers, "verified": followers > 20000})
    return authors


def to_records(posts: list[Post], rng: random.Random) -> list[dict]:
    """The posts as site records: native ids in time order, authors, threads and engagement."""
    posts.sort(key=lambda post: post.published)
    authors = make_authors(rng, 320)
    weights = [1 / (rank + 1) ** 0.6 for rank in range(len(authors))]
    records, native_id = [], 7310000
    for post in posts:
        native_id += rng.randrange(1, 9)
        author = rng.choices(authors, weights=weights)[0]
        records.append({
            "id": str(native_id),
            "published": post.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "author": dict(author),
            "text": OTHER_MENTION.sub(lambda _: "@" + rng.choice(authors)["handle"], post.text),
            "likes": 0, "replies": 0, "shares": 0,
            "thread_id": None, "parent_id": None,
            "origin": {"dataset": post.source.dataset, "row_id": post.source.row_id,
                       "licence": LICENCES[post.source.dataset], "edits": post.edits},
            "_brand": post.brand, "_burst": post.burst,
        })
    link_replies(records, rng)
    add_engagement(records, rng)
    for record in records:
        del record["_brand"], record["_burst"]
    return records


def link_replies(records: list[dict], rng: random.Random) -> None:
    """Makes some posts replies to an earlier post about the same brand within the day before."""
    for index, record in enumerate(records):
        if record["_brand"] is None or rng.random() > REPLY_SHARE:
            continue
        published = record["published"]
        earlier = [r for r in records[max(0, index - 40):index] if r["_brand"] == record["_brand"] and r["published"] < published]
        if earlier:
            parent = rng.choice(earlier)
            record["parent_id"] = parent["id"]
            record["thread_id"] = parent["thread_id"] or parent["id"]
            parent["thread_id"] = parent["thread_id"] or parent["id"]
            parent["replies"] += 1


def add_engagement(records: list[dict], rng: random.Random) -> None:
    """Likes and shares that grow with the author's reach; burst posts travel further."""
    for record in records:
        reach = 1 + record["author"]["followers"] ** 0.5 / 8
        likes = int(rng.expovariate(1.0) * reach * (4 if record["_burst"] else 1))
        record["likes"] = likes
        record["shares"] = int(likes * rng.uniform(0.05, 0.4))
        record["replies"] += int(rng.expovariate(1.0) * (2 if record["_burst"] else 0.5))


def build(data_dir: Path, out: Path) -> int:
    """Reads the datasets, builds the posts and writes them; returns how many were written."""
    rng = random.Random(SEED)
    pools = classify(read_sources(data_dir))
    logger.info("candidate texts per pool: %s", {name: len(pool) for name, pool in pools.items()})
    posts = draw_posts(pools, rng)
    add_fake_contacts(posts, rng)
    schedule(posts, rng)
    records = to_records(posts, rng)
    with out.open("w", encoding="utf-8", newline="\n") as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
    return len(records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write posts.jsonl")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    count = build(args.data, args.out)
    logger.info("wrote %d posts to %s", count, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
