"""No shell injection: every path or value a rule puts into a shell command is quoted.

Statically, every placeholder of every `shell:` block carries Snakemake's `:q` (or is declared
in UNQUOTED). Then the commands Snakemake renders (`snakemake -n -p`) are checked on a config
whose reference, targets and known sites live in a directory named like an attack: its
command substitutions must stay inside single quotes in every command, and a tumour analysed
without a normal must get no empty '' argument in place of the normal's BAM. Read paths cannot
be hostile: the sample sheet rejects unsafe characters in them (icope.core.sheets). A real run
with spaces in its run and data directory paths is test_determinism's second run.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest
import yaml

from icope.core.datafiles import resolve_data_dir

from .conftest import REPO, make_run_dir, snakemake

pytestmark = pytest.mark.workflow

#: Placeholders left unquoted on purpose.
UNQUOTED = {
    "threads": "an integer Snakemake sets",
    "params.extra": "a *_extra argument string from the config, pasted unquoted on purpose",
    "params.mpileup_extra": "the same, for bcftools mpileup (germline)",
    "params.call_extra": "the same, for bcftools call (germline)",
    "params.fastp_extra": "the same, for fastp where it shares a job with the aligner",
}
#: A directory name that runs commands wherever a shell reads it unquoted.
HOSTILE = "ref dir $(touch pwned) `touch pwned2` 'q'"
INJECTIONS = ("$(touch pwned)", "`touch pwned2`")
_PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]+)\}(?!\})")


def _shell_blocks(smk: Path) -> dict[str, str]:
    """Rule name -> its shell command as written (the string literals joined)."""
    lines, blocks, rule = smk.read_text().splitlines(), {}, None
    for number, line in enumerate(lines):
        if line.startswith("rule "):
            rule = line.split()[1].rstrip(":")
        if line.strip() != "shell:":
            continue
        indent, parts = len(line) - len(line.lstrip()), []
        for following in lines[number + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            if following.strip().startswith(("'", '"')):
                parts.append(ast.literal_eval(following.strip()))
        blocks[rule] = "".join(parts)
    return blocks


def test_every_shell_placeholder_is_quoted():
    unquoted = []
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for rule, command in _shell_blocks(smk).items():
            for field in _PLACEHOLDER.findall(command):
                if not field.endswith(":q") and field not in UNQUOTED:
                    unquoted.append(f"{smk.name}: rule {rule}: {{{field}}}")
    assert unquoted == []


# --------------------------------------------------------------------- rendered commands


def _contexts(command: str):
    """(index, quoting context) for each character a shell reads: 'single' inside single
    quotes, else 'double', 'sub' (inside $(...)) or 'none'; backslash-escaped characters and
    the quote characters themselves are skipped."""
    stack, index = ["none"], 0
    while index < len(command):
        char, top = command[index], stack[-1]
        if top == "single":
            if char == "'":
                stack.pop()
            else:
                yield index, top
        elif char == "\\":
            index += 1
        elif char == "'" and top != "double":
            stack.append("single")
        elif char == '"':
            stack.pop() if top == "double" else stack.append("double")
        else:
            yield index, top
            if command.startswith("$(", index):
                stack.append("sub")
                index += 1
            elif char == ")" and top == "sub":
                stack.pop()
        index += 1


def unquoted_occurrences(command: str, needle: str) -> list[int]:
    """Where ``needle`` starts outside single quotes, i.e. where a shell would expand it."""
    return [
        i
        for i, context in _contexts(command)
        if context != "single" and command.startswith(needle, i)
    ]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("cat '/a $(touch pwned)/f'", []),
        ("cat '/a '\"'\"'q'\"'\"' $(touch pwned)/f'", []),
        ("ln -s \"$(realpath '/a $(touch pwned)/f')\" out", []),
        ("cat \\$(touch pwned)", []),
        ("cat /a $(touch pwned)/f", [7]),
        ('cat "/a $(touch pwned)/f"', [8]),
        ("cat '/a '$(touch pwned)", [9]),
    ],
)
def test_unquoted_occurrences(command, expected):
    assert unquoted_occurrences(command, "$(touch pwned)") == expected


def _hostile_run_dir(base: Path, caller: str) -> Path:
    """The test config with its reference, targets and known sites in HOSTILE (under a data
    directory linking the shared data's folders), germline calling by ``caller``, and a
    tumour-only tumour (P003 testTO, testT's reads)."""
    run_dir = make_run_dir(base)
    shared, data_dir = resolve_data_dir("auto", REPO), run_dir / "data"
    (data_dir / HOSTILE).mkdir(parents=True)
    for entry in shared.iterdir():
        (data_dir / entry.name).symlink_to(entry)
    config_file = run_dir / "config" / "config.yaml"
    config = yaml.safe_load(config_file.read_text())
    reference, known = config["reference"], config["reference"]["known_sites"]
    for section, key, name in [
        (reference, "fasta", "genome.fasta"),
        (known, "dbsnp", "dbsnp.vcf.gz"),
        (known, "gnomad", "gnomad.vcf.gz"),
    ]:
        (data_dir / HOSTILE / name).symlink_to(shared / section[key])
        if name.endswith(".vcf.gz"):
            (data_dir / HOSTILE / f"{name}.tbi").symlink_to(shared / f"{section[key]}.tbi")
        section[key] = f"{HOSTILE}/{name}"
    (data_dir / HOSTILE / "targets.bed").write_text("chr22\t0\t40001\n")
    reference["targets"] = f"{HOSTILE}/targets.bed"
    config.update(data_dir=str(data_dir), data_manifest=None)
    config["germline"]["caller"] = caller
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    with open(run_dir / "config" / "samples.tsv", "a") as samples:
        samples.write("P003\ttestTO\ttumour\tunknown\tno\tyes\n")
    units = run_dir / "config" / "units.tsv"
    test_t = next(line for line in units.read_text().splitlines() if line.startswith("testT\t"))
    fields = test_t.split("\t")
    fields[0], fields[-1] = "testTO", "testTO_lib1"
    units.write_text(units.read_text() + "\t".join(fields) + "\n")
    return run_dir


def _rendered_commands(run_dir: Path) -> list[tuple[str, str]]:
    """(rule, shell command) of every job of a dry run, as Snakemake would run it."""
    result = snakemake(run_dir, "--dry-run", "--printshellcmds", "--cores", "1")
    commands, rule = [], None
    for line in result.stdout.splitlines():
        # jobs of a group (profiles/default) are listed indented under their group job
        line = line.strip()
        if line.startswith(("rule ", "localrule ")):
            rule = line.split()[1].rstrip(":")
        elif line.startswith("Shell command: ") and line != "Shell command: None":
            commands.append((rule, line.removeprefix("Shell command: ")))
    return commands


@pytest.mark.parametrize("caller", ["bcftools", "freebayes"])
def test_rendered_commands_quote_a_hostile_reference_path(tmp_path, caller):
    run_dir = _hostile_run_dir(tmp_path / "run", caller)
    commands = _rendered_commands(run_dir)
    reached = {rule for rule, command in commands if "touch pwned" in command}
    # The callers read the targets through the chunk BEDs rule calling_chunks writes under
    # results/ (a script rule: no shell), so the hostile path reaches no calling command.
    # germline_call and somatic_calls are script rules too: their commands are built by
    # icope.core.callers (test_caller_commands_quote_a_hostile_path).
    assert {"genome_fasta", "known_sites", "bam_qc"} <= reached
    assert not {"germline_call", "somatic_calls"} & {rule for rule, _ in commands}
    expanded = [
        f"rule {rule}: {needle} at {i}: {command}"
        for rule, command in commands
        for needle in INJECTIONS
        for i in unquoted_occurrences(command, needle)
    ]
    assert expanded == []
    assert not list(tmp_path.rglob("pwned*"))


def test_a_tumour_without_normal_gets_no_empty_argument(tmp_path):
    commands = _rendered_commands(_hostile_run_dir(tmp_path / "run", "bcftools"))
    tumour_only = [(r, c) for r, c in commands if "testTO" in c and "testN" not in c]
    assert {r for r, _ in tumour_only} >= {"sv_call"}
    empty = [f"rule {r}: {c}" for r, c in commands if "" in shlex.split(c)]
    assert empty == []


def _caller_commands(fasta: str, samples: tuple[str, ...], chunk_dir: Path) -> list[str]:
    """Every command germline_call and somatic_calls run (icope.core.callers), for one chunk
    slot under ``chunk_dir`` and an output there."""
    from icope.core import callers
    from icope.core.scatter import ChunkSlot, keep_records

    slot = ChunkSlot("0001", str(chunk_dir / "0001.core.bed"), str(chunk_dir / "0001.padded.bed"))
    reads = callers.Reads(fasta, samples)
    settings = {
        "min_mapq": 20,
        "min_bq": 13,
        "best_n": 4,
        "min_af": 0.05,
        "min_alt_count": 2,
        "max_depth": 1000,
        "annotations": "FORMAT/AD,FORMAT/DP",
        "enough_alt_reads": "FORMAT/AD[0:1]>=3",
        "extra": "",
        "mpileup_extra": "",
        "call_extra": "",
    }
    output = str(chunk_dir / "calls.vcf.gz")
    return [
        callers.germline_bcftools(reads, settings)(slot),
        callers.germline_freebayes(reads, settings, 500)(slot),
        callers.somatic_pileup(reads, settings)(slot),
        callers.somatic_freebayes(reads, settings, 500)(slot),
        callers.germline_normalise(fasta, output, 20, 8),
        callers.split_alleles(fasta, output),
        keep_records(slot, output),
    ]


@pytest.mark.parametrize("samples", [("t.bam", "n.bam"), ("t.bam",)], ids=["pair", "tumour-only"])
def test_caller_commands_quote_a_hostile_path(tmp_path, samples):
    hostile = tmp_path / HOSTILE
    hostile.mkdir()
    (hostile / "0001.core.bed").write_text("chr22\t0\t10\n")
    bams = tuple(str(hostile / s) for s in samples)
    commands = _caller_commands(str(hostile / "genome.fasta"), bams, hostile)
    expanded = [
        f"{needle} at {i}: {command}"
        for command in commands
        for needle in INJECTIONS
        for i in unquoted_occurrences(command, needle)
    ]
    assert expanded == []
    # a tumour-only job names its tumour alone, with no empty argument for the normal
    assert all("" not in shlex.split(c) for c in commands)
    for command in commands[:4]:  # the callers: every BAM is one argument
        words = shlex.split(command)
        assert [w for w in words if w.endswith(".bam")] == list(bams), command
