"""`ihp build`: from a folder of intake workbooks to Word files and archival PDF bundles.

Reads like the architecture diagram::

    check_intake ─▶ per valid pupil: render (Word) ─▶ convert (LibreOffice, batched) ─▶ bundle
                                                                            ─▶ move into place
                                                                            ─▶ manifest + report

Everything is made in a work folder inside the output folder and renamed into place only when a
pupil's files are all finished, so one pupil failing, a crash or Ctrl-C never leaves half-written
files. A pupil whose inputs (workbook, school details, templates, photo, tool and form version)
hash the same as last time, and whose outputs are still there unchanged, is skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.check_cache import CheckCache
from pipeline.documents import DocumentKind, template_paths
from pipeline.errors import ExitCode, IhpError, OutputError, UsageError
from pipeline.files import inside, move_into_place, private_dir, pupil_slug, sha256_file, slugify
from pipeline.intake import workbooks_in
from pipeline.libreoffice import CHUNK_LIMIT, DEFAULT_TIMEOUT, Converter, find_soffice
from pipeline.manifest import (
    BuildReport,
    Output,
    PupilOutcome,
    Status,
    previous_pupils,
    read_manifest,
    write_manifest,
)
from pipeline.model import FORM_VERSION, Nation, Plan
from pipeline.problems import Problem
from pipeline.report import problem_line, write_reports
from pipeline.validate import Checked, check_intake, named_school_file
from pipeline.workers import start_pool, worker_count

if TYPE_CHECKING:  # pipeline.render (docxtpl, python-docx, Pillow) is imported only to build
    from pipeline.render import Templates

_log = logging.getLogger(__name__)

Progress = Callable[[float, int, str], None]
"""`progress(pupils_done, pupils_to_build, stage)`: `pupils_done` grows smoothly (fractions)."""

WORK_PREFIX = ".ihp-work-"
#: LibreOffice's profiles, kept between builds (it starts sooner in one it has used)
PROFILES_FOLDER = ".ihp-libreoffice"

# Share of one pupil's progress each stage is worth (LibreOffice is most of the time).
_RENDER_SHARE, _CONVERT_SHARE, _BUNDLE_SHARE = 0.1, 0.8, 0.1

#: the manifest's name for each document kind
KIND_KEYS = {
    "IHP": "IHP",
    "IDP": "IDPHealth",
    "EMERGENCY": "Emergency",
    "PARENT_LETTER": "ParentLetter",
    "TRAINING_RECORD": "TrainingRecord",
}
BUNDLE_KIND = "bundle"

#: page-label prefixes in the bundle ("IHP-1", "Emergency-1", ...)
PAGE_LABELS = {
    "IHP": "IHP",
    "IDP": "IDP",
    "EMERGENCY": "Emergency",
    "PARENT_LETTER": "Letter",
    "TRAINING_RECORD": "Training",
}


@dataclass(frozen=True)
class BuildOptions:
    #: LibreOffice processes at once (default: one per core)
    jobs: int | None = None
    #: seconds LibreOffice may take for one document (for one batch, without UNO)
    timeout: float = DEFAULT_TIMEOUT
    #: rebuild every pupil even when nothing changed
    force: bool = False
    #: Word files only: no LibreOffice, no PDF bundles
    no_pdf: bool = False
    soffice: Path | None = None
    #: a school's own templates folder (default: the templates shipped with ihp)
    templates: Path | None = None
    #: the school details file (default: found in the intake folder)
    school_file: Path | None = None
    #: the date warnings are judged against (default: today)
    today: date | None = None


def tool_version() -> str:
    try:
        return version("ihp")
    except PackageNotFoundError:
        return "0+unknown"


def build(
    intake: Path,
    output: Path,
    *,
    options: BuildOptions | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build every valid pupil of `intake` (a folder or one workbook) into `output`.

    Never stops for one pupil: invalid workbooks and failures are recorded in the returned
    report (and in `manifest.json` and `report.html`); `BuildReport.exit_code` sums them up.
    Raises only for what stops the whole batch: LibreOffice missing (unless `no_pdf`),
    unreadable templates, an output folder that cannot be written, Ctrl-C.
    """
    options = options or BuildOptions()
    started = time.monotonic()
    if not intake.exists():
        raise UsageError(f"{intake} does not exist", "give the intake folder or a workbook")
    soffice = None if options.no_pdf else find_soffice(options.soffice)
    template_hashes = _template_hashes(template_paths(options.templates))
    if progress is not None:
        progress(0.0, 0, "checking workbooks")
    cache = CheckCache(output, today=options.today or date.today(), tool_version=tool_version())
    output = private_dir(output).resolve()
    _remove_stale_work(output)
    with _work_folder(output) as work, contextlib.ExitStack() as stack:

        def start_libreoffice(pupils: int) -> Converter | None:
            # In the background: its start-up overlaps reading, compiling and rendering.
            if soffice is None or not pupils:
                return None
            return stack.enter_context(
                Converter(
                    soffice,
                    jobs=options.jobs,
                    timeout=options.timeout,
                    work_dir=work,
                    documents=pupils * len(DocumentKind),
                    profiles=output / PROFILES_FOLDER,
                )
            )

        converter = start_libreoffice(_expected_work(intake, options, cache))
        checked = check_intake(
            intake,
            school_file=options.school_file,
            today=options.today,
            cache=None if options.force else cache,
        )
        checked_at = time.monotonic()
        cache.remember(
            checked.school_file,
            (checked.school, checked.school_problems) if checked.school else None,
            [
                (pupil.path, pupil.plan, pupil.problems)
                for pupil in checked.pupils
                if pupil.ok and pupil.plan
            ],
            [pupil.path for pupil in checked.pupils if not (pupil.ok and pupil.plan)],
        )
        school_file = checked.school_file
        report = BuildReport(
            intake=intake,
            output=output,
            tool_version=tool_version(),
            form_version=FORM_VERSION,
            built_at=datetime.now(UTC).astimezone(),
            templates=template_hashes,
            school_file=school_file,
            school_sha256=cache.sha256(school_file) if school_file else None,
            school_problems=list(checked.school_problems),
            pdf=not options.no_pdf,
            nation=checked.school.nation if checked.school else Nation.ENGLAND,
        )
        report.timings["check"] = checked_at - started
        previous = read_manifest(output)
        earlier = previous_pupils(previous)
        todo = _triage(checked.pupils, report, earlier, options, cache.sha256)
        _log.info(
            "build: %d pupil workbook(s): %d to build, %d unchanged, %d need fixing; PDFs %s",
            len(checked.pupils),
            len(todo),
            sum(1 for pupil in report.pupils if pupil.status is Status.UNCHANGED),
            sum(1 for pupil in report.pupils if pupil.status is Status.INVALID),
            "off" if options.no_pdf else "on",
        )
        if converter is None:  # e.g. changed templates: nothing new to read, much to build
            converter = start_libreoffice(len(todo))
        try:
            if todo:
                # Compiled only when there is something to build, and before any worker
                # starts: a broken template is one clear error.
                from pipeline.render import load_templates

                templates = load_templates(options.templates)
                _build_pupils(todo, report, templates, work, converter, options, progress)
        finally:
            # Written even after Ctrl-C, so the manifest always describes the files in the folder.
            report.pupils.sort(key=lambda pupil: (pupil.slug, pupil.workbook.name))
            report.kept = _kept_entries(earlier, report, output)
            report.seconds = time.monotonic() - started
            for stage, seconds in report.timings.items():
                _log.info("stage %s took %.1f s", stage, seconds)
            write_manifest(report, previous)
            write_reports(report)
    return report


# --- deciding what to build ----------------------------------------------------------------------


def _expected_work(intake: Path, options: BuildOptions, cache: CheckCache) -> int:
    """How many workbooks this build will probably rebuild, known before any is read: those
    not checked earlier today (new or changed), or every one (--force, new school details).
    LibreOffice is started this early for them; 0 waits for the check to know."""
    workbooks = workbooks_in(intake) if intake.is_dir() else [intake]
    school = options.school_file or named_school_file(workbooks)
    if school is None:
        return 0  # without school details, no pupil can be built
    if options.force or not cache.same_school(school):
        return len(workbooks)
    return sum(1 for book in workbooks if book != school and not cache.remembers(book))


@dataclass
class _Job:
    """A valid pupil to build."""

    outcome: PupilOutcome
    plan: Plan
    photo: Path | None
    earlier: dict[str, Any] | None
    documents: dict[DocumentKind, Path] = field(default_factory=dict)
    pdfs: dict[DocumentKind, Path] = field(default_factory=dict)
    done: float = 0.0


def _triage(
    pupils: list[Checked],
    report: BuildReport,
    earlier: dict[str, dict[str, Any]],
    options: BuildOptions,
    sha256: Callable[[Path], str | None],
) -> list[_Job]:
    """Record invalid, duplicate and unchanged pupils in `report`; return the pupils to build.

    `sha256` gives a workbook's hash (computed once per run, by the check cache), or None when
    it can no longer be read."""
    valid: dict[str, list[tuple[Checked, PupilOutcome]]] = defaultdict(list)
    for checked in pupils:
        workbook_hash = sha256(checked.path)
        if workbook_hash is None:
            checked = Checked(checked.path, None, [_vanished(checked.path)])
            workbook_hash = ""
        plan = checked.plan
        if plan is None or not checked.ok:
            report.pupils.append(
                PupilOutcome(
                    slug=slugify(checked.path.stem),
                    workbook=checked.path,
                    workbook_sha256=workbook_hash,
                    status=Status.INVALID,
                    reasons=[problem_line(problem) for problem in checked.errors]
                    or ["the workbook could not be read"],
                    problems=list(checked.problems),
                )
            )
            continue
        outcome = PupilOutcome(
            slug=pupil_slug(plan),
            workbook=checked.path,
            workbook_sha256=workbook_hash,
            status=Status.BUILT,
            name=plan.pupil_name,
            reference=plan.pupil.school_reference,
            plan_date=plan.agreement.plan_date,
            review_date=plan.agreement.review_date,
            problems=list(checked.warnings),
        )
        valid[outcome.slug].append((checked, outcome))

    twins = _flagged_twins(pupils, valid)
    todo: list[_Job] = []
    for slug, same in valid.items():
        if len(same) + len(twins[slug]) > 1:
            names = " and ".join([*(checked.path.name for checked, _ in same), *twins[slug]])
            plan = same[0][0].plan
            assert plan is not None
            for _, outcome in same:
                twin = Problem(
                    outcome.workbook.name,
                    "",
                    "",
                    "",
                    f"{names} are both for {plan.pupil.legal_name}, born "
                    f"{plan.pupil.date_of_birth:%d/%m/%Y}, so neither was built",
                    "keep one workbook per pupil: move the older one out of the intake folder",
                )
                outcome.status = Status.INVALID
                outcome.problems = [twin]
                outcome.reasons = [problem_line(twin)]
                report.pupils.append(outcome)
            continue
        checked, outcome = same[0]
        assert checked.plan is not None
        photo = _photo(checked.path, checked.plan)
        outcome.input_hash = _input_hash(outcome, report, photo)
        job = _Job(outcome, checked.plan, photo, earlier.get(slug))
        if not options.force and _unchanged(job, report.output, options):
            assert job.earlier is not None
            outcome.status = Status.UNCHANGED
            outcome.outputs = [
                Output(entry["kind"], entry["file"], entry["sha256"])
                for entry in job.earlier["outputs"]
            ]
            # Emails sent about these very files still stand.
            emails = job.earlier.get("emails")
            outcome.emails = list(emails) if isinstance(emails, list) else []
            report.pupils.append(outcome)
        else:
            todo.append(job)
    return todo


def _vanished(workbook: Path) -> Problem:
    return Problem(
        workbook.name,
        "",
        "",
        "",
        "the workbook was moved or deleted while ihp was reading it",
        "put it back in the intake folder and run ihp build again",
    )


def _flagged_twins(
    pupils: list[Checked], valid: dict[str, list[tuple[Checked, PupilOutcome]]]
) -> dict[str, list[str]]:
    """Workbooks the check refused as another copy of a valid pupil's, by that pupil's slug.

    The check keeps the first of two workbooks for the same pupil and refuses the second,
    naming the first; a build must build neither, since it cannot know which one is right.
    """
    slugs = {checked.path.name: slug for slug, same in valid.items() for checked, _ in same}
    twins: dict[str, list[str]] = defaultdict(list)
    for checked in pupils:
        if checked.plan is not None and checked.ok:
            continue
        for problem in checked.errors:
            if problem.sheet:  # the duplicate problem belongs to no sheet or cell
                continue
            for name, slug in slugs.items():
                if name != checked.path.name and name in problem.message:
                    twins[slug].append(checked.path.name)
    return twins


def _photo(workbook: Path, plan: Plan) -> Path | None:
    """The pupil's photo, only with consent and only from the workbook's own folder."""
    if not plan.pupil.photo or plan.pupil.photo_consent is not True:
        return None
    folder = workbook.parent.resolve()
    photo = (folder / plan.pupil.photo).resolve()
    return photo if photo.parent == folder and photo.is_file() else None


def _input_hash(outcome: PupilOutcome, report: BuildReport, photo: Path | None) -> str:
    """What a pupil's documents depend on; the same hash means the same documents."""
    inputs = {
        "workbook": outcome.workbook_sha256,
        "school": report.school_sha256,
        "templates": report.templates,
        "photo": sha256_file(photo) if photo else None,
        "tool": report.tool_version,
        "form": report.form_version,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()


def _unchanged(job: _Job, output: Path, options: BuildOptions) -> bool:
    """True when the last build made this pupil from the same inputs and its files are intact."""
    earlier = job.earlier
    if not earlier or earlier.get("input_hash") != job.outcome.input_hash:
        return False
    if earlier.get("status") not in (Status.BUILT, Status.UNCHANGED):
        return False
    outputs = earlier["outputs"]
    kinds = {entry.get("kind") for entry in outputs if isinstance(entry, dict)}
    if not {"IHP", "Emergency", "ParentLetter"} <= kinds:
        return False
    if not options.no_pdf and BUNDLE_KIND not in kinds:
        return False
    for entry in outputs:
        try:
            name = Path(entry["file"])
            # Only read here, never written: a file this build made is `<slug>/<file>`.
            if name.parts != (job.outcome.slug, name.name):
                return False
            path = output / name
            if not path.is_file() or sha256_file(path) != entry["sha256"]:
                return False
        except (KeyError, TypeError, OSError):
            return False
    return True


def _template_hashes(paths: dict[DocumentKind, Path]) -> dict[str, str]:
    """SHA-256 of every template this run uses: a changed template rebuilds every pupil."""
    hashes = {}
    for kind, path in paths.items():
        try:
            hashes[kind.template] = sha256_file(path)
        except OSError:
            from pipeline.render import compile_template

            compile_template(kind, path)  # raises the TemplateError that says what is wrong
            raise
    return hashes


def _kept_entries(
    earlier: dict[str, dict[str, Any]], report: BuildReport, output: Path
) -> list[dict[str, Any]]:
    """Earlier pupils not in this build (e.g. a build of one workbook) whose files are all there."""
    seen = {pupil.slug for pupil in report.pupils}
    kept = []
    for slug, entry in earlier.items():
        if slug in seen or entry.get("status") not in (Status.BUILT, Status.UNCHANGED):
            continue
        try:
            if entry["outputs"] and all(
                inside(output, Path(item["file"])).is_file() for item in entry["outputs"]
            ):
                kept.append(entry)
        except (KeyError, TypeError, IhpError):
            continue
    return kept


# --- building ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _work_folder(output: Path) -> Iterator[Path]:
    """A private scratch folder inside the output folder (same disk: renames are atomic)."""
    try:
        work = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=output))
    except OSError as error:
        raise OutputError(
            f"cannot write in the output folder {output}: {error.strerror or error}",
            "check you may write there and that the disk is not full, or choose another with -o",
        ) from error
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _remove_stale_work(output: Path) -> None:
    """Remove work folders left by a build that was killed (its process no longer runs)."""
    for folder in output.glob(f"{WORK_PREFIX}*"):
        pid_text = folder.name[len(WORK_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or _running(int(pid_text)):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    # On Windows os.kill(pid, 0) would *terminate* the process: assume it runs.
    if pid == os.getpid() or os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _waves(todo: list[_Job], size: int) -> Iterator[list[_Job]]:
    for start in range(0, len(todo), size):
        yield todo[start : start + size]


def _build_pupils(
    todo: list[_Job],
    report: BuildReport,
    templates: Templates,
    work: Path,
    converter: Converter | None,
    options: BuildOptions,
    progress: Progress | None,
) -> None:
    """Render, convert, bundle and move into place, a wave of pupils at a time.

    A wave is as many pupils as the LibreOffice processes convert in one go, so finished pupils
    reach the output folder (and the progress bar) while the batch goes on, and memory stays flat.
    """
    total = len(todo)
    jobs = max(1, options.jobs or os.cpu_count() or 1)
    # About four documents a pupil: one full chunk for each LibreOffice process per wave.
    wave_size = max(4, jobs * CHUNK_LIMIT // 4)
    finished = 0.0

    def tell(stage: str) -> None:
        if progress is not None:
            progress(min(finished + sum(job.done for job in wave), float(total)), total, stage)

    wave: list[_Job] = []
    timings = report.timings
    for stage in ("render", "convert", "bundle"):
        timings.setdefault(stage, 0.0)
    tell("making Word files")
    workers = worker_count(total)
    with contextlib.ExitStack() as stack:
        pool = (
            stack.enter_context(start_pool(workers, _start_renderer, (options.templates,)))
            if workers
            else None
        )
        for wave in _waves(todo, wave_size):
            started = time.monotonic()
            for job in _render_wave(wave, templates, work, options.today, pool):
                job.done = _RENDER_SHARE
                tell("making Word files")
            timings["render"] += time.monotonic() - started
            if converter is not None:
                started = time.monotonic()
                _convert_wave(wave, work, converter, lambda: tell("converting to PDF"))
                if finished + len(wave) >= total:
                    converter.finish()  # LibreOffice shuts down while the last pupils are bundled
                timings["convert"] += time.monotonic() - started
            started = time.monotonic()
            for job, bundled in _bundle_wave(wave, report, options, pool):
                # Ctrl-C waits for this pupil: its files and its manifest entry go together.
                with _interrupt_deferred():
                    if job.outcome.status is not Status.FAILED:
                        _finish_pupil(job, report, bundled)
                    report.pupils.append(job.outcome)
                # Pupils by their workbook's SHA-256 (as in manifest.json): slugs hold names.
                _log.info(
                    "pupil %s: %s%s",
                    job.outcome.workbook_sha256[:12],
                    job.outcome.status.value,
                    f" (exit code {int(job.outcome.exit_code or ExitCode.INTERNAL)})"
                    if job.outcome.status is Status.FAILED
                    else f", {len(job.outcome.outputs)} file(s)",
                )
                job.done = 1.0
                tell("bundling")
            timings["bundle"] += time.monotonic() - started
            finished += len(wave)
            wave = []


def _fail(job: _Job, reason: str, code: ExitCode) -> None:
    job.outcome.status = Status.FAILED
    job.outcome.reasons.append(reason)
    job.outcome.exit_code = code
    job.outcome.outputs = []


_RenderResult = tuple[dict[DocumentKind, Path] | None, str, ExitCode]
"""A pupil's documents, or why they could not be made and the exit code that says so."""

#: a render worker's templates, loaded once when the worker starts
_worker_templates: Templates | None = None


def _start_renderer(folder: Path | None) -> None:
    from pipeline.render import load_templates

    global _worker_templates
    _worker_templates = load_templates(folder)


def _render_documents(
    plan: Plan, templates: Templates | None, folder: Path, slug: str, photo: Path | None,
    today: date | None,
) -> _RenderResult:  # fmt: skip
    """Render one pupil's documents; never raises, so it runs the same in a worker process."""
    templates = templates or _worker_templates
    assert templates is not None, "a render worker starts by loading the templates"
    from pipeline.render import render

    try:
        made = render(plan, templates, folder, slug, photo=photo, today=today)
    except IhpError as error:
        return None, f"the Word documents could not be made: {error.message}", error.exit_code
    except Exception as error:  # one pupil's bug must not stop the batch
        return (
            None,
            f"the Word documents could not be made (an error inside ihp: {type(error).__name__}); "
            "please report it",
            ExitCode.INTERNAL,
        )
    return made, "", ExitCode.OK


def _render_wave(
    wave: list[_Job], templates: Templates, work: Path, today: date | None, pool: Executor | None
) -> Iterator[_Job]:
    """Render a wave's documents (across the pool's workers when there is one), yielding each
    pupil as its documents are made."""

    def here(job: _Job) -> _RenderResult:
        slug = job.outcome.slug
        return _render_documents(job.plan, templates, work / slug, slug, job.photo, today)

    pending = []
    for job in wave:
        slug = job.outcome.slug
        (work / slug).mkdir()
        if pool is None:
            _rendered(job, here(job))
            yield job
        else:
            # The worker uses the templates it loaded when it started.
            future = pool.submit(
                _render_documents, job.plan, None, work / slug, slug, job.photo, today
            )
            pending.append((job, future))
    for job, future in pending:
        try:
            result = future.result()
        except BrokenProcessPool:  # a worker was killed: render it here instead
            result = here(job)
        _rendered(job, result)
        yield job


def _rendered(job: _Job, result: _RenderResult) -> None:
    documents, reason, code = result
    if documents is None:
        _fail(job, reason, code)
    else:
        job.documents = documents


def _convert_wave(
    wave: list[_Job], work: Path, converter: Converter, tell: Callable[[], None]
) -> None:
    owners: dict[Path, _Job] = {}
    for job in wave:
        if job.outcome.status is not Status.FAILED:
            for document in job.documents.values():
                owners[document] = job

    def converted(document: Path, pdf: Path | None) -> None:
        job = owners[document]
        job.done += _CONVERT_SHARE / max(1, len(job.documents))
        tell()

    result = converter.convert(list(owners), work / "pdf", on_converted=converted)
    for job in wave:
        if job.outcome.status is Status.FAILED:
            continue
        for kind, document in job.documents.items():
            if document in result.pdfs:
                job.pdfs[kind] = result.pdfs[document]
            else:
                reason = result.failed.get(document, "LibreOffice did not convert it")
                _fail(
                    job,
                    f"{_kind_key(kind)} could not be turned into a PDF: {reason}",
                    ExitCode.CONVERSION_FAILED,
                )


def _kind_key(kind: DocumentKind) -> str:
    return KIND_KEYS[kind.name]


_BundleResult = tuple[Path | None, str, ExitCode]
"""A pupil's PDF bundle, or why it could not be made and the exit code that says so."""


def _bundle_wave(
    wave: list[_Job], report: BuildReport, options: BuildOptions, pool: Executor | None
) -> Iterator[tuple[_Job, _BundleResult | None]]:
    """Each pupil of a wave, in order, with its PDF bundle made (across the pool's workers when
    there is one; None with --no-pdf or when the pupil already failed)."""
    if options.no_pdf:
        yield from ((job, None) for job in wave)
        return
    # pikepdf is imported only when a bundle is to be made: a re-run with nothing to build
    # starts quicker.
    from pipeline.bundle import BundleMetadata, BundlePart

    requests: list[tuple[_Job, tuple[Any, ...] | None, Future[_BundleResult] | None]] = []
    for job in wave:
        if job.outcome.status is Status.FAILED:
            requests.append((job, None, None))
            continue
        kinds = sorted(job.pdfs, key=lambda kind: kind.order)
        request: tuple[Any, ...] = (
            [BundlePart(kind.bookmark, job.pdfs[kind], PAGE_LABELS[kind.name]) for kind in kinds],
            job.documents[kinds[0]].parent / f"{job.outcome.slug}-bundle.pdf",
            BundleMetadata(
                title=f"Individual Healthcare Plan — {job.plan.pupil_name}",
                author=job.plan.school.name,
                plan_date=job.plan.agreement.plan_date,
                review_date=job.plan.agreement.review_date,
                keywords=[kind.value for kind in job.plan.condition_kinds],
                producer=f"ihp {report.tool_version}",
            ),
        )
        requests.append((job, request, pool.submit(_make_bundle, *request) if pool else None))
    for job, wanted, future in requests:
        if wanted is None:
            yield job, None
            continue
        try:
            yield job, future.result() if future is not None else _make_bundle(*wanted)
        except BrokenProcessPool:  # a worker was killed: bundle it here instead
            yield job, _make_bundle(*wanted)


def _make_bundle(parts: list[Any], dest: Path, metadata: Any) -> _BundleResult:
    """Make one pupil's PDF bundle; never raises, so it runs the same in a worker process."""
    from pipeline.bundle import bundle

    try:
        return bundle(parts, dest, metadata), "", ExitCode.OK
    except IhpError as error:
        return None, f"the PDF bundle could not be made: {error.message}", error.exit_code
    except Exception as error:  # a damaged PDF from LibreOffice, a pikepdf bug...
        return (
            None,
            f"the PDF bundle could not be made ({type(error).__name__}); run ihp build again, "
            "and report it if it happens again",
            ExitCode.CONVERSION_FAILED,
        )


def _finish_pupil(job: _Job, report: BuildReport, bundled: _BundleResult | None) -> None:
    """Move every file of one pupil into `output/<slug>/` (all or nothing)."""
    outcome = job.outcome
    slug = outcome.slug
    made: list[tuple[str, Path]] = [
        (_kind_key(kind), document)
        for kind, document in sorted(job.documents.items(), key=lambda item: item[0].order)
    ]
    if bundled is not None:
        pdf, reason, code = bundled
        if pdf is None:
            _fail(job, reason, code)
            return
        made.append((BUNDLE_KIND, pdf))
    try:
        folder = private_dir(inside(report.output, Path(slug)))
        outputs = []
        for kind, path in made:
            dest = inside(report.output, Path(slug) / path.name)
            if dest.parent != folder.resolve():
                raise OutputError(f"refusing to write {path.name} outside {folder}")
            outputs.append((kind, path, dest, sha256_file(path)))
    except IhpError as error:
        _fail(job, f"the files could not be put in place: {error.message}", error.exit_code)
        return
    except OSError as error:
        _fail(
            job,
            f"the files could not be put in place: {error.strerror or error}",
            ExitCode.OUTPUT_FAILED,
        )
        return
    try:
        _move_all([(path, dest) for _, path, dest, _ in outputs])
    except OutputError as error:
        _fail(job, error.message, ExitCode.OUTPUT_FAILED)
        return
    outcome.outputs = [
        Output(kind, dest.relative_to(report.output.resolve()).as_posix(), digest)
        for kind, _, dest, digest in outputs
    ]
    _remove_outdated(job, report.output, {dest for _, _, dest, _ in outputs})


def _move_all(moves: list[tuple[Path, Path]]) -> None:
    """Move one pupil's finished files into place, all or none.

    Each file replaces its old version atomically; if one cannot be moved (a full disk), those
    already moved are put back as they were, so a pupil never has a new plan beside an old
    emergency sheet. The old versions are kept as hard links in the work folder meanwhile.
    """
    done: list[tuple[Path, Path | None, bool]] = []  # (dest, old version, was there)
    try:
        for source, dest in moves:
            link = source.with_name(f".{source.name}.old")
            backup: Path | None = link
            existed = True
            try:
                os.link(dest, link)
            except FileNotFoundError:
                backup, existed = None, False
            except OSError:
                backup = None  # a file system without hard links: this one stays new
            move_into_place(source, dest)
            done.append((dest, backup, existed))
    except OutputError:
        for dest, backup, existed in reversed(done):
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, dest)
                elif not existed:
                    dest.unlink()
        raise


@contextlib.contextmanager
def _interrupt_deferred() -> Iterator[None]:
    """Hold Ctrl-C back until the block ends (one pupil's bundle and renames: under a second)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


def _remove_outdated(job: _Job, output: Path, current: set[Path]) -> None:
    """Delete files an earlier build made for this pupil that this build did not remake.

    For example the bundle after a rebuild with --no-pdf: it would no longer match the Word files.
    """
    for entry in (job.earlier or {}).get("outputs", []):
        try:
            path = inside(output, Path(entry["file"]))
        except (KeyError, TypeError, IhpError):
            continue
        if path not in current and path.parent.name == job.outcome.slug:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


__all__ = ["BuildOptions", "BuildReport", "Progress", "build"]
