"""Check each domain's interface against its recorded contract, and record it.

    manage.py contracts check [DOMAIN ...] [--strict] [--format text|json]
    manage.py contracts update [DOMAIN ...] [--allow-breaking] [--format text|json]

`check` exits 1 on a breaking change and names each with what to do; additive changes are
listed and pass (with --strict, as CI runs it, they fail until recorded, so that what main
promises is always on record). `update` writes domains/<d>/contract.json; it refuses while
a change breaks callers, unless --allow-breaking says every caller and subscriber moved.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shared.contracts.errors import SnapshotInvalidError
from shared.contracts.snapshots import ContractStatus, shown, status, write
from shared.interfaces import Interface, registry

UNKNOWN_DOMAIN = "No interface named {domain!r} is registered here. Registered: {known}."
BREAKING_FOUND = (
    "{count} breaking change(s) to the contracts of {domains}. Fix each as it says; once every caller and "
    "subscriber has moved, record them with `python manage.py contracts update --allow-breaking`."
)
NOT_RECORDED = (
    "The contracts of {domains} have changes that are not recorded (additive ones pass, but CI holds main to what "
    "is recorded). Run `python manage.py contracts update` and commit the contract.json files."
)
UPDATE_REFUSED = (
    "Nothing was written: {count} change(s) would break callers of {domains} (listed above). Fix them, or, once every "
    "caller and subscriber has moved, run `python manage.py contracts update --allow-breaking`."
)
BREAKING_RECORDED = (
    "WARNING: recorded {count} BREAKING change(s) to the contracts of {domains}. Any caller or subscriber still built "
    "against the old contract will fail: deploy this only after every one of them has moved."
)

UP_TO_DATE = "{domain}: up to date ({path})"
FIRST_RECORD = "{domain}: not recorded yet ({path}); everything in it is new"
SUMMARY = "{domain}: {breaking} breaking, {additive} additive change(s) against {path}"
WROTE = "{domain}: wrote {path}"
UNCHANGED = "{domain}: unchanged ({path})"


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # `manage.py check` runs those; this compares contracts only
    help = "Check the domains' interfaces against their recorded contracts (domains/<d>/contract.json), or record them."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{check,update}")
        check = actions.add_parser(
            "check", help="Compare the code with the recorded contracts; exit 1 on a breaking change."
        )
        check.add_argument(
            "--strict",
            action="store_true",
            help="Also fail while additive changes or a domain's first contract are not recorded (CI runs this).",
        )
        update = actions.add_parser("update", help="Record the code's contracts in domains/<d>/contract.json.")
        update.add_argument(
            "--allow-breaking",
            action="store_true",
            help="Record breaking changes too, once every caller and subscriber has moved.",
        )
        for action in (check, update):
            action.add_argument("domains", nargs="*", metavar="DOMAIN", help="Only these domains (default: all).")
            action.add_argument("--format", choices=("text", "json"), default="text", help="Output format.")

    def handle(self, *args: Any, **options: Any) -> None:
        interfaces = _selected(options["domains"])
        try:
            states = [status(interface) for interface in interfaces]
        except SnapshotInvalidError as exc:
            raise CommandError(str(exc)) from None
        if options["action"] == "check":
            self.run_check(states, strict=options["strict"], as_json=options["format"] == "json")
        else:
            self.run_update(states, allow_breaking=options["allow_breaking"], as_json=options["format"] == "json")

    def run_check(self, states: Sequence[ContractStatus], *, strict: bool, as_json: bool) -> None:
        self.report(states, as_json=as_json)
        breaking = [change for state in states for change in state.breaking]
        if breaking:
            raise CommandError(BREAKING_FOUND.format(count=len(breaking), domains=_domains(states, breaking=True)))
        unrecorded = [state for state in states if not state.recorded or state.additive]
        if strict and unrecorded:
            raise CommandError(NOT_RECORDED.format(domains=", ".join(state.domain for state in unrecorded)))

    def run_update(self, states: Sequence[ContractStatus], *, allow_breaking: bool, as_json: bool) -> None:
        breaking = [change for state in states for change in state.breaking]
        if breaking and not allow_breaking:
            self.report(states, as_json=as_json)
            raise CommandError(UPDATE_REFUSED.format(count=len(breaking), domains=_domains(states, breaking=True)))
        written = {state.domain for state in states if write(state)}
        if as_json:
            self.report(states, as_json=True, written=written)
        else:
            for state in states:
                self.stdout.write(
                    (WROTE if state.domain in written else UNCHANGED).format(
                        domain=state.domain, path=shown(state.path)
                    )
                )
                for change in state.changes:
                    self.stdout.write(f"  {'BREAKING' if change.breaking else 'additive'}  {change.message}")
        if breaking:
            self.stderr.write(
                self.style.ERROR(BREAKING_RECORDED.format(count=len(breaking), domains=_domains(states, breaking=True)))
            )

    def report(self, states: Sequence[ContractStatus], *, as_json: bool, written: set[str] | None = None) -> None:
        if as_json:
            self.stdout.write(json.dumps(_as_json(states, written), indent=2, sort_keys=True))
            return
        for state in states:
            path = shown(state.path)
            if not state.recorded:
                self.stdout.write(FIRST_RECORD.format(domain=state.domain, path=path))
            elif not state.changes:
                self.stdout.write(UP_TO_DATE.format(domain=state.domain, path=path))
            else:
                self.stdout.write(
                    SUMMARY.format(
                        domain=state.domain, breaking=len(state.breaking), additive=len(state.additive), path=path
                    )
                )
            for change in state.breaking:
                self.stdout.write(self.style.ERROR(f"  BREAKING  {change.message}"))
            for change in state.additive:
                self.stdout.write(f"  additive  {change.message}")


def _selected(names: Sequence[str]) -> list[Interface]:
    known = {interface.meta.name: interface for interface in registry.interfaces()}
    for name in names:
        if name not in known:
            raise CommandError(UNKNOWN_DOMAIN.format(domain=name, known=", ".join(sorted(known))))
    return [known[name] for name in sorted(set(names) or known)]


def _domains(states: Sequence[ContractStatus], *, breaking: bool) -> str:
    return ", ".join(state.domain for state in states if (state.breaking if breaking else state.changes))


def _as_json(states: Sequence[ContractStatus], written: set[str] | None) -> dict[str, Any]:
    domains = {}
    for state in states:
        entry: dict[str, Any] = {
            "path": shown(state.path),
            "recorded": state.recorded,
            "breaking": [change.as_json() for change in state.breaking],
            "additive": [change.as_json() for change in state.additive],
        }
        if written is not None:
            entry["written"] = state.domain in written
        domains[state.domain] = entry
    return {"ok": not any(state.breaking for state in states), "domains": domains}
