"""Consolidate stage (design step 3): merge each night's new meta articles into their definitive
articles as cited, validated edits. Run by `definitive consolidate` and `definitive nightly`
(before check and build), never by `build` itself. See docs/consolidation.md.

Modules, one job each:

- `engine`: one run, end to end (pending -> proposals -> validate -> apply -> record, resume).
- `ledger`: which meta article was merged where (by content hash); pending detection.
- `article`: a definitive article's Skill/Learnings/Pitfalls, parsed and re-rendered exactly.
- `edits`: the op schema, parsing answers into ops, the deterministic apply.
- `validate`: every check an answer must pass; human pins.
- `offline` / `anthropic_client`: the two consolidators (`proposal` is their shared interface);
  `prompt` builds requests (redacted by generator/secrets.py), `prices` is the one price table.
- `runlog`, `runmeta`, `history`, `state`: run records and the audit log, the run's own meta
  article, rollback and history, state folder and crash-test hooks.
- `review`, `export`, `lock`, `commands`: proposals for human approval, Agent Skill export,
  the vault lock, and the CLI subcommands.
"""
