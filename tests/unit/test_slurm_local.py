"""icope.core.slurm_local without daemons: the configuration it writes and how it takes and
gives back the machine's slurm.conf (tests/slurm starts the real cluster)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from icope.core import slurm_local
from icope.core.slurm_local import LocalSlurm, SlurmLocalError


@pytest.fixture
def cluster(tmp_path):
    (tmp_path / "etc").mkdir()
    return LocalSlurm(
        root=tmp_path,
        cluster="icope1",
        account="acct",
        partition="part",
        system_conf=tmp_path / "system" / "slurm.conf",
    )


def _settings(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line and line[0] != "#")
    return dict(pairs)


def test_slurm_conf_enforces_memory_and_keeps_accounting(cluster):
    text = slurm_local.slurm_conf_lines(
        cluster, [1, 2, 3, 4], "NodeName=icope-node CPUs=2 RealMemory=24105"
    )
    settings = _settings(text)
    assert settings["SelectTypeParameters"] == "CR_Core_Memory"
    assert settings["JobAcctGatherParams"] == "OverMemoryKill"
    assert settings["AccountingStorageType"] == "accounting_storage/slurmdbd"
    assert settings["AccountingStorageEnforce"] == "associations"
    assert settings["AccountingStoragePort"] == "2"
    assert (settings["SlurmctldPort"], settings["SlurmdPort"]) == ("3", "4")
    assert "NodeName=icope-node CPUs=2 RealMemory=24105 NodeHostname=" in text
    assert "PartitionName=part Nodes=icope-node Default=YES" in text
    assert str(cluster.root / "state") == settings["StateSaveLocation"]


def test_written_conf_names_its_cluster_first(cluster, monkeypatch):
    monkeypatch.setattr(slurm_local, "_node_line", lambda: "NodeName=icope-node CPUs=1")
    slurm_local._write_configs(cluster, [1, 2, 3, 4])
    first = cluster.conf.read_text().splitlines()[0]
    assert first == f"{slurm_local.MARKER} {cluster.root} {os.getpid()}"
    assert slurm_local._owner(cluster.conf) == (cluster.root, os.getpid())
    dbd = cluster.root / "etc" / "slurmdbd.conf"
    assert oct(dbd.stat().st_mode & 0o777) == "0o600"  # slurmdbd refuses a readable one


def test_claim_refuses_a_sites_own_slurm_conf(cluster):
    cluster.system_conf.parent.mkdir()
    cluster.system_conf.write_text("ClusterName=production\n")
    with pytest.raises(SlurmLocalError, match="SLURM configuration of its own"):
        slurm_local._claim(cluster.system_conf, "new", wait=0)
    assert cluster.system_conf.read_text() == "ClusterName=production\n"


def test_claim_takes_over_a_stale_local_conf(cluster):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    cluster.system_conf.parent.mkdir()
    cluster.system_conf.write_text(f"{slurm_local.MARKER} /gone {dead.pid}\n")
    slurm_local._claim(cluster.system_conf, "mine\n", wait=0)
    assert cluster.system_conf.read_text() == "mine\n"


def test_claim_waits_for_a_live_local_cluster(cluster):
    cluster.system_conf.parent.mkdir()
    cluster.system_conf.write_text(f"{slurm_local.MARKER} /other {os.getpid()}\n")
    with pytest.raises(SlurmLocalError, match="still running"):
        slurm_local._claim(cluster.system_conf, "mine\n", wait=0)


def test_stop_gives_back_only_its_own_conf(cluster):
    cluster.system_conf.parent.mkdir()
    cluster.system_conf.write_text(f"{slurm_local.MARKER} /other 1\n")
    assert cluster.stop() == []
    assert cluster.system_conf.exists()
    cluster.system_conf.write_text(f"{slurm_local.MARKER} {cluster.root} 1\n")
    cluster.stop()
    assert not cluster.system_conf.exists()


def test_stop_ends_the_processes_it_started_by_pid(cluster):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    cluster.pids = {"munged": sleeper.pid}
    assert cluster.stop(timeout=5) == ["munged"]
    assert sleeper.poll() is not None
    assert cluster.pids == {}
