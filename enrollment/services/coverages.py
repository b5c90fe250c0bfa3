"""When a coverage pays: the waiting period's end per share group, the words the member's SMS uses
for it, and the last day to claim (DOMAIN.md §4, §5). Read by the members' pages, the notices and
the staff pages alike, so every page gives the same dates."""

from dataclasses import dataclass
from datetime import date

from enrollment.models import Coverage
from mutualaid.lib.dates import add_days


def waiting_ends(coverage: Coverage) -> date:
    return add_days(coverage.effective_from, coverage.plan.waiting_days)


def waiting_words(coverage: Coverage) -> str:
    """When a new coverage starts paying, in the words of the member's SMS: renewed shares never wait,
    new ones wait the plan's days (illness; accidents never wait, DOMAIN.md §4)."""
    if not coverage.plan.waiting_days:
        return "无等待期"
    new = coverage.shares - coverage.renewed_shares
    if new <= 0:
        return "续保无等待期"
    ends = waiting_ends(coverage).isoformat()
    if coverage.renewed_shares:
        return f"续保的 {coverage.renewed_shares} 份无等待期，新增的 {new} 份 {ends} 起可申请疾病互助金"
    return f"{ends} 起发生的疾病可申请互助金"


@dataclass(frozen=True)
class ShareGroup:
    """Shares of one coverage that become payable on the same day."""

    shares: int
    payable_from: date
    renewed: bool


def share_groups(coverage: Coverage) -> list[ShareGroup]:
    """When each share of a coverage becomes payable (DOMAIN.md §4, as the engine applies it): shares
    renewed from last period at once, added shares and new members after the waiting period."""
    renewed = min(coverage.renewed_shares, coverage.shares)
    new = coverage.shares - renewed
    if coverage.plan.waiting_days <= 0:
        return [ShareGroup(coverage.shares, coverage.effective_from, renewed > 0)]
    groups = [ShareGroup(renewed, coverage.effective_from, True)] if renewed else []
    if new:
        groups.append(ShareGroup(new, waiting_ends(coverage), False))
    return groups


def claim_deadline(coverage: Coverage) -> date:
    """The last day a claim on this coverage may be submitted (DOMAIN.md §5)."""
    return add_days(coverage.effective_to, coverage.plan.claim_deadline_days)
