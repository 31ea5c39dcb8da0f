"""Tests for icope.cohort: fragments, the DuckDB database, example queries, adding a patient,
merging two centres, the MAF, the cBioPortal folder and the shareable aggregate."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from test_cohort import _inputs, _vcf

from icope.cli import main
from icope.cohort.database import (
    CohortError,
    add_patient,
    build_database,
    merge_databases,
    query,
    run_row,
    schema_info,
)
from icope.cohort.exports import aggregate_table, maf_alleles, maf_table, write_cbioportal
from icope.cohort.fragment import (
    PatientFiles,
    fragment_path,
    patient_tables,
    somatic_table,
    write_fragments,
)
from icope.cohort.queries import EXAMPLE_QUERIES, findings_in_genes
from icope.cohort.schema import PARQUET_KEY, SCHEMA_VERSION, TABLES

SAMPLES = {
    "testN": {"type": "normal", "sex": "female", "secondary_findings_consent": True},
    "testT": {"type": "tumour", "sex": "female", "normal": "testN"},
}


def _patient(tmp_path, name="P002") -> PatientFiles:
    germline, somatic, panel = _inputs(tmp_path)
    two_hit = tmp_path / "two_hit.tsv"
    pd.DataFrame(
        [
            {
                "patient": name,
                "tumour": "testT",
                "gene": "GENE1",
                "chrom": "chr22",
                "pos": 100,
                "ref": "C",
                "alt": "T",
                "germline_class": "Pathogenic",
                "second_hit": "found",
                "mechanism": "copy-neutral LOH",
            }
        ]
    ).to_csv(two_hit, sep="\t", index=False)
    return PatientFiles(
        patient=name,
        samples=SAMPLES,
        files={"testN": {"germline": germline}, "testT": {"somatic": somatic}},
        panel=panel,
        two_hit=str(two_hit),
    )


def _write(tmp_path, patients: dict[str, PatientFiles]) -> dict:
    fragments: dict = {}
    for name, patient in patients.items():
        tables = patient_tables(patient)
        outputs = {t: fragment_path(str(tmp_path / "dataset"), t, name) for t in tables}
        write_fragments(tables, outputs)
        for table, path in outputs.items():
            fragments.setdefault(table, {})[name] = path
    return fragments


def _database(tmp_path, centre="c1", reference="GRCh38") -> str:
    fragments = _write(tmp_path, {"P002": _patient(tmp_path / "in")})
    db = str(tmp_path / f"{centre}_db.duckdb")
    build_database(db, fragments, run_row({"reference": reference}, {"icope": "0.1.0"}, centre))
    return db


def test_germline_and_somatic_kept_apart_one_row_per_call(tmp_path):
    tables = patient_tables(_patient(tmp_path))
    germline, somatic = tables["germline_variants"], tables["somatic_variants"]
    assert list(germline["pos"]) == [100, 200]
    # the PASS somatic call at 100 stays somatic (the germline VCF's key differs by sample)
    assert list(somatic["pos"]) == [100]
    assert "genotype" not in somatic.columns
    first = germline.iloc[0]
    assert (first["impact"], first["protein_altering"], first["panel_gene"]) == ("MODERATE", 1, 1)
    assert first["two_hit_status"] == "found"
    assert germline.iloc[1]["two_hit_status"] == "not analysed: not P/LP"
    assert germline.iloc[1]["panel_gene"] == 0


def test_filtered_somatic_copy_of_a_germline_call_is_left_out(tmp_path):
    patient = _patient(tmp_path)
    germline = patient_tables(patient)["germline_variants"]
    vcf = patient.files["testT"]["somatic"]

    patient.files["testT"]["somatic"] = _vcf(
        tmp_path / "somatic2",
        "testT",
        ["testT", "testN"],
        [
            "chr22\t200\t.\tG\tA\t.\tNormalEvidence\tTDP=30;TAF=1;NDP=12;NAF=1\t"
            "GT:DP:AD\t1/1:30:0,30\t1/1:12:0,12",
            "chr22\t300\t.\tG\tA\t.\tLowQual\tTDP=30;TAF=0.1;NDP=12;NAF=0\t"
            "GT:DP:AD\t0/1:30:27,3\t0/0:12:12,0",
        ],
        "chr22",
    )
    assert vcf != patient.files["testT"]["somatic"]

    assert list(somatic_table(patient, germline)["pos"]) == [300]


def test_fragment_carries_schema_version_and_core_columns_when_empty(tmp_path):
    fragments = _write(tmp_path, {"P002": _patient(tmp_path / "in")})
    path = fragments["structural_variants"]["P002"]
    assert "patient=P002" in path
    schema = pq.read_schema(path)
    assert schema.metadata[PARQUET_KEY] == SCHEMA_VERSION.encode()
    assert schema.names[:4] == list(TABLES["structural_variants"])
    assert "patient" not in schema.names  # the Hive partition holds it


def test_database_tables_runs_and_schema_version(tmp_path):
    db = _database(tmp_path)
    assert schema_info(db) == {
        "schema_version": SCHEMA_VERSION,
        "centre": "c1",
        "reference": "GRCh38",
    }
    runs = query(db, "SELECT centre, reference, pipeline_version FROM runs")
    assert runs.to_dict("records") == [
        {"centre": "c1", "reference": "GRCh38", "pipeline_version": "0.1.0"}
    ]
    germline = query(db, "SELECT * FROM germline_variants")
    assert "annotation_sources" not in germline.columns  # provenance once, in runs
    assert set(germline["patient"]) == {"P002"}
    # an extra column a producer added (two_hit's mechanism) is kept
    assert query(db, "SELECT mechanism FROM two_hit")["mechanism"].tolist() == ["copy-neutral LOH"]


def test_example_queries_expected_rows(tmp_path):
    db = _database(tmp_path)
    assert query(db, EXAMPLE_QUERIES["tp53_brca"]).empty
    genes = query(db, findings_in_genes(("GENE1",)))
    assert genes[["origin", "pos", "class"]].values.tolist() == [["germline", 100, None]]
    plp = query(db, EXAMPLE_QUERIES["germline_plp_second_hit"])
    assert plp.empty  # the panel row has no ACMG class: not P/LP
    with duckdb.connect(db) as con:
        con.execute("UPDATE germline_variants SET acmg_class = 'Pathogenic' WHERE pos = 100")
    plp = query(db, EXAMPLE_QUERIES["germline_plp_second_hit"])
    assert plp[["patient", "gene", "second_hit"]].values.tolist() == [["P002", "GENE1", "found"]]


def test_recurrent_genes_counts_patients_not_calls(tmp_path):
    fragments = _write(
        tmp_path,
        {"P1": _patient(tmp_path / "a", "P1"), "P2": _patient(tmp_path / "b", "P2")},
    )
    db = str(tmp_path / "c_db.duckdb")
    build_database(db, fragments, run_row({"reference": "GRCh38"}))
    assert query(db, EXAMPLE_QUERIES["recurrent_genes"]).values.tolist() == []
    with duckdb.connect(db) as con:
        con.execute("UPDATE somatic_variants SET gene = 'GENE1', protein_altering = 1")
    assert query(db, EXAMPLE_QUERIES["recurrent_genes"]).values.tolist() == [["GENE1", 2, 2]]


def test_add_patient_replaces_only_its_rows(tmp_path):
    db = _database(tmp_path)
    extra = _write(tmp_path / "new", {"P9": _patient(tmp_path / "p9", "P9")})
    add_patient(db, "P9", {t: p["P9"] for t, p in extra.items()})
    add_patient(db, "P9", {t: p["P9"] for t, p in extra.items()})  # again: no duplicates
    sql = "SELECT patient, COUNT(*) AS n FROM germline_variants GROUP BY patient ORDER BY 1"
    counts = query(db, sql)
    assert counts.values.tolist() == [["P002", 2], ["P9", 2]]


def test_merge_prefixes_centres_and_refuses_other_references(tmp_path):
    a = _database(tmp_path / "a", "c1")
    b = _database(tmp_path / "b", "c2")
    out = str(tmp_path / "merged_db.duckdb")
    merge_databases(out, {a: "CCE", b: "I4PCM"})
    samples = query(out, "SELECT patient, sample, normal_sample FROM samples ORDER BY 1, 2")
    assert samples.values.tolist() == [
        ["CCE:P002", "CCE:testN", ""],
        ["CCE:P002", "CCE:testT", "CCE:testN"],
        ["I4PCM:P002", "I4PCM:testN", ""],
        ["I4PCM:P002", "I4PCM:testT", "I4PCM:testN"],
    ]
    assert len(query(out, "SELECT * FROM runs")) == 2
    other = _database(tmp_path / "o", "c3", reference="GRCh37")
    with pytest.raises(CohortError, match="different references"):
        merge_databases(str(tmp_path / "bad_db.duckdb"), {a: "CCE", other: "X"})
    with duckdb.connect(b) as con:
        con.execute("UPDATE schema_info SET value = '2.0' WHERE key = 'schema_version'")
    with pytest.raises(CohortError, match="incompatible schema versions"):
        merge_databases(str(tmp_path / "bad_db.duckdb"), {a: "CCE", b: "I4PCM"})


def test_cli_merge_refuses_other_schema_and_query_formats(tmp_path):
    a = _database(tmp_path / "a", "c1")
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "cohort",
            "query",
            "--db",
            a,
            "--format",
            "json",
            "SELECT patient, pos FROM germline_variants ORDER BY pos",
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"pos":200' in result.output.replace(" ", "")
    out = tmp_path / "q.parquet"
    result = runner.invoke(
        main,
        ["cohort", "query", "--db", a, "--format", "parquet", "--out", str(out), "recurrent_genes"],
    )
    assert result.exit_code == 0, result.output
    assert pq.read_schema(out).metadata[PARQUET_KEY] == SCHEMA_VERSION.encode()
    result = runner.invoke(main, ["cohort", "query", "--db", a, "SELECT * FROM nowhere"])
    assert result.exit_code != 0 and "nowhere does not exist" in result.output


def test_maf_alleles_and_columns(tmp_path):
    assert maf_alleles(100, "ACG", "A") == (101, 102, "CG", "-", "DEL")
    assert maf_alleles(100, "CA", "TG") == (100, 101, "CA", "TG", "DNP")
    maf = maf_table(_database(tmp_path), "c1", "GRCh38")
    row = maf.iloc[0]
    assert (row["Tumor_Sample_Barcode"], row["Matched_Norm_Sample_Barcode"]) == ("testT", "testN")
    assert (row["Start_Position"], row["Variant_Type"], row["t_alt_count"]) == (100, "SNP", 9)
    assert list(maf.columns[:5]) == [
        "Hugo_Symbol",
        "Entrez_Gene_Id",
        "Center",
        "NCBI_Build",
        "Chromosome",
    ]


def test_cbioportal_folder(tmp_path):
    files = write_cbioportal(
        _database(tmp_path), str(tmp_path / "study"), {"identifier": "icope_test", "centre": "c1"}
    )
    assert {
        "meta_study.txt",
        "meta_mutations.txt",
        "data_mutations.txt",
        "meta_cna_seg.txt",
        "data_cna.seg",
    } <= set(files)
    meta = (tmp_path / "study" / "meta_study.txt").read_text()
    assert "cancer_study_identifier: icope_test" in meta
    assert "reference_genome: hg38" in meta
    samples = (tmp_path / "study" / "data_clinical_sample.txt").read_text().splitlines()
    assert samples[4:] == ["PATIENT_ID\tSAMPLE_ID", "P002\ttestT"]


def test_aggregate_has_no_patient_rows_and_suppresses_small_counts(tmp_path):
    fragments = _write(
        tmp_path,
        {f"P{i}": _patient(tmp_path / str(i), f"P{i}") for i in range(3)},
    )
    db = str(tmp_path / "c_db.duckdb")
    build_database(db, fragments, run_row({"reference": "GRCh38"}))
    table = aggregate_table(db, min_count=3)
    germline = table[table["origin"] == "germline"]
    # pos 100 het in 3 patients (AC 3), pos 200 hom in 3 (AC 6); AN = 2 x 3 normals
    assert germline[["pos", "allele_count", "allele_number", "patient_count"]].values.tolist() == [
        [100, 3, 6, 3],
        [200, 6, 6, 3],
    ]
    text = table.to_csv(sep="\t")
    for private in ("P0", "P1", "P2", "testN", "testT", "0/1", "1/1"):
        assert private not in text
    assert aggregate_table(db, min_count=4).empty


def test_build_with_two_threads_gives_the_same_rows(tmp_path):
    fragments = _write(
        tmp_path,
        {f"P{i}": _patient(tmp_path / str(i), f"P{i}") for i in range(3)},
    )
    run = run_row({"reference": "GRCh38"})
    one, two = str(tmp_path / "one_db.duckdb"), str(tmp_path / "two_db.duckdb")
    assert build_database(one, fragments, run) == build_database(two, fragments, run, workers=2)
    sql = "SELECT * FROM germline_variants ORDER BY patient, pos"
    pd.testing.assert_frame_equal(query(one, sql), query(two, sql))
    assert not list(tmp_path.glob("two_db.duckdb.partial*"))


def test_database_is_duckdb_typed_and_read_only_for_queries(tmp_path):
    db = _database(tmp_path)
    with duckdb.connect(db, read_only=True) as con:
        kinds = dict(con.execute("DESCRIBE germline_variants").fetchall()[i][:2] for i in (0, 3))
    assert kinds == {"patient": "VARCHAR", "pos": "BIGINT"}
    with pytest.raises(CohortError, match="read-only"):
        query(db, "DELETE FROM germline_variants")
    assert len(query(db, "SELECT * FROM germline_variants")) == 2


def test_build_refuses_a_fragment_outside_its_patient_partition(tmp_path):
    fragments = _write(tmp_path, {"P1": _patient(tmp_path / "a", "P1")})
    fragments["samples"] = {"P7": fragments["samples"]["P1"]}
    with pytest.raises(CohortError, match="not in patient=P7"):
        build_database(str(tmp_path / "c.duckdb"), fragments, run_row({}))


def test_expression_from_the_gene_table_or_salmon(tmp_path):
    genes = tmp_path / "genes.tsv"
    genes.write_text("gene_id\tgene_name\tcounts\ttpm\nENSG1\tTP53\t12\t3.5\n")
    salmon = tmp_path / "quant.genes.sf"
    salmon.write_text("Name\tLength\tEffectiveLength\tTPM\tNumReads\nENSG2\t100\t80\t7.0\t4\n")
    patient = PatientFiles(
        patient="P1",
        samples={"R1": {"type": "rna"}, "R2": {"type": "rna"}},
        files={"R1": {"expression": str(genes)}, "R2": {"expression": str(salmon)}},
    )
    table = patient_tables(patient)["expression"]
    rows = table[["sample", "gene_id", "tpm", "num_reads"]].values.tolist()
    assert rows == [["R1", "ENSG1", 3.5, 12], ["R2", "ENSG2", 7.0, 4]]
    assert table.loc[0, "gene_name"] == "TP53"
