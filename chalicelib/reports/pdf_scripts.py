"""The scripts DejaVu Sans lacks, for the PDF: which bundled font prints each (Noto Sans, one file per script, and
WenQuanYi Micro Hei for Chinese, Japanese and Korean), and a visible stand-in for a character no font has.

Arabic, Hebrew, the Indic scripts, Thai and their neighbours need text shaping (joined and reordered letters,
right to left): fpdf2 does it with HarfBuzz (``uharfbuzz``) in ``cell()``, not in ``text()``, so the page prints
texts with such characters through ``cell()`` (:meth:`~chalicelib.reports.pdf_layout.Document.text`). A report
loads only the fonts its texts need (fonts/README.md).
"""

import re
from collections.abc import Iterable
from typing import NamedTuple


class ScriptFont(NamedTuple):
    family: str
    file: str
    chars: str  # a regex character class body: the code points this font prints
    shaped: bool = True  # needs text shaping (joining, reordering, right to left)


CJK = ScriptFont("WenQuanYi", "WenQuanYiMicroHei-CJK.ttf",
                 "\u1100-\u11ff\u2e80-\u2fff\u3000-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff"
                 "\ufe30-\ufe4f\uff00-\uffef", shaped=False)
SCRIPTS: tuple[ScriptFont, ...] = (
    ScriptFont("NotoArabic", "NotoSansArabic-Regular.ttf",
               "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefe"),
    ScriptFont("NotoHebrew", "NotoSansHebrew-Regular.ttf", "\u0590-\u05ff\ufb1d-\ufb4f"),
    ScriptFont("NotoDevanagari", "NotoSansDevanagari-Regular.ttf", "\u0900-\u097f\ua8e0-\ua8ff"),
    ScriptFont("NotoBengali", "NotoSansBengali-Regular.ttf", "\u0980-\u09ff"),
    ScriptFont("NotoGurmukhi", "NotoSansGurmukhi-Regular.ttf", "\u0a00-\u0a7f"),
    ScriptFont("NotoGujarati", "NotoSansGujarati-Regular.ttf", "\u0a80-\u0aff"),
    ScriptFont("NotoTamil", "NotoSansTamil-Regular.ttf", "\u0b80-\u0bff"),
    ScriptFont("NotoTelugu", "NotoSansTelugu-Regular.ttf", "\u0c00-\u0c7f"),
    ScriptFont("NotoKannada", "NotoSansKannada-Regular.ttf", "\u0c80-\u0cff"),
    ScriptFont("NotoMalayalam", "NotoSansMalayalam-Regular.ttf", "\u0d00-\u0d7f"),
    ScriptFont("NotoSinhala", "NotoSansSinhala-Regular.ttf", "\u0d80-\u0dff"),
    ScriptFont("NotoThai", "NotoSansThai-Regular.ttf", "\u0e00-\u0e7f"),
    ScriptFont("NotoLao", "NotoSansLao-Regular.ttf", "\u0e80-\u0eff"),
    ScriptFont("NotoMyanmar", "NotoSansMyanmar-Regular.ttf", "\u1000-\u109f"),
    ScriptFont("NotoGeorgian", "NotoSansGeorgian-Regular.ttf", "\u10a0-\u10ff\u2d00-\u2d2f", shaped=False),
    ScriptFont("NotoEthiopic", "NotoSansEthiopic-Regular.ttf", "\u1200-\u139f", shaped=False),
    ScriptFont("NotoKhmer", "NotoSansKhmer-Regular.ttf", "\u1780-\u17ff"),
    ScriptFont("NotoArmenian", "NotoSansArmenian-Regular.ttf", "\u0530-\u058f", shaped=False),
)
_RUNS = {font: re.compile(f"[{font.chars}]") for font in (CJK, *SCRIPTS)}
OTHER = re.compile(f"[{''.join(font.chars for font in (CJK, *SCRIPTS))}]")  # a character DejaVu does not print
SHAPED = re.compile(f"[{''.join(font.chars for font in SCRIPTS if font.shaped)}]")
MISSING = "\ufffd"  # DejaVu's replacement character: a glyph no bundled font has prints visibly, never as a blank


def needed(texts: Iterable[str]) -> list[ScriptFont]:
    """The fonts besides DejaVu that ``texts`` need, CJK first."""
    found: set[ScriptFont] = set()
    for text in texts:
        if not text.isascii() and OTHER.search(text):
            found.update(font for font, run in _RUNS.items() if font not in found and run.search(text))
    return [font for font in (CJK, *SCRIPTS) if font in found]


def font_of(char: str, fonts: Iterable[ScriptFont]) -> ScriptFont | None:
    """The loaded font that prints ``char``, if it is not DejaVu's."""
    return next((font for font in fonts if _RUNS[font].match(char)), None)
