"""The password policy a registration must meet (checked by the request model, at the edge)."""

from __future__ import annotations

MIN_LENGTH = 10
MAX_LENGTH = 256
POLICY = (
    f"{MIN_LENGTH} to {MAX_LENGTH} characters, at least 4 different characters, not a "
    "commonly used password, and not containing the email's name (the part before @)"
)

# Words that top every list of leaked passwords; with digits or symbols around them they are
# still the first guesses an attacker tries ("Password123!", "qwerty2026").
_COMMON = """
    password passw0rd p@ssword p@ssw0rd qwerty qwertyuiop qwertz azerty asdfgh asdfghjkl
    zxcvbnm qazwsx 1qaz2wsx 1q2w3e4r 1q2w3e4r5t letmein welcome iloveyou admin administrator
    azora dragon monkey football baseball soccer sunshine princess superman batman starwars
    trustno1 abc123 abcdef changeme master shadow secret login hello freedom whatever
    computer internet michael jordan pokemon minecraft liverpool chelsea summer winter
"""
COMMON_WORDS = frozenset(_COMMON.split())
# Digits and symbols stripped from both ends before the word check.
_AROUND = "0123456789!@#$%^&*()-_=+.,;:?~ "
_DIGITS = "01234567890123456789"
_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"
# Runs people type instead of choosing: digits up or down, keyboard rows either way.
_RUNS = (_DIGITS, _DIGITS[::-1], _KEYBOARD, _KEYBOARD[::-1])


def is_common(password: str) -> bool:
    """Whether `password` is a commonly used one: a common word padded with digits or
    symbols, or a run of digits or keyboard keys (padded or not)."""
    lowered = password.lower()
    core = lowered.strip(_AROUND)
    if lowered in COMMON_WORDS or core in COMMON_WORDS:
        return True
    candidates = [lowered] + ([core] if len(core) >= 6 else [])
    return any(candidate in run for candidate in candidates for run in _RUNS)


def policy_violations(password: str, email: str) -> list[str]:
    """Why `password` is not acceptable (empty when it is).

    The policy (documented in the README and in the OpenAPI document as `POLICY`).
    """
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters")
    if len(set(password)) < 4:
        problems.append("must use at least 4 different characters")
    if is_common(password):
        problems.append("must not be a commonly used password")
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in password.lower():
        problems.append("must not contain your email name")
    return problems
