#!/usr/bin/env python3
"""Independent check of an extraction: recomputes, with Python's own csv
module, what the example order selects from a lis-fr source, and compares it
with the decrypted package, value by value.

usage: check_extract.py SOURCE_DIR PATIENTS_CSV RESULTATS_CSV
"""
import csv
import datetime
import sys

src, got_patients, got_resultats = sys.argv[1:4]
CUTOFF = datetime.date(2017, 5, 7)
P_COLS = ["NUM_DOSSIER", "NIR", "NOM", "PRENOM", "DATE_NAISSANCE", "DATE_DERNIERE_VISITE"]
R_COLS = ["NUM_DOSSIER", "DATE_PRELEVEMENT", "CODE_ANALYSE", "RESULTAT", "UNITE"]


def read_source(name):
    with open(f"{src}/{name}", encoding="cp1252", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def read_output(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def visit(row):
    d, m, y = row["DATE_DERNIERE_VISITE"].split("/")
    return datetime.date(int(y), int(m), int(d))


patients = read_source("patients.csv")
selected = [r for r in patients if visit(r) >= CUTOFF]
keys = {r["NUM_DOSSIER"] for r in selected}
expected_p = [[r[c] for c in P_COLS] for r in selected]
expected_r = [[r[c] for c in R_COLS] for r in read_source("resultats.csv") if r["NUM_DOSSIER"] in keys]

header, rows = read_output(got_patients)
assert header == P_COLS, f"patients columns {header}"
assert rows == expected_p, f"patients: {len(rows)} rows, expected {len(expected_p)}; first difference at " + str(
    next((i for i, (a, b) in enumerate(zip(rows, expected_p)) if a != b), None))
header, rows = read_output(got_resultats)
assert header == R_COLS, f"resultats columns {header}"
assert rows == expected_r, f"resultats: {len(rows)} rows, expected {len(expected_r)}"
assert all(r[0] in keys for r in rows), "a resultats row of an unselected patient"
assert 0 < len(selected) < len(patients), "the cut-off must select some patients and exclude others"
print(f"check_extract: {len(expected_p)} of {len(patients)} patients and {len(expected_r)} results match")
