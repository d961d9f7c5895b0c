"""Run by LibreOffice's own Python (the one with `uno`), never imported by ihp itself.

Starts one headless LibreOffice (the command line in argv[1], as JSON; its profile's URL in
argv[2]) listening on a private named pipe (argv[3]; no network port), connects to it, says
`{"ready": true}` on stdout, then converts one document per line of stdin (`{"docx": path,
"pdf": path}`) with the PDF options in argv[4], answering each with `{"ok": true}` or
`{"error": why}`. When stdin closes it shuts LibreOffice down and exits. `pipeline.libreoffice`
starts this script in its own process group and kills the group on a hang, a crash or Ctrl-C,
LibreOffice included.

It must run on the Python LibreOffice was built for (often older than ihp's): standard library
and `uno` only.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

CONNECT_SECONDS = 120.0
"""How long LibreOffice may take to start listening (a first start builds its profile)."""


def _properties(**values: Any) -> tuple[Any, ...]:
    return tuple(PropertyValue(Name=name, Value=value) for name, value in values.items())


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _connect(soffice: list[str], pipe: str) -> tuple[subprocess.Popen[bytes], Any]:
    # The profile lives in the private output folder: what LibreOffice writes there stays
    # readable by this user only, like everything else ihp writes.
    os.umask(0o077)
    office = subprocess.Popen(
        [*soffice, "--accept=pipe,name=" + pipe + ";urp;StarOffice.ComponentContext"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            context = resolver.resolve("uno:pipe,name=" + pipe + ";urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if office.poll() is not None or time.monotonic() > deadline:
                return office, None
            time.sleep(0.05)
    manager = context.ServiceManager
    desktop = manager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    return office, desktop


def _convert(desktop: Any, docx: str, pdf: str, pdf_options: dict[str, Any]) -> None:
    document = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(docx),
        "_blank",
        0,
        # No macros, no links to other files updated: the same as the profile's settings.
        _properties(Hidden=True, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0),
    )
    if document is None:
        raise RuntimeError("LibreOffice could not open it")
    try:
        filter_data = uno.Any("[]com.sun.star.beans.PropertyValue", _properties(**pdf_options))
        uno.invoke(
            document,
            "storeToURL",
            (
                uno.systemPathToFileUrl(pdf),
                _properties(FilterName="writer_pdf_Export", FilterData=filter_data),
            ),
        )
    finally:
        document.close(True)


def _warm_up(desktop: Any, profile: str, pdf_options: dict[str, Any]) -> None:
    """Export an empty document once: Writer and the PDF export are loaded before the first
    real document arrives (while ihp is still rendering it)."""
    document = desktop.loadComponentFromURL(
        "private:factory/swriter", "_blank", 0, _properties(Hidden=True)
    )
    try:
        filter_data = uno.Any("[]com.sun.star.beans.PropertyValue", _properties(**pdf_options))
        uno.invoke(
            document,
            "storeToURL",
            (
                profile + "/warm-up.pdf",
                _properties(FilterName="writer_pdf_Export", FilterData=filter_data),
            ),
        )
    finally:
        document.close(True)
    with contextlib.suppress(OSError):
        os.remove(uno.fileUrlToSystemPath(profile + "/warm-up.pdf"))


def main() -> int:
    soffice, profile, pipe, options = sys.argv[1:5]
    pdf_options = json.loads(options)
    office, desktop = _connect(json.loads(soffice), pipe)
    if desktop is None:
        _say({"ready": False})
        office.kill()
        return 1
    with contextlib.suppress(Exception):  # only a head start: the real documents still work
        _warm_up(desktop, profile, pdf_options)
    _say({"ready": True})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            try:
                _convert(desktop, request["docx"], request["pdf"], pdf_options)
                _say({"ok": True})
            except Exception as error:  # one document's failure is reported, not fatal
                _say({"error": type(error).__name__ + ": " + str(error)[:200]})
    finally:
        with contextlib.suppress(Exception):  # already gone: the group is killed anyway
            desktop.terminate()
        try:
            office.wait(timeout=20)
        except subprocess.TimeoutExpired:
            office.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
