"""What `payssam review` prints at the end: the five BILL-IDs in a table, and the summary a partner pastes into
their mail to the vendor (Korean, then English), or, against the simulator, the same marked as a rehearsal."""

from __future__ import annotations

from collections.abc import Sequence

from ._review_flows import Flow

RULE = "-" * 72


def result(flow: Flow) -> str:
    """shown, to check (shown as far as this command can see), or NOT SHOWN."""
    if not flow.shown:
        return "NOT SHOWN"
    return "to check" if flow.to_check else "shown"


def table(flows: Sequence[Flow]) -> list[str]:
    """One row per flow: its name, BILL-ID, result and what it showed (or why not)."""
    rows = [("flow", "BILL-ID", "result", "what it showed")]
    rows += [(flow.name, flow.bill_id or "-", result(flow), flow.showed or flow.why) for flow in flows]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip() for a, b, c, d in rows]


def tally(flows: Sequence[Flow], api_version: int, target: str) -> str:
    """One line: how many flows were shown, over which API against which target."""
    shown = sum(flow.shown and not flow.to_check for flow in flows)
    checks = [flow.name for flow in flows if flow.shown and flow.to_check]
    line = f"{shown}/{len(flows)} review flows shown (API v{api_version}, {target})"
    if checks:
        line += f"; {len(checks)} to check on your side: {', '.join(checks)}"
    return line


def summary(flows: Sequence[Flow], *, api_version: int, base_url: str, member: str, rehearsal: bool) -> list[str]:
    """The text for the vendor: one line per flow naming it, its BILL-ID and what it showed, Korean then English."""
    if rehearsal:
        heading = [
            f"[리허설] 로컬 시뮬레이터에서 실행한 결제선생 연동 검수 흐름입니다 (API v{api_version}). "
            "결제선생에 보낼 검수 결과가 아닙니다.",
            f"[Rehearsal] The review flows run against the local simulator (API v{api_version}): not for the vendor.",
        ]
    else:
        heading = [
            f"[결제선생 연동 검수 결과] API v{api_version}, {base_url}, member {member}",
            "아래 다섯 건의 BILL-ID로 검수 흐름을 진행했습니다.",
        ]
    korean = [
        f"{number}. {flow.name_ko}: BILL-ID {flow.bill_id or '-'} - {_korean(flow)}"
        for number, flow in _numbered(flows)
    ]
    english = [
        f"{number}. {flow.name}: BILL-ID {flow.bill_id or '-'} - {_english(flow)}" for number, flow in _numbered(flows)
    ]
    return [RULE, *heading, "", *korean, "", f"Review flows, API v{api_version}:", *english, RULE]


def _numbered(flows: Sequence[Flow]) -> list[tuple[int, Flow]]:
    return list(enumerate(flows, start=1))


def _english(flow: Flow) -> str:
    return flow.showed if flow.shown else f"not shown: {flow.why}"


def _korean(flow: Flow) -> str:
    if flow.shown:
        return flow.showed_ko
    return f"미완료 ({flow.why})"


def as_data(flow: Flow) -> dict[str, object]:
    """A flow for --json."""
    return {
        "flow": flow.name,
        "bill_id": flow.bill_id,
        "result": result(flow).lower(),
        "showed": flow.showed or None,
        "showed_ko": flow.showed_ko or None,
        "why": flow.why or None,
    }
