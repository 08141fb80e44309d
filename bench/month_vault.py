"""A month of agent work for the consolidation benchmark: definitive articles shaped like the
demo's and a month of meta articles written the way agents write them.

Deterministic for a given (metas, seed). The vault has:

- ``articles/``: 8 definitive articles (description, a summary paragraph, 7-9 numbered skill
  steps, 6-8 cited learnings with block ids, 3-4 pitfalls, a human ``## Notes from the team``);
- ``meta/``: 3 older meta articles per article (September; the learnings cite them, so a first
  run adopts them as merged) and ``metas`` new ones spread over November 2026, several a day,
  some articles busier than others. Each has the demo's frontmatter (article, agent, date,
  outcome, tokens, cost, duration, model, tags) and its sections: what was done, the result,
  2-3 learnings (some restate an article's learning, most are new), now and then a pitfall.
  About 1,000 bytes each, like the demo's;
- ``agents/`` and ``rules/`` (the demo's rule notes, which every request carries).

    python bench/month_vault.py --vault /tmp/month [--metas 200] [--seed 11]
"""

# ruff: noqa: E501 (the task table reads better one sentence a line)
from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CLIENTS = [
    "Harbor Coffee", "Lumen Dental", "Fernhill Bakery", "Northwind Bikes", "Maple Yoga",
    "Orchid Florists", "Summit Legal", "Bluebird Pets", "Copper Kettle", "Riverside Clinic",
    "Atlas Movers", "Granite Gym",
]  # fmt: skip


@dataclass
class Task:
    title: str
    agent: str
    tag: str
    description: str
    summary: str
    steps: list[str]
    learnings: list[str]
    pitfalls: list[str]
    done: list[str]
    """What-was-done sentences; ``{client}`` and ``{n}`` are filled in."""
    results: list[str]
    lessons: list[str]
    """Lessons a run may report; the first ones restate the article's learnings."""


TASKS = [
    Task(
        "Grading an article",
        "Jennifer",
        "grading",
        "Grade a draft article against the house rubric, score each criterion and return a "
        "pass/revise/reject verdict to the writer.",
        "Jennifer grades every client draft against the house rubric before it reaches a client. "
        "A grade scores each criterion, gives an overall band and lists issues the writer can "
        "act on without a call.",
        [
            "Open the client brief and note the word-count target, audience and required sources.",
            "Run the readability pass: headings, paragraph length, reading level.",
            "Check length against the brief's target, not the blog default.",
            "Fact-check every number, price, date and claim against the client's live site.",
            "Score each of the five rubric criteria separately before the overall view.",
            "Write up to 12 issues, each quoting the sentence at fault, with a suggested fix.",
            "Map the total to a band and add a summary for the account manager.",
            "Record the run as a meta article with tokens, cost and outcome.",
        ],
        [
            "Run the readability check before the fact check; drafts usually fail on structure first.",
            "Confirm the brief's word-count target before scoring length.",
            "Treat a clinical claim without an approved source as blocking for health clients.",
            "Quote the exact sentence when flagging an issue; writers fix quoted issues far more often.",
            "Check prices and offers against the live site on grading day.",
            "Score criteria one at a time before forming an overall view.",
            "Ask for the writer's source list before the fact pass on long pieces.",
        ],
        [
            "Grading against the previous rubric version.",
            "Fixing the writer's sentences inside the doc instead of suggesting.",
            "Treating a missing source list as no claims to check.",
        ],
        [
            'Graded "{client} spring guide" ({n} words) for {client}.',
            "Graded the {client} landing page rewrite, {n} words, for the account manager.",
            "Re-graded the {client} newsletter after the writer's revision ({n} words).",
        ],
        [
            "Verdict: revise, {score}/25. Two prices were out of date and one claim had no source.",
            "Verdict: pass, {score}/25. Structure was clean; one heading was too long.",
            "Verdict: reject, {score}/25. The draft missed the brief's audience entirely.",
        ],
        [
            "Run the readability check before the fact check; this draft failed on structure first.",
            "Confirm the brief's word-count target before scoring length; the default was wrong again.",
            "Check prices against the live site on grading day: {client} changed two tiers this week.",
            "Comparison tables need a source per column, shown under the table.",
            "Grade a missing byline as a blocking issue for health clients.",
            "Long listicles hide repeated points; count distinct points before scoring structure.",
            "Ask the account manager for the brand glossary before grading product names.",
            "Headlines are the account manager's call; only check them for accuracy.",
        ],
    ),
    Task(
        "Building a knowledge panel",
        "Ethan",
        "knowledge-panel",
        "Build a structured knowledge panel (schema.org JSON-LD) for a client business or "
        "person, checked against public sources.",
        "Ethan builds knowledge panels for clients: the JSON-LD a search engine reads, with the "
        "facts checked against the client's own pages and public listings.",
        [
            "Collect the client's name, address, phone and hours from the brief.",
            "Check each fact against the client's website and listings.",
            "Choose the schema.org type: Organization, LocalBusiness subtype or Person.",
            "Fill the required properties, then sameAs links to verified profiles.",
            "Validate the JSON-LD with the structured data test.",
            "Send the draft to the client for approval before publishing.",
            "Record the run as a meta article.",
        ],
        [
            "Use the most specific LocalBusiness subtype that fits; generic types rank worse.",
            "Check opening hours against the client's own site, not the listing.",
            "Person panels need the person's own written consent, not just the client's.",
            "Link people to organizations with worksFor instead of duplicating facts.",
            "Only add sameAs links to profiles the client controls.",
            "Public-record details stay out of person panels even when easy to find.",
        ],
        [
            "Copying hours from a stale directory listing.",
            "Publishing a person panel on the client's approval alone.",
            "Adding review ratings the client cannot show on its own site.",
        ],
        [
            "Built the organization panel for {client} with {n} properties.",
            "Rebuilt the {client} panel after the move to a new address.",
            "Added a department panel for {client}, linked to the main organization.",
        ],
        [
            "Partial: the hours on two listings disagreed, waiting for the client.",
            "Done. Validated clean; the client approved it the same day.",
            "Done after two rounds; the first draft used the wrong business subtype.",
        ],
        [
            "Use the most specific LocalBusiness subtype: {client} is a {kind}, not a LocalBusiness.",
            "Check opening hours against the client's own site; the listing was a season behind.",
            "Only add sameAs links to profiles the client controls; one was a fan page.",
            "Ask for the legal name early: {client} trades under a different name.",
            "Geo coordinates from the listing were 300 m off; take them from the address.",
            "Validate after every edit; one missing comma hid the whole panel.",
        ],
    ),
    Task(
        "Collecting positive comments",
        "Cam",
        "testimonials",
        "Collect genuine positive customer comments from reviews and social media, shortlist "
        "and attribute them for a client's testimonial page.",
        "Cam reads a client's reviews and social mentions and returns a shortlist of quotes the "
        "client can put on a testimonial page. Quotes are trimmed and never reworded.",
        [
            "Confirm which platforms the client has connected and read each platform's terms.",
            "Set the date window from the brief; default last 12 months.",
            "First pass: keep reviews rated 4-5 stars, 15-80 words, in English.",
            "Read every kept review; drop sarcasm and complaints wrapped in praise.",
            "Check for suspicious patterns; if more than 10% look off, verify the source.",
            "Rank for specificity: concrete details beat generic praise.",
            "Trim to one or two sentences; attribute as first name, last initial, platform.",
            "Send the shortlist with links to the originals.",
        ],
        [
            "Never scrape a platform whose terms forbid it; use the client's export.",
            "Specific quotes outperform generic praise on testimonial pages.",
            "Drop reviews that name staff by full name.",
            "Seasonal pages use reviews from that season only.",
            "Keep the original wording; trim with an ellipsis, never reword.",
            "A quote needs a working link to its original.",
        ],
        [
            "Rewording a quote to fix its grammar.",
            "Using reviews older than the brief's window.",
            "Counting a reply thread as a second review.",
        ],
        [
            "Collected {n} reviews for {client} from Google and Yelp exports.",
            "Shortlisted Instagram comments for the {client} holiday page ({n} read).",
            "Collected {n} reviews for {client}'s new location page.",
        ],
        [
            "Shortlisted {score} quotes; the client picked 8.",
            "Shortlisted {score} quotes; two were dropped as possibly fake.",
            "Only {score} usable quotes: most reviews were one-liners.",
        ],
        [
            "Specific quotes outperform generic praise: the client picked the detailed ones again.",
            "Drop reviews that name staff by full name; {client} asked us to remove two.",
            "Instagram comments under 10 words are rarely usable; skip them in the first pass.",
            "Ask whether the client wants emoji kept; {client} did not.",
            "Reviews mentioning prices date fast; prefer ones about service.",
            "Check the export's date column format before filtering; it was day-first.",
        ],
    ),
    Task(
        "Verifying a review source",
        "Cam",
        "verification",
        "Check whether a batch of reviews on a platform is genuine before quoting any of them.",
        "When a review batch looks suspicious, Cam checks the accounts and patterns behind it "
        "before any quote is used.",
        [
            "List the reviews in question with dates, accounts and ratings.",
            "Check account age and review history for each reviewer.",
            "Look for copied wording and same-week bursts.",
            "Compare with the client's own records where they share them.",
            "Mark each review genuine, doubtful or fake, with the reason.",
            "Report to the account manager before any quote is used.",
        ],
        [
            "Accounts created the same week as their only review are the strongest fake signal.",
            "Copied phrases across reviews matter more than star ratings.",
            "Ask the client for order records only with their consent.",
            "A burst after a promotion is usually genuine; check the promotion date.",
        ],
        [
            "Reporting a review as fake to the platform without the client.",
            "Judging a review by its grammar.",
        ],
        [
            "Checked {n} Yelp reviews for {client} after a burst last week.",
            "Verified {n} Google reviews flagged by the testimonial pass for {client}.",
        ],
        [
            "{score} of them looked fake: same-week accounts and copied wording.",
            "All genuine: the burst followed a promotion email.",
        ],
        [
            "Accounts created the same week as their only review are the strongest fake signal.",
            "A burst after a promotion is usually genuine: {client} had emailed a coupon.",
            "Check the reviewer's photo reuse with a reverse image search.",
            "Local guides with long histories are rarely fake; check them last.",
        ],
    ),
    Task(
        "Writing a client newsletter",
        "Priya",
        "newsletter",
        "Write a client's monthly email newsletter from their news, offers and blog posts, in "
        "their voice.",
        "Priya drafts each client's monthly newsletter from the month's news and offers, in the "
        "client's voice, ready for their approval.",
        [
            "Collect the month's news, offers and posts from the client's brief.",
            "Pick one lead story and at most three short items.",
            "Write the subject line and preview text first.",
            "Draft in the client's voice using their style sheet.",
            "Check every offer's dates and terms against the brief.",
            "Keep it under 400 words and one call to action per item.",
            "Send the draft for grading, then to the client.",
        ],
        [
            "Write the subject line first; it decides the lead story.",
            "Offers need their end date in the same sentence.",
            "One call to action per item; more lowered clicks.",
            "Use the client's own words for product names.",
            "Short newsletters get read; keep it under 400 words.",
        ],
        [
            "Announcing an offer before the client confirmed it.",
            "Reusing last month's preview text.",
        ],
        [
            "Drafted the {client} newsletter for November ({n} words).",
            "Wrote the {client} holiday newsletter with three offers ({n} words).",
        ],
        [
            "Approved with one change to the subject line.",
            "Sent back: one offer had ended already.",
            "Approved as is.",
        ],
        [
            "Offers need their end date in the same sentence: {client}'s readers missed it last time.",
            "Write the subject line first; it decides the lead story.",
            "Ask for the client's unsubscribe numbers; long issues lost readers.",
            "Holiday issues need the opening hours for the holidays up top.",
            "Preview text over 90 characters gets cut on phones.",
        ],
    ),
    Task(
        "Auditing local listings",
        "Omar",
        "listings",
        "Audit a client's business listings across directories and fix names, addresses, "
        "phones and hours that disagree.",
        "Omar audits a client's listings on the main directories and fixes what disagrees with "
        "the client's own records.",
        [
            "Get the client's canonical name, address, phone and hours.",
            "List every directory the client appears on.",
            "Compare each listing field by field with the canonical record.",
            "Fix what the client controls; request changes where they do not.",
            "Log every change with its before and after.",
            "Re-check in two weeks.",
        ],
        [
            "Take the canonical record from the client, not from the biggest directory.",
            "Phone formats differ per directory; compare digits only.",
            "Suite numbers are the most common address mismatch.",
            "Duplicate listings hurt more than wrong hours; merge them first.",
        ],
        [
            "Editing a listing the client does not own.",
            "Changing hours without checking holiday overrides.",
        ],
        [
            "Audited {n} listings for {client}.",
            "Re-checked the {client} listings two weeks after the fixes ({n} directories).",
        ],
        ["{score} listings fixed, two change requests pending.", "All listings match now."],
        [
            "Suite numbers are the most common address mismatch: {client} had three.",
            "Duplicate listings hurt more than wrong hours; merge them first.",
            "Holiday overrides undo hour fixes; check them after every change.",
            "Some directories cache for a week; re-check after seven days, not two.",
        ],
    ),
    Task(
        "Drafting a product FAQ",
        "Priya",
        "faq",
        "Draft a product FAQ page from support tickets and the product sheet, with answers the "
        "client's support team approves.",
        "Priya turns a client's support tickets and product sheet into an FAQ page that answers "
        "what customers actually ask.",
        [
            "Collect the last quarter's support tickets and the product sheet.",
            "Group tickets by question and count each group.",
            "Keep the ten most asked questions.",
            "Answer each in three sentences or fewer from the product sheet.",
            "Mark answers that need support's approval.",
            "Send for grading, then to the client's support lead.",
        ],
        [
            "Order questions by how often customers ask them, not by product structure.",
            "Answer from the product sheet only; support confirms the rest.",
            "Three sentences per answer; longer answers get skipped.",
            "Use the customers' words in the questions.",
        ],
        [
            "Answering with a policy the client has not published.",
            "Copying answers from a competitor's FAQ.",
        ],
        [
            "Drafted the {client} FAQ from {n} tickets.",
            "Updated the {client} FAQ for the new product line ({n} tickets).",
        ],
        [
            "Approved with two answers changed by support.",
            "Sent back: the refund answer needed legal's wording.",
        ],
        [
            "Use the customers' words in the questions: {client}'s customers say refill, not cartridge.",
            "Refund and warranty answers need the client's legal wording.",
            "Group tickets by intent, not keywords; the same question came in four ways.",
            "Ask support which answers they paste most; those go first.",
        ],
    ),
    Task(
        "Replying to reviews",
        "Omar",
        "replies",
        "Draft replies to a client's new reviews, thanking the positive ones and routing the "
        "negative ones to the owner.",
        "Omar drafts replies to each client's new reviews every week, for the owner to approve.",
        [
            "Collect the week's new reviews from the connected platforms.",
            "Draft a short thank-you for each positive review, naming one detail it mentions.",
            "Route every negative review to the owner with a suggested reply.",
            "Never admit fault or discuss a customer's details in public.",
            "Send the batch for the owner's approval and post the approved replies.",
        ],
        [
            "Name one detail from the review in the reply; generic thanks read as automated.",
            "Never discuss a customer's details in a public reply.",
            "Route negative reviews to the owner the same day.",
            "Keep replies under 60 words.",
        ],
        [
            "Replying to a negative review before the owner saw it.",
            "Using the same thank-you text twice in a week.",
        ],
        [
            "Drafted {n} replies for {client}'s new reviews.",
            "Drafted replies for {client} and routed {n} negative reviews to the owner.",
        ],
        ["Owner approved all but one.", "Owner rewrote the replies to the two negative reviews."],
        [
            "Name one detail from the review in the reply: {client}'s owner keeps asking for it.",
            "Route negative reviews to the owner the same day; one waited four days last time.",
            "Replies in the reviewer's language do better; two reviews were in Spanish.",
            "Do not reply to reviews older than a year; it looks like spam.",
        ],
    ),
]


def generate(root: Path, metas: int = 200, seed: int = 11) -> Path:
    rng = random.Random(seed)
    for folder in ("articles", "meta", "agents"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "vault" / "rules", root / "rules", dirs_exist_ok=True)
    for agent in sorted({t.agent for t in TASKS}):
        (root / "agents" / f"{agent}.md").write_text(
            f'---\ntype: agent\njob: "Works for the agency."\nowner: "Dana"\n---\n# {agent}\n',
            encoding="utf-8",
        )
    for task in TASKS:
        old = [
            _write_meta(root, rng, task, dt.date(2026, 9, 10 + 5 * i), f"{task.tag}-{i}")
            for i in range(3)
        ]
        _write_article(root, rng, task, old)
    weights = [rng.uniform(0.5, 2.0) for _ in TASKS]  # some articles are busier
    start = dt.date(2026, 11, 1)
    for index in range(metas):
        task = rng.choices(TASKS, weights)[0]
        _write_meta(root, rng, task, start + dt.timedelta(days=index * 30 // metas), f"{index:03d}")
    return root


def _write_article(root: Path, rng: random.Random, task: Task, cited: list[str]) -> None:
    def cite() -> str:
        picked = sorted(rng.sample(cited, rng.randint(1, 2)))
        return ", ".join(f"[[{name}]]" for name in picked)

    steps = "\n".join(f"{n}. {s}" for n, s in enumerate(task.steps, 1))
    learnings = "\n".join(
        f"- {text} ({cite()}) ^l-{task.tag}-{n}" for n, text in enumerate(task.learnings, 1)
    )
    pitfalls = "\n".join(
        f"- {text} ({cite()}) ^p-{task.tag}-{n}" for n, text in enumerate(task.pitfalls, 1)
    )
    (root / "articles" / f"{task.title}.md").write_text(
        f'---\ntype: definitive\ntitle: "{task.title}"\ndescription: "{task.description}"\n'
        f'agent: "[[{task.agent}]]"\ntags: [{task.tag}]\n---\n# {task.title}\n\n{task.summary}\n\n'
        f"## Skill\n{steps}\n\n## Learnings\n{learnings}\n\n## Pitfalls\n{pitfalls}\n\n"
        "## Notes from the team\nDana: ask me before changing the steps. Clients see the "
        "result of this task directly, so the bar is high.\n",
        encoding="utf-8",
    )


def _write_meta(root: Path, rng: random.Random, task: Task, day: dt.date, number: str) -> str:
    client = rng.choice(CLIENTS)
    fill = {
        "client": client,
        "n": rng.randint(4, 2400),
        "score": rng.randint(3, 24),
        "kind": rng.choice(["Bakery", "Dentist", "BikeStore", "CafeOrCoffeeShop"]),
    }
    verb = task.done[0].split()[0].lower()
    name = f"{day.isoformat()} {task.agent} {verb} {client} {task.tag} {number}"
    outcome = rng.choices(["success", "partial", "failure"], [0.75, 0.17, 0.08])[0]
    tokens_in = rng.randint(8_000, 90_000)
    tokens_out = tokens_in // rng.randint(8, 14)
    lessons = rng.sample(task.lessons, rng.randint(2, 3))
    body = [
        "## What was done",
        rng.choice(task.done).format(**fill)
        + f" It took {rng.randint(2, 9)} passes over {fill['n'] // 10 + 3} items, and I kept "
        "notes of each decision for the account manager.",
        "",
        "## Result",
        rng.choice(task.results).format(**fill)
        + f" The account manager for {client} has the full list. The run used "
        f"{tokens_in:,} tokens in and {tokens_out:,} out.",
        "",
        "## Learnings",
        *(f"- {lesson.format(**fill)}" for lesson in lessons),
    ]
    if outcome != "success":
        body += ["", "## Pitfalls", f"- {rng.choice(task.pitfalls)} It cost a round trip."]
    (root / "meta" / f"{name}.md").write_text(
        "---\ntype: meta\n"
        f'article: "[[{task.title}]]"\nagent: "[[{task.agent}]]"\ndate: {day.isoformat()}\n'
        f"outcome: {outcome}\ntokens_in: {tokens_in}\ntokens_out: {tokens_out}\n"
        f"cost_usd: {tokens_in * 3e-6 + tokens_out * 15e-6:.4f}\n"
        f"duration_s: {rng.randint(40, 600)}\nmodel: claude-sonnet-4-5\n"
        f"tags: [{task.tag}, {client.lower().replace(' ', '-')}]\n---\n" + "\n".join(body) + "\n",
        encoding="utf-8",
    )
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vault", required=True, type=Path)
    parser.add_argument("--metas", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    generate(args.vault, args.metas, args.seed)


if __name__ == "__main__":
    main()
