"""NANP exchanges (area code + central office code) per region, read from phonenumbers' metadata.

phonenumbers describes each region's numbers with a regular expression over the national number,
e.g. Canada's fixed-line pattern ``(?:2(?:04|[23]6|...)|...)[2-9]\\d{6}``. Drawing from such a pattern
with `st.from_regex` follows its shape, not the numbering plan: the first alternative of the US pattern
(area code 983) would get half of all draws. Instead the pattern is expanded here into its six-digit
prefixes: first the area codes (NPA), then, per area code, the central office codes (NXX), so a strategy
can draw an area code uniformly, then an exchange, then a four-digit line number.

Only the small regex subset phonenumbers uses for national numbers is understood: digits, ``\\d``,
character classes of digits, non-capturing groups, ``|``, ``?`` and ``{n}``/``{n,m}``. Anything else
raises `UnsupportedPattern`, and the caller falls back to `st.from_regex`.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

__all__ = ["UnsupportedPattern", "area_codes", "exchange_codes", "geographic_patterns", "nanp_regions"]

_DIGITS = frozenset("0123456789")


class UnsupportedPattern(ValueError):
    """The pattern uses regex syntax outside the subset this expander understands."""


@lru_cache(maxsize=1)
def nanp_regions() -> frozenset[str]:
    """Region codes sharing country calling code 1, as phonenumbers knows them."""
    return frozenset(phonenumbers.region_codes_for_country_code(1))


def geographic_patterns(region: str) -> tuple[str, ...]:
    """The distinct fixed-line and mobile national-number patterns of `region`."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return ()
    patterns: list[str] = []
    for desc in (metadata.fixed_line, metadata.mobile):
        pattern = None if desc is None else desc.national_number_pattern
        if pattern and pattern not in patterns:
            patterns.append(pattern)
    return tuple(patterns)


@lru_cache(maxsize=64)
def area_codes(region: str) -> tuple[str, ...]:
    """Sorted three-digit area codes (NPAs) that start some geographic number of `region`."""
    return _expand(region, width=3, required="")


@lru_cache(maxsize=2048)
def exchange_codes(region: str, area_code: str) -> tuple[str, ...]:
    """Sorted three-digit central office codes (NXXs) that follow `area_code` in `region`."""
    return tuple(prefix[3:] for prefix in _expand(region, width=6, required=area_code))


def _expand(region: str, *, width: int, required: str) -> tuple[str, ...]:
    prefixes: set[str] = set()
    for pattern in geographic_patterns(region):
        prefixes |= _Expander(pattern, width, required).prefixes()
    return tuple(sorted(prefix for prefix in prefixes if len(prefix) == width))


class _Expander:
    """Computes the length-`width` prefixes of the strings a pattern matches, by recursive descent.

    Only prefixes agreeing with `required` are kept (all of them when it is empty).

    The state is the set of prefixes built so far; one shorter than `width` is still open and gets
    extended by the next atom, one of full width is settled and passes through unchanged. Sets stay
    small (tens of thousands at most) because nothing past `width` digits is ever spelled out.
    """

    def __init__(self, pattern: str, width: int, required: str) -> None:
        self.pattern = pattern
        self.width = width
        self.required = required
        self.position = 0

    def prefixes(self) -> set[str]:
        result = self._alternation({""})
        if self.position != len(self.pattern):
            self._unsupported()
        return result

    def _unsupported(self) -> None:
        raise UnsupportedPattern(f"cannot expand {self.pattern!r} at offset {self.position}")

    def _peek(self) -> str:
        return self.pattern[self.position] if self.position < len(self.pattern) else ""

    def _alternation(self, states: set[str]) -> set[str]:
        result = self._sequence(states)
        while self._peek() == "|":
            self.position += 1
            result |= self._sequence(states)
        return result

    def _sequence(self, states: set[str]) -> set[str]:
        # Settled prefixes are set aside so the atoms that follow only touch the open ones.
        settled = {state for state in states if len(state) >= self.width}
        states = states - settled
        while self._peek() not in ("", "|", ")"):
            start = self.position
            after_once = self._atom(states)
            low, high = self._quantifier()
            if (low, high) == (1, 1):
                states = after_once
            else:
                # Re-read the atom once per repetition; the pattern is tiny so this stays cheap.
                end = self.position
                reached = states if low == 0 else set()
                current = states
                for count in range(1, high + 1):
                    self.position = start
                    current = self._atom(current)
                    if all(len(state) >= self.width for state in current):
                        # Every further repetition would leave these settled prefixes as they are.
                        reached = reached | current
                        break
                    if count >= low:
                        reached = reached | current
                self.position = end
                states = reached
            done = {state for state in states if len(state) >= self.width}
            settled |= done
            states -= done
        return settled | states

    def _quantifier(self) -> tuple[int, int]:
        if self._peek() == "?":
            self.position += 1
            return 0, 1
        if self._peek() != "{":
            return 1, 1
        close = self.pattern.find("}", self.position)
        if close < 0:
            self._unsupported()
        body = self.pattern[self.position + 1 : close]
        low_text, _, high_text = body.partition(",")
        if not low_text.isdigit() or not (high_text.isdigit() or (not high_text and "," not in body)):
            self._unsupported()
        self.position = close + 1
        low = int(low_text)
        return low, int(high_text) if high_text else low

    def _atom(self, states: set[str]) -> set[str]:
        char = self._peek()
        if not states and (char in ("(", "[", "\\") or char in _DIGITS):
            return self._skip_atom(char)
        if char == "(":
            if not self.pattern.startswith("(?:", self.position):
                self._unsupported()
            self.position += 3
            result = self._alternation(states)
            if self._peek() != ")":
                self._unsupported()
            self.position += 1
            return result
        if char == "[":
            return self._extend(states, self._character_class())
        if self.pattern.startswith("\\d", self.position):
            self.position += 2
            return self._extend(states, _DIGITS)
        if char in _DIGITS:
            self.position += 1
            return self._extend(states, frozenset(char))
        self._unsupported()
        raise AssertionError("unreachable")

    def _skip_atom(self, char: str) -> set[str]:
        """Step over an atom without expanding it: no open prefix is left for it to extend (every one
        left ``required``), so expanding would only parse. Checked syntax is unchanged: a pattern's
        area codes are always expanded first, with nothing pruned."""
        if char == "(":
            close = _closing_parentheses(self.pattern).get(self.position)
            if close is None:
                self._unsupported()
            else:
                self.position = close + 1
        elif char == "[":
            close = self.pattern.find("]", self.position)
            if close < 0:
                self._unsupported()
            self.position = close + 1
        elif self.pattern.startswith("\\d", self.position):
            self.position += 2
        elif char in _DIGITS:
            self.position += 1
        else:
            self._unsupported()
        return set()

    def _character_class(self) -> frozenset[str]:
        close = self.pattern.find("]", self.position)
        if close < 0:
            self._unsupported()
        body = self.pattern[self.position + 1 : close]
        self.position = close + 1
        members: set[str] = set()
        index = 0
        while index < len(body):
            if body.startswith("\\d", index):
                members |= _DIGITS
                index += 2
            elif index + 2 < len(body) and body[index + 1] == "-":
                low, high = body[index], body[index + 2]
                if low not in _DIGITS or high not in _DIGITS:
                    self._unsupported()
                members.update(str(digit) for digit in range(int(low), int(high) + 1))
                index += 3
            elif body[index] in _DIGITS:
                members.add(body[index])
                index += 1
            else:
                self._unsupported()
        return frozenset(members)

    def _extend(self, states: set[str], characters: frozenset[str]) -> set[str]:
        settled = {state for state in states if len(state) >= self.width}
        open_states = states - settled
        extended = {state + character for state in open_states for character in characters}
        need = len(self.required)
        # Prune as early as possible: a prefix that leaves `required` can never come back to it. Open
        # prefixes already as long as `required` were checked when they got there, so only shorter
        # ones need it.
        if need and any(len(state) < need for state in open_states):
            extended = {state for state in extended if self.required.startswith(state[:need])}
        return settled | extended


@lru_cache(maxsize=64)
def _closing_parentheses(pattern: str) -> dict[int, int]:
    """The position of the ``)`` that closes each ``(`` of ``pattern`` (an unbalanced one has none)."""
    closing: dict[int, int] = {}
    opened: list[int] = []
    for position, char in enumerate(pattern):
        if char == "(":
            opened.append(position)
        elif char == ")" and opened:
            closing[opened.pop()] = position
    return closing
