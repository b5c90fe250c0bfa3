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
    """One action: where it leads, and who may take it from which state (``by``: state -> roles).

    An action taken by different people at different stages (a return: by the district office
    at ``submitted``, by the centre at ``district_approved``) is one transition with several
    entries in ``by``.
    """

    action: str
    target: str
    label: str
    by: dict[str, frozenset[str]]

    @property
    def sources(self) -> frozenset[str]:
        return frozenset(self.by)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset().union(*self.by.values())


class Workflow:
    """The one policy of a stateful model: each row is (action, sources, target, label, roles).

    Rows naming the same action add the roles that may take it from their sources. Services
    ask it whether a role may act (``may``), pages which buttons to show (``actions_for``),
    lists which state a reviewer works on (``queues``).
    """

    def __init__(self, *rows: tuple[str, tuple[str, ...], str, str, frozenset[str]], labels: dict[str, str]):
        self.transitions: dict[str, Transition] = {}
        for action, sources, target, label, roles in rows:
            known = self.transitions.get(action)
            if known is not None and (known.target, known.label) != (target, label):
                raise ValueError(f"{action}: every row of one action leads to the same state under the same label")
            by = dict(known.by) if known else {}
            for source in sources:
                by[source] = by.get(source, frozenset()) | frozenset(roles)
            self.transitions[action] = Transition(action, target, label, by)
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

    def roles(self, action: str) -> frozenset[str]:
        """Everyone who may take ``action`` at some stage."""
        return self.transitions[action].roles

    def may(self, role, action: str, state: str) -> bool:
        """Whether ``role`` may take ``action`` on an object in ``state``."""
        return role is not None and role in self.transitions[action].by.get(state, ())

    def actions_for(self, role, state: str) -> set[str]:
        """The actions ``role`` may take on an object in ``state``: the buttons its page offers."""
        return {action for action in self.transitions if self.may(role, action, state)}

    def queues(self, action: str) -> dict[str, str]:
        """For each role that takes ``action`` at exactly one stage, that stage: the reviewer's work list."""
        stages: dict[str, set[str]] = {}
        for state, roles in self.transitions[action].by.items():
            for role in roles:
                stages.setdefault(role, set()).add(state)
        return {role: next(iter(states)) for role, states in stages.items() if len(states) == 1}


def transition(*, actor, obj, action: str, comment: str = "", data=None) -> str:
    """Move ``obj`` along its model's workflow and append the audit row; returns the old state.

    The caller saves ``obj`` inside the same transaction. Whoever the change concerns is told
    (``mutualaid.notices``: the event of ``action``, if the table has one), in the same transaction,
    so the message exists exactly when the change does.
    """
    from mutualaid import notices
    from mutualaid.models import audit

    source = obj.status
    obj.status = type(obj).workflow.target(action, source)
    audit(actor=actor, obj=obj, action=action, from_state=source, to_state=obj.status, comment=comment, data=data)
    notices.on_transition(actor=actor, obj=obj, action=action, comment=comment, data=data)
    return source
