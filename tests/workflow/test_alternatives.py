"""Configurations other than the default: reanalysis from an existing BAM, CRAM output,
freebayes as the germline caller."""

from __future__ import annotations

import pysam
import pytest
import yaml

from .conftest import make_run_dir, snakemake

pytestmark = pytest.mark.workflow

EXISTING_BAM = "nf-core-test-datasets_chr22/dna/NA12878.chr22.bam"


def _giab_snvs_found(run_dir, shared_data) -> tuple[int, list]:
    """How many of the segment's GIAB SNVs NA12878's PASS germline calls hold, and the SNVs."""
    calls = {
        (r.pos, r.ref, r.alts[0])
        for r in pysam.VariantFile(str(run_dir / "results/germline/NA12878.vcf.gz"))
        if "PASS" in r.filter
    }
    truth = pysam.VariantFile(
        str(shared_data("derived_nf-core_chr22/truth/NA12878_GIAB.chr22_local.vcf.gz"))
    )
    snvs = [
        (r.pos, r.ref, r.alts[0])
        for r in truth
        if len(r.alts) == 1 and len(r.ref) == len(r.alts[0]) == 1
    ]
    return sum(k in calls for k in snvs), snvs


def test_bam_unit_cram_output_and_freebayes(tmp_path, shared_data):
    run_dir = make_run_dir(tmp_path)
    (run_dir / "config/samples.tsv").write_text(
        "patient\tsample\ttype\tsex\tsecondary_findings_consent\ttumour_only\n"
        "P001\tNA12878\tnormal\tfemale\tno\tno\n"
    )
    # The BAM is aligned to full GRCh38 (3,366 contigs): it is turned back into reads and
    # realigned to the configured reference.
    (run_dir / "config/units.tsv").write_text(
        "sample\tunit\tfq1\tfq2\tbam\tplatform\tlibrary\n"
        f"NA12878\tNYGC1\t\t\t{EXISTING_BAM}\tILLUMINA\t\n"
    )
    config_path = run_dir / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["alignment"]["format"] = "cram"
    config["germline"]["caller"] = "freebayes"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))

    snakemake(run_dir, "--cores", "2", "results/germline/NA12878.vcf.gz")

    cram = run_dir / "results/alignment/NA12878.cram"
    assert (run_dir / "results/alignment/NA12878.cram.crai").exists()
    with pysam.AlignmentFile(
        str(cram), reference_filename=str(run_dir / "results/reference/genome.fa")
    ) as aln:
        assert aln.is_cram
        read_groups = aln.header.to_dict()["RG"]
        assert read_groups == [
            {
                "ID": "NA12878.NYGC1",
                "SM": "NA12878",
                "LB": "NA12878",
                "PL": "ILLUMINA",
                "PU": "NYGC1",
            }
        ]
        assert [sq["SN"] for sq in aln.header.to_dict()["SQ"]] == ["chr22"]
        assert sum(not read.is_unmapped for read in aln.fetch("chr22")) > 9000

    found, snvs = _giab_snvs_found(run_dir, shared_data)
    assert found / len(snvs) >= 0.95, f"freebayes found {found}/{len(snvs)} GIAB SNVs"
    header = pysam.VariantFile(str(run_dir / "results/germline/NA12878.vcf.gz")).header
    assert "freebayes" in str(header).lower()


def test_minimap2_aligner(tmp_path, shared_data):
    """alignment.aligner: minimap2 aligns with minimap2 -ax sr (its own index), keeps no
    secondary alignments, and the calls still find the GIAB SNVs of the segment."""
    run_dir = make_run_dir(tmp_path)
    config_path = run_dir / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["alignment"]["aligner"] = "minimap2"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))

    snakemake(run_dir, "--cores", "2", "results/germline/NA12878.vcf.gz")

    assert (run_dir / "results/reference/genome.fa.mmi").exists()
    assert not (run_dir / "results/reference/genome.fa.bwt").exists()
    # fastp streams the trimmed pairs into minimap2 (one job): no trimmed FASTQ on disk
    assert (run_dir / "benchmarks/fastp_minimap2/NA12878/L001.tsv").exists()
    assert not (run_dir / "results/trimmed").exists()
    with pysam.AlignmentFile(str(run_dir / "results/alignment/NA12878.bam")) as aln:
        header = aln.header.to_dict()
        assert [pg["ID"] for pg in header["PG"]][0] == "minimap2"
        assert header["RG"][0]["ID"] == "NA12878.L001"
        reads = list(aln.fetch("chr22"))
    assert sum(not read.is_unmapped for read in reads) > 9000
    assert not any(read.is_secondary for read in reads)
    # interleaved mates are paired, as from two files
    assert all(read.is_paired for read in reads)
    assert sum(read.is_proper_pair for read in reads) > 0.9 * len(reads)

    found, snvs = _giab_snvs_found(run_dir, shared_data)
    assert found == len(snvs), f"minimap2 + bcftools found {found}/{len(snvs)} GIAB SNVs"
