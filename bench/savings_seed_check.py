"""Check every demo savings figure against the seed report it quotes, and print the programme
totals two ways.

Each savings record in cop_site/demo/data/*.yaml names its seed and quotes it, e.g.
`004 2.4 Barnet: "expected to deliver savings of up to £165 million over ten years"`. This
script finds each quoted passage (split at "...") in the seed's text, reads the money figures
in the quote and checks that the record's amount (or its high figure) is one of them. Then it
adds the records up straight from the YAML (per period, leaving out records marked
`counted_in`) and compares that with what the dashboard's own code (`projects.savings`) makes
of the loaded database for an anonymous visitor.

Usage (after `make run` has loaded the demo content):

    .venv/bin/python bench/savings_seed_check.py --seeds DIR

DIR holds the source reports as text (NNN_*.txt); they are not part of the project, so without
`--seeds` (or SEEDS_DIR) the quote checks are skipped and said to be, and only the totals are
compared. Exit status 1 if any quote is missing from its seed, any amount is not in its quote,
or the two totals differ.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import unicodedata
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_site.settings")

MONEY = re.compile(r"£\s?(\d[\d,]*(?:\.\d+)?)\s*(billion|bn|million|m\b|k\b)?", re.IGNORECASE)
SCALE = {"billion": 10**9, "bn": 10**9, "million": 10**6, "m": 10**6, "k": 10**3}
QUOTE = re.compile(r'"([^"]+)"')
# Figures the seed misprints, and how the demo content reads them (shown, not hidden).
KNOWN_READINGS = {
    ("kent-gateway-total-place", 1): "seed prints '£500,00'; read as £500,000",
}


def normalise(text: str) -> str:
    """Compare text as words: PDF line breaks, curly quotes and dashes do not matter."""
    text = unicodedata.normalize("NFKC", text)
    for curly, plain in (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'),
                         ("\u2013", "-"), ("\u2014", "-"), ("\u00a0", " ")):  # fmt: skip
        text = text.replace(curly, plain)
    text = re.sub(r"-\s*\n\s*", "-", text)  # a hyphen broken across lines
    return re.sub(r"\s+", " ", text).strip().lower()


def figures(quote: str) -> list[Decimal]:
    """Money amounts written in a quote, in pounds (£4 - £5 million gives 4m and 5m)."""
    found = []
    matches = list(MONEY.finditer(quote))
    for index, match in enumerate(matches):
        number = Decimal(match.group(1).replace(",", ""))
        unit = (match.group(2) or "").lower()
        if not unit and index + 1 < len(matches):
            # "£4 - £5 million": a bare figure followed by a range partner takes its unit.
            between = quote[match.end() : matches[index + 1].start()]
            if re.fullmatch(r"\s*(-|to)\s*", between):
                unit = (matches[index + 1].group(2) or "").lower()
        found.append(number * SCALE.get(unit, 1))
    # "£2-3 million": the second figure has no pound sign.
    for match in re.finditer(
        r"£(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*(million|bn|billion)", quote
    ):
        found.append(Decimal(match.group(1)) * SCALE[match.group(3).lower()])
        found.append(Decimal(match.group(2)) * SCALE[match.group(3).lower()])
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=os.environ.get("SEEDS_DIR"))
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser

    from cop_site.demo.loader import read_data
    from projects.savings import PERIODS, select_records, summarise

    data = read_data()
    seeds: dict[str, str] = {}
    if args.seeds and Path(args.seeds).is_dir():
        for path in sorted(Path(args.seeds).glob("*.txt")):
            seeds[path.name[:3]] = normalise(path.read_text(encoding="utf-8", errors="replace"))
    else:
        print(f"No seeds directory ({args.seeds or 'give --seeds DIR'}): quote checks skipped.\n")

    rows, failures = [], 0
    totals: dict[str, list] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for section in ("projects", "case_studies", "learning_histories", "methods"):
        for page in data.get(section, []):
            for position, record in enumerate(page.get("savings") or [], start=1):
                source = record.get("source", "")
                seed = source[:3] if source[:3].isdigit() else ""
                quotes = QUOTE.findall(source)
                if not seeds:
                    quoted = "skipped"
                elif seed not in seeds or not quotes:
                    quoted = "no quote"
                else:
                    parts = [
                        normalise(p).strip(" .")
                        for q in quotes
                        for p in re.split(r"\.\.\.|…", q)
                        if normalise(p).strip(" .")
                    ]
                    missing = [p for p in parts if p not in seeds[seed]]
                    quoted = "yes" if not missing else f"NOT FOUND: {missing[0][:40]}"
                amount = Decimal(str(record["amount"]))
                high = Decimal(str(record.get("amount_high") or record["amount"]))
                written = [f for q in quotes for f in figures(q)]
                in_quote = "yes" if amount in written or high in written else "NO"
                if in_quote == "NO" and (page["slug"], position) in KNOWN_READINGS:
                    in_quote = KNOWN_READINGS[(page["slug"], position)]
                if quoted.startswith(("NOT", "no quote")) or in_quote == "NO":
                    failures += 1
                counted = f"no (in #{record['counted_in']})" if record.get("counted_in") else "yes"
                rows.append((page["slug"][:38], position, f"£{amount:,.0f}", record["period"],
                             seed or "?", quoted, in_quote, counted))  # fmt: skip
                if not record.get("counted_in"):
                    total = totals[record["period"]]
                    total[0] += amount
                    total[1] += high
                    total[2] += 1

    header = ("page", "#", "amount", "period", "seed", "quote in seed", "£ in quote", "counted")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))

    summary = summarise(select_records(AnonymousUser()), breakdowns=False)
    print("\nProgramme totals (public demo content): from the YAML / from the dashboard's code")
    agree = True
    for period in PERIODS:
        low, high, count = totals[period.value]
        money = summary.total.money[period.value]
        same = (low, high, count) == (money.low, money.high, money.count)
        agree &= same
        verdict = "same" if same else "DIFFERENT"
        print(f"  {period.label:<24} £{low:,.0f} to £{high:,.0f} ({count} records)  /  "
              f"{money.label} ({money.count} records)  {verdict}")  # fmt: skip
    print(
        f"\n{len(rows)} records checked, {failures} with a problem; "
        f"{len(summary.duplicates)} listed but not counted; "
        f"totals {'agree' if agree else 'DIFFER'}."
    )
    return 0 if failures == 0 and agree else 1


if __name__ == "__main__":
    sys.exit(main())
