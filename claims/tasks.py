"""Background work of the claims app (procrastinate autodiscovers ``tasks`` modules)."""

from procrastinate.contrib.django import app

from claims.deadlines import send_digest
from enrollment.services.history import HISTORY_UPLOADS
from mutualaid.jobs import job_handler, job_start


# 00:00 UTC is 08:00 in Beijing: the digest is waiting when the centre opens.
@app.periodic(cron="0 0 * * *", periodic_id="deadline_digest")
@app.task(name="claims.deadline_digest", queue="notices", queueing_lock="deadline_digest", pass_context=False)
def deadline_digest(timestamp: int) -> dict:
    """Every morning: the centre is told which claims are past or near the 30-working-day deadline."""
    return send_digest()


# --- the history import (issue 21) on the worker ------------------------------------------------

SHOWN_ERRORS = 500  # the page lists these; the command line lists 10,000


def start_history_import(*, actor, files: dict, names: dict, dry_run: bool):
    what = "、".join(names.values())
    return job_start(
        actor=actor, kind="history_import", label=f"{'试导入' if dry_run else '导入'}历史数据 {what}"[:200],
        params={"files": files, "names": names, "dry_run": dry_run},
    )  # fmt: skip


@job_handler("history_import")
def history_import_job(job, progress):
    """Check (a dry run) or import the kept files. One transaction: a worker that dies midway leaves
    nothing, and the files stay until the import is done, so it can be retried."""
    import tempfile
    from pathlib import Path

    from django.core.exceptions import ValidationError

    from claims.history import history_import
    from mutualaid.lib.sheet_import import UnreadableFile

    params = job.params
    progress.start(total=0, message="正在读取文件…")
    with tempfile.TemporaryDirectory(prefix="history-") as folder:
        paths = {}
        for kind, name in params["files"].items():
            data = HISTORY_UPLOADS.read(name)
            if data is None:
                raise ValidationError("上传的文件已过期删除，请重新上传。")
            path = Path(folder) / f"{kind}{Path(params['names'][kind]).suffix.lower()}"
            path.write_bytes(data)
            paths[kind] = str(path)
        try:
            result = history_import(
                actor=job.created_by, coverages=paths.get("coverages"), claims=paths.get("claims"),
                coverages_name=params["names"].get("coverages"), claims_name=params["names"].get("claims"),
                dry_run=params["dry_run"], progress=progress,
            )  # fmt: skip
        except UnreadableFile as exc:
            raise ValidationError(str(exc)) from exc
    if not params["dry_run"] and not result.error_count:
        for name in params["files"].values():
            HISTORY_UPLOADS.delete(name)
    shown = result.as_dict()
    shown["errors"], shown["converted"] = shown["errors"][:SHOWN_ERRORS], shown["converted"][:SHOWN_ERRORS]
    return shown
