"""A synthetic Obsidian vault of agent work logs, for benchmarking ``definitive build``.

Deterministic for a given (notes, seed). The vault looks like ``vault/`` in this repository:

- ``articles/``  definitive articles (``type: definitive``), about 2% of the notes
- ``agents/``    about ten agents (``type: agent``)
- ``meta/``      meta articles, about 80%, with the full run frontmatter (article, agent, date,
                 outcome, tokens_in, tokens_out, cost_usd, duration_s, model, price_usd, tags)
- ``notes/``     everything else (``type: note``)

Bodies have 150-600 words, a few headings, lists, now and then a fenced code block, some
``#tags`` and block ids (``^id``), and 3-12 wikilinks each in mixed forms: ``[[Name]]``,
``[[Name|alias]]``, ``[[Name#Heading]]``, ``[[Name#^id]]`` and a few embeds
``![[Name#Heading]]``. Link targets follow a Zipf-like distribution, so a few hubs collect
many backlinks (on top of the agent and article links every meta article carries).

The same notes can also be written as a plain MkDocs docs tree (``--plain DIR``): slugged file
names, every wikilink a relative markdown link ``[text](../folder/name.md)``, embeds turned into
links, block ids dropped. That is the baseline ``mkdocs build`` runs on.

Usage::

    python bench/synth_vault.py --notes 1000 --vault /tmp/v [--plain /tmp/docs] [--seed 7]
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import math
import random
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

# --- word material ---------------------------------------------------------------------------

WORDS = """
agent article brief client draft review panel source quote rubric score verdict band issue
writer editor account manager compliance claim price offer tier subscription launch post page
guide comparison newsletter testimonial comment platform reviewer location product line forum
yelp instagram google listing schema snippet heading paragraph intro summary outline section
readability structure accuracy voice keyword meta description length target audience tone
style run cost token model latency retry timeout budget queue batch export import window date
deadline handoff escalation approval feedback revision grade pass revise reject check fact
number figure claim evidence link citation reference attachment screenshot image photo caption
panel knowledge entity person business address hours phone website menu service category
bakery coffee dental bikes cargo roast origin altitude whitening clinic practice dentist barista
shop store branch opening holiday season campaign promotion discount coupon loyalty member
first second third fourth final quick careful thorough partial clean noisy stale fresh live
""".split()  # noqa: SIM905
VERBS = """
checked graded built verified collected rewrote trimmed flagged scored compared confirmed
updated rebuilt shortlisted exported escalated skipped quoted matched merged split ranked
filtered summarised reviewed fixed moved dropped kept logged measured timed retried cached
""".split()  # noqa: SIM905
GLUE = "the a this that each every our their its one two three".split()  # noqa: SIM905
PREPS = "for with from against before after during under over into about without".split()  # noqa: SIM905
CLIENTS = [
    "Harbor Coffee",
    "Lumen Dental",
    "Fernhill Bakery",
    "Northwind Bikes",
    "Cafe Lumen",
    "Maple Yoga",
    "Orchid Florists",
    "Summit Legal",
    "Bluebird Pets",
    "Copper Kettle",
    "Riverside Clinic",
    "Atlas Movers",
    "Granite Gym",
    "Pinecone Books",
    "Seaside Realty",
    "Juniper Spa",
    "Ironwood Garage",
    "Lighthouse Dental",
    "Meadow Farm",
    "Quartz Labs",
]
AGENT_NAMES = [
    "Jennifer",
    "Ethan",
    "Cam",
    "Priya",
    "Marcus",
    "Sofia",
    "Ola",
    "Kenji",
    "Dana",
    "Ravi",
    "Lena",
    "Tomas",
    "Aisha",
    "Bruno",
    "Mei",
    "Noah",
]
GERUNDS = [
    "Grading",
    "Building",
    "Verifying",
    "Collecting",
    "Updating",
    "Auditing",
    "Writing",
    "Translating",
    "Summarising",
    "Checking",
    "Publishing",
    "Planning",
    "Pricing",
    "Tagging",
    "Scheduling",
    "Answering",
    "Refreshing",
    "Archiving",
    "Comparing",
    "Drafting",
]
OBJECTS = [
    "an article",
    "a knowledge panel",
    "a review source",
    "positive comments",
    "a menu",
    "a landing page",
    "a newsletter",
    "a FAQ",
    "a price list",
    "opening hours",
    "a schema block",
    "a product page",
    "a press release",
    "a local listing",
    "an image set",
    "a testimonial page",
    "a blog outline",
    "a competitor scan",
    "a citation list",
    "a brand glossary",
]
NOTE_TOPICS = [
    "onboarding",
    "contacts",
    "field guide",
    "cheat sheet",
    "style notes",
    "rubric",
    "pricing notes",
    "planning",
    "retro",
    "checklist",
    "glossary",
    "brand voice",
    "open questions",
    "source list",
    "weekly sync",
    "incident log",
    "handbook",
    "ideas",
    "reading list",
    "budget",
]
MODELS = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1", "gpt-5", "gemini-2.5-pro"]
TAGS = (
    [
        "grading",
        "rubric",
        "editorial",
        "panel",
        "schema",
        "reviews",
        "testimonials",
        "sources",
        "pricing",
        "seo",
        "readability",
        "compliance",
        "health",
        "legal",
        "finance",
        "local",
        "social",
        "instagram",
        "yelp",
        "google",
        "newsletter",
        "launch",
        "holiday",
        "retro",
        "process",
        "costs",
        "tokens",
        "latency",
        "escalation",
        "handoff",
        "draft",
        "faq",
        "menu",
        "images",
        "accessibility",
        "translation",
        "brand",
        "voice",
        "planning",
        "incident",
    ]
    + [f"client/{c.lower().replace(' ', '-')}" for c in CLIENTS]
    + ["status/open", "status/done"]
)

SECTIONS = {
    "definitive": ["Skill", "Learnings", "Pitfalls", "Notes from the team"],
    "agent": ["Inputs", "Outputs", "Hand-offs", "Escalation"],
    "meta": ["What was done", "Result", "Learnings"],
    "note": ["Context", "Details", "Open questions", "Links"],
}
LIST_SECTIONS = {
    "Skill",
    "Learnings",
    "Pitfalls",
    "Inputs",
    "Outputs",
    "Hand-offs",
    "Links",
    "Open questions",
}
FOLDERS = {"definitive": "articles", "agent": "agents", "meta": "meta", "note": "notes"}

CODE_SNIPPETS = [
    ("bash", ["definitive check --vault vault", "definitive build --strict", "ls meta | wc -l"]),
    ("yaml", ["outcome: partial", "tokens_in: 18432", "price_usd: 4.00", "tags: [grading]"]),
    (
        "python",
        [
            "cost = tokens_in * 3e-6 + tokens_out * 15e-6",
            "print(round(cost, 4))",
            "# [[Not a link]] inside code stays text",
            "items = sorted(runs, key=len)",
        ],
    ),
    ("json", ['{"verdict": "revise", "score": 17}', '{"platform": "yelp", "count": 22}']),
]


# --- the notes -------------------------------------------------------------------------------


@dataclass
class LinkRef:
    target: int
    form: str  # plain | alias | heading | heading_alias | block | embed
    alias: str = ""
    heading: str = ""
    block: str = ""


@dataclass
class Note:
    index: int
    kind: str
    name: str
    frontmatter: list[tuple[str, object]] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    block_ids: list[str] = field(default_factory=list)
    h1: bool = True
    body: list[object] = field(default_factory=list)  # str | LinkRef, concatenated

    @property
    def folder(self) -> str:
        return FOLDERS[self.kind]

    @property
    def vault_path(self) -> str:
        return f"{self.folder}/{self.name}.md"

    @property
    def plain_path(self) -> str:
        return f"{self.folder}/{slugify(self.name)}.md"


def slugify(text: str) -> str:
    """The same slugs Definitive gives note files (generator/slugs.py)."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\w\s.-]", "", text)
    return re.sub(r"[\s_-]+", "-", text).strip("-.") or "untitled"


def heading_anchor(text: str) -> str:
    """Python-Markdown's toc slug for an ASCII heading."""
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


class Synth:
    def __init__(self, count: int, seed: int = 42) -> None:
        self.count = count
        self.rng = random.Random(seed * 1_000_003 + count)
        self.notes: list[Note] = []
        self._names: set[str] = set()
        self._make_notes()
        self._make_targets()
        for note in self.notes:
            self._fill(note)

    # names and kinds

    def _unique(self, name: str) -> str:
        base, n = name, 1
        while name.casefold() in self._names:
            n += 1
            name = f"{base} {n}"
        self._names.add(name.casefold())
        return name

    def _make_notes(self) -> None:
        rng, count = self.rng, self.count
        n_agents = min(10, max(2, count // 20))
        n_articles = max(2, round(count * 0.02))
        n_meta = round(count * 0.80)
        n_notes = max(0, count - n_agents - n_articles - n_meta)
        kinds = ["agent"] * n_agents + ["definitive"] * n_articles + ["meta"] * n_meta
        kinds += ["note"] * n_notes
        pairs = list(itertools.product(GERUNDS, OBJECTS))
        rng.shuffle(pairs)
        start = dt.date(2025, 1, 1)
        for i, kind in enumerate(kinds):
            if kind == "agent":
                name = self._unique(AGENT_NAMES[i % len(AGENT_NAMES)])
            elif kind == "definitive":
                g, o = pairs[(i - n_agents) % len(pairs)]
                name = self._unique(f"{g} {o}")
            elif kind == "meta":
                day = start + dt.timedelta(days=rng.randrange(730))
                name = self._unique(
                    f"{day.isoformat()} {rng.choice(AGENT_NAMES[:n_agents])} "
                    f"{rng.choice(VERBS)} {rng.choice(CLIENTS)} {rng.choice(WORDS)} "
                    f"{rng.choice(WORDS)}"
                )
            else:
                name = self._unique(
                    f"{rng.choice(CLIENTS)} {rng.choice(NOTE_TOPICS)}"
                    if rng.random() < 0.6
                    else f"{rng.choice(WORDS).capitalize()} {rng.choice(NOTE_TOPICS)}"
                )
            note = Note(i, kind, name, h1=kind != "meta")
            sections = SECTIONS[kind]
            note.sections = list(sections) if kind != "note" else rng.sample(sections, 3)
            note.block_ids = [f"b{i:x}-{k}" for k in range(rng.choice((0, 0, 1, 2, 3)))]
            self.notes.append(note)
        self.agents = [n for n in self.notes if n.kind == "agent"]
        self.articles = [n for n in self.notes if n.kind == "definitive"]

    def _make_targets(self) -> None:
        """Zipf weights over a shuffled order: a few notes become hubs with many backlinks."""
        order = list(range(len(self.notes)))
        self.rng.shuffle(order)
        weights = [0.0] * len(self.notes)
        for rank, idx in enumerate(order):
            boost = 6.0 if self.notes[idx].kind in ("definitive", "agent") else 1.0
            weights[idx] = boost / (rank + 1) ** 0.9
        self._cum = list(itertools.accumulate(weights))

    def _target(self, avoid: int) -> Note:
        while True:
            pick = bisect.bisect(self._cum, self.rng.random() * self._cum[-1])
            pick = min(pick, len(self.notes) - 1)
            if pick != avoid:
                return self.notes[pick]

    # bodies

    def _sentence(self, words: int) -> str:
        rng = self.rng
        out = []
        while len(out) < words:
            roll = rng.random()
            if roll < 0.15:
                out.append(rng.choice(GLUE))
            elif roll < 0.25:
                out.append(rng.choice(VERBS))
            elif roll < 0.33:
                out.append(rng.choice(PREPS))
            elif roll < 0.37:
                out.append(
                    rng.choice(
                        (
                            f"${rng.randrange(1, 300) / 100:.2f}",
                            f"{rng.randrange(2, 98)}%",
                            str(rng.randrange(2, 2000)),
                        )
                    )
                )
            elif roll < 0.40:
                out.append(
                    f"**{rng.choice(WORDS)}**" if rng.random() < 0.5 else f"*{rng.choice(WORDS)}*"
                )
            else:
                out.append(rng.choice(WORDS))
        out[0] = out[0][:1].upper() + out[0][1:]
        return " ".join(out) + rng.choice((".", ".", ".", ".", "?", ";", ":")).replace(";", ".")

    def _link(self, note: Note, embed: bool = False) -> LinkRef:
        rng = self.rng
        target = self._target(note.index)
        if embed:
            return LinkRef(target.index, "embed", heading=rng.choice(target.sections))
        roll = rng.random()
        if roll < 0.50:
            return LinkRef(target.index, "plain")
        if roll < 0.70:
            return LinkRef(target.index, "alias", alias=f"{rng.choice(WORDS)} {rng.choice(WORDS)}")
        if roll < 0.85:
            return LinkRef(target.index, "heading", heading=rng.choice(target.sections))
        if roll < 0.92:
            return LinkRef(
                target.index,
                "heading_alias",
                heading=rng.choice(target.sections),
                alias=rng.choice(WORDS),
            )
        if target.block_ids:
            return LinkRef(target.index, "block", block=rng.choice(target.block_ids))
        return LinkRef(target.index, "plain")

    def _fill(self, note: Note) -> None:
        rng = self.rng
        note.frontmatter = self._frontmatter(note)
        words_left = rng.randint(150, 600)
        n_links = rng.randint(3, 12)
        n_tags = rng.choice((0, 0, 1, 1, 2, 3))
        embed_at = rng.randrange(len(note.sections)) if rng.random() < 0.2 else -1
        code_at = rng.randrange(len(note.sections)) if rng.random() < 0.15 else -1
        blocks = list(note.block_ids)
        per_section = max(1, words_left // len(note.sections))
        links_per = [n_links // len(note.sections)] * len(note.sections)
        for k in range(n_links % len(note.sections)):
            links_per[k] += 1
        body: list[object] = []
        if note.h1:
            body.append(f"# {note.name}\n\n")
        body.append(
            self._sentence(rng.randint(12, 24)) + " " + self._sentence(rng.randint(8, 18)) + "\n\n"
        )
        for s, heading in enumerate(note.sections):
            body.append(f"## {heading}\n\n")
            budget = per_section
            pending_links = links_per[s]
            as_list = heading in LIST_SECTIONS and rng.random() < 0.8
            items = []
            while budget > 0:
                n = rng.randint(8, 22)
                budget -= n
                item: list[object] = [self._sentence(n)]
                if pending_links and (budget <= 0 or rng.random() < 0.5):
                    item += [" See ", self._link(note), "."]
                    pending_links -= 1
                if n_tags and rng.random() < 0.15:
                    item.append(f" #{rng.choice(TAGS)}")
                    n_tags -= 1
                items.append(item)
            while pending_links:
                items[-1] += [" Also ", self._link(note), "."]
                pending_links -= 1
            if as_list:  # block ids end a list item, after everything else on it
                for item in items:
                    if blocks and rng.random() < 0.3:
                        item.append(f" ^{blocks.pop()}")
            if as_list:
                marker = (lambda k: f"{k + 1}. ") if heading == "Skill" else (lambda k: "- ")
                for k, item in enumerate(items):
                    body += [marker(k), *item, "\n"]
                body.append("\n")
            else:
                for chunk in range(0, len(items), 3):  # paragraphs of up to 3 sentences
                    for k, item in enumerate(items[chunk : chunk + 3]):
                        body += ([" "] if k else []) + item
                    body.append("\n\n")
            if s == embed_at:
                body += [self._link(note, embed=True), "\n\n"]
            if s == code_at:
                lang, lines = rng.choice(CODE_SNIPPETS)
                shown = rng.sample(lines, rng.randint(1, len(lines)))
                body.append(f"```{lang}\n" + "\n".join(shown) + "\n```\n\n")
        if n_tags:
            body.append("Tags: " + " ".join(f"#{rng.choice(TAGS)}" for _ in range(n_tags)) + "\n\n")
        # Block ids not placed in a list end paragraphs of their own.
        for block in blocks:
            body.append(f"{self._sentence(rng.randint(8, 16))} ^{block}\n\n")
        note.body = body

    def _frontmatter(self, note: Note) -> list[tuple[str, object]]:
        rng = self.rng
        tags = sorted(set(rng.sample(TAGS, rng.randint(1, 3))))
        if note.kind == "meta":
            article = rng.choice(self.articles)
            agent = rng.choice(self.agents)
            tokens_in = rng.randint(2_000, 90_000)
            tokens_out = rng.randint(300, 9_000)
            return [
                ("type", "meta"),
                ("article", f"[[{article.name}]]"),
                ("agent", f"[[{agent.name}]]"),
                ("date", note.name[:10]),
                ("outcome", rng.choices(("success", "partial", "failure"), (70, 20, 10))[0]),
                ("tokens_in", tokens_in),
                ("tokens_out", tokens_out),
                ("cost_usd", round(tokens_in * 3e-6 + tokens_out * 15e-6, 4)),
                ("duration_s", rng.randint(8, 900)),
                ("model", rng.choice(MODELS)),
                ("price_usd", rng.choice((1.0, 2.5, 4.0, 6.0, 12.0))),
                ("tags", tags),
            ]
        if note.kind == "definitive":
            return [
                ("type", "definitive"),
                ("title", note.name),
                ("description", self._sentence(rng.randint(14, 26))),
                ("agent", f"[[{rng.choice(self.agents).name}]]"),
                ("tags", tags),
                ("aliases", [f"{note.name} (howto)"]),
            ]
        if note.kind == "agent":
            skills = rng.sample(self.articles, min(len(self.articles), rng.randint(1, 3)))
            return [
                ("type", "agent"),
                ("owner", f"{rng.choice(AGENT_NAMES)} {rng.choice('ABCDEFGHKLMR')}."),
                ("job", self._sentence(rng.randint(12, 20))),
                ("skills", [f"[[{s.name}]]" for s in skills]),
                ("model", rng.choice(MODELS)),
                ("tags", ["agent"]),
            ]
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(730))
        return [("type", "note"), ("title", note.name), ("tags", tags), ("date", day.isoformat())]

    # writing

    def backlink_counts(self) -> list[int]:
        counts = [0] * len(self.notes)
        for note in self.notes:
            seen = {p.target for p in note.body if isinstance(p, LinkRef)}
            for _, value in note.frontmatter:
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, str) and v.startswith("[["):
                        seen.add(self._by_name[v[2:-2]])
            for t in seen:
                counts[t] += 1
        return counts

    @property
    def _by_name(self) -> dict[str, int]:
        if not hasattr(self, "_names_idx"):
            self._names_idx = {n.name: n.index for n in self.notes}
        return self._names_idx

    def write_vault(self, root: Path) -> None:
        for note in self.notes:
            text = _frontmatter_text(note.frontmatter, plain=False) + "".join(
                self._obsidian(p) if isinstance(p, LinkRef) else p for p in note.body
            )
            _write(root / note.vault_path, text)

    def write_plain(self, docs: Path) -> None:
        for note in self.notes:
            text = _frontmatter_text(note.frontmatter, plain=True) + "".join(
                self._plain(p, note) if isinstance(p, LinkRef) else _strip_block_id(p)
                for p in note.body
            )
            _write(docs / note.plain_path, text)

    def _obsidian(self, link: LinkRef) -> str:
        name = self.notes[link.target].name
        return {
            "plain": f"[[{name}]]",
            "alias": f"[[{name}|{link.alias}]]",
            "heading": f"[[{name}#{link.heading}]]",
            "heading_alias": f"[[{name}#{link.heading}|{link.alias}]]",
            "block": f"[[{name}#^{link.block}]]",
            "embed": f"![[{name}#{link.heading}]]",
        }[link.form]

    def _plain(self, link: LinkRef, source: Note) -> str:
        target = self.notes[link.target]
        href = _relative(source.plain_path, target.plain_path)
        if link.form in ("heading", "heading_alias", "embed"):
            href += "#" + heading_anchor(link.heading)
        text = {
            "plain": target.name,
            "alias": link.alias,
            "heading": f"{target.name} > {link.heading}",
            "heading_alias": link.alias,
            "block": target.name,
            "embed": f"{target.name} > {link.heading}",
        }[link.form]
        return f"[{text}]({href})"


def _relative(src: str, dst: str) -> str:
    src_dir, dst_dir = src.rsplit("/", 1)[0], dst.rsplit("/", 1)
    if src_dir == dst_dir[0]:
        return dst_dir[1]
    return f"../{dst}"


_BLOCK_ID = re.compile(r" \^[A-Za-z0-9-]+(?=\n|$)")


def _strip_block_id(text: str) -> str:
    return _BLOCK_ID.sub("", text) if "^" in text else text


def _frontmatter_text(items: list[tuple[str, object]], plain: bool) -> str:
    def fmt(value: object) -> str:
        if isinstance(value, list):
            return "[" + ", ".join(fmt(v) for v in value) + "]"
        if isinstance(value, str):
            if plain and value.startswith("[[") and value.endswith("]]"):
                value = value[2:-2]
            if value[:1].isdigit() and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
                return value
            if re.fullmatch(r"[a-z][a-z0-9._-]*", value):
                return value
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    return "---\n" + "".join(f"{k}: {fmt(v)}\n" for k, v in items) + "---\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- the plain baseline's navigation ----------------------------------------------------------


def write_plain_hubs(synth: Synth, docs: Path, hub_size: int = 200) -> list[dict[str, str]]:
    """Index pages like Definitive's hubs (home + one paged list per folder); returns the nav."""
    labels = {"definitive": "Articles", "agent": "Agents", "meta": "Runs", "note": "Notes"}
    nav: list[dict[str, str]] = [{"Home": "index.md"}]
    home = ["# Home\n"]
    for kind, label in labels.items():
        members = sorted((n for n in synth.notes if n.kind == kind), key=lambda n: n.name)
        if kind == "meta":
            members.reverse()
        if not members:
            continue
        folder = f"browse/{FOLDERS[kind]}"
        pages = max(1, math.ceil(len(members) / hub_size))
        names = ["index.md"] + [f"page-{n}.md" for n in range(2, pages + 1)]
        for number, page in enumerate(names):
            chunk = members[number * hub_size : (number + 1) * hub_size]
            lines = [f"# {label}" + (f" (page {number + 1} of {pages})" if pages > 1 else "")]
            lines.append("")
            lines += [f"- [{n.name}](../../{n.plain_path})" for n in chunk]
            lines.append("")
            if number:
                lines.append(f"[Previous]({names[number - 1]})")
            if number + 1 < pages:
                lines.append(f"[Next]({names[number + 1]})")
            _write(docs / folder / page, "\n".join(lines) + "\n")
        nav.append({label: f"{folder}/index.md"})
        home.append(f"- [{label}]({folder}/index.md): {len(members)} notes")
    _write(docs / "index.md", "\n".join(home) + "\n")
    return nav


def generate(
    count: int, vault: Path | None = None, plain: Path | None = None, seed: int = 42
) -> Synth:
    synth = Synth(count, seed)
    if vault is not None:
        synth.write_vault(vault)
    if plain is not None:
        synth.write_plain(plain)
    return synth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--vault", type=Path, help="write the Obsidian vault here")
    parser.add_argument("--plain", type=Path, help="write the plain MkDocs docs tree here")
    parser.add_argument("--hubs", action="store_true", help="add hub index pages to --plain")
    args = parser.parse_args()
    if args.vault is None and args.plain is None:
        parser.error("give --vault and/or --plain")
    synth = generate(args.notes, args.vault, args.plain, args.seed)
    if args.plain is not None and args.hubs:
        write_plain_hubs(synth, args.plain)
    counts = synth.backlink_counts()
    kinds: dict[str, int] = {}
    for n in synth.notes:
        kinds[n.kind] = kinds.get(n.kind, 0) + 1
    links = sum(isinstance(p, LinkRef) for n in synth.notes for p in n.body)
    print(
        f"{len(synth.notes)} notes {kinds}; {links} body links; "
        f"top backlinks {sorted(counts, reverse=True)[:5]}"
    )


if __name__ == "__main__":
    main()
