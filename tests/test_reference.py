"""docs/reference.md is generated from the specs: it must be what the code says now."""
from lab import reference
from lab.optimizers import OPTIMIZERS


def test_the_checked_in_reference_is_not_stale():
    assert reference.PATH.read_text(encoding="utf-8") == reference.generate(), \
        "docs/reference.md is stale: run python -m lab.reference --write"


def test_the_reference_holds_every_optimizer_with_its_rule_and_bound():
    text = reference.generate()
    for spec in OPTIMIZERS.values():
        assert f"### `{spec.name}` — {spec.label}" in text
        assert spec.rule in text
        for p in spec.own_params:
            assert f"| `{p.name}` | {p.short} |" in text
    assert "### Schedules and clipping (every first-order optimizer)" in text and "| `clip_norm` | off |" in text
    assert "| `momentum` | Momentum |" in text and "lr < 2(1 + ρ)/λmax" in text


def test_usage_errors_exit_2(capsys):
    assert reference.main(["--nope"]) == 2
    assert "usage" in capsys.readouterr().err
