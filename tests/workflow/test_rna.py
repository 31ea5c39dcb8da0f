"""Tumour RNA end to end: the GM12878 test reads in the shared test run (allele counts at
NA12878's calls, QC, no fusion), and a small simulated RNA sample (reverse-stranded library,
one fusion transcript joined at exon boundaries) in its own run of the RNA rules only."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pysam
import pytest
import yaml

from icope.core.annotation import read_annotation
from icope.rna.simulate import fuse, simulate_pairs, transcript_molecule

from .conftest import make_run_dir, snakemake

pytestmark = pytest.mark.workflow

GTF = "derived_nf-core_chr22/reference/genome.offset_fixed.gtf"
FASTA = "nf-core-test-datasets_chr22/reference/genome.fasta"


def _alleles(run_dir):
    return pd.read_csv(run_dir / "results/rna/patients/P001/allele_counts.tsv", sep="\t")


def _site(table, pos):
    return table[table["pos"] == pos].iloc[0]


def test_gm12878_allele_counts_at_na12878_calls(completed_run):
    table = _alleles(completed_run)
    assert set(table["rna_sample"]) == {"GM12878_RNA"}
    assert set(table["origin"]) == {"germline"}  # P001 has no tumour
    # hom-alt calls covered by RNA: only alt reads
    hom = _site(table, 6249)
    assert (hom["genotype"], hom["rna_ref"], hom["rna_alt"]) == ("1/1", 0, 13)
    # NA12878 het SNVs the RNA covers carry one allele only in these reads: flagged, with the
    # DNA VAF and the binomial p (RNA reads from the expressed paralogues of these
    # pseudogenes; no truth het SNV of the segment has both alleles in the RNA test reads)
    het = _site(table, 3214)
    assert (het["genotype"], het["rna_ref"], het["rna_alt"]) == ("0/1", 25, 0)
    assert het["ase"] == "True" and float(het["ase_p"]) < 1e-6
    covered_het = table[(table["genotype"] == "0/1") & (table["rna_depth"] > 0)]
    assert len(covered_het) >= 5
    # a call without any RNA read says so, in every RNA column but the counts
    none = _site(table, 2608)
    assert none["rna_depth"] == 0
    assert none["rna_vaf"] == none["ase"] == none["ase_p"] == "no RNA coverage"


def test_gm12878_report_and_cohort_carry_rna_evidence(completed_run):
    report = json.loads((completed_run / "results/patients/P001/report.json").read_text())
    rna = report["rna"]
    assert rna["status"] == "analysed" and rna["fusions"] == []
    by_pos = {a["pos"]: a for a in rna["allele_counts"]}
    assert by_pos[3214]["rna_ref"] == 25 and by_pos[3214]["ase"] is True
    assert by_pos[2608]["rna_vaf"] == "no RNA coverage"
    panel = {v["pos"]: v for v in report["germline_panel_variants"]}
    assert panel[3214]["rna_depth"] == 25 and panel[3214]["rna_alt"] == 0
    assert panel[2608]["rna_vaf"] == "no RNA coverage"
    p002 = json.loads((completed_run / "results/patients/P002/report.json").read_text())
    assert p002["rna"]["status"] == "not analysed"
    assert {v.get("rna_vaf") for v in p002["somatic_variants"]} <= {"not analysed"}
    cohort = pd.read_csv(completed_run / "results/cohort/rna_allele_counts.tsv", sep="\t")
    assert len(cohort) == len(_alleles(completed_run))
    tpm = pd.read_csv(completed_run / "results/cohort/expression_tpm.tsv", sep="\t")
    assert list(tpm.columns) == ["gene_id", "gene_name", "GM12878_RNA"]
    outliers = pd.read_csv(completed_run / "results/cohort/expression_outliers.tsv", sep="\t")
    assert len(outliers) and set(outliers["z_score"]) == {"not enough samples"}


def test_gm12878_qc_library_type_and_no_fusion(completed_run):
    qc = pd.read_csv(completed_run / "results/rna/GM12878_RNA/rna_qc.tsv", sep="\t").iloc[0]
    assert qc["star_mapping_rate"] > 0.8
    # dUTP-like: read 1 antisense to the genes (salmon's -l A sees IU on these few reads)
    assert qc["strandedness"] == "reverse" and qc["sense_fraction"] < 0.1
    assert qc["salmon_observed_format"] == "ISR"
    table = pd.read_csv(completed_run / "results/patients/P001/qc.tsv", sep="\t")
    row = table[table["sample"] == "GM12878_RNA"].iloc[0]
    assert (
        row["rna_strandedness"] == "reverse" and row["star_mapping_rate"] == qc["star_mapping_rate"]
    )
    fusions = pd.read_csv(completed_run / "results/rna/GM12878_RNA/fusions.tsv", sep="\t")
    assert fusions.empty
    multiqc = completed_run / "results/qc/multiqc/multiqc_report_data/multiqc_star.txt"
    assert pd.read_csv(multiqc, sep="\t")["Sample"].tolist() == ["GM12878_RNA"]
    with pysam.AlignmentFile(completed_run / "results/rna/GM12878_RNA/GM12878_RNA.bam") as bam:
        assert bam.header["HD"]["SO"] == "coordinate" and bam.check_index()
        assert bam.header["RG"][0]["SM"] == "GM12878_RNA"


def test_salmon_quant_rerun_gives_the_same_counts(completed_run, tmp_path):
    """salmon quant again on the same index and reads, on one thread with no Gibbs samples
    (rna.salmon_deterministic): the same NumReads; TPM and EffectiveLength still move by up
    to ~4e-4 relative, from salmon's online fragment-length model (not removable by any
    thread or seed setting of salmon 1.10; only --noLengthCorrection, meant for 3' tag data,
    makes the tables identical)."""
    copy = tmp_path / "rerun"
    shutil.copytree(completed_run, copy, symlinks=True)
    target = "results/rna/GM12878_RNA/quant.sf"
    snakemake(copy, "--cores", "2", "--forcerun", "salmon_quant", target)
    meta = json.loads((copy / "results/rna/GM12878_RNA/salmon/cmd_info.json").read_text())
    assert meta["threads"] == "1"
    first = pd.read_csv(completed_run / target, sep="\t")
    second = pd.read_csv(copy / target, sep="\t")
    assert first["Name"].tolist() == second["Name"].tolist()
    assert first["NumReads"].tolist() == second["NumReads"].tolist()
    assert ((first["TPM"] - second["TPM"]).abs() <= 1e-3 * first["TPM"] + 1e-6).all()


@pytest.fixture(scope="module")
def simulated_rna(tmp_path_factory, shared_data):
    """RNA sample SIM_RNA alone in patient PSIM: reverse-stranded reads from three annotated
    transcripts plus the fusion AP000547.4 (both exons) :: AP000547.1 (exons 3-5), joined
    at chr22:30111 (AP000547.4's last base) and chr22:3045 (AP000547.1 exon 3's first)."""
    run_dir = make_run_dir(tmp_path_factory.mktemp("rna_sim"))
    model = read_annotation(shared_data(GTF))
    with pysam.FastaFile(str(shared_data(FASTA))) as fasta:
        five = transcript_molecule(model, fasta, "ENST00000656324")
        three = transcript_molecule(model, fasta, "ENST00000454360", slice(2, None))
        molecules = [
            (transcript_molecule(model, fasta, "ENST00000454360"), "+", 300),
            (transcript_molecule(model, fasta, "ENST00000493696"), "-", 500),
            (transcript_molecule(model, fasta, "ENST00000359963"), "-", 300),
            (fuse(five, three), "+", 80),
        ]
    r1, r2 = run_dir / "sim_1.fastq.gz", run_dir / "sim_2.fastq.gz"
    simulate_pairs(molecules, str(r1), str(r2), library="reverse", seed=7)
    config_path = run_dir / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    header = "patient\tsample\ttype\tsex\tsecondary_findings_consent\ttumour_only\n"
    (run_dir / "config" / "samples.tsv").write_text(header + "PSIM\tSIM_RNA\trna\tfemale\tno\tno\n")
    units = "sample\tunit\tfq1\tfq2\tbam\tplatform\tlibrary\n"
    (run_dir / "config" / "units.tsv").write_text(
        units + f"SIM_RNA\tL001\t{r1}\t{r2}\t\tILLUMINA\tsim_rna1\n"
    )
    known = run_dir / "known.tsv"
    known.write_text(
        "gene5\tgene3\ttumour_types\tsource\nAP000547.4\tAP000547.1\ttest\tthis test\n"
    )
    config["rna"]["known_fusions"] = str(known)
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    targets = ["results/rna/SIM_RNA/rna_qc.tsv", "results/rna/SIM_RNA/fusions.tsv"]
    snakemake(run_dir, "--cores", "2", *targets)
    return run_dir


def test_simulated_reverse_stranded_library_is_detected(simulated_rna):
    qc = pd.read_csv(simulated_rna / "results/rna/SIM_RNA/rna_qc.tsv", sep="\t").iloc[0]
    assert qc["strandedness"] == "reverse" and qc["sense_fraction"] < 0.05
    # salmon -l A decides IU on so few reads; the formats of its fragments say ISR
    assert qc["salmon_library_type"] == "IU" and qc["salmon_observed_format"] == "ISR"
    assert qc["star_mapping_rate"] > 0.9


def test_simulated_fusion_detected_with_partners_and_breakpoint(simulated_rna):
    table = pd.read_csv(simulated_rna / "results/rna/SIM_RNA/fusions.tsv", sep="\t")
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["gene5"], row["gene3"]) == ("AP000547.4", "AP000547.1")
    assert (row["breakpoint5"], row["breakpoint3"]) == ("chr22:30111", "chr22:3045")
    assert row["exon_boundary5"] and row["exon_boundary3"]
    assert row["transcript5"] == "ENST00000656324" and row["transcript3"] == "ENST00000454360"
    assert row["split_reads"] >= 2 and row["split_reads"] + row["spanning_pairs"] >= 3
    assert row["reading_frame"] == "not assessable (non-coding partner)"
    assert row["known"] == "yes" and row["known_source"] == "this test"
