"""Panel of normals: sites where several normals show the same non-reference allele.

A somatic candidate seen in other people's normals is a recurrent artefact (a mapping or
sequence-context error of the assay) or a germline site the matched normal missed by chance;
the consensus filters it (``PanelOfNormals``). The panel is built from the pileup of a set of
normals (``bcftools mpileup --ignore-RG``, one sample per alignment file): an allele enters
when at least ``min_normals`` normals have ``min_alt_reads`` reads of it and an allele fraction
of ``min_af``.

The panel is versioned by its content: the SHA-256 of its sites (chrom, pos, ref, alt and
normal count, one line each) and the number of normals it was built from, written in its
header (``##icope_pon_checksum``, ``##icope_pon_normals``), in a JSON beside it, and copied by
the consensus into each somatic VCF it filtered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pysam

CHECKSUM_KEY = "icope_pon_checksum"
NORMALS_KEY = "icope_pon_normals"


@dataclass(frozen=True)
class PonSettings:
    min_normals: int = 2
    min_alt_reads: int = 2
    min_af: float = 0.02

    @classmethod
    def from_config(cls, settings: dict) -> PonSettings:
        return cls(**{k: v for k, v in settings.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class PonSite:
    chrom: str
    pos: int
    ref: str
    alt: str
    normals: int

    def line(self) -> str:
        return f"{self.chrom}\t{self.pos}\t{self.ref}\t{self.alt}\t{self.normals}\n"


def _normals_with_allele(record, index: int, settings: PonSettings) -> int:
    count = 0
    for sample in record.samples.values():
        depths = sample.get("AD")
        if depths is None or depths[index] is None:
            continue
        depth = sum(d for d in depths if d is not None)
        alt = depths[index]
        count += alt >= settings.min_alt_reads and alt >= settings.min_af * depth
    return count


def panel_sites(pileup_path: str, settings: PonSettings) -> Iterator[PonSite]:
    """The alleles of a multi-normal ``bcftools mpileup -a AD`` file that enter the panel."""
    with pysam.VariantFile(pileup_path) as pileup:
        for record in pileup:
            for index, alt in enumerate(record.alts or (), start=1):
                if alt.startswith("<"):
                    continue
                normals = _normals_with_allele(record, index, settings)
                if normals >= settings.min_normals:
                    yield PonSite(record.contig, record.pos, record.ref, alt, normals)


def checksum(sites: list[PonSite]) -> str:
    """SHA-256 of the panel's content (independent of compression and header).

    >>> checksum([])[:12]
    'e3b0c44298fc'
    """
    digest = hashlib.sha256()
    for site in sites:
        digest.update(site.line().encode())
    return digest.hexdigest()


def build_panel(
    pileup_path: str, out_vcf: str, out_json: str, normals: list[str], settings: PonSettings
) -> dict:
    """Write the panel (bgzipped sites VCF) and its provenance JSON; returns the provenance."""
    sites = list(panel_sites(pileup_path, settings))
    with pysam.VariantFile(pileup_path) as pileup:
        contigs = [(c.name, c.length) for c in pileup.header.contigs.values()]
    provenance = {
        "checksum": f"sha256:{checksum(sites)}",
        "normals": len(normals),
        "normal_names": list(normals),
        "sites": len(sites),
        "settings": asdict(settings),
        "vcf": str(out_vcf),
    }
    header = pysam.VariantHeader()
    for name, length in contigs:
        header.contigs.add(name, length=length)
    header.add_line(f"##{CHECKSUM_KEY}={provenance['checksum']}")
    header.add_line(f"##{NORMALS_KEY}={len(normals)}")
    header.info.add("PON_NORMALS", 1, "Integer", "Normals with alt reads of the allele")
    with pysam.VariantFile(out_vcf, "wz", header=header) as out:
        for site in sites:
            record = out.new_record(
                contig=site.chrom, start=site.pos - 1, alleles=(site.ref, site.alt)
            )
            record.info["PON_NORMALS"] = site.normals
            out.write(record)
    pysam.tabix_index(out_vcf, preset="vcf", force=True)
    Path(out_json).write_text(json.dumps(provenance, indent=1) + "\n")
    return provenance


def panel_version(vcf: pysam.VariantFile) -> dict[str, str]:
    """The panel's checksum and normal count from its header ({} when not an icope panel)."""
    version = {}
    for record in vcf.header.records:
        if record.key in (CHECKSUM_KEY, NORMALS_KEY):
            version[record.key] = record.value
    return version


def panel_normals(vcf: pysam.VariantFile | None, chrom: str, pos: int, ref: str, alt: str):
    """Normals of the panel with the same allele, None when the allele is not in the panel."""
    if vcf is None:
        return None
    try:
        records = vcf.fetch(chrom, pos - 1, pos)
    except ValueError:  # contig not in the panel
        return None
    for record in records:
        if record.pos == pos and record.ref == ref and alt in (record.alts or ()):
            return int(record.info.get("PON_NORMALS", 0))
    return None
