"""From what an importer observed in a log to a `RunDraft`: which article and agent, the
outcome, the figures and the cost, the same way for every importer.

The article is the one given (``--article``), else the exported skill the run used (when it
used exactly one), else the project mapping's (``claude_code_projects``), else the agent's only
article. The agent is the one given (``--agent``), else the mapping's, else the one the log
names, else the article's own ``agent:``. The outcome is the one given, else ``unknown``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from generator.errors import UsageError
from generator.ingest.figures import PriceBook, Tokens, dollars, total
from generator.ingest.mapping import ProjectRule, match_project
from generator.ingest.names import Catalog, Target
from generator.ingest.text import code, file_title
from generator.ingest.writer import RunDraft
from generator.wording import plural


class Skipped(Exception):
    """A log that does not become a run: ``failed`` when something is wrong (a price, a name
    in the config), not when the log simply belongs to no article."""

    def __init__(self, reason: str, *, failed: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.failed = reason, failed


@dataclass(frozen=True)
class SkillUse:
    """An exported skill the run loaded: its name, the article it names, its revision."""

    name: str
    article: str | None = None
    revision: str | None = None


@dataclass
class Observed:
    source: str
    """``claude-code:<session>`` or ``otel:<trace>[/<span>]``: the run's identity."""
    title: str
    """Untrusted: made a safe file title here."""
    started: dt.datetime
    ended: dt.datetime
    by_model: dict[str, Tokens]
    body: list[str]
    """The "What was done" lines, already inert Markdown."""
    given_costs: dict[str, float] = field(default_factory=dict)
    """Dollars the log itself gives, per model (OTel's cost attributes)."""
    unpriced: dict[str, Tokens] | None = None
    """The tokens whose dollars the log does not give, per model: priced from the table
    (None: all of them)."""
    skills: list[SkillUse] = field(default_factory=list)
    project: str | None = None
    agent_hint: str | None = None
    """The agent's name as the log gives it (``gen_ai.agent.name``)."""
    sidechain: Tokens | None = None
    sidechain_cost: float = 0.0
    calls: int = 0
    sidechain_calls: int = 0


@dataclass(frozen=True)
class Choice:
    """What the command line says about every run of an import."""

    article: Target | None = None
    agent: Target | None = None
    outcome: str | None = None


def choose_article(
    seen: Observed, choice: Choice, catalog: Catalog, rules: list[ProjectRule]
) -> tuple[Target, SkillUse | None, ProjectRule | None]:
    rule = match_project(rules, seen.project) if seen.project else None
    if choice.article is not None:
        used = [s for s in seen.skills if _skill_article(s, catalog) == choice.article.note.path]
        return choice.article, (used[-1] if used else None), rule
    found: dict[str, tuple[Target, SkillUse]] = {}
    for skill in seen.skills:
        path = _skill_article(skill, catalog)
        if path is not None:
            target = catalog.find_article(path.removesuffix(".md"))
            if target is not None:
                found[path] = (target, skill)  # the last load of a skill says its revision
    if len(found) > 1:
        names = ", ".join(sorted(t.name for t, _ in found.values()))
        raise Skipped(f"used several exported skills ({names}): say which with --article")
    if found:
        target, skill = next(iter(found.values()))
        return target, skill, rule
    if rule is not None:
        try:
            return catalog.article(rule.article), None, rule
        except UsageError as exc:
            raise Skipped(f"claude_code_projects[{rule.pattern!r}]: {exc}", failed=True) from None
    if choice.agent is not None:
        only = catalog.only_article_of(choice.agent)
        if only is not None:
            return only, None, rule
    if seen.agent_hint:
        agent = catalog.find_agent(seen.agent_hint)
        only = catalog.only_article_of(agent) if agent is not None else None
        if only is not None:
            return only, None, rule
    raise Skipped("no article: it loaded no exported skill and no project mapping names it")


def _skill_article(skill: SkillUse, catalog: Catalog) -> str | None:
    for name in (skill.article, skill.name):
        target = catalog.find_article(name) if name else None
        if target is not None:
            return target.note.path
    return None


def choose_agent(
    seen: Observed, choice: Choice, catalog: Catalog, article: Target, rule: ProjectRule | None
) -> Target:
    if choice.agent is not None:
        return choice.agent
    if rule is not None and rule.agent:
        try:
            return catalog.agent(rule.agent)
        except UsageError as exc:
            raise Skipped(f"claude_code_projects[{rule.pattern!r}]: {exc}", failed=True) from None
    if seen.agent_hint:
        named = catalog.find_agent(seen.agent_hint)
        if named is not None:
            return named
    agent = catalog.agent_of(article)
    if agent is None:
        raise Skipped(
            f"no agent: {article.name} names none in `agent:`; give --agent or set the "
            "project mapping's agent"
        )
    return agent


def assemble(
    seen: Observed,
    choice: Choice,
    catalog: Catalog,
    rules: list[ProjectRule],
    book: PriceBook,
) -> RunDraft:
    """The meta article for one observed run; `Skipped` when it cannot be one."""
    if not seen.by_model:
        raise Skipped("no model call with token usage in it")
    article, skill, rule = choose_article(seen, choice, catalog, rules)
    agent = choose_agent(seen, choice, catalog, article, rule)
    unpriced = seen.by_model if seen.unpriced is None else seen.unpriced
    try:
        spent = {
            m: seen.given_costs.get(m, 0.0)
            + (book.cost(m, unpriced[m]) if m in unpriced and not unpriced[m].empty else 0.0)
            for m in seen.by_model
        }
    except UsageError as exc:
        raise Skipped(str(exc), failed=True) from None
    tokens = total(seen.by_model)
    outcome = choice.outcome or "unknown"
    main_model = max(
        seen.by_model, key=lambda m: (seen.by_model[m].total_in + seen.by_model[m].output, m)
    )
    extra: dict[str, object] = {
        "tokens_in_uncached": tokens.input,
        "tokens_cache_write_5m": tokens.cache_write_5m,
        "tokens_cache_write_1h": tokens.cache_write_1h,
        "tokens_cache_read": tokens.cache_read,
        "started": _utc(seen.started),
        "ended": _utc(seen.ended),
    }
    if len(seen.by_model) > 1:
        extra["models"] = sorted(seen.by_model)
    body = ["## What was done", "", *seen.body]
    if skill is not None:
        version = f", revision {skill.revision}" if skill.revision else ""
        body += ["", f"Skill followed: {code(skill.name)} (exported from {article.name}{version})."]
    body += ["", "## Result", ""]
    if outcome == "unknown":
        body.append(
            "Not judged yet: set `outcome:` to success, partial or failure "
            "(until then this run counts in no rate)."
        )
    else:
        body.append(f"Outcome given when imported: {outcome}.")
    body += ["", "## Cost", "", *cost_table(seen.by_model, spent)]
    if seen.sidechain is not None and not seen.sidechain.empty:
        body += [
            "",
            f"Of which subagents: {plural(seen.sidechain_calls, 'call')}, "
            f"{seen.sidechain.total_in + seen.sidechain.output:,} tokens, "
            f"${seen.sidechain_cost:.4f}.",
        ]
    title = file_title(seen.title) or seen.source.split(":", 1)[-1][:8]
    return RunDraft(
        article=article,
        agent=agent,
        date=seen.started.astimezone().date(),
        outcome=outcome,
        tokens_in=tokens.total_in,
        tokens_out=tokens.output,
        cost_usd=dollars(sum(spent.values())),
        duration_s=max(0, round((seen.ended - seen.started).total_seconds())),
        model=main_model,
        title=title,
        body="\n".join(body),
        source=seen.source,
        skill_version=skill.revision if skill is not None else None,
        extra=extra,
        explicit=frozenset(
            k
            for k, v in (
                ("article", choice.article),
                ("agent", choice.agent),
                ("outcome", choice.outcome),
            )
            if v is not None
        ),
    )


def cost_table(by_model: Mapping[str, Tokens], spent: Mapping[str, float]) -> list[str]:
    rows = [
        "| Model | Input | Cache write 5m | Cache write 1h | Cache read | Output | Dollars |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for model in sorted(by_model):
        t = by_model[model]
        rows.append(
            f"| {model} | {t.input:,} | {t.cache_write_5m:,} | {t.cache_write_1h:,} | "
            f"{t.cache_read:,} | {t.output:,} | ${spent[model]:.4f} |"
        )
    if len(by_model) > 1:
        t = total(by_model)
        rows.append(
            f"| Total | {t.input:,} | {t.cache_write_5m:,} | {t.cache_write_1h:,} | "
            f"{t.cache_read:,} | {t.output:,} | ${sum(spent.values()):.4f} |"
        )
    return rows


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
