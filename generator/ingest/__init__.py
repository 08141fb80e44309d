"""Runs coming in: turning what agents did into meta articles in the vault.

    record / import -> **vault** -> load -> graph -> filter -> proof -> consolidate -> ...

``definitive record`` writes one run an agent or a script describes (`generator.ingest.record`);
``definitive import claude-code`` and ``definitive import otel`` read the logs agents already
keep (`generator.ingest.claude_code`, `generator.ingest.otel`). All of them hand a `RunDraft`
to the one writer (`generator.ingest.writer`), which builds the meta article, names its file and
writes it atomically, updating the run's earlier article (same ``source:``) instead of adding a
second one. Figures come from the logs and the one price table, never from a model's guess;
text from a log is redacted and made inert before it is written (`generator.ingest.text`).
"""
