"""The secrets module (generator/secrets.py) as users meet it: `check` names every secret in
notes and attachments, a build that would publish one fails and leaves none of it behind, no
output ever prints one, redaction removes each, and ordinary text raises no alarm.

The corpus is made here, from random pieces (seeded), so that no secret sits in the repository
as a literal: every secret rule has at least one format-valid sample.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import random
import re
import string
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator import secrets
from generator.config import Options
from generator.consolidate.validate import TextRules, ValidationError, check_text
from generator.findings import Finding
from generator.secrets import (
    PERSONAL_KINDS,
    SECRET_KINDS,
    Leak,
    SecretLeakError,
    check_site,
    redact,
    scan,
    scan_file,
    scan_file_bytes,
)
from tests.conftest import PLAIN_ENV, Built, run_cli, write_vault

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "_-"


@dataclass(frozen=True)
class Sample:
    kind: str
    text: str
    """As a user would paste it (one line, or a block)."""
    secret: str
    """The part that must never be shown again."""


def _corpus() -> list[Sample]:
    rng = random.Random(20261130)

    def r(n: int, alphabet: str = ALNUM) -> str:
        # A digit and a letter in every value, as in real keys (random ones nearly always).
        body = [rng.choice(alphabet) for _ in range(n)]
        digits = [c for c in alphabet if c.isdigit()]
        letters = [c for c in alphabet if c.isalpha()]
        if digits and letters:
            body[0], body[-1] = rng.choice(letters), rng.choice(digits)
        return "".join(body)

    upper = string.ascii_uppercase + string.digits
    b64 = base64.b64encode(rng.randbytes(48)).decode()
    pem_lines = [base64.b64encode(rng.randbytes(48)).decode() for _ in range(3)]

    def pem(label: str) -> str:
        body = "\n".join(pem_lines)
        return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"

    def b64url(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps({"sub": r(12), "role": "admin"}).encode())
    jwt = f"{header}.{payload}.{r(43, URLSAFE)}"
    password = "Tr0ub4dor&" + r(6)
    basic = base64.b64encode(f"deploy:{password}".encode()).decode()

    def token(kind: str, value: str) -> Sample:
        return Sample(kind, value, value)

    def assigned(kind: str, text: str, value: str) -> Sample:
        return Sample(kind, text + value, value)

    samples = [
        Sample("private-key", pem("RSA PRIVATE KEY"), pem_lines[0]),
        Sample("private-key", pem("OPENSSH PRIVATE KEY"), pem_lines[1]),
        Sample("private-key", pem("PGP PRIVATE KEY BLOCK"), pem_lines[2]),
        Sample("putty-private-key", "PuTTY-User-Key-File-3: ssh-ed25519", "PuTTY-User-Key"),
        token("aws-access-key-id", "AKIA" + r(16, upper)),
        token("aws-access-key-id", "ASIA" + r(16, upper)),
        assigned("aws-secret-access-key", "aws_secret_access_key = ", r(40, B64)),
        assigned(
            "azure-storage-key",
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=",
            b64 + b64[:22] + "==",
        ),
        assigned(
            "azure-shared-access-key",
            "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=",
            r(43, B64) + "=",
        ),
        assigned(
            "azure-sas-signature",
            "https://acme.blob.core.windows.net/c?sv=2022-11-02&ss=b&sig=",
            r(43) + "%3D",
        ),
        token("azure-ad-client-secret", r(3) + "8Q~" + r(34, ALNUM + "_~.-")),
        token("google-api-key", "AIza" + r(35, URLSAFE)),
        token("google-oauth-client-secret", "GOCSPX-" + r(28, URLSAFE)),
        token("google-oauth-token", "ya29." + r(80, URLSAFE)),
        token("alibaba-access-key-id", "LTAI" + r(20)),
        token("digitalocean-token", "dop_v1_" + r(64, HEX)),
        token("heroku-api-key", "HRKU-AA" + r(58, URLSAFE)),
        token("flyio-token", "fo1_" + r(43, URLSAFE)),
        token("anthropic-api-key", "sk-ant-api03-" + r(93, URLSAFE) + "AA"),
        token("anthropic-api-key", "sk-ant-admin01-" + r(93, URLSAFE) + "AA"),
        token("openrouter-api-key", "sk-or-v1-" + r(64, HEX)),
        token("openai-api-key", "sk-proj-" + r(74, URLSAFE) + "T3BlbkFJ" + r(74, URLSAFE)),
        token("openai-api-key", "sk-svcacct-" + r(74, URLSAFE) + "T3BlbkFJ" + r(74, URLSAFE)),
        token("openai-api-key", "sk-admin-" + r(80, URLSAFE)),
        token("openai-api-key", "sk-" + r(48)),
        token("huggingface-token", "hf_" + r(34, string.ascii_letters)),
        token("huggingface-org-token", "api_org_" + r(34, string.ascii_letters)),
        token("groq-api-key", "gsk_" + r(52)),
        token("xai-api-key", "xai-" + r(80)),
        token("perplexity-api-key", "pplx-" + r(48)),
        token("replicate-api-token", "r8_" + r(37)),
        token("github-token", "ghp_" + r(36)),
        token("github-token", "gho_" + r(36)),
        token("github-token", "ghs_" + r(36)),
        token("github-fine-grained-token", "github_pat_" + r(22) + "_" + r(59)),
        token("gitlab-token", "glpat-" + r(20, URLSAFE)),
        token("gitlab-token", "glrt-" + r(20, URLSAFE)),
        token("npm-token", "npm_" + r(36)),
        assigned("npmrc-auth-token", "//npm.example.com/:_authToken=", r(40)),
        token("pypi-token", "pypi-AgEIcHlwaS5vcmc" + r(70, URLSAFE)),
        token("rubygems-api-key", "rubygems_" + r(48, HEX)),
        token("dockerhub-token", "dckr_pat_" + r(27, URLSAFE)),
        token("atlassian-api-token", "ATATT3" + r(180, URLSAFE)),
        token("linear-api-key", "lin_api_" + r(40)),
        token("notion-token", "ntn_" + r(11, string.digits) + r(35)),
        token("figma-token", "figd_" + r(40, URLSAFE)),
        token("sentry-token", "sntryu_" + r(64, HEX)),
        token("postman-api-key", "PMAK-" + r(24, HEX) + "-" + r(34, HEX)),
        token("databricks-token", "dapi" + r(32, HEX)),
        token("grafana-token", "glsa_" + r(32) + "_" + r(8, HEX)),
        token("newrelic-key", "NRAK-" + r(27, upper)),
        token("planetscale-token", "pscale_tkn_" + r(43, URLSAFE)),
        token("terraform-cloud-token", r(14) + ".atlasv1." + r(67, URLSAFE)),
        token("hashicorp-vault-token", "hvs." + r(90, URLSAFE)),
        token("doppler-token", "dp.pt." + r(43)),
        token("pulumi-token", "pul-" + r(40, HEX)),
        token("onepassword-token", "ops_eyJ" + r(150, B64)),
        token("age-secret-key", "AGE-SECRET-KEY-1" + r(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L")),
        token("stripe-secret-key", "sk_live_" + r(24)),
        token("stripe-secret-key", "rk_live_" + r(24)),
        token("stripe-webhook-secret", "whsec_" + r(32)),
        token("square-token", "sq0csp-" + r(43, URLSAFE)),
        token("shopify-token", "shpat_" + r(32, HEX)),
        token("slack-token", f"xoxb-{r(12, string.digits)}-{r(13, string.digits)}-{r(24)}"),
        token("slack-app-token", f"xapp-1-A{r(10, upper)}-{r(13, string.digits)}-{r(64, HEX)}"),
        assigned(
            "slack-webhook-url",
            "https://",
            f"hooks.slack.com/services/T{r(8, upper)}/B{r(8, upper)}/{r(24)}",
        ),
        assigned(
            "discord-webhook-url",
            "https://",
            f"discord.com/api/webhooks/{r(18, string.digits)}/{r(68, URLSAFE)}",
        ),
        token("telegram-bot-token", r(10, string.digits) + ":AA" + r(33, URLSAFE)),
        token("twilio-api-key", "SK" + r(32, HEX)),
        assigned("twilio-auth-token", "TWILIO_AUTH_TOKEN=", r(32, HEX)),
        token("sendgrid-api-key", "SG." + r(22, URLSAFE) + "." + r(43, URLSAFE)),
        token("brevo-api-key", "xkeysib-" + r(64, HEX) + "-" + r(16)),
        token("mailgun-api-key", "key-" + r(32, HEX)),
        token("mailchimp-api-key", r(32, HEX) + "-us14"),
        token("jwt", jwt),
        assigned("url-credentials", "postgres://admin:", "Pg" + r(14) + "@db.internal:5432/app"),
        assigned("url-credentials", "https://deploy:", r(24) + "@git.acme.dev/site.git"),
        assigned("basic-auth-header", "Authorization: Basic ", basic),
        assigned("bearer-token", "Authorization: Bearer ", r(40, URLSAFE)),
        assigned("password-assignment", "password: ", password),
        assigned("password-assignment", "DB_PASSWORD=", "Qz" + r(10) + "!"),
        assigned("password-assignment", '"smtp_password": ', '"' + r(14) + '#x"'),
        assigned("secret-assignment", "client_secret: ", r(32)),
        assigned("secret-assignment", "API_TOKEN=", r(40)),
        assigned("secret-assignment", "SESSION_SECRET=", r(48, B64)),
        assigned("secret-assignment", "stripe_api_key: ", r(32)),
    ]
    # The part to look for in outputs: the value itself (the url samples: the password).
    fixed = []
    for sample in samples:
        secret = sample.secret
        if sample.kind == "url-credentials":
            secret = secret.split("@", 1)[0]
        if sample.kind == "password-assignment":
            secret = secret.strip('"')
        fixed.append(Sample(sample.kind, sample.text, secret))
    return fixed


CORPUS = _corpus()
GITHUB = next(s for s in CORPUS if s.kind == "github-token")


def test_the_corpus_covers_every_secret_rule() -> None:
    assert len(SECRET_KINDS) >= 53
    assert {s.kind for s in CORPUS} == set(SECRET_KINDS)
    assert len({s.secret for s in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("sample", CORPUS, ids=[f"{s.kind}-{i}" for i, s in enumerate(CORPUS)])
def test_each_sample_is_found_on_its_line_and_redacted(sample: Sample) -> None:
    text = f"first line\n\nsee {sample.text} here\n"
    hits = scan(text)
    assert [(h.kind, h.line) for h in hits] == [(sample.kind, 3)]
    shown = "see " + sample.text.split("\n")[0]
    assert hits[0].column == (shown.index(sample.secret) + 1 if sample.secret in shown else 5)
    assert sample.secret not in repr(hits)  # a hit is a kind and a place, never the value
    clean = redact(text)
    assert sample.secret not in clean and f"[REDACTED:{sample.kind}]" in clean
    assert clean.startswith("first line\n\nsee ") and clean.endswith(" here\n")
    assert scan(clean) == []  # redacted text is clean: redacting twice changes nothing


def test_detect_secrets_finds_nothing_in_the_corpus_that_is_missed_here() -> None:
    """detect-secrets (Yelp) as an independent oracle: any sample its own format plugins flag
    must be flagged here too (entropy and keyword plugins left out: they flag prose)."""
    pytest.importorskip("detect_secrets")
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import default_settings

    generic = {"Base64 High Entropy String", "Hex High Entropy String", "Secret Keyword"}
    flagged = 0
    with default_settings():
        for sample in CORPUS:
            for line in sample.text.splitlines():
                theirs = {s.type for s in scan_line(line) if s.type not in generic}
                if theirs:
                    flagged += 1
                    assert scan(line), (sample.kind, theirs)
    assert flagged >= 15  # the oracle did look at something


# --- false positives ----------------------------------------------------------------------


def _innocent_text() -> str:
    rng = random.Random(7)
    uuids = " ".join(
        "-".join("".join(rng.choice(HEX) for _ in range(n)) for n in (8, 4, 4, 4, 12))
        for _ in range(20)
    )
    shas = " ".join("".join(rng.choice(HEX) for _ in range(40)) for _ in range(20))
    colours = " ".join("#" + "".join(rng.choice(HEX) for _ in range(6)) for _ in range(20))
    png = base64.b64encode(rng.randbytes(3000)).decode()
    return f"""\
---
title: Notes on setting up the account
tokens_in: 51234
tokens_out: 1200
cost_usd: 0.25
---
# Notes on setting up the account

The task-based skills of the agent: a sketch of skills for the task-ant rubric.
Ask the client for the password: <your password>, never put it here.
password=
password: ********
password: required
api_key: ${{API_KEY}}
token: {{{{ secrets.TOKEN }}}}
DB_PASSWORD=$DB_PASSWORD
export OPENAI_API_KEY=os.environ["OPENAI_API_KEY"]
The secret: keep the rubric short. Tokens used: 51234 in, 1200 out.
GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
AWS docs example: AKIAIOSFODNN7EXAMPLE
Links: https://example.com/path?a=1&b=2 http://localhost:8000/notes/ https://user@host.example/
ssh://git@github.com/acme/site.git and mailto:team at acme dot com
Ids: {uuids}
Commits: {shas}
Colours: {colours}
Version 1.2.3, 2026-11-30, 12:30, 10.5%, $0.250, 1,234,567 runs.
![chart](data:image/png;base64,{png})
```python
password = settings.DB_PASSWORD
token = get_token()
api_key = os.environ["API_KEY"]
```
"""


def test_ordinary_text_raises_no_alarm() -> None:
    text = _innocent_text()
    assert scan(text) == []
    assert redact(text, personal=False) == text


def test_personal_data_counts_only_when_asked() -> None:
    text = "Call Dana on +44 20 7946 0958 or (415) 555-0132, or write to dana.r@client.io.\n"
    assert scan(text) == []
    assert [h.kind for h in scan(text, personal=True)] == [
        "phone-number",
        "phone-number",
        "email",
    ]
    assert set(PERSONAL_KINDS) == {"email", "phone-number"}
    clean = redact(text)  # personal data is redacted by default: what goes to a model
    assert "7946" not in clean and "555-0132" not in clean and "dana.r" not in clean
    assert "icon@2x.png" in redact("see icon@2x.png and version 1.2.3.4")


def test_redaction_keeps_the_text_around_intact() -> None:
    text = "Zugang für Jörg: password: pässwörd-9ß, dann café.\n"
    clean = redact(text)
    assert clean == "Zugang für Jörg: password: [REDACTED:password-assignment], dann café.\n"
    assert scan(text)[0].column == len("Zugang für Jörg: password: ") + 1  # in characters


def test_build_processes_report_leaks_with_the_personal_option(tmp_path: Path) -> None:
    from generator.publish.search import scan_pages

    pages = {"a/index.html": f"<p>{GITHUB.text}</p>", "b/index.html": "<p>x@y.io</p>"}
    write_vault(tmp_path, pages)
    leaks = scan_pages(tmp_path, list(pages))["leaks"]
    assert leaks == [("a/index.html", 1, "github-token")]
    personal = scan_pages(tmp_path, ["b/index.html"], personal=True)
    assert personal["leaks"] == [("b/index.html", 1, "email")]


def test_an_edit_that_would_add_a_secret_or_personal_data_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"holds a secret \(github-token\)"):
        check_text(f"Use {GITHUB.text} to log in.", TextRules())
    with pytest.raises(ValidationError, match=r"holds personal data \(email\)"):
        check_text("Ask dana.r@client.io first.", TextRules())
    check_text("Ask the account manager first.", TextRules())


def test_finding_messages_and_paths_never_show_a_secret() -> None:
    key = GITHUB.secret
    finding = Finding("link-broken", f"notes/{key}.md", 3, f"unresolved link [[{key}]]")
    shown = finding.location() + finding.message + json.dumps(finding.to_json())
    assert key not in shown and "[REDACTED:github-token]" in shown
    assert finding.path == f"notes/{key}.md"  # the pipeline still knows the file


# --- files: containers, large files, bombs ------------------------------------------------


def _pdf(lines: list[str], *, compress: bool = True) -> bytes:
    """A one-page PDF showing ``lines``, its content stream Flate-compressed."""
    ops = "BT /F1 9 Tf 20 800 Td 11 TL\n" + "".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '\n"
        for line in lines
    )
    content = ops.encode() + b"ET\n"
    data = zlib.compress(content) if compress else content
    flate = b"/Filter /FlateDecode " if compress else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< " + flate + b"/Length " + str(len(data)).encode() + b" >>\nstream\n" + data
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
    ]  # fmt: skip
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.writelines(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def test_compressed_parts_are_scanned_and_bombs_stop_at_the_budget(tmp_path: Path) -> None:
    key = GITHUB
    pdf = _pdf(["Quarterly notes", f"token {key.text}"])
    assert key.secret.encode() not in pdf  # only inside the Flate stream
    (hit,) = scan_file_bytes(pdf)
    assert hit.kind == key.kind and hit.part.startswith("PDF stream")
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", f"<w:t>{key.text}</w:t>")
        archive.writestr("bomb.bin", b"\0" * 200_000_000)
    (hit,) = scan_file_bytes(docx.getvalue())
    assert (hit.kind, hit.part) == (key.kind, "word/document.xml")
    assert [h.kind for h in scan_file_bytes(gzip.compress(key.text.encode()))] == [key.kind]
    # A large file read in overlapping pieces: a secret across a boundary is found once.
    big = tmp_path / "big.log"
    with big.open("wb") as out:
        out.write(b"x\n" * 300_000 + key.text.encode() + b"\n" + b"y" * 100)
    old = secrets.CHUNK
    try:
        secrets.CHUNK = 600_010  # cuts the key in two
        hits = scan_file(big)
    finally:
        secrets.CHUNK = old
    assert [(h.kind, h.line) for h in hits] == [(key.kind, 300_001)]


def test_personal_site_scan_and_the_option(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_vault(site, {"contact/index.html": "<p>Write to dana.r@client.io</p>\n"})
    check_site(site)  # personal data is not a leak by default
    with pytest.raises(SecretLeakError) as caught:
        check_site(site, personal=True)
    assert caught.value.leaks == [Leak("contact/index.html", 1, "email")]
    assert not (site / "contact" / "index.html").exists()
    assert Options.from_mapping({"scan_personal_data": True}, "x").scan_personal_data
    with pytest.raises(Exception, match="scan_personal_data must be true or false"):
        Options.from_mapping({"scan_personal_data": "yes"}, "x")


# --- one vault with every sample in every place: check, build, outputs ----------------------


def _lines(samples: list[Sample], start: int, render) -> tuple[str, dict[int, int]]:
    """The samples written one after another by ``render`` from line ``start``; returns the
    text and the line where each sample (by index) starts."""
    out: list[str] = []
    where: dict[int, int] = {}
    for index, sample in enumerate(samples):
        where[index] = start + len(out)
        out += render(index, sample).split("\n")
    return "\n".join(out), where


def _yaml(index: int, sample: Sample) -> str:
    return f"s{index}: |\n" + "\n".join("  " + line for line in sample.text.split("\n"))


ATTACHMENTS = ("files/prod.env", "files/config.yaml", "files/export.csv", "files/agent.log")


@dataclass
class Leaky:
    vault: Path
    site: Path
    expected: dict[str, dict[int, int]]
    """File -> sample index -> line, for every place a sample was put."""
    check: subprocess.CompletedProcess[str]
    check_json: subprocess.CompletedProcess[str]
    build: subprocess.CompletedProcess[str]


def _definitive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env=PLAIN_ENV)


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Leaky:
    base = tmp_path_factory.mktemp("leaky")
    expected: dict[str, dict[int, int]] = {}
    files: dict[str, str | bytes] = {}
    body, expected["notes/In the body.md"] = _lines(CORPUS, 3, lambda i, s: s.text + "\n")
    files["notes/In the body.md"] = "# In the body\n\n" + body
    front, lines = _lines(CORPUS, 2, _yaml)
    expected["notes/In the frontmatter.md"] = {i: n + 1 for i, n in lines.items()}
    files["notes/In the frontmatter.md"] = f"---\n{front}\n---\n# In the frontmatter\n"
    code, expected["notes/In code.md"] = _lines(CORPUS, 4, lambda i, s: s.text)
    files["notes/In code.md"] = f"# In code\n\n```text\n{code}\n```\n"
    env, expected["files/prod.env"] = _lines(
        CORPUS, 1, lambda i, s: s.text if "=" in s.text.split("\n")[0] else f"VALUE_{i}={s.text}"
    )
    yaml, lines = _lines(CORPUS, 1, _yaml)
    expected["files/config.yaml"] = {i: n + 1 for i, n in lines.items()}
    csv, expected["files/export.csv"] = _lines(
        CORPUS, 2, lambda i, s: "\n".join(f'{i},"{line}"' for line in s.text.split("\n"))
    )
    log, expected["files/agent.log"] = _lines(
        CORPUS, 1, lambda i, s: f"2026-11-30T12:00:{i % 60:02d}Z INFO using {s.text}"
    )
    files.update(
        {
            "files/prod.env": env + "\n",
            "files/config.yaml": yaml + "\n",
            "files/export.csv": "id,value\n" + csv + "\n",
            "files/agent.log": log + "\n",
            "files/report.pdf": _pdf([line for s in CORPUS for line in s.text.split("\n")]),
        }
    )
    links = " ".join(f"[[{Path(p).name}]]" for p in (*ATTACHMENTS, "files/report.pdf"))
    key = GITHUB.secret
    files["notes/Attachments.md"] = f"# Attachments\n\n{links}\n\nSee [[{key}]] too.\n"
    files["notes/Innocent.md"] = _innocent_text()
    vault = write_vault(base / "vault", files)
    work = base / "work"
    work.mkdir()
    site = base / "site"
    return Leaky(
        vault,
        site,
        expected,
        _definitive("check", "--vault", str(vault), cwd=work),
        _definitive("check", "--vault", str(vault), "--format", "json", cwd=work),
        _definitive("build", "--vault", str(vault), "--site-dir", str(site), cwd=work),
    )


def test_check_reports_every_secret_with_file_line_and_kind(leaky: Leaky) -> None:
    assert leaky.check.returncode == 1
    findings = json.loads(leaky.check_json.stdout)["findings"]
    kind = re.compile(r"\(([a-z0-9-]+)\) at column")
    found = {(f["path"], f["line"], kind.findall(f["message"])[0])
             for f in findings if f["code"] == "secret"}  # fmt: skip
    assert all(f["severity"] == "error" for f in findings if f["code"] == "secret")
    for path, lines in leaky.expected.items():
        for index, line in lines.items():
            assert (path, line, CORPUS[index].kind) in found, (path, CORPUS[index])
    in_pdf = {kind for path, _, kind in found if path == "files/report.pdf"}
    assert in_pdf == set(SECRET_KINDS)
    assert not [f for f in findings if f["path"] == "notes/Innocent.md"]


def test_a_build_that_would_publish_a_secret_fails_and_leaves_none(leaky: Leaky) -> None:
    assert leaky.build.returncode == 1
    error = leaky.build.stderr
    assert "secret scan:" in error
    named = set(re.findall(r"^  (\S.*?):\d+: .*? \(([a-z0-9-]+)\)", error, re.MULTILINE))
    for page in ("notes/in-the-body.md", "notes/in-code.md", *ATTACHMENTS):
        kinds = {kind for path, kind in named if path == page}
        assert kinds == set(SECRET_KINDS), page
    assert {kind for path, kind in named if path == "files/report.pdf"} == set(SECRET_KINDS)
    # The page, its markdown copy and the attachments are gone; no file holds a secret.
    for gone in ("notes/in-the-body/index.html", "notes/in-the-body.md", *ATTACHMENTS):
        assert not (leaky.site / gone).exists(), gone
    assert (leaky.site / "notes" / "innocent" / "index.html").is_file()
    for path in leaky.site.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.name.endswith(".pf_fragment"):
                data = gzip.decompress(data)
            for sample in CORPUS:
                assert sample.secret.encode() not in data, (path, sample.kind)
    assert not (leaky.site / "pagefind-bundles.json").exists()  # nothing was indexed


def test_no_output_shows_a_secret(leaky: Leaky) -> None:
    outputs = {
        "check": leaky.check.stdout + leaky.check.stderr,
        "check --format json": leaky.check_json.stdout + leaky.check_json.stderr,
        "build": leaky.build.stdout + leaky.build.stderr,
    }
    for name, text in outputs.items():
        if name != "build":  # build shows the first 20 findings only
            assert "[REDACTED:github-token]" in text, name  # the broken link, named redacted
        for sample in CORPUS:
            assert sample.secret not in text, (name, sample.kind)
        assert "Traceback" not in text, name


def test_the_demo_vault_is_clean(demo: Built) -> None:
    assert not [f for f in demo.report.findings if f.code == "secret"]
    assert secrets.scan_site(demo.site) == []


def test_the_material_bundles_are_skipped_only_when_they_are_the_themes(demo: Built) -> None:
    bundle = next((demo.site / "assets" / "javascripts").glob("bundle.*.min.js"))
    rel = bundle.relative_to(demo.site).as_posix()
    assert secrets._is_theme_file(bundle, rel)
    copy = demo.site.parent / "copy"
    write_vault(copy, {rel: bundle.read_bytes() + f"\n// {GITHUB.text}\n".encode()})
    assert [leak.kind for leak in secrets.scan_site(copy)] == ["github-token"]


def test_a_failed_build_is_never_called_up_to_date(build_vault, tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"notes/Setup.md": f"# Setup\n\nUse {GITHUB.text} here.\n"}
    with pytest.raises(SecretLeakError) as caught:
        build_vault(files)
    assert sorted(leak.path for leak in caught.value.leaks) == [
        "notes/setup.md",
        "notes/setup/index.html",
    ]
    assert not (tmp_path / "site" / "notes" / "setup" / "index.html").exists()
    with pytest.raises(SecretLeakError):  # the same vault again: built again, failing again
        build_vault(files)
    assert GITHUB.secret not in str(caught.value)
