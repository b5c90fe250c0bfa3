"""State machines as data.

Each stateful model declares its allowed transitions as a table; services ask
the table for the target state and never assign a status by hand, so an
illegal move (approving a draft, paying a rejected claim) cannot be written.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError


class TransitionNotAllowed(ValidationError):
    """The requested action is not allowed from the object's current state.

    A ValidationError, so pages show its message like any other refusal.
    """


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    label: str


class Workflow:
    def __init__(self, *transitions: tuple[str, tuple[str, ...], str, str], labels: dict[str, str]):
        self.transitions = {
            action: Transition(action, frozenset(sources), target, label)
            for action, sources, target, label in transitions
        }
        self.labels = labels

    def target(self, action: str, current: str) -> str:
        transition = self.transitions[action]
        if current not in transition.sources:
            raise TransitionNotAllowed(
                f"当前状态为“{self.labels.get(current, current)}”，不能执行“{transition.label}”。"
            )
        return transition.target

    def allowed(self, current: str) -> list[Transition]:
        return [t for t in self.transitions.values() if current in t.sources]

    def can(self, action: str, current: str) -> bool:
        return current in self.transitions[action].sources


def transition(*, actor, obj, action: str, comment: str = "", data=None) -> str:
    """Move ``obj`` along its model's workflow and append the audit row; returns the old state.

    The caller saves ``obj`` inside the same transaction.
    """
    from mutualaid.models import audit

    source = obj.status
    obj.status = type(obj).workflow.target(action, source)
    audit(actor=actor, obj=obj, action=action, from_state=source, to_state=obj.status, comment=comment, data=data)
    return source
