"""Nothing in shared/auth signs (issue 9): every process imports it to verify; only signers hold private keys.

Access tokens are signed by the identity domain alone (domains/identity/access_tokens.py, with
the keys of domains/identity/signing_keys.py), a service's calls by its own credentials
(shared/remote/credentials.py). Read from the source with `ast`, so the rule also holds for code
no test runs. A module of shared/auth breaks it when it

- calls jwt's `encode` (`jwt.encode`, through an alias, `from jwt import encode`, `PyJWT().encode`);
- calls `.sign(...)` on anything: a private key's, a JWT algorithm's, an HMAC signer's;
- imports what loads or makes keys to sign with (identity's signing keys or issuer, the service's
  credentials, the private-key makers of shared.keyfiles);
- loads a private key with cryptography (`load_pem_private_key`, ...) and keeps more than its
  public half: shared/auth/keys.py reads a private key file only to take `.public_key()` at once.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AUTH = ROOT / "shared" / "auth"

JWT_MODULES = frozenset({"jwt", "jwt.api_jwt", "jwt.api_jws"})
JWT_ENCODERS = frozenset({"PyJWT", "PyJWS"})
SIGNING_MODULES = ("domains.identity.signing_keys", "domains.identity.access_tokens", "shared.remote.credentials")
PRIVATE_KEY_MAKERS = {"shared.keyfiles": frozenset({"generate_private_key", "create_key_file", "private_key_pem"})}
PRIVATE_KEY_LOADERS = frozenset({"load_pem_private_key", "load_der_private_key", "load_ssh_private_key"})

JWT_ENCODE = "calls jwt's encode, which signs a token. Only domains/identity issues tokens; shared.auth verifies them."
SIGN_CALL = (
    "calls .sign(...). shared.auth only verifies: access tokens are signed in domains/identity, "
    "service calls in shared/remote/credentials.py."
)
SIGNING_IMPORT = "imports {name}, which loads or makes keys to sign with. shared.auth holds public keys only."
PRIVATE_KEY_KEPT = "loads a private key ({loader}) and keeps more than its public half. Take .public_key() at once."


def signing_in(source: str, *, path: str) -> list[str]:
    """Where the module at `path` (relative to the root, e.g. shared/auth/keys.py) signs: `path:line: what`."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = ".".join(Path(path).parent.parts)
    jwt_names: set[str] = set()
    encode_names: set[str] = set()
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in JWT_MODULES:
                    jwt_names.add(alias.asname or alias.name.split(".")[0])
                if _is_signing_module(alias.name):
                    found.append((node.lineno, SIGNING_IMPORT.format(name=alias.name)))
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, package)
            for alias in node.names:
                name = f"{module}.{alias.name}"
                if module in JWT_MODULES or name in JWT_MODULES:
                    (encode_names if alias.name == "encode" else jwt_names).add(alias.asname or alias.name)
                if _is_signing_import(module, alias.name):
                    found.append((node.lineno, SIGNING_IMPORT.format(name=name)))
    for node in ast.walk(tree):  # once every import is known, wherever it is in the module
        if isinstance(node, ast.Call):
            found.extend((node.lineno, what) for what in _signing_call(node, parents, jwt_names, encode_names))
    return [f"{path}:{line}: {what}" for line, what in sorted(found)]


def _signing_call(
    call: ast.Call, parents: dict[ast.AST, ast.AST], jwt_names: set[str], encode_names: set[str]
) -> list[str]:
    func = call.func
    if isinstance(func, ast.Name) and func.id in encode_names:
        return [JWT_ENCODE]
    if isinstance(func, ast.Attribute) and func.attr == "encode" and _is_jwt(func.value, jwt_names):
        return [JWT_ENCODE]
    if isinstance(func, ast.Attribute) and func.attr == "sign":
        return [SIGN_CALL]
    loader = _last_name(func)
    if loader in PRIVATE_KEY_LOADERS and not _only_public_half(call, parents):
        return [PRIVATE_KEY_KEPT.format(loader=loader)]
    return []


def _is_signing_import(module: str, name: str) -> bool:
    """`from module import name` brings in a signer: a signing module (or one of its modules), or a key maker."""
    return (
        _is_signing_module(module)
        or _is_signing_module(f"{module}.{name}")
        or name in PRIVATE_KEY_MAKERS.get(module, ())
    )


def _is_signing_module(module: str) -> bool:
    return any(module == signer or module.startswith(f"{signer}.") for signer in SIGNING_MODULES)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    """The module `from ... import` names, relative imports resolved against the module's package."""
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _is_jwt(node: ast.expr, jwt_names: set[str]) -> bool:
    """`jwt`, `jwt.api_jwt`, `jwt.PyJWT()`, `PyJWT()`: jwt's module, or one of its encoders, by a name bound to it."""
    if isinstance(node, ast.Call):
        if _last_name(node.func) not in JWT_ENCODERS:
            return False
        node = node.func
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in jwt_names


def _only_public_half(call: ast.Call, parents: dict[ast.AST, ast.AST]) -> bool:
    """`load(...).public_key()`, or `key = load(...)` where each later use of `key` is `key.public_key()`."""
    parent = parents.get(call)
    if _is_public_key_call(call, parents):
        return True
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
        return False
    name, scope = parent.targets[0].id, _scope(parent, parents)
    uses = [n for n in ast.walk(scope) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
    return all(_is_public_key_call(use, parents) for use in uses)


def _is_public_key_call(node: ast.expr, parents: dict[ast.AST, ast.AST]) -> bool:
    attribute = parents.get(node)
    if not (isinstance(attribute, ast.Attribute) and attribute.attr == "public_key"):
        return False
    called = parents.get(attribute)
    return isinstance(called, ast.Call) and called.func is attribute


def _scope(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.AST:
    while node in parents and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        node = parents[node]
    return node


def auth_modules() -> list[Path]:
    return sorted(path for path in AUTH.rglob("*.py") if "__pycache__" not in path.parts)


def test_nothing_in_shared_auth_signs() -> None:
    modules = auth_modules()

    violations = [
        violation
        for module in modules
        for violation in signing_in(module.read_text(), path=module.relative_to(ROOT).as_posix())
    ]

    assert {"keys.py", "tokens.py", "service_tokens.py", "authentication.py"} <= {module.name for module in modules}
    assert violations == []


PROBE = "shared/auth/probe.py"


@pytest.mark.parametrize(
    ("source", "violations"),
    [
        pytest.param(
            "import jwt\ntoken = jwt.encode(claims, key, algorithm='RS256')\n",
            [f"{PROBE}:2: {JWT_ENCODE}"],
            id="jwt.encode",
        ),
        pytest.param(
            "import jwt as pyjwt\npyjwt.encode(claims, key)\n", [f"{PROBE}:2: {JWT_ENCODE}"], id="jwt-aliased"
        ),
        pytest.param(
            "token = sign()\n\n\ndef sign():\n    import jwt\n\n    return jwt.encode(claims, key)\n",
            [f"{PROBE}:7: {JWT_ENCODE}"],
            id="jwt-imported-in-a-function",
        ),
        pytest.param(
            "from jwt import encode as make_token\n\n\ndef issue():\n    return make_token(claims, key)\n",
            [f"{PROBE}:5: {JWT_ENCODE}"],
            id="encode-imported-from-jwt",
        ),
        pytest.param(
            "import jwt.api_jwt\njwt.api_jwt.encode(claims, key)\n", [f"{PROBE}:2: {JWT_ENCODE}"], id="api_jwt"
        ),
        pytest.param(
            "from jwt import PyJWT\nPyJWT().encode(claims, key)\n", [f"{PROBE}:2: {JWT_ENCODE}"], id="PyJWT()"
        ),
        pytest.param(
            "signature = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())\n",
            [f"{PROBE}:1: {SIGN_CALL}"],
            id="a-keys-sign",
        ),
        pytest.param(
            "from jwt.algorithms import RSAAlgorithm\nRSAAlgorithm(RSAAlgorithm.SHA256).sign(message, key)\n",
            [f"{PROBE}:2: {SIGN_CALL}"],
            id="a-jwt-algorithms-sign",
        ),
        pytest.param(
            "from shared.remote.credentials import load_private_key\n",
            [f"{PROBE}:1: " + SIGNING_IMPORT.format(name="shared.remote.credentials.load_private_key")],
            id="the-services-key-loader",
        ),
        pytest.param(
            "from ..remote import credentials\n",
            [f"{PROBE}:1: " + SIGNING_IMPORT.format(name="shared.remote.credentials")],
            id="relative-import-of-the-credentials",
        ),
        pytest.param(
            "import domains.identity.signing_keys\n",
            [f"{PROBE}:1: " + SIGNING_IMPORT.format(name="domains.identity.signing_keys")],
            id="identitys-signing-keys",
        ),
        pytest.param(
            "from domains.identity.access_tokens import issue_access_token\n",
            [f"{PROBE}:1: " + SIGNING_IMPORT.format(name="domains.identity.access_tokens.issue_access_token")],
            id="identitys-issuer",
        ),
        pytest.param(
            "from shared.keyfiles import generate_private_key\n",
            [f"{PROBE}:1: " + SIGNING_IMPORT.format(name="shared.keyfiles.generate_private_key")],
            id="a-private-key-maker",
        ),
        pytest.param(
            "def signing_key(data):\n    key = serialization.load_pem_private_key(data, None)\n    return key\n",
            [f"{PROBE}:2: " + PRIVATE_KEY_KEPT.format(loader="load_pem_private_key")],
            id="a-private-key-kept",
        ),
        pytest.param(
            "from cryptography.hazmat.primitives.serialization import load_der_private_key\n"
            "signer = Signer(load_der_private_key(data, None))\n",
            [f"{PROBE}:2: " + PRIVATE_KEY_KEPT.format(loader="load_der_private_key")],
            id="a-private-key-handed-on",
        ),
        pytest.param(
            "def half(data):\n    key = load_pem_private_key(data, None)\n    return key.public_key(), key\n",
            [f"{PROBE}:2: " + PRIVATE_KEY_KEPT.format(loader="load_pem_private_key")],
            id="the-public-half-and-the-key",
        ),
    ],
)
def test_the_scanner_names_file_and_line_of_each_way_to_sign(source: str, violations: list[str]) -> None:
    assert signing_in(source, path=PROBE) == violations


def test_what_verifying_code_may_do() -> None:
    source = """\
import jwt
from jwt.algorithms import RSAAlgorithm
from cryptography.hazmat.primitives import serialization
from shared.keyfiles import public_key_pem


def parse_public_pem(data):
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        return serialization.load_pem_public_key(data)
    return private.public_key()


def public_half(data):
    return serialization.load_pem_private_key(data, None).public_key()


def claims(token, key):
    kid = jwt.get_unverified_header(token)["kid"].encode()
    key.verify(signature, message)
    return jwt.decode(token, key, algorithms=["RS256"]), RSAAlgorithm.to_jwk(key), "text".encode(), kid
"""

    assert signing_in(source, path=PROBE) == []
