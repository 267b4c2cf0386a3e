"""`-k EXPR`: choose checks by keyword, with pytest's -k grammar.

A word matches when it is a case-insensitive substring of the check's id
("<part id>::<check key>"); words combine with `and`, `or`, `not` and
parentheses, e.g. `-k "rnn_step and not numeric"`.
"""
import re

TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


class SelectionError(ValueError):
    """The expression is not well formed."""


def _tokens(expression):
    position, tokens = 0, []
    expression = expression.strip()
    while position < len(expression):
        match = TOKEN.match(expression, position)
        if not match:
            raise SelectionError("cannot read %r" % expression[position:])
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def matcher(expression):
    """A function id -> bool for the expression (None or empty: everything)."""
    if not expression or not expression.strip():
        return lambda name: True
    tokens = _tokens(expression)

    def parse(position, name):
        value, position = parse_and(position, name)
        while position < len(tokens) and tokens[position] == "or":
            right, position = parse_and(position + 1, name)
            value = value or right
        return value, position

    def parse_and(position, name):
        value, position = parse_not(position, name)
        while position < len(tokens) and tokens[position] == "and":
            right, position = parse_not(position + 1, name)
            value = value and right
        return value, position

    def parse_not(position, name):
        if position >= len(tokens):
            raise SelectionError("%r ends too early" % expression)
        token = tokens[position]
        if token == "not":
            value, position = parse_not(position + 1, name)
            return not value, position
        if token == "(":
            value, position = parse(position + 1, name)
            if position >= len(tokens) or tokens[position] != ")":
                raise SelectionError("unbalanced parentheses in %r" % expression)
            return value, position + 1
        if token in (")", "and", "or"):
            raise SelectionError("unexpected %r in %r" % (token, expression))
        return token.lower() in name.lower(), position + 1

    def matches(name):
        value, position = parse(0, name)
        if position != len(tokens):
            raise SelectionError("unexpected %r in %r" % (tokens[position], expression))
        return value

    matches("")   # malformed expressions fail here, before any grading
    return matches
