"""What a patient report can and cannot say: analysis status of each section (with the
reason when a section was not analysed), the QC gate, ClinVar beside our ACMG class,
readable criteria, copy-number evidence, the front-page summary and number formats.

Absence of evidence is never a negative finding: a section whose input was never produced
(no normal, a normal whose FASTQ held 0 reads, no tumour, no RNA) reads "not analysed" with
the reason, never "no variant found".
"""

from __future__ import annotations

import json
import math
import re

from icope.germline.acmg_evidence import clinvar_review_stars

ANALYSED = "analysed"
NOT_ANALYSED = "not analysed"
PATHOGENIC = ("Pathogenic", "Likely pathogenic")
#: ClinVar's own words for each review-star level (its web pages and CLNREVSTAT)
CLINVAR_REVIEW_WORDS = {
    4: "practice guideline",
    3: "reviewed by expert panel",
    2: "criteria provided, multiple submitters, no conflicts",
    1: "criteria provided, single submitter",
    0: "no assertion criteria provided",
}
#: ClinVar classifications shown beside ours from this many review stars
CLINVAR_MIN_STARS = 2


def status(reason: str | None = None) -> dict:
    """``{"status": "analysed", "reason": None}`` or not analysed with its reason."""
    return {"status": NOT_ANALYSED if reason else ANALYSED, "reason": reason}


def _no_reads(qc_row: dict | None) -> bool:
    """True when a sample's FASTQ held no reads (raw or after trimming)."""
    if not qc_row:
        return False
    return any(qc_row.get(key) == 0 for key in ("raw_reads", "reads_after_trimming"))


def _of_type(samples: list[dict], kind: str) -> list[dict]:
    return [s for s in samples if s["type"] == kind]


def _reads_reason(samples: list[dict], qc: dict, label: str) -> str | None:
    """Why a sample type gave no data: absent, or every sample of it held 0 reads."""
    if not samples:
        return f"no {label} sample for this patient"
    empty = [s["sample"] for s in samples if _no_reads(qc.get(s["sample"]))]
    if len(empty) == len(samples):
        return f"the {label} sample's FASTQ held 0 reads ({', '.join(empty)})"
    return None


def analysis_status(samples: list[dict], qc_rows: list[dict], panel: bool, files: dict) -> dict:
    """Status of every section: germline, secondary, somatic, copy number, SVs, two-hit, RNA."""
    qc = {q["sample"]: q for q in qc_rows}
    normals, tumours = _of_type(samples, "normal"), _of_type(samples, "tumour")
    germline = _reads_reason(normals, qc, "normal (germline)")
    if germline is None and not panel:
        germline = "no gene panel configured"
    tumour = _reads_reason(tumours, qc, "tumour DNA")
    paired = [t for t in tumours if not t.get("tumour_only") and t.get("normal")]
    copy_number = tumour or (None if paired else "no tumour with a matched normal")
    with_cnv = [t for t in paired if "cnv_segments" in files.get(t["sample"], {})]
    if copy_number is None and not with_cnv:
        copy_number = "no copy-number result for the tumour"
    sv = tumour
    if sv is None and not any("sv" in files.get(t["sample"], {}) for t in tumours):
        sv = "no structural-variant calls for the tumour"
    two_hit = germline or tumour
    return {
        "germline": status(germline),
        "somatic": status(tumour),
        "copy_number": status(copy_number),
        "structural_variants": status(sv),
        "two_hit": status(two_hit),
        "rna": status(_reads_reason(_of_type(samples, "rna"), qc, "RNA")),
    }


# --------------------------------------------------------------------------- QC gate

#: which sample types each part of the report depends on
DEPENDS_ON = {
    "germline": ("normal",),
    "somatic": ("tumour", "normal"),
    "copy_number": ("tumour", "normal"),
    "structural_variants": ("tumour", "normal"),
    "two_hit": ("tumour", "normal"),
    "rna": ("rna",),
}


def qc_gate(qc_rows: list[dict], thresholds: dict | None) -> dict:
    """The QC verdict of the patient: failed and warned samples, with the thresholds used."""
    failed = [q["sample"] for q in qc_rows if q.get("status") == "fail"]
    warned = [q["sample"] for q in qc_rows if q.get("status") == "warn"]
    verdict = "fail" if failed else "warn" if warned else "pass" if qc_rows else "not assessed"
    return {
        "verdict": verdict,
        "failed_samples": failed,
        "warned_samples": warned,
        "reasons": {q["sample"]: q.get("reasons") for q in qc_rows if q.get("reasons")},
        "thresholds": dict(thresholds or {}),
    }


def failed_dependencies(section: str, samples: list[dict], gate: dict) -> list[str]:
    """The failed-QC samples a section's findings depend on."""
    kinds = DEPENDS_ON[section]
    return [
        s["sample"] for s in samples if s["type"] in kinds and s["sample"] in gate["failed_samples"]
    ]


def mark_qc(rows: list[dict], failed: list[str]) -> list[dict]:
    """Each finding carries ``qc_failed_samples``: the failed samples it depends on."""
    for row in rows:
        row["qc_failed_samples"] = list(failed)
    return rows


# --------------------------------------------------------------------------- germline rows


def parse_evidence(value) -> list:
    """``acmg_evidence`` as a list of criterion objects (the table stores JSON text)."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    parsed = json.loads(value)
    return parsed if isinstance(parsed, list) else [parsed]


def _clinvar_terms(significance: str) -> set[str]:
    terms = significance.replace("_", " ").replace("|", "/").replace(";", "/").split("/")
    return {t.strip().lower() for t in terms if t.strip()}


def clinvar_display(row: dict, release: str | None) -> dict | None:
    """ClinVar's class, stars, review words and release beside our class, or None.

    Shown from two stars (multiple submitters without conflict, expert panel, practice
    guideline); ``agrees`` False when ClinVar's class is not the one we give.
    """
    significance = row.get("clinvar_significance")
    if not significance:
        return None
    review = row.get("clinvar_review")
    stars = clinvar_review_stars(review)
    ours = (row.get("acmg_class") or "").lower()
    terms = _clinvar_terms(str(significance))
    return {
        "significance": str(significance).replace("_", " "),
        "stars": stars,
        "review_status": (
            CLINVAR_REVIEW_WORDS[stars] if stars is not None else str(review or "not stated")
        ),
        "release": release,
        "shown": stars is not None and stars >= CLINVAR_MIN_STARS,
        "agrees": ours in terms if ours else None,
    }


def germline_row(row: dict, release: str | None) -> dict:
    """One germline call as the report shows it: typed evidence, ClinVar beside our class."""
    row = dict(row)
    if "acmg_evidence" in row:
        row["acmg_evidence"] = parse_evidence(row["acmg_evidence"])
    row["clinvar"] = clinvar_display(row, release)
    return row


_REVIEW_QUOTED = re.compile(r"review '([^']*)'")


def review_words(text: str) -> str:
    """Internal review vocabulary in an evidence sentence ("review 'aggregate'") in ClinVar's
    own words and stars."""

    def words(match: re.Match) -> str:
        stars = clinvar_review_stars(match.group(1))
        if stars is None:
            return match.group(0)
        return f"review: {CLINVAR_REVIEW_WORDS[stars]}, {plural(stars, 'star')}"

    return _REVIEW_QUOTED.sub(words, text)


def criteria_text(evidence: list) -> list[str]:
    """The met criteria, each with its points and the evidence sentence, for HTML and print."""
    lines = []
    for item in evidence:
        if isinstance(item, dict) and item.get("met"):
            text = f"{item.get('code')} ({item.get('strength') or ''}, {item.get('points', 0):+g})"
            if item.get("evidence"):
                text += f": {review_words(str(item['evidence']))}"
            lines.append(text)
    return lines


# --------------------------------------------------------------------------- copy number


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def segment_reason(segment: dict) -> str | None:
    """Why a segment's state is what it is: the copy-number step's ``state_reason`` when it
    gives one; otherwise, for a "not assessable" state, the reason read from its evidence."""
    if segment.get("state_reason"):
        return segment["state_reason"]
    if segment.get("allelic_state") != "not_assessable" and segment.get("call") != "not_assessable":
        return None
    bins = segment.get("n_bins") or 0
    if _missing(segment.get("log2")) or segment.get("call") == "not_assessable":
        return f"not assessable: {plural(bins, 'coverage bin')} with a copy ratio"
    het = segment.get("n_het_snps") or 0
    if het == 0 or _missing(segment.get("baf_mirrored_median")):
        return "allelic state not assessable: no heterozygous SNP with a B-allele frequency"
    return f"allelic state not assessable: only {plural(het, 'heterozygous SNP')}"


def supporting_svs(segment: dict, svs: list[dict]) -> list[str]:
    """The segment's supporting SVs as the copy-number step lists them, else the PASS
    structural variants with a breakpoint inside the segment."""
    listed = segment.get("supporting_svs")
    if isinstance(listed, list):
        return listed
    if isinstance(listed, str):
        return [item.strip() for item in listed.split(";") if item.strip()]
    found = []
    for sv in svs:
        if sv.get("chrom") != segment.get("chrom"):
            continue
        ends = [p for p in (sv.get("pos"), sv.get("end")) if isinstance(p, int | float)]
        if any(segment["start"] <= p <= segment["end"] for p in ends):
            found.append(f"{sv.get('svtype')} {sv.get('chrom')}:{sv.get('pos')}")
    return found


def annotate_segments(segments: list[dict], svs: list[dict]) -> list[dict]:
    for segment in segments:
        segment["not_assessable_reason"] = segment_reason(segment)
        segment["supporting_svs"] = supporting_svs(segment, svs)
    return segments


# --------------------------------------------------------------------------- summary


def _hgvs(row: dict) -> str | None:
    """``ENST...:c.524G>A p.Arg175His`` (the transcript once), else what the row has."""
    hgvs_c, transcript = row.get("hgvs_c"), row.get("transcript")
    if hgvs_c and transcript and not str(hgvs_c).startswith(str(transcript)):
        hgvs_c = f"{transcript}:{hgvs_c}"
    parts = [p for p in (hgvs_c, row.get("hgvs_p")) if p]
    return " ".join(str(p) for p in parts) if parts else row.get("protein_change")


def _zygosity(genotype: str | None) -> str | None:
    if not genotype:
        return None
    alleles = genotype.replace("|", "/").split("/")
    if len(set(alleles)) == 1 and alleles[0] not in ("0", "."):
        return "homozygous"
    if len(alleles) == 2 and "0" in alleles:
        return "heterozygous"
    return genotype


def germline_summary(findings: list[dict]) -> list[dict]:
    return [
        {
            "gene": f.get("gene"),
            "variant": f"{f.get('chrom')}:{f.get('pos')} {f.get('ref')}>{f.get('alt')}",
            "hgvs": _hgvs(f),
            "zygosity": _zygosity(f.get("genotype")),
            "inheritance": f.get("mode_of_inheritance"),
            "acmg_class": f.get("acmg_class"),
            "qc_failed_samples": f.get("qc_failed_samples", []),
        }
        for f in findings
    ]


def two_hit_summary(rows: list[dict]) -> list[dict]:
    return [
        {
            "gene": h.get("gene"),
            "tumour": h.get("tumour"),
            "second_hit": h.get("second_hit"),
            "mechanism": h.get("mechanism") or h.get("cnv_call") or h.get("allelic_imbalance"),
        }
        for h in rows
    ]


SECTION_LABELS = {
    "germline": "Germline variants",
    "somatic": "Somatic small variants",
    "copy_number": "Copy number",
    "structural_variants": "Structural variants",
    "two_hit": "Two-hit analysis",
    "rna": "RNA (expression)",
}


def limitations(
    analysis: dict, gate: dict, identity: dict | None, clinvar: str | None = None
) -> list[str]:
    """What this run could not say, and why."""
    notes = [
        f"{SECTION_LABELS[section]}: not analysed ({state['reason']})."
        for section, state in analysis.items()
        if state["status"] == NOT_ANALYSED
    ]
    for sample in gate["failed_samples"]:
        notes.append(
            f"Sample {sample} failed QC ({gate['reasons'].get(sample)}): findings that depend "
            "on it are marked and must be confirmed."
        )
    if not clinvar:
        notes.append("ClinVar: not configured, no ClinVar assertion was used.")
    if identity is None:
        notes.append("Sample identity: not assessed (no identity check in this run).")
    elif str(identity.get("verdict") or "").lower() == "not assessable":
        notes.append(f"Sample identity: not assessable ({identity.get('reason')}).")
    return notes


# --------------------------------------------------------------------------- formats


def format_number(value, digits: int = 4) -> str:
    """Numbers as a reader expects them: 0.9996 (not 1), 12,934 (not 1.29e+04), 6.15."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}" if abs(value) >= 10000 else str(int(value))
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 1:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if size >= 10**-digits:
        text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
        if text.lstrip("-") == "1":
            # a rate just below 1 (0.99996 of reads mapped) never reads as "1": all of them
            text = f"{value:.6f}".rstrip("0").rstrip(".")
            return text if text.lstrip("-") != "1" else ("-" if value < 0 else "") + "0.999999"
        return text
    return f"{value:.1e}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 gene``, ``2 genes``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def purity_summary(copy_number: dict) -> list[str]:
    """Front-page line per tumour with copy number: purity and ploidy with their intervals and
    whether they were estimated or given, or why they are not assessable."""
    lines = []
    for tumour, cn in copy_number.items():
        fit = cn.get("purity")
        if not fit:
            lines.append(f"{tumour}: not assessed (no purity fit in this run)")
        elif fit.get("purity") is None:
            lines.append(f"{tumour}: not assessable ({fit.get('reason') or 'no reason recorded'})")
        else:
            text = f"{tumour}: purity {format_number(fit['purity'], 2)}"
            if fit.get("purity_interval"):
                low, high = fit["purity_interval"]
                text += f" (95 % interval {format_number(low, 2)}-{format_number(high, 2)})"
            if fit.get("ploidy") is not None:
                text += f", ploidy {format_number(fit['ploidy'], 2)}"
            lines.append(text + f", {fit.get('source') or 'estimated'}")
    return lines


def fusion_summary(rna: dict | None) -> list[str]:
    """Front-page line per fusion that passed the RNA filter: known paediatric fusions first,
    then those with a known partner gene (KMT2A, NTRK, ...), then the others."""
    fusions = (rna or {}).get("fusions") or []
    rank = {"yes": 0, "partner": 1}
    lines = []
    for f in sorted(fusions, key=lambda f: rank.get(f.get("known"), 2)):
        text = f"{f.get('fusion')} in {f.get('sample')}"
        text += f" ({f.get('breakpoint5')} / {f.get('breakpoint3')}"
        text += f"; {f.get('split_reads')} split reads, {f.get('spanning_pairs')} spanning pairs"
        if f.get("reading_frame"):
            text += f"; reading frame {f['reading_frame']}"
        if f.get("known") == "yes":
            text += "; known paediatric fusion"
        elif f.get("known") == "partner":
            text += "; known fusion partner gene"
        lines.append(text + ")")
    return lines
