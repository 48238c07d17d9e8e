#!/usr/bin/env python3
"""make bench-scale, web part: page latency of `mreg serve` on the bench store (the current folder).

Starts `mreg serve --port 0`, reads the URL it prints, then for each page takes the median of
RUNS sequential loads (wall time of one HTTP GET over loopback, body read), and loads 50 pages
at once (a mix of all of them) to check that every one answers 200. Goal: each page < 200 ms.
"""
import concurrent.futures, os, re, statistics, subprocess, sys, time, urllib.parse, urllib.request

mreg, runs, mid = os.environ["MREG"], int(os.environ.get("RUNS", "7")), os.environ["MID"]
server = subprocess.Popen([mreg, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    line = server.stdout.readline()
    m = re.search(r"http://[^ ]+/", line)
    if not m:
        sys.exit(f"mreg serve did not start: {line}{server.stderr.read()}")
    base = m.group(0).rstrip("/")
    q = urllib.parse.quote
    pages = [
        ("/ (1,000 models, first page of 200)", "/"),
        (f"/models/{mid} (100 versions, 3 plots, timeline)", f"/models/{mid}"),
        (f"/models/{mid}?sort=metrics.auc&dir=asc", f"/models/{mid}?sort=metrics.auc&dir=asc"),
        (f"/models/{mid}/versions/50", f"/models/{mid}/versions/50"),
        (f"/models/{mid}/diff/50/51", f"/models/{mid}/diff/50/51"),
        (f"/models/{mid}/log (105 events)", f"/models/{mid}/log"),
        ("/search?q=metrics.auc >= 0.999 and params.optimizer = 'adam'", "/search?q=" + q("metrics.auc >= 0.999 and params.optimizer = 'adam'")),
        ("/search?q=params.optimizer = 'sgd' (~33,000 hits, first page)", "/search?q=" + q("params.optimizer = 'sgd'")),
        ("/api/models", "/api/models"),
        (f"/api/models/{mid}/versions/50", f"/api/models/{mid}/versions/50"),
        ("/api/search?q=metrics.auc >= 0.999&limit=100", "/api/search?q=" + q("metrics.auc >= 0.999") + "&limit=100"),
    ]

    def load(path):
        t = time.perf_counter()
        with urllib.request.urlopen(base + path, timeout=60) as r:
            r.read()
            status = r.status
        return (time.perf_counter() - t) * 1000, status

    print(f"mreg serve on the same store ({base}); median of {runs} loads, one at a time:")
    worst = 0.0
    for label, path in pages:
        load(path)  # warm
        ms = sorted(load(path)[0] for _ in range(runs))
        med = statistics.median(ms)
        worst = max(worst, med)
        mark = "  ok (< 200 ms)" if med < 200 else "  SLOWER than 200 ms"
        print(f"{label:<64} {med:7.1f} ms  (min {ms[0]:.1f}, max {ms[-1]:.1f}){mark}")
    mix = [p for _, p in pages] * 5
    mix = mix[:50]
    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda p: load(p), mix))
    wall = (time.perf_counter() - t) * 1000
    ok = sum(1 for _, s in results if s == 200)
    lat = sorted(ms for ms, _ in results)
    print(f"{'50 concurrent page loads (a mix of the pages above)':<64} {ok}/50 answered 200 in {wall:.0f} ms "
          f"(each: median {statistics.median(lat):.0f} ms, max {lat[-1]:.0f} ms)")
    if ok != 50:
        sys.exit("some concurrent loads failed")
finally:
    server.terminate()
    server.wait()
