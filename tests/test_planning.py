"""icope.core.planning: signatures computed once, what inspect and Snakemake then see."""

import inspect

from icope.core.planning import fix_signatures, fixed_signature


def test_fixed_signature_is_what_inspect_returns():
    def resources(wildcards, input, threads, attempt):
        return attempt

    before = inspect.signature(resources)
    assert fixed_signature(resources) is resources
    assert resources.__dict__["__signature__"] == before
    assert inspect.signature(resources) is resources.__signature__
    assert list(inspect.signature(resources).parameters) == [
        "wildcards",
        "input",
        "threads",
        "attempt",
    ]


def test_fixed_signature_leaves_other_callables_alone():
    class Callable:
        def __call__(self, wildcards):
            return wildcards

    instance = Callable()
    assert fixed_signature(instance) is instance
    assert "__signature__" not in vars(instance)
    assert fixed_signature(len) is len


def test_fix_signatures_only_touches_functions_of_the_workflow_files():
    namespace = {}
    source = "def sample_reads(wildcards):\n    return []\n"
    workflow_code = compile(source, "rules/common.smk", "exec")
    exec(workflow_code, namespace)
    exec(compile("def helper(x):\n    return x\n", "/somewhere/module.py", "exec"), namespace)
    namespace["number"] = 3
    assert fix_signatures(namespace) == 1
    assert "__signature__" in vars(namespace["sample_reads"])
    assert "__signature__" not in vars(namespace["helper"])
    # A second call finds nothing left to do.
    assert fix_signatures(namespace) == 0
