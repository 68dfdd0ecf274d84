"""Time to render the largest pages in headless Chromium (issue 17's
bench), measured in the page with performance.now(), N times each:
- an order of 30 tables x 50 columns whose plan carries 5 masked samples
  per table, opened by a DPO logged in with a passkey; from the click on
  "Open" to the order's text on screen (fetch, JSON, decoding, every
  element);
- the report of an order with 10,000 events in the exchange's ledger; from
  the click to the report's evidence checked in the page (every inclusion
  proof, the checkpoint's signature, the consistency with the last one
  seen) and its events on screen.
Writes a JSON result for bench/web_ui_render.sh.

usage: web_ui_render.py CORDON SCRATCH RESULT.json [N]
"""
import json, os, statistics, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
result_file = sys.argv[3]
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 10
sys.argv = sys.argv[:3]
os.makedirs(sys.argv[2], exist_ok=True)
import exchange_attack as ex  # noqa: E402
from chromium_cdp import (CHROMIUM, T, Browser, first_visit, free_port,  # noqa: E402
                          order_for_plan, spki_sha256_b64, start_exchange, submit_order)

TABLES, COLUMNS = 30, 50
EVENTS = 10_000


def big_order():
    tables = []
    for t in range(TABLES):
        kept = [{"name": f"COL_{t}_{c}", "fate": "pseudonymized (nir, keyed)" if c % 5 == 0
                 else "kept", "looks_free_text": c % 7 == 0} for c in range(COLUMNS - 10)]
        tables.append({"name": f"table_{t}", "rows_read": 1_000_000, "rows_selected": 900_000,
                       "columns_kept": kept,
                       "columns_excluded": [f"SECRET_{t}_{c}" for c in range(10)],
                       "sample_masked": [[f"v{r}{c}*****" for c in range(COLUMNS - 10)]
                                         for r in range(5)]})
    plan = json.dumps({"format": "cordon-plan", "version": 1, "order": {"id": "BIG-2027"},
                       "tables": tables}, indent=2) + "\n"
    order = order_for_plan("BIG-2027", "Migration", plan,
                           {f"table_{t}": [f"COL_{t}_{c}" for c in range(COLUMNS - 10)]
                            for t in range(TABLES)})
    return order, plan


def main():
    if not CHROMIUM:
        ex.fail("chromium is not installed")
    data, port = os.path.join(T, "D"), free_port()
    srv = start_exchange(data, port)
    dpo = ex.Person(srv, "dora", "dpo", "--organisation", "CHU Exemple", log_in=False)
    vendor = ex.Person(srv, "victor", "operator", "--organisation", "Vendor SA")
    order, plan = big_order()
    submit_order(srv, vendor, order, plan)
    # The report's order: a small plan, 10,000 events in the exchange's
    # ledger, written while the exchange is stopped (one writer at a time).
    small_plan = json.dumps({"format": "cordon-plan", "version": 1, "order": {"id": "LOG-2027"},
                             "tables": [{"name": "patients", "rows_selected": 1,
                                         "columns_kept": [{"name": "NUM", "fate": "keep"}]}]})
    submit_order(srv, vendor, order_for_plan("LOG-2027", "Support", small_plan,
                                             {"patients": ["NUM"]}), small_plan)
    srv.stop()
    os.remove(os.path.join(T, "ready.json"))
    events = "".join(json.dumps({"order": {"id": "LOG-2027"}, "package": f"{k:064x}",
                                 "outcome": "ok"}) + "\n" for k in range(EVENTS))
    ex.run("ledger", "append", "--ledger", os.path.join(data, "ledger"), "--action",
           "exchange.download", "--batch", "1000", "--json", "-", input=events)
    srv = start_exchange(data, port)
    b = Browser(spki_sha256_b64(os.path.join(data, "tls", "cert.pem")), T)
    times = []
    try:
        b.open_tab()
        first_visit(b, f"https://localhost:{port}", dpo)
        for _ in range(runs + 1):  # the first is a warm-up
            ms = b.eval("""new Promise((resolve) => {
                const t0 = performance.now();
                document.querySelector('button.open-order').click();
                const poll = () => {
                  const pre = document.getElementById('order-text');
                  if (pre && document.querySelectorAll('.plan-table').length === %d) {
                    requestAnimationFrame(() => resolve(performance.now() - t0));
                  } else { setTimeout(poll, 1); }
                };
                poll();
            })""" % TABLES)
            elements = b.eval("document.getElementsByTagName('*').length")
            times.append(ms)
            # The report comes after the order's text: wait for it, so that
            # its work does not overlap the next run.
            b.wait_for("document.getElementById('proof-status')", "the report")
            b.click("#back")
            b.wait_for("document.getElementById('orders')", "the orders page")
        report_times = []
        for _ in range(runs + 1):
            ms = b.eval("""new Promise((resolve) => {
                const t0 = performance.now();
                document.querySelector('button.open-order[data-order="LOG-2027"]').click();
                const poll = () => {
                  const status = document.getElementById('proof-status');
                  if (status) {
                    requestAnimationFrame(() => resolve(performance.now() - t0));
                  } else { setTimeout(poll, 1); }
                };
                poll();
            })""")
            report_times.append(ms)
            proof = b.eval("document.getElementById('proof-status').className")
            if proof != "ok":
                ex.fail("the report's evidence did not verify: " +
                        b.eval("document.getElementById('proof-status').textContent"))
            shown = b.eval("document.querySelectorAll('#ledger-events tbody tr').length")
            if shown < EVENTS:
                ex.fail(f"the report shows {shown} events")
            b.click("#back")
            b.wait_for("document.getElementById('orders')", "the orders page")
    finally:
        b.close()
        srv.stop()
    times, report_times = times[1:], report_times[1:]
    json.dump({"runs": runs, "median_ms": statistics.median(times), "min_ms": min(times),
               "max_ms": max(times), "elements": elements, "plan_bytes": len(plan),
               "order_bytes": len(order), "tables": TABLES, "columns": COLUMNS,
               "events": shown, "report_median_ms": statistics.median(report_times),
               "report_min_ms": min(report_times), "report_max_ms": max(report_times)},
              open(result_file, "w"))


try:
    main()
finally:
    for p in ex.servers:
        if p.poll() is None:
            p.kill()
            p.wait()
