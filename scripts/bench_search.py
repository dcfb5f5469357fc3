"""Search benchmark: `make bench` (or `make bench SIZES=1000`).

Builds a deterministic synthetic Dutch corpus (cases of a few hundred to two thousand words,
five comments each) in a temporary instance, then measures: full rebuild time and index size;
query latency p50/p95/p99 over at least 200 varied queries through the app's own search in
three modes (plain top-20, the full results page, similar cases); post-to-searchable latency
for a new case and a new comment; and the same queries as bare Whoosh calls on the same index,
with the app / bare ratio.
"""

import itertools
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.auth.services import hash_password
from app.cases.services import create_case
from app.comments.services import add_comment
from app.extensions import db
from app.models import (
    Case,
    Comment,
    Dilemma,
    Municipality,
    Reflection,
    Role,
    Theme,
    User,
    case_dilemmas,
    case_themes,
)
from app.search import background, baseline, changelog, storage
from app.search.rebuild import rebuild as rebuild_index
from app.search.services import SearchParams, search, similar_cases

SEED = 20230622
QUERIES = 240

SUBJECTS = [
    "de gemeente", "het college", "de wijkagent", "de jongerenwerker", "een groep bewoners",
    "de dorpsraad", "het buurtteam", "de burgemeester", "een raadslid", "de woningcorporatie",
    "ondernemers", "ouders", "de boa", "statushouders", "nieuwe bewoners", "oudere bewoners",
    "jongeren", "hangjongeren", "vrijwilligers", "de politie", "het wijkteam", "boeren",
]  # fmt: skip
VERBS = [
    "organiseerde", "besprak", "onderzocht", "vreesde", "steunde", "bekritiseerde",
    "negeerde", "verbeterde", "verloor", "herstelde", "zocht", "wantrouwde", "begeleidde",
]  # fmt: skip
OBJECTS = [
    "een informatieavond over de noodopvang", "het vertrouwen in de overheid",
    "de overlast bij het winkelcentrum", "de komst van een azc", "de huisvesting van statushouders",
    "het gesprek aan de keukentafel", "de online polarisatie in de appgroep",
    "de spanningen tussen oude en nieuwe bewoners", "de plannen voor een windpark",
    "de stikstofregels voor boeren", "de stijgende huren in de wijk", "de energierekening",
    "een buurtbemiddelaar", "het jongerencentrum", "de informatievoorziening",
    "een desinformatiecampagne op sociale media", "de woningkrapte", "de gentrificatie van de wijk",
    "de genderneutrale toiletten", "een burgerberaad", "de vluchtelingen in de sporthal",
    "het tegengeluid van de zwijgende meerderheid", "de fluïditeit van groepen",
]  # fmt: skip
TAILS = [
    "na een lange periode van onrust", "in overleg met partners", "zonder veel succes",
    "met hulp van Movisie", "tijdens de raadsvergadering", "op verzoek van bewoners",
    "omdat niemand zich gehoord voelde", "in het dorpshuis", "via een online enquête",
    "samen met de veiligheidsregio", "", "", "",
]  # fmt: skip
QUERY_WORDS = [
    "noodopvang", "vertrouwen", "overlast", "azc", "statushouders", "keukentafel",
    "polarisatie", "windpark", "stikstof", "huren", "energierekening", "buurtbemiddelaar",
    "jongerencentrum", "desinformatie", "woningkrapte", "gentrificatie", "burgerberaad",
    "vluchtelingen", "hangjongeren", "informatieavond", "boeren", "dorpsraad", "wijkagent",
    "fluiditeit", "jongeren", "bewoners", "gemeente", "appgroep", "vrijwilligers",
    "vluchtelingn", "vertrouwn",
]  # fmt: skip
PHRASES = ['"noodopvang in de sporthal"', '"het vertrouwen"', '"nieuwe bewoners"', '"de wijk"']


SYLLABLES = ["ver", "ge", "be", "wijk", "huis", "raad", "dorp", "stad", "land", "zorg", "werk",
             "plan", "recht", "geld", "weg", "school", "kerk", "veld", "markt", "hof", "zee",
             "brug", "lijn", "punt", "ing", "heid", "schap", "en", "er", "te"]  # fmt: skip
# A long-tailed vocabulary, as in real text: a few words often, most words rarely.
VOCABULARY = sorted({
    "".join(random.Random(n).sample(SYLLABLES, 2 + n % 2)) for n in range(4000)
})  # fmt: skip
CUMULATIVE = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(VOCABULARY))))


def sentence(rng: random.Random, subjects=SUBJECTS, objects=OBJECTS) -> str:
    tail = rng.choice(TAILS)
    extra = " ".join(rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=3))
    return (
        f"{rng.choice(subjects).capitalize()} {rng.choice(VERBS)} {rng.choice(objects)} "
        f"({extra})" + (f" {tail}." if tail else ".")
    )


def topics(rng: random.Random) -> tuple[list[str], list[str]]:
    """What one case is about: a few of the actors and a few of the subjects."""
    return rng.sample(SUBJECTS, 5), rng.sample(OBJECTS, 3)


def text_of(rng: random.Random, words: int, about: tuple[list[str], list[str]]) -> str:
    """Text about the case's own topics, the way one case is about one situation."""
    subjects, objects = about
    parts, count = [], 0
    while count < words:
        line = sentence(rng, subjects, objects)
        parts.append(line)
        count += len(line.split())
    return " ".join(parts)


def build_corpus(size: int) -> None:
    """Insert `size` cases with 5 comments each, in bulk (no events: the rebuild indexes it)."""
    rng = random.Random(SEED)
    password = hash_password("benchmark-wachtwoord")
    towns = [
        Municipality(name=f"Gemeente {n}", size_class=("large", "medium", "small")[n % 3],
                     province="Utrecht")
        for n in range(12)
    ]  # fmt: skip
    db.session.add_all(towns)
    db.session.flush()
    users = [
        User(email=f"deelnemer{n}@bench.nl", display_name=f"Deelnemer {n}", role=Role.PARTICIPANT,
             municipality_id=towns[n % 12].id, password_hash=password)
        for n in range(24)
    ]  # fmt: skip
    users.append(User(email="expert@bench.nl", display_name="Expert", role=Role.EXPERT,
                      password_hash=password))  # fmt: skip
    db.session.add_all(users)
    db.session.flush()
    themes = list(db.session.scalars(sa.select(Theme.id)))
    dilemmas = list(db.session.scalars(sa.select(Dilemma.id)))
    start = datetime(2023, 1, 1)
    for offset in range(0, size, 500):
        case_rows, theme_rows, dilemma_rows, comment_rows, reflection_rows = [], [], [], [], []
        for number in range(offset, min(offset + 500, size)):
            author = users[number % 24]
            words = rng.randint(300, 2000)
            created = start + timedelta(hours=number * 3)
            # Sections, comments and reflections all speak of the case's own topics; an earlier
            # corpus drew new topics for every section and comment, so nearly every query word
            # was in nearly every case.
            about = topics(rng)
            case_rows.append({
                "id": number + 1, "title": sentence(rng, *about).split(" (")[0][:190],
                "author_id": author.id,
                "municipality_id": author.municipality_id,
                "polarisation_kind": rng.choice(["vertical", "horizontal", "both"]),
                "status": rng.choice(["open", "in_progress", "completed"]),
                "visibility": "draft" if number % 10 == 0 else "network",
                "summary": text_of(rng, 40, about), "situation": text_of(rng, words // 2, about),
                "stakeholders": text_of(rng, words // 8, about),
                "approach": text_of(rng, words // 4, about),
                "question": text_of(rng, 30, about), "outcome": text_of(rng, words // 8, about),
                "created_at": created, "updated_at": created, "shared_at": created,
            })  # fmt: skip
            for theme in rng.sample(themes, rng.randint(1, 3)):
                theme_rows.append({"case_id": number + 1, "theme_id": theme})
            for dilemma in rng.sample(dilemmas, rng.randint(0, 2)):
                dilemma_rows.append({"case_id": number + 1, "dilemma_id": dilemma})
            for index in range(5):
                comment_rows.append({
                    "case_id": number + 1, "author_id": users[(number + index + 1) % 24].id,
                    "body": text_of(rng, rng.randint(20, 120), about),
                    "created_at": created + timedelta(minutes=index),
                })  # fmt: skip
            if number % 5 == 0:
                reflection_rows.append({
                    "case_id": number + 1, "author_id": users[-1].id,
                    "body": text_of(rng, 150, about), "key_lessons": "",
                    "created_at": created, "updated_at": created,
                })  # fmt: skip
        db.session.execute(sa.insert(Case), case_rows)
        db.session.execute(sa.insert(case_themes), theme_rows)
        db.session.execute(sa.insert(case_dilemmas), dilemma_rows)
        db.session.execute(sa.insert(Comment), comment_rows)
        if reflection_rows:
            db.session.execute(sa.insert(Reflection), reflection_rows)
    db.session.commit()


def queries(rng: random.Random) -> list[tuple[str, str | None]]:
    """At least 200 queries: one to three words, phrases, and a theme filter plus words."""
    theme_slugs = list(db.session.scalars(sa.select(Theme.slug)))
    result = []
    for number in range(QUERIES):
        kind = number % 4
        if kind == 3:
            result.append((rng.choice(PHRASES), None))
        elif kind == 2:
            result.append((rng.choice(QUERY_WORDS), rng.choice(theme_slugs)))
        else:
            result.append((" ".join(rng.sample(QUERY_WORDS, rng.randint(1, 3))), None))
    return result


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return f"p50 {cut[49]:7.1f} ms   p95 {cut[94]:7.1f} ms   p99 {cut[98]:7.1f} ms"


def timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def directory_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def run(size: int) -> None:
    with tempfile.TemporaryDirectory(prefix=f"casusplein-bench-{size}-") as folder:
        instance = Path(folder)
        database = f"sqlite:///{instance / 'bench.db'}"
        app = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": database})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            build_corpus(size)
            print(f"\n== {size:,} cases, {size * 5:,} comments "
                  f"(corpus inserted in {time.perf_counter() - started:.1f}s)")  # fmt: skip
            started = time.perf_counter()
            report = rebuild_index()
            rebuild_seconds = time.perf_counter() - started
            store = storage.store()
            size_mb = (
                sum(directory_size(store.live_path(n)) for n in ("network", "archive")) / 2**20
            )
            print(f"full rebuild        {rebuild_seconds:7.1f} s   ({report.network:,} documents)")
            print(f"index size          {size_mb:7.1f} MB")
            expert = db.session.scalar(sa.select(User).where(User.role == Role.EXPERT))
            rng = random.Random(SEED + size)
            workload = queries(rng)

            def app_plain(text, theme):
                facets = (("theme", theme),) if theme else ()
                search(expert, SearchParams(text=text, facets=facets), full=False)

            def app_full(text, theme):
                facets = (("theme", theme),) if theme else ()
                search(expert, SearchParams(text=text, facets=facets))

            for warm in workload[:20]:
                app_full(*warm)
                baseline.bare_top(*warm)
            plain = [timed(app_plain, *q) for q in workload]
            full = [timed(app_full, *q) for q in workload]
            bare = [timed(baseline.bare_top, *q) for q in workload]
            case_ids = [rng.randint(1, size) for _ in range(QUERIES)]
            similar = [timed(similar_cases, expert, case_id) for case_id in case_ids]
            bare_similar = [timed(baseline.bare_similar, case_id) for case_id in case_ids]
            print(f"plain top-20        {percentiles(plain)}")
            print(f"full results page   {percentiles(full)}")
            print(f"similar cases       {percentiles(similar)}")
            print(f"bare Whoosh top-20  {percentiles(bare)}")
            print(f"bare more-like-this {percentiles(bare_similar)}")
            for label, ours, theirs in (("plain", plain, bare), ("similar", similar, bare_similar)):
                ratio50 = statistics.median(ours) / statistics.median(theirs)
                ratio95 = (
                    statistics.quantiles(ours, n=20)[18] / statistics.quantiles(theirs, n=20)[18]
                )
                print(f"app / bare {label:8} p50 x{ratio50:4.2f}   p95 x{ratio95:4.2f}")
            post_to_searchable(expert, size)
            # The background indexer may still be merging: let it finish before the folder goes.
            background.drain(app, timeout=120)


def post_to_searchable(expert: User, size: int, samples: int = 60) -> None:
    """Write through the service (commit + indexing), then find it: the author's wait.

    60 samples of each: a segment merge runs on some commits only, and the p95 of 30 samples
    is little more than the second-slowest one.
    """
    author = db.session.scalar(sa.select(User).where(User.role == Role.PARTICIPANT))
    theme = db.session.scalar(sa.select(Theme.id))
    case_times, comment_times = [], []
    for number in range(samples):
        word = f"meetwoordcasus{number}x"
        started = time.perf_counter()
        case = create_case(author, {"title": f"Nieuwe casus {number}", "themes": [theme],
                                    "polarisation_kind": "vertical", "status": "open",
                                    "summary": word, "situation": "s", "question": "q"},
                           share=True)  # fmt: skip
        found = search(expert, SearchParams(text=word), full=False)
        assert found.total == 1, (found.total, changelog.pending_count(), case.id, case.visibility)
        case_times.append((time.perf_counter() - started) * 1000)
        word = f"meetwoordreactie{number}x"
        # Every tenth corpus case (index 0, 10, ...) is a draft the expert cannot read.
        index = (number * 37) % size
        target = db.session.get(Case, index + 2 if index % 10 == 0 else index + 1)
        started = time.perf_counter()
        add_comment(target, author, f"Een reactie met {word}.")
        assert search(expert, SearchParams(text=word), full=False).total == 1
        comment_times.append((time.perf_counter() - started) * 1000)
    print(f"post-to-searchable, new case     {percentiles(case_times)}")
    print(f"post-to-searchable, new comment  {percentiles(comment_times)}")


if __name__ == "__main__":
    for argument in sys.argv[1:] or ["1000", "10000"]:
        run(int(argument))
