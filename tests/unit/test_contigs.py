"""Tests for icope.core.contigs: inputs whose contig names do not match the reference."""

from __future__ import annotations

from pathlib import Path

import pysam
import pytest

from icope.core.contigs import (
    ContigError,
    check_contigs,
    compare,
    fasta_contigs,
    vcf_contigs,
)
from icope.core.filecache import FileCache


def _fasta(tmp_path: Path, names=("chr22", "chrM")) -> Path:
    path = tmp_path / "ref.fa"
    path.write_text("".join(f">{n} description\nACGTACGT\n" for n in names))
    return path


def _vcf(tmp_path: Path, contig: str, name: str = "known.vcf") -> Path:
    path = tmp_path / name
    path.write_text(
        "##fileformat=VCFv4.2\n"
        f"##contig=<ID={contig},length=1000>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        f"{contig}\t5\trs1\tA\tG\t.\t.\t.\n"
    )
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return Path(f"{path}.gz")


def _bam(tmp_path: Path, contig: str) -> Path:
    path = tmp_path / "in.bam"
    header = {"HD": {"VN": "1.6"}, "SQ": [{"SN": contig, "LN": 1000}]}
    with pysam.AlignmentFile(str(path), "wb", header=header):
        pass
    return path


def test_fasta_contigs_from_headers_and_fai(tmp_path):
    fasta = _fasta(tmp_path)
    assert fasta_contigs(fasta) == ["chr22", "chrM"]
    pysam.faidx(str(fasta))
    assert fasta_contigs(fasta) == ["chr22", "chrM"]


def test_vcf_contigs_from_index(tmp_path):
    assert vcf_contigs(_vcf(tmp_path, "22")) == ["22"]


def test_matching_inputs_pass(tmp_path):
    gtf = tmp_path / "genes.gtf"
    gtf.write_text('#!comment\nchr22\tsrc\tgene\t1\t10\t.\t+\t.\tgene_id "G";\n')
    bed = tmp_path / "targets.bed"
    bed.write_text("track name=x\nchr22\t0\t100\n")
    contigs = check_contigs(
        _fasta(tmp_path),
        annotation=gtf,
        known_sites={"dbsnp": _vcf(tmp_path, "chr22")},
        targets=bed,
        alignments={"units.tsv, line 2: field 'bam':": _bam(tmp_path, "chr22")},
    )
    assert contigs == ["chr22", "chrM"]


def test_known_sites_without_chr_prefix_named_with_remedy(tmp_path):
    vcf = _vcf(tmp_path, "22")
    with pytest.raises(ContigError) as error:
        check_contigs(_fasta(tmp_path), known_sites={"dbsnp": vcf})
    message = str(error.value)
    assert f"reference.known_sites.dbsnp {vcf}" in message
    assert "none of its contigs (22) is in the reference (chr22, chrM)" in message
    assert "add the 'chr' prefix" in message


def test_every_mismatching_file_is_listed(tmp_path):
    bed = tmp_path / "targets.bed"
    bed.write_text("1\t0\t100\n")
    with pytest.raises(ContigError) as error:
        check_contigs(
            _fasta(tmp_path, names=("1", "2")),
            targets=bed,
            alignments={"units.tsv, line 3: field 'bam':": _bam(tmp_path, "chr1")},
        )
    lines = str(error.value).splitlines()
    assert len(lines) == 1  # the BED matches; the BAM does not
    assert lines[0].startswith("units.tsv, line 3: field 'bam':")
    assert "remove the 'chr' prefix" in lines[0]


def test_unrelated_names_get_no_prefix_advice():
    message = compare(["chr1"], ["scaffold_7"], "x")
    assert "none of its contigs (scaffold_7)" in message
    assert "prefix" not in message


def test_partial_overlap_is_fine():
    assert compare(["chr22"], ["chr21", "chr22", "chrY"], "gnomad") is None


def test_cache_reuses_unchanged_files(tmp_path):
    fasta = _fasta(tmp_path)
    cache = FileCache(tmp_path / "cache" / "facts.json")
    assert cache.get(fasta, "contigs", fasta_contigs) == ["chr22", "chrM"]
    cache.save()
    calls = []

    def reader(path):
        calls.append(path)
        return ["other"]

    again = FileCache(tmp_path / "cache" / "facts.json")
    assert again.get(fasta, "contigs", reader) == ["chr22", "chrM"]
    assert not calls
    fasta.write_text(">chrX\nACGT\n")
    assert again.get(fasta, "contigs", reader) == ["other"]
