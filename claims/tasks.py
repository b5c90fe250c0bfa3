"""Background work of the claims app (procrastinate autodiscovers ``tasks`` modules)."""

from procrastinate.contrib.django import app

from claims.deadlines import send_digest


# 00:00 UTC is 08:00 in Beijing: the digest is waiting when the centre opens.
@app.periodic(cron="0 0 * * *", periodic_id="deadline_digest")
@app.task(name="claims.deadline_digest", queue="notices", queueing_lock="deadline_digest", pass_context=False)
def deadline_digest(timestamp: int) -> dict:
    """Every morning: the centre is told which claims are past or near the 30-working-day deadline."""
    return send_digest()
