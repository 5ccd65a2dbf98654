"""Long-lived kernels for the pipeline: a few kernels run all notebooks of a run, one notebook at a time each.

Starting a kernel and importing pandas, matplotlib and seaborn in it takes seconds; computing a section
takes milliseconds. So a run keeps one kernel per worker thread and executes notebook after notebook in it
through papermill (a papermill engine that uses the worker's kernel instead of starting one). Before every
notebook the worker resets the kernel to what a fresh kernel would offer the notebook:

- IPython's ``reset`` empties the namespace and restarts the execution counter at 1, so a notebook that
  leans on a variable of an earlier notebook fails here just as it would alone in JupyterLab;
- the ``ivp`` modules are dropped from ``sys.modules``, so each notebook imports them afresh (about 20 ms:
  the kernel keeps their compiled code, ``COMPILE_CACHE``, and the compiled report templates,
  ``JINJA_CACHE``; both immutable) and no module state or cached table that an earlier notebook touched
  can reach it;
- open figures are closed, and matplotlib's settings, backend and the working folder are put back as they
  were when the kernel started.

Third-party modules (pandas, numpy, matplotlib, seaborn, scipy, pyarrow) stay loaded: that is the saving.

Kernels talk over IPC sockets (files in a private temporary folder), not TCP ports, so parallel kernels
cannot race for a port. A kernel that dies while starting (seen under load as "Kernel died before replying
to kernel_info") is started once more; a kernel that dies during a notebook is replaced before the next.

Which kernel (``resolve_kernel``): the one registered under the run's kernel name (``ivp``, registered by
``make``) when Jupyter finds it. When it is not registered -- a plain ``pip install`` or a conda environment,
papermill's most reported failure (``NoSuchKernel``, papermill issues #251, #638, #761) -- the kernel is the
Python that runs ``ivp`` itself: the kernel manager gets a kernel spec manager (``ThisPythonSpecs``) that
answers the missing name with an in-memory spec ``sys.executable -m ipykernel_launcher -f {connection_file}``,
built exactly as jupyter_client builds its own ``python3`` spec when no Python kernel is registered
(``ipykernel.kernelspec.get_kernel_dict``). Nothing is written or registered, and the notebooks keep their
``ivp`` kernel metadata for JupyterLab. A kernel named explicitly (``ivp run --kernel NAME``) is never
replaced: when it does not exist the run is refused before any kernel starts.
"""

from __future__ import annotations

import importlib.util
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import Unicode, default

from ivp.errors import InputProblem, InvalidInput, KernelError

ENGINE = "ivp-gedeelde-kernel"
# Kernel log lines are noise on the console (cell errors reach us through papermill); the command history
# is not needed and would make parallel kernels contend for one SQLite file.
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]
START_TIMEOUT = 120
START_ATTEMPTS = 2
# Imported once per kernel, before the first notebook: what the stage notebooks import (through ivp).
WARM_UP = ("import ivp.analysis.measures, ivp.inputs.clean, ivp.running.provenance, ivp.report.text, "
           "ivp.analysis.results")
# Taken right after the kernel started (before the warm-up), restored before every notebook; kept in a
# module of its own, out of the user namespace.
SNAPSHOT = """\
import os as _os, sys as _sys, types as _types
import matplotlib as _mpl
_sys.modules["_ivp_kernel_state"] = _types.SimpleNamespace(
    cwd=_os.getcwd(), backend=_mpl.rcParams["backend"],
    rc={k: v for k, v in _mpl.rcParams.items() if k != "backend"})
del _os, _sys, _types, _mpl
"""
# Every notebook imports the ivp modules afresh (see RESET); without .pyc files (PYTHONDONTWRITEBYTECODE, an
# editable install that never wrote them) each import compiles the source again: 40 of the 50-60 ms of a
# notebook's first cell. The kernel keeps the compiled code objects in memory, keyed by path and the exact
# source bytes, so a changed file is compiled anew; code objects are immutable, and every import still
# executes the module afresh (new module, new state). Nothing is written to disk.
COMPILE_CACHE = """\
def _ivp_compile_cache():
    import importlib.machinery
    loader = importlib.machinery.SourceFileLoader
    if getattr(loader.source_to_code, "_ivp_cached", False):
        return
    compile_source, codes = loader.source_to_code, {}
    def source_to_code(self, data, path, *args, **kwargs):
        key = (path, bytes(data), args, tuple(sorted(kwargs.items())))
        code = codes.get(key)
        if code is None:
            code = codes[key] = compile_source(self, data, path, *args, **kwargs)
        return code
    source_to_code._ivp_cached = True
    loader.source_to_code = source_to_code
_ivp_compile_cache()
del _ivp_compile_cache
"""
# Likewise the report sections' Jinja templates: a fresh ivp.report.templating makes a fresh Environment, which
# compiled the 12 templates of notebook 05 again (90-150 ms of it). Compiled templates are kept by everything
# their generated code depends on: the source, its name and file, and the environment's syntax, whitespace,
# extension, autoescape, finalize, async and optimisation settings and the names of its filters and tests.
JINJA_CACHE = """\
def _ivp_jinja_cache():
    import jinja2
    if getattr(jinja2.Environment.compile, "_ivp_cached", False):
        return
    compile_template, codes = jinja2.Environment.compile, {}
    def settings(env, name):
        autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
        finalize = None if env.finalize is None else (getattr(env.finalize, "__module__", None),
                                                      getattr(env.finalize, "__qualname__", repr(env.finalize)))
        return (type(env), env.block_start_string, env.block_end_string, env.variable_start_string,
                env.variable_end_string, env.comment_start_string, env.comment_end_string,
                env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks,
                env.newline_sequence, env.keep_trailing_newline, env.optimized, env.is_async, bool(autoescape),
                finalize, tuple(sorted(env.extensions)), tuple(sorted(env.filters)), tuple(sorted(env.tests)))
    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if raw or not isinstance(source, str):
            return compile_template(self, source, name, filename, raw, defer_init)
        key = (source, name, filename, defer_init, settings(self, name))
        code = codes.get(key)
        if code is None:
            code = codes[key] = compile_template(self, source, name, filename, raw, defer_init)
        return code
    compile._ivp_cached = True
    jinja2.Environment.compile = compile
_ivp_jinja_cache()
del _ivp_jinja_cache
"""
RESET = """\
def _ivp_reset(shell=get_ipython()):
    import gc, os, sys
    import matplotlib
    state = sys.modules["_ivp_kernel_state"]
    collect = gc.collect
    gc.collect = lambda *args, **kwargs: 0  # reset() ends with a full collection (0.1 s) that nothing needs
    try:
        shell.reset(new_session=True)  # also removes _ivp_reset itself
    finally:
        gc.collect = collect
    for name in [m for m in sys.modules if m == "ivp" or m.startswith("ivp.")]:
        del sys.modules[name]
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    matplotlib.rcParams.update(state.rc)
    if matplotlib.rcParams["backend"] != state.backend:
        matplotlib.use(state.backend)
    os.chdir(state.cwd)
_ivp_reset()
"""


# ---------------------------------------------------------------- which kernel

FALLBACK_DISPLAY_NAME = "Python (ivp)"


def this_python_spec(name: str) -> KernelSpec:
    """A kernel spec named ``name`` for the running interpreter: ``sys.executable -m ipykernel_launcher -f
    {connection_file}``, as ipykernel itself writes it (and as jupyter_client serves its native ``python3``
    kernel when none is registered). Raises ImportError when ipykernel is not installed here."""
    # Imported here, not at the top, for behaviour, not cost (1 ms after this module): ipykernel may be missing
    # from this interpreter, which resolve_kernel reports as invalid input; a top-level import would make
    # importing this module fail instead.
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict

    spec = get_kernel_dict()
    spec["display_name"] = FALLBACK_DISPLAY_NAME
    return KernelSpec(name=name, resource_dir=RESOURCES, **spec)


class ThisPythonSpecs(KernelSpecManager):
    """The kernel specs Jupyter finds, plus ``fallback_name`` answered by ``this_python_spec``: handed to the
    kernel manager (its ``kernel_spec_manager``) when that name is not registered."""

    fallback_name = Unicode()

    def find_kernel_specs(self) -> dict[str, str]:
        found = super().find_kernel_specs()
        found.setdefault(self.fallback_name, this_python_spec(self.fallback_name).resource_dir)
        return found

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name == self.fallback_name:
            return this_python_spec(kernel_name)
        return super().get_kernel_spec(kernel_name)


@dataclass(frozen=True)
class KernelChoice:
    """The kernel a run uses: ``name`` as registered (``specs`` None), or -- when no kernel of that name is
    registered -- ``name`` answered by ``specs`` (a ``ThisPythonSpecs``) with the running interpreter."""

    name: str
    specs: KernelSpecManager | None = None

    @property
    def fallback(self) -> bool:
        return self.specs is not None

    def notice(self) -> str | None:
        """The progress line that says the fallback is used (None when the registered kernel is used)."""
        if not self.fallback:
            return None
        return f"kernel '{self.name}' niet gevonden; ivp gebruikt de Python van deze omgeving ({sys.executable})"

    def papermill_kwargs(self) -> dict:
        """Extra arguments for ``papermill.execute_notebook`` (handed on to nbclient's ``NotebookClient``) that
        make it start this kernel: for the fallback a kernel manager class whose spec manager is ``specs``."""
        if not self.fallback:
            return {}
        specs = self.specs

        class ThisPythonKernelManager(AsyncKernelManager):
            @default("kernel_spec_manager")
            def _default_specs(self):
                return specs

        return {"kernel_manager_class": ThisPythonKernelManager}


def resolve_kernel(name: str, *, explicit: bool = False, specs: KernelSpecManager | None = None) -> KernelChoice:
    """The kernel for a run that names kernel ``name``.

    Args:
        name: the kernel name (``ivp`` unless the user chose another).
        explicit: True when the user named it (``--kernel``): then a missing kernel is refused instead of
            replaced by the running interpreter.
        specs: where to look (default: ``KernelSpecManager()``, i.e. JUPYTER_PATH, the user's and the
            environment's kernel folders, as JupyterLab and papermill look).
    Returns:
        the registered kernel when ``specs`` finds ``name``; otherwise (not explicit) the fallback.
    Raises:
        InvalidInput (exit 2) naming ``--kernel``, the name and the kernels that do exist, when an explicitly
        named kernel is not found; or naming the interpreter when the fallback is needed but ipykernel is
        not installed in it.
    """
    specs = specs if specs is not None else KernelSpecManager()
    try:
        specs.get_kernel_spec(name)
        return KernelChoice(name)
    except NoSuchKernel:
        pass
    if explicit:
        available = ", ".join(sorted(specs.find_kernel_specs())) or "geen"
        raise InvalidInput([InputProblem(
            "--kernel", None, None, f"{name} (niet gevonden)",
            f"een geregistreerde kernel (gevonden: {available}; zie 'jupyter kernelspec list'), of laat --kernel "
            "weg: dan gebruikt ivp de kernel 'ivp', of de Python van deze omgeving als die er niet is")])
    if importlib.util.find_spec("ipykernel_launcher") is None:
        raise InvalidInput([InputProblem(
            "kernel", None, None, f"kernel '{name}' niet gevonden en ipykernel ontbreekt in {sys.executable}",
            "ipykernel in deze omgeving (pip install ipykernel), of een geregistreerde kernel 'ivp'")])
    return KernelChoice(name, ThisPythonSpecs(data_dir=specs.data_dir, kernel_dirs=list(specs.kernel_dirs),
                                             ensure_native_kernel=specs.ensure_native_kernel, fallback_name=name))


_papermill_lock = threading.Lock()
_papermill_ready = False


def papermill():
    """papermill, made ready for the runner on first use (imported late: it costs 1.35 s, during which the
    kernels are already starting): the shared-kernel engine registered and the working-folder fix applied."""
    # papermill and its submodules (here, in _shared_kernel_engine and _keep_papermill_in_the_working_folder)
    # are imported in functions: `python -X importtime -c "import ivp.cli, ivp.running.kernels; import
    # papermill"` measured 1347 ms (cumulative, median of 3), which the runner pays in a thread of its own
    # while the kernels start (runner._import_while_kernels_start) instead of before it starts them.
    global _papermill_ready
    import papermill as pm

    with _papermill_lock:
        if not _papermill_ready:
            from papermill.engines import papermill_engines  # late: see papermill()

            papermill_engines.register(ENGINE, _shared_kernel_engine())
            _keep_papermill_in_the_working_folder()
            _papermill_ready = True
    return pm


def _shared_kernel_engine():
    from papermill.clientwrap import PapermillNotebookClient  # late: see papermill()
    from papermill.engines import NBClientEngine

    class SharedKernelEngine(NBClientEngine):
        """papermill engine that executes in an already running kernel (``kernel=`` a ``Kernel``) instead of
        starting and stopping one per notebook; everything else (parameters, saving, errors) is papermill's."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, kernel=None,
                                     **kwargs):
            client = PapermillNotebookClient(nb_man, km=kernel.km, kernel_name=kernel_name,
                                             timeout=execution_timeout, startup_timeout=start_timeout,
                                             log_output=log_output, stdout_file=stdout_file,
                                             stderr_file=stderr_file)
            client.kc = kernel.kc
            return client.execute()

    return SharedKernelEngine


def _keep_papermill_in_the_working_folder() -> None:
    """papermill's local file handler changes the *process's* working folder around every notebook it reads
    or writes, to the folder that was current when ``execute_notebook`` began, and puts the previous value
    back afterwards. With notebooks executed in several threads those save/restore pairs interleave: one
    thread's chdir moves the others, and a folder of an earlier run can be left behind, so a relative path
    anywhere in the process briefly points elsewhere. The runner gives papermill absolute paths only, so the
    handler needs no folder of its own: it keeps None (no chdir at all)."""
    from papermill.iorw import papermill_io  # late: see papermill()

    handler = papermill_io.get_handler("local")
    handler._cwd = None
    handler.cwd = lambda new_path=None: None


class Kernel:
    """One kernel, used by one thread at a time: started, reset before each notebook, shut down.

    The manager and client are the asynchronous ones that nbclient itself uses (run here through
    ``run_sync`` on the thread's event loop): only with them does nbclient notice a kernel that died in
    the middle of a cell, instead of waiting for its reply forever.
    """

    def __init__(self, kernel_name: str, cwd: Path, sockets: Path, specs: KernelSpecManager | None = None):
        self.kernel_name = kernel_name
        self.specs = specs  # None: Jupyter's own lookup; else where the name is found (ThisPythonSpecs)
        self.cwd = Path(cwd)
        self.sockets = Path(sockets)  # IPC socket path prefix, private to this kernel
        self.km: AsyncKernelManager | None = None
        self.kc = None
        self.starts = 0
        self.killed = threading.Event()  # set by kill(): no (re)start after that

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None)
        return getattr(provisioner, "pid", None)

    def alive(self) -> bool:
        return self.km is not None and self.km.has_kernel and run_sync(self.km.is_alive)()

    def start(self) -> None:
        """Start the kernel, connect, import the stage modules and take the snapshot that ``reset`` restores.
        A kernel that dies while starting is started once more; then a KernelError says why."""
        last = None
        for _ in range(START_ATTEMPTS):
            self.shutdown()
            if self.killed.is_set():
                raise KernelError(f"kernel '{self.kernel_name}' is gestopt")
            try:
                self._start_once()
                return
            except Exception as exc:  # noqa: BLE001 - retried once, then reported
                last = exc
        self.shutdown()
        raise KernelError(f"kernel '{self.kernel_name}' start niet ({START_ATTEMPTS} pogingen): "
                          f"{type(last).__name__}: {last}") from last

    def _start_once(self) -> None:
        self.starts += 1
        extra = {"kernel_spec_manager": self.specs} if self.specs is not None else {}
        self.km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc", ip=str(self.sockets),
                                     connection_file=f"{self.sockets}-verbinding.json", **extra)
        run_sync(self.km.start_kernel)(cwd=str(self.cwd), extra_arguments=KERNEL_ARGS)
        if self.killed.is_set():  # killed while the process was being made: it had no pid to kill yet
            self.kill()
        self.kc = self.km.client()
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=START_TIMEOUT)
        self.run(SNAPSHOT)
        self.run(COMPILE_CACHE)
        self.run(JINJA_CACHE)
        self.run(WARM_UP)

    def run(self, code: str, timeout: float = START_TIMEOUT) -> None:
        """Execute runner code silently (no output, no history); raise KernelError when it fails."""
        reply = run_sync(self.kc.execute_interactive)(code, silent=True, store_history=False, timeout=timeout,
                                                      output_hook=lambda msg: None)
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise KernelError(f"{content.get('ename', 'fout')}: {content.get('evalue', '')}")

    def reset(self) -> None:
        """Empty the namespace and restore figures, matplotlib settings and working folder (see module)."""
        self.run(RESET)

    def execute(self, notebook: Path, output: Path, parameters: dict) -> None:
        """papermill: ``notebook`` with ``parameters`` into ``output`` in this kernel, after a reset; raises
        what papermill raises (``PapermillExecutionError`` for a cell error)."""
        if not self.alive():
            self.start()
        self.reset()
        pm = papermill()
        # absolute paths only (see _keep_papermill_in_the_working_folder); saved at the end or on an error
        pm.execute_notebook(str(Path(notebook).resolve()), str(Path(output).resolve()), parameters=parameters,
                            kernel_name=self.kernel_name, engine_name=ENGINE, kernel=self, progress_bar=False,
                            log_output=False, request_save_on_cell_execute=False)

    def kill(self) -> None:
        """Stop the kernel process at once (from any thread), e.g. when the run is interrupted or its input
        refused; a kernel that is still starting is not started again."""
        self.killed.set()
        pid = self.pid
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def shutdown(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001 - best effort at the end
                pass
            self.kc = None
        if self.km is not None:
            try:
                if self.killed.is_set():  # no goodbye to a killed kernel (its manager would wait a second)
                    self.kill()
                elif self.km.has_kernel:
                    run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001
                self.kill()
            try:
                run_sync(self.km.cleanup_resources)()
            except Exception:  # noqa: BLE001
                pass
            self.km = None


class KernelPool:
    """``size`` worker threads, each owning one kernel for the whole run.

    ``submit(task)`` queues ``task(kernel)`` and returns a Future; a free worker runs it with its kernel.
    ``specs`` (``KernelChoice.specs``) is where the kernel name is looked up when it is not registered.
    Kernels start as soon as the pool is made, so their start-up overlaps with whatever the caller does
    next. ``close()`` lets the workers finish their current task and shuts the kernels down;
    ``close(kill=True)`` (an interrupted run) stops the kernels at once.
    """

    def __init__(self, size: int, *, kernel_name: str, cwd: Path, specs: KernelSpecManager | None = None):
        self.size = max(1, int(size))
        self._tasks: queue.Queue = queue.Queue()
        self._folder = Path(tempfile.mkdtemp(prefix="ivp-k"))  # short: socket paths are limited to ~100 bytes
        os.chmod(self._folder, 0o700)
        self.kernels = [Kernel(kernel_name, cwd, self._folder / f"k{i}", specs) for i in range(self.size)]
        self._threads = [threading.Thread(target=self._work, args=(k,), name=f"ivp-kernel-{i}", daemon=True)
                         for i, k in enumerate(self.kernels)]
        self._closed = False
        for thread in self._threads:
            thread.start()

    def _work(self, kernel: Kernel) -> None:
        start_error = None
        try:
            kernel.start()
        except KernelError as exc:
            start_error = exc
        while True:
            item = self._tasks.get()
            if item is None:
                break
            future, task = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                if start_error is not None or not kernel.alive():
                    start_error = None
                    kernel.start()
                future.set_result(task(kernel))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
                future.set_exception(exc)
        kernel.shutdown()

    def submit(self, task) -> Future:
        """Run ``task(kernel)`` in a worker; the Future carries its result or exception."""
        if self._closed:
            raise RuntimeError("de kernelpool is al gesloten")
        future: Future = Future()
        self._tasks.put((future, task))
        return future

    def close(self, *, kill: bool = False) -> None:
        if self._closed:
            return
        self._closed = True
        if kill:
            while True:  # tasks not yet started are cancelled
                try:
                    item = self._tasks.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
            for kernel in self.kernels:
                kernel.kill()
        for _ in self._threads:
            self._tasks.put(None)
        for thread in self._threads:
            thread.join(timeout=5 if kill else None)
        shutil.rmtree(self._folder, ignore_errors=True)
