"""Build the bundled gene panels under ``resources/panels/`` from CPSR panel 0.

Panel 0 of CPSR (``panel_zero.tsv.gz``, the CPSR "superpanel" of cancer-predisposition genes)
is turned into three TSV files that :func:`icope.germline.panel.read_panel` reads:

* ``cpsr_superpanel.tsv``: every gene of panel 0;
* ``childhood_solid_tumours.tsv`` and ``haematological_malignancies.tsv``: subsets, each the
  union of an explicit core-gene list and the genes whose ``CPG_PHENOTYPES`` text matches an
  explicit keyword list.

A gene that is not in panel 0 is never added: core genes missing from panel 0 are reported
(in the file header and by the CLI). The files carry a comment header citing the source and
the selection rule, and no date, so that a rebuild from the same input is byte-for-byte equal.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

# Provenance of the input (see shared/data/PROVENANCE.md, section D).
SOURCE_REPOSITORY = "https://github.com/sigven/cpsr"
SOURCE_COMMIT = "19b4d732165b68f2d2de2d3915f33406e686aa6b"
SOURCE_FILE = "inst/extdata/panel_zero.tsv.gz"
SOURCE_LICENCE = "MIT"
SOURCE_COPYRIGHT = "Copyright (c) 2026 Sigve Nakken"

PANEL_ZERO_COLUMNS = {
    "GENE": "gene",
    "ENSEMBL_GENE_ID": "ensembl_gene_id",
    "ENTREZGENE": "entrez_gene_id",
    "CPG_MOI": "mode_of_inheritance",
    "CPG_MOD": "mechanism",
    "GENENAME": "gene_name",
    "CPG_SOURCE": "sources",
    "CPG_PHENOTYPES": "phenotypes",
}
SUPERPANEL_COLUMNS = list(PANEL_ZERO_COLUMNS.values())
SUBSET_COLUMNS = [*SUPERPANEL_COLUMNS, "selection"]

_TAG = re.compile(r"<[^>]+>")
_SEPARATORS = re.compile(r"[\s\-_]+")

# --- Childhood solid tumours -----------------------------------------------------------------
# Core genes: the established paediatric solid-tumour predisposition genes, chosen from the
# paediatric predisposition literature (Zhang et al., NEJM 2015, 373:2336, "Germline mutations
# in predisposition genes in pediatric cancer"; the AACR Childhood Cancer Predisposition
# Workshop recommendations, Clin Cancer Res 2017) with the Genomics England PanelApp
# "Childhood solid tumours" panel as orientation. This is a curated selection for this
# pipeline, not a copy of that panel. Groups: Li-Fraumeni / retinoblastoma / DICER1;
# RASopathies and neurofibromatosis / schwannomatosis; rhabdoid and SWI/SNF; Wilms tumour and
# Beckwith-Wiedemann (11p15: H19, IGF2, CDKN1C, KCNQ1OT1); Gorlin / medulloblastoma;
# neuroblastoma; phaeochromocytoma / paraganglioma and von Hippel-Lindau; MEN2; constitutional
# mismatch-repair deficiency (EPCAM, MLH1, MSH2, MSH6, PMS2); tuberous sclerosis; FAP
# (hepatoblastoma); BRCA2 / PALB2 (Fanconi D1 / N embryonal tumours); osteosarcoma (RECQL4);
# CHEK2 (found in paediatric cohorts, low penetrance).
SOLID_CORE_GENES = (
    "TP53", "RB1", "DICER1", "CHEK2",
    "NF1", "NF2", "LZTR1", "SMARCB1", "SMARCA4", "SMARCE1", "HRAS", "PTPN11",
    "WT1", "TRIM28", "CTR9", "REST", "DIS3L2", "GPC3", "H19", "IGF2", "CDKN1C", "KCNQ1OT1",
    "PTCH1", "PTCH2", "SUFU", "GPR161", "ELP1",
    "ALK", "PHOX2B", "KIF1B",
    "SDHA", "SDHB", "SDHC", "SDHD", "VHL", "RET",
    "EPCAM", "MLH1", "MSH2", "MSH6", "PMS2",
    "TSC1", "TSC2", "APC", "CDKN2A", "BRCA2", "PALB2", "RECQL4",
)  # fmt: skip

# Phenotype keywords: the childhood solid tumour types and the predisposition syndromes that
# present with them, from the same literature. Generic adult terms ("brain", "CNS",
# "sarcoma", "glioma", "melanoma", "breast") are left out on purpose: in panel 0 they mostly
# tag adult-onset genes. Both spellings are listed where British and American differ.
SOLID_KEYWORDS = (
    # embryonal tumours of childhood
    "neuroblastoma", "wilms", "wilm's", "nephroblastoma", "retinoblastoma", "hepatoblastoma",
    "pleuropulmonary blastoma", "cystic nephroma", "medulloblastoma", "rhabdoid",
    "primitive neuroectodermal", "embryonal", "ependymoma", "choroid plexus",
    "subependymal giant cell astrocytoma", "optic glioma", "brain tumor", "brain tumour",
    "intracranial germ cell", "gonadoblastoma", "sertoli leydig",
    # sarcomas of childhood and adolescence
    "rhabdomyosarcoma", "osteosarcoma", "ewing", "malignant peripheral nerve sheath",
    # other childhood carcinomas / tumours
    "adrenocortical carcinoma", "adrenal cortical carcinoma", "paraganglioma",
    "pheochromocytoma", "phaeochromocytoma",
    # predisposition syndromes
    "li fraumeni", "dicer1", "gorlin", "basal cell nevus syndrome", "basal cell naevus",
    "nevoid basal cell", "neurofibromatosis", "schwannomatosis", "tuberous sclerosis",
    "von hippel lindau", "beckwith wiedemann", "perlman", "simpson golabi behmel", "sotos",
    "denys drash", "frasier", "wagr", "costello", "constitutional mismatch repair",
    "mismatch repair cancer syndrome", "cmmrd",
)  # fmt: skip

# --- Haematological malignancies -------------------------------------------------------------
# Core genes: germline predisposition to childhood leukaemia / MDS and the inherited bone
# marrow failure syndromes, chosen from the paediatric predisposition literature (Zhang et
# al., NEJM 2015; the 2016/2022 WHO and ICC categories of myeloid neoplasms with germline
# predisposition; the AACR 2017 leukaemia-predisposition recommendations) with the PanelApp
# "Haematological malignancies cancer susceptibility" panel as orientation. A curated
# selection for this pipeline, not a copy of that panel. Groups: familial platelet disorder /
# thrombocytopenia (RUNX1, ETV6, ANKRD26); GATA2, CEBPA, DDX41; SAMD9/SAMD9L and MECOM
# (monosomy 7, bone marrow failure); familial ALL (PAX5, IKZF1, SH2B3, TP53); RASopathies with
# JMML (NF1, PTPN11, CBL, KRAS, NRAS); constitutional mismatch-repair deficiency; Fanconi
# anaemia (FANC*: every panel-0 gene whose symbol starts with FANC); DNA-repair / chromosome
# instability (ATM, NBN, BLM, LIG4); Shwachman-Diamond (SBDS, DNAJC21, EFL1), SRP72,
# ERCC6L2, severe congenital neutropenia (ELANE); telomere biology disorders (TERC, TERT,
# RTEL1, DKC1, TINF2); GATA1.
HAEM_CORE_GENES = (
    "RUNX1", "ETV6", "ANKRD26", "GATA2", "CEBPA", "DDX41", "SAMD9", "SAMD9L", "MECOM",
    "PAX5", "IKZF1", "SH2B3", "TP53",
    "NF1", "PTPN11", "CBL", "KRAS", "NRAS",
    "MLH1", "MSH2", "MSH6", "PMS2",
    "FANC*", "ATM", "NBN", "BLM", "LIG4",
    "SBDS", "DNAJC21", "EFL1", "SRP72", "ERCC6L2", "ELANE",
    "TERC", "TERT", "RTEL1", "DKC1", "TINF2", "GATA1",
)  # fmt: skip

# Phenotype keywords: leukaemia / lymphoma / MDS terms and the inherited bone marrow failure
# and chromosome-instability syndromes that lead to them, from the same literature. "ALL" is
# not a keyword (as a case-insensitive word it is ordinary English); "acute lymphoblastic"
# and "leukemia" / "leukaemia" cover it. "Noonan" is left out: its myeloid risk (JMML) is
# covered by the core RAS genes and the "jmml" keywords.
HAEM_KEYWORDS = (
    # malignancies
    "leukemia", "leukaemia", "acute myeloid", "aml", "acute lymphoblastic", "lymphoblastic",
    "mds", "myelodysplastic", "myelodysplasia", "jmml", "juvenile myelomonocytic", "cmml",
    "lymphoma", "lymphoproliferative", "myeloproliferative", "hematological malignancy",
    "haematological malignancy", "hematologic malignancy", "haematologic malignancy",
    "myeloid malignancy",
    # bone marrow failure and related syndromes
    "bone marrow failure", "fanconi", "dyskeratosis congenita", "diamond blackfan",
    "shwachman", "schwachman", "aplastic anemia", "aplastic anaemia", "platelet disorder",
    "monosomy 7", "severe congenital neutropenia", "emberger", "monomac",
    # chromosome instability syndromes with lymphoid malignancy
    "nijmegen", "bloom syndrome", "ataxia telangiectasia", "ligase iv",
)  # fmt: skip


@dataclass(frozen=True)
class PanelSpec:
    """A named subset of panel 0: core genes plus phenotype keywords."""

    name: str
    title: str
    core_genes: tuple[str, ...]
    keywords: tuple[str, ...]
    origin: str = field(default="", compare=False)

    @property
    def filename(self) -> str:
        return f"{self.name}.tsv"


SUBSET_PANELS = (
    PanelSpec(
        "childhood_solid_tumours",
        "Childhood solid tumours (germline predisposition)",
        SOLID_CORE_GENES,
        SOLID_KEYWORDS,
        "curated from the paediatric predisposition literature (Zhang et al. NEJM 2015; "
        "AACR 2017) with the PanelApp 'Childhood solid tumours' panel as orientation; "
        "not a copy of that panel",
    ),
    PanelSpec(
        "haematological_malignancies",
        "Haematological malignancies (germline predisposition)",
        HAEM_CORE_GENES,
        HAEM_KEYWORDS,
        "curated from the paediatric predisposition literature (Zhang et al. NEJM 2015; "
        "WHO/ICC germline-predisposition categories; AACR 2017) with the PanelApp "
        "'Haematological malignancies cancer susceptibility' panel as orientation; "
        "not a copy of that panel",
    ),
)
SUPERPANEL_NAME = "cpsr_superpanel"


@dataclass
class PanelResult:
    name: str
    path: Path
    n_genes: int
    absent_core: list[str]


def strip_html(value: str) -> str:
    """Text of an HTML fragment: tags removed, surrounding whitespace trimmed."""
    return _TAG.sub("", value).strip()


def _normalise(text: str) -> str:
    return _SEPARATORS.sub(" ", text.lower()).strip()


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    """Whole-word-ish: case-insensitive, '-'/'_'/space equivalent, optional plural 's'."""
    return re.compile(r"(?<![a-z0-9])" + re.escape(_normalise(keyword)) + r"s?(?![a-z0-9])")


def matching_keywords(phenotypes: str, keywords: tuple[str, ...]) -> list[str]:
    """The keywords (in list order) that occur in ``phenotypes``."""
    if not phenotypes or phenotypes == "NA":
        return []
    text = _normalise(phenotypes)
    return [kw for kw in keywords if _keyword_pattern(kw).search(text)]


def read_panel_zero(path: str | Path) -> pd.DataFrame:
    """CPSR panel 0 as a table with :data:`SUPERPANEL_COLUMNS`, sorted by gene, 'NA' for empty."""
    raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, na_filter=False)
    missing = [c for c in PANEL_ZERO_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"{path}: not a CPSR panel 0 file, missing column(s) {', '.join(missing)}")
    table = raw[list(PANEL_ZERO_COLUMNS)].rename(columns=PANEL_ZERO_COLUMNS)
    table["gene"] = table["gene"].map(strip_html)
    for column in SUPERPANEL_COLUMNS:
        table[column] = table[column].map(lambda v: " ".join(v.split()) or "NA")
    if (table["gene"] == "NA").any():
        raise ValueError(f"{path}: a row has an empty GENE")
    duplicated = sorted(set(table.loc[table["gene"].duplicated(), "gene"]))
    if duplicated:
        raise ValueError(f"{path}: duplicated gene(s) {', '.join(duplicated)}")
    return table.sort_values("gene", kind="stable").reset_index(drop=True)


def expand_core(core_genes: tuple[str, ...], present: list[str]) -> tuple[list[str], list[str]]:
    """Core entries resolved against ``present``: (genes found, entries absent).

    An entry ending in ``*`` is a symbol prefix (``FANC*``); it is absent if nothing matches.
    """
    found: dict[str, None] = {}
    absent = []
    present_set = set(present)
    for entry in core_genes:
        if entry.endswith("*"):
            hits = [g for g in present if g.startswith(entry[:-1])]
        else:
            hits = [entry] if entry in present_set else []
        if not hits:
            absent.append(entry)
        found.update(dict.fromkeys(hits))
    return list(found), absent


def select_subset(superpanel: pd.DataFrame, spec: PanelSpec) -> tuple[pd.DataFrame, list[str]]:
    """Rows of ``superpanel`` chosen by ``spec``, with a ``selection`` column; absent core genes."""
    core, absent = expand_core(spec.core_genes, list(superpanel["gene"]))
    core_set = set(core)
    reasons = []
    for gene, phenotypes in zip(superpanel["gene"], superpanel["phenotypes"], strict=True):
        why = ["core list"] if gene in core_set else []
        hits = matching_keywords(phenotypes, spec.keywords)
        if hits:
            label = "phenotype keyword" if len(hits) == 1 else "phenotype keywords"
            why.append(f"{label} " + ", ".join(f"'{kw}'" for kw in hits))
        reasons.append("; ".join(why))
    subset = superpanel.assign(selection=reasons)
    subset = subset[subset["selection"] != ""].reset_index(drop=True)
    return subset[SUBSET_COLUMNS], absent


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _wrapped(label: str, items: list[str] | tuple[str, ...], width: int = 98) -> list[str]:
    """``label: a, b, c`` over several lines, never breaking inside an item."""
    if not items:
        return [f"{label}: none"]
    lines, current = [], f"{label}:"
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if len(current) + 1 + len(piece) > width and current.strip():
            lines.append(current)
            current = " "
        current += " " + piece
    return [*lines, current]


def _header(name: str, title: str, n_genes: int, input_md5: str, selection: list[str]) -> list[str]:
    lines = [
        f"icope gene panel: {name}",
        f"Title: {title}",
        f"Genes: {n_genes}",
        f"Source: {SOURCE_REPOSITORY} commit {SOURCE_COMMIT},",
        f"  file {SOURCE_FILE} (CPSR panel 0 superpanel)",
        f"  md5 of the input file used: {input_md5}",
        f"Source licence: {SOURCE_LICENCE}, {SOURCE_COPYRIGHT}",
        *selection,
        "Generated by `icope build-panels` (icope.panels); regenerate, do not edit by hand.",
        "Columns: gene symbol (HTML stripped), Ensembl/Entrez IDs, mode_of_inheritance (CPG_MOI),",
        "  mechanism (CPG_MOD), gene_name, sources (CPG_SOURCE), phenotypes (CPG_PHENOTYPES);",
        "  NA = missing in the source; runs of whitespace collapsed to one space.",
    ]
    return [f"# {line}".rstrip() for line in lines]


def _write(path: Path, header: list[str], table: pd.DataFrame) -> None:
    body = ["\t".join(table.columns)]
    body += ["\t".join(row) for row in table.itertuples(index=False, name=None)]
    path.write_text("\n".join([*header, *body]) + "\n", encoding="utf-8", newline="\n")


def build_panel_results(panel_zero_path: str | Path, outdir: str | Path) -> list[PanelResult]:
    """Write the superpanel and the subset panels into ``outdir``; describe what was written."""
    panel_zero_path = Path(panel_zero_path)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    superpanel = read_panel_zero(panel_zero_path)
    input_md5 = _md5(panel_zero_path)
    results = []

    path = outdir / f"{SUPERPANEL_NAME}.tsv"
    selection = ["Selection: all genes of CPSR panel 0, sorted by gene symbol."]
    header = _header(
        SUPERPANEL_NAME, "CPSR panel 0 superpanel", len(superpanel), input_md5, selection
    )
    _write(path, header, superpanel[SUPERPANEL_COLUMNS])
    results.append(PanelResult(SUPERPANEL_NAME, path, len(superpanel), []))

    for spec in SUBSET_PANELS:
        subset, absent = select_subset(superpanel, spec)
        selection = [
            "Selection: genes of CPSR panel 0 that are in the core list, or whose CPG_PHENOTYPES",
            "  match a keyword (case-insensitive, whole word, '-'/'_'/space equivalent, optional",
            "  plural 's'); the 'selection' column gives the reason per gene; sorted by gene.",
            *textwrap.wrap(
                f"Selection origin: {spec.origin}.",
                width=98,
                break_on_hyphens=False,
                subsequent_indent="  ",
            ),
            *_wrapped("Core list ('*' = symbol prefix)", spec.core_genes),
            *_wrapped("Core genes absent from panel 0 (not added)", absent),
            *_wrapped("Phenotype keywords", [f"'{kw}'" for kw in spec.keywords]),
        ]
        path = outdir / spec.filename
        _write(path, _header(spec.name, spec.title, len(subset), input_md5, selection), subset)
        results.append(PanelResult(spec.name, path, len(subset), absent))
    return results


def build_panels(panel_zero_path: str | Path, outdir: str | Path) -> dict[str, int]:
    """Write the bundled panels into ``outdir``; return the gene count per panel name."""
    return {r.name: r.n_genes for r in build_panel_results(panel_zero_path, outdir)}
