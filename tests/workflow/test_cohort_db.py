"""The cohort database on the test run: both patients, germline and somatic apart, the example
queries' rows, the MAF and cBioPortal study, the shareable aggregate, and adding a patient
(a dry run on a copy of the completed run plans only that patient's jobs and the merge)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from cyvcf2 import VCF

from icope.cohort.database import query, schema_info
from icope.cohort.queries import EXAMPLE_QUERIES, findings_in_genes
from icope.cohort.schema import SCHEMA_VERSION

from .conftest import planned_jobs, snakemake

pytestmark = pytest.mark.workflow

DB = "results/cohort/cohort.duckdb"


def _keys(path, passed_only=False) -> set[tuple]:
    return {
        (v.CHROM, v.POS, v.REF, v.ALT[0])
        for v in VCF(str(path))
        if not passed_only or v.FILTER is None
    }


@pytest.fixture(scope="module")
def database(completed_run):
    return str(completed_run / DB)


def test_database_holds_both_patients_and_their_samples(database):
    samples = query(database, "SELECT patient, sample, type, qc_status FROM samples ORDER BY 1, 2")
    assert samples[["patient", "sample", "type"]].values.tolist() == [
        ["P001", "GM12878_RNA", "rna"],
        ["P001", "NA12878", "normal"],
        ["P002", "testN", "normal"],
        ["P002", "testT", "tumour"],
    ]
    assert set(samples["qc_status"]) <= {"pass", "warn", "fail"}
    info = schema_info(database)
    assert info["schema_version"] == SCHEMA_VERSION
    assert info["reference"] == "GRCh38_chr22_16570000-16610000"
    runs = query(database, "SELECT * FROM runs")
    assert len(runs) == 1 and runs.loc[0, "pipeline_version"] == "0.1.0"


def test_germline_calls_are_not_repeated_as_somatic_rows(completed_run, database):
    results = completed_run / "results/annotation"
    germline = _keys(results / "germline/testN.vcf.gz")
    somatic_vcf = VCF(str(results / "somatic/testT.vcf.gz"))
    expected = sorted(
        v.POS
        for v in somatic_vcf
        if v.FILTER is None or (v.CHROM, v.POS, v.REF, v.ALT[0]) not in germline
    )
    somatic = query(database, "SELECT pos FROM somatic_variants ORDER BY pos")["pos"].tolist()
    assert somatic == expected
    # 3266 T>C: homozygous in testN, a filtered somatic candidate in testT
    assert 3266 not in somatic
    rows = query(database, "SELECT patient, sample FROM germline_variants WHERE pos = 3266")
    assert sorted(rows.values.tolist()) == [["P001", "NA12878"], ["P002", "testN"]]
    # one row per call
    n = len(_keys(results / "germline/NA12878.vcf.gz"))
    counted = query(database, "SELECT COUNT(*) AS n FROM germline_variants WHERE patient='P001'")
    assert counted["n"].item() == n


def test_example_queries_on_the_test_data(database):
    # the 40 kb chr22 segment holds no TP53/BRCA1/BRCA2, no PASS somatic call and no P/LP call
    assert query(database, EXAMPLE_QUERIES["tp53_brca"]).empty
    assert query(database, EXAMPLE_QUERIES["recurrent_genes"]).empty
    assert query(database, EXAMPLE_QUERIES["germline_plp_second_hit"]).empty
    # the same first query on the segment's pseudogene finds both patients' calls
    found = query(database, findings_in_genes(("AP000547.1",)))
    assert set(found["patient"]) == {"P001", "P002"}
    germline = found[found["origin"] == "germline"]
    assert {"Benign"} <= set(germline["class"])
    assert (found.loc[found["pos"] == 3266, "origin"] == "germline").all()


def test_maf_and_cbioportal_study(completed_run, database):
    maf = completed_run / "results/cohort/somatic.maf"
    assert maf.read_text().startswith("#version gdc-1.0.0\n")
    table = pd.read_csv(maf, sep="\t", comment="#")
    somatic = query(database, "SELECT pos FROM somatic_variants")
    assert len(table) == len(somatic)
    assert set(table["Tumor_Sample_Barcode"]) == {"testT"}
    assert set(table["Matched_Norm_Sample_Barcode"]) == {"testN"}
    study = completed_run / "results/cohort/cbioportal"
    assert "cancer_study_identifier: icope_cohort" in (study / "meta_study.txt").read_text()
    clinical = (study / "data_clinical_sample.txt").read_text().splitlines()
    assert clinical[5:] == ["P002\ttestT"]
    assert (study / "data_mutations.txt").read_text().startswith("Hugo_Symbol\t")


def test_aggregate_names_no_patient_or_genotype(completed_run, database, tmp_path):
    shipped = (completed_run / "results/cohort/aggregate.tsv").read_text()
    # two patients, the default threshold of 5: every variant is suppressed
    assert shipped.splitlines()[1].startswith("origin\tchrom")
    assert len(shipped.splitlines()) == 2
    out = tmp_path / "aggregate.tsv"
    command = [sys.executable, "-m", "icope.cli", "cohort", "aggregate", database]
    subprocess.run([*command, "--out", str(out), "--min-count", "1"], check=True)
    table = pd.read_csv(out, sep="\t", comment="#")
    row = table[(table["origin"] == "germline") & (table["pos"] == 3266)].iloc[0]
    assert (row["allele_count"], row["allele_number"], row["patient_count"]) == (4, 4, 2)
    text = out.read_text()
    for private in ("P001", "P002", "NA12878", "testN", "testT", "GM12878", "0/1", "1/1"):
        assert private not in text


def test_adding_a_patient_reruns_only_its_jobs_and_the_merge(completed_run, tmp_path):
    snakemake(completed_run, "--cores", "2")  # earlier tests may have touched inputs
    run_dir = tmp_path / "run"
    shutil.copytree(
        completed_run, run_dir, symlinks=True, ignore=shutil.ignore_patterns("locks", "incomplete")
    )
    # the copy reads its own sheets; every other input stays where the completed run found it
    config_path = run_dir / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text())
    for key in ("samples", "units"):
        config[key] = str(run_dir / "config" / Path(config[key]).name)
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    samples = run_dir / "config/samples.tsv"
    samples.write_text(samples.read_text() + "P003\tNEW1\tnormal\tfemale\tno\tno\n")
    units = run_dir / "config/units.tsv"
    first = units.read_text().splitlines()[1].split("\t")
    units.write_text(units.read_text() + "\t".join(["NEW1", *first[1:]]) + "\n")
    jobs = planned_jobs(run_dir)
    # one job per per-patient rule (P003's), the merge; nothing of P001 or P002
    assert jobs.get("cohort_fragment") == 1
    assert jobs.get("cohort_database") == 1
    assert jobs.get("patient_report") == 1
    assert jobs.get("germline_panel") == 1
    assert not {"somatic_consensus", "two_hit", "salmon_quant", "panel_genes"} & set(jobs)
    # every step once: germline calling runs its two chunks (test config) inside one job
    assert jobs.get("germline_call") == 1
    assert all(n == 1 for n in jobs.values()), jobs
    result = snakemake(run_dir, "--dry-run", "--cores", "1")
    listing = result.stdout + result.stderr
    assert "wildcards: patient=P003" in listing
    for other in ("P001", "P002", "NA12878", "testN", "testT", "GM12878_RNA"):
        assert f"={other}," not in listing and f"={other}\n" not in listing, other


def test_expression_is_the_rna_samples_gene_table(completed_run, database):
    genes = pd.read_csv(completed_run / "results/rna/GM12878_RNA/genes.tsv", sep="\t")
    table = query(database, "SELECT * FROM expression ORDER BY gene_id")
    assert set(table["patient"]) == {"P001"} and set(table["sample"]) == {"GM12878_RNA"}
    assert len(table) == len(genes)
    assert table["num_reads"].sum() == pytest.approx(genes["counts"].sum())
    assert table["tpm"].sum() == pytest.approx(genes["tpm"].sum())


def test_database_is_one_duckdb_file_without_a_server(database):
    with duckdb.connect(database, read_only=True) as con:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    assert {
        "samples",
        "germline_variants",
        "somatic_variants",
        "cnv_segments",
        "structural_variants",
        "two_hit",
        "expression",
        "runs",
        "schema_info",
    } <= tables
