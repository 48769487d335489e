"""The catalogue carries every code's metadata; the rule registry declares which codes each rule may emit."""
from __future__ import annotations

import json

import pytest

from milvus_tls_check.codes import CATALOGUE, Enforcer, go_only_codes
from milvus_tls_check.docs import codes_listing
from milvus_tls_check.model import CheckResult, Finding, Severity, Status
from milvus_tls_check.rules import RuleSpec, UndeclaredCode, check_declared, registered_rules


def test_every_code_has_its_metadata():
    for c in CATALOGUE.values():
        assert c.family != "Other", c.code
        assert c.enforced_by and all(isinstance(e, Enforcer) for e in c.enforced_by), c.code
        # results that are never findings: a good handshake, and a side not judged (the verdict is incomplete)
        assert c.severity in (Severity.ERROR, Severity.WARNING) or (c.code in ("handshake.ok", "input.not_judged")
                                                                     and c.severity is None)


def test_default_severities():
    """These stay warnings (a pass with advice, an error only with --strict); a new code states its own."""
    warnings = {c.code for c in CATALOGUE.values() if c.severity is Severity.WARNING}
    assert {"cert.expires_soon", "name.cn_only", "leaf.is_ca", "key.permissions", "key.weak", "file.key_in_cert",
            "cert.serial_invalid"} <= warnings
    assert CATALOGUE["chain.untrusted"].severity is Severity.ERROR and CATALOGUE["name.mismatch"].severity is Severity.ERROR


def test_go_only_codes():
    assert go_only_codes() == {"sig.weak", "key.weak", "key.unsupported", "config.http_port_shared",
                               "name.trailing_dot", "ca.path_length_exceeded", "ca.anchor_not_ca",
                               "chain.too_complex", "cert.go_parse_refused"}


def test_families_group_prefixes():
    by_prefix: dict[str, set[str]] = {}
    for c in CATALOGUE.values():
        by_prefix.setdefault(c.code.split(".")[0], set()).add(c.family)
    assert all(len(f) == 1 for f in by_prefix.values()), by_prefix
    assert by_prefix["ca"] == by_prefix["chain"] == by_prefix["leaf"] == {"Chain"}


def test_codes_listing_json():
    data = json.loads(codes_listing("json"))
    assert data["schema"] == "milvus-tls-check/codes/v1"
    assert [c["code"] for c in data["codes"]] == list(CATALOGUE)
    weak = next(c for c in data["codes"] if c["code"] == "key.weak")
    assert weak["severity"] == "warning" and weak["go_only"] is True and weak["family"] == "Keys"
    assert set(weak["enforced_by"]) <= {e.value for e in Enforcer}


def test_codes_listing_text():
    text = codes_listing("text")
    assert all(code in text for code in CATALOGUE)
    assert text.splitlines()[0] == "Files"
    with pytest.raises(ValueError):
        codes_listing("yaml")


def test_registered_rules_declare_catalogued_codes_in_report_order():
    specs = registered_rules()
    ids = [s.id for s in specs]
    material_rules = ["files", "keys.pair", "keys.strength", "keys.permissions", "validity", "chain", "names",
                      "usage", "algorithms"]
    assert [i for i in ids if i in material_rules] == material_rules
    for spec in specs:
        assert spec.codes and spec.codes <= set(CATALOGUE), spec.id
    declared = set().union(*(s.codes for s in specs))
    static = {c for c in CATALOGUE if c.split(".")[0] in ("file", "key", "cert", "chain", "ca", "leaf", "name",
                                                           "eku", "ku", "sig")}
    assert static <= declared, static - declared


def test_an_undeclared_code_is_refused():
    spec = RuleSpec("demo", frozenset({"name.mismatch"}), lambda ctx: ())
    ok = CheckResult("demo", "t", "s", Status.FAIL, (Finding("name.mismatch", Severity.ERROR, "s", "m", "f"),))
    check_declared(spec, [ok])
    stray = CheckResult("demo", "t", "s", Status.FAIL, (Finding("key.weak", Severity.ERROR, "s", "m", "f"),))
    with pytest.raises(UndeclaredCode):
        check_declared(spec, [stray])
