"""``ivp run --pdf``: every report page of a job also as PDF, printed by the system Chromium through
Playwright (issue 15, item 2).

nbconvert's ``webpdf`` exporter launches Playwright's own browser build, which cannot be downloaded
everywhere; ivp drives the Chromium of the system (Debian's ``chromium``, ``/usr/bin/chromium``) and prints
the rendered HTML with ``page.pdf()``: A4, the print rules of the report stylesheet, and a running footer
with the report title (which names cohort and peiljaar) and the page number.

One browser per run: ``PdfPrinter`` starts it on the first page to print and closes it at the end of the
run. Playwright's synchronous API may only be used from the thread that started it, and jobs run in
worker threads, so the printer owns one thread of its own and every job hands its pages to it. The page
may load nothing but the file itself: any other request is refused (and recorded, so a test can see it).
"""

from __future__ import annotations

import html
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ivp.running import job
from ivp.running.atomic import write_bytes

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package ``chromium``
CHROMIUM_ENV = "IVP_CHROMIUM"  # another Chromium executable (or, in tests, a missing one)
INSTALL_COMMAND = "apt-get install chromium"
# Without the background-networking flags Chromium itself phones home.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
MARGIN = {"top": "16mm", "right": "14mm", "bottom": "18mm", "left": "14mm"}  # the footer sits in the bottom margin
_OPEN_DETAILS = "document.querySelectorAll('details').forEach(d => { d.open = true; })"  # paper cannot unfold


def chromium_path() -> Path:
    """The Chromium to print with: ``$IVP_CHROMIUM`` when set, otherwise ``CHROMIUM``."""
    return Path(os.environ.get(CHROMIUM_ENV) or CHROMIUM)


def missing_message(executable: Path) -> str:
    """The one line ``ivp run --pdf`` prints when there is no Chromium to print with."""
    return (f"PDF: Chromium niet gevonden ({executable}); de rapporten worden alleen als HTML geschreven. "
            f"Installeer Chromium met '{INSTALL_COMMAND}' (als root) of wijs met {CHROMIUM_ENV}=PAD een ander "
            "Chromium aan, en voer 'ivp run --pdf' opnieuw uit.")


def footer_template(text: str) -> str:
    """Chromium's footer for every page: ``text`` (escaped) on the left, "pagina n van m" on the right.
    Chromium shows the footer at a tiny default size unless the template sets one."""
    return ('<div style="font-size:8pt;font-family:sans-serif;width:100%;margin:0 14mm;display:flex;'
            f'justify-content:space-between;color:#333"><span>{html.escape(text)}</span>'
            '<span>pagina <span class="pageNumber"></span> van <span class="totalPages"></span></span></div>')


def pdf_path(page: Path) -> Path:
    """The PDF next to a report page: ``rapport.html`` -> ``rapport.pdf``."""
    return Path(page).with_name(job.pdf_name(Path(page).name))


class PdfPrinter:
    """One headless Chromium for a whole run, started on the first page to print and used by one thread."""

    def __init__(self, executable: Path | None = None):
        self.executable = Path(executable) if executable else chromium_path()
        self._lock = threading.Lock()
        self._thread: ThreadPoolExecutor | None = None
        self._playwright = self._browser = None

    def available(self) -> bool:
        """Whether the Chromium executable is there to start."""
        return self.executable.is_file() and os.access(self.executable, os.X_OK)

    def print_page(self, page: Path, *, footer: str) -> tuple[Path, list[str]]:
        """Print the HTML file ``page`` to the PDF next to it (``pdf_path``), written atomically, with
        ``footer`` on every page. Returns the PDF's path and the URLs the page asked for (only itself when
        it is self-contained; anything else was refused). Safe to call from any thread."""
        with self._lock:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ivp-pdf")
        return self._thread.submit(self._print, Path(page), footer).result()

    def _start(self) -> None:
        # imported here, not at the top: the runner imports this module for every run (and so `ivp validate`,
        # which builds the runner's parser), with --pdf or not; `python -X importtime -c "import ivp.cli; import
        # playwright.sync_api"` measured 89 ms (cumulative, median of 3)
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(executable_path=str(self.executable),
                                                             args=CHROMIUM_ARGS)
        except Exception as exc:
            self._playwright.stop()
            self._playwright = None
            raise RuntimeError(f"Chromium ({self.executable}) start niet: {str(exc).splitlines()[0]}; controleer "
                               f"de installatie ({INSTALL_COMMAND})") from exc

    def _print(self, page: Path, footer: str) -> tuple[Path, list[str]]:
        if self._browser is None:
            self._start()
        url = page.resolve().as_uri()
        context = self._browser.new_context()
        try:
            tab = context.new_page()
            requests: list[str] = []
            tab.on("request", lambda request: requests.append(request.url))
            tab.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
            tab.goto(url, wait_until="load")
            tab.evaluate(_OPEN_DETAILS)
            data = tab.pdf(format="A4", print_background=True, display_header_footer=True,
                           header_template="<span></span>", footer_template=footer_template(footer), margin=MARGIN)
        finally:
            context.close()
        target = pdf_path(page)
        write_bytes(target, data)
        return target, requests

    def _stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()
        self._browser = self._playwright = None

    def close(self) -> None:
        """Close the browser (when one was started) and the printer's thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            try:
                thread.submit(self._stop).result()
            finally:
                thread.shutdown()


def print_job(printer: PdfPrinter, folder: Path, *, peiljaar: str, cohort: str) -> list[Path]:
    """Print every report page of the job folder ``folder`` (``ivp.running.job.REPORT_PAGES`` that exist) with
    the report title in the footer; returns the PDFs written."""
    title = job.report_title(peiljaar, cohort)
    return [printer.print_page(Path(folder) / name, footer=title)[0]
            for name in job.REPORT_PAGES if (Path(folder) / name).is_file()]
