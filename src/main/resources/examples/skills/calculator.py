#!/usr/bin/env python3
# NAME: calculator
# DESCRIPTION: Evaluate an arithmetic expression exactly (+ - * / // % ** and parentheses).
# PARAM: expression (str) - The expression, for example (1200 * 0.15) + 40
import ast
import operator
import sys

OPERATORS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos,
}


def evaluate(node):
    if isinstance(node, ast.Expression):
        return evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        if isinstance(node.op, ast.Pow) and abs(evaluate(node.right)) > 1000:
            raise ValueError("exponent too large")
        return OPERATORS[type(node.op)](evaluate(node.left), evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in OPERATORS:
        return OPERATORS[type(node.op)](evaluate(node.operand))
    raise ValueError("only numbers and + - * / // % ** ( ) are allowed")


if __name__ == "__main__":
    expression = sys.argv[1] if len(sys.argv) > 1 else ""
    try:
        print(evaluate(ast.parse(expression, mode="eval")))
    except (SyntaxError, ValueError, ZeroDivisionError) as e:
        print(f"cannot evaluate {expression!r}: {e}", file=sys.stderr)
        sys.exit(2)
