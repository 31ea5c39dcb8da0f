"""Exports of the cohort database: a GDC MAF of the somatic calls, a cBioPortal study folder,
and the shareable aggregate (per-variant counts, no patient-level rows)."""

from __future__ import annotations

import os

import pandas as pd

from icope.cohort.database import open_read_only, read_sql

#: GDC MAF columns written (the first 34 of the GDC MAF specification, then the read counts,
#: HGVS and FILTER columns cBioPortal reads).
MAF_COLUMNS = [
    "Hugo_Symbol",
    "Entrez_Gene_Id",
    "Center",
    "NCBI_Build",
    "Chromosome",
    "Start_Position",
    "End_Position",
    "Strand",
    "Variant_Classification",
    "Variant_Type",
    "Reference_Allele",
    "Tumor_Seq_Allele1",
    "Tumor_Seq_Allele2",
    "dbSNP_RS",
    "dbSNP_Val_Status",
    "Tumor_Sample_Barcode",
    "Matched_Norm_Sample_Barcode",
    "Match_Norm_Seq_Allele1",
    "Match_Norm_Seq_Allele2",
    "Tumor_Validation_Allele1",
    "Tumor_Validation_Allele2",
    "Match_Norm_Validation_Allele1",
    "Match_Norm_Validation_Allele2",
    "Verification_Status",
    "Validation_Status",
    "Mutation_Status",
    "Sequencing_Phase",
    "Sequence_Source",
    "Validation_Method",
    "Score",
    "BAM_File",
    "Sequencer",
    "Tumor_Sample_UUID",
    "Matched_Norm_Sample_UUID",
    "HGVSc",
    "HGVSp",
    "HGVSp_Short",
    "Transcript_ID",
    "t_depth",
    "t_ref_count",
    "t_alt_count",
    "n_depth",
    "n_ref_count",
    "n_alt_count",
    "FILTER",
]

#: bcftools csq term -> MAF Variant_Classification (indels refined by frame below).
_CLASSIFICATION = {
    "missense": "Missense_Mutation",
    "stop_gained": "Nonsense_Mutation",
    "stop_lost": "Nonstop_Mutation",
    "start_lost": "Translation_Start_Site",
    "splice_acceptor": "Splice_Site",
    "splice_donor": "Splice_Site",
    "splice_region": "Splice_Region",
    "inframe_insertion": "In_Frame_Ins",
    "inframe_deletion": "In_Frame_Del",
    "synonymous": "Silent",
    "start_retained": "Silent",
    "stop_retained": "Silent",
    "5_prime_utr": "5'UTR",
    "3_prime_utr": "3'UTR",
    "intron": "Intron",
    "non_coding": "RNA",
    "intergenic": "IGR",
}
_ORDER = list(_CLASSIFICATION)


def variant_classification(consequence: str, ref: str, alt: str) -> str:
    """MAF Variant_Classification of the most severe term.

    >>> variant_classification("frameshift", "AC", "A")
    'Frame_Shift_Del'
    >>> variant_classification("missense&splice_region", "C", "T")
    'Missense_Mutation'
    """
    terms = (consequence or "").lstrip("*").split("&")
    if "frameshift" in terms:
        return "Frame_Shift_Del" if len(ref) > len(alt) else "Frame_Shift_Ins"
    known = [t for t in terms if t in _CLASSIFICATION]
    if not known:
        return "IGR" if not consequence else "Targeted_Region"
    return _CLASSIFICATION[min(known, key=_ORDER.index)]


def maf_alleles(pos: int, ref: str, alt: str) -> tuple[int, int, str, str, str]:
    """MAF start, end, reference, tumour allele and Variant_Type of a VCF allele (MAF drops
    the VCF's padding base of indels; an insertion spans the two bases around it).

    >>> maf_alleles(100, "AC", "A")
    (101, 101, 'C', '-', 'DEL')
    >>> maf_alleles(100, "A", "AGT")
    (100, 101, '-', 'GT', 'INS')
    >>> maf_alleles(100, "C", "T")
    (100, 100, 'C', 'T', 'SNP')
    """
    if len(ref) == len(alt):
        kinds = {1: "SNP", 2: "DNP", 3: "TNP"}
        return pos, pos + len(ref) - 1, ref, alt, kinds.get(len(ref), "ONP")
    if ref and alt and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    if not ref:
        return pos - 1, pos, "-", alt, "INS"
    if not alt:
        return pos, pos + len(ref) - 1, ref, "-", "DEL"
    return pos, pos + len(ref) - 1, ref, alt, "ONP"


def _count(depth, af) -> int | str:
    if pd.isna(depth) or pd.isna(af):
        return ""
    return round(float(depth) * float(af))


def maf_table(db_path: str, centre: str, build: str, pass_only: bool = False) -> pd.DataFrame:
    """The somatic calls of the database as MAF rows (every call, FILTER kept)."""
    db = open_read_only(db_path)
    calls = read_sql(
        db,
        "SELECT * FROM somatic_variants ORDER BY patient, sample, chrom, pos, ref, alt, filter",
    )
    db.close()
    if pass_only:
        calls = calls[calls["filter"] == "PASS"]
    rows = []
    for call in calls.to_dict("records"):
        start, end, ref, alt, kind = maf_alleles(int(call["pos"]), call["ref"], call["alt"])
        t_alt = _count(call.get("tumour_depth"), call.get("tumour_af"))
        n_alt = _count(call.get("normal_depth"), call.get("normal_af"))
        hgvs_p = call.get("hgvs_p") or ""
        rows.append(
            {
                "Hugo_Symbol": call.get("gene") or "Unknown",
                "Entrez_Gene_Id": 0,
                "Center": centre,
                "NCBI_Build": build,
                "Chromosome": call["chrom"],
                "Start_Position": start,
                "End_Position": end,
                "Strand": "+",
                "Variant_Classification": variant_classification(
                    call.get("consequence") or "", call["ref"], call["alt"]
                ),
                "Variant_Type": kind,
                "Reference_Allele": ref,
                "Tumor_Seq_Allele1": ref,
                "Tumor_Seq_Allele2": alt,
                "dbSNP_RS": call.get("id") or "novel",
                "Tumor_Sample_Barcode": call["sample"],
                "Matched_Norm_Sample_Barcode": call.get("normal_sample") or "",
                "Match_Norm_Seq_Allele1": ref,
                "Match_Norm_Seq_Allele2": ref,
                "Mutation_Status": "Somatic",
                "HGVSc": call.get("hgvs_c") or "",
                "HGVSp": hgvs_p,
                "HGVSp_Short": hgvs_p,
                "Transcript_ID": call.get("transcript") or "",
                "t_depth": "" if pd.isna(call.get("tumour_depth")) else call["tumour_depth"],
                "t_alt_count": t_alt,
                "t_ref_count": "" if t_alt == "" else int(call["tumour_depth"]) - t_alt,
                "n_depth": "" if pd.isna(call.get("normal_depth")) else call["normal_depth"],
                "n_alt_count": n_alt,
                "n_ref_count": "" if n_alt == "" else int(call["normal_depth"]) - n_alt,
                "FILTER": call["filter"],
            }
        )
    return pd.DataFrame(rows, columns=MAF_COLUMNS).astype(object).fillna("")


def write_maf(table: pd.DataFrame, path: str) -> None:
    with open(path, "w") as handle:
        handle.write("#version gdc-1.0.0\n")
        table.to_csv(handle, sep="\t", index=False)


def write_cbioportal(db_path: str, folder: str, study: dict) -> list[str]:
    """A cBioPortal study folder: meta_study, clinical samples and patients, mutations (MAF),
    copy-number segments. ``study``: identifier, name, description, type_of_cancer,
    reference_genome (hg38 or hg19), centre. Returns the files written."""
    os.makedirs(folder, exist_ok=True)
    sid = study["identifier"]
    genome = study.get("reference_genome", "hg38")
    files = {
        "meta_study.txt": {
            "type_of_cancer": study.get("type_of_cancer", "mixed"),
            "cancer_study_identifier": sid,
            "name": study.get("name", sid),
            "description": study.get("description", sid),
            "short_name": study.get("name", sid),
            "add_global_case_list": "true",
            "reference_genome": genome,
        },
        "meta_clinical_patient.txt": _meta(
            sid, "CLINICAL", "PATIENT_ATTRIBUTES", "data_clinical_patient.txt"
        ),
        "meta_clinical_sample.txt": _meta(
            sid, "CLINICAL", "SAMPLE_ATTRIBUTES", "data_clinical_sample.txt"
        ),
        "meta_mutations.txt": _meta(sid, "MUTATION_EXTENDED", "MAF", "data_mutations.txt")
        | {
            "stable_id": "mutations",
            "show_profile_in_analysis_tab": "true",
            "profile_name": "Somatic mutations",
            "profile_description": "Somatic small variants (icope consensus calls)",
        },
        "meta_cna_seg.txt": _meta(sid, "COPY_NUMBER_ALTERATION", "SEG", "data_cna.seg")
        | {"reference_genome_id": genome, "description": "Copy-number segments (log2 ratio)"},
    }
    for name, fields in files.items():
        with open(os.path.join(folder, name), "w") as handle:
            handle.writelines(f"{k}: {v}\n" for k, v in fields.items())
    db = open_read_only(db_path)
    samples = read_sql(db, "SELECT * FROM samples WHERE type = 'tumour' ORDER BY patient, sample")
    segments = read_sql(db, "SELECT * FROM cnv_segments ORDER BY patient, sample, chrom, start")
    db.close()
    _clinical(
        folder,
        "data_clinical_patient.txt",
        ["PATIENT_ID"],
        samples[["patient"]].drop_duplicates().rename(columns={"patient": "PATIENT_ID"}),
    )
    _clinical(
        folder,
        "data_clinical_sample.txt",
        ["PATIENT_ID", "SAMPLE_ID"],
        samples.rename(columns={"patient": "PATIENT_ID", "sample": "SAMPLE_ID"})[
            ["PATIENT_ID", "SAMPLE_ID"]
        ],
    )
    maf = maf_table(
        db_path, study.get("centre", ""), study.get("ncbi_build", "GRCh38"), pass_only=True
    )
    maf.to_csv(os.path.join(folder, "data_mutations.txt"), sep="\t", index=False)
    _segments(segments).to_csv(os.path.join(folder, "data_cna.seg"), sep="\t", index=False)
    return sorted(
        [
            *files,
            "data_clinical_patient.txt",
            "data_clinical_sample.txt",
            "data_mutations.txt",
            "data_cna.seg",
        ]
    )


def _meta(sid: str, alteration: str, datatype: str, data: str) -> dict:
    return {
        "cancer_study_identifier": sid,
        "genetic_alteration_type": alteration,
        "datatype": datatype,
        "data_filename": data,
    }


def _clinical(folder: str, name: str, columns: list[str], table: pd.DataFrame) -> None:
    """cBioPortal clinical file: four header lines (name, description, type, priority)."""
    with open(os.path.join(folder, name), "w") as handle:
        handle.write("#" + "\t".join(columns) + "\n")
        handle.write("#" + "\t".join(c.replace("_", " ").title() for c in columns) + "\n")
        handle.write("#" + "\t".join("STRING" for _ in columns) + "\n")
        handle.write("#" + "\t".join("1" for _ in columns) + "\n")
        table.to_csv(handle, sep="\t", index=False)


def _segments(segments: pd.DataFrame) -> pd.DataFrame:
    """SEG rows (ID, chrom, loc.start, loc.end, num.mark, seg.mean); segments without a
    log2 ratio (not assessable) are left out, not written as 0."""
    columns = ["ID", "chrom", "loc.start", "loc.end", "num.mark", "seg.mean"]
    if segments.empty or "log2" not in segments.columns:
        return pd.DataFrame(columns=columns)
    seg = segments[pd.to_numeric(segments["log2"], errors="coerce").notna()]
    return pd.DataFrame(
        {
            "ID": seg["sample"],
            "chrom": seg["chrom"],
            "loc.start": seg["start"].astype(int) + 1,
            "loc.end": seg["end"].astype(int),
            "num.mark": seg.get("n_bins", 0),
            "seg.mean": pd.to_numeric(seg["log2"]),
        },
        columns=columns,
    )


AGGREGATE_SQL = {
    "germline": """
SELECT chrom, pos, ref, alt, MAX(gene) AS gene, MAX(hgvs_c) AS hgvs_c, MAX(hgvs_p) AS hgvs_p,
       MAX(consequence) AS consequence, MAX(impact) AS impact,
       string_agg(DISTINCT acmg_class, ',' ORDER BY acmg_class) AS classification,
       SUM(CASE WHEN genotype IN ('1/1', '1|1') THEN 2 ELSE 1 END) AS allele_count,
       COUNT(DISTINCT patient) AS patient_count
FROM germline_variants
WHERE filter = 'PASS' AND genotype NOT IN ('0/0', '0|0', './.')
GROUP BY chrom, pos, ref, alt
""",
    "somatic": """
SELECT chrom, pos, ref, alt, MAX(gene) AS gene, MAX(hgvs_c) AS hgvs_c, MAX(hgvs_p) AS hgvs_p,
       MAX(consequence) AS consequence, MAX(impact) AS impact,
       NULL AS classification, NULL AS allele_count,
       COUNT(DISTINCT patient) AS patient_count
FROM somatic_variants
WHERE filter = 'PASS'
GROUP BY chrom, pos, ref, alt
""",
}
AGGREGATE_COLUMNS = [
    "origin",
    "chrom",
    "pos",
    "ref",
    "alt",
    "gene",
    "hgvs_c",
    "hgvs_p",
    "consequence",
    "impact",
    "classification",
    "allele_count",
    "allele_number",
    "patient_count",
    "patients_analysed",
]


def aggregate_table(db_path: str, min_count: int) -> pd.DataFrame:
    """Per variant and origin: allele and patient counts over PASS calls, with the cohort's
    denominators (allele_number: 2 per analysed normal; patients_analysed); counts below
    ``min_count`` are suppressed (empty), and a variant whose patient count is suppressed
    is left out altogether (its presence alone would tell)."""
    db = open_read_only(db_path)
    normals = db.execute("SELECT COUNT(*) FROM samples WHERE type = 'normal'").fetchone()[0]
    analysed = {
        "germline": db.execute(
            "SELECT COUNT(DISTINCT patient) FROM samples WHERE type = 'normal'"
        ).fetchone()[0],
        "somatic": db.execute(
            "SELECT COUNT(DISTINCT patient) FROM samples WHERE type = 'tumour'"
        ).fetchone()[0],
    }
    frames = []
    for origin, sql in AGGREGATE_SQL.items():
        table = read_sql(db, sql)
        table.insert(0, "origin", origin)
        table["allele_number"] = 2 * normals if origin == "germline" else None
        table["patients_analysed"] = analysed[origin]
        frames.append(table)
    db.close()
    table = pd.concat([f for f in frames if not f.empty] or frames, ignore_index=True)
    table = table[table["patient_count"] >= min_count].copy()
    small = pd.to_numeric(table["allele_count"], errors="coerce") < min_count
    table["allele_count"] = table["allele_count"].astype(object).where(~small, None)
    return table[AGGREGATE_COLUMNS].sort_values(["origin", "chrom", "pos", "ref", "alt"])


def write_aggregate(table: pd.DataFrame, path: str, min_count: int, schema: str) -> None:
    with open(path, "w") as handle:
        handle.write(
            f"# icope cohort aggregate; schema {schema}; counts below {min_count} "
            "suppressed; PASS calls only; no patient-level rows\n"
        )
        table.to_csv(handle, sep="\t", index=False, na_rep="")
