"""Build the adversarial claim set from real report text: `python bench/make_claims.py [CORPUS] > FILE`.

Every claim starts from a sentence (or judgement row) of a real report of the test library's
authorities, then is either kept faithful (reframed, trimmed, dated) or given exactly one wrong
fact of the kinds a misquote changes: grade, number, year, authority, polarity, "not", or a finding
told as a request (and the reverse). Undecidable claims name years with no report, or places and
topics the library does not hold. The output is committed as tests/data/claims.jsonl; re-running
with the same corpus writes the same file.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

from index import meaning, text
from index.chunk import COVER_SECTION, METADATA_SECTION, passages
from index.ingest import apply_sidecar, sidecar_rows
from index.understand import read_report

AUTHORITIES = ["lancashire", "st-helens", "north-east-lincolnshire"]
NAMES = {"lancashire": "Lancashire", "st-helens": "St Helens", "north-east-lincolnshire": "North East Lincolnshire"}
ELSEWHERE = ["leeds", "kent", "birmingham"]  # in the corpus, not in the test library
AREA_WORDS = {
    "help_and_protection": "help and protection for children",
    "children_in_care": "the experiences and progress of children in care",
    "care_leavers": "the experiences and progress of care leavers",
    "impact_of_leaders": "the impact of leaders",
    "overall_effectiveness": "overall effectiveness",
}
GRADES = ["outstanding", "good", "requires improvement", "inadequate"]
PHRASE = {"requires improvement": "requiring improvement", "outstanding": "outstanding", "good": "good",
          "inadequate": "inadequate"}  # fmt: skip
TEMPLATES = [
    "In {year}, Ofsted judged {what} in {name} to be {grade}.",
    "{name}'s {year} inspection rated {what} as {grade}.",
    "Ofsted graded {what} in {name} {grade} in {year}.",
]
# One-word flips a misquote makes (the issue's own examples among them).
FLIPS = {
    "effective": "ineffective", "effectively": "ineffectively", "timely": "delayed", "consistent": "inconsistent",
    "consistently": "inconsistently", "strong": "weak", "good": "poor", "well": "poorly", "most": "few",
    "improved": "deteriorated", "high": "low", "increased": "reduced", "always": "rarely", "all": "few",
    "appropriate": "inappropriate", "sufficient": "insufficient", "clear": "unclear", "robust": "weak",
    "ineffective": "effective", "inconsistent": "consistent", "weak": "strong", "poor": "good", "few": "most",
    "delays": "timely decisions", "insufficient": "sufficient", "limited": "comprehensive", "variable": "consistent",
}  # fmt: skip
ASKING_SECTION = re.compile(r"improve|recommendation|areas? for", re.I)
NEGATABLE = re.compile(r"\b(is|are|was|were|has|have|do|does)\b(?! not)")


def sentences_of(report_passages) -> list[str]:
    """Findings in the report's own words: numbered paragraphs, not requests, not the cover."""
    out = []
    for p in report_passages:
        if p.section in (COVER_SECTION, METADATA_SECTION) or not p.paragraph or ASKING_SECTION.search(p.section):
            continue
        for s in text.sentences(p.text):
            s = re.sub(r"^\d{1,3}\.\s+", "", s)
            if (
                10 <= len(s.split()) <= 40
                and s.endswith(".")
                and s[0].isupper()
                and not re.search(r"[\[\]•]|\(paragraphs?", s)
                and not meaning.IMPERATIVE.match(s)
            ):
                out.append(s)
    return out


def lower_first(s: str) -> str:
    return s[0].lower() + s[1:] if s[:2] != s[:2].upper() else s


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus")
    rng = random.Random(7)
    rows = sidecar_rows(corpus / "ofsted")
    claims: list[dict] = []

    def add(kind: str, claim: str, expect: str, source: Path, original: str = "") -> None:
        claims.append(
            {
                "id": f"c{len(claims) + 1:03d}",
                "kind": kind,
                "claim": claim,
                "expect": expect,
                "source": "/".join(source.parts[-3:]),
                "original": original,
            }
        )

    reports = {}
    for slug in AUTHORITIES:
        for pdf in sorted((corpus / "ofsted" / slug).glob("*.pdf")):
            report = apply_sidecar(read_report(pdf), rows.get(pdf.resolve()))
            reports[pdf] = (slug, report, passages(report))

    years_held = {slug: set() for slug in AUTHORITIES}
    for slug, report, _ in reports.values():
        for stamp in (report.dated, report.inspection_start_date):
            if stamp:
                years_held[slug].add(stamp.year)

    for pdf, (slug, report, found) in reports.items():
        name = NAMES[slug]
        year = report.dated.year if report.dated else None
        if year is None:
            continue
        pool = sentences_of(found)
        rng.shuffle(pool)
        # Judgements: a faithful claim, a grade swap, and a claim about a year with no report.
        for area, grade in list(report.judgements.items())[:3]:
            if area not in AREA_WORDS:
                continue
            what = AREA_WORDS[area]
            template = rng.choice(TEMPLATES)
            add("judgement", template.format(year=year, what=what, name=name, grade=PHRASE[grade.value]), "supported",
                pdf)  # fmt: skip
            wrong = rng.choice([g for g in GRADES if g != grade.value])
            add("grade_swap", template.format(year=year, what=what, name=name, grade=PHRASE[wrong]), "contradicted",
                pdf)  # fmt: skip
        missing = rng.choice(
            [y for y in range(2012, 2026) if y not in years_held[slug] and y - 1 not in years_held[slug]]
        )
        if report.judgements:
            area, grade = next(iter(report.judgements.items()))
            if area in AREA_WORDS:
                add("year_without_report", f"{name}'s {missing} inspection judged {AREA_WORDS[area]} {grade.value}.",
                    "not_found", pdf)  # fmt: skip
        other_years = sorted(years_held[slug] - {year, year - 1, year + 1})
        others = [n for s, n in NAMES.items() if s != slug]
        for i, sentence in enumerate(pool[:7]):
            add("faithful", f"In {name}'s {year} inspection, Ofsted found that {lower_first(sentence)}", "supported",
                pdf, sentence)  # fmt: skip
            if i % 3 == 0 and other_years:
                wrong_year = rng.choice(other_years)
                add("year_swap", f"In its {wrong_year} report on {name}, Ofsted found that {lower_first(sentence)}",
                    "contradicted", pdf, sentence)  # fmt: skip
            if i % 3 == 1:
                add("authority_swap", f"In {rng.choice(others)}, Ofsted found that {lower_first(sentence)}",
                    "contradicted", pdf, sentence)  # fmt: skip
            if i % 3 == 2 and "," in sentence:
                head = sentence[: sentence.rindex(",")]
                if len(head.split()) >= 8:
                    add("faithful", f"Inspectors reported that in {name} {lower_first(head)}.", "supported", pdf,
                        sentence)  # fmt: skip
        for sentence in pool[7:]:
            words = sentence.split()
            flips = [i for i, w in enumerate(words) if w.lower().strip(",.;") in FLIPS]
            if flips and sum(c["kind"] == "polarity" and c["source"].endswith(pdf.name) for c in claims) < 4:
                i = flips[0]
                bare = words[i].lower().strip(",.;")
                words[i] = words[i].lower().replace(bare, FLIPS[bare])
                flipped = " ".join(words)
                add("polarity", f"In {name}, {lower_first(flipped)}", "contradicted", pdf, sentence)
                continue
            numbers = [n for n in re.findall(r"\b\d{1,3}\b", sentence) if not re.search(rf"\b{n}\.\s", sentence)]
            if numbers and sum(c["kind"] == "number_swap" and c["source"].endswith(pdf.name) for c in claims) < 3:
                n = numbers[0]
                swapped = re.sub(rf"\b{n}\b", str(int(n) * 2 + 7), sentence, count=1)
                add("number_swap", f"In {name}, {lower_first(swapped)}", "contradicted", pdf, sentence)
                add("faithful_number", f"In {name}, {lower_first(sentence)}", "supported", pdf, sentence)
                continue
            negations = sum(c["kind"] == "negation" and c["source"].endswith(pdf.name) for c in claims)
            if (
                negations < 3
                and NEGATABLE.search(sentence)
                and not re.search(r"\b(not|no|never|none|without)\b", sentence)
            ):
                negated = NEGATABLE.sub(lambda m: m.group(0) + " not", sentence, count=1)
                add("negation", f"In {name}, {lower_first(negated)}", "contradicted", pdf, sentence)
                continue
            if " not " in sentence and sum(c["kind"] == "negation_dropped" and c["source"].endswith(pdf.name)
                                           for c in claims) < 2:  # fmt: skip
                add("negation_dropped", f"In {name}, {lower_first(sentence.replace(' not ', ' ', 1))}",
                    "contradicted", pdf, sentence)  # fmt: skip
        # What Ofsted asked for, told as a finding; and a strength told as something to improve.
        for item in report.improvements[:2]:
            item = re.sub(r"\s*\(paragraphs?[^)]*\)?", "", item).rstrip(". ")
            ask = re.match(r"(?i)(ensure|make sure)( that)?\s+(.*)", item)
            finding = ask.group(3) if ask else f"the {lower_first(item)} was a strength"
            add("request_as_finding", f"Ofsted found that in {name} {finding}.", "contradicted", pdf, item)
        praised = [s for s in pool if re.search(r"\b(strong|effective|well|good|timely|robust)\b", s)
                   and not re.search(r"\b(not|improve|should|ensure|need)\b", s)]  # fmt: skip
        for sentence in praised[:1]:
            add("finding_as_request", f"Ofsted asked {name} to improve this: {lower_first(sentence)}", "contradicted",
                pdf, sentence)  # fmt: skip

    # Places the library does not hold, in the corpus's own words.
    for slug in ELSEWHERE:
        pdf = sorted((corpus / "ofsted" / slug).glob("*.pdf"))[-1]
        pool = sentences_of(passages(read_report(pdf)))
        rng.shuffle(pool)
        name = slug.capitalize()
        for sentence in pool[:3]:
            add("place_not_held", f"In {name}, Ofsted found that {lower_first(sentence)}", "not_found", pdf, sentence)
        # Another council's specific finding (it states a figure) cannot be true of Lancashire by chance.
        specific = [s for s in pool[3:] if text.numbers(s)]
        for sentence in specific[:2]:
            add("claim_not_in_reports", f"In Lancashire, Ofsted found that {lower_first(sentence)}", "not_supported",
                pdf, sentence)  # fmt: skip
    for row in claims:
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
