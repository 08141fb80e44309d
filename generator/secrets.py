"""Secrets and personal data: one rule set, used wherever text could leave the machine.

Used by the site scan after MkDocs (every published file: a leak fails the build), by
`definitive check` (a ``secret`` finding for every note or attachment that holds one), by the
build processes before a page reaches the search index, and by the consolidation (meta
articles are redacted before an LLM request; an edit whose text holds a secret is rejected).
Nothing here ever returns, prints or stores a secret's value: a `Hit` is a kind and a place.

How it is fast enough for a whole site (about 200 MB at 5,000 notes): every rule names the
literal *keywords* its match starts with (as gitleaks' rules do). One Aho-Corasick pass
(``ahocorasick_rs``, in Rust) over the lower-cased bytes finds every keyword at once; each
rule's regex then runs only where one of its keywords is, anchored there. A rule whose match
starts before its keyword (an email's ``@``) says how far back it may start (``back``).

The rules are Definitive's own, written from the formats the vendors document: neither
gitleaks' rule file (it cannot be carried into this repository here) nor detect-secrets (its
format plugins recognise 16 of the 69 formats below, not Anthropic, Hugging Face or Google
keys among them, and with its default plugins it scanned built pages at 0.02 MB/s) could be
used as they are; the test suite checks that every secret detect-secrets' own format plugins
find in its corpus is found here too. Vendor formats come first, then the generic
assignment rules (``password: ...``, ``API_TOKEN=...``) that need a real-looking value, then
personal data (emails, phone numbers), which only counts where asked for (``personal=True``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import math
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import ahocorasick_rs

from generator.errors import BuildError
from generator.wording import plural

if TYPE_CHECKING:
    from generator.findings import Findings


# --- value checks -------------------------------------------------------------------------


def entropy(value: str) -> float:
    """Shannon entropy in bits per character: random keys score 4-6, words and ids lower."""
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for char in value:
        counts[char] = counts.get(char, 0) + 1
    size = len(value)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


# What documentation and templates put where a secret goes: never a leak.
_PLACEHOLDER = re.compile(
    r"(?i)example|placeholder|changeme|change[_-]me|your[_-]?(?:own|pass|key|token|secret|api)"
    r"|redacted|dummy|xxxx|\*\*\*|\.\.\.|<|>|\$\{|\{\{|%\(|\$\(|env\(|environ|getenv"
    r"|process\.env|^\$|^%|^@|^&lt;"
)
# A value that names where the secret comes from rather than being it: ``settings.DB_PASS``,
# ``DB_PASSWORD``, ``os.environ["X"]``, ``get_token()``.
_REFERENCE = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?:\(\))?|[A-Z]+(?:_[A-Z0-9]+)*|.*[(\[].*"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.search(value)) or len(set(value)) <= 2


def _password_like(value: str) -> bool:
    """A password's value: not a placeholder, a reference, a plain word or a bare number."""
    if _placeholder(value) or _REFERENCE.fullmatch(value) or value.isdigit():
        return False
    has_letter = any(c.isalpha() for c in value)
    has_other = any(not (c.isalpha() or c == "_") for c in value)
    return has_letter and has_other


def _key_like(value: str) -> bool:
    """A token's or key's value: mixed letters and digits, not a placeholder or a UUID (ids
    are UUIDs far more often than secrets are)."""
    if _placeholder(value) or _REFERENCE.fullmatch(value) or _UUID.fullmatch(value):
        return False
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _jwt(value: str) -> bool:
    """A JSON Web Token's header decodes to a JSON object naming its algorithm or type."""
    header = value.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(decoded, dict) and ("alg" in decoded or "typ" in decoded)


def _basic_credentials(value: str) -> bool:
    """HTTP basic auth: base64 of ``user:password``, printable."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        text = decoded.decode("utf-8")
    except (ValueError, binascii.Error):
        return False
    user, sep, password = text.partition(":")
    return bool(sep and user and password and text.isprintable()) and not _placeholder(password)


def _url_password(value: str) -> bool:
    return bool(value) and not _placeholder(value) and value.lower() not in _WORDS


_WORDS = {"password", "passwd", "pass", "pwd", "secret", "token", "user", "username"}

# File extensions that follow ``name@2x`` in asset names: not an email's top-level domain.
_NOT_TLD = {
    "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "css", "js", "mjs", "json",
    "md", "html", "htm", "pdf", "txt", "xml", "yml", "yaml", "map", "woff", "woff2", "ttf",
}  # fmt: skip


def _email(value: str) -> bool:
    return value.rsplit(".", 1)[-1].lower() not in _NOT_TLD


def _phone(value: str) -> bool:
    digits = sum(c.isdigit() for c in value)
    if not 9 <= digits <= 15:
        return False
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", value):  # an IPv4 address
        return False
    return value[0] in "+(" or bool(re.fullmatch(r"\d{3}[-. ]\d{3}[-. ]\d{4}", value))


# --- the rules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    kind: str
    """Stable name, shown in findings and in ``[REDACTED:kind]``."""
    label: str
    keywords: tuple[str, ...]
    """Lower-case literals; the match starts at one of them (or up to ``back`` bytes before).
    With ``digits``, matched with every digit read as ``0``."""
    pattern: str
    group: int = 0
    """The secret itself (what is redacted and checked): 0 for the whole match."""
    min_entropy: float = 0.0
    """Of the secret, for rules that match words too (assignments): a random key scores 4 to
    6 bits a character, an identifier or a sentence less. Vendor formats need none: their
    prefix is the evidence, and `_placeholder` keeps ``ghp_xxxx...`` templates out."""
    check: Callable[[str], bool] | None = None
    back: int = 0
    span: int = 600
    """The longest match, from its keyword on."""
    personal: bool = False
    digits: bool = False
    """Keywords are matched with every digit read as ``0`` (``"0-0"``: two digits and a dash)."""
    flags: int = 0


_B = r"(?<![A-Za-z0-9_-])"  # the token starts here, not inside a longer word
_E = r"(?![A-Za-z0-9_-])"
# ``key = value``, ``key: value``, ``"key": "value"``, ``key => value`` and ``.env`` lines.
_ASSIGN = r"[\w.-]{0,30}?[\"'\]]{0,2}[ \t]*(?:=>|:=|[:=])[ \t]*[\"'`]?"


def _rule(
    kind: str, label: str, keywords: str | tuple[str, ...], pattern: str, **options: object
) -> Rule:
    """A rule; ``keywords`` as one string are separated by spaces."""
    words = tuple(keywords.split()) if isinstance(keywords, str) else keywords
    return Rule(kind, label, words, pattern, **options)  # type: ignore[arg-type]


RULES: tuple[Rule, ...] = (
    # Private keys: the header is enough; the whole block is redacted when it is there.
    _rule(
        "private-key",
        "private key",
        "-----begin",
        r"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[\s\S]*?-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----)?",
        span=20000,
    ),
    _rule("putty-private-key", "PuTTY private key", "putty-user-key-file-",
          r"PuTTY-User-Key-File-\d+: ?[\w-]+"),
    # Cloud providers.
    _rule("aws-access-key-id", "AWS access key ID", "akia asia abia acca a3t",
          r"(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
    _rule(
        "aws-secret-access-key",
        "AWS secret access key",
        "aws_secret aws-secret awssecret secret_access_key secret-access-key secretaccesskey",
        r"(?i:aws[_-]?secret(?:[_-]?access)?(?:[_-]?key)?|secret[_-]?access[_-]?key)" + _ASSIGN
        + r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        group=1,
        min_entropy=3.5,
    ),
    _rule("azure-storage-key", "Azure storage account key (connection string)", "accountkey=",
          r"(?i:accountkey)=([A-Za-z0-9+/]{80,100}={0,2})", group=1, min_entropy=3.5),
    _rule("azure-shared-access-key", "Azure shared access key (connection string)",
          "sharedaccesskey=", r"(?i:sharedaccesskey)=([A-Za-z0-9+/]{40,}={0,2})", group=1,
          min_entropy=3.5),
    _rule("azure-sas-signature", "Azure SAS token signature", "sig=",
          r"(?<=[?&;])sig=([A-Za-z0-9%+/]{40,}(?:%3D|=){0,2})", group=1, min_entropy=3.5),
    _rule("azure-ad-client-secret", "Azure AD client secret", "q~",
          r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
          back=4),
    _rule("google-api-key", "Google API key", "aiza", r"AIza[0-9A-Za-z_-]{35}" + _E),
    _rule("google-oauth-client-secret", "Google OAuth client secret", "gocspx-",
          r"GOCSPX-[A-Za-z0-9_-]{28}"),
    _rule("google-oauth-token", "Google OAuth access token", "ya29.",
          r"ya29\.[0-9A-Za-z_-]{30,}"),
    _rule("alibaba-access-key-id", "Alibaba Cloud access key ID", "ltai",
          r"(?<![A-Za-z0-9])LTAI[A-Za-z0-9]{20}(?![A-Za-z0-9])"),
    _rule("digitalocean-token", "DigitalOcean token", "dop_v1_ doo_v1_ dor_v1_",
          r"do[opr]_v1_[a-f0-9]{64}"),
    _rule("heroku-api-key", "Heroku API key", "hrku-", r"HRKU-[A-Za-z0-9_-]{60,}"),
    _rule("flyio-token", "Fly.io token", "fo1_", r"fo1_[A-Za-z0-9_-]{43}"),
    # AI providers.
    _rule("anthropic-api-key", "Anthropic API key", "sk-ant-", r"sk-ant-[A-Za-z0-9_-]{16,}"),
    _rule("openrouter-api-key", "OpenRouter API key", "sk-or-v1-", r"sk-or-v1-[0-9a-f]{64}"),
    _rule(
        "openai-api-key",
        "OpenAI API key",
        "sk-",
        _B + r"sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}"
        r"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{32,}" + _E + ")",
    ),
    _rule("huggingface-token", "Hugging Face token", "hf_",
          r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{34,}(?![A-Za-z0-9])"),
    _rule("huggingface-org-token", "Hugging Face organisation token", "api_org_",
          r"api_org_[A-Za-z0-9]{34,}"),
    _rule("groq-api-key", "Groq API key", "gsk_", r"(?<![A-Za-z0-9_])gsk_[A-Za-z0-9]{48,}"),
    _rule("xai-api-key", "xAI API key", "xai-", _B + r"xai-[A-Za-z0-9]{70,}"),
    _rule("perplexity-api-key", "Perplexity API key", "pplx-", r"pplx-[A-Za-z0-9]{40,}"),
    _rule("replicate-api-token", "Replicate API token", "r8_",
          r"(?<![A-Za-z0-9_])r8_[A-Za-z0-9]{37,}"),
    # Code hosting and package registries.
    _rule("github-token", "GitHub token", "ghp_ gho_ ghu_ ghs_ ghr_",
          r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9])"),
    _rule("github-fine-grained-token", "GitHub fine-grained token", "github_pat_",
          r"github_pat_[A-Za-z0-9_]{22,255}"),
    _rule(
        "gitlab-token",
        "GitLab token",
        "glpat- gldt- glrt- glptt- glcbt- glimt- gloas- glsoat- glft- glagent- glffct- gr1348941",
        r"(?:gl(?:pat|dt|rt|ptt|cbt|imt|oas|soat|ft|agent|ffct)-|GR1348941)[A-Za-z0-9_.-]{20,}",
    ),
    _rule("npm-token", "npm access token", "npm_",
          r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    _rule("npmrc-auth-token", "npm auth token (.npmrc)", "_authtoken",
          r"(?i:_authtoken)[ \t]*=[ \t]*[\"']?([^\s\"']{16,})", group=1, check=_key_like),
    _rule("pypi-token", "PyPI token", "pypi-ag", r"pypi-Ag[A-Za-z0-9_-]{50,}"),
    _rule("rubygems-api-key", "RubyGems API key", "rubygems_", r"rubygems_[0-9a-f]{48}"),
    _rule("dockerhub-token", "Docker Hub token", "dckr_pat_", r"dckr_pat_[A-Za-z0-9_-]{27,}"),
    _rule("atlassian-api-token", "Atlassian API token", "atatt3", r"ATATT3[A-Za-z0-9_=-]{100,}"),
    _rule("linear-api-key", "Linear API key", "lin_api_", r"lin_api_[A-Za-z0-9]{40}"),
    _rule("notion-token", "Notion token", "ntn_", r"ntn_[0-9]{11}[A-Za-z0-9]{35}"),
    _rule("figma-token", "Figma token", "figd_", r"figd_[A-Za-z0-9_-]{40,}"),
    _rule("sentry-token", "Sentry token", "sntrys_ sntryu_",
          r"sntry(?:s_eyJ[A-Za-z0-9_=+/-]{50,}|u_[a-f0-9]{64})"),
    _rule("postman-api-key", "Postman API key", "pmak-", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}"),
    _rule("databricks-token", "Databricks token", "dapi",
          r"(?<![A-Za-z0-9])dapi[a-f0-9]{32}(?:-\d)?(?![A-Za-z0-9])"),
    _rule("grafana-token", "Grafana token", "glc_ glsa_",
          r"(?:glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})"),
    _rule("newrelic-key", "New Relic key", "nrak- nrjs- nrii-", r"NR(?:AK|JS|II)-[A-Za-z0-9]{20,}"),
    _rule("planetscale-token", "PlanetScale token", "pscale_",
          r"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.=-]{32,}"),
    _rule("terraform-cloud-token", "Terraform Cloud token", ".atlasv1.",
          r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,}", back=14),
    _rule("hashicorp-vault-token", "HashiCorp Vault token", "hvs. hvb.",
          r"(?<![A-Za-z0-9_.])hv[sb]\.[A-Za-z0-9_-]{24,}"),
    _rule("doppler-token", "Doppler token", "dp.pt. dp.st. dp.sa. dp.ct.",
          r"dp\.(?:pt|st|sa|ct)\.[A-Za-z0-9]{40,}"),
    _rule("pulumi-token", "Pulumi token", "pul-", r"(?<![A-Za-z0-9])pul-[a-f0-9]{40}"),
    _rule("onepassword-token", "1Password service account token", "ops_eyj",
          r"ops_eyJ[A-Za-z0-9+/=_-]{100,}"),
    _rule("age-secret-key", "age secret key", "age-secret-key-1",
          r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
    # Payments, messaging, email.
    _rule("stripe-secret-key", "Stripe secret key",
          "sk_live_ rk_live_ sk_test_ rk_test_ sk_prod_ rk_prod_",
          r"[sr]k_(?:live|test|prod)_[A-Za-z0-9]{20,}"),
    _rule("stripe-webhook-secret", "Stripe webhook secret", "whsec_", r"whsec_[A-Za-z0-9+/=]{24,}"),
    _rule("square-token", "Square token", "sq0atp- sq0csp-", r"sq0(?:atp|csp)-[0-9A-Za-z_-]{22,}"),
    _rule("shopify-token", "Shopify token", "shpat_ shpca_ shppa_ shpss_",
          r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
    _rule("slack-token", "Slack token", "xoxb- xoxp- xoxa- xoxo- xoxs- xoxr- xoxe- xoxe.",
          r"xox[abposre](?:\.xox[a-z])?-[0-9A-Za-z-]{10,}"),
    _rule("slack-app-token", "Slack app token", "xapp-", r"xapp-\d-[A-Za-z0-9-]{20,}"),
    _rule("slack-webhook-url", "Slack webhook URL", "hooks.slack.com/",
          r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/+-]{20,}"),
    _rule("discord-webhook-url", "Discord webhook URL",
          "discord.com/api/webhooks/ discordapp.com/api/webhooks/",
          r"discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{60,}"),
    _rule("telegram-bot-token", "Telegram bot token", ":aa",
          r"(?<![0-9])\d{8,10}:AA[A-Za-z0-9_-]{33}" + _E, back=10),
    _rule("twilio-api-key", "Twilio API key", "sk",
          r"(?<![A-Za-z0-9])SK[0-9a-fA-F]{32}(?![A-Za-z0-9])"),
    _rule(
        "twilio-auth-token",
        "Twilio auth token",
        "twilio",
        r"(?i:twilio)[\w.-]{0,30}?(?i:auth|token|secret)" + _ASSIGN
        + r"([0-9a-f]{32})(?![0-9A-Za-z])",
        group=1,
    ),
    _rule("sendgrid-api-key", "SendGrid API key", "sg.",
          r"(?<![A-Za-z0-9])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}" + _E),
    _rule("brevo-api-key", "Brevo (Sendinblue) API key", "xkeysib-",
          r"xkeysib-[0-9a-f]{64}-[A-Za-z0-9]{16}"),
    _rule("mailgun-api-key", "Mailgun API key", "key-",
          r"(?<![A-Za-z0-9_-])key-[0-9a-f]{32}(?![A-Za-z0-9])"),
    _rule("mailchimp-api-key", "Mailchimp API key", "-us",
          r"(?<![0-9a-f])[0-9a-f]{32}-us\d{1,2}(?![0-9A-Za-z])", back=32),
    # Generic forms: a token, a credential in a URL or a header, an assignment.
    _rule(
        "jwt",
        "JSON Web Token",
        "eyj",
        _B + r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
        check=_jwt,
        span=8000,
    ),
    _rule(
        "url-credentials",
        "password in a URL (scheme://user:password@host)",
        "://",
        r"://[^\s:/?#@\"'<>\\]{1,128}:([^\s/?#@\"'<>\\]{1,256})@",
        group=1,
        check=_url_password,
    ),
    _rule("basic-auth-header", "HTTP basic auth credentials", "basic ",
          r"(?i:basic) +([A-Za-z0-9+/]{12,}={0,2})(?![A-Za-z0-9+/=])", group=1,
          check=_basic_credentials),
    _rule("bearer-token", "bearer token", "bearer ",
          r"(?i:bearer) +([A-Za-z0-9_~+/.-]{20,}=*)(?![A-Za-z0-9_~+/.=-])", group=1,
          min_entropy=3.5, check=_key_like),
    _rule(
        "password-assignment",
        "password",
        "passw pwd passphrase _pass",
        r"(?i:passw(?:or)?d|pwd|passphrase|_pass\b)" + _ASSIGN + r"([^\s\"'`<>,;(){}\[\]]{6,128})",
        group=1,
        min_entropy=2.0,
        check=_password_like,
    ),
    _rule(
        "secret-assignment",
        "secret, token or API key",
        "secret token _key -key apikey accesskey credential",
        r"(?i:secret|token|[_-]key|apikey|accesskey|credentials?)" + _ASSIGN
        + r"([A-Za-z0-9_+/=.~-]{16,256})(?![A-Za-z0-9_+/=.~-])",
        group=1,
        min_entropy=3.5,
        check=_key_like,
    ),
    # Personal data.
    _rule(
        "email",
        "email address",
        "@",
        r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])",
        check=_email,
        back=64,
        personal=True,
    ),
    _rule(
        "phone-number",
        "phone number",
        ("+0", "(0", "000-000", "000.000", "000 000"),
        r"(?<![\w+/.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,5}){1,4}"
        r"(?![\w/-])(?!\.\d)",
        check=_phone,
        back=24,
        span=40,
        personal=True,
        digits=True,
    ),
)  # fmt: skip

KINDS: dict[str, Rule] = {rule.kind: rule for rule in RULES}
SECRET_KINDS = tuple(rule.kind for rule in RULES if not rule.personal)
PERSONAL_KINDS = tuple(rule.kind for rule in RULES if rule.personal)
RULES_VERSION = hashlib.sha256(
    repr([(r.kind, r.keywords, r.pattern, r.group, r.min_entropy, r.back) for r in RULES]).encode()
).hexdigest()[:12]
"""Changes with the rules: part of the parsed-note cache's key, so a note's ``secret``
findings are never older than the rules."""


def label(kind: str) -> str:
    """What a kind is, in words (``anthropic-api-key`` -> ``Anthropic API key``)."""
    rule = KINDS.get(kind)
    return rule.label if rule is not None else kind


# --- the engine ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    index: int
    regex: re.Pattern[bytes]


class _Engine:
    def __init__(self, rules: Iterable[Rule]) -> None:
        compiled = [
            _Compiled(rule, i, re.compile(rule.pattern.encode("ascii"), rule.flags))
            for i, rule in enumerate(rules)
        ]
        self.plain = _Keywords([c for c in compiled if not c.rule.digits])
        self.digits = _Keywords([c for c in compiled if c.rule.digits])

    def spans(self, data: bytes, personal: bool) -> list[tuple[int, int, int]]:
        """(start, end, rule index) of every secret, overlapping ones merged."""
        lowered = data.lower()
        found = self.plain.find(data, lowered, personal)
        if personal and self.digits.rules:
            found += self.digits.find(data, lowered.translate(_DIGITS), personal)
        found.sort()
        merged: list[tuple[int, int, int]] = []
        for start, end, index in found:
            if merged and start < merged[-1][1]:
                first, last, kind = merged[-1]
                merged[-1] = (first, max(last, end), kind if first < start else min(kind, index))
            else:
                merged.append((start, end, index))
        return merged


_DIGITS = bytes.maketrans(b"123456789", b"000000000")


class _Keywords:
    """Rules found through their keywords: one Aho-Corasick automaton for all of them."""

    def __init__(self, rules: list[_Compiled]) -> None:
        self.rules = rules
        keywords = sorted({k for c in rules for k in c.rule.keywords})
        self.by_keyword = [tuple(c for c in rules if k in c.rule.keywords) for k in keywords]
        # The DFA is three times as fast as the default NFA here (0.5 s for 180 MB).
        self.automaton = ahocorasick_rs.BytesAhoCorasick(
            [k.encode("ascii") for k in keywords],
            implementation=ahocorasick_rs.Implementation.DFA,
        )

    def find(self, data: bytes, haystack: bytes, personal: bool) -> list[tuple[int, int, int]]:
        found: list[tuple[int, int, int]] = []
        size = len(data)
        for number, at, _ in self.automaton.find_matches_as_indexes(haystack, overlapping=True):
            for c in self.by_keyword[number]:
                rule = c.rule
                if rule.personal and not personal:
                    continue
                if rule.back:
                    window = c.regex.finditer(
                        data, max(0, at - rule.back), min(size, at + rule.span)
                    )
                    matches = [m for m in window if m.start() <= at < m.end()]
                else:
                    one = c.regex.match(data, at, min(size, at + rule.span))
                    matches = [one] if one is not None else []
                for match in matches:
                    if _accept(rule, match):
                        found.append((match.start(rule.group), match.end(rule.group), c.index))
        return found


def _accept(rule: Rule, match: re.Match[bytes]) -> bool:
    value = match.group(rule.group).decode("utf-8", errors="replace")
    if rule.min_entropy and entropy(value) < rule.min_entropy:
        return False
    if rule.check is not None:
        return rule.check(value)
    return rule.personal or rule.kind == "private-key" or not _placeholder(value)


@cache
def _engine() -> _Engine:
    return _Engine(RULES)


# --- scanning text ------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """Where a secret is, and what kind: never its value."""

    kind: str
    line: int
    """From 1."""
    column: int
    """From 1, in characters for text, in bytes for bytes."""
    part: str = ""
    """Inside a container file: the ZIP member or PDF stream it was found in."""

    @property
    def label(self) -> str:
        return label(self.kind)

    @property
    def personal(self) -> bool:
        return self.kind in PERSONAL_KINDS


def scan(text: str | bytes, *, personal: bool = False) -> list[Hit]:
    """Every secret in ``text`` (with ``personal``, emails and phone numbers too), in order.
    Bytes are scanned as they are (any encoding that keeps ASCII as ASCII)."""
    data = text.encode("utf-8", errors="surrogatepass") if isinstance(text, str) else text
    return _hits(data, _engine().spans(data, personal), characters=isinstance(text, str))


def _hits(
    data: bytes, spans: list[tuple[int, int, int]], characters: bool, part: str = ""
) -> list[Hit]:
    hits: list[Hit] = []
    line, counted = 1, 0
    for start, _, index in spans:
        line += data.count(b"\n", counted, start)
        counted = start
        line_start = data.rfind(b"\n", 0, start) + 1
        prefix = data[line_start:start]
        column = len(prefix.decode("utf-8", errors="replace")) if characters else len(prefix)
        hits.append(Hit(RULES[index].kind, line, column + 1, part))
    return hits


def redact(text: str, *, personal: bool = True) -> str:
    """``text`` with every secret (and, unless ``personal=False``, every email and phone
    number) replaced by ``[REDACTED:kind]``."""
    data = text.encode("utf-8", errors="surrogatepass")
    spans = _engine().spans(data, personal)
    if not spans:
        return text
    pieces: list[bytes] = []
    cursor = 0
    for start, end, index in spans:
        while end < len(data) and data[end] & 0xC0 == 0x80:  # never split a character
            end += 1
        pieces += [data[cursor:start], f"[REDACTED:{RULES[index].kind}]".encode()]
        cursor = end
    pieces.append(data[cursor:])
    return b"".join(pieces).decode("utf-8", errors="surrogatepass")


def report(path: str, content: str | bytes | Path, findings: Findings) -> None:
    """A ``secret`` finding (an error) for each secret in a vault file's content: a note's
    text (frontmatter, body and code alike), or an attachment's bytes or file (read in
    pieces, so a large one need not fit in memory)."""
    for hit in scan(path):
        findings.add(
            "secret",
            path,
            None,
            f"the file name holds a {hit.label} ({hit.kind}): rename the file and revoke it",
            "error",
        )
    if isinstance(content, Path):
        try:
            hits = scan_file(content)
        except OSError:
            return  # the loader reports what it cannot read
    else:
        hits = scan(content) if isinstance(content, str) else scan_file_bytes(content)
    for hit in hits:
        where = f" (in {hit.part})" if hit.part else ""
        findings.add(
            "secret",
            path,
            hit.line,
            f"{hit.label} ({hit.kind}) at column {hit.column}{where}: remove it from the vault "
            "and revoke it; a build that would publish it fails",
            "error",
        )


# --- scanning files -----------------------------------------------------------------------

MAX_EXPANDED = 64_000_000
"""Bytes inflated from one file's compressed parts (PDF streams, ZIP members, gzip) at most:
a compression bomb costs this much and no more."""
CHUNK = 32_000_000
"""Files larger than this are read and scanned in pieces (overlapping by `OVERLAP`)."""
OVERLAP = 65_536
MAX_CONTAINER = 256_000_000
"""Larger PDFs and archives are scanned as raw bytes only."""
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")


def scan_file_bytes(data: bytes, *, personal: bool = False, expand: bool = True) -> list[Hit]:
    """A file's secrets: its raw bytes, and (``expand``) what its compressed parts hold (the
    Flate streams of a PDF, the members of a ZIP archive such as .docx/.xlsx/.odt, a gzip
    file)."""
    hits = scan(data, personal=personal)
    if len(data) > MAX_CONTAINER or not expand:
        return hits
    for part, line, inner in _expanded(data):
        for hit in scan(inner, personal=personal):
            hits.append(Hit(hit.kind, line or hit.line, hit.column if not line else 1, part))
    return hits


def _expanded(data: bytes) -> Iterable[tuple[str, int, bytes]]:
    """(part name, line in the file or 0, inflated bytes) for each compressed part."""
    budget = MAX_EXPANDED
    if data.startswith(b"%PDF") or data[:1024].find(b"%PDF-") >= 0:
        for match in _PDF_STREAM.finditer(data):
            if budget <= 0:
                return
            end = data.find(b"endstream", match.end())
            if end < 0:
                return
            try:
                inner = zlib.decompressobj().decompress(data[match.end() : end], budget)
            except zlib.error:
                continue  # not Flate (or damaged): its raw bytes were scanned
            budget -= len(inner)
            line = data.count(b"\n", 0, match.start()) + 1
            yield f"PDF stream at line {line}", line, inner
    elif data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    if budget <= 0 or info.is_dir():
                        continue
                    try:
                        with archive.open(info) as member:
                            inner = member.read(budget)
                    except (
                        zipfile.BadZipFile,
                        NotImplementedError,
                        RuntimeError,
                        OSError,
                        EOFError,
                        zlib.error,
                    ):
                        continue
                    budget -= len(inner)
                    yield info.filename, 0, inner
        except (zipfile.BadZipFile, OSError, ValueError):
            return
    elif data.startswith(b"\x1f\x8b"):
        try:
            yield "gzip content", 0, zlib.decompressobj(wbits=31).decompress(data, budget)
        except zlib.error:
            return


def scan_file(path: Path, *, personal: bool = False, expand: bool = True) -> list[Hit]:
    """`scan_file_bytes` of a file, reading a very large one in overlapping pieces (its raw
    bytes only, past `MAX_CONTAINER`)."""
    size = path.stat().st_size
    if size <= max(CHUNK, MAX_CONTAINER if expand and _container(path) else 0):
        return scan_file_bytes(path.read_bytes(), personal=personal, expand=expand)
    hits: dict[tuple[int, str], Hit] = {}
    with path.open("rb") as stream:
        offset, line = 0, 1
        previous = b""
        while True:
            piece = stream.read(CHUNK)
            if not piece:
                break
            data = previous + piece
            base = offset - len(previous)
            for start, _, index in _engine().spans(data, personal):
                where = base + start
                if (where, RULES[index].kind) not in hits:
                    at_line = line + data.count(b"\n", 0, start)
                    column = start - data.rfind(b"\n", 0, start)
                    hits[(where, RULES[index].kind)] = Hit(RULES[index].kind, at_line, column)
            previous = data[-OVERLAP:]
            line += data.count(b"\n", 0, len(data) - len(previous))
            offset += len(piece)
    return sorted(hits.values(), key=lambda h: (h.line, h.column))


def _container(path: Path) -> bool:
    with path.open("rb") as stream:
        head = stream.read(1024)
    return head.startswith((b"PK\x03\x04", b"\x1f\x8b")) or b"%PDF-" in head


# --- the site scan ------------------------------------------------------------------------

THEME_DIRS = ("assets/javascripts/", "assets/stylesheets/")
"""Where Material's own bundles are: large, minified, full of random-looking strings. A file
there is skipped only when it *is* the theme's file (same bytes); anything else is scanned."""
PAGEFIND_FILES = re.compile(r"pagefind(?:-\d+)?/.*\.(?:pf_fragment|pf_index|pf_meta|pf_filter)")
"""Pagefind's gzipped index chunks (from the last build, or streamed from pages scanned clean
before): read as raw bytes, not inflated, which would cost seconds on a big site."""


@dataclass(frozen=True)
class Leak:
    path: str
    """Site-relative path of the file."""
    line: int
    kind: str
    part: str = ""

    def __str__(self) -> str:
        where = f" (in {redact(self.part)})" if self.part else ""
        return f"{redact(self.path)}:{self.line}: {label(self.kind)} ({self.kind}){where}"


class SecretLeakError(BuildError):
    def __init__(self, leaks: list[Leak], removed: list[str]) -> None:
        listed = "\n".join(f"  {leak}" for leak in leaks)
        super().__init__(
            f"secret scan: {plural(len(leaks), 'secret')} found in the built site; the "
            f"{plural(len(removed), 'file')} holding them (and their page or markdown copy) "
            "were removed. Remove each "
            f"from the vault (`definitive check` names the notes) and revoke it:\n{listed}"
        )
        self.leaks = leaks
        self.removed = removed


@cache
def _theme_root() -> Path | None:
    try:
        import material  # type: ignore[import-untyped]
    except ImportError:
        return None
    return Path(material.__file__).resolve().parent / "templates"


VENDORED_DIR = "assets/definitive/vendor/"
"""Where the site's copies of KaTeX and mermaid go (render/pages.py): skipped, like the
theme's bundles, only when each is byte for byte the file Definitive ships."""


def _is_theme_file(path: Path, rel: str) -> bool:
    if rel.startswith(VENDORED_DIR):
        from generator.config import site_templates_dir

        original = site_templates_dir() / "assets" / "vendor" / rel[len(VENDORED_DIR) :]
    else:
        root = _theme_root()
        if root is None or not rel.startswith(THEME_DIRS):
            return False
        original = root / rel
    try:
        return original.stat().st_size == path.stat().st_size and (
            original.read_bytes() == path.read_bytes()
        )
    except OSError:
        return False


def scan_site(
    site_dir: Path,
    skip: Iterable[str] = (),
    *,
    personal: bool = False,
    files: Iterable[str] | None = None,
) -> list[Leak]:
    """Every secret in the site's files (of any type) but those in ``skip`` (site paths
    scanned already) and Material's own theme bundles; with ``files``, in those site paths
    only (what a rebuild wrote) instead of every file."""
    skipped = set(skip)
    leaks: list[Leak] = []
    paths = site_dir.rglob("*") if files is None else (site_dir / f for f in files)
    for path in sorted(paths):
        rel = path.relative_to(site_dir).as_posix()
        if rel in skipped or not path.is_file() or _is_theme_file(path, rel):
            continue
        hits = scan_file(path, personal=personal, expand=not PAGEFIND_FILES.match(rel))
        leaks += [Leak(rel, hit.line, hit.kind, hit.part) for hit in hits]
    return leaks


def companions(rel: str) -> list[str]:
    """The other files of the same page: its HTML and its markdown copy beside it."""
    if rel.endswith(".md"):
        stem = rel[:-3]
        return [f"{stem}.html", f"{stem}/index.html"]
    if rel.endswith("/index.html") or rel == "index.html":
        folder = rel[: -len("index.html")]
        return [f"{folder.rstrip('/')}.md", f"{folder}index.md"] if folder else ["index.md"]
    if rel.endswith(".html"):
        return [f"{rel[:-5]}.md"]
    return []


def remove_leaking(site_dir: Path, leaks: Iterable[Leak]) -> list[str]:
    """Delete the files that leak and their companions; returns the site paths removed."""
    removed = []
    for rel in sorted({leak.path for leak in leaks}):
        for name in (rel, *companions(rel)):
            target = site_dir / name
            if target.is_file():
                target.unlink()
                removed.append(name)
    return removed


def check_site(
    site_dir: Path,
    skip: Iterable[str] = (),
    *,
    personal: bool = False,
    files: Iterable[str] | None = None,
) -> None:
    """Raise `SecretLeakError` (after removing the leaking files) when the site holds a secret
    (``skip``: site paths already scanned clean; ``personal``: emails and phone numbers too;
    ``files``: scan only these site paths)."""
    leaks = scan_site(site_dir, skip, personal=personal, files=files)
    if leaks:
        raise SecretLeakError(leaks, remove_leaking(site_dir, leaks))
