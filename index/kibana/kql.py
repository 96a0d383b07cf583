"""A parser for the Kibana Query Language (KQL) that Kibana's search bar accepts: syntax errors with their
position, and the fields a query names.

It follows Kibana's own grammar (`kuery.peg` in Kibana's `@kbn/es-query`): `field:value`, `field:(a or b)`,
`and` / `or` / `not` (any case, `not` binds tightest, then `and`, then `or`), parentheses, ranges
(`field >= 4`), wildcards (`nlp.brand_sentiment:*\\:negative`), quoted phrases (`text:"الشبكة طايحة"`),
nested queries (`field:{ sub:value }`), free text without a field, and the escapes `\\ \\( \\) \\: \\< \\> \\"
\\* \\{ \\}` and `\\and`/`\\or`/`\\not`. As in Kibana, an unquoted value may hold spaces
(`text:التوصيل متأخر` is one value) and ends at ` and `, ` or `, `not `, or a special character.

Like Kibana's PEG parser it reports the farthest position any rule reached, and what it expected there.
"""

from __future__ import annotations

from dataclasses import dataclass

SPECIAL = set('\\():<>"*{}')
SPACE = set(" \t\r\n\u00a0\ufeff")
RANGE_OPERATORS = ("<=", ">=", "<", ">")
KEYWORD_ESCAPES = ("or", "and", "not")


class KqlSyntaxError(ValueError):
    """A query Kibana would refuse: the 0-based character `position` and what was expected there."""

    def __init__(self, query: str, position: int, expected: list[str]):
        self.query, self.position, self.expected = query, position, expected
        found = repr(query[position]) if position < len(query) else "the end of the query"
        context = query[max(0, position - 20):position] + "⟨here⟩" + query[position:position + 20]
        super().__init__(f"KQL syntax error at character {position}: expected {' or '.join(expected)}, "
                         f"found {found} (…{context}…)")


@dataclass(frozen=True)
class Node:
    """One parsed clause: `kind` is or/and/not/field/range/nested/value; `field` where the clause names one."""

    kind: str
    children: tuple["Node", ...] = ()
    field: str | None = None
    value: str | None = None


class _Parser:
    """Recursive descent with PEG's ordered choice; failures record the farthest position for the error."""

    def __init__(self, query: str):
        self.query = query
        self.farthest = 0
        self.expected: list[str] = []

    # -- error bookkeeping ------------------------------------------------------------------------

    def fail(self, position: int, expected: str) -> None:
        if position > self.farthest:
            self.farthest, self.expected = position, [expected]
        elif position == self.farthest and expected not in self.expected:
            self.expected.append(expected)

    def char(self, position: int) -> str:
        return self.query[position] if position < len(self.query) else ""

    def literal(self, position: int, text: str, name: str | None = None) -> int | None:
        if self.query.startswith(text, position):
            return position + len(text)
        self.fail(position, name or repr(text))
        return None

    def spaces(self, position: int) -> int:
        while self.char(position) in SPACE and self.char(position):
            position += 1
        return position

    def word(self, position: int, word: str) -> int | None:
        """`word` in any case at `position` (the caller checks what surrounds it)."""
        if self.query[position:position + len(word)].lower() == word:
            return position + len(word)
        return None

    # -- keywords -----------------------------------------------------------------------------------

    def binary_keyword(self, position: int, word: str) -> int | None:
        """`Space+ word Space+` (Kibana's `Or` and `And`)."""
        start = self.spaces(position)
        if start == position:
            return None
        end = self.word(start, word)
        if end is None:
            self.fail(start, f"'{word}'")
            return None
        after = self.spaces(end)
        # a keyword at the very end (`a:b and`) or before `(` is still the keyword: its operand is missing
        return after if after > end or after == len(self.query) or self.char(after) == "(" else None

    def not_keyword(self, position: int) -> int | None:
        """`not Space+`"""
        end = self.word(position, "not")
        if end is None:
            return None
        after = self.spaces(end)
        return after if after > end else None

    def at_keyword(self, position: int) -> bool:
        return (self.binary_keyword(position, "or") is not None or self.binary_keyword(position, "and") is not None
                or self.not_keyword(position) is not None)

    # -- queries ----------------------------------------------------------------------------------

    def start(self) -> Node:
        position = self.spaces(0)
        if position == len(self.query):
            return Node("or")
        parsed = self.or_query(position)
        if parsed is not None:
            node, position = parsed
            position = self.spaces(position)
            if position == len(self.query):
                return node
            self.fail(position, "'and', 'or' or the end of the query")
        raise KqlSyntaxError(self.query, self.farthest, self.expected)

    def _chain(self, position: int, operand, word: str, kind: str):
        first = operand(position)
        if first is None:
            return None
        nodes, position = [first[0]], first[1]
        while True:
            after = self.binary_keyword(position, word)
            if after is None:
                break
            nxt = operand(after)
            if nxt is None:
                return None
            nodes.append(nxt[0])
            position = nxt[1]
        return (nodes[0] if len(nodes) == 1 else Node(kind, tuple(nodes))), position

    def or_query(self, position: int):
        return self._chain(position, self.and_query, "or", "or")

    def and_query(self, position: int):
        return self._chain(position, self.not_query, "and", "and")

    def not_query(self, position: int):
        after = self.not_keyword(position)
        if after is not None:
            parsed = self.sub_query(after)
            return None if parsed is None else (Node("not", (parsed[0],)), parsed[1])
        return self.sub_query(position)

    def sub_query(self, position: int):
        if self.char(position) == "(":
            parsed = self.or_query(self.spaces(position + 1))
            if parsed is None:
                return None
            end = self.literal(self.spaces(parsed[1]), ")", "')'")
            return None if end is None else (parsed[0], end)
        self.fail(position, "'('")
        return self.nested_query(position)

    def nested_query(self, position: int):
        field = self.field(position)
        if field is not None:
            name, after = field
            colon = self.spaces(after)
            if self.char(colon) == ":":
                brace = self.spaces(colon + 1)
                if self.char(brace) == "{":
                    inner = self.or_query(self.spaces(brace + 1))
                    if inner is None:
                        return None
                    end = self.literal(self.spaces(inner[1]), "}", "'}'")
                    return None if end is None else (Node("nested", (inner[0],), field=name), end)
        return self.expression(position)

    def expression(self, position: int):
        field = self.field(position)
        if field is not None:
            name, after = field
            operator_at = self.spaces(after)
            for operator in RANGE_OPERATORS:
                if self.query.startswith(operator, operator_at):
                    value = self.value_literal(self.spaces(operator_at + len(operator)))
                    if value is None:
                        return None
                    return Node("range", field=name, value=f"{operator}{value[0]}"), value[1]
            self.fail(operator_at, "':'")
            self.fail(operator_at, "a range operator (<, <=, >, >=)")
            if self.char(operator_at) == ":":
                values = self.list_of_values(self.spaces(operator_at + 1))
                if values is None:
                    return None
                return Node("field", (values[0],), field=name), values[1]
        value = self.value_literal(position)
        return None if value is None else (Node("value", value=value[0]), value[1])

    def field(self, position: int):
        return self.value_literal(position, as_field=True)

    # -- values -------------------------------------------------------------------------------------

    def list_of_values(self, position: int):
        if self.char(position) == "(":
            parsed = self._value_chain(self.spaces(position + 1), "or")
            if parsed is None:
                return None
            end = self.literal(self.spaces(parsed[1]), ")", "')'")
            return None if end is None else (parsed[0], end)
        self.fail(position, "'('")
        value = self.value_literal(position)
        return None if value is None else (Node("value", value=value[0]), value[1])

    def _value_chain(self, position: int, word: str):
        operand = (lambda at: self._value_chain(at, "and")) if word == "or" else self.not_values
        return self._chain(position, operand, word, word)

    def not_values(self, position: int):
        after = self.not_keyword(position)
        if after is not None:
            parsed = self.list_of_values(after)
            return None if parsed is None else (Node("not", (parsed[0],)), parsed[1])
        return self.list_of_values(position)

    def value_literal(self, position: int, as_field: bool = False):
        """A quoted string, or an unquoted literal (trimmed); (text, end) or None."""
        if self.char(position) == '"':
            return self.quoted(position)
        self.fail(position, "a field name" if as_field else "a value")
        return self.unquoted(position)

    def quoted(self, position: int):
        at, chars = position + 1, []
        while at < len(self.query):
            char = self.query[at]
            if char == "\\" and at + 1 < len(self.query):
                chars.append(self.query[at + 1])
                at += 2
            elif char == '"':
                return "".join(chars), at + 1
            else:
                chars.append(char)
                at += 1
        self.fail(at, "a closing '\"'")
        return None

    def unquoted(self, position: int):
        at, chars = position, []
        while at < len(self.query):
            char = self.query[at]
            if char == "\\":
                escaped = self._escape(at)
                if escaped is None:
                    self.fail(at + 1, "an escaped special character or keyword")
                    return None
                chars.append(escaped[0])
                at = escaped[1]
            elif char == "*":
                chars.append(char)
                at += 1
            elif char in SPECIAL or self.at_keyword(at):
                break
            else:
                chars.append(char)
                at += 1
        text = "".join(chars).strip("".join(SPACE))
        if not text:
            return None
        # the trailing spaces belong to what follows (` and `, `)`), as in Kibana's grammar
        while at > position and self.query[at - 1] in SPACE:
            at -= 1
        return text, at

    def _escape(self, at: int):
        nxt = self.char(at + 1)
        if nxt in ("t", "r", "n"):
            return {"t": "\t", "r": "\r", "n": "\n"}[nxt], at + 2
        if nxt and nxt in SPECIAL:
            return nxt, at + 2
        for keyword in KEYWORD_ESCAPES:
            end = self.word(at + 1, keyword)
            if end is not None:
                return self.query[at + 1:end], end
        return None


def parse(query: str) -> Node:
    """The parsed query; raises KqlSyntaxError (with the position) when Kibana would refuse it."""
    return _Parser(query or "").start()


def fields(node: Node, prefix: str = "") -> set[str]:
    """Every field a parsed query names (nested queries joined with their parent: `parent.child`)."""
    found: set[str] = set()
    if node.kind in ("field", "range"):
        found.add(prefix + node.field)
    if node.kind == "nested":
        return fields(node.children[0], f"{prefix}{node.field}.")
    if node.kind != "field":
        for child in node.children:
            found |= fields(child, prefix)
    return found


def query_fields(query: str) -> set[str]:
    """The fields a KQL query names; raises KqlSyntaxError when it does not parse."""
    return fields(parse(query))
