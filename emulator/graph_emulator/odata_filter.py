"""A small OData $filter parser for directory queries on users: eq, ne, in, startsWith, endsWith, not, and, or,
parentheses; string literals ('' escapes a quote), true, false, null.

What needs Graph's advanced query parameters (ConsistencyLevel: eventual + $count=true) follows Microsoft's
"Advanced query capabilities on Microsoft Entra ID objects" page (learn.microsoft.com/graph/aad-advanced-queries,
microsoft-graph-docs-contrib concepts/aad-advanced-queries.md and its table includes/filter-directory-objects.md):
ne and not always need them; endsWith needs them and works only on mail, otherMails, userPrincipalName and
proxyAddresses; in works wherever eq works by default; eq on onPremisesSamAccountName needs them.
"""

import re
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple


class FilterError(ValueError):
    """The filter is malformed or not supported; message is Graph's."""

    def __init__(self, message: str, *, needs_advanced: bool = False):
        super().__init__(message)
        self.message = message
        self.needs_advanced = needs_advanced


# Property -> (operators that work by default, operators that need the advanced query parameters).
# From includes/filter-directory-objects.md (eq, ne, NOT, in, startsWith columns) for the properties the emulator holds.
_ALL_ADVANCED = ("ne", "not")
USER_FILTERS = {
    "id": (("eq", "in"), _ALL_ADVANCED),
    "userPrincipalName": (("eq", "in", "startswith"), _ALL_ADVANCED + ("endswith",)),
    "displayName": (("eq", "in", "startswith"), _ALL_ADVANCED),
    "mail": (("eq", "in", "startswith"), _ALL_ADVANCED + ("endswith",)),
    "mailNickname": (("eq", "in", "startswith"), _ALL_ADVANCED),
    "employeeId": (("eq", "in", "startswith"), _ALL_ADVANCED),
    "accountEnabled": (("eq", "in"), _ALL_ADVANCED),
    "department": (("eq", "in", "startswith"), _ALL_ADVANCED),
    "userType": (("eq", "in"), _ALL_ADVANCED),
    # eq, in and startsWith need the advanced query parameters: without them Graph answers 400 "Unsupported or invalid
    # query filter clause specified for property 'onPremisesSamAccountName' of resource 'User'." (Microsoft Q&A 577870).
    "onPremisesSamAccountName": ((), ("eq", "in", "startswith") + _ALL_ADVANCED),
}
# Graph refuses more OR'ed (or in-listed) values than this without the advanced query parameters: "When using the in
# operator, the request is limited to 15 expressions in the filter clause by default" (Graph known issues, "Some
# limitations apply to query parameters"); an OR chain is refused with "Too many child clauses ..." (the error quoted
# in the thread that Microsoft Q&A 1815528 links, stackoverflow.com/questions/66579149).
MAX_DEFAULT_EXPRESSIONS = 15

_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<punct>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_./]*))")


@dataclass
class Comparison:
    operator: str  # eq, ne, in, startswith, endswith
    prop: str
    value: object  # a literal, or a list of literals for in


@dataclass
class Logical:
    operator: str  # and, or
    parts: list


@dataclass
class Negation:
    part: object


def tokenize(text: str) -> List[Tuple[str, object]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise FilterError("Invalid filter clause: syntax error at position %d in '%s'." % (position, text))
        position = match.end()
        if match.group("string") is not None:
            tokens.append(("literal", match.group("string")[1:-1].replace("''", "'")))
        elif match.group("number") is not None:
            tokens.append(("literal", float(match.group("number")) if "." in match.group("number") else int(match.group("number"))))
        elif match.group("punct") is not None:
            tokens.append((match.group("punct"), match.group("punct")))
        else:
            word = match.group("word")
            lowered = word.lower()
            if lowered in ("true", "false"):
                tokens.append(("literal", lowered == "true"))
            elif lowered == "null":
                tokens.append(("literal", None))
            elif lowered in ("eq", "ne", "and", "or", "not", "in", "startswith", "endswith"):
                tokens.append((lowered, word))
            else:
                tokens.append(("name", word))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.position = 0

    def error(self, what: str):
        return FilterError("Invalid filter clause: %s in '%s'." % (what, self.text))

    def peek(self) -> Optional[str]:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def take(self, kind: str):
        if self.peek() != kind:
            raise self.error("expected %s" % kind)
        token = self.tokens[self.position]
        self.position += 1
        return token[1]

    def parse(self):
        node = self.parse_or()
        if self.peek() is not None:
            raise self.error("unexpected '%s'" % self.tokens[self.position][1])
        return node

    def parse_or(self):
        parts = [self.parse_and()]
        while self.peek() == "or":
            self.take("or")
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else Logical("or", parts)

    def parse_and(self):
        parts = [self.parse_unary()]
        while self.peek() == "and":
            self.take("and")
            parts.append(self.parse_unary())
        return parts[0] if len(parts) == 1 else Logical("and", parts)

    def parse_unary(self):
        if self.peek() == "not":
            self.take("not")
            return Negation(self.parse_unary())
        if self.peek() == "(":
            self.take("(")
            node = self.parse_or()
            self.take(")")
            return node
        if self.peek() in ("startswith", "endswith"):
            function = self.take(self.peek()).lower()
            self.take("(")
            prop = self.take("name")
            self.take(",")
            value = self.take("literal")
            self.take(")")
            return Comparison(function, prop, value)
        prop = self.take("name")
        operator = self.peek()
        if operator in ("eq", "ne"):
            self.take(operator)
            return Comparison(operator, prop, self.take("literal"))
        if operator == "in":
            self.take("in")
            self.take("(")
            values = [self.take("literal")]
            while self.peek() == ",":
                self.take(",")
                values.append(self.take("literal"))
            self.take(")")
            return Comparison("in", prop, values)
        raise self.error("expected an operator after '%s'" % prop)


def parse_filter(text: str):
    return _Parser(text).parse()


def comparisons(node) -> list:
    if isinstance(node, Comparison):
        return [node]
    if isinstance(node, Negation):
        return comparisons(node.part)
    return [c for part in node.parts for c in comparisons(part)]


def has_negation(node) -> bool:
    if isinstance(node, Negation):
        return True
    if isinstance(node, Logical):
        return any(has_negation(part) for part in node.parts)
    return False


def check_support(node, *, advanced: bool, resource: str = "User") -> None:
    """Raise FilterError (Graph's message) when the filter needs the advanced query parameters or is unsupported."""
    found = comparisons(node)
    if has_negation(node) and not advanced:
        raise FilterError(_operator_message("not"), needs_advanced=True)
    expressions = 0
    for comparison in found:
        names = {name.lower(): name for name in USER_FILTERS}
        prop = names.get(comparison.prop.lower())
        if prop is None:
            raise FilterError("Unsupported or invalid query filter clause specified for property '%s' of resource '%s'." % (comparison.prop, resource))
        default_ops, advanced_ops = USER_FILTERS[prop]
        operator = comparison.operator
        if operator in default_ops:
            pass
        elif operator in advanced_ops:
            if not advanced:
                if operator in ("ne", "endswith"):
                    raise FilterError(_operator_message(operator), needs_advanced=True)
                raise FilterError("Unsupported or invalid query filter clause specified for property '%s' of resource '%s'." % (prop, resource),
                                  needs_advanced=True)
        else:
            raise FilterError("Unsupported or invalid query filter clause specified for property '%s' of resource '%s'." % (prop, resource))
        expressions += len(comparison.value) if operator == "in" else 1
    if expressions > MAX_DEFAULT_EXPRESSIONS and not advanced:
        raise FilterError("Too many child clauses specified in search filter expression containing 'OR' operators: %d. Max allowed: %d."
                          % (expressions, MAX_DEFAULT_EXPRESSIONS), needs_advanced=True)


def _operator_message(operator: str) -> str:
    # Graph's message for an operator used without the advanced query parameters (aad-advanced-queries.md, "Error handling").
    name = {"ne": "NotEquals", "not": "Not", "endswith": "endsWith"}.get(operator, operator)
    return ("Operator '%s' is not supported because the required parameters might be missing. Try adding $count=true query parameter "
            "and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information" % name)


def compile_filter(node, *, case_sensitive: bool = False) -> Callable[[dict], bool]:
    """The filter as a predicate over records keyed by lower-case Graph property names: literals are normalised once,
    and the values an ``in`` or an OR chain of ``eq`` on one property compares with become a set, so that a request's
    filter costs each user one lookup instead of one comparison per value (15 per lookup of the bulk sync's
    match_by, over every user of the tenant)."""

    def norm(value):
        return value.lower() if isinstance(value, str) and not case_sensitive else value

    if isinstance(node, Negation):
        part = compile_filter(node.part, case_sensitive=case_sensitive)
        return lambda record: not part(record)
    if isinstance(node, Logical):
        wanted = _one_property_values(node)
        if wanted is not None:
            prop, values = wanted
            return _member_of(prop, {norm(value) for value in values}, norm)
        parts = [compile_filter(part, case_sensitive=case_sensitive) for part in node.parts]
        if node.operator == "and":
            return lambda record: all(part(record) for part in parts)
        return lambda record: any(part(record) for part in parts)
    prop = node.prop.lower()
    if node.operator == "in":
        return _member_of(prop, {norm(value) for value in node.value}, norm)
    want = norm(node.value)
    if node.operator == "eq":
        return lambda record: norm(record.get(prop)) == want
    if node.operator == "ne":
        return lambda record: norm(record.get(prop)) != want
    if not isinstance(want, str):
        return lambda record: False
    method = str.startswith if node.operator == "startswith" else str.endswith

    def affix(record):
        actual = record.get(prop)  # one lookup: FilterRecord.get scans the user's properties
        return isinstance(actual, str) and method(norm(actual), want)
    return affix


def _one_property_values(node: Logical):
    """(property, values) when the node is an OR chain of ``eq`` (or ``in``) on one property, else None."""
    if node.operator != "or":
        return None
    prop, values = None, []
    for part in node.parts:
        if isinstance(part, Logical) and part.operator == "or":
            inner = _one_property_values(part)
            if inner is None:
                return None
            part_prop, part_values = inner
        elif isinstance(part, Comparison) and part.operator in ("eq", "in"):
            part_prop, part_values = part.prop.lower(), (part.value if part.operator == "in" else [part.value])
        else:
            return None
        if prop is not None and part_prop != prop:
            return None
        prop = part_prop
        values.extend(part_values)
    return prop, values


def _member_of(prop: str, values: set, norm) -> Callable[[dict], bool]:
    def member(record):
        actual = norm(record.get(prop))
        try:
            return actual in values
        except TypeError:  # an unhashable value (a list property) equals no literal
            return False
    return member
