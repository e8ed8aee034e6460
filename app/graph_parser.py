"""Parsing for app/graph.py: an expression's tokens, then its nodes, children first.

The grammar (nothing else is accepted, and nothing is ever evaluated as code)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := "-" unary | power
    power   := primary (("^" | "**") unary)?        right-associative: 2^3^2 = 2^9
    primary := number | name | name "(" expr ("," expr)? ")" | "(" expr ")"

Names are variables except the functions exp log sqrt abs sigmoid tanh relu
(one argument) and max min (two). A variable used twice is one node. The
nesting depth is counted explicitly, so deep input is refused, never a
RecursionError. Imports only the standard library.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

MAX_LENGTH = 2000   # characters of an expression
MAX_NODES = 500     # nodes of its graph (operations, variables and constants)
MAX_DEPTH = 60      # nesting of parentheses, calls, unary minus and exponents together

UNARY_FUNCTIONS = ("exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu")
BINARY_FUNCTIONS = ("max", "min")
FUNCTIONS = UNARY_FUNCTIONS + BINARY_FUNCTIONS
OPERATORS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "^": "pow"}
SYMBOLS = {"add": "+", "sub": "−", "mul": "×", "div": "÷", "pow": "^", "neg": "−", "sigmoid": "σ", "sqrt": "√", "abs": "|·|"}

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),])
""", re.VERBOSE | re.ASCII)


class GraphError(ValueError):
    """A refused expression: ``position`` is a character index, ``node`` a node id.

    ``kind`` is syntax, limit, number (a literal too large), missing (a variable
    with no value) or not_finite (a value or gradient that is not a finite float).
    """

    def __init__(self, message: str, position: int | None = None, node: int | None = None, kind: str = "syntax"):
        super().__init__(message)
        self.position, self.node, self.kind = position, node, kind


@dataclass
class Node:
    """One scalar operation. ``inputs`` are node ids; ``local[i]`` = ∂value/∂inputs[i]."""

    id: int
    op: str                      # "var", "const", add sub mul div pow neg, or a function name
    inputs: list[int]
    start: int                   # the node's text is expression[start:end]
    end: int
    name: str | None = None      # a variable's name
    value: float = 0.0
    local: list[float] = field(default_factory=list)
    grad: float = 0.0
    contributions: list[float] = field(default_factory=list)  # local[i] × grad, sent to inputs[i]

    @property
    def label(self) -> str:
        if self.op == "var":
            return self.name
        if self.op == "const":
            return f"{self.value:g}"
        return SYMBOLS.get(self.op, self.op)


# ---------------------------------------------------------------- tokens

@dataclass
class Token:
    kind: str    # number, name, op, end
    text: str
    pos: int


def tokenize(expression: str) -> list[Token]:
    """The expression's tokens, ending with an ``end`` token; GraphError at an unknown character."""
    if len(expression) > MAX_LENGTH:
        raise GraphError(f"the expression is longer than {MAX_LENGTH} characters", kind="limit")
    tokens, pos = [], 0
    while pos < len(expression):
        match = _TOKEN.match(expression, pos)
        if match is None:
            raise GraphError(f"unexpected character at position {pos}", pos)
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup, match.group(), pos))
        pos = match.end()
    tokens.append(Token("end", "", len(expression)))
    return tokens


# ---------------------------------------------------------------- parser

class _Parser:
    """Recursive descent with an explicit depth limit, building nodes children first."""

    def __init__(self, expression: str):
        self.tokens = tokenize(expression)
        self.i = 0
        self.depth = 0
        self.nodes: list[Node] = []
        self.variables: dict[str, int] = {}

    # -- helpers
    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, text: str) -> Token:
        if self.token.text != text:
            raise GraphError(f"expected '{text}' at position {self.token.pos}", self.token.pos)
        return self.take()

    def node(self, op, inputs, start, end, **extra) -> int:
        if len(self.nodes) >= MAX_NODES:
            raise GraphError(f"the expression has more than {MAX_NODES} nodes (at position {start})", start,
                             kind="limit")
        self.nodes.append(Node(len(self.nodes), op, list(inputs), start, end, **extra))
        return len(self.nodes) - 1

    def span(self, a: int, b: int) -> tuple[int, int]:
        return self.nodes[a].start, self.nodes[b].end

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise GraphError(f"the expression is nested more than {MAX_DEPTH} levels deep (at position {pos})",
                             pos, kind="limit")

    # -- grammar
    def parse(self) -> list[Node]:
        self.expr()
        if self.token.kind != "end":
            raise GraphError(f"unexpected token at position {self.token.pos}", self.token.pos)
        return self.nodes

    def binary_chain(self, operand, ops) -> int:
        left = operand()
        while self.token.kind == "op" and self.token.text in ops:
            op = OPERATORS[self.take().text]
            right = operand()
            left = self.node(op, (left, right), *self.span(left, right))
        return left

    def expr(self) -> int:
        return self.binary_chain(self.term, ("+", "-"))

    def term(self) -> int:
        return self.binary_chain(self.unary, ("*", "/"))

    def unary(self) -> int:
        if self.token.text == "-":
            start = self.take().pos
            self.enter(start)
            operand = self.unary()
            self.depth -= 1
            return self.node("neg", (operand,), start, self.nodes[operand].end)
        return self.power()

    def power(self) -> int:
        base = self.primary()
        if self.token.text in ("^", "**"):
            self.enter(self.take().pos)
            exponent = self.unary()
            self.depth -= 1
            return self.node("pow", (base, exponent), *self.span(base, exponent))
        return base

    def primary(self) -> int:
        token = self.token
        if token.kind == "number":
            self.take()
            value = float(token.text)
            if not math.isfinite(value):
                raise GraphError(f"the number at position {token.pos} is too large for float64", token.pos,
                                 kind="number")
            return self.node("const", (), token.pos, token.pos + len(token.text), value=value)
        if token.kind == "name":
            self.take()
            if self.token.text == "(":
                return self.call(token)
            if token.text in FUNCTIONS:
                raise GraphError(f"the function at position {token.pos} needs '(' and its arguments", token.pos)
            if token.text not in self.variables:
                self.variables[token.text] = self.node("var", (), token.pos, token.pos + len(token.text),
                                                       name=token.text)
            return self.variables[token.text]
        if token.text == "(":
            self.take()
            self.enter(token.pos)
            inner = self.expr()
            self.depth -= 1
            self.expect(")")
            return inner
        what = "the end of the expression" if token.kind == "end" else "an unexpected token"
        raise GraphError(f"expected a number, a name or '(' at position {token.pos}, found {what}", token.pos)

    def call(self, name: Token) -> int:
        if name.text not in FUNCTIONS:
            raise GraphError(f"unknown function at position {name.pos}: the functions are "
                             + ", ".join(FUNCTIONS), name.pos)
        arity = 2 if name.text in BINARY_FUNCTIONS else 1
        self.expect("(")
        self.enter(name.pos)
        args = [self.expr()]
        for _ in range(arity - 1):
            self.expect(",")
            args.append(self.expr())
        self.depth -= 1
        close = self.token
        if close.text != ")":
            raise GraphError(f"{name.text} takes {arity} argument{'s' if arity > 1 else ''}: expected "
                             f"')' at position {close.pos}", close.pos)
        self.take()
        return self.node(name.text, args, name.pos, close.pos + 1)


def parse(expression: str) -> list[Node]:
    """The expression's nodes in forward (topological) order; the last is the output."""
    return _Parser(expression).parse()
