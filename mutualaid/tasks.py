"""Queue tasks (procrastinate autodiscovers ``tasks`` modules in every app)."""

from procrastinate.contrib.django import app

from mutualaid import jobs


@app.task(name="mutualaid.run_job", queue="jobs", pass_context=False)
def run_job(job_id: str) -> None:
    jobs.execute(job_id)
