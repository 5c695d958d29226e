"""The starter SPASER as ODT and as a tagged PDF, through LibreOffice when the server has it.

The Référentiel général d'interopérabilité favours ODF, and a plan meant for
publication should be an accessible PDF. LibreOffice opens the DOCX, fills its
table of contents (the DOCX leaves that to Word), and saves both — through a
small Basic macro in a private profile, since a plain `--convert-to` leaves
the contents empty and the PDF untagged. One conversion at a time, each with a
timeout; without LibreOffice, nothing is converted and the person is told so.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from bot.rendering import message
from bot.replies import Document, Reply

TIMEOUT_SECONDS = 120
FORMATS = ("odt", "pdf")

MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub Convert
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot;
  load(0).Value = True
  document = StarDesktop.loadComponentFromURL(ConvertToURL(Environ(&quot;SPASER_DOCX&quot;)), &quot;_blank&quot;, 0, load())
  indexes = document.getDocumentIndexes()
  REM Twice: the first update changes the page count, the second gets the pages right.
  For pass = 1 To 2
    For i = 0 To indexes.getCount() - 1
      indexes.getByIndex(i).update()
    Next i
  Next pass
  document.getTextFields().refresh()
  Dim odt(0) As New com.sun.star.beans.PropertyValue
  odt(0).Name = &quot;FilterName&quot;
  odt(0).Value = &quot;writer8&quot;
  document.storeToURL(ConvertToURL(Environ(&quot;SPASER_ODT&quot;)), odt())
  Dim options(0) As New com.sun.star.beans.PropertyValue
  options(0).Name = &quot;UseTaggedPDF&quot;
  options(0).Value = True
  Dim pdf(1) As New com.sun.star.beans.PropertyValue
  pdf(0).Name = &quot;FilterName&quot;
  pdf(0).Value = &quot;writer_pdf_Export&quot;
  pdf(1).Name = &quot;FilterData&quot;
  pdf(1).Value = options()
  document.storeToURL(ConvertToURL(Environ(&quot;SPASER_PDF&quot;)), pdf())
  document.close(True)
  StarDesktop.terminate()
End Sub
</script:module>
"""

MAX_WAITING = 4  # conversions waiting their turn; more are refused with a sentence, not queued for ever
_queue = threading.Lock()  # one LibreOffice at a time: each takes a core and some 200 MB
_admitted = threading.BoundedSemaphore(MAX_WAITING)  # the conversion running and those waiting for it
_stopping = threading.Event()
_running: subprocess.Popen | None = None
_profile: Path | None = None


class OfficeError(RuntimeError):
    """The conversion failed or took too long; the DOCX and Markdown are unaffected."""


def soffice() -> str | None:
    """The LibreOffice binary; `SPASER_SOFFICE` names another one, or disables it when empty."""
    configured = os.environ.get("SPASER_SOFFICE")
    if configured is not None:
        return configured or None
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return soffice() is not None


def convert(docx: bytes, timeout: float = TIMEOUT_SECONDS) -> dict[str, bytes]:
    """The ODT and the tagged PDF of a DOCX, with its table of contents filled."""
    binary = soffice()
    if binary is None:
        raise OfficeError("LibreOffice n'est pas installé")
    if not _admitted.acquire(blocking=False):
        raise OfficeError("trop de conversions en attente ; relancez /plan dans quelques minutes")
    try:
        with _queue:
            if _stopping.is_set():
                raise OfficeError("le service s'arrête")
            return _convert(binary, docx, timeout)
    finally:
        _admitted.release()


def start() -> None:
    """At start-up (again, in the same process for tests): conversions are accepted."""
    _stopping.clear()


def stop() -> None:
    """At shutdown: end the conversion in progress and refuse the waiting ones, so the bot stops at once."""
    _stopping.set()
    process = _running
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)


def _convert(binary: str, docx: bytes, timeout: float) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(prefix="spaser-convert-") as folder:
        work = Path(folder)
        source = work / "plan.docx"
        source.write_bytes(docx)
        targets = {fmt: work / f"plan.{fmt}" for fmt in FORMATS}
        env = {**os.environ, "SPASER_DOCX": str(source), "SPASER_ODT": str(targets["odt"]),
               "SPASER_PDF": str(targets["pdf"])}
        _run([binary, *_options(binary, timeout), "macro:///Standard.Module1.Convert"], env, timeout)
        missing = [fmt for fmt, path in targets.items() if not path.is_file() or path.stat().st_size == 0]
        if missing:
            raise OfficeError(f"LibreOffice n'a pas produit : {', '.join(missing)}")
        return {fmt: path.read_bytes() for fmt, path in targets.items()}


def _options(binary: str, timeout: float) -> list[str]:
    return [f"-env:UserInstallation={_profile_folder(binary, timeout).as_uri()}", "--headless", "--invisible",
            "--norestore", "--nologo"]


def _profile_folder(binary: str, timeout: float) -> Path:
    """A private profile, made once per process, holding the conversion macro."""
    global _profile
    if _profile is not None and (_profile / "user" / "basic" / "Standard" / "Module1.xba").is_file():
        return _profile
    folder = Path(tempfile.mkdtemp(prefix="spaser-libreoffice-"))
    _run([binary, f"-env:UserInstallation={folder.as_uri()}", "--headless", "--norestore", "--terminate_after_init"],
         dict(os.environ), timeout)
    module = folder / "user" / "basic" / "Standard" / "Module1.xba"
    if not module.parent.is_dir():
        raise OfficeError("le profil LibreOffice n'a pas pu être créé")
    module.write_text(MACRO, encoding="utf-8")
    _profile = folder
    return folder


def _run(command: list[str], env: dict, timeout: float) -> None:
    """Run LibreOffice in its own process group, so that a timeout ends all of it."""
    global _running
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    _running = process
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise OfficeError(f"LibreOffice n'a pas fini en {timeout:.0f} s") from None
    finally:
        _running = None
    if _stopping.is_set():
        raise OfficeError("le service s'arrête")


def converted(document: Document) -> list[Reply]:
    """The replies carrying the ODT and the PDF of a DOCX reply's document, or one line saying why not."""
    stem = document.filename.rsplit(".", 1)[0]
    try:
        files = convert(document.content)
    except OfficeError as error:
        return [Reply(message("conversion_failed", reason=str(error)))]
    captions = {"odt": "Votre SPASER (OpenDocument, LibreOffice)", "pdf": "Votre SPASER (PDF accessible)"}
    return [Reply("", document=Document(f"{stem}.{fmt}", files[fmt], caption=captions[fmt])) for fmt in FORMATS]
