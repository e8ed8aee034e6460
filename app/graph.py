"""A scalar computational graph: parse an expression, then forward and backward on it.

``app/graph_parser.py`` turns the expression into a DAG of scalar nodes in
forward (topological) order (its docstring has the grammar). Then, as in
micrograd, ``forward`` fills each node's value and its local gradients (the
derivative of the node with respect to each input) and ``backward`` walks the
nodes in reverse order adding ``local × upstream`` into each input's grad.

Conventions at kinks: relu'(0) = 0, abs'(0) = 0; max and min send the whole
gradient to the first argument on a tie. Every value, local gradient and
gradient must be a finite float64, or a ``GraphError`` names the node.
"""
from __future__ import annotations

import math

from .graph_parser import MAX_DEPTH, MAX_LENGTH, MAX_NODES, FUNCTIONS, GraphError, Node, parse, tokenize

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "GraphError", "Node", "backward", "evaluate",
           "forward", "parse", "tokenize"]


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
                    raise GraphError(f"the variable at position {n.start} has no value in values", n.start, n.id,
                                     "missing")
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
            raise GraphError(f"{_where(n)} is not finite or not defined: {_reason(e)}", n.start, n.id,
                             "not_finite") from None
        if not (math.isfinite(n.value) and all(map(math.isfinite, n.local))):
            raise GraphError(f"{_where(n)} is not finite (its value or local gradient overflowed)", n.start, n.id,
                             "not_finite")
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
            raise GraphError(f"the gradient at {_where(n)} is not finite", n.start, n.id, "not_finite")


def evaluate(expression: str, values: dict[str, float]) -> tuple[float, dict[str, float], list[Node]]:
    """(output, {variable: gradient}, nodes): parse, forward, backward."""
    nodes = parse(expression)
    output = forward(nodes, values)
    backward(nodes)
    return output, {n.name: n.grad for n in nodes if n.op == "var"}, nodes
