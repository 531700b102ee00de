#!/usr/bin/env python3
"""Writes icr-core's default sensitivity packs from the national code lists.

Usage: scripts/sensitive-packs.py [SENSITIVE_CODES_DIR]   (default ../shared/sensitive-codes)

Each list becomes one pack file in icr-core/src/access/packs/ with its provenance lines
kept (refset, source, dropped) and a `pack` and `date` line added. The RCGP sexually
transmitted disease refset also holds HIV members, which belong to the `hiv` category:
they are moved to their own pack (`rcgp-hiv`), chosen by their fully specified name
(human immunodeficiency virus, HIV, acquired immune deficiency syndrome, AIDS). The
files are data; the crate loads and checks them (`access::pack`).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "sensitive-codes")
OUT = os.path.join(ROOT, "icr-core", "src", "access", "packs")
DATE = "2026-12-04"
HIV = re.compile(r"human immunodeficiency virus|\bHIV\b|acquired immune deficiency|\bAIDS\b", re.I)

PACKS = [
    ("sexual-health.tsv", "rcgp-sexual-health"),
    ("termination.tsv", "rcgp-termination"),
    ("fertility.tsv", "rcgp-fertility"),
    ("gender-reassignment.tsv", "rcgp-gender-reassignment"),
    ("mental-health-smi.tsv", "qof-mh-cod"),
    ("mental-health-depression.tsv", "qof-depr-cod"),
]


def read(path):
    header, rows = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                key, _, value = line[1:].strip().partition("\t")
                header.append((key.strip(), value.strip()))
            elif line == "code\tdisplay" or not line:
                continue
            else:
                rows.append(tuple(line.split("\t", 1)))
    return header, rows


def write(name, pack, category, header, rows, note=None):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        f.write(f"# pack\t{pack}\n")
        for key, value in header:
            if key == "category":
                value = category
            f.write(f"# {key}\t{value}\n")
        if note:
            f.write(f"# note\t{note}\n")
        f.write(f"# date\t{DATE}\n")
        f.write("code\tdisplay\n")
        for code, display in rows:
            f.write(f"{code}\t{display}\n")


for file, pack in PACKS:
    header, rows = read(os.path.join(SRC, file))
    category = dict(header)["category"]
    if pack == "rcgp-sexual-health":
        hiv = [r for r in rows if HIV.search(r[1])]
        rest = [r for r in rows if not HIV.search(r[1])]
        write(f"{pack}.tsv", pack, category, header, rest,
              f"{len(hiv)} HIV members moved to the rcgp-hiv pack (category hiv)")
        write("rcgp-hiv.tsv", "rcgp-hiv", "hiv", header, hiv,
              "the HIV members of the sexually transmitted disease refset, chosen by name")
    else:
        write(f"{pack}.tsv", pack, category, header, rows)
