"""Connecting to the cluster and checking its workers before anything is scanned.

`connect(settings, delivery)` reaches the scheduler (TLS when the address or settings say
so), asks every worker for its provscan, rule catalog and C2PA SDK versions, whether it can
start bounded analysis processes and whether it sees the delivery (through the path maps),
and refuses the scan (ConfigError: exit 2) when any cannot take part. The result is a
`Backend` for the runner and the reference libraries.
"""

from __future__ import annotations

import contextlib
from typing import Any, TypeVar

from scanner.engine.bounds import Limits
from scanner.engine.cluster.identity import Identity, local_identity, refuse_unfit, report_for
from scanner.engine.cluster.settings import INSTALL_HINT, ClusterSettings
from scanner.engine.workers import Failed, Task
from scanner.errors import ConfigError

R = TypeVar("R")
CONNECT_TIMEOUT_S = 30.0
WORKER_WAIT_S = 60.0  # for the first worker to be there (a farm job may still be starting it)


class ClusterBackend:
    """A connected Dask client whose workers were checked; opens pools for the runner."""

    def __init__(self, client: Any, settings: ClusterSettings, identity: Identity) -> None:
        self.client = client
        self.settings = settings
        self.identity = identity

    @property
    def description(self) -> str:
        return self.settings.address

    @property
    def threads(self) -> int:
        return max(1, sum(int(n) for n in self.client.nthreads().values()))

    @property
    def capacity(self) -> int:
        from scanner.engine.cluster.pool import BATCH_FILES, BATCHES_PER_THREAD

        return BATCH_FILES * BATCHES_PER_THREAD * self.threads

    def pool(self, task: Task[R], options: Any, *, limits: Limits, failed: Failed[R]) -> Any:
        from scanner.engine.cluster.pool import new_pool

        return new_pool(
            self.client,
            task,
            options,
            limits=limits,
            failed=failed,
            identity=self.identity,
            path_map=self.settings.path_map,
            threads=self.threads,
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the scan's verdict no longer depends on it
            self.client.close()


def connect(settings: ClusterSettings, delivery_root: str) -> ClusterBackend:
    """A checked connection to the cluster (module docstring); ConfigError when there is no
    `distributed`, no scheduler, no worker, or an unfit worker."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise ConfigError(f"--cluster needs Dask distributed: {INSTALL_HINT}") from exc
    from scanner.engine.cluster.worker import PLUGIN_NAME, ProvscanWorkerPlugin

    security = _security(settings)
    try:
        client = Client(
            settings.address,
            security=security,
            timeout=CONNECT_TIMEOUT_S,
            set_as_default=False,
        )
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(
            f"cannot reach the cluster scheduler at {settings.address}: {exc}"
        ) from exc
    try:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError as exc:
            raise ConfigError(
                f"the cluster at {settings.address} has no worker (waited {WORKER_WAIT_S:.0f} s)"
            ) from exc
        identity = local_identity()
        root = settings.path_map.to_worker(delivery_root) if delivery_root else ""
        try:
            reports = client.run(report_for, root)
        except Exception as exc:  # noqa: BLE001 - e.g. provscan not installed on a worker
            raise ConfigError(
                f"a worker of the cluster at {settings.address} cannot say which provscan it "
                f"runs ({type(exc).__name__}: {exc}); nothing was scanned"
            ) from exc
        refuse_unfit(identity, reports, root)
        client.register_plugin(ProvscanWorkerPlugin(), name=PLUGIN_NAME)
    except BaseException:
        client.close()
        raise
    return ClusterBackend(client, settings, identity)


def _security(settings: ClusterSettings) -> Any:
    """TLS from the provscan config's [tls] table, else Dask's own config (its TLS files and
    DASK_DISTRIBUTED__COMM__TLS__* variables); a tls:// address without either is refused."""
    from distributed.security import Security

    if settings.tls is not None:
        return Security(
            tls_ca_file=settings.tls.ca_file,
            tls_client_cert=settings.tls.cert,
            tls_client_key=settings.tls.key,
            require_encryption=True,
        )
    security = Security()  # Dask's config
    if settings.address.startswith("tls://") and not security.tls_ca_file:
        raise ConfigError(
            f"{settings.address}: a tls:// cluster needs TLS files: a [tls] table in the "
            "provscan config file, or Dask's DASK_DISTRIBUTED__COMM__TLS__* settings"
        )
    return security
