"""Panel of normals end to end on the test cohort's two normals: built by its own target,
versioned by content, and filtering the test tumour's calls only when configured."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pysam
import pytest
import yaml

from icope.somatic.small_variants import SomaticThresholds, consensus

from .conftest import REPO, snakemake

pytestmark = pytest.mark.workflow

PANEL = "results/pon/panel_of_normals.vcf.gz"
NORMALS = ("NA12878", "testN")


@pytest.fixture(scope="module")
def panel(completed_run):
    """The panel target built in the shared run (pon.vcf stays null there: nothing else
    changes)."""
    snakemake(completed_run, "--cores", "1", PANEL)
    return completed_run


def _alt_reads(bam, chrom, pos, alt, min_bq=20, min_mapq=20):
    with pysam.AlignmentFile(str(bam)) as reads:
        counts = reads.count_coverage(
            chrom, pos - 1, pos, quality_threshold=min_bq, read_callback="all"
        )
    return counts["ACGT".index(alt)][0]


def test_panel_sites_are_alleles_of_both_normals_and_versioned(panel):
    with pysam.VariantFile(str(panel / PANEL)) as vcf:
        sites = [(r.contig, r.pos, r.ref, r.alts[0], r.info["PON_NORMALS"]) for r in vcf]
        header = str(vcf.header)
    provenance = json.loads((panel / "results/pon/panel_of_normals.json").read_text())
    lines = "".join(f"{c}\t{p}\t{r}\t{a}\t{n}\n" for c, p, r, a, n in sites)
    assert provenance["checksum"] == "sha256:" + hashlib.sha256(lines.encode()).hexdigest()
    assert provenance["normals"] == 2 and sorted(provenance["normal_names"]) == sorted(NORMALS)
    assert f"##icope_pon_checksum={provenance['checksum']}" in header
    assert sites, "the two test normals share common SNPs: the panel is not empty"
    snvs = [s for s in sites if len(s[2]) == len(s[3]) == 1]
    for chrom, pos, _, alt, normals in snvs[:5]:  # checked against the reads themselves
        assert normals == 2
        for normal in NORMALS:
            bam = panel / f"results/alignment/{normal}.bam"
            assert _alt_reads(bam, chrom, pos, alt) >= 2, (normal, pos, alt)


def test_configured_panel_reruns_only_the_consensus(panel, tmp_path):
    config = yaml.safe_load((panel / "config/config.yaml").read_text())
    config["pon"] = dict(config.get("pon", {}), vcf=str(panel / PANEL))
    configfile = tmp_path / "with_pon.yaml"
    configfile.write_text(yaml.safe_dump(config, sort_keys=False))
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")]
    command += ["--directory", str(panel), "--configfile", str(configfile), "--dry-run"]
    command += ["--quiet", "rules", "--cores", "1", "results/somatic/testT.vcf.gz"]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    planned = result.stdout + result.stderr
    assert "somatic_consensus" in planned
    for upstream in ("somatic_calls", "somatic_method_call", "pon_build"):
        assert upstream not in planned, planned


def test_panel_filters_the_tumour_calls_at_its_sites(panel, tmp_path):
    methods = {
        m: str(panel / f"results/somatic/methods/testT.{m}.vcf.gz") for m in ("pileup", "freebayes")
    }
    out = tmp_path / "testT.pon.vcf.gz"
    consensus(methods, str(out), "testT", "testN", SomaticThresholds(), pon_vcf=str(panel / PANEL))
    with pysam.VariantFile(str(panel / PANEL)) as vcf:
        sites = {(r.pos, r.alts[0]) for r in vcf}
    with pysam.VariantFile(str(out)) as calls:
        records = list(calls)
    at_sites = [r for r in records if (r.pos, r.alts[0]) in sites]
    elsewhere = [r for r in records if (r.pos, r.alts[0]) not in sites]
    assert at_sites, "the tumour's germline variants shared with the normals are candidates"
    assert all("PanelOfNormals" in r.filter for r in at_sites)
    assert all(r.info["PON_NORMALS"] == 2 for r in at_sites)
    assert not any("PanelOfNormals" in r.filter for r in elsewhere)
