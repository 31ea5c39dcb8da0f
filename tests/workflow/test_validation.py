"""Bad input stops the workflow before any job, with one message naming file, line and field,
and nothing written to results/."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pysam
import yaml

from .conftest import make_run_dir, snakemake


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new, 1))


def _dry_run_fails(run_dir: Path) -> str:
    result = snakemake(run_dir, "--dry-run", "--cores", "1", check=False)
    assert result.returncode != 0
    assert not (run_dir / "results").exists()
    return result.stdout + result.stderr


def test_valid_config_plans_every_stage(tmp_path):
    run_dir = make_run_dir(tmp_path)
    out = snakemake(run_dir, "--dry-run", "--cores", "1").stdout
    for rule in (
        "check_reads",
        "fastp",
        "fastp_bwa_mem",
        "merge_markdup",
        "bam_qc",
        "germline_call",
        "somatic_calls",
        "somatic_consensus",
        "sv_call",
        "cnvkit_tumour",
        "annotate",
        "germline_panel",
        "salmon_quant",
        "patient_report",
        "cohort_tables",
    ):
        assert rule in out
    assert not (run_dir / "results").exists()


def test_unknown_sample_type(tmp_path):
    run_dir = make_run_dir(tmp_path)
    _edit(run_dir / "config/samples.tsv", "testT\ttumour", "testT\ttumor")
    message = _dry_run_fails(run_dir)
    assert "samples.tsv, line 5: field 'type'" in message and "'tumor'" in message


def test_unsafe_sample_id(tmp_path):
    run_dir = make_run_dir(tmp_path)
    _edit(run_dir / "config/samples.tsv", "P002\ttestN", "P002\ttest N;rm")
    message = _dry_run_fails(run_dir)
    assert "samples.tsv, line 4: field 'sample'" in message
    assert "only letters, digits" in message


def test_missing_fastq(tmp_path):
    run_dir = make_run_dir(tmp_path)
    _edit(run_dir / "config/units.tsv", "test2_1.fastq.gz", "absent_1.fastq.gz")
    message = _dry_run_fails(run_dir)
    assert "units.tsv, line 5: field 'fq1': file not found" in message


def test_tumour_without_normal_needs_flag(tmp_path):
    run_dir = make_run_dir(tmp_path)
    _edit(run_dir / "config/samples.tsv", "P002\ttestN\tnormal", "P003\ttestN\tnormal")
    message = _dry_run_fails(run_dir)
    assert "field 'tumour_only'" in message and "'P002'" in message


def test_changed_data_file_is_caught_by_manifest(tmp_path):
    run_dir = make_run_dir(tmp_path)
    config_path = run_dir / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text())
    manifest = Path(config["data_manifest"]).read_text()
    first = next(line for line in manifest.splitlines() if line and not line.startswith("#"))
    bad = run_dir / "manifest.md5"
    bad.write_text(manifest.replace(first, "0" * 32 + first[32:]))
    config["data_manifest"] = str(bad)
    config_path.write_text(yaml.safe_dump(config))
    message = _dry_run_fails(run_dir)
    assert "changed data file" in message and "0" * 32 in message


def test_bad_config_value_is_rejected_by_schema(tmp_path):
    run_dir = make_run_dir(tmp_path)
    config_path = run_dir / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["germline"]["caller"] = "gatk"
    config_path.write_text(yaml.safe_dump(config))
    message = _dry_run_fails(run_dir)
    assert "gatk" in message


def _config(run_dir: Path) -> tuple[Path, dict]:
    path = run_dir / "config/config.yaml"
    return path, yaml.safe_load(path.read_text())


def test_known_sites_with_other_contig_names_are_rejected(tmp_path, shared_data):
    """dbSNP written with '22' against the chr22 reference would annotate nothing, silently."""
    run_dir = make_run_dir(tmp_path)
    renamed = tmp_path / "dbsnp.no_chr.vcf.gz"
    (tmp_path / "names.txt").write_text("chr22\t22\n")
    source = shared_data("nf-core-test-datasets_chr22/known_sites/dbsnp_146.hg38.vcf.gz")
    subprocess.run(
        ["bcftools", "annotate", "--rename-chrs", str(tmp_path / "names.txt"), "-Oz"]
        + ["-o", str(renamed), str(source)],
        check=True,
    )
    subprocess.run(["tabix", "-p", "vcf", str(renamed)], check=True)
    path, config = _config(run_dir)
    config["reference"]["known_sites"]["dbsnp"] = str(renamed)
    path.write_text(yaml.safe_dump(config))
    message = _dry_run_fails(run_dir)
    assert f"reference.known_sites.dbsnp {renamed}: none of its contigs (22)" in message
    assert "add the 'chr' prefix" in message


def test_input_bam_with_other_contig_names_is_rejected(tmp_path):
    run_dir = make_run_dir(tmp_path)
    bam = tmp_path / "other.bam"
    header = {"HD": {"VN": "1.6"}, "SQ": [{"SN": "22", "LN": 50000}]}
    with pysam.AlignmentFile(str(bam), "wb", header=header):
        pass
    units = run_dir / "config/units.tsv"
    lines = units.read_text().splitlines()
    header_fields = lines[0].split("\t")
    row = dict(zip(header_fields, lines[1].split("\t"), strict=True))
    row.update(fq1="", fq2="", bam=str(bam))
    lines[1] = "\t".join(row[f] for f in header_fields)
    units.write_text("\n".join(lines) + "\n")
    message = _dry_run_fails(run_dir)
    assert f"sample {row['sample']} unit {row['unit']}: field 'bam' {bam}" in message
    assert "none of its contigs (22)" in message
