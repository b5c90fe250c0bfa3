"""Small helpers shared by the claim tests."""

from claims import services
from demo.documents import attach_required


def submit(actor, claim, **kwargs):
    """Attach the required documents (DOMAIN.md §3) as the clerk would, then submit."""
    attach_required(claim, actor)
    return services.claim_submit(actor=actor, claim=claim, **kwargs)
