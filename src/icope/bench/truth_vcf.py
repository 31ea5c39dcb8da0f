"""Truth files of the simulator: germline and somatic truth VCFs (normalised with bcftools),
truth/loh.bed and truth/loh_hets.tsv, and the per-population VCF whose GT gives the haplotypes
``bcftools consensus`` builds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pysam

from icope.bench.sim_model import (
    Dirs,
    Genome,
    GermlineRecord,
    LohSegment,
    Population,
    SimulationParams,
    SomaticVariant,
    Tumour,
    run_tool,
)
from icope.bench.tumour import expected_germline_baf

# ----------------------------------------------------------------------------- truth VCFs


def _contig_header(lengths: dict[str, int]) -> list[str]:
    return [f"##contig=<ID={c},length={n}>" for c, n in lengths.items()]


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def write_germline_vcf(records, lengths, sample: str, path: Path) -> None:
    lines = [
        "##fileformat=VCFv4.2",
        *_contig_header(lengths),
        '##INFO=<ID=SPIKE_IN,Number=0,Type=Flag,Description="Spiked-in germline variant">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype (hap1|hap2)">',
        "\t".join(
            ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", sample]
        ),
    ]
    for r in records:
        info = "SPIKE_IN" if r.spike_in else "."
        lines.append(
            "\t".join(
                [
                    r.contig,
                    str(r.pos),
                    r.id,
                    r.ref,
                    ",".join(r.alts),
                    ".",
                    "PASS",
                    info,
                    "GT",
                    f"{r.gt[0]}|{r.gt[1]}",
                ]
            )
        )
    path.write_text("\n".join(lines) + "\n")


def write_somatic_vcf(variants: list[SomaticVariant], lengths, path: Path, purity: float) -> None:
    lines = [
        "##fileformat=VCFv4.2",
        *_contig_header(lengths),
        f"##tumour_purity={purity}",
        '##INFO=<ID=TYPE,Number=1,Type=String,Description="SNV, INS or DEL">',
        '##INFO=<ID=VAF,Number=1,Type=Float,Description="Expected VAF in the tumour sample">',
        '##INFO=<ID=TARGET_VAF,Number=1,Type=Float,Description="Requested VAF level">',
        '##INFO=<ID=CLONE,Number=1,Type=String,Description="Clone carrying the variant">',
        '##INFO=<ID=CLONE_FRACTION,Number=1,Type=Float,Description="Cancer-cell fraction">',
        '##INFO=<ID=HAPLOTYPE,Number=1,Type=String,Description="Mutated haplotype(s): 1, 2, 1+2">',
        '##INFO=<ID=LOH,Number=0,Type=Flag,Description="Inside a copy-loss/LOH segment">',
        '##INFO=<ID=TUMOUR_CN,Number=1,Type=Integer,Description="Copies in tumour cells">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]),
    ]
    for i, v in enumerate(variants, start=1):
        info = [
            f"TYPE={v.type}",
            f"VAF={_fmt(v.vaf)}",
            f"TARGET_VAF={_fmt(v.target_vaf)}",
            f"CLONE=C{v.clone}",
            f"CLONE_FRACTION={_fmt(v.clone_fraction)}",
            f"HAPLOTYPE={'+'.join(map(str, v.haplotypes))}",
        ]
        if v.in_loh:
            info.append("LOH")
        info.append(f"TUMOUR_CN={1 if v.in_loh else 2}")
        lines.append(
            "\t".join([v.contig, str(v.pos), f"SOM{i}", v.ref, v.alt, ".", "PASS", ";".join(info)])
        )
    path.write_text("\n".join(lines) + "\n")


def normalise_vcf(src: Path, reference: Path, dest: Path) -> int:
    """bcftools norm (REF checked, left-aligned) to bgzipped + tabix-indexed ``dest``."""
    run_tool(
        ["bcftools", "norm", "--no-version", "-c", "e", "-f", reference, "-Oz", "-o", dest, src]
    )
    run_tool(["tabix", "-f", "-p", "vcf", dest])
    with pysam.VariantFile(str(dest)) as vcf:
        return sum(1 for _ in vcf)


# ----------------------------------------------------------------------------- truth step


@dataclass
class TruthCounts:
    n_germline: int
    n_somatic: int
    n_loh_hets: int
    baf_kept: float
    baf_lost: float


def write_truth(
    params: SimulationParams,
    genome: Genome,
    germline: list[GermlineRecord],
    tumour: Tumour,
    dirs: Dirs,
) -> TruthCounts:
    """truth/germline.vcf.gz, somatic.vcf.gz (normalised), loh.bed and loh_hets.tsv."""
    germ_plain = dirs.work / "germline.vcf"
    write_germline_vcf(germline, genome.lengths, params.normal_name, germ_plain)
    n_germline = normalise_vcf(germ_plain, genome.path, dirs.truth / "germline.vcf.gz")
    som_plain = dirs.work / "somatic.vcf"
    write_somatic_vcf(tumour.somatic, genome.lengths, som_plain, params.purity)
    n_somatic = normalise_vcf(som_plain, genome.path, dirs.truth / "somatic.vcf.gz")
    baf_kept = expected_germline_baf(tumour.pops, 1, True)
    baf_lost = expected_germline_baf(tumour.pops, 2, True)
    _write_loh_bed(dirs.truth / "loh.bed", tumour.segments, baf_kept, baf_lost)
    n_loh_hets = _write_loh_hets(dirs.truth / "loh_hets.tsv", germline, tumour)
    return TruthCounts(n_germline, n_somatic, n_loh_hets, baf_kept, baf_lost)


def _write_loh_bed(
    path: Path, segments: list[LohSegment], baf_kept: float, baf_lost: float
) -> None:
    with open(path, "w") as out:
        out.write(
            "#chrom\tstart\tend\ttype\tcopy_number\tlost_haplotype\t"
            "tumour_baf_alt_on_kept_hap\ttumour_baf_alt_on_lost_hap\n"
        )
        for s in segments:
            out.write(
                f"{s.contig}\t{s.start0}\t{s.end0}\tLOH_copy_loss\t1\t2\t"
                f"{_fmt(baf_kept)}\t{_fmt(baf_lost)}\n"
            )


def _write_loh_hets(path: Path, germline: list[GermlineRecord], tumour: Tumour) -> int:
    """Each germline het allele inside an LOH segment with its expected tumour VAF."""
    n_loh_hets = 0
    with open(path, "w") as out:
        out.write("chrom\tpos\tref\talt\tgt\talt_haplotype\tnormal_vaf\ttumour_vaf\n")
        for rec in germline:
            if rec.gt[0] == rec.gt[1] or not any(
                s.contains(rec.contig, rec.start0, rec.end0) for s in tumour.segments
            ):
                continue
            for hap in (1, 2):
                index = rec.gt[hap - 1]
                if index:
                    n_loh_hets += 1
                    out.write(
                        f"{rec.contig}\t{rec.pos}\t{rec.ref}\t{rec.alts[index - 1]}\t"
                        f"{rec.gt[0]}|{rec.gt[1]}\t{hap}\t0.5\t"
                        f"{_fmt(expected_germline_baf(tumour.pops, hap, True))}\n"
                    )
    return n_loh_hets


# ----------------------------------------------------------------------------- population VCF


def population_vcf(
    path: Path,
    germline: list[GermlineRecord],
    somatic: list[SomaticVariant],
    pop: Population,
    loh: list[LohSegment],
    seqs: dict[str, str],
    lengths: dict[str, int],
) -> dict[int, dict[str, int]]:
    """VCF (bgzipped + indexed) whose GT is this population's hap1|hap2; returns the expected
    haplotype lengths per contig."""
    tumour = pop.n_clones > 0
    rows = _germline_rows(germline, loh if tumour else [])
    rows += [_somatic_row(v) for v in somatic if pop.n_clones >= v.clone]
    if tumour:
        rows += [_loh_deletion_row(seg, seqs[seg.contig]) for seg in loh]
    order = {c: i for i, c in enumerate(lengths)}
    rows.sort(key=lambda r: (order[r[0]], r[1]))
    _write_gt_vcf(rows, lengths, path.with_suffix(""))
    pysam.tabix_index(str(path.with_suffix("")), preset="vcf", force=True)
    return _haplotype_lengths(rows, lengths)


#: A population VCF row: (contig, pos, ref, alts, [hap1 allele, hap2 allele]).
_Row = tuple[str, int, str, tuple[str, ...], list[int]]


def _germline_rows(germline: list[GermlineRecord], lost: list[LohSegment]) -> list[_Row]:
    """Germline records, with the haplotype-2 allele removed inside the ``lost`` segments."""
    rows = []
    for rec in germline:
        gt = list(rec.gt)
        if gt[1] and any(s.contains(rec.contig, rec.start0, rec.end0) for s in lost):
            gt[1] = 0
        if gt != [0, 0]:
            rows.append((rec.contig, rec.pos, rec.ref, rec.alts, gt))
    return rows


def _somatic_row(v: SomaticVariant) -> _Row:
    return (v.contig, v.pos, v.ref, (v.alt,), [int(1 in v.haplotypes), int(2 in v.haplotypes)])


def _loh_deletion_row(seg: LohSegment, seq: str) -> _Row:
    """Haplotype 2 loses the segment: a deletion anchored on the base before it."""
    return (seg.contig, seg.start0, seq[seg.start0 - 1 : seg.end0], (seq[seg.start0 - 1],), [0, 1])


def _write_gt_vcf(rows: list[_Row], lengths: dict[str, int], path: Path) -> None:
    lines = [
        "##fileformat=VCFv4.2",
        *_contig_header(lengths),
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS",
    ]
    lines += [
        f"{contig}\t{pos}\t.\t{ref}\t{','.join(alts)}\t.\tPASS\t.\tGT\t{gt[0]}|{gt[1]}"
        for contig, pos, ref, alts, gt in rows
    ]
    path.write_text("\n".join(lines) + "\n")


def _haplotype_lengths(rows: list[_Row], lengths: dict[str, int]) -> dict[int, dict[str, int]]:
    """Contig lengths of haplotypes 1 and 2 once the rows' alleles are applied."""
    expected = {h: dict(lengths) for h in (1, 2)}
    for contig, _pos, ref, alts, gt in rows:
        for h in (1, 2):
            if gt[h - 1]:
                expected[h][contig] += len(alts[gt[h - 1] - 1]) - len(ref)
    return expected
