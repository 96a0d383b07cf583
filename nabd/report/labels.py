"""The report's words in Arabic and English: headings, metric, sentiment and dialect names, dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WORDS = {
    "ar": {
        "dir": "rtl", "align": "right", "opposite": "left",
        "title": "تقرير صحة العلامة اليومي",
        "day": "اليوم", "vs_day": "مقارنة بالأمس", "vs_week": "مقارنة بمتوسط ٧ أيام", "week_average": "متوسط ٧ أيام",
        "figures": "الأرقام الرئيسية", "metric": "المؤشر", "points": "نقطة",
        "volume": "حجم الإشارات", "positive": "إيجابية", "neutral": "محايدة", "negative": "سلبية",
        "net_sentiment": "صافي المشاعر", "complaints": "الشكاوى", "complaint_rate": "نسبة الشكاوى",
        "churn_intent": "نية الانتقال للمنافس", "advocacy": "التوصية بالعلامة",
        "volume_chart": "حجم الإشارات حسب المشاعر (آخر ٨ أيام)", "sentiment_mix": "مزيج المشاعر",
        "topics": "أبرز مواضيع الشكاوى", "examples": "أمثلة", "no_topics": "لا شكاوى في هذا اليوم.",
        "share_of_voice": "الحصة من الحديث مقارنة بالمنافسين", "sources": "أبرز المصادر",
        "posts": "أكثر المنشورات تفاعلاً", "engagement": "تفاعل", "open_post": "فتح المنشور",
        "rising_terms": "كلمات صاعدة في الإشارات السلبية", "no_terms": "لا كلمات صاعدة لهذا اليوم.",
        "dialects": "اللهجات", "no_posts": "لا منشورات في هذا اليوم.",
        "msa": "الفصحى", "gulf": "خليجية", "egypt": "مصرية", "levant": "شامية", "maghreb": "مغاربية", "unknown": "غير محددة",
        "footer": "أعدّه نبض من الإشارات العامة لهذا اليوم حسب توقيت {timezone}. الرسائل المزعجة مستبعدة. "
                  "صافي المشاعر = (الإيجابية − السلبية) ÷ (الإيجابية + السلبية).",
        "attached": "التقرير مرفق بصيغتي HTML و PDF.",
        "sarcasm": "نسبة السخرية",
        "sentiment_chart": "المشاعر يوماً بيوم (آخر ١٤ يوماً)",
        "chart_scale": "أعلى خط في الرسم = {top} إشارة، والخطوط كل {step}",
        "chart_alt": "رسم خطي للمشاعر في آخر ١٤ يوماً: في اليوم الأخير {negative} سلبية و{positive} إيجابية و{neutral} محايدة؛ "
                     "أعلى يوم للسلبية {peak_day} ({peak})",
        "term_examples": "منشورات فيها الكلمة",
        "source_health": "صحة المصادر (الجمع في هذا اليوم)", "no_sources": "لا سجلات جمع لهذا اليوم.",
        "source": "المصدر", "status": "الحالة", "items": "منشورات", "runs": "مرات الجمع",
        "failed_runs": "فاشلة", "streak": "متتالية بلا نتيجة",
        "status_ok": "يعمل", "status_empty": "فارغ", "status_failed": "متعطل",
        "spam": "مستبعدة كسبام", "spam_note": "{count} إشارة عن العلامة استُبعدت كسبام ولم تُحسب في أي رقم",
        "months": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
                   "نوفمبر", "ديسمبر"],
        "weekdays": ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
    },
    "en": {
        "dir": "ltr", "align": "left", "opposite": "right",
        "title": "Daily brand-health report",
        "day": "Day", "vs_day": "vs. day before", "vs_week": "vs. 7-day average", "week_average": "7-day average",
        "figures": "Headline figures", "metric": "Metric", "points": "pt",
        "volume": "Mentions", "positive": "Positive", "neutral": "Neutral", "negative": "Negative",
        "net_sentiment": "Net sentiment", "complaints": "Complaints", "complaint_rate": "Complaint rate",
        "churn_intent": "Churn intent", "advocacy": "Advocacy",
        "volume_chart": "Mentions by sentiment (last 8 days)", "sentiment_mix": "Sentiment mix",
        "topics": "Top complaint topics", "examples": "Examples", "no_topics": "No complaints on this day.",
        "share_of_voice": "Share of voice against competitors", "sources": "Top sources",
        "posts": "Most engaged posts", "engagement": "engagement", "open_post": "open post",
        "rising_terms": "Rising terms in negative mentions", "no_terms": "No rising terms on this day.",
        "dialects": "Dialect mix", "no_posts": "No posts on this day.",
        "msa": "MSA", "gulf": "Gulf", "egypt": "Egyptian", "levant": "Levantine", "maghreb": "Maghrebi", "unknown": "Unsure",
        "footer": "Built by nabd from the day's public mentions in {timezone} time. Spam is excluded. "
                  "Net sentiment = (positive − negative) ÷ (positive + negative).",
        "attached": "The report is attached as HTML and PDF.",
        "sarcasm": "Sarcasm share",
        "sentiment_chart": "Sentiment per day (last 14 days)",
        "chart_scale": "Top line of the chart = {top} mentions, grid every {step}",
        "chart_alt": "Line chart of sentiment over the last 14 days: on the last day {negative} negative, {positive} "
                     "positive, {neutral} neutral; most negative day {peak_day} ({peak})",
        "term_examples": "posts using it",
        "source_health": "Source health (collection on this day)", "no_sources": "No collection records on this day.",
        "source": "Source", "status": "Status", "items": "posts", "runs": "runs",
        "failed_runs": "failed", "streak": "unproductive in a row",
        "status_ok": "ok", "status_empty": "empty", "status_failed": "failed",
        "spam": "Excluded as spam", "spam_note": "{count} mentions of the brand were excluded as spam and counted nowhere",
        "months": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                   "October", "November", "December"],
        "weekdays": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    },
}
LANGUAGES = tuple(WORDS)


@dataclass(frozen=True)
class Labels:
    """The words of one report language."""

    language: str

    def __post_init__(self) -> None:
        if self.language not in WORDS:
            raise ValueError(f"report language must be one of {list(LANGUAGES)}, got {self.language!r}")

    def __getitem__(self, key: str) -> str:
        return WORDS[self.language][key]

    def month(self, day: date) -> str:
        return WORDS[self.language]["months"][day.month - 1]

    def weekday(self, day: date) -> str:
        return WORDS[self.language]["weekdays"][day.weekday()]

    def name(self, thing) -> str:
        """The display name of a config object with name_ar / name_en (brand, topic)."""
        return thing.name_ar if self.language == "ar" else thing.name_en
