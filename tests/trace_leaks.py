"""Leaked files for tests/trace_test.sh, made from a package's decrypted
CSV the ways a leak is made: a sample of rows, one column, columns renamed
and reordered, rows shuffled, values re-cased and re-spaced, saved as TSV,
pasted into a log; two packages mixed; rows invented.

  trace_leaks.py KIND OUT SEED CSV [CSV2]
"""
import csv
import random
import sys


def rows_of(path):
    with open(path, encoding="utf-8", newline="") as f:
        r = list(csv.reader(f))
    return r[0], [row for row in r[1:] if any(row)]


def write(out, header, rows, delimiter=","):
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        if header:
            w.writerow(header)
        w.writerows(rows)


def spaced_nir(v):
    """1 84 12 76 451 089 46: the carte Vitale layout."""
    if len(v) != 15:
        return v
    return " ".join([v[0], v[1:3], v[3:5], v[5:7], v[7:10], v[10:13], v[13:15]])


def recased(v, rnd):
    v = v.lower() if rnd.random() < 0.5 else v.upper()
    return "  " + v.replace(" ", "   ") + " "


def nir_key_ok(body):
    return body.isdigit()


def invented_nir(rnd):
    while True:
        body = "%d%02d%02d%02d%03d%03d" % (rnd.choice([1, 2]), rnd.randint(30, 99), rnd.randint(1, 12),
                                          rnd.randint(1, 95), rnd.randint(1, 990), rnd.randint(1, 999))
        if len(body) == 13:
            return body + "%02d" % (97 - int(body) % 97)


def main():
    kind, out, seed, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    rnd = random.Random(seed)
    header, rows = rows_of(path)
    nir = header.index("NIR")
    with_nir = [r for r in rows if r[nir]]
    if kind == "rows10":
        write(out, header, rnd.sample(rows, 10))
    elif kind == "rows56":
        write(out, None, rnd.sample(rows, 56))  # the header gone, as in the ANSSI's file
    elif kind == "nir-only":
        write(out, None, [[r[nir]] for r in rnd.sample(with_nir, 20)])
    elif kind == "one-pseudonym":
        write(out, ["numero"], [[rnd.choice(with_nir)[nir]]])
    elif kind == "reshaped":
        # Columns renamed, reordered and some dropped; rows shuffled; values
        # re-cased and re-spaced; NIRs in the carte Vitale layout; TSV.
        keep = [i for i, h in enumerate(header) if h != "DATE_DERNIERE_VISITE"]
        rnd.shuffle(keep)
        new_header = ["col_%d" % i for i in range(len(keep))]
        sample = rnd.sample(rows, 30)
        rnd.shuffle(sample)
        shaped = []
        for r in sample:
            cells = []
            for i in keep:
                v = r[i]
                cells.append(spaced_nir(v) if i == nir else recased(v, rnd))
            shaped.append(cells)
        write(out, new_header, shaped, delimiter="\t")
    elif kind == "log":
        with open(out, "w", encoding="utf-8") as f:
            for r in rnd.sample(with_nir, 12):
                f.write("2026-11-02 10:%02d:01 export ok patient=%s name=%s\n"
                        % (rnd.randint(0, 59), spaced_nir(r[nir]), r[header.index("NOM")]))
    elif kind == "mixed":
        header2, rows2 = rows_of(sys.argv[5])
        assert header2 == header, (header, header2)
        mixed = rnd.sample(rows, 6) + rnd.sample(rows2, 6)
        rnd.shuffle(mixed)
        write(out, header, mixed)
    elif kind == "invented":
        # Plausible rows of nobody: valid NIRs, common names, file numbers
        # beyond the source's.
        first = ["Jean", "Marie", "Pierre", "Anne", "Nicolas", "Sophie"]
        last = ["MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND"]
        invented = []
        for _ in range(40):
            invented.append(["%08d" % rnd.randint(50_000_000, 99_999_999), invented_nir(rnd),
                             rnd.choice(last), rnd.choice(first),
                             "%02d/%02d/%d" % (rnd.randint(1, 28), rnd.randint(1, 12), rnd.randint(1930, 2000)),
                             "%02d/%02d/%d" % (rnd.randint(1, 28), rnd.randint(1, 12), rnd.randint(2015, 2021))])
        write(out, header[:6], invented)
    else:
        sys.exit("unknown kind " + kind)


main()
