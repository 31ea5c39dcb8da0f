"""A real single-node SLURM cluster on this machine, to run the cluster profile against.

Started from Debian's own packages (``slurm-wlm``, ``slurmdbd``, ``munge``, ``mariadb-server``;
``scripts/install.sh`` installs them) with every file under one directory: the munge key and
socket, a MariaDB database for the accounting, ``slurm.conf``/``slurmdbd.conf``, state, spool
and logs. Only ``/etc/slurm/slurm.conf`` is written outside it, because that is where SLURM's
clients look for their cluster: ``sbatch`` and ``sacct`` on the submitting side, and ``srun``
inside a job, whose environment the executor plugin strips of every ``SLURM_*`` variable
(``SLURM_CONF`` included). That file is claimed atomically and names its cluster on its first
line; a second cluster on the same machine waits until the first one stops, and a real
site's configuration is never replaced. Each cluster listens on free ports of its own.

What makes it a cluster the executor plugin really uses, as on a site:

* accounting through ``slurmdbd`` (MariaDB): ``sacct`` answers the plugin's status queries,
  the account is an association (``AccountingStorageEnforce=associations``: a job with
  another account is rejected), and tests read each job's state and request back;
* one node with the machine's real CPUs and memory (``slurmd -C``), memory as a consumable
  (``SelectTypeParameters=CR_Core_Memory``), and memory limits enforced:
  ``JobAcctGatherParams=OverMemoryKill`` reads each step's RSS every second and kills a step
  over its job's ``--mem`` (no cgroups needed, so it works in a container); time limits are
  enforced by slurmctld as always.

Daemons run in the foreground as children of the starting process, in their own sessions;
:meth:`LocalSlurm.stop` ends exactly the processes :func:`start` started, by PID, latest first.
``python3 -m icope.core.slurm_local start DIR`` / ``stop DIR`` does the same from a shell.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: Debian's binaries of each daemon, in start order.
DAEMONS = ("munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd")
NODE = "icope-node"
#: Where SLURM's clients (Debian's build) read the cluster's configuration.
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
#: First line of a slurm.conf this module wrote, followed by `` <root> <starter pid>``.
MARKER = "# icope.core.slurm_local"


class SlurmLocalError(RuntimeError):
    """The cluster could not be started; the message says why (with the daemon's log)."""


@dataclass
class LocalSlurm:
    """A running single-node cluster: where it lives, who may submit, what was started."""

    root: Path
    cluster: str
    account: str
    partition: str
    system_conf: Path = SYSTEM_CONF
    pids: dict[str, int] = field(default_factory=dict)

    @property
    def conf(self) -> Path:
        """The daemons' copy of slurm.conf (slurmdbd.conf sits beside it)."""
        return self.root / "etc" / "slurm.conf"

    @property
    def slurmctld_log(self) -> Path:
        return self.root / "log" / "slurmctld.log"

    def daemon_env(self) -> dict[str, str]:
        """The daemons' environment: SLURM_CONF names this cluster's own configuration."""
        return os.environ | {"SLURM_CONF": str(self.conf)}

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        """A SLURM client command (sacct, squeue, scontrol, ...) as a user runs it: the
        configuration comes from :attr:`system_conf`."""
        env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            raise SlurmLocalError(f"{' '.join(command)} failed: {result.stderr.strip()}")
        return result

    def stop(self, timeout: float = 30) -> list[str]:
        """Cancel this cluster's jobs, end every daemon :func:`start` started (by PID, latest
        first) and give back the system slurm.conf. Returns the daemons it stopped."""
        if "slurmctld" in self.pids and _alive(self.pids["slurmctld"]):
            self.run("scancel", "--full", "--user=root", check=False)
        stopped = []
        for name in reversed(DAEMONS):
            pid = self.pids.get(name)
            if pid is not None and _terminate(pid, timeout):
                stopped.append(name)
        self.pids.clear()
        _state_file(self.root).unlink(missing_ok=True)
        try:
            owner = _owner(self.system_conf)
        except FileNotFoundError:
            owner = None
        if owner is not None and owner[0] == self.root:
            self.system_conf.unlink(missing_ok=True)
        return stopped


# --------------------------------------------------------------------------- start


def start(
    root: Path,
    account: str = "icope-ci",
    partition: str = "ci",
    timeout: float = 60,
    wait_for_other: float = 0,
    system_conf: Path = SYSTEM_CONF,
) -> LocalSlurm:
    """Start munged, MariaDB, slurmdbd, slurmctld and slurmd under ``root`` (created), with
    ``account`` and ``partition`` as the only association and partition.

    ``wait_for_other`` seconds: how long to wait for another local cluster of this machine to
    stop. Raises :class:`SlurmLocalError` (after stopping whatever it had started) when a
    binary is missing, ``system_conf`` belongs to a real site or stays taken, or a daemon
    does not come up within ``timeout`` seconds.
    """
    missing = [b for b in (*DAEMONS, "mariadb-install-db", "sacctmgr") if not _which(b)]
    if missing:
        raise SlurmLocalError(
            f"not installed: {', '.join(missing)} (scripts/install.sh installs slurm-wlm, "
            "slurmdbd, munge and mariadb-server)"
        )
    root = Path(root).resolve()
    for sub in ("etc", "log", "run", "state", "spool", "db"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    slurm = LocalSlurm(
        root=root,
        cluster=f"icope{os.getpid()}",
        account=account,
        partition=partition,
        system_conf=system_conf,
    )
    ports = _free_ports(4)
    _write_configs(slurm, ports)
    _claim(system_conf, slurm.conf.read_text(), wait_for_other)
    try:
        _start_munge(slurm)
        _start_mariadb(slurm, ports[0], timeout)
        _start_slurmdbd(slurm, timeout)
        _register_account(slurm)
        _start_controller_and_node(slurm, timeout)
    except BaseException:
        slurm.stop()
        raise
    _state_file(root).write_text(json.dumps(slurm.pids | {"cluster": slurm.cluster}))
    return slurm


def _claim(system_conf: Path, text: str, wait: float) -> None:
    """Create ``system_conf`` (atomically: only one cluster at a time), waiting up to
    ``wait`` s for a live local cluster to give it back; a stale one's file is removed."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with system_conf.open("x") as handle:
                handle.write(text)
            return
        except FileExistsError:
            pass
        try:
            owner = _owner(system_conf)
        except FileNotFoundError:  # given back meanwhile
            continue
        if owner is None:
            raise SlurmLocalError(
                f"{system_conf} exists and was not written by icope.core.slurm_local: this "
                "machine has a SLURM configuration of its own, which a local test cluster "
                "would replace"
            )
        if not _cluster_alive(*owner):
            system_conf.unlink(missing_ok=True)
            continue
        if time.monotonic() > deadline:
            raise SlurmLocalError(
                f"{system_conf} is held by the local cluster under {owner[0]} (still running; "
                f"stop it with `python3 -m icope.core.slurm_local stop {owner[0]}`)"
            )
        time.sleep(2)


def _owner(system_conf: Path) -> tuple[Path, int] | None:
    """(root, starter pid) of the local cluster that wrote ``system_conf``; None if another
    program wrote it."""
    first = system_conf.read_text().split("\n", 1)[0]
    words = first.removeprefix(MARKER).split()
    if not first.startswith(MARKER) or len(words) != 2 or not words[1].isdigit():
        return None
    return Path(words[0]), int(words[1])


def _cluster_alive(root: Path, starter: int) -> bool:
    """A cluster is live while its starter runs, or (started from a shell) its slurmctld."""
    if starter and _alive(starter):
        return True
    try:
        return _alive(int(json.loads(_state_file(root).read_text())["slurmctld"]))
    except (OSError, ValueError, KeyError):
        return False


def _start_munge(slurm: LocalSlurm) -> None:
    root = slurm.root
    key = root / "etc" / "munge.key"
    key.unlink(missing_ok=True)
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    _spawn(
        slurm,
        "munged",
        [
            _which("munged"),
            "--foreground",
            "--force",
            f"--key-file={key}",
            f"--socket={root / 'run' / 'munge.socket'}",
            f"--pid-file={root / 'run' / 'munged.pid'}",
            f"--log-file={root / 'log' / 'munged.log'}",
            f"--seed-file={root / 'state' / 'munged.seed'}",
        ],
    )
    _wait(slurm, "munged", lambda: (root / "run" / "munge.socket").exists(), 10)


def _start_mariadb(slurm: LocalSlurm, port: int, timeout: float) -> None:
    datadir = slurm.root / "db"
    install = subprocess.run(
        [
            _which("mariadb-install-db"),
            "--no-defaults",
            f"--datadir={datadir}",
            "--user=root",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if install.returncode != 0:
        raise SlurmLocalError(f"mariadb-install-db failed:\n{install.stderr[-2000:]}")
    # Grant tables skipped: the database only listens on 127.0.0.1 and holds nothing but this
    # throw-away cluster's accounting, so slurmdbd needs no database user.
    _spawn(
        slurm,
        "mariadbd",
        [
            _which("mariadbd"),
            "--no-defaults",
            f"--datadir={datadir}",
            "--user=root",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--socket={slurm.root / 'run' / 'mariadb.socket'}",
            f"--log-error={slurm.root / 'log' / 'mariadb.log'}",
            "--skip-grant-tables",
            "--innodb-buffer-pool-size=64M",
            "--innodb-log-file-size=16M",
        ],
    )
    _wait(slurm, "mariadbd", lambda: _port_open(port), timeout)


def _write_configs(slurm: LocalSlurm, ports: list[int]) -> None:
    """slurmdbd.conf and slurm.conf under root/etc; ports: MariaDB, slurmdbd, slurmctld,
    slurmd."""
    root = slurm.root
    munge = f"AuthType=auth/munge\nAuthInfo=socket={root / 'run' / 'munge.socket'}\n"
    dbd = root / "etc" / "slurmdbd.conf"
    dbd.write_text(
        munge
        + "\n".join(
            [
                "DbdHost=localhost",
                f"DbdPort={ports[1]}",
                "SlurmUser=root",
                f"PidFile={root / 'run' / 'slurmdbd.pid'}",
                f"LogFile={root / 'log' / 'slurmdbd.log'}",
                "StorageType=accounting_storage/mysql",
                "StorageHost=127.0.0.1",
                f"StoragePort={ports[0]}",
                "StorageUser=slurm",
                f"StorageLoc=slurm_acct_{slurm.cluster}",
                "",
            ]
        )
    )
    dbd.chmod(0o600)
    marker = f"{MARKER} {root} {os.getpid()}\n"
    slurm.conf.write_text(marker + munge + slurm_conf_lines(slurm, ports, _node_line()))


def slurm_conf_lines(slurm: LocalSlurm, ports: list[int], node: str) -> str:
    """slurm.conf's settings (after authentication): one node ``node`` (``NodeName=...
    CPUs=... RealMemory=...``) in one partition, accounting in slurmdbd, memory enforced."""
    root = slurm.root
    host = socket.gethostname().split(".")[0]
    lines = [
        f"ClusterName={slurm.cluster}",
        f"SlurmctldHost={host}(127.0.0.1)",
        f"SlurmctldPort={ports[2]}",
        f"SlurmdPort={ports[3]}",
        "SlurmUser=root",
        "SlurmdUser=root",
        "CredType=cred/munge",
        f"StateSaveLocation={root / 'state'}",
        f"SlurmdSpoolDir={root / 'spool'}",
        f"SlurmctldPidFile={root / 'run' / 'slurmctld.pid'}",
        f"SlurmdPidFile={root / 'run' / 'slurmd.pid'}",
        f"SlurmctldLogFile={slurm.slurmctld_log}",
        f"SlurmdLogFile={root / 'log' / 'slurmd.log'}",
        "MpiDefault=none",
        "SwitchType=switch/none",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SchedulerType=sched/backfill",
        "SelectType=select/cons_tres",
        # Memory is a consumable resource: a job's --mem is reserved and is its limit.
        "SelectTypeParameters=CR_Core_Memory",
        # The limit is enforced without cgroups: each step's RSS is read every second and a
        # step over its job's memory is killed.
        "JobAcctGatherType=jobacct_gather/linux",
        "JobAcctGatherFrequency=task=1",
        "JobAcctGatherParams=OverMemoryKill",
        "AccountingStorageType=accounting_storage/slurmdbd",
        "AccountingStorageHost=localhost",
        f"AccountingStoragePort={ports[1]}",
        # The munge socket of messages to slurmdbd, which do not use AuthInfo.
        f"AccountingStoragePass={root / 'run' / 'munge.socket'}",
        "AccountingStorageEnforce=associations",
        # sacct shows the plugin's comment (rule and wildcards) of each job.
        "AccountingStoreFlags=job_comment",
        "JobCompType=jobcomp/none",
        "ReturnToService=2",
        "KillWait=5",
        "InactiveLimit=0",
        "MinJobAge=300",
        f"{node} NodeHostname={host} NodeAddr=127.0.0.1 State=UNKNOWN",
        f"PartitionName={slurm.partition} Nodes={NODE} Default=YES MaxTime=INFINITE State=UP",
        "",
    ]
    return "\n".join(lines)


def _node_line() -> str:
    """This machine's CPUs and memory as slurmd sees them, under our node's name."""
    detected = subprocess.run(
        [_which("slurmd"), "-C"], capture_output=True, text=True, check=True
    ).stdout
    found = [f for f in detected.splitlines()[0].split() if not f.startswith("NodeName=")]
    return " ".join([f"NodeName={NODE}", *found])


def _start_slurmdbd(slurm: LocalSlurm, timeout: float) -> None:
    _spawn(slurm, "slurmdbd", [_which("slurmdbd"), "-D"])
    _wait(slurm, "slurmdbd", lambda: _ok(slurm, "sacctmgr", "-n", "list", "cluster"), timeout)


def _register_account(slurm: LocalSlurm) -> None:
    add = ("sacctmgr", "-i", "add")
    slurm.run(*add, "cluster", slurm.cluster)
    slurm.run(*add, "account", slurm.account, "Description=icope", "Organization=icope")
    slurm.run(*add, "user", "root", f"Account={slurm.account}", f"DefaultAccount={slurm.account}")


def _start_controller_and_node(slurm: LocalSlurm, timeout: float) -> None:
    _spawn(slurm, "slurmctld", [_which("slurmctld"), "-D", "-i"])
    _wait(slurm, "slurmctld", lambda: _ok(slurm, "scontrol", "ping"), timeout)
    _spawn(slurm, "slurmd", [_which("slurmd"), "-D", "-N", NODE])

    def idle() -> bool:
        state = slurm.run("sinfo", "-h", "-N", "-o", "%T", check=False).stdout.strip()
        return state == "idle"

    _wait(slurm, "slurmd", idle, timeout)


# --------------------------------------------------------------------------- processes


def _spawn(slurm: LocalSlurm, name: str, command: list[str]) -> None:
    with (slurm.root / "log" / f"{name}.out").open("w") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=slurm.daemon_env(),
            start_new_session=True,
        )
    slurm.pids[name] = process.pid


def _wait(slurm: LocalSlurm, name: str, ready: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(slurm.pids[name]):
            break
        if ready():
            return
        time.sleep(0.3)
    raise SlurmLocalError(f"{name} did not start within {timeout:.0f} s:\n{_log_tail(slurm, name)}")


def _log_tail(slurm: LocalSlurm, name: str) -> str:
    texts = []
    for log in sorted((slurm.root / "log").glob(f"{name.removesuffix('d')}*")):
        tail = log.read_text(errors="replace").splitlines()[-30:]
        texts.append(f"--- {log}\n" + "\n".join(tail))
    return "\n".join(texts)


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child (started by another process): ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return waited == 0


def _terminate(pid: int, timeout: float) -> bool:
    """SIGTERM, then SIGKILL after ``timeout`` s. True if the process was running."""
    if not _alive(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    while _alive(pid):
        time.sleep(0.1)
    return True


def _ok(slurm: LocalSlurm, *command: str) -> bool:
    return slurm.run(*command, check=False).returncode == 0


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _which(binary: str) -> str:
    """The binary on PATH or in the sbin directories Debian puts daemons in."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return shutil.which(binary, path=path) or ""


def _state_file(root: Path) -> Path:
    return Path(root) / "run" / "daemons.json"


# --------------------------------------------------------------------------- shell use


def attach(root: Path) -> LocalSlurm:
    """The cluster a ``start`` from a shell left running under ``root``."""
    root = Path(root).resolve()
    state = json.loads(_state_file(root).read_text())
    cluster = state.pop("cluster")
    return LocalSlurm(root=root, cluster=cluster, account="", partition="", pids=state)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("start", "stop"):
        print("usage: python3 -m icope.core.slurm_local start|stop DIR", file=sys.stderr)
        return 2
    action, root = args[0], Path(args[1])
    if action == "stop":
        print("stopped: " + " ".join(attach(root).stop()))
        return 0
    slurm = start(root)
    print(
        f"cluster {slurm.cluster} up ({slurm.system_conf}): account {slurm.account}, "
        f"partition {slurm.partition}; stop with python3 -m icope.core.slurm_local stop "
        f"{slurm.root}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
