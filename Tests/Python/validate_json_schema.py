"""A small JSON Schema validator for the keywords qdqc's schemas use (the venv has no jsonschema).

usage: validate_json_schema.py SCHEMA.json DOCUMENT.json

Implements type, required, properties, additionalProperties, items, enum, const, minimum, maximum,
pattern and local $ref; ignores only annotations and rejects any other keyword, so a schema cannot
use a rule that silently goes unchecked. Prints one line per violation and exits 1 if there is any.
"""

import json
import re
import sys

ANNOTATIONS = {"$schema", "$id", "title", "description", "$defs"}
KEYWORDS = {"type", "required", "properties", "additionalProperties", "items", "enum", "const",
            "minimum", "maximum", "pattern", "$ref"}
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def same(a, b):
    return (type(a) is type(b) and a == b) or (TYPES["number"](a) and TYPES["number"](b) and a == b)


def check(value, schema, root, path, errors):
    unknown = set(schema) - KEYWORDS - ANNOTATIONS
    if unknown:
        raise SystemExit(f"schema uses unsupported keywords {sorted(unknown)} at {path}")
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise SystemExit(f"only local $ref is supported, found {ref}")
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        check(value, target, root, path, errors)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[t](value) for t in types):
            errors.append(f"{path}: expected {types}, got {json.dumps(value)[:40]}")
            return
    if "const" in schema and not same(value, schema["const"]):
        errors.append(f"{path}: expected {schema['const']!r}")
    if "enum" in schema and not any(same(value, e) for e in schema["enum"]):
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if "minimum" in schema and TYPES["number"](value) and value < schema["minimum"]:
        errors.append(f"{path}: {value} < {schema['minimum']}")
    if "maximum" in schema and TYPES["number"](value) and value > schema["maximum"]:
        errors.append(f"{path}: {value} > {schema['maximum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{path}: missing {name}")
        properties = schema.get("properties", {})
        for name, item in value.items():
            if name in properties:
                check(item, properties[name], root, f"{path}.{name}", errors)
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected {name}")
            elif isinstance(schema.get("additionalProperties"), dict):
                check(item, schema["additionalProperties"], root, f"{path}.{name}", errors)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check(item, schema["items"], root, f"{path}[{index}]", errors)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    schema = json.load(open(sys.argv[1]))
    document = json.load(open(sys.argv[2]))
    errors = []
    check(document, schema, schema, "$", errors)
    for error in errors:
        print(error)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
