"""Real-looking Arabic mentions of Sahm Telecom around Saturday 2026-11-21 (Riyadh), with the figures they make."""

from __future__ import annotations

HOSTILE_TEXT = ('<script>alert("نبض")</script> <img src=x onerror=alert(1)> '
                '\u202eالفاتورة غلط مرتين\u202c \u2067واحد\u2069 وخصموا من رصيدي')
DAY = "2026-11-21"


def mention(n, when, sentiment, *, brands=("sahm",), complaint=False, topics=(), likes=0, dialect="gulf",
            text="الشبكة ضعيفة اليوم", source="demo", spam=False, churn=False, advocacy=False, url=None):
    return {"id": f"r{n}", "source": source, "source_id": str(n), "@timestamp": when, "text": text, "lang": "ar",
            "url": url or f"https://forum.nabd-demo.example/posts/{n}",
            "brands": [{"id": b, "alias": b, "role": "brand"} for b in brands],
            "engagement": {"likes": likes},
            "nlp": {"sentiment": sentiment, "complaint": complaint, "topics": list(topics), "spam": spam,
                    "dialect": dialect, "sarcasm": False, "churn_intent": churn, "advocacy": advocacy}}


# Saturday 2026-11-21 in Riyadh is 2026-11-20T21:00Z .. 2026-11-21T21:00Z.
REPORT_DAY = [
    mention(1, "2026-11-20T21:30:00Z", "negative", complaint=True, topics=["network_coverage"], likes=120,
            source="x", text="الشبكة طايحة من الصبح في الرياض، لا نت ولا اتصالات 😡"),
    mention(2, "2026-11-21T06:00:00Z", "negative", complaint=True, topics=["network_coverage", "customer_service"],
            likes=40, churn=True, text="الشبكة طايحة وكلمت خدمة العملاء ثلاث مرات وما أحد رد، والله بحوّل على نجم"),
    mention(3, "2026-11-21T07:00:00Z", "negative", complaint=True, topics=["billing_payment"], likes=15,
            dialect="egypt", text="الفاتورة جات مضاعفة الشهر ده ومحدش بيرد عليا"),
    mention(4, "2026-11-21T08:00:00Z", "negative", complaint=True, topics=["billing_payment"], likes=60,
            source="x", text=HOSTILE_TEXT, url="javascript:alert(document.cookie)"),
    mention(5, "2026-11-21T09:00:00Z", "positive", likes=30, advocacy=True, source="app_store",
            text="سرعة النت مع باقة سهم بلس ممتازة، أنصحكم فيها 👍"),
    mention(6, "2026-11-21T10:00:00Z", "positive", likes=2, text="شكراً سهم على سرعة حل المشكلة"),
    mention(7, "2026-11-21T11:00:00Z", "neutral", dialect="msa", text="هل باقة سهم بلس تشمل التجوال الدولي؟"),
    mention(8, "2026-11-21T12:00:00Z", "negative", spam=True, likes=999, text="اربح آيفون الآن اضغط الرابط"),
    mention(9, "2026-11-21T13:00:00Z", "neutral", brands=("najm",), text="عروض نجم موبايل الجديدة"),
    mention(10, "2026-11-21T14:00:00Z", "neutral", brands=("sahm", "najm"),
            text="مقارنة بين سهم ونجم موبايل في سرعة النت"),
    mention(11, "2026-11-21T20:59:00Z", "negative", complaint=True, topics=["network_coverage"], likes=8,
            dialect="levant", text="النت عندكم طايحة كتير اليوم، شو القصة؟"),
]
DAY_BEFORE = [
    mention(21, "2026-11-20T05:00:00Z", "negative", complaint=True, topics=["network_coverage"], likes=10,
            text="ما في تغطية في حي النرجس"),
    mention(22, "2026-11-20T06:00:00Z", "positive", text="خدمة ممتازة من سهم"),
    mention(23, "2026-11-20T07:00:00Z", "positive", text="الباقة الجديدة حلوة"),
    mention(24, "2026-11-20T08:00:00Z", "neutral", text="كم سعر شريحة سهم؟"),
]
EARLIER_IN_WEEK = [
    mention(31, "2026-11-15T09:00:00Z", "negative", complaint=True, topics=["technical"],
            text="التطبيق يطلعني كل شوي وما أقدر أسجل دخول"),
    mention(32, "2026-11-17T09:00:00Z", "positive", text="تجربة رائعة مع سهم"),
    mention(33, "2026-11-17T10:00:00Z", "positive", advocacy=True, text="أنصح الكل بسهم، أفضل شبكة جربتها"),
]
OUTSIDE = [
    mention(41, "2026-11-13T20:59:00Z", "negative", complaint=True, text="قبل الأسبوع: لا يحسب"),
    mention(42, "2026-11-21T21:00:00Z", "negative", complaint=True, text="بعد اليوم: لا يحسب"),
]
MENTIONS = REPORT_DAY + DAY_BEFORE + EARLIER_IN_WEEK + OUTSIDE
