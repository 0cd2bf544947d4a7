"""The fault engine: rules that break requests on purpose, reproducibly.

It wraps request handling and knows nothing of debit memos: rules match on
an operationId, a method, a path glob or a header, and act on HTTP and on
the connection. See SANDBOX.md "Fault rules" for the vocabulary.
"""

from mockserver.faults.engine import FaultEngine, Report
from mockserver.faults.matching import MAX_GLOB_LENGTH, RequestView, compile_glob
from mockserver.faults.rules import KEYS, Rule, RuleParser, parse_text
from mockserver.faults.ruleset import DuplicateRule, FaultRules
from mockserver.faults.values import RuleError

__all__ = [
    "KEYS",
    "MAX_GLOB_LENGTH",
    "DuplicateRule",
    "FaultEngine",
    "FaultRules",
    "Report",
    "RequestView",
    "Rule",
    "RuleError",
    "RuleParser",
    "compile_glob",
    "parse_text",
]
