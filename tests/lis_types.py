"""What a package's values look like once loaded into a database by type
(manifest v2), shared by the PostgreSQL and SQLite scenario helpers
(postgres_lis.py, sqlite_lis.py)."""
import datetime
import json


def typed(manifest, table):
    """The manifest's column types of `table` (v2), {} for a v1 manifest."""
    if not manifest:
        return {}
    m = json.load(open(manifest))
    t = [t for t in m["tables"] if t["name"] == table][0]
    return {c["name"]: c.get("type", "text") for c in t["columns"]}


def as_loaded(kind, v):
    """A package value as a database holds it once loaded by type: dates in
    ISO 8601, numbers as numbers (compared by value)."""
    if v == "" or kind in (None, "text"):
        return v
    if kind.startswith("date:"):
        fmt = kind[5:]
        if any(d in fmt for d in ("%H", "%M", "%S")):
            return datetime.datetime.strptime(v, fmt).strftime("%Y-%m-%d %H:%M:%S")
        return datetime.datetime.strptime(v, fmt).date().isoformat()
    return repr(float(v.replace(",", ".")))
