"""Every script prints, none silently dropped (issue 24, item 8), pure: titles in thirteen scripts go into a report,
and ``pdftotext`` (poppler-utils, installed by ``make test``) finds each word of each in the PDF; a character no
bundled font has prints as a visible replacement mark."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest

from chalicelib.models.security import Incident, SecurityData, Vulnerability
from chalicelib.reports.content import build_report
from chalicelib.reports.pdf import render
from chalicelib.reports.periods import period_from_key

WEEK = period_from_key("weekly", "Asia/Tokyo", "2026-W48")
TITLES = {
    "Arabic": "حقن SQL في صفحة الدخول", "Hebrew": "הזרקת SQL בדף הכניסה", "Devanagari": "लॉगिन पृष्ठ पर हमला",
    "Thai": "การโจมตีหน้าเข้าสู่ระบบ", "Bengali": "লগইন পৃষ্ঠায় আক্রমণ", "Tamil": "உள்நுழைவு தாக்குதல்",
    "Georgian": "შეტევა შესვლის გვერდზე", "Armenian": "Հարձակում մուտքի էջի վրա", "Ethiopic": "በመግቢያ ገጽ ላይ ጥቃት",
    "Khmer": "ការវាយប្រហារ", "Japanese": "SQLインジェクション", "Greek": "Επίθεση ωμής βίας",
    "Cyrillic": "Внедрение SQL",
}
_LAYOUT = re.compile(r"[\s\u200e\u200f\u202a-\u202e]+")  # spaces and the bidi marks pdftotext adds


def extracted(pdf: bytes) -> str:
    """The PDF's text as ``pdftotext -raw`` gives it (reading order), without spaces or bidi marks: it puts spaces
    between clusters of Indic scripts and writes right-to-left words in visual order."""
    assert shutil.which("pdftotext"), "pdftotext is missing: make test installs poppler-utils"
    done = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True)
    return _LAYOUT.sub("", done.stdout.decode())


def report_with(titles: list[str], name: str = "Acme", incident: str = "Incident") -> bytes:
    data = SecurityData(
        vulnerabilities=[Vulnerability(id=f"v{n}", at=WEEK.start + timedelta(hours=n), risk="high", title=title,
                                       host="pay.kaitopay.example") for n, title in enumerate(titles)],
        incidents=[Incident(id="i", at=WEEK.start, title=incident, host="pay.kaitopay.example")])
    return render(build_report(name, WEEK, data, SecurityData(), generated_at=WEEK.end))


def test_titles_in_thirteen_scripts_are_all_in_the_pdf_text():
    text = extracted(report_with(list(TITLES.values()), name="شركة كايتو باي", incident="هجوم على الدفع — عاجل"))

    for script, title in {**TITLES, "company": "شركة كايتو باي", "incident": "هجوم على الدفع — عاجل"}.items():
        for word in title.split():
            assert found(word, text), f"{script}: {word}"


def found(word: str, text: str) -> bool:
    """``word`` in ``text``, its letters in any order: an extractor gives a ligature's letters (Arabic lam with
    alef maksura, a Thai tone mark over a vowel) in the glyph's order."""
    letters = sorted(word)
    return word in text or any(sorted(text[n:n + len(word)]) == letters for n in range(len(text) - len(word) + 1))


@pytest.mark.parametrize("title", ["Attack 🔥 on login", "Ancient 𓀀 glyph", "Rare 𠀀 ideograph"])
def test_a_character_no_font_has_prints_as_a_visible_mark(title):
    text = extracted(report_with([title]))

    before, after = title.split(" ")[0], title.split(" ")[-1]
    assert f"{before}\ufffd" in text and after in text, title


def test_a_report_without_other_scripts_loads_no_other_font():
    pdf = report_with(["SQL injection in /login"])

    assert b"Noto" not in pdf and b"WenQuanYi" not in pdf
