"""icope.core.scatter: chunks called in parallel inside one job, gathered in chunk order, each
keeping the records that start in its own regions; icope.core.callers' command lines."""

from __future__ import annotations

import io
import shlex
import subprocess

import pytest

from icope.core import callers
from icope.core.scatter import ScatterError, chunk_slots, run_scattered

HEADER = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=chr1,length=1000>\n"
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)
#: (POS, REF, ALT, DP): a deletion starting at 99 crosses the cut after base 100; 100 is the
#: last base of chunk 0001, 101 the first of 0002.
RECORDS = [(50, "A", "C", 10), (99, "ACGT", "A", 12), (100, "G", "T", 30), (101, "C", "G", 7)]
RECORDS += [(150, "T", "A", 9), (250, "A", "G", 5)]


def _vcf(path, records=RECORDS):
    lines = [f"chr1\t{p}\t.\t{r}\t{a}\t50\t.\tDP={d}\n" for p, r, a, d in records]
    path.write_text(HEADER + "".join(lines))
    return path


def _slots(base, cores: list[tuple[int, int] | None]):
    """Chunk slots 0001.. with these core regions (None: an unused slot)."""
    base.mkdir(parents=True, exist_ok=True)
    core, padded = [], []
    for number, region in enumerate(cores, 1):
        c, p = base / f"{number:04d}.core.bed", base / f"{number:04d}.padded.bed"
        c.write_text(f"chr1\t{region[0]}\t{region[1]}\n" if region else "")
        p.write_text(
            f"chr1\t{max(0, region[0] - 20)}\t{region[1] + 20}\n" if region else "chr1\t0\t1\n"
        )
        core.append(str(c))
        padded.append(str(p))
    return chunk_slots(core, padded)


def _positions(path) -> list[int]:
    out = subprocess.run(
        ["bcftools", "query", "-f", "%POS\\n", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [int(line) for line in out.split()]


def test_records_at_cuts_are_kept_once_in_chunk_order_whatever_finishes_first(tmp_path):
    vcf = _vcf(tmp_path / "calls.vcf")
    slots = _slots(tmp_path / "chunks", [(0, 100), (100, 200), (200, 1000), None])

    def command(slot):  # every chunk sees every record (as padding would); 0001 ends last
        delay = "sleep 0.5; " if slot.name == "0001" else ""
        return f"{delay}echo called {slot.name} >&2; cat {shlex.quote(str(vcf))}"

    log = io.StringIO()
    output = tmp_path / "out.bcf"
    results = run_scattered(slots, command, output, threads=4, log=log)
    assert [r.slot.name for r in results] == ["0001", "0002", "0003", "0004"]
    # the deletion at 99 crossing the cut belongs to the chunk it starts in, once
    assert _positions(output) == [50, 99, 100, 101, 150, 250]
    text = log.getvalue()
    order = [text.index(f"called {n}") for n in ("0001", "0002", "0003")]
    assert order == sorted(order)
    assert "chunk 0001: 100 bp called in" in text and "3 records; deepest called site DP 30" in text
    assert "chunk 0002: 100 bp called in" in text and "2 records; deepest called site DP 9" in text
    assert "chunk 0004: 0 bp called in" in text and "0 records" in text
    assert not (tmp_path / "out.bcf.chunks").exists()


def test_a_failing_chunk_is_named_with_its_log_tail(tmp_path):
    vcf = _vcf(tmp_path / "calls.vcf")
    slots = _slots(tmp_path / "chunks", [(0, 100), (100, 200), (200, 1000)])

    def command(slot):
        if slot.name == "0002":
            return "echo 'mpileup: cannot read the BAM' >&2; exit 3"
        return f"cat {shlex.quote(str(vcf))}"

    log = io.StringIO()
    output = tmp_path / "out.bcf"
    with pytest.raises(ScatterError) as error:
        run_scattered(slots, command, output, threads=1, log=log)
    message = str(error.value)
    assert message.startswith("chunk 0002 (") and "failed with exit status" in message
    assert "mpileup: cannot read the BAM" in message
    assert "chunk 0001: 100 bp called in" in log.getvalue()
    assert "chunk 0002: failed (exit status" in log.getvalue()
    assert not output.exists() and not (tmp_path / "out.bcf.chunks").exists()


def test_a_pipeline_failing_inside_fails_the_chunk(tmp_path):
    slots = _slots(tmp_path / "chunks", [(0, 1000)])
    with pytest.raises(ScatterError, match="chunk 0001"):
        run_scattered(
            slots, lambda s: "false | cat", tmp_path / "o.bcf", threads=1, log=io.StringIO()
        )


def test_paths_with_spaces_and_command_substitution_are_arguments(tmp_path):
    odd = tmp_path / "a dir $(touch INJECTED)"
    odd.mkdir()
    vcf = _vcf(odd / "calls; rm -rf x.vcf", records=RECORDS[:2])
    slots = _slots(odd / "chunk's beds", [(0, 1000)])
    output = odd / "out $(touch INJECTED2).bcf"
    run_scattered(slots, lambda s: f"cat {shlex.quote(str(vcf))}", output, 1, io.StringIO())
    assert _positions(output) == [50, 99]
    assert not list(tmp_path.rglob("INJECTED*")), "a path was run as a command"


def test_then_receives_the_gathered_calls(tmp_path):
    vcf = _vcf(tmp_path / "calls.vcf")
    slots = _slots(tmp_path / "chunks", [(0, 100), (100, 1000)])
    output = tmp_path / "out.vcf.gz"
    then = f"bcftools view --no-version -i 'INFO/DP>=10' -Oz -o {shlex.quote(str(output))}"
    run_scattered(slots, lambda s: f"cat {shlex.quote(str(vcf))}", output, 2, io.StringIO(), then)
    assert _positions(output) == [50, 99, 100]


def test_skip_coverage_sums_the_samples_mean_depths(tmp_path):
    rows = "chrom\tlength\tbases\tmean\tmin\tmax\n"
    rows += "chr1\t10\t300\t30.5\t0\t90\ntotal_region\t10\t300\t30.5\t0\t90\n"
    tumour, normal = tmp_path / "t.txt", tmp_path / "n.txt"
    tumour.write_text(rows.replace("30.5", "60"))
    normal.write_text(rows)
    assert callers.skip_coverage([str(tumour), str(normal)], 20, 500) == 1810
    assert callers.skip_coverage([str(normal)], 1, 500) == 500


def test_caller_commands_quote_every_path(tmp_path):
    slots = _slots(tmp_path / "x y", [(0, 10)])
    reads = callers.Reads("/ref/genome $(x).fa", ("/a b/t.bam", "/a b/n.bam"))
    settings = {
        "min_mapq": 20,
        "min_bq": 13,
        "best_n": 4,
        "extra": "--limit-coverage 900",
        "min_af": 0.05,
        "min_alt_count": 2,
    }
    command = callers.somatic_freebayes(reads, settings, 500)(slots[0])
    words = shlex.split(command.split(" | ")[0])
    assert words[:3] == ["freebayes", "-f", "/ref/genome $(x).fa"]
    assert words[-4:] == ["--limit-coverage", "900", "/a b/t.bam", "/a b/n.bam"]
    assert slots[0].padded in words and "--skip-coverage" in words
    normalise = callers.germline_normalise("/r f.fa", "/o $(x).vcf.gz", 20, 8)
    assert "-o '/o $(x).vcf.gz' && tabix -p vcf '/o $(x).vcf.gz'" in normalise
    assert "-e 'QUAL<20'" in normalise and "-e 'INFO/DP<8'" in normalise
