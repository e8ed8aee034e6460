"""A scalar computational graph: parse an expression, then forward and backward on it.

The grammar (nothing else is accepted, and nothing is ever evaluated as code)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := "-" unary | power
    power   := primary (("^" | "**") unary)?        right-associative: 2^3^2 = 2^9
    primary := number | name | name "(" expr ("," expr)? ")" | "(" expr ")"

Names are variables except the functions exp log sqrt abs sigmoid tanh relu
(one argument) and max min (two). The parse gives a DAG of scalar nodes in
forward (topological) order; a variable used twice is one node. Then, as in
micrograd, ``forward`` fills each node's value and its local gradients (the
derivative of the node with respect to each input) and ``backward`` walks the
nodes in reverse order adding ``local × upstream`` into each input's grad.

Conventions at kinks: relu'(0) = 0, abs'(0) = 0; max and min send the whole
gradient to the first argument on a tie. Every value, local gradient and
gradient must be a finite float64, or a ``GraphError`` names the node.
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
    """A refused expression: ``position`` is a character index, ``node`` a node id."""

    def __init__(self, message: str, position: int | None = None, node: int | None = None):
        super().__init__(message)
        self.position, self.node = position, node


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
        raise GraphError(f"the expression is longer than {MAX_LENGTH} characters")
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
            raise GraphError(f"the expression has more than {MAX_NODES} nodes (at position {start})", start)
        self.nodes.append(Node(len(self.nodes), op, list(inputs), start, end, **extra))
        return len(self.nodes) - 1

    def span(self, a: int, b: int) -> tuple[int, int]:
        return self.nodes[a].start, self.nodes[b].end

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise GraphError(f"the expression is nested more than {MAX_DEPTH} levels deep (at position {pos})",
                             pos)

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
                raise GraphError(f"the number at position {token.pos} is too large for float64", token.pos)
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


def variables(nodes: list[Node]) -> list[str]:
    return [n.name for n in nodes if n.op == "var"]


# ---------------------------------------------------------------- the math

def _sigmoid(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _pow(a: float, b: float, exponent_is_constant: bool) -> tuple[float, list[float]]:
    value = a ** b
    if isinstance(value, complex):
        raise ValueError("a negative number to a fractional power is not a real number")
    da = 0.0 if b == 0 else b * a ** (b - 1)
    if a > 0:
        db = value * math.log(a)
    elif a == 0 and b > 0 or exponent_is_constant:
        db = 0.0  # 0^b is flat in b; a constant exponent gets no gradient anyway
    else:
        raise ValueError("a power of a base ≤ 0 has no derivative with respect to a variable exponent")
    return value, [da, db]


def _relu(a):
    return (a, [1.0]) if a > 0 else (0.0, [0.0])


def _local_rule(op: str):
    """f(inputs) -> (value, local gradients) for one op."""
    return {
        "add": lambda a, b: (a + b, [1.0, 1.0]),
        "sub": lambda a, b: (a - b, [1.0, -1.0]),
        "mul": lambda a, b: (a * b, [b, a]),
        "div": lambda a, b: (a / b, [1.0 / b, -a / (b * b)]),
        "neg": lambda a: (-a, [-1.0]),
        "exp": lambda a: (math.exp(a), [math.exp(a)]),
        "log": lambda a: (math.log(a), [1.0 / a]),
        "sqrt": lambda a: (math.sqrt(a), [0.5 / math.sqrt(a)]),
        "abs": lambda a: (abs(a), [float((a > 0) - (a < 0))]),
        "max": lambda a, b: (a, [1.0, 0.0]) if a >= b else (b, [0.0, 1.0]),
        "min": lambda a, b: (a, [1.0, 0.0]) if a <= b else (b, [0.0, 1.0]),
        "sigmoid": lambda a: (lambda s: (s, [s * (1.0 - s)]))(_sigmoid(a)),
        "tanh": lambda a: (lambda t: (t, [1.0 - t * t]))(math.tanh(a)),
        "relu": _relu,
    }[op]


def _depends_on_variables(nodes: list[Node]) -> list[bool]:
    out = []
    for n in nodes:
        out.append(n.op == "var" or any(out[i] for i in n.inputs))
    return out


def _where(node: Node) -> str:
    return f"node {node.id} ({node.label} at position {node.start})"


def forward(nodes: list[Node], values: dict[str, float]) -> float:
    """Fill every node's value and local gradients; the output's value."""
    varying = _depends_on_variables(nodes)
    for n in nodes:
        try:
            if n.op == "var":
                if n.name not in values:
                    raise GraphError(f"the variable at position {n.start} has no value in values", n.start, n.id)
                n.value, n.local = float(values[n.name]), []
            elif n.op == "const":
                n.local = []
            elif n.op == "pow":
                a, b = (nodes[i].value for i in n.inputs)
                n.value, n.local = _pow(a, b, not varying[n.inputs[1]])
            else:
                n.value, n.local = _local_rule(n.op)(*(nodes[i].value for i in n.inputs))
        except (OverflowError, ZeroDivisionError, ValueError) as e:
            if isinstance(e, GraphError):
                raise
            raise GraphError(f"{_where(n)} is not finite or not defined: {_reason(e)}", n.start, n.id) from None
        if not (math.isfinite(n.value) and all(map(math.isfinite, n.local))):
            raise GraphError(f"{_where(n)} is not finite (its value or local gradient overflowed)", n.start, n.id)
    return nodes[-1].value


def _reason(e: Exception) -> str:
    if isinstance(e, OverflowError):
        return "it overflows float64"
    if isinstance(e, ZeroDivisionError):
        return "division by zero"
    message = str(e)
    return message if message.startswith("a ") else "outside the function's domain"


def backward(nodes: list[Node]) -> None:
    """d output / d node for every node, in reverse topological order (run forward first)."""
    for n in nodes:
        n.grad, n.contributions = 0.0, []
    nodes[-1].grad = 1.0
    for n in reversed(nodes):
        n.contributions = [local * n.grad for local in n.local]
        for i, c in zip(n.inputs, n.contributions):
            nodes[i].grad += c
    for n in nodes:
        if not (math.isfinite(n.grad) and all(map(math.isfinite, n.contributions))):
            raise GraphError(f"the gradient at {_where(n)} is not finite", n.start, n.id)


def evaluate(expression: str, values: dict[str, float]) -> tuple[float, dict[str, float], list[Node]]:
    """(output, {variable: gradient}, nodes): parse, forward, backward."""
    nodes = parse(expression)
    output = forward(nodes, values)
    backward(nodes)
    return output, {n.name: n.grad for n in nodes if n.op == "var"}, nodes
