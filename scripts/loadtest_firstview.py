"""First views: what signed-in people meet when they open a page nobody just opened for them.

Part of `make loadtest` (called from scripts/loadtest.py's main). Against the load test's
gunicorn (its scaled data, WORKERS sync workers) and beside the bare Flask page
(scripts/bare_app.py) under the same settings, in the same run:

- SESSIONS: every demo participant (all twelve municipalities), the experts and the organiser,
  each signed in through the login form;
- per page kind at least URLS_PER_KIND distinct URLs: case pages, case lists (filters and
  pages), search results (words, word pairs and phrases from a list, some with a theme facet or
  a second page) and dashboards;
- wrk with a Lua script: request i of the run goes to session i mod S and URL (i div S) mod U,
  so no (URL, session) pair repeats within a run while i < S x U (the script counts the
  requests past that, and reports them: 0 is the aim). The dashboard has one URL per person,
  so its URLs differ by a query argument the page ignores; nothing caches pages any more (each
  response is rendered, and `no-store`), so that only keeps the rotation rule literal.

Each kind gets a short warm-up on pairs of its own that the measurement does not use. The
bare page is measured before and after the pages, and its mean is the yardstick.
"""

import os
import random
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
FV_SECONDS = int(os.environ.get("FV_SECONDS", "10"))
FV_WARMUP_SECONDS = int(os.environ.get("FV_WARMUP_SECONDS", "2"))
URLS_PER_KIND = int(os.environ.get("FV_URLS", "600"))
WRK = ("wrk", "-t2", "-c8", "--timeout", "10s")
# What the mixed pass asks for: half case pages, then lists, then searches (as the perf review).
MIX = {"case_page": 50, "case_list": 30, "search": 20}
THEMES = (
    "vluchtelingenopvang", "gentrificatie", "jongerengroepen", "online-polarisatie",
    "genderdiscussie", "stikstof", "windmolens", "woningkrapte", "inflatie",
)  # fmt: skip
KINDS = ("vertical", "horizontal", "both")
STATUSES = ("open", "in_progress", "completed")
# What people type: the words of the cases (scripts/scale_demo.py) and of the demo data.
WORDS = (
    "wijk", "buurt", "inwoners", "vertrouwen", "gemeente", "gesprek", "jongeren", "opvang",
    "woningen", "windmolens", "stikstof", "online", "spanning", "ontmoeting", "bewonersavond",
    "raad", "wethouder", "sleutelfiguren", "aanpak", "signalen", "zorgen", "boosheid", "contact",
    "verbinding", "onderzoek", "netwerk", "school", "sportclub", "moskee", "polarisatie",
    "vluchtelingen", "wantrouwen", "azc", "statushouder", "gemeenteraad", "overlast",
)  # fmt: skip

# wrk's Lua: one state per thread; setup() hands each thread its number, done() adds up.
ROTATE_LUA = r"""
local urls, cookies, offset = {}, {}, 0
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function lines(path)
  local out = {}
  for line in io.lines(path) do table.insert(out, line) end
  return out
end

function init(args)
  urls = lines(args[1])
  cookies = lines(args[2])
  offset = tonumber(args[3])
  nthreads = tonumber(args[4])
  index = offset + id
  highest, repeats, failures = 0, 0, 0
  pairs_total = #urls * #cookies
end

function request()
  local s = index % #cookies
  local u = math.floor(index / #cookies) % #urls
  if index - offset >= pairs_total then repeats = repeats + 1 end
  if index > highest then highest = index end
  index = index + nthreads
  return wrk.format("GET", urls[u + 1], {["Cookie"] = cookies[s + 1]})
end

function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end

function done(summary, latency, requests)
  local total_failures, total_repeats, top = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_failures = total_failures + thread:get("failures")
    total_repeats = total_repeats + thread:get("repeats")
    local h = thread:get("highest")
    if h > top then top = h end
  end
  io.write(string.format("FV non200=%d repeats=%d highest=%d\n",
                         total_failures, total_repeats, top))
end
"""


@dataclass(frozen=True)
class Pass:
    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_200: int
    repeats: int


def case_page_urls(case_ids: list[int]) -> list[str]:
    ids = sorted(case_ids)
    random.Random(1).shuffle(ids)
    return [f"/cases/{case_id}" for case_id in ids[:URLS_PER_KIND]]


def case_list_urls(municipality_ids: list[int]) -> list[str]:
    """Pages of the unfiltered list, one filter and a page, and two to four filters."""
    rng = random.Random(2)
    filters = {
        "theme": list(THEMES),
        "municipality": [str(m) for m in municipality_ids],
        "kind": list(KINDS),
        "status": list(STATUSES),
    }
    urls: set[str] = {f"/cases?page={page}" for page in range(1, 31)}
    while len(urls) < URLS_PER_KIND:
        chosen = rng.sample(list(filters), rng.choice((1, 1, 2, 3, 4)))
        args = {name: rng.choice(filters[name]) for name in sorted(chosen)}
        pages = 5 if len(chosen) == 1 else 1
        args["page"] = str(rng.randint(1, pages))
        urls.add("/cases?" + urlencode(args))
    return sorted(urls, key=lambda url: rng.random())


def search_urls() -> list[str]:
    """Single words, word pairs, a few phrases; a quarter with a theme, some a second page."""
    rng = random.Random(3)
    urls: set[str] = set()
    while len(urls) < URLS_PER_KIND:
        roll = rng.random()
        if roll < 0.45:
            query = rng.choice(WORDS)
        elif roll < 0.9:
            query = " ".join(rng.sample(WORDS, 2))
        else:
            query = '"' + " ".join(rng.sample(WORDS, 2)) + '"'
        args = {"q": query}
        if rng.random() < 0.25:
            args["theme"] = rng.choice(THEMES)
        if rng.random() < 0.15:
            args["page"] = "2"
        urls.add("/search?" + urlencode(args))
    return sorted(urls, key=lambda url: rng.random())


def dashboard_urls() -> list[str]:
    return [f"/?first-view={number}" for number in range(URLS_PER_KIND)]


def mixed_urls(kinds: dict[str, list[str]]) -> list[str]:
    """The MIX of case pages, lists and searches, interleaved, all distinct."""
    rng = random.Random(4)
    picked = [
        url for kind, share in MIX.items() for url in kinds[kind][: URLS_PER_KIND * share // 100]
    ]
    rng.shuffle(picked)
    return picked


def _wrk(
    url: str, seconds: int, script: list[str] | None = None, args: list[str] | None = None
) -> str:
    command = [*WRK, f"-d{seconds}s", "--latency", *(script or []), url, "--", *(args or [])]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if completed.returncode != 0:
        raise SystemExit(f"wrk failed: {completed.stderr.strip()}")
    return completed.stdout


def _ms(output: str, percentile: str) -> float:
    match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _pass(name: str, output: str) -> Pass:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_200 = repeats = 0
    if found := re.search(r"FV non200=(\d+) repeats=(\d+)", output):
        non_200, repeats = int(found.group(1)), int(found.group(2))
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        non_200 = max(non_200, int(found.group(1)))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        non_200 += sum(int(n) for n in found.groups())
    return Pass(name, rate, _ms(output, "50"), _ms(output, "99"), non_200, repeats)


def _rotated(
    port: int, urls: list[str], cookies: list[str], folder: Path, offset: int, seconds: int
) -> str:
    url_file, cookie_file = folder / "urls.txt", folder / "cookies.txt"
    url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    cookie_file.write_text("\n".join(cookies) + "\n", encoding="utf-8")
    script = folder / "rotate.lua"
    script.write_text(ROTATE_LUA, encoding="utf-8")
    threads = WRK[1].removeprefix("-t")
    args = [str(url_file), str(cookie_file), str(offset), threads]
    return _wrk(f"http://{HOST}:{port}", seconds, ["-s", str(script)], args)


def run(
    app_port: int,
    bare_port: int,
    cookies: list[str],
    case_ids: list[int],
    municipality_ids: list[int],
) -> dict[str, Pass]:
    """Every kind's first-view pass and the bare page's; returns the passes by name."""
    kinds = {
        "case_page": case_page_urls(case_ids),
        "case_list": case_list_urls(municipality_ids),
        "search": search_urls(),
        "dashboard": dashboard_urls(),
    }
    kinds["mixed"] = mixed_urls(kinds)
    passes = {"bare_before": _pass("bare", _wrk(f"http://{HOST}:{bare_port}/", FV_SECONDS))}
    with tempfile.TemporaryDirectory(prefix="casusplein-firstview-") as tmp:
        folder = Path(tmp)
        for kind, urls in kinds.items():
            pairs = len(urls) * len(cookies)
            # The warm-up's pairs lie past those a measurement reaches at under 1,000 req/s.
            _rotated(app_port, urls, cookies, folder, pairs * 3 // 4, FV_WARMUP_SECONDS)
            passes[kind] = _pass(kind, _rotated(app_port, urls, cookies, folder, 0, FV_SECONDS))
    passes["bare_after"] = _pass("bare", _wrk(f"http://{HOST}:{bare_port}/", FV_SECONDS))
    return passes


def report(passes: dict[str, Pass], sessions: int) -> dict[str, float]:
    """Print the passes; returns each kind's throughput as a percentage of the bare page."""
    bare = (passes["bare_before"].requests_per_s + passes["bare_after"].requests_per_s) / 2
    print(
        f"\nFirst views: {sessions} signed-in sessions, at least {URLS_PER_KIND} URLs per kind, "
        f"no (URL, session) pair twice; wrk {' '.join(WRK[1:])} -d{FV_SECONDS}s"
    )
    columns = ("req/s", "% of bare", "p50 ms", "p99 ms", "non-200", "repeats")
    print(f"  {'pass':22} " + " ".join(f"{name:>9}" for name in columns))
    percentages = {}
    for name, result in passes.items():
        pct = 100 * result.requests_per_s / bare
        if not name.startswith("bare"):
            percentages[name] = pct
        print(
            f"  {name:22} {result.requests_per_s:9.0f} {pct:9.1f} {result.p50_ms:9.1f} "
            f"{result.p99_ms:9.1f} {result.non_200:9} {result.repeats:9}"
        )
    return percentages
