"""Track records and the proof pages: numbers computed from meta articles, shown as a visitor
sees them on the demo site."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from generator.config import Options
from generator.proof import Run, compute_evidence
from generator.proof.status import verdict
from tests.conftest import Built


def _run(day: int, outcome: str, cost: float = 0.1, price: float | None = 5.0) -> Run:
    return Run(
        path=f"meta/{day}.md",
        title=str(day),
        date=dt.date(2026, 10, day),
        outcome=outcome,
        tokens_in=1000,
        tokens_out=0,
        cost=cost,
        duration=60,
        model="m",
        price=price,
        article=None,
        agent=None,
        triggers=None,
    )


TODAY = dt.date(2026, 10, 31)


@pytest.mark.parametrize(
    ("outcomes", "options", "expected"),
    [
        (["success", "success"], Options(), "probation"),
        (["success", "failure", "success", "success"], Options(), "proven"),
        # 3 of 4 is 75%, over the 70% bar; 3 of 5 is 60%: below it, after having been proven.
        (["success", "success", "success", "partial"], Options(), "proven"),
        (["success", "success", "success", "partial", "partial"], Options(), "unreliable"),
        # The latest run failed: not proven, whatever the rate.
        (["success"] * 5 + ["failure"], Options(), "unreliable"),
        (["success", "success", "failure"], Options(), "probation"),
        (["unknown", "success", "unknown", "success", "success"], Options(), "proven"),
        (["success", "success", "success", "failure", "failure"], Options(), "failing"),
        (["success", "failure"], Options(failing_after=1), "failing"),
        (["success", "success", "success"], Options(proven_after=5), "probation"),
        (["success", "success", "success"], Options(stale_after_days=10), "stale"),
        ([], Options(), "probation"),
    ],
)
def test_status_thresholds(outcomes: list[str], options: Options, expected: str) -> None:
    runs = [_run(day + 1, outcome) for day, outcome in enumerate(outcomes)]
    assert verdict(runs, options, TODAY).status == expected


def test_chart_has_a_dot_per_run() -> None:
    from generator.render.charts import cost_chart

    assert cost_chart([], "x") == ""
    one = cost_chart([_run(1, "success")], "One")
    assert one.count("<circle") == 1 and "dfn-success" in one
    three = cost_chart([_run(1, "success"), _run(2, "failure"), _run(9, "partial")], "T")
    assert three.count("<circle") == 3 and "2026-10-01" in three and "2026-10-09" in three


def test_thresholds_are_read_from_mkdocs_yml() -> None:
    opts = Options.from_mapping({"proven_after": 5, "stale_after_days": 30}, "mkdocs.yml")
    assert (opts.proven_after, opts.stale_after_days, opts.failing_after) == (5, 30, 2)


def test_demo_numbers_come_from_the_meta_articles(demo: Built) -> None:
    records = compute_evidence(demo.report.analysis.public, Options(), dt.date(2026, 11, 20))
    grading = records.articles["articles/Grading an article.md"]
    # Jennifer's 8 grading runs: 6 successes, 2 partial; prices $3-$4.
    assert (grading.count, grading.successes, grading.status) == (8, 6, "proven")
    assert grading.first == dt.date(2026, 9, 29) and grading.last == dt.date(2026, 11, 16)
    assert grading.median_price == 4.0
    verifying = records.articles["articles/Verifying a review source.md"]
    assert (verifying.count, verifying.successes, verifying.status) == (2, 1, "probation")
    assert records.total.count == 25
    assert records.total.priced == 21 and records.total.earned == pytest.approx(224.0)
    # Each learning counts the distinct runs cited in its bullet.
    learnings = {item.block_id: item for item in records.learnings[grading_path()]}
    assert len(learnings["l-readability-first"].supporting) == 2
    assert len(learnings["l-check-brief-length"].supporting) == 1


def grading_path() -> str:
    return "articles/Grading an article.md"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_article_page_shows_its_track_record(demo: Built) -> None:
    page = demo.html("articles/grading-an-article/")
    record = page.split('id="user-content-dfn-track-record"', 1)[1]
    assert 'class="dfn-badge dfn-' in record
    text = _text(record)
    # Runs, successes, rate, its 95% interval, first and last run.
    assert "8 6 75% 41–93% 2026-09-29 2026-11-16" in text
    assert "$4.00" in text  # median price
    # The chart is inline SVG with a dot per run, readable without JavaScript.
    svg = record.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count("<circle") == 8 and "<title>" in svg
    # The evidence: every run is linked, newest first.
    evidence = record.split('id="user-content-dfn-evidence"', 1)[1]
    assert evidence.index("2026-11-16") < evidence.index("2026-09-29")
    assert 'href="../../meta/2026-10-06-jennifer-grades-lumen-dental-faq/"' in evidence
    # Learnings with the number of runs behind each on the bullet itself, listed once.
    assert "dfn-learning-evidence" not in page
    assert page.count("Run the readability check before the fact check") == 1
    bullet = page.split('id="user-content-^l-readability-first"', 1)[0].rsplit("<li>", 1)[1]
    assert 'class="dfn-support"' in bullet
    assert ">2 runs support · last confirmed 2026-10-14</span>" in bullet
    bullet = page.split('id="user-content-^l-check-brief-length"', 1)[0].rsplit("<li>", 1)[1]
    assert ">1 run supports · last confirmed 2026-10-21</span>" in bullet


def test_agent_page_shows_runs_chart_and_handoffs(demo: Built) -> None:
    cam = _text(demo.html("agents/cam/"))
    assert "Track record" in cam and "Recent runs" in cam
    assert "Out: Cam → Ethan" in cam
    ethan = _text(demo.html("agents/ethan/"))
    assert "In: Cam → Ethan" in ethan
    assert "<svg" in demo.html("agents/cam/")
    skills = demo.html("agents/cam/").split('id="user-content-dfn-skills"', 1)[1]
    assert "Verifying a review source" in skills and "dfn-badge" in skills


def test_meta_article_has_a_card_linked_both_ways(demo: Built) -> None:
    url = "meta/2026-11-03-cam-collects-northwind-bikes-cargo-reviews/"
    page = demo.html(url)
    card = page.split('class="dfn-card"', 1)[1].split("</div>", 1)[0]
    assert 'href="../../articles/collecting-positive-comments/"' in card
    assert 'href="../../agents/cam/"' in card and 'href="../../agents/ethan/"' in card
    assert "45,870 in" in _text(card) and "$0.207" in card and "claude-sonnet-4-5" in card
    article = demo.html("articles/collecting-positive-comments/")
    assert f'href="../../{url}"' in article.split('id="user-content-dfn-evidence"', 1)[1]


def test_home_dashboard_is_added_to_the_vaults_own_index(demo: Built) -> None:
    home = demo.html("")
    assert "This vault is the working record" in home  # the vault's own index.md stays
    dashboard = _text(home.split('id="user-content-dfn-dashboard"', 1)[1])
    assert "25 " in dashboard and "$224.00" in dashboard and "21 of 25 runs priced" in dashboard
    for name in ("Jennifer", "Ethan", "Cam"):
        assert name in dashboard
    assert "Latest learnings" in dashboard and "Articles by status" in dashboard


def test_articles_hub_shows_status_and_runs(demo: Built) -> None:
    hub = _text(demo.html("browse/articles/"))
    assert re.search(r"Grading an article — (proven|stale|failing|probation), 8 runs · Grade", hub)


def test_catalogue_lists_proven_skills_only(demo: Built) -> None:
    page = demo.html("catalogue/")
    rows = _text(page.split("<tbody>", 1)[1].split("</tbody>", 1)[0])
    statuses = {
        p: r.status
        for p, r in compute_evidence(demo.report.analysis.public, Options()).articles.items()
    }
    for path, status in statuses.items():
        title = path.removeprefix("articles/").removesuffix(".md")
        assert (title in rows) == (status == "proven"), title


def test_a_vault_without_index_gets_a_generated_home_with_dashboard(build_vault) -> None:
    built = build_vault(
        {
            "articles/Task.md": """\
                ---
                description: "Do the task."
                ---
                ## Skill
                1. Do it.
                ## Learnings
                - Be quick. ([[run-1]], [[run-2]]) ^l-quick
                """,
            "agents/Bot.md": '---\njob: "Does tasks"\nowner: "Ann"\n---\nA bot.\n',
            **{
                f"meta/run-{i}.md": f"""\
                ---
                article: "[[Task]]"
                agent: "[[Bot]]"
                date: 2026-11-0{i}
                outcome: success
                tokens_in: 100
                tokens_out: 10
                cost_usd: 0.5
                duration_s: 3
                model: m
                price_usd: 2
                ---
                Done.
                """
                for i in (1, 2, 3)
            },
        }
    )
    home = _text(built.html(""))
    assert "Dashboard" in home and "$1.50" in home and "$6.00" in home
    assert "Task" in _text(built.html("catalogue/"))
    task = _text(built.html("articles/task/"))
    assert "Be quick." in task and "3 3 100%" in task
