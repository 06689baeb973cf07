"""Docstrings of the functions and classes of Python files, for the data pipeline.

Reads file paths (one a line) on stdin; writes one JSON object a line to stdout:
{"path": ..., "decls": [...]} or {"path": ..., "error": ...}. Positions are
1-based lines and 0-based UTF-8 byte columns, as the ast module gives them.
"""
import ast
import json
import sys
import warnings


def docstring_node(node):
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].value
    return None


def definitions(tree):
    """(node, member) for every def and class; member: directly in a class body."""
    stack = [(tree, False)]
    while stack:
        node, member = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node, member
        in_class = isinstance(node, ast.ClassDef)
        for child in ast.iter_child_nodes(node):
            stack.append((child, in_class))


def declarations(tree):
    for node, member in definitions(tree):
        doc = docstring_node(node)
        if doc is None:
            continue
        first = node.decorator_list[0] if node.decorator_list else node
        yield {
            "name": node.name,
            "member": member,
            "declLine": first.lineno,
            "defLine": node.lineno,
            "docLine": doc.lineno,
            "docCol": doc.col_offset,
            "docEndLine": doc.end_lineno,
            "docEndCol": doc.end_col_offset,
            "docText": ast.get_docstring(node, clean=True),
        }


def main():
    warnings.simplefilter("ignore")  # invalid escape sequences in old files
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        try:
            with open(path, "rb") as f:
                tree = ast.parse(f.read(), filename=path)
            out = {"path": path, "decls": list(declarations(tree))}
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError) as err:
            out = {"path": path, "error": type(err).__name__}
        sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
